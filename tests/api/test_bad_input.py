"""Bad input gets a clear 4xx and changes nothing (issue 13, part 4): malformed JSON, unknown
fields, wrong types, bodies over the limit, path tricks, thumbprints that are not, PEM garbage,
wrong content types. After all of them the audit log and the domains are as before."""

import json
import unittest

from apiharness import ApiTestCase


class BadInput(ApiTestCase):
    def setUp(self):
        self.audit_before = self.audit_ids()
        self.domains_before = self.admin.get("/api/v1/domains").json()

    def tearDown(self):
        self.assertEqual(self.audit_ids(), self.audit_before, "something was changed")
        self.assertEqual(self.admin.get("/api/v1/domains").json(), self.domains_before)

    def expect(self, r, status, code, words=None):
        self.assertEqual(r.status, status, r)
        self.assertEqual(r.header("Content-Type"), "application/json")
        self.assertEqual(r.error_code(), code, r)
        if words:
            self.assertIn(words, r.json()["error"]["message"])

    def test_malformed_json(self):
        for body in [b"{", b"{\"name\": }", b"not json", b"\xff\xfe", b"", b"{\"name\":\"x\"} x"]:
            self.expect(self.admin.post("/api/v1/domains", body), 400, "bad_input")

    def test_not_an_object(self):
        for body in [[], "partner.example", 42, None]:
            self.expect(self.admin.post("/api/v1/domains", body), 400, "bad_input")

    def test_deep_nesting(self):
        body = b"{\"name\":" + b"[" * 100000 + b"]" * 100000 + b"}"
        self.expect(self.admin.post("/api/v1/domains", body), 400, "bad_input")

    def test_unknown_field(self):
        r = self.admin.post("/api/v1/domains", {"name": "x.example", "colour": "blue"})
        self.expect(r, 400, "bad_input", '"colour"')
        r = self.admin.patch("/api/v1/domains/a.example", {"encrypt_mode": "none", "mode": "x"})
        self.expect(r, 400, "bad_input", '"mode"')

    def test_wrong_types(self):
        cases = [
            ("POST", "/api/v1/domains", {"name": 42}),
            ("POST", "/api/v1/domains", {"name": "x.example", "local": "yes"}),
            ("PATCH", "/api/v1/domains/a.example", {"methods": "smime"}),
            ("PATCH", "/api/v1/domains/a.example", {"methods": ["smime", 1]}),
            ("PATCH", "/api/v1/domains/a.example", {"require_tls": 1}),
            ("PATCH", "/api/v1/domains/a.example", {"min_rsa_bits": "2048"}),
            ("PATCH", "/api/v1/domains/a.example", {"min_rsa_bits": 2.5}),
            ("PATCH", "/api/v1/domains/a.example", {"min_rsa_bits": 18446744073709551615}),
            ("PATCH", "/api/v1/domains/a.example", {"encrypt_mode": "sometimes"}),
            ("PATCH", "/api/v1/domains/a.example", {"smime_certs": ["not hex"]}),
            ("PATCH", "/api/v1/domains/a.example", {"pgp_keys": []}),
            ("PATCH", "/api/v1/domains/a.example", {}),
            ("PUT", "/api/v1/ctl/" + "ab" * 32, {"status": True}),
            ("PUT", "/api/v1/ctl/" + "ab" * 32, {"status": "maybe"}),
            ("POST", "/api/v1/tokens", {"name": "t", "role": "root"}),
            ("POST", "/api/v1/own-certificates", {"email": "a@a.example", "days": 0}),
            ("POST", "/api/v1/own-certificates", {"email": "a@a.example", "key": "dsa"}),
            ("POST", "/api/v1/pgp/own-keys", {"uid": "x <x@a.example>", "expires": "soon"}),
        ]
        for method, path, body in cases:
            with self.subTest(method=method, path=path, body=body):
                self.expect(self.admin.send_json(method, path, body), 400, "bad_input")

    def test_required_field(self):
        self.expect(self.admin.post("/api/v1/domains", {"local": True}), 400, "bad_input",
                    '"name"')

    def test_body_over_the_limit(self):
        body = json.dumps({"name": "x" * (1024 * 1024)}).encode()
        self.expect(self.admin.raw("POST", "/api/v1/domains", body,
                                   {"Content-Type": "application/json"}), 413, "too_large")
        self.expect(self.admin.raw("POST", "/api/v1/certificates", b"-" * (2 * 1024 * 1024),
                                   {"Content-Type": "application/x-pem-file"}), 413, "too_large")

    def test_path_tricks(self):
        for path in ["/api/v1/certificates/../../etc", "/api/v1/certificates/%2e%2e/%2e%2e/etc",
                     "/api/v1/certificates/..%2f..%2fetc%2fpasswd", "/api/v1/domains/./a.example",
                     "/api/v1//domains", "/api/v1/domains/a.example/", "/api/v1/domains/%00",
                     "/api/v1/domains/a%20b"]:
            with self.subTest(path=path):
                r = self.admin.get(path)
                self.assertIn(r.status, (400, 404), r)
                self.assertIn(r.error_code(), ("bad_input", "not_found"))
                self.assertNotIn(b"root:", r.body)

    def test_thumbprints_that_are_not(self):
        for thumb, words in [("zz" * 32, "not a hex"), ("ab" * 40, "8 to 64"), ("abc", "8 to 64"),
                             ("ab" * 10000, None)]:
            with self.subTest(thumb=thumb[:20]):
                r = self.admin.get(f"/api/v1/certificates/{thumb}")
                if len(thumb) > 10000:
                    self.assertIn(r.status, (400, 414), r)  # a request line over httplib's limit
                    continue
                self.expect(r, 400, "bad_input", words)
                self.expect(self.admin.delete(f"/api/v1/certificates/{thumb}"), 400, "bad_input")
                self.expect(self.admin.put(f"/api/v1/ctl/{thumb}", {"status": "trusted"}), 400,
                            "bad_input")
        self.expect(self.admin.get("/api/v1/pgp/keys/" + "ab" * 32), 400, "bad_input", "8 to 40")
        self.expect(self.admin.get("/api/v1/certificates/" + "ab" * 32), 404, "not_found")
        self.expect(self.admin.get("/api/v1/maillog/12x"), 400, "bad_input")

    def test_garbage_for_certificates_keys_crls(self):
        garbage = b"-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n"
        self.expect(self.admin.upload("/api/v1/certificates", garbage, "application/x-pem-file"),
                    400, "bad_input")
        self.expect(self.admin.upload("/api/v1/certificates", b"\x30\x03\x02\x01\x01",
                                      "application/pkix-cert"), 400, "bad_input")
        self.expect(self.admin.upload("/api/v1/certificates", b"", "application/x-pem-file"),
                    400, "bad_input")
        self.expect(self.admin.post("/api/v1/certificates", {"pkcs12": "!!!", "password": ""}),
                    400, "bad_input")
        self.expect(self.admin.upload("/api/v1/pgp/keys", b"-----BEGIN PGP PUBLIC KEY BLOCK-----\n"
                                      b"\nZ2FyYmFnZQ==\n-----END PGP PUBLIC KEY BLOCK-----\n",
                                      "application/pgp-keys"), 400, "bad_input")
        self.expect(self.admin.upload("/api/v1/crls", garbage, "application/x-pem-file"), 400,
                    "bad_input")
        self.expect(self.admin.upload("/api/v1/roots", garbage, "application/x-pem-file"), 400,
                    "bad_input")

    def test_wrong_content_types(self):
        self.expect(self.admin.raw("POST", "/api/v1/domains", b'{"name":"x.example"}',
                                   {"Content-Type": "text/plain"}), 415,
                    "unsupported_media_type")
        self.expect(self.admin.upload("/api/v1/pgp/keys", b"x", "application/json"), 415,
                    "unsupported_media_type")
        self.expect(self.admin.upload("/api/v1/certificates", b"x", "image/png"), 415,
                    "unsupported_media_type")

    def test_query_parameters(self):
        self.expect(self.admin.get("/api/v1/domains?evil=1"), 400, "bad_input", '"evil"')
        self.expect(self.admin.get("/api/v1/maillog?limit=0"), 400, "bad_input")
        self.expect(self.admin.get("/api/v1/maillog?limit=1001"), 400, "bad_input")
        self.expect(self.admin.get("/api/v1/maillog?limit=1&limit=2"), 400, "bad_input")
        self.expect(self.admin.get("/api/v1/maillog?action=shredded"), 400, "bad_input")
        self.expect(self.admin.get("/api/v1/maillog?since=yesterday"), 400, "bad_input")
        self.expect(self.admin.get("/api/v1/certificates?own=maybe"), 400, "bad_input")
        self.expect(self.admin.patch("/api/v1/domains/a.example?force=yes",
                                     {"encrypt_mode": "none"}), 400, "bad_input")


if __name__ == "__main__":
    unittest.main()
