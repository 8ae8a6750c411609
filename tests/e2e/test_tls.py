"""TLS through the real daemon (README "The gateway daemon", RFC 3207) and SIGHUP.

  StartTlsListener  [tls] certificate/private_key (a throwaway self-signed pair made with the
                    openssl CLI) make the listener offer STARTTLS; Python's smtplib upgrades
                    and sends a transaction. Without [tls] nothing offers STARTTLS.
  RequireTls        `domain set b.example require-tls yes`: a copy for b.example is never sent
                    in clear. A next hop without STARTTLS gets nothing and the client a 4.7.x
                    deferral; a next hop with STARTTLS gets it inside TLS; a domain without
                    require-tls still goes to a plain next hop (opportunistic TLS, RFC 7435).
  SighupNextHop     next_hop changed in the config file + SIGHUP: the next message goes to the
                    new next hop, also when a transaction is in flight during the reload.
"""

import signal
import smtplib
import ssl
import threading
import unittest

from harness import (E2ETestCase, WAIT, make_tls_files, message, partner_setup, send,
                     server_tls_context, strip_info, wait_until)

SENDER = "alice@a.example"


def unverified_client_context() -> ssl.SSLContext:
    # The listener's certificate is self-signed: these tests check the channel, not the PKI.
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def tls_config(cert: str, key: str) -> str:
    return f'[tls]\ncertificate = "{cert}"\nprivate_key = "{key}"\n'


class StartTlsListener(E2ETestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cert, key = make_tls_files(cls.w, "listener")
        cls.sink_ = cls.sink()
        cls.tls_gw = cls.running_gateway("tls", tls_config(cert, key),
                                         next_hop=cls.sink_.address)
        cls.plain_gw = cls.running_gateway("plain", next_hop=cls.sink_.address)

    def setUp(self):
        self.sink_.take()

    def test_starttls_then_a_transaction(self):
        original = message(SENDER, "<bob@y.example>", "over tls", b"sent inside TLS\n")
        with smtplib.SMTP("127.0.0.1", self.tls_gw.port, timeout=WAIT * 2) as s:
            code, _ = s.ehlo("client.test")
            self.assertEqual(code, 250)
            self.assertTrue(s.has_extn("starttls"), s.esmtp_features)
            code, reply = s.starttls(context=unverified_client_context())
            self.assertEqual(code, 220, reply)
            self.assertIsNotNone(s.sock.version(), "the socket is a TLS socket now")
            # RFC 3207 §4.2: the client asks again; STARTTLS is not offered a second time.
            code, _ = s.ehlo("client.test")
            self.assertEqual(code, 250)
            self.assertFalse(s.has_extn("starttls"), s.esmtp_features)
            self.assertEqual(s.mail(SENDER)[0], 250)
            self.assertEqual(s.rcpt("bob@y.example")[0], 250)
            code, reply = s.data(original)
            self.assertEqual(code, 250, reply)
        (got,) = self.sink_.wait_messages(1)
        self.assertEqual(got.recipients, ["bob@y.example"])
        self.assertEqual(strip_info(got.data), original)

    def test_starttls_twice_refused(self):
        with smtplib.SMTP("127.0.0.1", self.tls_gw.port, timeout=WAIT * 2) as s:
            s.starttls(context=unverified_client_context())
            s.ehlo("client.test")
            code, _ = s.docmd("STARTTLS")
            self.assertEqual(code, 503)

    def test_without_tls_section_starttls_is_not_offered(self):
        with smtplib.SMTP("127.0.0.1", self.plain_gw.port, timeout=WAIT * 2) as s:
            code, _ = s.ehlo("client.test")
            self.assertEqual(code, 250)
            self.assertFalse(s.has_extn("starttls"), s.esmtp_features)
            code, _ = s.docmd("STARTTLS")
            self.assertEqual(code // 100, 5, "STARTTLS without [tls] is an error")
            # The session goes on in clear.
            original = message(SENDER, "<bob@y.example>", "in clear", b"no tls here\n")
            code, _ = s.ehlo("client.test")
            self.assertEqual(code, 250)
            self.assertEqual(s.mail(SENDER)[0], 250)
            self.assertEqual(s.rcpt("bob@y.example")[0], 250)
            code, reply = s.data(original)
            self.assertEqual(code, 250, reply)
        (got,) = self.sink_.wait_messages(1)
        self.assertEqual(strip_info(got.data), original)


class RequireTls(E2ETestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.a = cls.gateway("a")
        b = cls.gateway("b")
        partner_setup(cls.a, b)
        cls.a.cli("domain", "set", "b.example", "require-tls", "yes")
        cert, key = make_tls_files(cls.w, "sink")
        cls.plain_sink = cls.sink("plain-sink")
        cls.tls_sink = cls.sink("tls-sink", tls=server_tls_context(cert, key))

    def tearDown(self):
        # Each test starts A against a different next hop.
        for g in self._gateways:
            g.stop()

    def a_log(self, message_id):
        # The daemon writes its mail log in batches (every 100 ms): wait for the record.
        return self.a.wait_log_records(message_id)

    def test_next_hop_without_starttls_defers(self):
        self.a.start(self.plain_sink.address)
        self.plain_sink.take()
        before = self.plain_sink.transactions
        original = message(SENDER, "<bob@b.example>", "no tls", b"must not go in clear\n")
        rcpts, final = send(self.a.port, SENDER, ["bob@b.example"], original)
        self.assertEqual([r.code for r in rcpts], [250])
        self.assertEqual(final.code // 100, 4, final)
        self.assertTrue(final.text.startswith("4.7."), final)
        self.assertEqual(self.plain_sink.take(), [])
        self.assertEqual(self.plain_sink.transactions, before, "not even an attempt in clear")
        records = self.a_log("no-tls@test")
        self.assertEqual([r["action"] for r in records], ["deferred"])
        self.assertIn("TLS", records[0]["detail"])
        self.assertRegex(self.a.serve_log(), r"msgid=<no-tls@test> .*action=deferred")

    def test_next_hop_with_starttls_gets_it_over_tls(self):
        self.a.start(self.tls_sink.address)
        self.tls_sink.take()
        original = message(SENDER, "<bob@b.example>", "with tls", b"inside TLS\n")
        rcpts, final = send(self.a.port, SENDER, ["bob@b.example"], original)
        self.assertEqual(final.code, 250, final)
        (got,) = self.tls_sink.wait_messages(1)
        self.assertTrue(got.tls, "the require-tls copy arrived inside STARTTLS")
        self.assertEqual(got.recipients, ["bob@b.example"])
        self.assertIn(b"application/pkcs7-mime", got.data)
        self.assertGreaterEqual(self.tls_sink.tls_sessions, 1)
        self.assertEqual([r["action"] for r in self.a_log("with-tls@test")], ["encrypted"])

    def test_other_domain_still_relays_in_clear(self):
        # carol@c.example: no require-tls; the plain next hop is fine (opportunistic TLS).
        self.a.start(self.plain_sink.address)
        self.plain_sink.take()
        original = message(SENDER, "<carol@c.example>", "opportunistic", b"plain is fine\n")
        rcpts, final = send(self.a.port, SENDER, ["carol@c.example"], original)
        self.assertEqual(final.code, 250, final)
        (got,) = self.plain_sink.wait_messages(1)
        self.assertFalse(got.tls)
        self.assertEqual(strip_info(got.data), original)
        self.assertEqual([r["action"] for r in self.a_log("opportunistic@test")], ["passed"])


class SighupNextHop(E2ETestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.first = cls.sink("first")
        cls.second = cls.sink("second")

    def setUp(self):
        self.first.take()
        self.second.take()

    def config(self, hop):
        return f'[smtp]\nnext_hop = "{hop}"\n'

    def reload(self, g, hop, count):
        """Point g's config file at HOP, SIGHUP, wait for the COUNTth reload line."""
        self.w.write(f"{g.name}.toml", self.config(hop))
        g.signal(signal.SIGHUP)
        wait_until(lambda: g.serve_log().count(f"configuration re-read, next hop {hop}") >= count,
                   f"the SIGHUP reload to {hop}")

    def test_next_message_goes_to_the_new_next_hop(self):
        # The next hop from the config file.
        g = self.running_gateway("g", self.config(self.first.address))
        one = message(SENDER, "<bob@y.example>", "before hup", b"one\n")
        self.assertEqual(send(g.port, SENDER, ["bob@y.example"], one)[1].code, 250)
        self.assertEqual(strip_info(self.first.wait_messages(1)[0].data), one)

        self.reload(g, self.second.address, 1)
        two = message(SENDER, "<bob@y.example>", "after hup", b"two\n")
        self.assertEqual(send(g.port, SENDER, ["bob@y.example"], two)[1].code, 250)
        self.assertEqual(strip_info(self.second.wait_messages(1)[0].data), two)
        self.assertEqual(len(self.first.messages), 1, "nothing more went to the old next hop")
        self.assertEqual(g.stop(), 0)

    def test_reload_while_a_transaction_is_in_flight(self):
        g = self.running_gateway("h", self.config(self.first.address))
        self.first.hold = threading.Event()
        self.first.data_received.clear()
        result = {}

        def client():
            result["reply"] = send(g.port, SENDER, ["bob@y.example"],
                                   message(SENDER, "<bob@y.example>", "in flight", b"held\n"))[1]

        t = threading.Thread(target=client, daemon=True)
        t.start()
        self.assertTrue(self.first.data_received.wait(WAIT), "the held transaction started")
        # The relay client of the held copy is replaced while the copy waits for its reply.
        self.reload(g, self.second.address, 1)
        self.first.hold.set()
        t.join(WAIT)
        self.first.hold = None
        self.assertEqual(result["reply"].code, 250, result)
        self.assertEqual(len(self.first.wait_messages(1)), 1)
        self.assertIsNone(g.proc.poll(), "the daemon survived")
        after = message(SENDER, "<bob@y.example>", "after flight", b"new hop\n")
        self.assertEqual(send(g.port, SENDER, ["bob@y.example"], after)[1].code, 250)
        self.assertEqual(strip_info(self.second.wait_messages(1)[0].data), after)
        self.assertEqual(g.stop(), 0)


if __name__ == "__main__":
    unittest.main()
