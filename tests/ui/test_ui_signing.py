"""Issue 15 in a real browser: a partner domain's signature settings on its page, and each copy's
signature in the mail log (docs/signing.md).

A partner that was there before migration 6 (sign none, header protection off): the domain page
shows those values; the administrator opts it in (sign-and-encrypt, header protection), requires
its signature with "mark", keeps nothing else, saves, and the API shows exactly that; the domain
list shows the signing of each partner. The dashboard warns that our domain has no signer for a
partner that asks for signatures. The mail log lists the signature of each copy as a badge
with the whole text as its title, and the entry's page shows it in full. Uses tests/ui/
test_ui.py's daemon, API client and page helpers.
"""

import os
import sqlite3
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))

import test_ui as base  # noqa: E402  (exits 77 when the browser is missing)
import harness  # noqa: E402

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.support.ui import Select  # noqa: E402

OLD = "old.example"  # a partner from before the upgrade
NEW = "new.example"  # one added since
SIGNED = "signed.example"  # one whose mail is always signed, by a signer we do not have
INVALID = 'invalid; reason="the signed data was modified"; signer=cd34'


def selected(select_element):
    return Select(select_element).first_selected_option.get_attribute("value")


class SigningUi(unittest.TestCase):
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
        SigningUi.shot_number += 1
        self.d.save_screenshot(os.path.join(self.screens,
                                            f"signing-{SigningUi.shot_number:02d}-{name}.png"))

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
        out = gw.out("admin", "token", "create", "--name", "ui-signing", "--role", "admin")
        token = [word for word in out.split() if len(word) >= 32][0]
        gw.cli("domain", "add", OLD)
        gw.cli("domain", "add", NEW)
        gw.cli("domain", "add", SIGNED)
        gw.cli("domain", "set", SIGNED, "sign", "sign")
        # What migration 6 gave the domains that were there before it.
        gw.cli("domain", "set", OLD, "sign", "none")
        gw.cli("domain", "set", OLD, "header-protection", "off")
        # Mail log records as the gateway writes them (the pipeline fills the signature).
        db = sqlite3.connect(gw.store, timeout=10)
        with db:
            for n, (msgid, direction, action, signature) in enumerate((
                    ("ui-out@test", "outbound", "encrypted", "signed; signer=ab12; method=smime"),
                    ("ui-in@test", "inbound", "decrypted", INVALID))):
                cur = db.execute(
                    "INSERT INTO mail_log (time, queue_id, message_id, sender, direction, action,"
                    " method, keys, algorithm, detail, signature) VALUES (?, ?, ?, ?, ?, ?,"
                    " 'smime', '', 'aes256-cbc', 'ok', ?)",
                    (1767225600 + n, f"Q{n}", msgid, "s@x.example", direction, action, signature))
                db.execute("INSERT INTO mail_log_recipients (log_id, position, address) "
                           "VALUES (?, 0, 'r@y.example')", (cur.lastrowid,))
        db.close()
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

    def test_1_opt_a_partner_in_on_its_page(self):
        self.login("admin", base.ADMIN_PASSWORD)
        # The dashboard: our domain cannot sign what signed.example asks to be signed.
        self.assertEqual(self.el("status-warnings").text,
                         "local domain example.com: no signing certificate or key (mail to "
                         f"{SIGNED} (sign=sign) leaves unsigned)")
        self.shot("dashboard")
        self.go("domains")
        self.assertIn("none", self.el(f"domain-{OLD}").text)
        self.assertIn("sign-and-encrypt", self.el(f"domain-{NEW}").text)
        self.go(f"domains/{OLD}", "domains")
        self.assertEqual(selected(self.el("sign")), "none")
        self.assertFalse(self.el("header-protection").is_selected())
        self.assertFalse(self.el("require-signature").is_selected())
        self.assertEqual(selected(self.el("on-bad-signature")), "refuse")
        self.assertFalse(self.el("keep-signature").is_selected())
        self.shot("domain-before")
        Select(self.el("sign")).select_by_value("sign-and-encrypt")
        self.el("header-protection").click()
        self.el("require-signature").click()
        Select(self.el("on-bad-signature")).select_by_value("mark")
        self.el("domain-save").click()
        self.notice(f"Saved the settings of {OLD}")
        self.page("domains", f"#/domains/{OLD}")
        self.wait(lambda: selected(self.el("sign")) == "sign-and-encrypt", "the saved sign shown")
        self.shot("domain-after")
        status, d = self.api.call("GET", f"/domains/{OLD}")
        self.assertEqual(status, 200, d)
        self.assertEqual((d["sign"], d["header_protection"], d["require_signature"],
                          d["on_bad_signature"], d["keep_signature"]),
                         ("sign-and-encrypt", True, True, "mark", False))
        self.assertTrue(self.el("header-protection").is_selected())
        self.assertTrue(self.el("require-signature").is_selected())
        self.assertEqual(selected(self.el("on-bad-signature")), "mark")
        # The other partner is untouched.
        status, other = self.api.call("GET", f"/domains/{NEW}")
        self.assertEqual((other["sign"], other["require_signature"]), ("sign-and-encrypt", False))
        # Saving again with nothing changed sends nothing.
        self.el("domain-save").click()
        self.notice("Nothing changed.")
        self.assert_console_clean()

    def test_2_signatures_in_the_mail_log(self):
        self.login("admin", base.ADMIN_PASSWORD)
        self.go("maillog")
        badges = {b.text: b.get_attribute("title") for b in self.els("signature")}
        self.assertEqual(badges, {"signed": "signed; signer=ab12; method=smime",
                                  "invalid": INVALID}, badges)
        self.shot("maillog")
        status, page = self.api.call("GET", "/maillog?message_id=ui-in@test")
        self.assertEqual(status, 200, page)
        (entry,) = page["entries"]
        self.go(f"maillog/{entry['id']}", "maillog")
        self.assertEqual(self.el("entry-signature").text, INVALID)
        self.shot("maillog-entry")
        self.assert_console_clean()


if __name__ == "__main__":
    unittest.main()
