"""Issue 19 over REST: a domain's key discovery settings in PATCH /api/v1/domains/{name}
(discovery, discovery_address), shown by GET with the source of each bound key, audited,
refused when bad without a change; POST /api/v1/domains/{name}/discover refuses what is not a
partner domain by its name. The lookup itself with a signed zone is tests/e2e/test_discovery.py."""

import subprocess
import unittest

from apiharness import ApiTestCase


class DiscoverySettings(ApiTestCase):
    def test_patch_show_audit_and_refusals(self):
        r = self.admin.post("/api/v1/domains", {"name": "p.example"})
        self.assertEqual(r.status, 201, r)
        d = r.json()
        self.assertEqual((d["discovery"], d["discovery_address"], d["discovery_address_default"]),
                         ("off", "domain-cert@p.example", True))
        r = self.admin.patch("/api/v1/domains/p.example",
                             {"discovery": "auto-dane", "discovery_address": "keys@p.example"})
        self.assertEqual(r.status, 200, r)
        d = self.admin.get("/api/v1/domains/p.example").json()
        self.assertEqual((d["discovery"], d["discovery_address"], d["discovery_address_default"]),
                         ("auto-dane", "keys@p.example", False))
        entries = self.admin.get("/api/v1/audit?object=p.example").json()["entries"]
        self.assertTrue(any("discovery: off -> auto-dane" in e["change"] for e in entries),
                        entries)
        for bad, word in (({"discovery": "sometimes"}, "discovery"),
                          ({"discovery_address": "keys@other.example"}, "discovery-address"),
                          ({"discovery_address": 7}, "discovery_address"),
                          ({"discovery_address_default": True}, "read-only")):
            r = self.admin.patch("/api/v1/domains/p.example", bad)
            self.assertEqual(r.status, 400, r)
            self.assertIn(word, r.json()["error"]["message"], r)
        after = self.admin.get("/api/v1/domains/p.example").json()
        self.assertEqual((after["discovery"], after["discovery_address"]),
                         ("auto-dane", "keys@p.example"))
        r = self.admin.patch("/api/v1/domains/p.example", {"discovery_address": ""})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["discovery_address"], "domain-cert@p.example")
        # Our own domain is no partner to discover.
        r = self.admin.patch("/api/v1/domains/a.example", {"discovery": "review"})
        self.assertEqual(r.status, 400, r)
        self.assertEqual(self.viewer.patch("/api/v1/domains/p.example",
                                           {"discovery": "off"}).status, 403)

    def test_bound_certificates_name_their_source(self):
        cert = self.w.file("s.crt")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:P-256", "-nodes", "-keyout", self.w.file("s.key"),
                        "-out", cert, "-days", "30", "-subj", "/CN=s", "-addext",
                        "subjectAltName=email:domain-cert@s.example"],
                       check=True, capture_output=True)
        sha = self.g.cli("cert", "import", cert).stdout.decode().split()[0]
        self.g.cli("domain", "add", "s.example")
        self.g.cli("domain", "set", "s.example", "smime-cert", sha)
        d = self.admin.get("/api/v1/domains/s.example").json()
        self.assertEqual([c["origin"] for c in d["smime_cert_status"]], [{"source": "manual"}],
                         d)

    def test_discover_refuses_what_is_not_a_partner_by_name(self):
        self.g.cli("domain", "add", "*.wild.example")
        for name, status in (("a.example", 400), ("nowhere.example", 404),
                             ("*.wild.example", 400)):
            r = self.admin.post(f"/api/v1/domains/{name}/discover", {})
            self.assertEqual(r.status, status, (name, r))
        self.assertEqual(self.viewer.post("/api/v1/domains/a.example/discover", {}).status, 403)
        self.assertEqual(self.admin.get("/api/v1/pending").json()["pending"], [])


if __name__ == "__main__":
    unittest.main()
