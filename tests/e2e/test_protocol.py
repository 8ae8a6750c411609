"""The daemon's SMTP side and live configuration: pipelining (RFC 2920), the size limit
(RFC 1870, 552 5.3.4), malformed commands (500/501, the session survives), and an
administrator's change through the CLI that applies without a restart (within 2 s).
"""

import unittest

from harness import (E2ETestCase, Client, message, partner_setup, send, strip_info, wait_until)

SENDER = "alice@x.example"
LIMIT = 4000


class Pipelining(E2ETestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sink_ = cls.sink()
        cls.g = cls.running_gateway("g", next_hop=cls.sink_.address)

    def test_mail_rcpt_rcpt_data_in_one_write(self):
        c = Client(self.g.port)
        self.assertEqual(c.greeting.code, 220)
        ehlo = c.cmd("EHLO client.test")
        self.assertIn("PIPELINING", ehlo.text.split("\n"))
        c.write(f"MAIL FROM:<{SENDER}>\r\nRCPT TO:<one@y.example>\r\n"
                "RCPT TO:<two@y.example>\r\nDATA\r\n".encode())
        self.assertEqual([c.read().code for _ in range(4)], [250, 250, 250, 354])
        body = message(SENDER, "<one@y.example>, <two@y.example>", "pipelined", b"p\n")
        # The message, its end and the next transaction's commands in one write too.
        c.write(Client.stuffed(body) + f"MAIL FROM:<{SENDER}>\r\nRCPT TO:<three@y.example>\r\n"
                "DATA\r\n".encode())
        self.assertEqual([c.read().code for _ in range(4)], [250, 250, 250, 354])
        c.write(Client.stuffed(message(SENDER, "<three@y.example>", "second", b"q\n")) +
                b"QUIT\r\n")
        self.assertEqual(c.read().code, 250)
        self.assertEqual(c.read().code, 221)
        c.close()
        got = self.sink_.wait_messages(2)
        self.assertEqual([m.recipients for m in got],
                         [["one@y.example", "two@y.example"], ["three@y.example"]])
        self.assertEqual(strip_info(got[0].data), body)


class SizeLimit(E2ETestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sink_ = cls.sink()
        cls.g = cls.running_gateway("g", f"[smtp]\nmax_message_size = {LIMIT}\n",
                                    next_hop=cls.sink_.address)

    @staticmethod
    def sized(n):
        head = message(SENDER, "<bob@y.example>", f"size {n}", b"")
        body_len = n - len(head)
        lines = [b"y" * 70 + b"\r\n"] * (body_len // 72)
        rest = body_len - 72 * len(lines)
        if rest:
            lines.append(b"z" * (rest - 2) + b"\r\n")
        data = head + b"".join(lines)
        assert len(data) == n, (len(data), n)
        return data

    def test_ehlo_announces_the_limit(self):
        c = Client(self.g.port)
        self.assertIn(f"SIZE {LIMIT}", c.cmd("EHLO client.test").text.split("\n"))
        c.close()

    def test_exactly_at_the_limit_accepted_one_over_refused(self):
        c = Client(self.g.port)
        _, _, at = c.send(SENDER, ["bob@y.example"], self.sized(LIMIT))
        self.assertEqual(at.code, 250, at)
        _, _, over = c.send(SENDER, ["bob@y.example"], self.sized(LIMIT + 1), ehlo=False)
        self.assertEqual(over.code, 552, over)
        self.assertTrue(over.text.startswith("5.3.4"), over)
        # The session goes on after the refusal.
        self.assertEqual(c.cmd("NOOP").code, 250)
        c.close()
        got = self.sink_.wait_messages(1)
        self.assertEqual(len(got), 1)
        self.assertEqual(strip_info(got[0].data), self.sized(LIMIT))

    def test_declared_size_over_the_limit_refused_at_mail(self):
        c = Client(self.g.port)
        c.cmd("EHLO client.test")
        self.assertEqual(c.cmd(f"MAIL FROM:<{SENDER}> SIZE={LIMIT + 1}").code, 552)
        self.assertEqual(c.cmd(f"MAIL FROM:<{SENDER}> SIZE={LIMIT}").code, 250)
        c.close()


class MalformedCommands(E2ETestCase):
    def test_errors_and_the_session_survives(self):
        sink = self.sink()
        g = self.running_gateway("g", next_hop=sink.address)
        c = Client(g.port)
        self.assertEqual(c.cmd("EHLO").code, 501)
        self.assertEqual(c.cmd("EHLO client.test").code, 250)
        cases = [
            ("FROBNICATE now", 500),
            ("MAIL", 501),
            ("MAIL TO:<a@b.example>", 501),
            (f"MAIL FROM:<{SENDER}> SIZE=abc", 501),
            (f"MAIL FROM:<{SENDER}> BODY=9BIT", 501),
            ("X" * 2000, 500),
        ]
        for line, code in cases:
            self.assertEqual(c.cmd(line).code, code, line[:40])
        self.assertEqual(c.cmd("RCPT TO:<bob@y.example>").code, 503, "RCPT before MAIL")
        self.assertEqual(c.cmd(f"MAIL FROM:<{SENDER}>").code, 250)
        self.assertEqual(c.cmd("RCPT TO:bob").code, 501)
        self.assertEqual(c.cmd("RCPT TO:<not an address>").code, 501)
        self.assertEqual(c.cmd("DATA").code, 503, "DATA without a recipient")
        # An address literal is read by the grammar and refused by the policy: 553, and the
        # daemon's log says refused, not deferred (nothing will come of a retry).
        self.assertEqual(c.cmd("RCPT TO:<bob@[192.0.2.1]>").code, 553)
        wait_until(lambda: "rcpt=bob@[192.0.2.1] refused: " in g.serve_log(), "the log line")
        self.assertNotIn("rcpt=bob@[192.0.2.1] deferred", g.serve_log())
        # Still a working session: a full transaction on the same connection.
        self.assertEqual(c.cmd("RSET").code, 250)
        _, _, final = c.send(SENDER, ["bob@y.example"],
                             message(SENDER, "<bob@y.example>", "survivor", b"ok\n"), ehlo=False)
        self.assertEqual(final.code, 250, final)
        self.assertEqual(c.cmd("QUIT").code, 221)
        c.close()
        self.assertEqual(len(sink.wait_messages(1)), 1)


class LiveChange(E2ETestCase):
    def test_domain_change_applies_without_restart(self):
        a, b = self.gateway("a"), self.gateway("b")
        partner_setup(a, b)
        sink = self.sink()
        a.start(sink.address)
        original = message("alice@a.example", "<bob@b.example>", "live", b"change\n")
        rcpts, final = send(a.port, "alice@a.example", ["bob@b.example"], original)
        self.assertEqual(final.code, 250, final)
        self.assertIn(b"application/pkcs7-mime", sink.wait_messages(1)[0].data)
        sink.take()

        a.cli("domain", "set", "b.example", "encrypt-mode", "none")
        # The daemon polls the store generation every second; its log says when it reloaded.
        wait_until(lambda: "policy reloaded" in a.serve_log(), "the policy reload", timeout=5)
        rcpts, final = send(a.port, "alice@a.example", ["bob@b.example"], original)
        self.assertEqual(final.code, 250, final)
        (got,) = sink.wait_messages(1)
        self.assertNotIn(b"pkcs7", got.data)
        self.assertEqual(strip_info(got.data), original)


if __name__ == "__main__":
    unittest.main()
