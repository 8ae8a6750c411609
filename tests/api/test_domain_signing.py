"""Issue 15 over REST: a domain's signature settings in the domain object and PATCH
/api/v1/domains/{name} (sign, require_signature, on_bad_signature, keep_signature,
header_protection): the defaults of a new domain, shown by GET, audited, a bad value refused
with a clear message and nothing changed; the mail log entry's `signature`; the status warning
about a local domain without a signer (docs/signing.md)."""

import sqlite3
import unittest

from apiharness import ApiTestCase

FIELDS = ("sign", "require_signature", "on_bad_signature", "keep_signature", "header_protection")


def settings(d):
    return tuple(d[f] for f in FIELDS)


class SigningSettings(ApiTestCase):
    def test_defaults_patch_show_and_audit(self):
        r = self.admin.post("/api/v1/domains", {"name": "p.example"})
        self.assertEqual(r.status, 201, r)
        self.assertEqual(settings(r.json()), ("sign-and-encrypt", False, "refuse", False, True),
                         "a new domain signs what it encrypts and protects headers")
        # Requiring a signature with nothing bound: done, with the warning.
        r = self.admin.patch("/api/v1/domains/p.example", {"require_signature": True})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["warnings"],
                         ["no certificate or OpenPGP key is bound to p.example: until one is, no "
                          "signature from it is valid and all its mail is refused"])
        r = self.admin.patch("/api/v1/domains/p.example",
                             {"sign": "sign", "on_bad_signature": "mark",
                              "keep_signature": True, "header_protection": False})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(settings(r.json()), ("sign", True, "mark", True, False))
        self.assertEqual(r.json()["warnings"], [])
        shown = self.admin.get("/api/v1/domains/p.example").json()
        self.assertEqual(settings(shown), ("sign", True, "mark", True, False))
        listed = {x["name"]: x for x in self.admin.get("/api/v1/domains").json()["domains"]}
        self.assertEqual(settings(listed["p.example"]), ("sign", True, "mark", True, False))
        # The local domain has the fields too (they say nothing for it).
        self.assertIn("sign", listed["a.example"])
        changes = [e["change"] for e in
                   self.admin.get("/api/v1/audit?object=p.example").json()["entries"]]
        self.assertIn("sign: sign-and-encrypt -> sign; on_bad_signature: refuse -> mark; "
                      "keep_signature: no -> yes; header_protection: on -> off", changes)
        self.assertIn("require_signature: no -> yes", changes)
        # Only what is given changes.
        r = self.admin.patch("/api/v1/domains/p.example", {"sign": "none"})
        self.assertEqual(settings(r.json()), ("none", True, "mark", True, False))

    def test_bad_values_are_refused_and_change_nothing(self):
        self.assertEqual(self.admin.post("/api/v1/domains", {"name": "q.example"}).status, 201)
        before = self.admin.get("/api/v1/domains/q.example").json()
        audit = self.audit_ids()
        for bad, message in (
                ({"sign": "always"}, "sign must be none, sign or sign-and-encrypt"),
                ({"sign": "Sign"}, "sign must be none, sign or sign-and-encrypt"),
                ({"on_bad_signature": "ignore"}, "on_bad_signature must be refuse or mark"),
                ({"require_signature": "true"}, "require_signature"),
                ({"keep_signature": 1}, "keep_signature"),
                ({"header_protection": "off"}, "header_protection"),
                ({"sign": ["none"]}, "sign"),
                # A good field next to a bad one: the whole body is refused.
                ({"sign": "none", "on_bad_signature": "drop"},
                 "on_bad_signature must be refuse or mark"),
                ({"header_protection": False, "signature": "none"}, "signature")):
            r = self.admin.patch("/api/v1/domains/q.example", bad)
            self.assertEqual(r.status, 400, (bad, r))
            self.assertEqual(r.error_code(), "bad_input", r)
            self.assertIn(message, r.json()["error"]["message"], (bad, r))
        after = self.admin.get("/api/v1/domains/q.example").json()
        self.assertEqual(settings(after), settings(before))
        self.assertEqual(self.audit_ids(), audit, "a refused change is not audited")
        # A viewer may read, not change.
        self.assertEqual(self.viewer.patch("/api/v1/domains/q.example",
                                           {"sign": "none"}).status, 403)
        self.assertEqual(self.admin.get("/api/v1/domains/q.example").json()["sign"],
                         "sign-and-encrypt")

    def test_maillog_entries_carry_the_signature(self):
        # Records as the gateway writes them (the pipeline fills the signature; tests/e2e send
        # real mail), written beside the running daemon as another sealgate process would.
        db = sqlite3.connect(self.g.store, timeout=10)
        with db:
            for n, (msgid, direction, signature) in enumerate((
                    ("sig-out@test", "outbound", "signed; signer=ab12; method=smime"),
                    ("sig-in@test", "inbound",
                     'invalid; reason="the signed data was modified"; signer=cd34'),
                    ("sig-relay@test", "relay", ""))):
                cur = db.execute(
                    "INSERT INTO mail_log (time, queue_id, message_id, sender, direction, action,"
                    " method, keys, algorithm, detail, signature) VALUES (?, ?, ?, ?, ?,"
                    " 'passed', '', '', '', 'ok', ?)",
                    (1767225600 + n, f"Q{n}", msgid, "s@x.example", direction, signature))
                db.execute("INSERT INTO mail_log_recipients (log_id, position, address) "
                           "VALUES (?, 0, 'r@y.example')", (cur.lastrowid,))
        db.close()
        found = {}
        for msgid in ("sig-out@test", "sig-in@test", "sig-relay@test"):
            (entry,) = self.admin.get(f"/api/v1/maillog?message_id={msgid}").json()["entries"]
            found[msgid] = entry
        self.assertEqual(found["sig-out@test"]["signature"], "signed; signer=ab12; method=smime")
        self.assertEqual(found["sig-in@test"]["signature"],
                         'invalid; reason="the signed data was modified"; signer=cd34')
        self.assertEqual(found["sig-relay@test"]["signature"], "")
        one = self.viewer.get(f"/api/v1/maillog/{found['sig-in@test']['id']}")
        self.assertEqual(one.status, 200, one)
        self.assertEqual(one.json()["signature"],
                         'invalid; reason="the signed data was modified"; signer=cd34')

    def test_status_warns_about_a_local_domain_without_signer(self):
        self.assertEqual(self.admin.post("/api/v1/domains", {"name": "w.example"}).status, 201)
        self.assertEqual(self.admin.patch("/api/v1/domains/w.example", {"sign": "sign"}).status,
                         200)
        warnings = self.viewer.get("/api/v1/status").json()["warnings"]
        (ours,) = [w for w in warnings if w.startswith("local domain a.example: ")]
        self.assertTrue(ours.startswith("local domain a.example: no signing certificate or key "
                                        "(mail to "), ours)
        self.assertIn("w.example (sign=sign)", ours)
        self.assertTrue(ours.endswith(" leaves unsigned)"), ours)
        r = self.admin.post("/api/v1/own-certificates",
                            {"email": "domain-cert@a.example", "key": "p256", "days": 30})
        self.assertEqual(r.status, 201, r)
        warnings = self.viewer.get("/api/v1/status").json()["warnings"]
        self.assertFalse([w for w in warnings if w.startswith("local domain a.example: ")],
                         warnings)


if __name__ == "__main__":
    unittest.main()
