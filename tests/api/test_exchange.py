"""The signed update exchange over the REST API (docs/api.md, "Update exchange and pending
changes"): a partner gateway (driven through its CLI) renews its certificate and exports a signed
bundle; the gateway under test imports it over the API — refused when tampered, replayed, for a
domain without trust, or sent by a viewer — stages it, shows it, approves it once; and exports
bundles of its own local domain."""

import base64
import json
import unittest

from apiharness import ApiTestCase
from harness import Gateway


class Exchange(ApiTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        p = Gateway(cls.w, "partner")
        cls._gateways.append(p)
        p.cli("init")
        p.cli("domain", "add", "partner.example", "--local")
        p.cli("domain", "add", "other.example", "--local")
        cls.p1 = p.out("cert", "create", "--email", "domain-cert@partner.example", "--key", "p256",
                       "--days", "30")
        p.cli("cert", "export", cls.p1, "-o", cls.w.file("p1.pem"))
        cls.p = p

    def bundle(self, domain="partner.example"):
        path = self.w.file(f"{domain}.bundle")
        self.p.cli("exchange", "export", "--domain", domain, "-o", path)
        with open(path, "rb") as f:
            return f.read()

    def import_bundle(self, data, client=None):
        return (client or self.admin).upload("/api/v1/exchange/import", data, "application/json")

    def test_import_stage_approve_and_refusals(self):
        a = self.admin
        with open(self.w.file("p1.pem"), "rb") as f:
            self.assertEqual(a.upload("/api/v1/certificates", f.read(),
                                      "application/x-pem-file").status, 201)
        self.assertEqual(a.put(f"/api/v1/ctl/{self.p1}", {"status": "trusted"}).status, 200)
        self.assertEqual(a.post("/api/v1/domains", {"name": "partner.example"}).status, 201)
        r = a.patch("/api/v1/domains/partner.example",
                    {"smime_certs": [self.p1], "encrypt_mode": "mandatory"})
        self.assertEqual(r.status, 200, r)

        p2 = self.p.out("cert", "create", "--email", "domain-cert@partner.example", "--key",
                        "p256", "--days", "60")
        good = self.bundle()

        # Tampered: the manifest re-encoded with another sequence; the signatures do not cover it.
        doc = json.loads(good)
        manifest = json.loads(base64.b64decode(doc["manifest"]))
        manifest["sequence"] = 77
        doc["manifest"] = base64.b64encode(json.dumps(manifest).encode()).decode()
        r = self.import_bundle(json.dumps(doc).encode())
        self.assertEqual((r.status, r.error_code()), (422, "unusable"), r)
        self.assertIn("does not verify", r.json()["error"]["message"])
        # Malformed, unsigned, wrong media type, a viewer.
        r = self.import_bundle(b"{not json")
        self.assertEqual((r.status, r.error_code()), (400, "bad_input"), r)
        unsigned = dict(json.loads(good), signatures=[])
        r = self.import_bundle(json.dumps(unsigned).encode())
        self.assertEqual((r.status, r.error_code()), (400, "bad_input"), r)
        r = a.upload("/api/v1/exchange/import", good, "text/plain")
        self.assertEqual(r.status, 415, r)
        r = self.import_bundle(good, self.viewer)
        self.assertEqual((r.status, r.error_code()), (403, "forbidden"), r)
        self.assertEqual(a.get("/api/v1/pending").json()["pending"], [])

        r = self.import_bundle(good)
        self.assertEqual(r.status, 201, r)
        change = r.json()
        self.assertFalse(change["applied"])
        self.assertEqual(change["signer"], self.p1)
        self.assertEqual([i["id"] for i in change["adds"]], [p2])
        self.assertEqual(change["adds"][0]["kind"], "certificate")
        pending_id = change["pending_id"]

        # Replayed.
        r = self.import_bundle(good)
        self.assertEqual((r.status, r.error_code()), (409, "conflict"), r)

        listed = self.viewer.get("/api/v1/pending").json()["pending"]
        self.assertEqual([(x["id"], x["state"], x["domain"]) for x in listed],
                         [(pending_id, "pending", "partner.example")])
        self.assertIn(p2, listed[0]["summary"])
        shown = a.get(f"/api/v1/pending/{pending_id}").json()
        self.assertEqual([i["id"] for i in shown["change"]["adds"]], [p2])
        self.assertEqual(a.get("/api/v1/pending/999").status, 404)
        self.assertEqual(a.get("/api/v1/pending/x1").status, 400)
        self.assertEqual(self.viewer.post(f"/api/v1/pending/{pending_id}/approve", {}).status, 403)

        r = a.post(f"/api/v1/pending/{pending_id}/approve", {})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["state"], "approved")
        domain = a.get("/api/v1/domains/partner.example").json()
        self.assertEqual(domain["smime_certs"], [self.p1, p2])
        self.assertTrue(a.get(f"/api/v1/certificates/{p2}").json()["usable"])
        r = a.post(f"/api/v1/pending/{pending_id}/approve", {})
        self.assertEqual((r.status, r.error_code()), (409, "conflict"), r)

        # The next one is rejected: nothing changes.
        self.p.out("cert", "create", "--email", "domain-cert@partner.example", "--key", "p256",
                   "--days", "90")
        r = self.import_bundle(self.bundle())
        self.assertEqual(r.status, 201, r)
        second = r.json()["pending_id"]
        r = a.post(f"/api/v1/pending/{second}/reject", {})
        self.assertEqual((r.status, r.json()["state"]), (200, "rejected"), r)
        self.assertEqual(a.get("/api/v1/domains/partner.example").json()["smime_certs"],
                         [self.p1, p2])

        # A bundle for a domain without a record here: no trust.
        self.p.out("cert", "create", "--email", "domain-cert@other.example", "--key", "p256",
                   "--days", "30")
        r = self.import_bundle(self.bundle("other.example"))
        self.assertEqual((r.status, r.error_code()), (404, "not_found"), r)

        actions = [e["action"] for e in a.get("/api/v1/audit?limit=100").json()["entries"]]
        for action in ("exchange.import", "pending.approve", "pending.reject"):
            self.assertIn(action, actions)

    def test_export_our_domain(self):
        a = self.admin
        r = a.post("/api/v1/exchange/export", {"domain": "a.example"})
        self.assertEqual((r.status, r.error_code()), (404, "not_found"), r)  # no own certificate
        own = self.g.out("cert", "create", "--email", "domain-cert@a.example", "--key", "p256",
                         "--days", "30")
        r = a.post("/api/v1/exchange/export", {"domain": "a.example"})
        self.assertEqual(r.status, 200, r)
        out = r.json()
        self.assertEqual((out["domain"], out["signers"]), ("a.example", [own]))
        self.assertEqual([(e["id"], e["state"]) for e in out["entries"]], [(own, "current")])
        bundle = json.loads(out["bundle"])
        self.assertEqual(bundle["format"], "sealgate-update-bundle/1")
        manifest = json.loads(base64.b64decode(bundle["manifest"]))
        self.assertEqual((manifest["domain"], manifest["sequence"]), ("a.example", out["sequence"]))
        again = a.post("/api/v1/exchange/export", {"domain": "a.example"}).json()
        self.assertEqual(again["sequence"], out["sequence"] + 1)
        r = a.post("/api/v1/exchange/export", {"domain": "nowhere.example"})
        self.assertEqual(r.status, 404, r)
        r = a.post("/api/v1/exchange/export", {"domain": "a.example", "extra": 1})
        self.assertEqual(r.status, 400, r)
        r = self.viewer.post("/api/v1/exchange/export", {"domain": "a.example"})
        self.assertEqual(r.status, 403, r)


if __name__ == "__main__":
    unittest.main()
