"""[smtp] inbound_next_hop: one sealgate serves both directions (docs/service.md).

  InboundNextHop    copies for recipients in local domains go to the inbound next hop, every
                    other copy to next_hop; a message with recipients on both sides is split, one
                    250 for both; a SIGHUP moves the inbound next hop; an inbound next hop that is
                    down makes the answer 4xx (the 250 rule), nothing reaches the inside.
  TwoGatewayTrial   the trial of docs/service.md: A and B relay to each other (next_hop) and each
                    delivers its own domain's mail to its own sink (inbound_next_hop); mail A -> B
                    leaves A encrypted (S/MIME) and arrives at B's sink decrypted, and B -> A the
                    same with OpenPGP.
"""

import signal
import socket
import unittest

from harness import (E2ETestCase, crlf, header, message, partner_setup, send, stable_port,
                     strip_info, wait_until)

LOCAL = "carol@a.example"
REMOTE = "dave@elsewhere.example"


class InboundNextHop(E2ETestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.outward = cls.sink("outward")
        cls.inward = cls.sink("inward")
        cls.g = cls.gateway("g", cls.config(cls.inward.address))
        cls.g.cli("init")
        cls.g.cli("domain", "add", "a.example", "--local")
        cls.g.start()

    @classmethod
    def config(cls, inbound: str) -> str:
        return (f'[smtp]\nnext_hop = "{cls.outward.address}"\n'
                f'inbound_next_hop = "{inbound}"\n')

    def setUp(self):
        self.outward.take()
        self.inward.take()

    def test_local_recipient_goes_to_the_inbound_next_hop(self):
        m = message(REMOTE, f"<{LOCAL}>", "inbound", b"for a local user\n")
        self.assertEqual(send(self.g.port, REMOTE, [LOCAL], m)[1].code, 250)
        (got,) = self.inward.wait_messages(1)
        self.assertEqual(got.recipients, [LOCAL])
        self.assertEqual(strip_info(got.data), crlf(m))
        self.assertEqual(self.outward.messages, [])
        # The mail log says which next hop took the copy.
        (rec,) = self.g.wait_log_records("inbound@test")
        self.assertIn("inbound next hop: 250", rec["detail"])

    def test_other_recipient_goes_to_the_next_hop(self):
        m = message(LOCAL, f"<{REMOTE}>", "outbound", b"for the world\n")
        self.assertEqual(send(self.g.port, LOCAL, [REMOTE], m)[1].code, 250)
        (got,) = self.outward.wait_messages(1)
        self.assertEqual(got.recipients, [REMOTE])
        self.assertEqual(self.inward.messages, [])

    def test_mixed_message_is_split_per_next_hop(self):
        m = message(LOCAL, f"<{LOCAL}>, <{REMOTE}>", "mixed", b"both sides\n")
        rcpts, final = send(self.g.port, LOCAL, [LOCAL, REMOTE], m)
        self.assertEqual([r.code for r in rcpts], [250, 250])
        self.assertEqual(final.code, 250, final)
        (inward,) = self.inward.wait_messages(1)
        (outward,) = self.outward.wait_messages(1)
        self.assertEqual(inward.recipients, [LOCAL])
        self.assertEqual(outward.recipients, [REMOTE])
        self.assertEqual(strip_info(inward.data), crlf(m))
        self.assertEqual(strip_info(outward.data), crlf(m))

    def test_inbound_next_hop_down_defers_the_message(self):
        # The 250 rule holds per copy: the outward copy may be relayed, but the sender is told
        # 4xx and retries (a duplicate for the outward side, never a loss inward).
        down = self.sink("down")
        down.stop()
        hup(self, self.config(down.address))
        try:
            m = message(LOCAL, f"<{LOCAL}>, <{REMOTE}>", "down", b"x\n")
            final = send(self.g.port, LOCAL, [LOCAL, REMOTE], m)[1]
            self.assertEqual(final.code // 100, 4, final)
            self.assertEqual(self.inward.messages, [])
        finally:
            hup(self, self.config(self.inward.address))

    def test_sighup_moves_the_inbound_next_hop(self):
        other = self.sink("other")
        hup(self, self.config(other.address))
        try:
            m = message(REMOTE, f"<{LOCAL}>", "moved", b"x\n")
            self.assertEqual(send(self.g.port, REMOTE, [LOCAL], m)[1].code, 250)
            (got,) = other.wait_messages(1)
            self.assertEqual(got.recipients, [LOCAL])
            self.assertEqual(self.inward.messages, [])
        finally:
            hup(self, self.config(self.inward.address))


def hup(testcase, config: str):
    g = testcase.g
    before = g.serve_log().count("sealgate: reload: ")
    testcase.w.write(f"{g.name}.toml", config)
    g.signal(signal.SIGHUP)
    wait_until(lambda: g.serve_log().count("sealgate: reload: ") > before, "the reload line")


class TwoGatewayTrial(E2ETestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sink_a = cls.sink("sink-a")
        cls.sink_b = cls.sink("sink-b")
        # stable_port() scans from the same point in one process: hold A's port while B's is
        # picked.
        port_a = stable_port()
        with socket.socket() as held:
            held.bind(("127.0.0.1", port_a))
            port_b = stable_port()
        # Each gateway: the partner's gateway is its next hop, its own sink the inbound one.
        cls.a = cls.gateway("a", f'[smtp]\nnext_hop = "127.0.0.1:{port_b}"\n'
                                 f'inbound_next_hop = "{cls.sink_a.address}"\n')
        cls.b = cls.gateway("b", f'[smtp]\nnext_hop = "127.0.0.1:{port_a}"\n'
                                 f'inbound_next_hop = "{cls.sink_b.address}"\n')
        cls.b_cert, cls.a_key = partner_setup(cls.a, cls.b)
        cls.a.start(port=port_a)
        cls.b.start(port=port_b)

    def test_a_to_b_encrypted_between_them(self):
        original = message("alice@a.example", "<bob@b.example>", "trial a to b", b"hello B\n")
        self.assertEqual(send(self.a.port, "alice@a.example", ["bob@b.example"],
                              original)[1].code, 250)
        (got,) = self.sink_b.wait_messages(1)
        self.assertTrue(header(got.data, "X-Sealgate-Decrypted").startswith(
            f"smime; cert={self.b_cert}"), header(got.data, "X-Sealgate-Decrypted"))
        self.assertEqual(strip_info(got.data), crlf(original))
        # Between the gateways it was encrypted: A's log says so.
        (rec,) = self.a.wait_log_records("trial-a-to-b@test")
        self.assertEqual((rec["direction"], rec["action"], rec["method"]),
                         ("outbound", "encrypted", "smime"))
        self.assertEqual(self.sink_a.messages, [])

    def test_b_to_a_encrypted_between_them(self):
        original = message("bob@b.example", "<alice@a.example>", "trial b to a", b"hello A\n")
        self.assertEqual(send(self.b.port, "bob@b.example", ["alice@a.example"],
                              original)[1].code, 250)
        (got,) = self.sink_a.wait_messages(1)
        self.assertTrue(header(got.data, "X-Sealgate-Decrypted").startswith("pgp; key="),
                        header(got.data, "X-Sealgate-Decrypted"))
        self.assertEqual(strip_info(got.data), crlf(original))
        (rec,) = self.b.wait_log_records("trial-b-to-a@test")
        self.assertEqual((rec["direction"], rec["action"], rec["method"]),
                         ("outbound", "encrypted", "pgp"))


if __name__ == "__main__":
    unittest.main()
