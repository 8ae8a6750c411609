"""Every endpoint of the REST API v1 (docs/api.md) once, with an admin token: what it answers,
that the change is there afterwards and in the audit log with the token as actor."""

import base64
import hashlib
import os
import re
import ssl
import subprocess
import tempfile
import unittest

from apiharness import ApiTestCase, Client, openssl
from harness import make_smime_cert

HERE = os.path.dirname(os.path.abspath(__file__))
MAKE_PKI = os.path.join(HERE, "..", "crypto", "make-pki.sh")


class Endpoints(ApiTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pki = tempfile.mkdtemp(dir=cls.w.path, prefix="pki.")
        subprocess.run(["sh", MAKE_PKI, cls.pki], check=True, capture_output=True, timeout=120)

    def pki_file(self, name):
        with open(os.path.join(self.pki, name), "rb") as f:
            return f.read()

    def audited(self, action, obj):
        entries = self.admin.get(f"/api/v1/audit?object={obj}").json()["entries"]
        self.assertTrue(any(e["action"] == action and e["actor"] == "token:script"
                            for e in entries), (action, obj, entries))

    def test_session_and_status(self):
        s = self.admin.get("/api/v1/session").json()
        self.assertEqual(s, {"user": "script", "role": "admin", "kind": "token",
                             "csrf_token": None})
        st = self.admin.get("/api/v1/status")
        self.assertEqual(st.status, 200, st)
        st = st.json()
        self.assertEqual(st["listeners"]["smtp"], f"127.0.0.1:{self.g.port}")
        self.assertEqual(st["listeners"]["admin"], f"127.0.0.1:{self.g.admin_port}")
        self.assertEqual(st["next_hop"], {"address": self.sink_a.address, "reachable": True})
        self.assertGreaterEqual(st["counts"]["local_domains"], 1)
        self.assertIsInstance(st["expiring"], list)
        self.assertIsInstance(st["recent_refusals"], list)

    def test_domains(self):
        r = self.admin.post("/api/v1/domains", {"name": "partner.example", "local": False})
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json()["name"], "partner.example")
        self.assertEqual(r.json()["encrypt_mode"], "none")
        self.assertEqual(self.admin.post("/api/v1/domains", {"name": "partner.example"}).status,
                         409)
        names = [d["name"] for d in self.admin.get("/api/v1/domains").json()["domains"]]
        self.assertIn("partner.example", names)
        r = self.admin.patch("/api/v1/domains/partner.example",
                             {"encrypt_mode": "opportunistic", "methods": ["pgp", "smime"],
                              "smime_profile": "modern", "require_tls": True})
        self.assertEqual(r.status, 200, r)
        d = r.json()
        self.assertEqual((d["encrypt_mode"], d["methods"], d["smime_profile"], d["require_tls"],
                          d["tls"]), ("opportunistic", ["pgp", "smime"], "modern", True,
                                      "encrypt"))
        self.assertIsInstance(d["warnings"], list)
        shown = self.admin.get("/api/v1/domains/partner.example")
        self.assertEqual(shown.status, 200, shown)
        self.assertEqual(shown.json()["record"], "partner.example")
        self.assertEqual(shown.json()["encrypt_mode"], "opportunistic")
        self.assertIn("next", shown.json())
        self.audited("domain.update", "partner.example")
        self.assertEqual(self.admin.get("/api/v1/domains/nothing.example").status, 404)
        r = self.admin.delete("/api/v1/domains/partner.example")
        self.assertEqual((r.status, r.json()), (200, {"removed": "partner.example"}))
        self.assertEqual(self.admin.get("/api/v1/domains/partner.example").status, 404)

    def test_certificates(self):
        cert, _, thumb = make_smime_cert(self.w, "certs-partner", "domain-cert@certs.example")
        with open(cert, "rb") as f:
            pem = f.read()
        r = self.admin.upload("/api/v1/certificates", pem, "application/x-pem-file")
        self.assertEqual(r.status, 201, r)
        c = r.json()
        self.assertEqual(c["sha256"], thumb)
        self.assertEqual(c["imported"], [thumb])
        self.assertEqual(c["sha1"], hashlib.sha1(ssl.PEM_cert_to_DER_cert(pem.decode()))
                         .hexdigest())
        self.assertEqual((c["ctl"], c["usable"], c["own"]), ("none", False, False))
        self.assertEqual(c["emails"], ["domain-cert@certs.example"])
        self.audited("cert.import", thumb)
        # By prefix and in full; PEM and DER out.
        self.assertEqual(self.admin.get(f"/api/v1/certificates/{thumb[:12]}").json()["sha256"],
                         thumb)
        out = self.admin.get(f"/api/v1/certificates/{thumb}/pem")
        self.assertEqual(out.status, 200)
        self.assertEqual(out.header("Content-Type"), "application/x-pem-file")
        self.assertEqual(ssl.PEM_cert_to_DER_cert(out.body.decode()),
                         ssl.PEM_cert_to_DER_cert(pem.decode()))
        der = self.admin.get(f"/api/v1/certificates/{thumb}/der")
        self.assertEqual(hashlib.sha256(der.body).hexdigest(), thumb)
        # DER in.
        self.assertEqual(self.admin.delete(f"/api/v1/certificates/{thumb}").status, 200)
        self.assertEqual(self.admin.get(f"/api/v1/certificates/{thumb}").status, 404)
        r = self.admin.upload("/api/v1/certificates", der.body, "application/pkix-cert")
        self.assertEqual(r.status, 201, r)
        listed = self.admin.get("/api/v1/certificates?own=false").json()["certificates"]
        self.assertIn(thumb, [x["sha256"] for x in listed])
        self.assertNotIn(thumb, [x["sha256"] for x in
                                 self.admin.get("/api/v1/certificates?own=true")
                                 .json()["certificates"]])
        soon = self.admin.get("/api/v1/certificates?expiring_days=60").json()["certificates"]
        self.assertIn(thumb, [x["sha256"] for x in soon])  # made for 30 days

        # PKCS#12 with its key: ours.
        p12 = base64.b64encode(self.pki_file("ee-legacy.p12")).decode()
        r = self.admin.post("/api/v1/certificates", {"pkcs12": p12, "password": "wrong"})
        self.assertEqual(r.status, 400, r)
        r = self.admin.post("/api/v1/certificates", {"pkcs12": p12, "password": "test"})
        self.assertEqual(r.status, 201, r)
        self.assertTrue(r.json()["own"])

    def test_own_certificate(self):
        r = self.admin.post("/api/v1/own-certificates",
                            {"email": "domain-cert@a.example", "common_name": "a.example domain",
                             "key": "p256", "days": 400})
        self.assertEqual(r.status, 201, r)
        c = r.json()
        self.assertTrue(c["own"])
        self.assertEqual(c["subject"], "CN=a.example domain")
        # Self-signed: usable for encryption only once on the CTL (for a partner gateway).
        self.assertFalse(c["usable"], c)
        self.assertIn("certificate trust list", c["reason"])
        self.audited("cert.create", c["sha256"])
        own = self.admin.get("/api/v1/certificates?own=true").json()["certificates"]
        self.assertIn(c["sha256"], [x["sha256"] for x in own])
        r = self.admin.post("/api/v1/own-certificates", {"email": "not an address"})
        self.assertEqual(r.status, 400, r)

    def test_ctl(self):
        thumb = "cd" * 32  # trust in advance, by full thumbprint
        r = self.admin.put(f"/api/v1/ctl/{thumb}", {"status": "blocked"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json()["sha256"], r.json()["status"]), (thumb, "blocked"))
        # Trusting what is blocked needs force.
        r = self.admin.put(f"/api/v1/ctl/{thumb}", {"status": "trusted"})
        self.assertEqual((r.status, r.error_code()), (409, "needs_force"), r)
        self.assertIn("force=true", r.json()["error"]["message"])
        r = self.admin.put(f"/api/v1/ctl/{thumb}?force=true", {"status": "trusted"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["status"], "trusted")
        self.assertTrue(r.json()["warnings"])
        entries = self.admin.get("/api/v1/ctl").json()["entries"]
        self.assertIn({"sha256": thumb, "status": "trusted"},
                      [{k: e[k] for k in ("sha256", "status")} for e in entries])
        self.assertEqual(self.admin.delete(f"/api/v1/ctl/{thumb}").status, 200)
        self.assertEqual(self.admin.delete(f"/api/v1/ctl/{thumb}").status, 404)

    def test_roots_and_crls(self):
        ca = self.pki_file("ca.crt")
        r = self.admin.upload("/api/v1/roots", ca, "application/x-pem-file")
        self.assertEqual(r.status, 201, r)
        (root,) = r.json()["roots"]
        self.assertIn("Sealgate Test Root", root["subject"])
        self.assertTrue(root["is_ca"])
        self.assertIn(root["sha256"], [x["sha256"] for x in
                                       self.admin.get("/api/v1/roots").json()["roots"]])
        r = self.admin.upload("/api/v1/crls", self.pki_file("ca.crl.der"), "application/pkix-crl")
        self.assertEqual(r.status, 201, r)
        self.assertIn("Sealgate Test Root", r.json()["issuer"])
        self.assertFalse(r.json()["stale"])
        crls = self.admin.get("/api/v1/crls").json()["crls"]
        self.assertEqual(len(crls), 1)
        r = self.admin.upload("/api/v1/crls", self.pki_file("ca.crl"), "application/x-pem-file")
        self.assertEqual(r.status, 201, r)
        self.assertEqual(len(self.admin.get("/api/v1/crls").json()["crls"]), 1)  # replaced
        r = self.admin.delete(f"/api/v1/roots/{root['sha256']}")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.admin.get("/api/v1/roots").json()["roots"], [])

    def test_pgp_keys(self):
        r = self.admin.post("/api/v1/pgp/own-keys",
                            {"uid": "a.example domain <domain-cert@a.example>",
                             "algorithm": "ed25519", "expires": "1y"})
        self.assertEqual(r.status, 201, r)
        own = r.json()
        self.assertTrue(own["own"])
        self.assertEqual(own["uids"], ["a.example domain <domain-cert@a.example>"])
        self.assertRegex(own["fingerprint"], r"^[0-9a-f]{40}$")
        self.assertIsNotNone(own["expires"])
        armor = self.admin.get(f"/api/v1/pgp/keys/{own['fingerprint']}/armor")
        self.assertEqual(armor.status, 200)
        self.assertEqual(armor.header("Content-Type"), "application/pgp-keys")
        self.assertTrue(armor.body.startswith(b"-----BEGIN PGP PUBLIC KEY BLOCK-----"))

        # A partner's key, made by another gateway.
        other = self.gateway("pgp-partner")
        other.cli("init")
        fpr = other.out("pgp", "create", "--uid", "Partner <domain-cert@pgp.example>")
        path = self.w.file("partner.asc")
        other.cli("pgp", "export", fpr, "--armor", "-o", path)
        with open(path, "rb") as f:
            key = f.read()
        r = self.admin.upload("/api/v1/pgp/keys", key, "application/pgp-keys")
        self.assertEqual(r.status, 201, r)
        k = r.json()
        self.assertEqual((k["fingerprint"], k["trusted"], k["usable"], k["own"]),
                         (fpr, False, False, False))
        self.assertEqual(k["imported"][0]["fingerprint"], fpr)
        self.audited("pgp.import", fpr)
        self.assertEqual(self.admin.post("/api/v1/domains", {"name": "pgp.example"}).status, 201)
        # The "Details for PGP key" page's Save.
        r = self.admin.patch(f"/api/v1/pgp/keys/{fpr[:16]}",
                             {"trusted": True, "domains": ["pgp.example"]})
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json()["trusted"], r.json()["usable"], r.json()["domains"]),
                         (True, True, ["pgp.example"]))
        d = self.admin.get("/api/v1/domains/pgp.example").json()
        self.assertEqual(d["pgp_keys"], [fpr])
        listed = [x["fingerprint"] for x in self.admin.get("/api/v1/pgp/keys").json()["keys"]]
        self.assertIn(fpr, listed)
        self.assertIn(own["fingerprint"], listed)
        self.assertEqual(self.admin.get(f"/api/v1/pgp/keys/{fpr}").json()["domains"],
                         ["pgp.example"])
        r = self.admin.patch(f"/api/v1/pgp/keys/{fpr}", {"domains": ["missing.example"]})
        self.assertEqual(r.status, 404, r)
        self.assertEqual(self.admin.delete(f"/api/v1/pgp/keys/{fpr}").status, 200)
        self.assertEqual(self.admin.get(f"/api/v1/pgp/keys/{fpr}").status, 404)

    def test_users_and_tokens(self):
        r = self.admin.post("/api/v1/users", {"name": "erin", "role": "viewer",
                                              "password": "erin's password"})
        self.assertEqual(r.status, 201, r)
        self.assertEqual((r.json()["name"], r.json()["role"]), ("erin", "viewer"))
        self.assertNotIn("password_hash", r.body.decode())
        users = self.admin.get("/api/v1/users").json()["users"]
        self.assertIn("erin", [u["name"] for u in users])
        self.assertNotIn("argon2", self.admin.get("/api/v1/users").body.decode())
        self.assertEqual(Client(self.g).login("erin", "erin's password").status, 303)
        r = self.admin.put("/api/v1/users/erin/password", {"password": "erin's new password"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(Client(self.g).login("erin", "erin's new password").status, 303)
        self.assertEqual(self.admin.post("/api/v1/users", {"name": "short", "role": "admin",
                                                           "password": "1234567"}).status, 400)
        self.audited("account.add", "erin")
        self.assertEqual(self.admin.delete("/api/v1/users/erin").status, 200)
        self.assertEqual(self.admin.delete("/api/v1/users/erin").status, 404)

        r = self.admin.post("/api/v1/tokens", {"name": "ci", "role": "viewer"})
        self.assertEqual(r.status, 201, r)
        self.assertRegex(r.json()["token"], r"^[A-Za-z0-9_-]{43}$")
        tokens = self.admin.get("/api/v1/tokens").json()["tokens"]
        self.assertIn({"name": "ci", "role": "viewer"},
                      [{k: t[k] for k in ("name", "role")} for t in tokens])
        self.assertNotIn(r.json()["token"], self.admin.get("/api/v1/tokens").body.decode())
        self.assertEqual(self.admin.post("/api/v1/tokens", {"name": "ci", "role": "admin"}).status,
                         409)
        self.assertEqual(self.admin.delete("/api/v1/tokens/ci").status, 200)
        self.audited("token.revoke", "ci")

    def test_maillog_and_audit_paging(self):
        for i in range(3):
            self.assertEqual(self.admin.post("/api/v1/domains",
                                             {"name": f"page{i}.example"}).status, 201)
        first = self.admin.get("/api/v1/audit?limit=2")
        self.assertEqual(first.status, 200, first)
        page = first.json()
        self.assertEqual(len(page["entries"]), 2)
        self.assertIsNotNone(page["next_cursor"])
        second = self.admin.get(f"/api/v1/audit?limit=2&cursor={page['next_cursor']}").json()
        self.assertTrue(second["entries"])
        self.assertLess(second["entries"][0]["id"], page["entries"][-1]["id"])
        log = self.admin.get("/api/v1/maillog?limit=5&action=refused")
        self.assertEqual(log.status, 200, log)
        self.assertIn("entries", log.json())
        self.assertIn("next_cursor", log.json())
        self.assertEqual(self.admin.get("/api/v1/maillog/999999999").status, 404)

    def test_unknown_endpoint_and_method(self):
        r = self.admin.get("/api/v1/nothing")
        self.assertEqual((r.status, r.error_code()), (404, "not_found"))
        r = self.admin.raw("PUT", "/api/v1/domains", b"{}", {"Content-Type": "application/json"})
        self.assertEqual((r.status, r.error_code()), (405, "method_not_allowed"))
        self.assertEqual(r.header("Allow"), "GET, POST")


if __name__ == "__main__":
    unittest.main()
