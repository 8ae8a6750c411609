"""Issue 14, part B, end to end: a partner's transition without a flag day and expiry.

  Transition   gateway B has both of A's certificates bound to a.example (mandatory): one copy,
               one CMS message with a RecipientInfo for each (openssl cms -cmsout -print shows
               two; openssl cms -decrypt opens it with either key). The same with two OpenPGP
               keys (gpg --list-packets shows two public-key encrypted session keys). An expired
               third certificate is skipped: the daemon log and the mail log record say which
               and why.
  Expired      a mandatory partner whose only certificate has expired: 451 4.7.1 at RCPT and
               nothing at the sink; with on-expired reject: 550 5.7.1. Both in the mail log.
  Warnings     a gateway whose own certificate ends in 3 days and a partner's in 5 (openssl
               -days): at start the daemon logs a warning naming each thumbprint and sends one
               summary mail to [notify] admin through the next hop; after a restart neither is
               repeated.
"""

import os
import re
import subprocess
import unittest

from harness import (E2ETestCase, WAIT, make_smime_cert, message, send, strip_info,
                     wait_until)

SENDER = "alice@b.example"


def openssl_ca_cert(workdir, name, email, start, end):
    """A self-signed RSA-2048 certificate for EMAIL valid from START to END (openssl ca's
    YYYYMMDDHHMMSSZ): openssl req cannot date a certificate in the past. Returns (cert, key,
    SHA-256 thumbprint)."""
    d = workdir.file(name + "-ca")
    os.makedirs(d, exist_ok=True)
    open(os.path.join(d, "index.txt"), "w").close()
    with open(os.path.join(d, "serial"), "w") as f:
        f.write("01\n")
    with open(os.path.join(d, "ca.cnf"), "w") as f:
        f.write("[ca]\ndefault_ca = d\n[d]\ndatabase = index.txt\nnew_certs_dir = .\n"
                "serial = serial\ndefault_md = sha256\npolicy = p\ncopy_extensions = copy\n"
                "unique_subject = no\n[p]\ncommonName = supplied\n")
    key, csr, cert = (os.path.join(d, n) for n in ("c.key", "c.csr", "c.crt"))
    for cmd in (["openssl", "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                 "-out", csr, "-subj", f"/CN={email}",
                 "-addext", "keyUsage=critical,digitalSignature,keyEncipherment",
                 "-addext", "extendedKeyUsage=emailProtection",
                 "-addext", f"subjectAltName=email:{email}"],
                ["openssl", "ca", "-batch", "-selfsign", "-config", "ca.cnf", "-keyfile", "c.key",
                 "-in", "c.csr", "-out", "c.crt", "-startdate", start, "-enddate", end,
                 "-notext"]):
        p = subprocess.run(cmd, cwd=d, capture_output=True, timeout=WAIT * 4)
        if p.returncode != 0:
            raise AssertionError(f"{cmd[:2]} failed: {p.stderr.decode(errors='replace')}")
    fp = subprocess.run(["openssl", "x509", "-in", cert, "-noout", "-fingerprint", "-sha256"],
                        capture_output=True, text=True, check=True).stdout
    return cert, key, fp.split("=", 1)[1].strip().replace(":", "").lower()


def gpg_key(workdir, home, uid):
    """A fresh OpenPGP key (gpg, no passphrase) in its own GNUPGHOME; (public key file,
    fingerprint)."""
    os.makedirs(home, mode=0o700, exist_ok=True)
    env = dict(os.environ, GNUPGHOME=home)
    subprocess.run(["gpg", "--batch", "--pinentry-mode", "loopback", "--passphrase", "",
                    "--quick-gen-key", uid, "ed25519", "cert,sign", "never"],
                   env=env, capture_output=True, check=True, timeout=WAIT * 4)
    listing = subprocess.run(["gpg", "--batch", "--with-colons", "--list-keys", uid], env=env,
                             capture_output=True, text=True, check=True).stdout
    fpr = [l.split(":")[9] for l in listing.splitlines() if l.startswith("fpr:")][0]
    subprocess.run(["gpg", "--batch", "--pinentry-mode", "loopback", "--passphrase", "",
                    "--quick-add-key", fpr, "cv25519", "encr", "never"],
                   env=env, capture_output=True, check=True, timeout=WAIT * 4)
    out = workdir.file(os.path.basename(home) + ".pgp")
    subprocess.run(["gpg", "--batch", "--export", "-o", out, fpr], env=env, check=True,
                   capture_output=True, timeout=WAIT * 4)
    return out, fpr.lower()


class Transition(E2ETestCase):
    """Gateway B (b.example) while its partner A runs two certificates and two keys."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sink_ = cls.sink()
        g = cls.g = cls.gateway("b")
        g.cli("init")
        g.cli("domain", "add", "b.example", "--local")
        # S/MIME: A's old and new certificate, and one that has expired.
        cls.old = make_smime_cert(cls.w, "a-old", "domain-cert@a.example")
        cls.new = make_smime_cert(cls.w, "a-new", "domain-cert@a.example")
        cls.gone = openssl_ca_cert(cls.w, "a-gone", "domain-cert@a.example",
                                   "20250101000000Z", "20250201000000Z")
        g.cli("domain", "add", "a.example")
        for cert, _, sha in (cls.old, cls.new, cls.gone):
            g.cli("cert", "import", cert)
            g.cli("ctl", "add", sha, "--trust")
        g.cli("domain", "set", "a.example", "smime-cert", cls.gone[2], cls.old[2], cls.new[2])
        g.cli("domain", "set", "a.example", "method", "smime")
        g.cli("domain", "set", "a.example", "encrypt-mode", "mandatory")
        # OpenPGP: two keys of A bound to pgp.a.example.
        cls.homes = [cls.w.file("gpg-old"), cls.w.file("gpg-new")]
        cls.keys = [gpg_key(cls.w, h, f"A {i} <domain-cert@pgp.a.example>")
                    for i, h in enumerate(cls.homes)]
        g.cli("domain", "add", "pgp.a.example")
        for path, fpr in cls.keys:
            g.cli("pgp", "import", path)
            g.cli("pgp", "trust", fpr)
            g.cli("pgp", "add-domain", fpr, "pgp.a.example")
        g.cli("domain", "set", "pgp.a.example", "method", "pgp")
        g.cli("domain", "set", "pgp.a.example", "encrypt-mode", "mandatory")
        g.start(f"127.0.0.1:{cls.sink_.port}")

    def setUp(self):
        self.sink_.take()

    def deliver(self, rcpt, subject):
        original = message(SENDER, f"<{rcpt}>", subject, b"transition secret\n",
                           message_id=f"{subject}@b.example")
        rcpts, final = send(self.g.port, SENDER, [rcpt], original)
        self.assertEqual(rcpts[0].code, 250, rcpts[0])
        self.assertEqual(final.code, 250, final)
        (got,) = self.sink_.wait_messages(1)
        self.assertNotIn(b"transition secret", got.data)
        return got

    def test_one_cms_message_with_a_recipient_info_for_each_certificate(self):
        got = self.deliver("bob@a.example", "smime-transition")
        smime = strip_info(got.data)
        printed = subprocess.run(["openssl", "cms", "-cmsout", "-print", "-inform", "SMIME"],
                                 input=smime, capture_output=True, timeout=WAIT)
        self.assertEqual(printed.returncode, 0, printed.stderr)
        text = printed.stdout.decode(errors="replace")
        self.assertEqual(text.count("d.ktri:"), 2, text)
        # Either private key opens it: whichever A runs now.
        for cert, key, _ in (self.old, self.new):
            clear = subprocess.run(["openssl", "cms", "-decrypt", "-recip", cert, "-inkey", key,
                                    "-binary"], input=smime, capture_output=True, timeout=WAIT)
            self.assertEqual(clear.returncode, 0, clear.stderr)
            self.assertIn(b"transition secret", clear.stdout)
        # The expired one was skipped, with its reason, in the daemon log and the mail log.
        skipped = f"certificate {self.gone[2][:16]}: expired on 2025-02-01"
        wait_until(lambda: skipped in self.g.serve_log(), "the skipped line in the log")
        (record,) = self.g.wait_log_records("smime-transition@b.example")
        self.assertEqual(record["action"], "encrypted")
        self.assertIn("skipped", record["detail"])
        self.assertIn(skipped, record["detail"])
        for _, _, sha in (self.old, self.new):
            self.assertIn(sha, record["keys"])

    def test_one_openpgp_message_to_both_keys(self):
        got = self.deliver("bob@pgp.a.example", "pgp-transition")
        body = strip_info(got.data)
        armored = re.search(rb"-----BEGIN PGP MESSAGE-----.*?-----END PGP MESSAGE-----", body,
                            re.S)
        self.assertIsNotNone(armored, body[:400])
        packets = subprocess.run(["gpg", "--batch", "--list-packets"], input=armored.group(0),
                                 capture_output=True, timeout=WAIT,
                                 env=dict(os.environ, GNUPGHOME=self.homes[0]))
        listing = packets.stdout.decode(errors="replace") + packets.stderr.decode(errors="replace")
        self.assertEqual(listing.count(":pubkey enc packet:"), 2, listing)
        for home in self.homes:
            clear = subprocess.run(["gpg", "--batch", "--decrypt"], input=armored.group(0),
                                   capture_output=True, timeout=WAIT,
                                   env=dict(os.environ, GNUPGHOME=home))
            self.assertEqual(clear.returncode, 0, clear.stderr)
            self.assertIn(b"transition secret", clear.stdout)


class ExpiredPartner(E2ETestCase):
    """Mandatory mail to a partner whose only certificate has expired."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sink_ = cls.sink()
        g = cls.g = cls.gateway("b")
        g.cli("init")
        g.cli("domain", "add", "b.example", "--local")
        cls.gone = openssl_ca_cert(cls.w, "gone", "domain-cert@old.example",
                                   "20250101000000Z", "20250201000000Z")
        strict = openssl_ca_cert(cls.w, "strict", "domain-cert@strict.example",
                                 "20250101000000Z", "20250201000000Z")
        for dom, cert in (("old.example", cls.gone), ("strict.example", strict)):
            g.cli("cert", "import", cert[0])
            g.cli("ctl", "add", cert[2], "--trust")
            g.cli("domain", "add", dom)
            g.cli("domain", "set", dom, "smime-cert", cert[2])
            g.cli("domain", "set", dom, "encrypt-mode", "mandatory")
        g.cli("domain", "set", "strict.example", "on-expired", "reject")
        g.start(f"127.0.0.1:{cls.sink_.port}")

    def refused(self, rcpt, subject):
        rcpts, final = send(self.g.port, SENDER, [rcpt],
                            message(SENDER, f"<{rcpt}>", subject, b"never in clear\n"))
        self.assertIsNone(final, "no recipient accepted: no DATA")
        # A message to a domain without policy: once it is at the sink, anything the refused
        # transaction could have sent would have arrived first.
        _, plain = send(self.g.port, SENDER, ["carol@elsewhere.example"],
                        message(SENDER, "<carol@elsewhere.example>", "marker-" + subject,
                                b"plain\n"))
        self.assertEqual(plain.code, 250, plain)
        got = self.sink_.wait_messages(1)
        self.sink_.take()
        self.assertEqual([m.recipients for m in got], [["carol@elsewhere.example"]])
        return rcpts[0]

    def logged(self, rcpt, action):
        def found():
            return [r for r in self.g.log_records()
                    if rcpt in r["recipients"] and r["action"] == action] or None
        return wait_until(found, f"the {action} record of {rcpt}")[-1]

    def test_defer_is_the_default(self):
        reply = self.refused("bob@old.example", "deferred")
        self.assertEqual(reply.code, 451, reply)
        self.assertTrue(reply.text.startswith("4.7.1 "), reply)
        record = self.logged("bob@old.example", "deferred")
        self.assertIn("expired on 2025-02-01", record["detail"])
        self.assertIn(self.gone[2][:16], record["detail"])

    def test_on_expired_reject_refuses_permanently(self):
        reply = self.refused("bob@strict.example", "rejected")
        self.assertEqual(reply.code, 550, reply)
        self.assertTrue(reply.text.startswith("5.7.1 "), reply)
        self.assertIn("expired", reply.text)
        record = self.logged("bob@strict.example", "rejected")
        self.assertIn("on-expired reject", record["detail"])


class ExpiryWarnings(E2ETestCase):
    """The daemon's check at start: warnings in the log, one summary mail at the sink."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sink_ = cls.sink()
        g = cls.g = cls.gateway("b", '[notify]\nadmin = "postmaster@admin.example"\n')
        g.cli("init")
        g.cli("domain", "add", "b.example", "--local")
        cls.own = g.out("cert", "create", "--email", "domain-cert@b.example", "--key", "p256",
                        "--days", "3")
        cert = cls.w.file("soon.crt")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                        cls.w.file("soon.key"), "-out", cert, "-days", "5", "-subj",
                        "/CN=domain-cert@soon.example",
                        "-addext", "subjectAltName=email:domain-cert@soon.example"],
                       capture_output=True, check=True, timeout=WAIT * 4)
        cls.partner = g.out("cert", "import", cert).split()[0]
        cls.far = g.out("cert", "create", "--email", "domain-cert@b.example", "--key", "p256",
                        "--days", "300")

    def checks(self):
        return self.g.serve_log().count("expiry check: ")

    def test_warned_once_mailed_once_and_not_again_after_a_restart(self):
        self.g.start(f"127.0.0.1:{self.sink_.port}")
        (mail,) = self.sink_.wait_messages(1)
        self.assertEqual(mail.recipients, ["postmaster@admin.example"])
        text = mail.data.decode(errors="replace")
        self.assertIn(self.own, text)
        self.assertIn(self.partner, text)
        self.assertNotIn(self.far, text)
        self.assertLess(text.index(self.own), text.index(self.partner), "own first")
        wait_until(lambda: "expiry summary sent" in self.g.serve_log(), "the summary line")
        log = self.g.serve_log()
        own_line = [l for l in log.splitlines() if f"own certificate {self.own}" in l]
        self.assertEqual(len(own_line), 1, log)
        self.assertIn("days left", own_line[0])
        self.assertEqual(len([l for l in log.splitlines()
                              if f"partner certificate {self.partner}" in l]), 1, log)
        self.assertNotIn(self.far, log)
        # `sealgate status` and `cert list --expiring` show the same, own first.
        status = self.g.out("status")
        self.assertLess(status.index(self.own), status.index(self.partner))
        listed = self.g.out("cert", "list", "--expiring", "10")
        self.assertIn(self.own, listed)
        self.assertNotIn(self.far, listed)

        # A restart checks again and repeats nothing: the thresholds are in the store.
        self.assertEqual(self.g.stop(), 0)
        self.sink_.take()
        self.g.start(f"127.0.0.1:{self.sink_.port}")
        wait_until(lambda: self.checks() >= 2, "the second start's check")
        log = self.g.serve_log()
        self.assertEqual(log.count(f"own certificate {self.own}"), 1, log)
        self.assertEqual(log.count("expiry summary sent"), 1, log)
        last = [l for l in log.splitlines() if "expiry check: " in l][-1]
        self.assertIn("0 new warning(s), summary not due", last)
        self.assertEqual(self.sink_.take(), [])


if __name__ == "__main__":
    unittest.main()
