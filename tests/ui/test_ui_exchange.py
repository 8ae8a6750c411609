#!/usr/bin/python3
"""test_ui_exchange.py — the web UI's Updates page (the signed update exchange) in a real browser:
Debian's headless Chromium through chromedriver, against the real `sealgate serve`.

A partner gateway (its CLI) renews its certificate and exports a signed bundle. On the gateway
under test the administrator exports a bundle of the local domain (shown, with its sequence),
uploads a tampered copy of the partner's bundle (the API's refusal shown), uploads the real one
(staged), approves it in the pending list (the partner domain then has both certificates), and
rejects the next one. No CSP violation and no JavaScript error in the console.

Run with Debian's /usr/bin/python3 (python3-selenium). Exits 77 (ctest: skipped) only when
chromium or chromedriver is not installed. Waits are polls on a condition with a bound.
"""

import base64
import json
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))

import harness  # noqa: E402
import test_ui  # noqa: E402  (Daemon, Api, the browser's options and checks)

if __name__ == "__main__" and test_ui.browser_missing():
    print(f"SKIP: {', '.join(test_ui.browser_missing())} not installed")
    sys.exit(77)

from selenium import webdriver  # noqa: E402
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

WAIT = test_ui.WAIT
LOCAL = "example.com"
PARTNER = "partner.example"


class UpdatesPage(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.w = harness.Workdir()
        cls.daemon = None
        cls.driver = None
        cls.screens = os.environ.get("SCREENSHOTS") or cls.w.file("screenshots")
        os.makedirs(cls.screens, exist_ok=True)
        try:
            cls._set_up()
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def _set_up(cls):
        cls.sink = harness.Sink(cls.w)
        p = cls.partner = harness.Gateway(cls.w, "partner")
        p.cli("init")
        p.cli("domain", "add", PARTNER, "--local")
        cls.p1 = p.out("cert", "create", "--email", f"domain-cert@{PARTNER}", "--key", "p256",
                       "--days", "30")
        p.cli("cert", "export", cls.p1, "-o", cls.w.file("p1.pem"))

        gw = cls.gw = harness.Gateway(cls.w, "gw")
        gw.cli("init")
        gw.cli("domain", "add", LOCAL, "--local")
        cls.own = gw.out("cert", "create", "--email", f"domain-cert@{LOCAL}", "--key", "p256",
                         "--days", "30")
        gw.cli("cert", "import", cls.w.file("p1.pem"))
        gw.cli("ctl", "add", cls.p1, "--trust")
        gw.cli("domain", "add", PARTNER)
        gw.cli("domain", "set", PARTNER, "smime-cert", cls.p1)
        gw.cli("admin", "user", "add", "admin", "--role", "admin", "--password-file",
               cls.w.write("admin.pw", test_ui.ADMIN_PASSWORD + "\n"))
        out = gw.out("admin", "token", "create", "--name", "ui-test", "--role", "admin")
        token = [word for word in out.split() if len(word) >= 32]
        cls.daemon = test_ui.Daemon(gw, cls.sink.address)
        cls.api = test_ui.Api(cls.daemon.base, token[0])
        options = webdriver.ChromeOptions()
        options.binary_location = test_ui.CHROMIUM
        for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                    "--ignore-certificate-errors", "--window-size=1366,900", "--lang=en-US"):
            options.add_argument(arg)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        cls.driver = webdriver.Chrome(service=Service(test_ui.CHROMEDRIVER), options=options)
        cls.driver.set_page_load_timeout(WAIT)

    @classmethod
    def tearDownClass(cls):
        if cls.driver is not None:
            cls.driver.quit()
        if cls.daemon is not None:
            cls.daemon.stop()
        if getattr(cls, "sink", None) is not None:
            cls.sink.close()
        cls.w.remove()

    # --- the browser --------------------------------------------------------------------------

    @property
    def d(self):
        return self.driver

    def wait(self, condition, what):
        try:
            return WebDriverWait(self.d, WAIT, ignored_exceptions=(
                NoSuchElementException, StaleElementReferenceException)).until(
                lambda d: condition(), message=what)
        except Exception:
            self.d.save_screenshot(os.path.join(self.screens, "updates-FAILED.png"))
            raise

    def el(self, test):
        return self.d.find_element(By.CSS_SELECTOR, f'[data-test="{test}"]')

    def els(self, test):
        return self.d.find_elements(By.CSS_SELECTOR, f'[data-test="{test}"]')

    def page_ready(self):
        views = self.d.find_elements(By.CSS_SELECTOR, '.view[data-test="page-updates"]')
        return views and views[0].get_attribute("data-ready") == "true"

    def notice(self, text):
        self.wait(lambda: text in self.el("notices").text, f"notice '{text}'")

    def partner_bundle(self, name):
        path = self.w.file(name)
        self.partner.cli("exchange", "export", "--domain", PARTNER, "-o", path)
        return path

    def upload(self, path):
        self.el("import-file").send_keys(path)
        self.el("import-submit").click()

    # --- the page ------------------------------------------------------------------------------

    def test_updates_page(self):
        d = self.d
        d.get(self.daemon.base + "/")
        self.wait(lambda: d.find_element(By.NAME, "username"), "the login form").send_keys("admin")
        pw = d.find_element(By.NAME, "password")
        pw.send_keys(test_ui.ADMIN_PASSWORD)
        pw.send_keys(Keys.ENTER)
        self.wait(lambda: self.els("nav-updates"), "the menu")
        self.el("nav-updates").click()
        self.wait(self.page_ready, "the Updates page")
        self.assertEqual(self.el("page-title").text, "Updates")
        self.assertIn("No pending change", self.el("pending-empty").text)

        # Export our own domain's bundle.
        Select(self.el("export-domain")).select_by_value(LOCAL)
        self.el("export-submit").click()
        self.notice(f"Exported {LOCAL}-1.bundle")
        bundle = json.loads(self.el("export-bundle").get_attribute("value"))
        self.assertEqual(bundle["format"], "sealgate-update-bundle/1")
        self.assertEqual(self.el("export-download").get_attribute("download"), f"{LOCAL}-1.bundle")
        self.assertIn("Sequence 1", self.el("export-summary").text)
        d.save_screenshot(os.path.join(self.screens, "updates-export.png"))

        # The partner renews; a tampered copy of its bundle is refused with the API's reason.
        p2 = self.partner.out("cert", "create", "--email", f"domain-cert@{PARTNER}", "--key",
                              "p256", "--days", "60")
        good = self.partner_bundle("update1.bundle")
        with open(good) as f:
            doc = json.load(f)
        manifest = json.loads(base64.b64decode(doc["manifest"]))
        manifest["sequence"] = 40
        doc["manifest"] = base64.b64encode(json.dumps(manifest).encode()).decode()
        tampered = self.w.write("tampered.bundle", json.dumps(doc))
        self.upload(tampered)
        self.wait(lambda: self.els("error-message"), "an error message")
        self.assertIn("does not verify", self.el("error-message").text)
        self.assertEqual(self.api.call("GET", "/pending")[1]["pending"], [])

        # The real one is staged, then approved.
        self.upload(good)
        self.notice(f"as pending change 1")
        self.wait(lambda: self.els("pending-1"), "the pending change in the list")
        row = self.el("pending-1")
        items = row.find_elements(By.CSS_SELECTOR, '[data-test="pending-item"]')
        self.assertEqual([i.get_attribute("title") for i in items], [p2])
        self.assertIn(p2[:4].upper(), items[0].text)
        self.assertIn("pending", self.el("pending-1").text)
        d.save_screenshot(os.path.join(self.screens, "updates-pending.png"))
        self.el("approve-1").click()
        self.notice("Approved pending change 1")
        self.wait(lambda: "approved" in self.el("pending-1").text, "the change shown approved")
        self.assertFalse(self.els("approve-1"))
        status, domain = self.api.call("GET", f"/domains/{PARTNER}")
        self.assertEqual(status, 200)
        self.assertEqual(domain["smime_certs"], [self.p1, p2])

        # The next one is rejected (the browser asks first): nothing changes.
        self.partner.out("cert", "create", "--email", f"domain-cert@{PARTNER}", "--key", "p256",
                         "--days", "90")
        self.upload(self.partner_bundle("update2.bundle"))
        self.wait(lambda: self.els("reject-2"), "the second pending change")
        self.el("reject-2").click()
        self.wait(lambda: d.switch_to.alert, "the confirmation").accept()
        self.notice("Rejected pending change 2")
        self.wait(lambda: "rejected" in self.el("pending-2").text, "the change shown rejected")
        self.assertEqual(self.api.call("GET", f"/domains/{PARTNER}")[1]["smime_certs"],
                         [self.p1, p2])
        d.save_screenshot(os.path.join(self.screens, "updates-decided.png"))

        # No CSP violation, no JavaScript error (the refused import is a network error).
        bad = [e for e in d.get_log("browser")
               if "Content Security Policy" in e["message"] or "Refused to" in e["message"]
               or (e["level"] == "SEVERE" and e.get("source") != "network")]
        self.assertEqual(bad, [])


if __name__ == "__main__":
    unittest.main()
