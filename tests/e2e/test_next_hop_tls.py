"""Next-hop TLS levels through the real daemon (README "Next-hop TLS").

  DomainLevels     `domain set y.example tls verify` with an untrusted next-hop certificate:
                   451 4.7.5 in our words, nothing at the sink, the reason and the certificate
                   in the mail log. Another domain goes over TLS at the next hop's level (may):
                   `sealgate log`, `log --json` and the daemon log show protocol, cipher and
                   the peer certificate's SHA-256.
  NextHopVerify    [next_hop_tls] level = "verify" with the CA file and a matching server name,
                   or a pinned fingerprint: relayed and logged as verified; a wrong name: 4.7.5.
  NeverInClear     a domain's TLS requirement holds whatever the direction: a bounce
                   (MAIL FROM:<>) and a message from an outside sender are not relayed to a
                   next hop without STARTTLS; with STARTTLS they go inside it.
  InboundDecrypted a decrypted inbound copy for a local domain with `tls encrypt` is not relayed
                   in clear.
"""

import os
import subprocess
import unittest

from harness import (E2ETestCase, WAIT, make_tls_files, message, partner_setup, send,
                     server_tls_context, strip_info)

SENDER = "alice@a.example"


def sha256_of(cert: str) -> str:
    out = subprocess.run(["openssl", "x509", "-noout", "-fingerprint", "-sha256", "-in", cert],
                         capture_output=True, check=True, timeout=WAIT).stdout.decode()
    return out.strip().split("=", 1)[1].replace(":", "").lower()


class DomainLevels(E2ETestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cert, key = make_tls_files(cls.w, "sink")
        cls.fingerprint = sha256_of(cls.cert)
        cls.sink_ = cls.sink("tls-sink", tls=server_tls_context(cls.cert, key))
        cls.g = cls.gateway("g")
        cls.g.cli("init")
        cls.g.cli("domain", "add", "y.example")
        cls.g.cli("domain", "set", "y.example", "tls", "verify")
        cls.g.start(cls.sink_.address)

    def test_domain_show(self):
        self.assertIn("TLS to next hop: verify", self.g.out("domain", "show", "y.example"))
        bad = self.g.cli("domain", "set", "y.example", "tls", "sometimes", check=False)
        self.assertNotEqual(bad.returncode, 0)
        self.assertIn("none, may, encrypt or verify", bad.stderr.decode())

    def test_verify_with_an_untrusted_certificate_defers(self):
        before = self.sink_.transactions
        original = message(SENDER, "<bob@y.example>", "untrusted", b"not to an unknown peer\n")
        rcpts, final = send(self.g.port, SENDER, ["bob@y.example"], original)
        self.assertEqual(final.code, 451, final)
        self.assertEqual(final.text, "4.7.5 TLS to the next hop is required for this domain and "
                                     "was not available")
        self.assertEqual(self.sink_.transactions, before, "nothing was sent")
        self.assertFalse([m for m in self.sink_.messages if b"untrusted@test" in m.data])
        (record,) = self.g.wait_log_records("untrusted@test")
        self.assertEqual(record["action"], "deferred")
        self.assertIn("not verified", record["detail"])
        self.assertEqual(record["tls"]["level"], "verify")
        self.assertEqual(record["tls"]["peer_sha256"], self.fingerprint)
        self.assertFalse(record["tls"]["verified"])

    def test_log_shows_protocol_cipher_and_fingerprint(self):
        original = message(SENDER, "<carol@z.example>", "logged tls", b"over tls\n")
        rcpts, final = send(self.g.port, SENDER, ["carol@z.example"], original)
        self.assertEqual(final.code, 250, final)
        got = [m for m in self.sink_.wait_messages(1) if b"logged-tls@test" in m.data]
        self.assertTrue(got and got[0].tls, "it went inside STARTTLS")
        self.assertEqual(strip_info(got[0].data), original)
        (record,) = self.g.wait_log_records("logged-tls@test")
        tls = record["tls"]
        self.assertEqual(tls["level"], "may")
        self.assertRegex(tls["protocol"], r"^TLSv1\.[23]$")
        self.assertTrue(tls["cipher"], tls)
        self.assertEqual(tls["peer_sha256"], self.fingerprint)
        self.assertFalse(tls["verified"])
        (line,) = [l for l in self.g.out("log").splitlines() if "logged-tls@test" in l]
        self.assertIn(f"tls={tls['protocol']} {tls['cipher']} peer={self.fingerprint} "
                      "unverified (required may)", line)
        self.assertRegex(self.g.serve_log(),
                         r"msgid=<logged-tls@test> .*tls_level=may tls=TLSv1\.[23] cipher=\S+ "
                         f"peer={self.fingerprint} verified=no")


class NextHopVerify(E2ETestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cert, key = make_tls_files(cls.w, "sink")
        cls.fingerprint = sha256_of(cls.cert)
        cls.sink_ = cls.sink("tls-sink", tls=server_tls_context(cls.cert, key))

    def tearDown(self):
        for g in self._gateways:
            g.stop()

    def start(self, name, tls_section):
        config = f'[smtp]\nnext_hop = "{self.sink_.address}"\n[next_hop_tls]\n' + tls_section
        return self.running_gateway(name, config)

    def relay(self, g, subject):
        original = message(SENDER, "<bob@y.example>", subject, b"x\n")
        rcpts, final = send(g.port, SENDER, ["bob@y.example"], original)
        return final

    def test_ca_file_and_matching_name(self):
        g = self.start("ca", f'level = "verify"\nca_file = "{self.cert}"\n'
                             'server_name = "localhost"\n')
        final = self.relay(g, "ca verified")
        self.assertEqual(final.code, 250, final)
        (record,) = g.wait_log_records("ca-verified@test")
        self.assertTrue(record["tls"]["verified"], record)
        self.assertEqual(record["tls"]["level"], "verify")

    def test_pinned_fingerprint(self):
        pin = ":".join(self.fingerprint[i:i + 2] for i in range(0, 64, 2)).upper()
        g = self.start("pin", f'level = "verify"\nfingerprints = ["{pin}"]\n')
        final = self.relay(g, "pinned")
        self.assertEqual(final.code, 250, final)
        (record,) = g.wait_log_records("pinned@test")
        self.assertTrue(record["tls"]["verified"], record)

    def test_wrong_name_defers(self):
        before = self.sink_.transactions
        g = self.start("name", f'level = "verify"\nca_file = "{self.cert}"\n'
                               'server_name = "mx.elsewhere.example"\n')
        final = self.relay(g, "wrong name")
        self.assertEqual(final.code, 451, final)
        self.assertEqual(final.text,
                         "4.7.5 TLS to the next hop is required and was not available")
        self.assertEqual(self.sink_.transactions, before)
        (record,) = g.wait_log_records("wrong-name@test")
        self.assertIn("mismatch", record["detail"])

    def test_example_config_loads(self):
        example = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                               "examples", "sealgate.toml")
        with open(example) as f:
            text = f.read()
        self.assertIn("[next_hop_tls]", text)
        g = self.gateway("example", text)
        p = g.cli("init", check=False)
        self.assertEqual(p.returncode, 0, p.stderr.decode())

    def test_bad_settings_stop_the_start(self):
        hop = f'[smtp]\nnext_hop = "{self.sink_.address}"\n'
        for config, complaint in (
                (hop + '[next_hop_tls]\nlevel = "sometimes"\n', "level"),
                (hop + '[next_hop_tls]\nfingerprints = ["abcd"]\n', "fingerprint"),
                (hop + '[next_hop_tls]\nca_file = "/nonexistent/ca.pem"\n', "CA file"),
                (hop + 'relay_starttls = false\n[next_hop_tls]\nlevel = "verify"\n',
                 "contradicts"),
                (hop + 'hopcount_limit = 0\n', "hopcount_limit")):
            g = self.gateway(f"bad{len(self._gateways)}", config)
            g.cli("init", check=False)  # a bad config fails here already, a missing file later
            p = g.cli("serve", "--listen", "127.0.0.1:0", check=False)
            self.assertNotEqual(p.returncode, 0, config)
            self.assertIn(complaint, p.stderr.decode(), config)


class NeverInClear(E2ETestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cert, key = make_tls_files(cls.w, "sink")
        cls.plain = cls.sink("plain")
        cls.tls = cls.sink("tls", tls=server_tls_context(cert, key))
        cls.g = cls.gateway("g")
        cls.g.cli("init")
        cls.g.cli("domain", "add", "a.example", "--local")
        cls.g.cli("domain", "add", "c.example")
        cls.g.cli("domain", "set", "c.example", "tls", "encrypt")
        # The old spelling still works.
        cls.g.cli("domain", "add", "d.example")
        cls.g.cli("domain", "set", "d.example", "require-tls", "yes")

    def tearDown(self):
        for g in self._gateways:
            g.stop()

    CASES = (("", "bob@c.example", "bounce"),                       # a bounce: null sender
             ("someone@outside.example", "bob@c.example", "forwarded"),  # neither side local
             ("", "dan@d.example", "old-spelling"))

    def test_not_relayed_without_starttls(self):
        self.g.start(self.plain.address)
        before = self.plain.transactions
        for sender, rcpt, subject in self.CASES:
            original = message(sender or "MAILER-DAEMON@a.example", f"<{rcpt}>", subject, b"x\n")
            rcpts, final = send(self.g.port, sender, [rcpt], original)
            self.assertEqual([r.code for r in rcpts], [250], subject)
            self.assertEqual(final.code, 451, (subject, final))
            self.assertTrue(final.text.startswith("4.7.5 TLS to the next hop is required for "
                                                  "this domain"), final)
        self.assertEqual(self.plain.transactions, before, "not one attempt in clear")
        self.assertEqual(self.plain.take(), [])

    def test_relayed_inside_starttls(self):
        self.g.start(self.tls.address)
        self.tls.take()
        for sender, rcpt, subject in self.CASES:
            original = message(sender or "MAILER-DAEMON@a.example", f"<{rcpt}>", subject, b"x\n")
            rcpts, final = send(self.g.port, sender, [rcpt], original)
            self.assertEqual(final.code, 250, (subject, final))
        got = self.tls.wait_messages(len(self.CASES))
        self.assertTrue(all(m.tls for m in got), got)
        self.assertEqual(sorted(m.sender for m in got), ["", "", "someone@outside.example"])


class InboundDecrypted(E2ETestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.a = cls.gateway("a")
        cls.b = cls.gateway("b")
        partner_setup(cls.a, cls.b)
        cls.b.cli("domain", "set", "b.example", "tls", "encrypt")  # our own, local domain
        cert, key = make_tls_files(cls.w, "sink")
        cls.plain = cls.sink("plain")
        cls.tls = cls.sink("tls", tls=server_tls_context(cert, key))

    def tearDown(self):
        for g in self._gateways:
            g.stop()

    def through_a_and_b(self, b_next_hop, subject):
        self.b.start(b_next_hop.address)
        self.a.start(f"127.0.0.1:{self.b.port}")
        original = message(SENDER, "<bob@b.example>", subject, b"Gr\xfc\xdfe, decrypted\n")
        rcpts, final = send(self.a.port, SENDER, ["bob@b.example"], original)
        return original, final

    def test_decrypted_copy_not_relayed_in_clear(self):
        before = self.plain.transactions
        original, final = self.through_a_and_b(self.plain, "inbound plain")
        self.assertEqual(final.code // 100, 4, final)
        self.assertIn("4.7.5", final.text)
        self.assertEqual(self.plain.transactions, before)
        (record,) = self.b.wait_log_records("inbound-plain@test")
        self.assertEqual((record["direction"], record["action"]), ("inbound", "deferred"))
        self.assertEqual(record["tls"]["level"], "encrypt")
        self.assertIn("does not offer STARTTLS", record["detail"])

    def test_decrypted_copy_goes_inside_starttls(self):
        self.tls.take()
        original, final = self.through_a_and_b(self.tls, "inbound tls")
        self.assertEqual(final.code, 250, final)
        (got,) = self.tls.wait_messages(1)
        self.assertTrue(got.tls)
        self.assertEqual(strip_info(got.data), original)


if __name__ == "__main__":
    unittest.main()
