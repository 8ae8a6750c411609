"""Key strength at RCPT (policy/key_strength.hpp), through the real daemon.

A mandatory partner whose only certificate is RSA-1024 gets 550 5.7.1 at RCPT, with a public
text that names the key as the problem, and nothing reaches the next hop; after
`domain set ... min-rsa-bits 1024` the running gateway (no restart) encrypts to that
certificate, and openssl decrypts the copy with the RSA-1024 key. A certificate whose key
OpenSSL cannot use (a 20000-bit modulus) is refused at RCPT too, whatever the override: a clear
refusal instead of a temporary error for every message. The certificates come from
tests/crypto/make-key-table.sh (the openssl CLI).
"""

import os
import subprocess
import unittest

from harness import (E2ETestCase, WAIT, header, message, send, strip_info, wait_until)

HERE = os.path.dirname(os.path.abspath(__file__))
SENDER = "alice@a.example"
WEAK_TEXT = "Encryption to this recipient is required but its key is too weak or unsupported"


def thumbprint(path: str) -> str:
    out = subprocess.run(["openssl", "x509", "-in", path, "-noout", "-fingerprint", "-sha256"],
                         capture_output=True, check=True, timeout=WAIT).stdout.decode()
    return out.split("=", 1)[1].strip().replace(":", "").lower()


class WeakKeys(E2ETestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        keys = cls.w.file("keys")
        os.mkdir(keys)
        subprocess.run(["sh", os.path.join(HERE, "..", "crypto", "make-key-table.sh"), keys],
                       check=True, capture_output=True, timeout=WAIT * 8)
        cls.keys = keys
        cls.sink_ = cls.sink()
        g = cls.gateway("g")
        g.cli("init")
        g.cli("domain", "add", "a.example", "--local")
        g.cli("root", "add", os.path.join(keys, "ca.crt"))
        for domain, name in (("weak.example", "rsa1024"), ("huge.example", "rsa20000")):
            cert = os.path.join(keys, f"{name}.crt")
            g.cli("cert", "import", cert)
            g.cli("domain", "add", domain)
            # The certificates name keys.example: binding them elsewhere needs --force.
            g.cli("domain", "set", domain, "smime-cert", thumbprint(cert), "--force")
            g.cli("domain", "set", domain, "encrypt-mode", "mandatory")
        cls.g = g.start(cls.sink_.address)

    def setUp(self):
        self.sink_.take()

    def reloaded_after(self, change):
        """Run change(), then wait until the daemon has loaded the policy it made."""
        before = self.g.serve_log().count("policy reloaded")
        change()
        wait_until(lambda: self.g.serve_log().count("policy reloaded") > before,
                   "the policy reload", timeout=5)

    def refused_at_rcpt(self, rcpt, subject):
        rcpts, final = send(self.g.port, SENDER, [rcpt],
                            message(SENDER, f"<{rcpt}>", subject, b"secret\n"))
        self.assertEqual(rcpts[0].code, 550, rcpts[0])
        self.assertTrue(rcpts[0].text.startswith("5.7.1 "), rcpts[0])
        self.assertIsNone(final, "no recipient accepted: no DATA")
        return rcpts[0]

    def passed_message_arrives(self, subject):
        # A message to a domain without policy: once it is at the sink, anything the refused
        # transaction before it could have sent would have arrived first.
        rcpts, final = send(self.g.port, SENDER, ["carol@elsewhere.example"],
                            message(SENDER, "<carol@elsewhere.example>", subject, b"plain\n"))
        self.assertEqual(final.code, 250, final)
        return self.sink_.wait_messages(1)

    def rejection_logged(self, rcpt):
        """The newest mail log record of a refusal at RCPT for rcpt (the daemon writes its log
        in batches, so it may lag the reply)."""
        def found():
            return [r for r in self.g.log_records()
                    if r["action"] == "rejected" and r["recipients"] == [rcpt]]
        return wait_until(found, f"the rejection of {rcpt} in the mail log")[-1]

    def test_rsa1024_refused_at_rcpt_then_encrypted_with_the_override(self):
        reply = self.refused_at_rcpt("bob@weak.example", "weak-refused")
        self.assertEqual(reply.text, "5.7.1 " + WEAK_TEXT)
        got = self.passed_message_arrives("weak-after")
        self.assertEqual([m.recipients for m in got], [["carol@elsewhere.example"]],
                         "nothing for the weak partner reached the next hop")
        self.assertNotIn(b"secret", b"".join(m.data for m in got))
        self.assertIn("key too weak: RSA 1024 bits is below the minimum of 2048 bits",
                      self.rejection_logged("bob@weak.example")["detail"])
        self.assertIn("key too weak: RSA 1024 bits", self.g.serve_log())
        self.sink_.take()

        self.reloaded_after(lambda: self.g.cli("domain", "set", "weak.example", "min-rsa-bits",
                                               "1024"))
        try:
            original = message(SENDER, "<bob@weak.example>", "weak-override", b"secret\n")
            rcpts, final = send(self.g.port, SENDER, ["bob@weak.example"], original)
            self.assertEqual(rcpts[0].code, 250, rcpts[0])
            self.assertEqual(final.code, 250, final)
            (got,) = self.sink_.wait_messages(1)
            self.assertEqual(got.recipients, ["bob@weak.example"])
            self.assertNotIn(b"secret", got.data)
            sha = thumbprint(os.path.join(self.keys, "rsa1024.crt"))
            self.assertIn(f"cert={sha}", header(got.data, "X-Sealgate-Encrypted"))
            clear = subprocess.run(
                ["openssl", "cms", "-decrypt", "-inkey", os.path.join(self.keys, "rsa1024.key"),
                 "-binary"],
                input=strip_info(got.data), capture_output=True, timeout=WAIT)
            self.assertEqual(clear.returncode, 0, clear.stderr)
            self.assertIn(b"secret", clear.stdout)
        finally:
            self.reloaded_after(lambda: self.g.cli("domain", "set", "weak.example",
                                                   "min-rsa-bits", "default"))
        self.refused_at_rcpt("bob@weak.example", "weak-again")

    def test_key_openssl_cannot_use_is_refused_at_rcpt_whatever_the_override(self):
        # Before: accepted at RCPT, then 451 at the end of DATA for every retry, for days.
        self.reloaded_after(lambda: self.g.cli("domain", "set", "huge.example", "min-rsa-bits",
                                               "1024"))
        reply = self.refused_at_rcpt("bob@huge.example", "huge-refused")
        self.assertEqual(reply.text, "5.7.1 " + WEAK_TEXT)
        got = self.passed_message_arrives("huge-after")
        self.assertEqual([m.recipients for m in got], [["carol@elsewhere.example"]])
        self.assertIn("an RSA modulus of 20000 bits is more than OpenSSL uses",
                      self.rejection_logged("bob@huge.example")["detail"])


if __name__ == "__main__":
    unittest.main()
