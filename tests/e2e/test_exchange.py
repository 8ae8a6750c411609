"""End-to-end: a certificate renewal carried by a signed update bundle between two real gateways.

A (a.example) has its domain certificate A1, which B (b.example) trusts and uses for mandatory
S/MIME to a.example. A makes a successor A2 and exports a signed bundle; B imports and approves
it. B's next mail to a.example is then encrypted to both A1 and A2 (one recipient info each), A
decrypts it to the original entity, and A still decrypts it with A2 alone once A1 is gone — the
changeover loses no mail.
"""

import base64
import subprocess
import unittest

from harness import (WAIT, E2ETestCase, crlf, header, mandatory_smime_partner, message, send,
                     strip_info, wait_until)

BODY = b"Gr\xfc\xdfe vom neuen Zertifikat.\n.dot line\n" + b"y" * 500 + b"\nend\n"


def cms_der(mail: bytes) -> bytes:
    """The DER of an application/pkcs7-mime message's body."""
    body = mail.split(b"\r\n\r\n", 1)[1]
    return base64.b64decode(b"".join(body.split()))


class RenewalByBundle(E2ETestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        a = cls.a = cls.gateway("a")
        b = cls.b = cls.gateway("b")
        for g, dom in ((a, "a.example"), (b, "b.example")):
            g.cli("init")
            g.cli("domain", "add", dom, "--local")
        cls.a1 = a.out("cert", "create", "--email", "domain-cert@a.example", "--key", "p256",
                       "--days", "30")
        a.cli("cert", "export", cls.a1, "-o", cls.w.file("a1.pem"))
        mandatory_smime_partner(b, "a.example", cls.w.file("a1.pem"), cls.a1)

        cls.a2 = a.out("cert", "create", "--email", "domain-cert@a.example", "--key", "p256",
                       "--days", "60")
        a.cli("exchange", "export", "--domain", "a.example", "-o", cls.w.file("update.bundle"))
        out = b.out("exchange", "import", cls.w.file("update.bundle"))
        assert "Staged as pending change 1" in out, out
        b.cli("pending", "approve", "1")

        cls.sink_a = cls.sink("sink-a")
        cls.sink_b = cls.sink("sink-b")
        a.start(cls.sink_a.address)
        b.start(cls.sink_b.address)

    def test_mail_after_the_bundle_goes_to_both_certificates_and_a_decrypts(self):
        original = message("bob@b.example", "<alice@a.example>", "after the renewal", BODY)
        rcpts, final = send(self.b.port, "bob@b.example", ["alice@a.example"], original)
        self.assertEqual([r.code for r in rcpts], [250])
        self.assertEqual(final.code, 250, final)
        (wire,) = self.sink_b.wait_messages(1)
        self.assertIn(b"application/pkcs7-mime", wire.data)
        self.assertNotIn(b"Gr\xfc\xdfe", wire.data)
        info = header(wire.data, "X-Sealgate-Encrypted")
        self.assertIn(self.a1, info)
        self.assertIn(self.a2, info)
        # One key-agreement recipient info per certificate (ECDH, RFC 5753), read by openssl.
        printed = subprocess.run(["openssl", "cms", "-cmsout", "-print", "-inform", "DER"],
                                 input=cms_der(wire.data), capture_output=True, timeout=WAIT)
        self.assertEqual(printed.returncode, 0, printed.stderr)
        self.assertEqual(printed.stdout.count(b"d.kari:"), 2, printed.stdout.decode()[:2000])

        # A decrypts it.
        _, final = send(self.a.port, wire.sender, wire.recipients, wire.data)
        self.assertEqual(final.code, 250, final)
        (delivered,) = self.sink_a.wait_messages(1)
        self.assertTrue(header(delivered.data, "X-Sealgate-Decrypted").startswith("smime; cert="))
        self.assertEqual(strip_info(delivered.data), crlf(original))

        # And with the successor alone: A1 removed, the same copy still decrypts (with A2).
        self.a.cli("cert", "remove", self.a1, "--force")

        def decrypted_with_a2():
            self.sink_a.take()
            _, done = send(self.a.port, wire.sender, wire.recipients, wire.data)
            if done.code != 250:
                return None
            (got,) = self.sink_a.wait_messages(1)
            value = header(got.data, "X-Sealgate-Decrypted")
            return got if value.startswith(f"smime; cert={self.a2}") else None
        again = wait_until(decrypted_with_a2, "A to decrypt with A2 alone")
        self.assertEqual(strip_info(again.data), crlf(original))


if __name__ == "__main__":
    unittest.main()
