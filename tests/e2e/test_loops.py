"""Loops and reply hygiene at the SMTP edge (README "The gateway daemon", "Loops").

  SelfNextHop     a gateway whose next hop is its own listener refuses to start: the same
                  address, a wildcard listen address with a loopback next hop, a name that
                  resolves to it; and a SIGHUP cannot point it at itself either.
  TwoGatewayLoop  A relays to B and B back to A: the hop limit (Received: fields) ends the loop
                  with 554 5.4.6, one log row per hop, and a reply line that is short and our own.
  TraceAndReplies every relayed copy carries our Received: field with the queue id of the 250
                  reply and of the mail log (`for` only for a one-recipient copy); a message at
                  the hop limit is refused; a next hop's long reply text never reaches our
                  client; the mail log and the daemon log show seconds.
"""

import re
import signal
import unittest

from harness import (E2ETestCase, free_port, message, sealgate_fields, send, strip_info,
                     wait_until)

SENDER = "alice@a.example"


class SelfNextHop(E2ETestCase):
    def refused(self, listen, next_hop):
        g = self.gateway(f"self-{len(self._gateways)}")
        g.cli("init")
        p = g.cli("serve", "--listen", listen, "--next-hop", next_hop, check=False)
        self.assertNotEqual(p.returncode, 0, p.stdout)
        err = p.stderr.decode()
        self.assertIn("own listen address", err)
        self.assertNotIn(b"listening on", p.stdout)
        return err

    def test_same_address(self):
        port = free_port()
        self.refused(f"127.0.0.1:{port}", f"127.0.0.1:{port}")

    def test_wildcard_listener_and_loopback_next_hop(self):
        port = free_port()
        self.refused(f"0.0.0.0:{port}", f"127.0.0.1:{port}")

    def test_name_of_this_host(self):
        port = free_port()
        self.refused(f"127.0.0.1:{port}", f"localhost:{port}")

    def test_another_port_starts(self):
        sink = self.sink()
        g = self.running_gateway("other", next_hop=sink.address)
        self.assertIsNone(g.proc.poll())

    def test_sighup_cannot_point_it_at_itself(self):
        sink = self.sink("hup-sink")
        g = self.gateway("hup", f'[smtp]\nnext_hop = "{sink.address}"\n')
        g.cli("init")
        g.start()
        self.w.write("hup.toml", f'[smtp]\nnext_hop = "127.0.0.1:{g.port}"\n')
        g.signal(signal.SIGHUP)
        wait_until(lambda: "own listen address" in g.serve_log(), "the refused reload")
        rcpts, final = send(g.port, SENDER, ["bob@y.example"],
                            message(SENDER, "<bob@y.example>", "after bad hup", b"x\n"))
        self.assertEqual(final.code, 250, final)
        self.assertEqual(len(sink.wait_messages(1)), 1, "still the old next hop")


class TwoGatewayLoop(E2ETestCase):
    LIMIT = 6

    def test_loop_ends_at_the_hop_limit(self):
        config = f"[smtp]\nhopcount_limit = {self.LIMIT}\nnext_hop = \"{{hop}}\"\n"
        a = self.gateway("a", config.format(hop=f"127.0.0.1:{free_port()}"))
        a.cli("init")
        a.start()
        b = self.gateway("b", config.format(hop=f"127.0.0.1:{a.port}"))
        b.cli("init")
        b.start()
        self.w.write("a.toml", config.format(hop=f"127.0.0.1:{b.port}"))
        a.signal(signal.SIGHUP)
        wait_until(lambda: f"next hop 127.0.0.1:{b.port}" in a.serve_log(), "A's reload")

        original = message(SENDER, "<bob@y.example>", "loop", b"round and round\n")
        rcpts, final = send(a.port, SENDER, ["bob@y.example"], original)
        self.assertEqual(final.code, 554, final)
        self.assertTrue(final.text.startswith("5.4.6 "), final)
        # Our own short text, not the next hop's nested inside it.
        self.assertLessEqual(len(f"{final.code} {final.text}\r\n"), 512)
        self.assertLessEqual(final.text.count("Next hop"), 1, final)
        self.assertNotIn("(554 5.4.6 Next hop", final.text)

        # One row per hop: receptions with 0..LIMIT-1 Received: fields relayed, then the one
        # that found LIMIT of them refused.
        def rows():
            got = [r for g in (a, b) for r in g.log_records() if r["message_id"] == "loop@test"]
            return got if len(got) >= self.LIMIT + 1 else None
        records = wait_until(rows, "a log row per hop")
        self.assertEqual(len(records), self.LIMIT + 1, records)
        # Every hop answered 554 in the end, so every row says rejected; one found the loop.
        self.assertEqual({r["action"] for r in records}, {"rejected"}, records)
        looped = [r for r in records if "too many hops" in r["detail"]]
        self.assertEqual(len(looped), 1, records)
        self.assertEqual(looped[0]["tls"]["level"], "", "refused before any relay")
        self.assertEqual(len({r["queue_id"] for r in records}), self.LIMIT + 1,
                         "a queue id per hop, none shared between the two gateways")
        for r in records:
            self.assertLessEqual(len(r["detail"]), 300, r)


class TraceAndReplies(E2ETestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sink_ = cls.sink()
        cls.g = cls.gateway("g", '[smtp]\nhostname = "gw.a.example"\n')
        cls.g.cli("init")
        cls.g.start(cls.sink_.address)

    def setUp(self):
        self.sink_.take()
        self.sink_.data_reply = lambda rcpts: "250 2.0.0 Ok: queued"

    def test_received_field_names_the_hop_and_queue_id(self):
        original = message(SENDER, "<bob@y.example>", "traced", b"x\n")
        rcpts, final = send(self.g.port, SENDER, ["bob@y.example"], original)
        self.assertEqual(final.code, 250, final)
        queue_id = re.search(r"relayed as ([0-9A-F]{22})$", final.text).group(1)
        (got,) = self.sink_.wait_messages(1)
        self.assertTrue(got.data.startswith(b"Received: from client.test ([127.0.0.1])\r\n\tby "
                                            b"gw.a.example (sealgate) with ESMTP id "), got.data)
        (field,) = sealgate_fields(got.data, "Received")
        self.assertRegex(field, r"^Received: from client\.test \(\[127\.0\.0\.1\]\) by "
                                r"gw\.a\.example \(sealgate\) with ESMTP id " + queue_id +
                         r" for <bob@y\.example>; \w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d \+0000$")
        # Behind our field the message is what the client sent, byte for byte.
        self.assertEqual(strip_info(got.data), original)
        (record,) = self.g.wait_log_records("traced@test")
        self.assertEqual(record["queue_id"], queue_id)

    def test_several_recipients_are_not_named(self):
        # Bob and Carol share one copy: neither field may name one of them. The Bcc recipient
        # gets a copy of his own, which may name him (only he sees it).
        original = message(SENDER, "<bob@y.example>, <carol@y.example>", "two rcpts", b"x\n")
        rcpts, final = send(self.g.port, SENDER,
                            ["bob@y.example", "carol@y.example", "hidden@y.example"], original)
        self.assertEqual(final.code, 250, final)
        got = {tuple(sorted(m.recipients)): m for m in self.sink_.wait_messages(2)}
        self.assertEqual(sorted(got), [("bob@y.example", "carol@y.example"),
                                       ("hidden@y.example",)])
        (shared,) = sealgate_fields(got[("bob@y.example", "carol@y.example")].data, "Received")
        self.assertNotIn(" for ", shared)
        self.assertNotIn(b"hidden", got[("bob@y.example", "carol@y.example")].data)
        (own,) = sealgate_fields(got[("hidden@y.example",)].data, "Received")
        self.assertIn(" for <hidden@y.example>; ", own)

    def test_hop_limit(self):
        trace = b"".join(b"Received: from h%d by h%d; Sun, 29 Nov 2026 12:00:00 +0000\r\n"
                         % (i, i + 1) for i in range(50))
        at_limit = trace + message(SENDER, "<bob@y.example>", "fifty hops", b"x\n")
        rcpts, final = send(self.g.port, SENDER, ["bob@y.example"], at_limit)
        self.assertEqual((final.code, final.text[:6]), (554, "5.4.6 "), final)
        self.assertEqual(self.sink_.take(), [])
        (record,) = self.g.wait_log_records("fifty-hops@test")
        self.assertEqual(record["action"], "rejected")
        self.assertIn("50 Received: fields", record["detail"])

        below = trace[trace.index(b"\r\n") + 2:] + message(SENDER, "<bob@y.example>",
                                                           "forty-nine hops", b"x\n")
        rcpts, final = send(self.g.port, SENDER, ["bob@y.example"], below)
        self.assertEqual(final.code, 250, final)
        (got,) = self.sink_.wait_messages(1)
        self.assertEqual(got.data.count(b"\nReceived: ") + got.data.startswith(b"Received: "), 50)

    def test_next_hop_text_is_not_passed_on(self):
        for reply in ("554 5.7.1 " + "refused " * 400, "451 4.3.0 " + "later " * 500):
            self.sink_.data_reply = lambda rcpts, reply=reply: reply
            rcpts, final = send(self.g.port, SENDER, ["bob@y.example"],
                                message(SENDER, "<bob@y.example>", "long reply", b"x\n"))
            self.assertEqual(final.code // 100, int(reply[0]), final)
            self.assertLessEqual(len(f"{final.code} {final.text}\r\n"), 512)
            self.assertNotIn("refused refused", final.text)
            self.assertNotIn("later later", final.text)
            self.assertIn(reply[:9], final.text, "the next hop's code helps the upstream log")

    def test_logs_show_seconds(self):
        rcpts, final = send(self.g.port, SENDER, ["bob@y.example"],
                            message(SENDER, "<bob@y.example>", "seconds", b"x\n"))
        self.assertEqual(final.code, 250, final)
        self.g.wait_log_records("seconds@test")
        lines = [l for l in self.g.out("log").splitlines() if "msgid=<seconds@test>" in l]
        self.assertEqual(len(lines), 1, lines)
        # The time to the second, then the node ([node] name, here the host's), the queue id.
        self.assertRegex(lines[0], r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \S+ [0-9A-F]{22} ")
        self.assertRegex(self.g.serve_log(),
                         r"(?m)^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC sealgate: event=message "
                         r"queue=[0-9A-F]{22} .*msgid=<seconds@test>")


if __name__ == "__main__":
    unittest.main()
