"""CRLs fetched from a partner certificate's distribution point (docs/lifecycle.md).

A test CA (made with openssl here) issues a partner certificate whose CRL distribution point is
http://127.0.0.1:PORT/ca.crl, served by Python's http.server on loopback. The daemon fetches it
at start (app/crl_schedule.hpp); `sealgate crl refresh --force` fetches it on demand.

  - the CRL lists the certificate: mandatory mail is deferred (451 4.7.1), nothing reaches the
    next hop;
  - a stale CRL (past its nextUpdate) under `revocation = soft`: the mail is encrypted;
  - the same stale CRL under `revocation = hard`: mandatory mail is deferred, never in clear.
"""

import functools
import http.server
import os
import subprocess
import threading
import unittest

from harness import Client, E2ETestCase, WAIT, message, send, wait_until

SENDER = "alice@a.example"
PARTNER = "bob@p.example"


def run(*args, cwd):
    subprocess.run(list(args), cwd=cwd, check=True, capture_output=True, timeout=WAIT)


class TestCa:
    """A CA made with `openssl req`/`openssl ca`, a partner certificate with a CDP, its CRLs."""

    def __init__(self, path: str, crl_url: str):
        self.path = path
        os.makedirs(path)
        with open(os.path.join(path, "index.txt"), "w"):
            pass
        with open(os.path.join(path, "crlnumber"), "w") as f:
            f.write("01\n")
        with open(os.path.join(path, "ca.cnf"), "w") as f:
            f.write(f"""[ca]
default_ca = test_ca
[test_ca]
dir = {path}
database = $dir/index.txt
new_certs_dir = $dir
certificate = $dir/ca.crt
private_key = $dir/ca.key
serial = $dir/serial
crlnumber = $dir/crlnumber
default_md = sha256
default_days = 30
policy = any
unique_subject = no
copy_extensions = none
[any]
commonName = supplied
emailAddress = optional
[partner]
basicConstraints = CA:FALSE
keyUsage = keyEncipherment, digitalSignature
extendedKeyUsage = emailProtection
subjectAltName = email:domain-cert@p.example
crlDistributionPoints = URI:{crl_url}
""")
        run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key",
            "-out", "ca.crt", "-days", "30", "-subj", "/CN=CRL Test CA",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign",
            "-addext", "basicConstraints=critical,CA:TRUE", cwd=path)
        run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "partner.key",
            "-out", "partner.csr", "-subj", "/CN=p.example domain", cwd=path)
        run("openssl", "ca", "-batch", "-config", "ca.cnf", "-create_serial", "-extensions",
            "partner", "-in", "partner.csr", "-out", "partner.crt", "-notext", cwd=path)

    def file(self, name):
        return os.path.join(self.path, name)

    def make_crl(self, name: str, hours: int = 24, revoke_partner: bool = False,
                 stale: bool = False):
        """A CRL of this CA in DER; stale: its nextUpdate is an hour in the past."""
        if revoke_partner:
            run("openssl", "ca", "-config", "ca.cnf", "-revoke", "partner.crt", cwd=self.path)
        pem = self.file(name + ".pem")
        args = ["openssl", "ca", "-batch", "-config", "ca.cnf", "-gencrl", "-out", pem]
        if stale:
            # lastUpdate two hours ago, nextUpdate one hour ago (openssl ca -crl_lastupdate
            # and -crl_nextupdate, OpenSSL 3.0).
            args += ["-crl_lastupdate", self.utc(-7200), "-crl_nextupdate", self.utc(-3600)]
        else:
            args += ["-crlhours", str(hours)]
        run(*args, cwd=self.path)
        run("openssl", "crl", "-in", pem, "-outform", "DER", "-out", self.file(name),
            cwd=self.path)

    @staticmethod
    def utc(offset: int) -> str:
        import time
        return time.strftime("%Y%m%d%H%M%SZ", time.gmtime(time.time() + offset))


class CrlServer:
    """http.server on loopback serving a directory; serve(name) picks the file at /ca.crl."""

    def __init__(self, directory: str):
        self.directory = directory
        handler = functools.partial(http.server.SimpleHTTPRequestHandler,
                                    directory=directory)
        handler.log_message = lambda *a: None
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def serve(self, source: str):
        with open(os.path.join(self.directory, source), "rb") as f:
            data = f.read()
        with open(os.path.join(self.directory, "ca.crl"), "wb") as f:
            f.write(data)

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class CrlFetched(E2ETestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        served = cls.w.file("served")
        os.mkdir(served)
        cls.server = CrlServer(served)
        cls.ca = TestCa(cls.w.file("ca"), f"http://127.0.0.1:{cls.server.port}/ca.crl")
        cls.ca.make_crl("good.der")
        cls.ca.make_crl("stale.der", stale=True)
        cls.ca.make_crl("revoked.der", revoke_partner=True)
        for name in ("good.der", "stale.der", "revoked.der"):
            with open(cls.ca.file(name), "rb") as src, \
                    open(os.path.join(served, name), "wb") as dst:
                dst.write(src.read())
        cls.sink_ = cls.sink()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        cls.server.close()

    def setUp(self):
        self.sink_.take()

    def gateway_for(self, name: str, served: str, revocation: str = ""):
        self.server.serve(served)
        g = self.gateway(name)
        g.cli("init")
        g.cli("domain", "add", "a.example", "--local")
        g.cli("root", "add", self.ca.file("ca.crt"))
        sha = g.out("cert", "import", self.ca.file("partner.crt")).split()[0]
        g.cli("domain", "add", "p.example")
        g.cli("domain", "set", "p.example", "smime-cert", sha)
        g.cli("domain", "set", "p.example", "encrypt-mode", "mandatory")
        if revocation:
            g.cli("domain", "set", "p.example", "revocation", revocation)
        g.partner_sha = sha
        g.start(self.sink_.address)
        # The daemon fetches at start: wait for the CRL it stored.
        wait_until(lambda: "/ca.crl" in g.out("crl", "list").split("distribution points")[0],
                   "the CRL fetched by the daemon")
        return g

    @staticmethod
    def rcpt_code(g) -> int:
        c = Client(g.port)
        try:
            c.cmd("EHLO test.example")
            c.cmd(f"MAIL FROM:<{SENDER}>")
            return c.cmd(f"RCPT TO:<{PARTNER}>").code
        finally:
            c.cmd("QUIT")
            c.close()

    def deferred(self, g, subject):
        self.sink_.take()  # what earlier steps of the test delivered
        rcpts, final = send(g.port, SENDER, [PARTNER],
                            message(SENDER, f"<{PARTNER}>", subject, b"secret\n"))
        self.assertEqual(rcpts[0].code, 451, rcpts[0])
        self.assertTrue(rcpts[0].text.startswith("4.7.1 "), rcpts[0])
        self.assertIsNone(final, "no recipient accepted: no DATA")
        # Anything the deferred transaction could have sent would arrive before this.
        rcpts, final = send(g.port, SENDER, ["carol@elsewhere.example"],
                            message(SENDER, "<carol@elsewhere.example>", "after", b"plain\n"))
        self.assertEqual(final.code, 250, final)
        got = self.sink_.wait_messages(1)
        self.assertEqual([m.recipients for m in got], [["carol@elsewhere.example"]])
        self.assertNotIn(b"secret", b"".join(m.data for m in got))

    def encrypted(self, g, subject):
        rcpts, final = send(g.port, SENDER, [PARTNER],
                            message(SENDER, f"<{PARTNER}>", subject, b"secret\n"))
        self.assertEqual(rcpts[0].code, 250, rcpts[0])
        self.assertEqual(final.code, 250, final)
        (got,) = self.sink_.wait_messages(1)
        self.assertNotIn(b"secret", got.data)
        self.assertIn(b"application/pkcs7-mime", got.data)

    def test_revoked_partner_deferred_nothing_in_clear(self):
        g = self.gateway_for("revoked", "revoked.der")
        self.assertIn("revoked (CRL of CN=CRL Test CA)", g.out("cert", "show", g.partner_sha))
        # The daemon loads what its schedule stored within a second (the store's generation).
        wait_until(lambda: self.rcpt_code(g) != 250, "the running daemon applying the CRL")
        self.deferred(g, "to-revoked")

    def test_good_crl_encrypts_and_refresh_on_demand(self):
        g = self.gateway_for("good", "good.der")
        self.encrypted(g, "to-good")
        # On demand: the same CRL again is not newer, and is kept.
        out = g.out("crl", "refresh", "--force")
        self.assertIn("ok  not newer than the stored CRL", out)
        # The CA revokes; the next refresh stores the new CRL and the running daemon applies it.
        self.server.serve("revoked.der")
        self.assertIn("ok  stored", g.out("crl", "refresh", "--force"))
        self.assertIn("revoked (CRL of CN=CRL Test CA)", g.out("cert", "show", g.partner_sha))
        wait_until(lambda: self.rcpt_code(g) != 250, "the running daemon applying the new CRL")
        self.deferred(g, "to-now-revoked")

    def test_stale_crl_soft_encrypts(self):
        g = self.gateway_for("stale_soft", "stale.der")
        self.assertIn("(STALE)", g.out("crl", "list"))
        self.encrypted(g, "stale-soft")

    def test_stale_crl_hard_defers(self):
        g = self.gateway_for("stale_hard", "stale.der", revocation="hard")
        self.assertIn("(STALE)", g.out("crl", "list"))
        self.deferred(g, "stale-hard")


if __name__ == "__main__":
    unittest.main()
