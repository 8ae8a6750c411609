"""Postfix integration (docs/postfix.md): a real Postfix, in a private instance, hands every
message to sealgate — as an after-queue content_filter, or before the queue through
smtpd_proxy_filter; sealgate encrypts and relays to the second smtpd listener; Postfix delivers
to the relayhost (the test's sink), which must receive the message S/MIME-encrypted.
Skipped (with the reason) when not run as root or without Postfix.
"""

import os
import shutil
import unittest

from harness import (E2ETestCase, free_port, header, message, partner_setup, send,
                     wait_until)
from postfix import Postfix, wait_ready


class PostfixCase(E2ETestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if os.geteuid() != 0:
            raise unittest.SkipTest("a private Postfix instance needs root")
        if shutil.which("postfix") is None:
            raise unittest.SkipTest("postfix is not installed")
        cls.postfix = None

    @classmethod
    def tearDownClass(cls):
        if cls.postfix is not None:
            cls.postfix.stop()
        super().tearDownClass()

    def untrusted_mandatory_partner(self, a, z):
        """z.example: mandatory on A, but its self-signed certificate is not on A's CTL, so
        A must refuse every message for it."""
        z.cli("init")
        z_cert = z.out("cert", "create", "--email", "domain-cert@z.example", "--key", "p256")
        z.cli("cert", "export", z_cert, "-o", self.w.file("z.pem"))
        a.cli("cert", "import", self.w.file("z.pem"))
        a.cli("domain", "add", "z.example")
        a.cli("domain", "set", "z.example", "smime-cert", z_cert)
        a.cli("domain", "set", "z.example", "encrypt-mode", "mandatory")

    def start_postfix(self, gateway, sink, before_queue):
        smtp_port, reinject_port = free_port(), free_port()
        gateway.start(f"127.0.0.1:{reinject_port}")
        pf = Postfix(self.w.path, smtp_port, reinject_port, gateway.port, sink.port,
                     before_queue=before_queue)
        type(self).postfix = pf
        pf.start()
        wait_ready(smtp_port)
        return pf, smtp_port


class PostfixProxyFilter(PostfixCase):
    def test_refusal_reaches_the_client_and_mail_leaves_encrypted(self):
        a, b, z = self.gateway("a"), self.gateway("b"), self.gateway("z")
        b_cert, _ = partner_setup(a, b)
        self.untrusted_mandatory_partner(a, z)
        sink = self.sink()
        pf, smtp_port = self.start_postfix(a, sink, before_queue=True)

        original = message("alice@a.example", "<bob@b.example>, <zed@z.example>", "proxied",
                           b"Gr\xfc\xdfe before the queue.\n")
        rcpts, final = send(smtp_port, "alice@a.example", ["zed@z.example", "bob@b.example"],
                            original)
        # The sending server hears sealgate's refusal in its own SMTP session.
        self.assertEqual(rcpts[0].code, 550, rcpts[0])
        self.assertIn("5.7.1", rcpts[0].text)
        self.assertEqual(rcpts[1].code, 250, rcpts[1])
        self.assertEqual(final.code, 250, final)
        try:
            (got,) = sink.wait_messages(1, timeout=30)
        except AssertionError as e:
            raise AssertionError(f"{e}\n--- maillog:\n{pf.maillog()}\n--- sealgate:\n"
                                 f"{a.serve_log()}") from None
        self.assertEqual(got.recipients, ["bob@b.example"])
        self.assertIn(b"application/pkcs7-mime", got.data)
        self.assertTrue(header(got.data, "X-Sealgate-Encrypted").startswith(
            f"smime; cert={b_cert}"))
        self.assertNotIn(b"Gr\xfc\xdfe", got.data)
        log = pf.maillog()
        self.assertIn('rejected "RCPT TO:<zed@z.example>": "550 5.7.1', log)
        self.assertIn("proxy-accept: END-OF-MESSAGE: 250", log)


class PostfixContentFilter(PostfixCase):
    def test_submitted_mail_leaves_encrypted(self):
        a, b = self.gateway("a"), self.gateway("b")
        b_cert, _ = partner_setup(a, b)
        sink = self.sink()
        pf, smtp_port = self.start_postfix(a, sink, before_queue=False)

        original = message("alice@a.example", "<bob@b.example>", "through postfix",
                           b"Gr\xfc\xdfe via Postfix.\n")
        rcpts, final = send(smtp_port, "alice@a.example", ["bob@b.example"], original)
        self.assertEqual(final.code, 250, final)
        try:
            (got,) = sink.wait_messages(1, timeout=30)
        except AssertionError as e:
            raise AssertionError(f"{e}\n--- maillog:\n{pf.maillog()}\n--- sealgate:\n"
                                 f"{a.serve_log()}") from None
        self.assertEqual(got.recipients, ["bob@b.example"])
        self.assertIn(b"application/pkcs7-mime", got.data)
        self.assertNotIn(b"Gr\xfc\xdfe", got.data)
        self.assertTrue(header(got.data, "X-Sealgate-Encrypted").startswith(
            f"smime; cert={b_cert}"))
        # RFC 9788 (a new domain's default): the Subject leaves obscured, the original inside.
        self.assertEqual(header(got.data, "Subject"), "[...]")
        # Postfix added its Received: fields; B still restores the original entity.
        self.assertIn("Received", got.data.decode("latin-1"))
        sink_b = self.sink("sink-b")
        b.start(sink_b.address)
        rcpts, final = send(b.port, got.sender, got.recipients, got.data)
        self.assertEqual(final.code, 250, final)
        (plain,) = sink_b.wait_messages(1)
        self.assertEqual(plain.data.split(b"\r\n\r\n", 1)[1],
                         original.split(b"\r\n\r\n", 1)[1])
        self.assertEqual(header(plain.data, "Subject"), "through postfix")
        # Both queue passes are in Postfix's log: to sealgate, and from the reinjection to the sink.
        log = pf.maillog()
        self.assertIn(f"relay=127.0.0.1[127.0.0.1]:{a.port}", log)
        self.assertIn(f"relay=127.0.0.1[127.0.0.1]:{sink.port}", log)
        records = a.wait_log_records("through-postfix@test")
        self.assertEqual([r["action"] for r in records], ["encrypted"])


# Spellings of a recipient at the mandatory domain z.example that Postfix's smtpd (with its
# default strict_rfc821_envelopes = no) resolves to zed@z.example, or that an MTA could route
# there. Whatever sealgate or Postfix answers to each, none may reach the Internet in clear.
HOSTILE_SPELLINGS = [
    "zed@z.example(comment)",
    "zed@(c)z.example",
    'zed@"z.example"',
    "zed@z\\.example",
    "zed@z.example..",
    "zed@z.example.",
    "ZED@Z.EXAMPLE",
    "zed@[z.example]",
    "@relay.example:zed@z.example",
    "zed(c)@z.example",
]


class HostileSpellings:
    """Mixed into a PostfixCase: Postfix in front of gateway A; z.example is mandatory on A
    and its certificate is not trusted, so every message for it must be refused."""

    before_queue = None

    def test_no_spelling_of_a_mandatory_recipient_leaves_in_clear(self):
        a, z = self.gateway("a"), self.gateway("z")
        a.cli("init")
        a.cli("domain", "add", "a.example", "--local")
        self.untrusted_mandatory_partner(a, z)
        sink = self.sink()
        pf, smtp_port = self.start_postfix(a, sink, before_queue=self.before_queue)

        accepted = {}
        for i, rcpt in enumerate(HOSTILE_SPELLINGS):
            token = f"secret-token-{i}"
            original = message("alice@a.example", "<zed@z.example>", token,
                               f"{token} must never leave in clear.\n".encode(),
                               message_id=f"{token}@a.example")
            rcpts, final = send(smtp_port, "alice@a.example", [rcpt], original)
            if rcpts[0].code == 250 and final is not None and final.code == 250:
                accepted[token] = rcpt
        # What was accepted came back as a bounce to the sender, or (the hole) went out in
        # clear: wait until every accepted token is somewhere at the sink.
        def arrived():
            data = b"".join(m.data for m in sink.messages)
            return all(t.encode() in data for t in accepted)
        try:
            wait_until(arrived, "every accepted message at the sink", timeout=90)
        except AssertionError as e:
            raise AssertionError(f"{e}; accepted {accepted}\n--- maillog:\n{pf.maillog()}"
                                 f"\n--- sealgate:\n{a.serve_log()}") from None
        for m in sink.messages:
            for r in m.recipients:
                self.assertNotIn("z.example", r.lower(), f"{m} reached the sink: {m.data[:600]}")
            if b"secret-token" in m.data:
                # Only the bounce to the sender may carry it.
                self.assertEqual(m.sender, "", m)
                self.assertEqual(m.recipients, ["alice@a.example"], m)
        log = pf.maillog()
        # Postfix's smtpd accepts the comment spelling itself; sealgate is what refuses it.
        if self.before_queue:
            self.assertIn("zed@z.example(comment)", log)
            self.assertNotIn("zed@z.example(comment)", accepted.values())


class PostfixProxyHostileSpellings(HostileSpellings, PostfixCase):
    before_queue = True


class PostfixContentFilterHostileSpellings(HostileSpellings, PostfixCase):
    before_queue = False


if __name__ == "__main__":
    unittest.main()
