"""End-to-end mail flow through two real gateways (docs/architecture.md).

A serves a.example, B serves b.example; each relays to its own sink. A encrypts to B with
S/MIME, B encrypts to A with OpenPGP. What A's sink receives is handed to B by SMTP (as the
Internet would) and B's sink must hold the original entity byte for byte — and the other way
round. Also: recipient grouping (partner / unknown / Bcc), the RCPT-time refusal for a mandatory
domain without a usable certificate, and `sealgate send-test`.
"""

import unittest

from harness import (E2ETestCase, crlf, header, message, partner_setup, send, strip_info)

# 8-bit body, a line that starts with a dot (dot-stuffing on every hop), a long line.
BODY = (b"Gr\xfc\xdfe aus K\xf6ln.\n.a line that starts with a dot\n..two dots\n"
        + b"x" * 900 + b"\nend\n")


class TwoGateways(E2ETestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.a = cls.gateway("a")
        cls.b = cls.gateway("b")
        cls.b_cert, cls.a_key = partner_setup(cls.a, cls.b)
        # z.example: mandatory, but its certificate is self-signed and not on A's CTL.
        z = cls.gateway("z")
        z.cli("init")
        z_cert = z.out("cert", "create", "--email", "domain-cert@z.example", "--key", "p256",
                       "--days", "30")
        z.cli("cert", "export", z_cert, "-o", cls.w.file("z.pem"))
        cls.a.cli("cert", "import", cls.w.file("z.pem"))
        cls.a.cli("domain", "add", "z.example")
        cls.a.cli("domain", "set", "z.example", "smime-cert", z_cert)
        cls.a.cli("domain", "set", "z.example", "encrypt-mode", "mandatory")
        cls.sink_a = cls.sink("sink-a")
        cls.sink_b = cls.sink("sink-b")
        cls.a.start(cls.sink_a.address)
        cls.b.start(cls.sink_b.address)

    def setUp(self):
        self.sink_a.take()
        self.sink_b.take()

    def relay(self, src_gw, src_sink, dst_gw, dst_sink, sender, rcpt, original):
        """Send ORIGINAL to src_gw, hand what its sink got to dst_gw; return (wire, delivered)."""
        rcpts, final = send(src_gw.port, sender, [rcpt], original)
        self.assertEqual([r.code for r in rcpts], [250])
        self.assertEqual(final.code, 250, final)
        (wire,) = src_sink.wait_messages(1)
        self.assertEqual(wire.recipients, [rcpt])
        rcpts, final = send(dst_gw.port, wire.sender, wire.recipients, wire.data)
        self.assertEqual(final.code, 250, final)
        (delivered,) = dst_sink.wait_messages(1)
        return wire.data, delivered.data

    def test_a_to_b_smime(self):
        original = message("alice@a.example", "<bob@b.example>", "a to b", BODY)
        wire, delivered = self.relay(self.a, self.sink_a, self.b, self.sink_b, "alice@a.example",
                                     "bob@b.example", original)
        self.assertIn(b"application/pkcs7-mime", wire)
        self.assertNotIn(b"K\xf6ln", wire, "the body travels encrypted")
        # RFC 9788, a new domain's default: the Subject leaves obscured, the addresses stay.
        self.assertEqual(header(wire, "Subject"), "[...]")
        self.assertEqual(header(wire, "From"), "<alice@a.example>")
        # A holds no S/MIME certificate of its own: the copy leaves unsigned, and says why.
        self.assertTrue(header(wire, "X-Sealgate-Signature").startswith("not signed; reason="),
                        header(wire, "X-Sealgate-Signature"))
        self.assertEqual(header(delivered, "X-Sealgate-Signature"), "none")
        self.assertEqual(header(delivered, "Subject"), "a to b", "restored from inside")
        self.assertTrue(header(wire, "X-Sealgate-Encrypted").startswith(
            f"smime; cert={self.b_cert}"), header(wire, "X-Sealgate-Encrypted"))
        self.assertTrue(header(delivered, "X-Sealgate-Decrypted").startswith(
            f"smime; cert={self.b_cert}"), header(delivered, "X-Sealgate-Decrypted"))
        self.assertEqual(strip_info(delivered), crlf(original))

        a_log = self.a.wait_log_records("a-to-b@test")
        b_log = self.b.wait_log_records("a-to-b@test")
        self.assertEqual([(r["action"], r["method"]) for r in a_log], [("encrypted", "smime")])
        self.assertIn(self.b_cert, a_log[0]["keys"])
        self.assertEqual(a_log[0]["direction"], "outbound")
        self.assertEqual([(r["action"], r["method"]) for r in b_log], [("decrypted", "smime")])
        self.assertIn(self.b_cert, b_log[0]["keys"])
        self.assertEqual(b_log[0]["direction"], "inbound")
        # The plain-text log names the thumbprint too.
        self.assertRegex(self.a.out("log"), f"outbound <alice@a.example> -> bob@b.example: "
                                            f"encrypted smime {self.b_cert}")

    def test_b_to_a_openpgp(self):
        original = message("bob@b.example", "Alice <alice@a.example>", "b to a", BODY)
        wire, delivered = self.relay(self.b, self.sink_b, self.a, self.sink_a, "bob@b.example",
                                     "alice@a.example", original)
        self.assertIn(b'multipart/encrypted; protocol="application/pgp-encrypted"',
                      wire.replace(b"\r\n\t", b" ").replace(b"\r\n ", b" "))
        self.assertIn(b"-----BEGIN PGP MESSAGE-----", wire)
        self.assertNotIn(b"K\xf6ln", wire)
        self.assertTrue(header(wire, "X-Sealgate-Encrypted").startswith("pgp; key="),
                        header(wire, "X-Sealgate-Encrypted"))
        self.assertIn(self.a_key, header(wire, "X-Sealgate-Encrypted"))
        self.assertTrue(header(delivered, "X-Sealgate-Decrypted").startswith("pgp; key="))
        self.assertEqual(strip_info(delivered), crlf(original))

        b_log = self.b.wait_log_records("b-to-a@test")
        a_log = self.a.wait_log_records("b-to-a@test")
        self.assertEqual([(r["action"], r["method"]) for r in b_log], [("encrypted", "pgp")])
        self.assertIn(self.a_key, b_log[0]["keys"])
        self.assertEqual([(r["action"], r["method"]) for r in a_log], [("decrypted", "pgp")])
        self.assertNotEqual(a_log[0]["keys"], "")

    def test_spoofed_info_header_from_outside_is_removed(self):
        original = message("mallory@elsewhere.example", "<alice@a.example>", "spoof", b"hi\n",
                           extra_headers=b"X-Sealgate-Decrypted: smime; cert=forged\r\n")
        rcpts, final = send(self.a.port, "mallory@elsewhere.example", ["alice@a.example"],
                            original)
        self.assertEqual(final.code, 250, final)
        (got,) = self.sink_a.wait_messages(1)
        self.assertNotIn(b"forged", got.data)

    def test_mixed_recipients_get_separate_copies(self):
        # bob: partner in To; carol: unknown domain in Cc; dave: partner, Bcc (in no field).
        original = message("alice@a.example", "<bob@b.example>", "mixed", b"for three\n",
                           extra_headers=b"Cc: <carol@c.example>\r\n")
        rcpts, final = send(self.a.port, "alice@a.example",
                            ["bob@b.example", "carol@c.example", "dave@b.example"], original)
        self.assertEqual([r.code for r in rcpts], [250, 250, 250])
        self.assertEqual(final.code, 250, final)
        self.assertIn("3 copies", final.text)
        got = {tuple(m.recipients): m.data for m in self.sink_a.wait_messages(3)}
        self.assertEqual(sorted(got), [("bob@b.example",), ("carol@c.example",),
                                       ("dave@b.example",)])
        bob, carol, dave = (got[("bob@b.example",)], got[("carol@c.example",)],
                            got[("dave@b.example",)])
        self.assertIn(b"application/pkcs7-mime", bob)
        self.assertIn(b"application/pkcs7-mime", dave, "the Bcc copy is encrypted too")
        self.assertNotEqual(bob, dave, "the Bcc recipient has a copy of its own")
        self.assertNotIn(b"pkcs7", carol)
        self.assertIn(b"for three", carol)
        self.assertEqual(strip_info(carol), original, "the plain copy is the original")
        actions = sorted((tuple(r["recipients"]), r["action"])
                         for r in self.a.wait_log_records("mixed@test", 3))
        self.assertEqual(actions, [(("bob@b.example",), "encrypted"),
                                   (("carol@c.example",), "passed"),
                                   (("dave@b.example",), "encrypted")])

    def test_mandatory_without_usable_cert_refused_at_rcpt(self):
        original = message("alice@a.example", "<zed@z.example>, <carol@c.example>", "refused",
                           b"not for z\n")
        rcpts, final = send(self.a.port, "alice@a.example", ["zed@z.example", "carol@c.example"],
                            original)
        self.assertEqual(rcpts[0].code, 550)
        self.assertTrue(rcpts[0].text.startswith("5.7.1"), rcpts[0])
        self.assertEqual(rcpts[1].code, 250, "the other recipient is still accepted")
        self.assertEqual(final.code, 250, final)
        (got,) = self.sink_a.wait_messages(1)
        self.assertEqual(got.recipients, ["carol@c.example"])
        # The refusal at RCPT was logged before the accepted copy: once that is stored, so is it.
        self.a.wait_log_records("refused@test")
        rejected = [r for r in self.a.log_records()
                    if r["action"] == "rejected" and r["recipients"] == ["zed@z.example"]]
        self.assertTrue(rejected, "the refusal is in the mail log")
        self.assertIn("self-signed", rejected[-1]["detail"])

    def test_send_test_reports_what_the_gateway_did(self):
        p = self.a.cli("send-test", "--from", "alice@a.example", "--to", "bob@b.example",
                       "--server", f"127.0.0.1:{self.a.port}")
        out = p.stdout.decode()
        self.assertRegex(out, rf"sent <sealgate-test-[^>]+@a\.example> to 127\.0\.0\.1:"
                              rf"{self.a.port}: 250")
        self.assertRegex(out, rf"gateway: outbound encrypted smime {self.b_cert}.* -> "
                              rf"bob@b\.example")
        (got,) = self.sink_a.wait_messages(1)
        self.assertIn(b"application/pkcs7-mime", got.data)


if __name__ == "__main__":
    unittest.main()
