"""Nothing lost (the 250 rule): 250 at the end of DATA only when the next hop accepted every copy.

A next hop that is down, one that refuses a copy (permanently or temporarily) or a recipient,
a client that disconnects mid-DATA, and SIGTERM while a transaction is in flight.
The messages here are plain relays (no local or partner domain is involved) with a Bcc
recipient, which always gets a copy of its own: two copies without any cryptography.
"""

import threading
import unittest

from harness import (E2ETestCase, Client, free_port, message, send, wait_until)

SENDER = "alice@x.example"
TO = "bob@y.example"
BCC = "dave@z.example"


def two_copies(subject):
    return message(SENDER, f"<{TO}>", subject, b"two copies\n")


class NextHopDown(E2ETestCase):
    def test_deferred_when_nothing_listens(self):
        g = self.running_gateway("g", next_hop=f"127.0.0.1:{free_port()}")
        rcpts, final = send(g.port, SENDER, [TO], message(SENDER, f"<{TO}>", "down", b"x\n"))
        self.assertEqual([r.code for r in rcpts], [250])
        self.assertEqual(final.code // 100, 4, final)
        records = g.wait_log_records("down@test")
        self.assertEqual([r["action"] for r in records], ["deferred"])
        self.assertIn("next hop", records[0]["detail"])
        self.assertRegex(g.out("log"), r"deferred")


class NextHopRefuses(E2ETestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sink_ = cls.sink()
        cls.g = cls.running_gateway("g", next_hop=cls.sink_.address)

    def setUp(self):
        self.sink_.take()
        self.sink_.rcpt_replies = {}
        self.sink_.data_reply = lambda rcpts: "250 2.0.0 Ok"

    def refuse_bcc_copy(self, reply):
        self.sink_.data_reply = lambda rcpts: reply if BCC in rcpts else "250 2.0.0 Ok"

    def test_both_copies_accepted(self):
        rcpts, final = send(self.g.port, SENDER, [TO, BCC], two_copies("both"))
        self.assertEqual(final.code, 250, final)
        self.assertEqual(sorted(m.recipients[0] for m in self.sink_.wait_messages(2)),
                         [TO, BCC])

    def test_one_copy_refused_permanently(self):
        self.refuse_bcc_copy("554 5.7.1 Rejected by policy")
        rcpts, final = send(self.g.port, SENDER, [TO, BCC], two_copies("one-perm"))
        self.assertNotEqual(final.code, 250, final)
        # The other copy was delivered: a permanent answer would bounce it although it arrived,
        # so the contract is 4xx (the retry may duplicate, nothing is lost).
        self.assertEqual(final.code // 100, 4, final)
        actions = sorted((r["recipients"][0], r["action"])
                         for r in self.g.wait_log_records("one-perm@test", 2))
        self.assertEqual(actions, [(TO, "passed"), (BCC, "deferred")])

    def test_one_copy_refused_temporarily(self):
        self.refuse_bcc_copy("451 4.3.0 Try again later")
        rcpts, final = send(self.g.port, SENDER, [TO, BCC], two_copies("one-temp"))
        self.assertEqual(final.code // 100, 4, final)

    def test_every_copy_refused_permanently(self):
        self.sink_.data_reply = lambda rcpts: "554 5.6.0 Content refused"
        rcpts, final = send(self.g.port, SENDER, [TO, BCC], two_copies("all-perm"))
        self.assertEqual(final.code // 100, 5, final)
        self.assertEqual(self.sink_.take(), [])
        # The sender gets the bounce and nothing retries: the log says rejected, not deferred.
        actions = sorted((r["recipients"][0], r["action"])
                         for r in self.g.wait_log_records("all-perm@test", 2))
        self.assertEqual(actions, [(TO, "rejected"), (BCC, "rejected")])

    def test_a_recipient_refused_by_the_next_hop(self):
        # One copy, two recipients; the next hop takes one and refuses the other at RCPT.
        self.sink_.rcpt_replies = {"carol@y.example": "550 5.1.1 No such user"}
        rcpts, final = send(self.g.port, SENDER, [TO, "carol@y.example"],
                            message(SENDER, f"<{TO}>, <carol@y.example>", "one-rcpt", b"x\n"))
        self.assertEqual(final.code // 100, 4, final)
        # Our words, not "did not accept": the next hop did take the message for the other one.
        self.assertEqual(final.text, "4.3.0 Next hop refused some recipients; try again later")


class ClientDisconnects(E2ETestCase):
    def test_disconnect_mid_data_delivers_nothing(self):
        sink = self.sink()
        g = self.running_gateway("g", next_hop=sink.address)
        c = Client(g.port)
        c.cmd("EHLO client.test")
        self.assertEqual(c.cmd(f"MAIL FROM:<{SENDER}>").code, 250)
        self.assertEqual(c.cmd(f"RCPT TO:<{TO}>").code, 250)
        self.assertEqual(c.cmd("DATA").code, 354)
        whole = Client.stuffed(message(SENDER, f"<{TO}>", "aborted", b"x\n" * 100))
        c.write(whole[:-len(b".\r\n")])  # all of it but the final dot
        c.close()
        # A complete message on a new connection afterwards: once it has arrived, the daemon
        # has handled the earlier connection's end too (one event loop, in order of arrival).
        rcpts, final = send(g.port, SENDER, [TO], message(SENDER, f"<{TO}>", "after", b"y\n"))
        self.assertEqual(final.code, 250, final)
        got = sink.wait_messages(1)
        self.assertEqual(len(got), 1, got)
        self.assertIn(b"Message-ID: <after@test>", got[0].data)
        # The log is written in order: once the later message's record is stored, a record of
        # the aborted one would be too.
        g.wait_log_records("after@test")
        self.assertFalse([r for r in g.log_records() if r["message_id"] == "aborted@test"])


class GracefulStop(E2ETestCase):
    def test_sigterm_finishes_the_transaction_in_flight(self):
        sink = self.sink()
        sink.hold = threading.Event()
        g = self.running_gateway("g", next_hop=sink.address)
        result = {}

        def client():
            rcpts, final = send(g.port, SENDER, [TO],
                                message(SENDER, f"<{TO}>", "in-flight", b"x\n"))
            result["final"] = final

        t = threading.Thread(target=client, daemon=True)
        t.start()
        self.assertTrue(sink.data_received.wait(15), "the message reached the next hop")
        g.signal()
        wait_until(lambda: "stopping" in g.serve_log(), "the daemon to notice SIGTERM")
        # The sink still holds its reply, so the transaction cannot have finished yet.
        self.assertIsNone(g.proc.poll(), "the daemon waits for the transaction in flight")
        self.assertNotIn("final", result)
        # No new transactions are taken once stopping.
        try:
            late = Client(g.port)
            self.assertNotEqual(late.greeting.code, 220, late.greeting)
            late.close()
        except OSError:
            pass  # not accepting at all: as good
        sink.hold.set()
        t.join(15)
        self.assertEqual(result["final"].code, 250, result["final"])
        self.assertEqual(len(sink.wait_messages(1)), 1)
        self.assertEqual(g.stop(timeout=15, signal_first=False), 0, g.serve_log())
        # The record of the transaction that finished while stopping is stored before exit.
        records = [r for r in g.log_records() if r["message_id"] == "in-flight@test"]
        self.assertEqual([r["action"] for r in records], ["passed"], g.serve_log())


if __name__ == "__main__":
    unittest.main()
