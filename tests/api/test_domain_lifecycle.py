"""Issue 14, part B, over REST: a domain's lifecycle settings in PATCH /api/v1/domains/{name}
(on_expired, revocation, accept_signed_updates), shown by GET, audited, refused when bad
without a change; what expires (GET /api/v1/status "expiring", own first, full thumbprints);
the "next" decision of a mandatory partner whose only certificate expired (temporary)."""

import os
import subprocess
import unittest

from apiharness import ApiTestCase
from test_lifecycle_expiry import openssl_ca_cert


class LifecycleSettings(ApiTestCase):
    def test_patch_show_audit_and_refusals(self):
        r = self.admin.post("/api/v1/domains", {"name": "p.example"})
        self.assertEqual(r.status, 201, r)
        d = r.json()
        self.assertEqual((d["on_expired"], d["revocation"], d["accept_signed_updates"]),
                         ("defer", "soft", False))
        r = self.admin.patch("/api/v1/domains/p.example",
                             {"on_expired": "reject", "revocation": "hard",
                              "accept_signed_updates": True})
        self.assertEqual(r.status, 200, r)
        d = self.admin.get("/api/v1/domains/p.example").json()
        self.assertEqual((d["on_expired"], d["revocation"], d["accept_signed_updates"]),
                         ("reject", "hard", True))
        listed = {x["name"]: x for x in self.admin.get("/api/v1/domains").json()["domains"]}
        self.assertEqual(listed["p.example"]["revocation"], "hard")
        entries = self.admin.get("/api/v1/audit?object=p.example").json()["entries"]
        self.assertTrue(any("on_expired: defer -> reject" in e["change"] for e in entries),
                        entries)
        for bad, field in (({"on_expired": "later"}, "on_expired"),
                           ({"revocation": "maybe"}, "revocation"),
                           ({"accept_signed_updates": "yes"}, "accept_signed_updates")):
            r = self.admin.patch("/api/v1/domains/p.example", bad)
            self.assertEqual(r.status, 400, r)
            self.assertIn(field, r.json()["error"]["message"], r)
        after = self.admin.get("/api/v1/domains/p.example").json()
        self.assertEqual((after["on_expired"], after["revocation"]), ("reject", "hard"))
        # A viewer may read, not change.
        self.assertEqual(self.viewer.patch("/api/v1/domains/p.example",
                                           {"on_expired": "defer"}).status, 403)

    def test_status_lists_what_expires_own_first(self):
        own = self.g.cli("cert", "create", "--email", "domain-cert@a.example", "--key", "p256",
                         "--days", "4").stdout.decode().strip()
        cert = self.w.file("soon.crt")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                        self.w.file("soon.key"), "-out", cert, "-days", "2", "-subj",
                        "/CN=soon", "-addext", "subjectAltName=email:domain-cert@soon.example"],
                       check=True, capture_output=True)
        partner = self.g.cli("cert", "import", cert).stdout.decode().split()[0]
        items = self.admin.get("/api/v1/status").json()["expiring"]
        ids = [i["id"] for i in items]
        self.assertIn(own, ids)
        self.assertIn(partner, ids)
        self.assertLess(ids.index(own), ids.index(partner), items)
        first = items[ids.index(own)]
        self.assertEqual((first["kind"], first["own"], first["state"]),
                         ("certificate", True, "expiring"))

    def test_next_decision_of_an_expired_partner_is_temporary(self):
        cert, _, sha = openssl_ca_cert(self.w, "gone", "domain-cert@gone.example",
                                       "20250101000000Z", "20250201000000Z")
        self.g.cli("cert", "import", cert)
        self.g.cli("ctl", "add", sha, "--trust")
        self.assertEqual(self.admin.post("/api/v1/domains", {"name": "gone.example"}).status, 201)
        r = self.admin.patch("/api/v1/domains/gone.example",
                             {"smime_certs": [sha], "encrypt_mode": "mandatory"})
        self.assertEqual(r.status, 200, r)
        nxt = self.admin.get("/api/v1/domains/gone.example").json()["next"]
        self.assertEqual((nxt["action"], nxt["temporary"]), ("rejected", True), nxt)
        self.assertIn("expired on 2025-02-01", nxt["reason"])
        self.admin.patch("/api/v1/domains/gone.example", {"on_expired": "reject"})
        nxt = self.admin.get("/api/v1/domains/gone.example").json()["next"]
        self.assertEqual((nxt["action"], nxt["temporary"]), ("rejected", False), nxt)


if __name__ == "__main__":
    unittest.main()
