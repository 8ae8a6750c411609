"""Domain signatures and RFC 9788 header protection through two real gateways (docs/signing.md).

A serves a.example, B serves b.example; each has its own S/MIME domain certificate and OpenPGP
key, and each knows the other's (certificate trusted on the CTL and chosen for the domain, key
trusted and bound). What A's sink receives is handed to B by SMTP, as the Internet would, and
the other way round. Each test sets the settings it is about (the daemons reload the policy;
the tests wait for the reload of the store generation they wrote).

Interop of whole messages: `openssl cms -verify` on the S/MIME multipart/signed A signs in clear,
`gpg --verify` on its PGP/MIME one; into B, a message signed by `openssl cms -sign` (detached and
opaque), one made by `gpg --sign --encrypt` (RFC 3156 §6.2), one signed by `gpg --detach-sign`.
"""

import os
import re
import sqlite3
import subprocess
import unittest

from harness import (E2ETestCase, WAIT, crlf, header, make_smime_cert, message, send, strip_info,
                     wait_until)

BODY = b"Gr\xfc\xdfe aus K\xf6ln.\nFrom here on, a line mailbox formats quote.\n.dot line\n"
REQUIRED = "A valid signature of the sending domain is required"


def generation(g) -> int:
    """The store generation G's administrator has written."""
    db = sqlite3.connect(f"file:{g.store}?mode=ro", uri=True, timeout=WAIT)
    try:
        return int(db.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()[0])
    finally:
        db.close()


def parts_of(entity: bytes):
    """The two body parts of a multipart/signed entity, each exactly as RFC 2046 delimits it."""
    head, body = entity.split(b"\r\n\r\n", 1)
    unfolded = re.sub(rb"\r\n[ \t]+", b" ", head)
    boundary = re.search(rb'boundary="?([^";\r\n]+)"?', unfolded).group(1)
    _, first, second = body.split(b"\r\n--" + boundary)[:3]
    return first[2:], second[2:]


def gpg(home, *args, input=None):
    p = subprocess.run(["gpg", "--batch", "--yes", "--no-tty", "--pinentry-mode", "loopback",
                        "--passphrase", ""] + list(args), env=dict(os.environ, GNUPGHOME=home),
                       input=input, capture_output=True, timeout=WAIT * 4)
    return p


class TwoSigningGateways(E2ETestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.a = cls.gateway("a")
        cls.b = cls.gateway("b")
        cls.certs, cls.keys = {}, {}
        for g, dom in ((cls.a, "a.example"), (cls.b, "b.example")):
            g.cli("init")
            g.cli("domain", "add", dom, "--local")
            cls.certs[dom] = g.out("cert", "create", "--email", f"domain-cert@{dom}", "--cn",
                                   f"{dom} domain", "--key", "p256", "--days", "30")
            g.cli("cert", "export", cls.certs[dom], "-o", cls.w.file(f"{dom}.pem"))
            cls.keys[dom] = g.out("pgp", "create", "--uid", f"{dom} domain <domain-cert@{dom}>")
            g.cli("pgp", "export", cls.keys[dom], "--armor", "-o", cls.w.file(f"{dom}.asc"))
        for g, other in ((cls.a, "b.example"), (cls.b, "a.example")):
            cls.partner(g, other, cls.w.file(f"{other}.pem"), cls.certs[other],
                        cls.w.file(f"{other}.asc"), cls.keys[other])
        cls.sink_a = cls.sink("sink-a")
        cls.sink_b = cls.sink("sink-b")
        cls.a.start(cls.sink_a.address)
        cls.b.start(cls.sink_b.address)
        cls.applied = {g.name: generation(g) for g in (cls.a, cls.b)}
        cls.gpg_homes = []

    @classmethod
    def tearDownClass(cls):
        for home in cls.gpg_homes:
            subprocess.run(["gpgconf", "--kill", "gpg-agent"], env=dict(os.environ, GNUPGHOME=home),
                           capture_output=True, timeout=WAIT)
        super().tearDownClass()

    @staticmethod
    def partner(g, domain, pem, thumbprint, key_file, fingerprint):
        """G knows DOMAIN by its certificate (trusted) and its key (trusted, bound)."""
        g.cli("cert", "import", pem)
        g.cli("ctl", "add", thumbprint, "--trust")
        g.cli("domain", "add", domain)
        g.cli("domain", "set", domain, "smime-cert", thumbprint)
        g.cli("domain", "set", domain, "encrypt-mode", "mandatory")
        g.cli("pgp", "import", key_file)
        g.cli("pgp", "trust", fingerprint)
        g.cli("pgp", "add-domain", fingerprint, domain)

    def settings(self, g, domain, **values):
        """Set DOMAIN's settings at G (names with _ for -), and wait until G's daemon runs them."""
        for name, value in values.items():
            g.cli("domain", "set", domain, name.replace("_", "-"), value)
        gen = generation(g)
        if gen == self.applied[g.name]:
            return
        wait_until(lambda: any(int(n) >= gen for n in
                               re.findall(r"policy reloaded \(store generation (\d+)\)",
                                          g.serve_log())),
                   f"{g.name} to reload generation {gen}")
        self.applied[g.name] = gen

    def setUp(self):
        self.sink_a.take()
        self.sink_b.take()
        # Defaults of a new domain, both ways; nothing required.
        for g, other in ((self.a, "b.example"), (self.b, "a.example")):
            self.settings(g, other, sign="sign-and-encrypt", header_protection="on",
                          encrypt_mode="mandatory", method="smime,pgp",
                          require_signature="false", on_bad_signature="refuse",
                          keep_signature="false")

    def send_out(self, src, src_sink, sender, rcpt, original):
        """ORIGINAL through SRC; what SRC's sink got (the wire)."""
        rcpts, final = send(src.port, sender, [rcpt], original)
        self.assertEqual([r.code for r in rcpts], [250])
        self.assertEqual(final.code, 250, final)
        (wire,) = src_sink.wait_messages(1)
        return wire

    def hand_in(self, dst, dst_sink, sender, rcpt, data, code=250):
        """DATA into DST by SMTP; the final reply, and what DST delivered when it was CODE 250."""
        rcpts, final = send(dst.port, sender, [rcpt], data)
        self.assertEqual([r.code for r in rcpts], [250])
        self.assertEqual(final.code, code, final)
        if code != 250:
            return final, None
        (delivered,) = dst_sink.wait_messages(1)
        return final, delivered.data

    def a_to_b(self, subject, body=BODY, code=250):
        self.sink_a.take()
        self.sink_b.take()
        original = message("alice@a.example", "<bob@b.example>", subject, body)
        wire = self.send_out(self.a, self.sink_a, "alice@a.example", "bob@b.example", original)
        final, delivered = self.hand_in(self.b, self.sink_b, wire.sender, "bob@b.example",
                                        wire.data, code)
        return original, wire.data, final, delivered

    def b_to_a(self, subject, body=BODY):
        self.sink_a.take()
        self.sink_b.take()
        original = message("bob@b.example", "<alice@a.example>", subject, body)
        wire = self.send_out(self.b, self.sink_b, "bob@b.example", "alice@a.example", original)
        _, delivered = self.hand_in(self.a, self.sink_a, wire.sender, "alice@a.example",
                                    wire.data)
        return original, wire.data, delivered

    # --- sign-and-encrypt with header protection, both ways ------------------------------------

    def check_signed_and_encrypted(self, original, wire, delivered, signer, method):
        self.assertNotIn(b"K\xf6ln", wire, "the body travels encrypted")
        self.assertEqual(header(wire, "Subject"), "[...]", "RFC 9788: the Subject obscured")
        self.assertEqual(header(wire, "X-Sealgate-Signature"),
                         f"signed; signer={signer}; method={method}")
        self.assertEqual(header(delivered, "X-Sealgate-Signature"),
                         f"valid; signer={signer}; method={method}")
        self.assertNotIn(b"multipart/signed", delivered, "the signature is removed")
        self.assertEqual(strip_info(delivered), crlf(original), "the original, byte for byte")

    def test_smime_both_ways(self):
        original, wire, _, delivered = self.a_to_b("smime a to b")
        self.assertIn(b"application/pkcs7-mime", wire)
        self.check_signed_and_encrypted(original, wire, delivered, self.certs["a.example"],
                                        "smime")
        original, wire, delivered = self.b_to_a("smime b to a")
        self.check_signed_and_encrypted(original, wire, delivered, self.certs["b.example"],
                                        "smime")
        # The mail logs: the signature each side made and found; `sealgate log` shows it.
        sent = self.a.wait_log_records("smime-a-to-b@test")
        got = self.b.wait_log_records("smime-a-to-b@test")
        self.assertEqual(sent[0]["signature"],
                         f"signed; signer={self.certs['a.example']}; method=smime")
        self.assertEqual(got[0]["signature"],
                         f"valid; signer={self.certs['a.example']}; method=smime")
        self.assertIn(f"[signature: valid; signer={self.certs['a.example']}; method=smime]",
                      self.b.out("log"))

    def test_openpgp_both_ways(self):
        self.settings(self.a, "b.example", method="pgp")
        self.settings(self.b, "a.example", method="pgp")
        original, wire, _, delivered = self.a_to_b("pgp a to b")
        self.assertIn(b"multipart/encrypted", wire)
        self.check_signed_and_encrypted(original, wire, delivered, self.keys["a.example"], "pgp")
        original, wire, delivered = self.b_to_a("pgp b to a")
        self.check_signed_and_encrypted(original, wire, delivered, self.keys["b.example"], "pgp")

    # --- signed in clear: the peers verify what A signs ----------------------------------------

    def test_smime_signed_in_clear_verifies_with_openssl(self):
        self.settings(self.a, "b.example", sign="sign", encrypt_mode="none", method="smime")
        original, wire, _, delivered = self.a_to_b("smime signed in clear")
        ct = header(wire, "Content-Type")
        self.assertTrue(ct.startswith('multipart/signed; protocol="application/pkcs7-signature";'
                                      ' micalg=sha-256;'), ct)
        self.assertEqual(header(wire, "Subject"), "smime signed in clear", "hp=clear obscures nothing")
        self.assertTrue(all(c < 0x80 for c in wire), "7-bit on the wire")
        path = self.w.write("clear-signed.eml", strip_info(wire))
        p = subprocess.run(["openssl", "cms", "-verify", "-in", path, "-inform", "SMIME",
                            "-CAfile", self.w.file("a.example.pem")],
                           capture_output=True, timeout=WAIT * 4)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(b"Verification successful", p.stderr)
        self.assertIn(b"Gr=FC=DFe aus K=F6ln", p.stdout)
        self.assertEqual(header(delivered, "X-Sealgate-Signature"),
                         f"valid; signer={self.certs['a.example']}; method=smime")
        self.assertEqual(header(delivered, "Subject"), "smime signed in clear")

    def test_openpgp_signed_in_clear_verifies_with_gpg(self):
        self.settings(self.a, "b.example", sign="sign", encrypt_mode="none", method="pgp")
        original, wire, _, delivered = self.a_to_b("pgp signed in clear")
        ct = header(wire, "Content-Type")
        self.assertTrue(ct.startswith('multipart/signed; protocol="application/pgp-signature";'
                                      ' micalg=pgp-sha256;'), ct)
        signed, signature = parts_of(wire)
        home = self.w.file("gpg-verify")
        os.makedirs(home, mode=0o700, exist_ok=True)
        self.gpg_homes.append(home)
        self.assertEqual(gpg(home, "--import", self.w.file("a.example.asc")).returncode, 0)
        sig = self.w.write("clear.sig", signature.split(b"\r\n\r\n", 1)[1])
        data = self.w.write("clear.part1", signed)
        p = gpg(home, "--status-fd", "1", "--verify", sig, data)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(f"VALIDSIG {self.keys['a.example'].upper()}".encode(), p.stdout)
        self.assertEqual(header(delivered, "X-Sealgate-Signature"),
                         f"valid; signer={self.keys['a.example']}; method=pgp")

    # --- require-signature ---------------------------------------------------------------------

    def test_required_signature_missing_is_refused(self):
        self.settings(self.a, "b.example", sign="none")
        self.settings(self.b, "a.example", require_signature="true", on_bad_signature="refuse")
        _, wire, final, _ = self.a_to_b("unsigned refused", code=550)
        self.assertEqual(header(wire, "X-Sealgate-Signature"), "", "no signature asked")
        self.assertEqual(final.text, f"5.7.1 {REQUIRED}")
        rejected = self.b.wait_log_records("unsigned-refused@test")
        self.assertEqual(rejected[0]["action"], "rejected")
        self.assertIn("a valid signature of a.example is required: none", rejected[0]["detail"])
        # Signed again, the same kind of message passes.
        self.settings(self.a, "b.example", sign="sign-and-encrypt")
        _, _, _, delivered = self.a_to_b("signed accepted")
        self.assertTrue(header(delivered, "X-Sealgate-Signature").startswith("valid;"))

    def test_required_signature_missing_is_marked(self):
        self.settings(self.a, "b.example", sign="none")
        self.settings(self.b, "a.example", require_signature="true", on_bad_signature="mark")
        _, _, _, delivered = self.a_to_b("unsigned marked")
        self.assertEqual(header(delivered, "Subject"), "[NOT VERIFIED] unsigned marked")
        self.assertEqual(header(delivered, "X-Sealgate-Signature"), "none")

    def test_tampered_body(self):
        self.settings(self.a, "b.example", sign="sign", encrypt_mode="none", method="smime")
        original = message("alice@a.example", "<bob@b.example>", "tampered", BODY)
        wire = self.send_out(self.a, self.sink_a, "alice@a.example", "bob@b.example", original)
        self.assertIn(b"K=F6ln", wire.data)
        tampered = wire.data.replace(b"K=F6ln", b"Bonn  ", 1)
        _, delivered = self.hand_in(self.b, self.sink_b, wire.sender, "bob@b.example", tampered)
        verdict = header(delivered, "X-Sealgate-Signature")
        self.assertTrue(verdict.startswith('invalid; reason="'), verdict)
        self.assertIn(f"signer={self.certs['a.example']}", verdict)
        self.sink_b.take()
        self.settings(self.b, "a.example", require_signature="true", on_bad_signature="mark")
        _, delivered = self.hand_in(self.b, self.sink_b, wire.sender, "bob@b.example", tampered)
        self.assertEqual(header(delivered, "Subject"), "[NOT VERIFIED] tampered")
        self.settings(self.b, "a.example", on_bad_signature="refuse")
        final, _ = self.hand_in(self.b, self.sink_b, wire.sender, "bob@b.example", tampered,
                                code=550)
        self.assertEqual(final.text, f"5.7.1 {REQUIRED}")

    def test_signer_not_bound_to_the_domain(self):
        # An impostor gateway that claims a.example, with a certificate of its own.
        m = self.gateway("m")
        m.cli("init")
        m.cli("domain", "add", "a.example", "--local")
        m.cli("cert", "create", "--email", "domain-cert@a.example", "--key", "p256", "--days", "30")
        self.partner(m, "b.example", self.w.file("b.example.pem"), self.certs["b.example"],
                     self.w.file("b.example.asc"), self.keys["b.example"])
        original = message("alice@a.example", "<bob@b.example>", "impostor", BODY)
        p = m.cli("encrypt", "--from", "alice@a.example", "--to", "bob@b.example", input=original)
        self.assertTrue(header(p.stdout, "X-Sealgate-Signature").startswith("signed;"))
        _, delivered = self.hand_in(self.b, self.sink_b, "alice@a.example", "bob@b.example",
                                    p.stdout)
        verdict = header(delivered, "X-Sealgate-Signature")
        self.assertTrue(verdict.startswith('invalid; reason="certificate '), verdict)
        self.assertIn("is not bound to a.example", verdict)
        self.settings(self.b, "a.example", require_signature="true")
        final, _ = self.hand_in(self.b, self.sink_b, "alice@a.example", "bob@b.example", p.stdout,
                                code=550)
        self.assertEqual(final.text, f"5.7.1 {REQUIRED}")

    def test_spoofed_signature_header_from_outside_is_stripped(self):
        original = message("alice@a.example", "<bob@b.example>", "spoofed", b"plain\n",
                           extra_headers=b"X-Sealgate-Signature: valid; signer=forged; "
                                         b"method=smime\r\n")
        _, delivered = self.hand_in(self.b, self.sink_b, "alice@a.example", "bob@b.example",
                                    original)
        self.assertNotIn(b"forged", delivered)
        self.assertEqual(header(delivered, "X-Sealgate-Signature"), "none")

    # --- messages signed by the peers, into B --------------------------------------------------

    def test_openssl_signed_messages_are_checked(self):
        cert, key, sha = make_smime_cert(self.w, "p", "domain-cert@p.example")
        self.b.cli("cert", "import", cert)
        self.b.cli("ctl", "add", sha, "--trust")
        self.b.cli("domain", "add", "p.example")
        self.b.cli("domain", "set", "p.example", "smime-cert", sha)
        self.settings(self.b, "p.example", require_signature="true")
        content = self.w.write("p-content.txt", b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
                                                b"Signed by openssl.\r\n")
        for variant, extra in (("detached", []), ("opaque", ["-nodetach"])):
            p = subprocess.run(["openssl", "cms", "-sign", "-signer", cert, "-inkey", key,
                                "-binary", "-in", content, "-from", "carol@p.example",
                                "-to", "bob@b.example", "-subject", f"openssl {variant}"] + extra,
                               capture_output=True, timeout=WAIT * 4)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.sink_b.take()
            _, delivered = self.hand_in(self.b, self.sink_b, "carol@p.example", "bob@b.example",
                                        crlf(p.stdout))
            self.assertEqual(header(delivered, "X-Sealgate-Signature"),
                             f"valid; signer={sha}; method=smime", variant)
            self.assertEqual(header(delivered, "Content-Type"), "text/plain; charset=utf-8")
            self.assertTrue(delivered.endswith(b"\r\n\r\nSigned by openssl.\r\n"), delivered)

    def gpg_partner(self, name, domain):
        """A partner whose key gpg made (ed25519 signing, cv25519 encryption), known to B."""
        home = self.w.file(f"gpg-{name}")
        os.makedirs(home, mode=0o700, exist_ok=True)
        self.gpg_homes.append(home)
        uid = f"{name} <domain-cert@{domain}>"
        self.assertEqual(gpg(home, "--quick-gen-key", uid, "ed25519", "cert,sign",
                             "never").returncode, 0)
        listing = gpg(home, "--with-colons", "--list-keys", uid).stdout.decode()
        fpr = [l.split(":")[9] for l in listing.splitlines() if l.startswith("fpr:")][0]
        self.assertEqual(gpg(home, "--quick-add-key", fpr, "cv25519", "encr",
                             "never").returncode, 0)
        pub = self.w.file(f"{name}.pgp")
        self.assertEqual(gpg(home, "--export", "-o", pub, fpr).returncode, 0)
        self.b.cli("pgp", "import", pub)
        self.b.cli("pgp", "trust", fpr.lower())
        self.b.cli("domain", "add", domain)
        self.b.cli("pgp", "add-domain", fpr.lower(), domain)
        self.settings(self.b, domain, require_signature="true")
        return home, fpr

    def test_gpg_signed_and_encrypted_message_is_checked(self):
        home, fpr = self.gpg_partner("q", "q.example")
        self.assertEqual(gpg(home, "--import", self.w.file("b.example.asc")).returncode, 0)
        inner = b"Content-Type: text/plain; charset=us-ascii\r\n\r\nSigned and encrypted by gpg.\r\n"
        p = gpg(home, "--trust-model", "always", "--armor", "--local-user", fpr, "--sign",
                "--encrypt", "-r", self.keys["b.example"], input=inner)
        self.assertEqual(p.returncode, 0, p.stderr)
        mail = (b"From: <dave@q.example>\r\nTo: <bob@b.example>\r\nSubject: gpg sign+encrypt\r\n"
                b"Message-ID: <gpg-se@q.example>\r\nMIME-Version: 1.0\r\n"
                b'Content-Type: multipart/encrypted; protocol="application/pgp-encrypted"; '
                b'boundary="q1"\r\n\r\n--q1\r\nContent-Type: application/pgp-encrypted\r\n\r\n'
                b"Version: 1\r\n\r\n--q1\r\nContent-Type: application/octet-stream\r\n\r\n"
                + crlf(p.stdout) + b"--q1--\r\n")
        _, delivered = self.hand_in(self.b, self.sink_b, "dave@q.example", "bob@b.example", mail)
        self.assertEqual(header(delivered, "X-Sealgate-Signature"),
                         f"valid; signer={fpr.lower()}; method=pgp")
        self.assertTrue(delivered.endswith(b"\r\n\r\nSigned and encrypted by gpg.\r\n"))
        # The same message signed by a key not bound to q.example: gpg's own second key.
        self.sink_b.take()
        other = gpg(home, "--quick-gen-key", "stray <stray@elsewhere.example>", "ed25519",
                    "cert,sign", "never")
        self.assertEqual(other.returncode, 0)
        p = gpg(home, "--trust-model", "always", "--armor", "--local-user",
                "stray@elsewhere.example", "--sign", "--encrypt", "-r", self.keys["b.example"],
                input=inner)
        final, _ = self.hand_in(self.b, self.sink_b, "dave@q.example", "bob@b.example",
                                mail.split(b"-----BEGIN")[0] + crlf(p.stdout) + b"--q1--\r\n",
                                code=550)
        self.assertEqual(final.text, f"5.7.1 {REQUIRED}")

    def test_gpg_detached_pgp_mime_signature_is_checked(self):
        home, fpr = self.gpg_partner("r", "r.example")
        part = b"Content-Type: text/plain; charset=us-ascii\r\n\r\nSigned by gpg, RFC 3156.\r\n"
        p = gpg(home, "--armor", "--local-user", fpr, "--detach-sign", input=part)
        self.assertEqual(p.returncode, 0, p.stderr)
        mail = (b"From: <erin@r.example>\r\nTo: <bob@b.example>\r\nSubject: gpg detached\r\n"
                b"MIME-Version: 1.0\r\n"
                b'Content-Type: multipart/signed; micalg=pgp-sha512; '
                b'protocol="application/pgp-signature"; boundary="r1"\r\n\r\n--r1\r\n' + part
                + b"\r\n--r1\r\nContent-Type: application/pgp-signature\r\n\r\n"
                + crlf(p.stdout) + b"--r1--\r\n")
        _, delivered = self.hand_in(self.b, self.sink_b, "erin@r.example", "bob@b.example", mail)
        self.assertEqual(header(delivered, "X-Sealgate-Signature"),
                         f"valid; signer={fpr.lower()}; method=pgp")
        self.assertNotIn(b"multipart/signed", delivered)


if __name__ == "__main__":
    unittest.main()
