"""Own generations in the web UI: renew our certificate from its page (the successor's page
opens, the predecessor stays), retire and take back the predecessor, and give our OpenPGP key a
new subkey and then a new key from the "Details for PGP key" page; the API confirms each change.
The daemon, browser and helpers are test_ui.py's (WebUi); only the test below runs here."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_ui  # noqa: E402


class OwnGenerations(test_ui.WebUi):
    def test_own_generations(self):
        old = self.gw.out("cert", "create", "--email", f"domain-cert@{test_ui.LOCAL}",
                          "--key", "p256", "--days", "30").strip()
        fpr = self.gw.out("pgp", "create", "--uid", "Gateway <gw@corp.example>",
                          "--expires", "30d").strip()
        self.login("admin", test_ui.ADMIN_PASSWORD)

        # The list shows the own certificate as own, not as a refusal.
        self.go("certificates")
        row = self.el("cert-" + old)
        self.assertIn("own", row.text)
        self.assertNotIn("not usable", row.text.lower())

        self.go(f"certificates/{old}", "certificates")
        self.assertIn("In service", self.el("generation").text)
        self.click("cert-renew")
        self.notice("Renewed")
        certs = self.api.call("GET", "/certificates?own=true")[1]["certificates"]
        new = [c["sha256"] for c in certs if c["sha256"] != old]
        self.assertEqual(len(new), 1, certs)
        self.page("certificates", f"#/certificates/{new[0]}")
        self.shot("own-cert-renewed")

        self.go(f"certificates/{old}", "certificates")
        self.click("cert-retire")
        self.notice("Retired")
        self.wait(lambda: "Retired" in self.el("generation").text, "the retired state shown")
        self.assertTrue(self.api.call("GET", f"/certificates/{old}")[1]["retired"])
        self.click("cert-unretire")
        self.notice("Back in service")
        self.wait(lambda: not self.api.call("GET", f"/certificates/{old}")[1]["retired"],
                  "the certificate back in service")

        # OpenPGP: a new subkey, then a new key (the old one retired).
        self.go(f"pgp/{fpr}", "pgp")
        self.click("pgp-rotate")
        self.notice("New encryption subkey")
        audit = self.api.call("GET", f"/audit?object={fpr}")[1]["entries"]
        self.assertTrue(any(e["action"] == "pgp.rotate" for e in audit), audit)
        self.click("pgp-rotate-key")
        self.notice("New key made")
        self.assertTrue(self.api.call("GET", f"/pgp/keys/{fpr}")[1]["retired"])
        keys = self.api.call("GET", "/pgp/keys")[1]["keys"]
        successor = [k for k in keys if k["own"] and k["fingerprint"] != fpr
                     and "Gateway <gw@corp.example>" in k["uids"]]
        self.assertEqual(len(successor), 1, keys)
        self.assertFalse(successor[0]["retired"])
        self.shot("own-pgp-rotated")
        self.assert_console_clean()


if __name__ == "__main__":
    if test_ui.browser_missing():
        sys.exit(77)
    result = unittest.TextTestRunner(verbosity=2).run(
        unittest.TestSuite([OwnGenerations("test_own_generations")]))
    sys.exit(0 if result.wasSuccessful() else 1)
