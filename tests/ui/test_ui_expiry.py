"""Issue 14, part B, in a real browser: a partner domain's lifecycle settings on its page.

A mandatory partner whose only certificate has expired: the domain page says the next message
is deferred (451); the administrator chooses "reject" for on-expired, "hard" revocation and
accepts signed updates, saves, and the API shows the three settings and a permanent refusal.
The dashboard lists the own certificate that expires in 3 days with its thumbprint, before the
partner's. Uses tests/ui/test_ui.py's daemon, API client and page helpers.
"""

import os
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))

import test_ui as base  # noqa: E402  (exits 77 when the browser is missing)
import harness  # noqa: E402
from test_lifecycle_expiry import openssl_ca_cert  # noqa: E402

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.support.ui import Select  # noqa: E402

PARTNER = "gone.example"


class ExpiryUi(unittest.TestCase):
    shot_number = 0
    # The page helpers of test_ui.WebUi (they use only self.d, self.screens, self.console).
    d = base.WebUi.d
    wait = base.WebUi.wait
    el = base.WebUi.el
    els = base.WebUi.els
    page = base.WebUi.page
    go = base.WebUi.go
    notice = base.WebUi.notice
    login = base.WebUi.login
    collect_console = base.WebUi.collect_console
    assert_console_clean = base.WebUi.assert_console_clean

    def shot(self, name):
        ExpiryUi.shot_number += 1
        self.d.save_screenshot(os.path.join(self.screens,
                                            f"expiry-{ExpiryUi.shot_number:02d}-{name}.png"))

    @classmethod
    def setUpClass(cls):
        cls.w = harness.Workdir()
        cls.daemon = cls.driver = cls.sink = None
        cls.console = []
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
        gw = harness.Gateway(cls.w, "gw")
        gw.cli("init")
        gw.cli("domain", "add", "example.com", "--local")
        gw.cli("admin", "user", "add", "admin", "--role", "admin", "--password-file",
               cls.w.write("admin.pw", base.ADMIN_PASSWORD + "\n"))
        out = gw.out("admin", "token", "create", "--name", "ui-expiry", "--role", "admin")
        token = [word for word in out.split() if len(word) >= 32][0]
        cert, _, cls.gone = openssl_ca_cert(cls.w, "gone", f"domain-cert@{PARTNER}",
                                            "20250101000000Z", "20250201000000Z")
        gw.cli("cert", "import", cert)
        gw.cli("ctl", "add", cls.gone, "--trust")
        gw.cli("domain", "add", PARTNER)
        gw.cli("domain", "set", PARTNER, "smime-cert", cls.gone)
        gw.cli("domain", "set", PARTNER, "encrypt-mode", "mandatory")
        cls.own = gw.out("cert", "create", "--email", "domain-cert@example.com", "--key", "p256",
                         "--days", "3")
        cls.daemon = base.Daemon(gw, cls.sink.address)
        cls.api = base.Api(cls.daemon.base, token)
        options = webdriver.ChromeOptions()
        options.binary_location = base.CHROMIUM
        for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                    "--ignore-certificate-errors", "--window-size=1366,900", "--lang=en-US"):
            options.add_argument(arg)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        cls.driver = webdriver.Chrome(service=Service(base.CHROMEDRIVER), options=options)
        cls.driver.set_page_load_timeout(base.WAIT)

    @classmethod
    def tearDownClass(cls):
        if cls.driver is not None:
            cls.driver.quit()
        if cls.daemon is not None:
            cls.daemon.stop()
        if cls.sink is not None:
            cls.sink.close()
        cls.w.remove()

    def test_lifecycle_settings_on_the_domain_page(self):
        self.login("admin", base.ADMIN_PASSWORD)
        # The dashboard: the own certificate first, with its thumbprint.
        rows = self.el("expiring").text
        self.assertIn(base.grouped(self.own[:16]), rows)
        self.assertIn("own", rows)
        self.go(f"domains/{PARTNER}", "domains")
        self.assertIn("deferred (451)", self.el("next").text)
        self.assertEqual(Select(self.el("on-expired")).first_selected_option.get_attribute("value"),
                         "defer")
        self.assertEqual(Select(self.el("revocation")).first_selected_option.get_attribute("value"),
                         "soft")
        self.assertFalse(self.el("accept-signed-updates").is_selected())
        self.shot("domain-before")
        Select(self.el("on-expired")).select_by_value("reject")
        Select(self.el("revocation")).select_by_value("hard")
        self.el("accept-signed-updates").click()
        self.el("domain-save").click()
        self.notice(f"Saved the settings of {PARTNER}")
        self.page("domains", f"#/domains/{PARTNER}")
        self.wait(lambda: "deferred" not in self.el("next").text, "the permanent refusal shown")
        self.shot("domain-after")
        status, d = self.api.call("GET", f"/domains/{PARTNER}")
        self.assertEqual(status, 200, d)
        self.assertEqual((d["on_expired"], d["revocation"], d["accept_signed_updates"]),
                         ("reject", "hard", True))
        self.assertEqual((d["next"]["action"], d["next"]["temporary"]), ("rejected", False))
        self.assertEqual(Select(self.el("on-expired")).first_selected_option.get_attribute("value"),
                         "reject")
        self.assert_console_clean()


if __name__ == "__main__":
    unittest.main()
