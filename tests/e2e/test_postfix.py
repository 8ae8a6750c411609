"""Postfix integration (DESIGN.md §2): a real Postfix, in a private instance, hands every
message to sealgate as an after-queue content_filter; sealgate encrypts and reinjects on the
second smtpd listener; Postfix delivers to the relayhost (the test's sink), which must receive
the message S/MIME-encrypted. Skipped (with the reason) when not run as root or without Postfix.
"""

import os
import shutil
import unittest

from harness import (E2ETestCase, free_port, header, message, partner_setup, send)
from postfix import Postfix, wait_ready


class PostfixContentFilter(E2ETestCase):
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

    def test_submitted_mail_leaves_encrypted(self):
        a, b = self.gateway("a"), self.gateway("b")
        b_cert, _ = partner_setup(a, b)
        sink = self.sink()
        smtp_port, reinject_port = free_port(), free_port()
        a.start(f"127.0.0.1:{reinject_port}")
        pf = Postfix(self.w.path, smtp_port, reinject_port, a.port, sink.port)
        type(self).postfix = pf
        pf.start()
        wait_ready(smtp_port)

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
        self.assertEqual(header(got.data, "Subject"), "through postfix")
        # Postfix added its Received: fields; B still restores the original entity.
        self.assertIn("Received", got.data.decode("latin-1"))
        sink_b = self.sink("sink-b")
        b.start(sink_b.address)
        rcpts, final = send(b.port, got.sender, got.recipients, got.data)
        self.assertEqual(final.code, 250, final)
        (plain,) = sink_b.wait_messages(1)
        self.assertEqual(plain.data.split(b"\r\n\r\n", 1)[1],
                         original.split(b"\r\n\r\n", 1)[1])
        # Both queue passes are in Postfix's log: to sealgate, and from the reinjection to the sink.
        log = pf.maillog()
        self.assertIn(f"relay=127.0.0.1[127.0.0.1]:{a.port}", log)
        self.assertIn(f"relay=127.0.0.1[127.0.0.1]:{sink.port}", log)
        records = [r for r in a.log_records() if r["message_id"] == "through-postfix@test"]
        self.assertEqual([r["action"] for r in records], ["encrypted"])


if __name__ == "__main__":
    unittest.main()
