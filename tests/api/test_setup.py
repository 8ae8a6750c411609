"""The guide's domain-to-domain setup done over the REST API only: import the partner's
certificate, compare its thumbprint with the one openssl computes (what the partner reads out on
the phone), trust it on the CTL, create the partner domain, choose the certificate, make it
mandatory, send a test message, and find it encrypted — at the sink behind the gateway
(application/pkcs7-mime, and openssl cms decrypts it with the partner's key) and in the mail log
(encrypted-smime)."""

import hashlib
import ssl
import subprocess
import unittest

from apiharness import ApiTestCase, wait_for_log
from harness import WAIT, header, make_smime_cert, wait_until


class DomainToDomain(ApiTestCase):
    def test_setup_and_test_message(self):
        cert, key, _ = make_smime_cert(self.w, "partner", "domain-cert@partner.example")
        with open(cert, "rb") as f:
            pem = f.read()
        # What openssl computes: `openssl x509 -fingerprint -sha256`, read aloud by the partner.
        spoken = hashlib.sha256(ssl.PEM_cert_to_DER_cert(pem.decode())).hexdigest()

        r = self.admin.upload("/api/v1/certificates", pem, "application/x-pem-file")
        self.assertEqual(r.status, 201, r)
        thumb = r.json()["sha256"]
        self.assertEqual(thumb, spoken)
        self.assertFalse(r.json()["usable"])  # self-signed, not on the CTL yet

        r = self.admin.put(f"/api/v1/ctl/{thumb}", {"status": "trusted"})
        self.assertEqual(r.status, 200, r)
        self.assertTrue(self.admin.get(f"/api/v1/certificates/{thumb}").json()["usable"])

        r = self.admin.post("/api/v1/domains", {"name": "partner.example", "local": False})
        self.assertEqual(r.status, 201, r)
        r = self.admin.patch("/api/v1/domains/partner.example",
                             {"smime_certs": [thumb], "methods": ["smime"],
                              "encrypt_mode": "mandatory"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json()["smime_certs"], r.json()["encrypt_mode"]),
                         ([thumb], "mandatory"))
        shown = self.admin.get("/api/v1/domains/partner.example").json()
        self.assertEqual(shown["smime_cert_status"][0]["usable"], True, shown)
        self.assertEqual(shown["next"]["action"], "encrypted", shown)

        r = self.admin.post("/api/v1/test-message",
                            {"from": "postmaster@a.example", "to": "bob@partner.example"})
        self.assertEqual(r.status, 200, r)
        message_id = r.json()["id"]

        (got,) = self.sink_a.wait_messages(1)
        self.assertEqual(got.recipients, ["bob@partner.example"])
        self.assertIn("application/pkcs7-mime", header(got.data, "Content-Type"))
        self.assertIn(message_id, header(got.data, "Message-ID"))
        # The partner can read it.
        out = subprocess.run(["openssl", "cms", "-decrypt", "-recip", cert, "-inkey", key],
                             input=got.data, capture_output=True, timeout=WAIT)
        self.assertEqual(out.returncode, 0, out.stderr)

        (entry,) = wait_for_log(self.admin, message_id)
        self.assertEqual(entry["action"], "encrypted-smime", entry)
        self.assertEqual(entry["recipients"], ["bob@partner.example"])
        self.assertIn(thumb, entry["keys"])
        one = self.admin.get(f"/api/v1/maillog/{entry['id']}")
        self.assertEqual((one.status, one.json()["message_id"]), (200, message_id))
        found = self.admin.get("/api/v1/maillog?action=encrypted-smime&recipient="
                               "BOB@partner.example").json()["entries"]
        self.assertIn(entry["id"], [e["id"] for e in found])

    def test_refused_test_message(self):
        self.assertEqual(self.admin.post("/api/v1/domains", {"name": "strict.example"}).status,
                         201)
        r = self.admin.patch("/api/v1/domains/strict.example?force=true",
                             {"encrypt_mode": "mandatory"})
        self.assertEqual(r.status, 200, r)
        r = self.admin.post("/api/v1/test-message",
                            {"from": "postmaster@a.example", "to": "x@strict.example"})
        self.assertEqual((r.status, r.error_code()), (422, "refused"), r)
        self.assertIn("550", r.json()["error"]["message"])
        # The mail log is written in batches: the refusal shows on the dashboard a moment later.
        def refused():
            refusals = self.admin.get("/api/v1/status").json()["recent_refusals"]
            return "x@strict.example" in [x for e in refusals for x in e["recipients"]]
        wait_until(refused, "the refusal among the status page's recent refusals")


if __name__ == "__main__":
    unittest.main()
