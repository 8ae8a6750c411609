"""test_discover.py — `sealgate discover`: SMIMEA and OPENPGPKEY in DNSSEC-signed zones served
by nsd on loopback (dnsfixture.py), and WKD over HTTPS on loopback with a test CA.

The certificate comes from openssl and the key from gpg, the owner names and WKD hashes are
computed here (hashlib) and by gpg-wks-client: nothing the test checks comes from sealgate's
own code except what `discover` prints. Cases: secure, insecure (an unsigned zone; a signed one
without its anchor), bogus (a record edited after signing; a wrong anchor), NXDOMAIN, WKD by
the advanced and the direct method, WKD with no key.
"""

import hashlib
import json
import os
import subprocess
import unittest

from harness import E2ETestCase, SEALGATE, WAIT
import dnsfixture

PARTNER = "partner.example"
ADDRESS = "domain-cert@" + PARTNER
WKS_CLIENT = "/usr/lib/gnupg/gpg-wks-client"


def owner(local: str, label: str, domain: str) -> str:
    """RFC 8162 §3 / RFC 7929 §3, computed independently of sealgate."""
    return hashlib.sha256(local.encode()).hexdigest()[:56] + f".{label}.{domain}"


def gpg(home, *args):
    return subprocess.run(["gpg", "--batch", "--yes", "--no-tty", "--pinentry-mode", "loopback",
                           "--passphrase", ""] + list(args),
                          env=dict(os.environ, GNUPGHOME=home), capture_output=True,
                          timeout=WAIT * 4, check=True).stdout


class Discover(E2ETestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        dnsfixture.skip_unless_installed()
        w = cls.w
        # A partner certificate (openssl) and key (gpg) for domain-cert@partner.example.
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                        w.file("partner.key"), "-out", w.file("partner.pem"), "-days", "30",
                        "-subj", "/CN=" + ADDRESS, "-addext", "subjectAltName=email:" + ADDRESS,
                        "-addext", "keyUsage=keyEncipherment,digitalSignature"],
                       check=True, capture_output=True)
        cls.der = subprocess.run(["openssl", "x509", "-in", w.file("partner.pem"), "-outform",
                                  "DER"], check=True, capture_output=True).stdout
        cls.thumbprint = hashlib.sha256(cls.der).hexdigest()
        cls.gnupg = w.file("gnupg")
        os.makedirs(cls.gnupg, mode=0o700)
        gpg(cls.gnupg, "--quick-gen-key", f"Partner <{ADDRESS}>", "future-default", "default",
            "1y")
        cls.key = gpg(cls.gnupg, "--export", ADDRESS)
        colons = gpg(cls.gnupg, "--with-colons", "--list-keys", ADDRESS).decode()
        cls.fingerprint = [l.split(":")[9] for l in colons.splitlines()
                           if l.startswith("fpr:")][0].lower()
        import base64
        key_b64 = base64.b64encode(cls.key).decode()

        smimea = f"{owner('domain-cert', '_smimecert', PARTNER)}. IN SMIMEA 3 0 0 {cls.der.hex()}"
        pgpkey = f"{owner('domain-cert', '_openpgpkey', PARTNER)}. IN OPENPGPKEY {key_b64}"
        both = lambda d: [s.replace(PARTNER + ".", d + ".") for s in (smimea, pgpkey)]  # noqa
        z = cls.zones = dnsfixture.Zones(w.file("zones"))
        z.add(PARTNER, both(PARTNER))
        z.add("unsigned.example", both("unsigned.example"), sign=False)
        z.add("other.example", both("other.example"))
        z.add("tampered.example", both("tampered.example"),
              tamper=dnsfixture.flip_record("SMIMEA"))
        cls.nsd = dnsfixture.Nsd(z).start()

        # WKD: advanced layout for partner.example, direct only for direct.example.
        adv = w.file("wkd-adv")
        hu = os.path.join(adv, ".well-known", "openpgpkey", PARTNER, "hu")
        os.makedirs(hu)
        cls.wkd_hash = subprocess.run([WKS_CLIENT, "--print-wkd-hash", ADDRESS], check=True,
                                      capture_output=True, text=True).stdout.split()[0]
        with open(os.path.join(hu, cls.wkd_hash), "wb") as f:
            f.write(cls.key)
        direct = w.file("wkd-direct")
        os.makedirs(os.path.join(direct, ".well-known", "openpgpkey", "hu"))
        with open(os.path.join(direct, ".well-known", "openpgpkey", "hu", cls.wkd_hash),
                  "wb") as f:
            f.write(cls.key)
        cls.wkd = dnsfixture.Wkd(w.file("wkd"), {"openpgpkey." + PARTNER: adv,
                                                 "direct.example": direct,
                                                 "empty.example": w.file("wkd-empty")})
        cls.anchor = z.anchor(PARTNER, "tampered.example")

    @classmethod
    def tearDownClass(cls):
        if hasattr(cls, "nsd"):
            cls.nsd.stop()
        if hasattr(cls, "wkd"):
            cls.wkd.stop()
        if hasattr(cls, "gnupg"):
            subprocess.run(["gpgconf", "--kill", "gpg-agent"],
                           env=dict(os.environ, GNUPGHOME=cls.gnupg), capture_output=True)
        super().tearDownClass()

    def discover(self, domain, anchor=None, wkd=False, address=None):
        cfg = dnsfixture.discovery_config(self.nsd, anchor or self.anchor,
                                          self.wkd if wkd else None)
        path = self.w.write(f"discover-{domain}.toml", cfg)
        args = [SEALGATE, "--config", path, "discover", domain, "--json"]
        if address:
            args += ["--address", address]
        p = subprocess.run(args, capture_output=True, text=True, timeout=WAIT * 4)
        self.assertEqual(p.returncode, 0, p.stderr)
        return [json.loads(line) for line in p.stdout.splitlines()]

    def by_source(self, findings, source):
        return [f for f in findings if f["source"] == source]

    def test_secure(self):
        found = self.discover(PARTNER)
        [dane] = self.by_source(found, "dane")
        self.assertEqual(dane["dnssec"], "secure")
        self.assertEqual(dane["where"], owner("domain-cert", "_smimecert", PARTNER))
        self.assertEqual(dane["id"], self.thumbprint)
        self.assertEqual((dane["usage"], dane["selector"], dane["matching"]), (3, 0, 0))
        self.assertTrue(dane["usable"], dane["problem"])
        self.assertGreater(dane["ttl"], 0)
        [dns] = self.by_source(found, "dns")
        self.assertEqual(dns["dnssec"], "secure")
        self.assertEqual(dns["where"], owner("domain-cert", "_openpgpkey", PARTNER))
        self.assertEqual(dns["id"], self.fingerprint)
        self.assertTrue(dns["usable"], dns["problem"])
        self.assertEqual(self.by_source(found, "wkd"), [])  # wkd = false

    def test_text_output(self):
        cfg = self.w.write("text.toml", dnsfixture.discovery_config(self.nsd, self.anchor))
        out = subprocess.run([SEALGATE, "--config", cfg, "discover", PARTNER], check=True,
                             capture_output=True, text=True, timeout=WAIT * 4).stdout
        groups = " ".join(self.thumbprint[i:i + 4] for i in range(0, 64, 4)).upper()
        self.assertIn(groups, out)
        self.assertIn("dnssec:      secure", out)
        self.assertIn("usable:      yes", out)

    def test_insecure_unsigned_zone(self):
        found = self.discover("unsigned.example")
        self.assertEqual([f["dnssec"] for f in found], ["insecure", "insecure"])
        self.assertEqual(self.by_source(found, "dane")[0]["id"], self.thumbprint)

    def test_insecure_without_anchor(self):
        # other.example is signed, but the anchor names other zones only.
        found = self.discover("other.example")
        self.assertEqual([f["dnssec"] for f in found], ["insecure", "insecure"])

    def test_bogus_record_edited_after_signing(self):
        found = self.discover("tampered.example")
        [dane] = self.by_source(found, "dane")
        self.assertEqual(dane["dnssec"], "bogus")
        self.assertIn("signature", dane["reason"])
        self.assertEqual(dane["id"], "")  # a bogus answer carries no data
        self.assertFalse(dane["usable"])
        # The OPENPGPKEY record of that zone was not touched.
        self.assertEqual(self.by_source(found, "dns")[0]["dnssec"], "secure")

    def test_bogus_wrong_anchor(self):
        found = self.discover(PARTNER, anchor=self.zones.wrong_anchor(PARTNER))
        self.assertEqual([f["dnssec"] for f in found], ["bogus", "bogus"])
        self.assertTrue(all(f["reason"] and not f["id"] for f in found), found)

    def test_nxdomain(self):
        found = self.discover(PARTNER, address="nobody@" + PARTNER)
        self.assertEqual([f["dnssec"] for f in found], ["no record", "no record"])
        self.assertTrue(all("validated denial" in f["reason"] for f in found), found)

    def test_resolver_unreachable_is_failed(self):
        cfg = self.w.write("down.toml", '[discovery]\nresolver = "127.0.0.1@9"\n'
                           f'trust_anchor = "{self.anchor}"\nwkd = false\ntimeout = "2s"\n')
        p = subprocess.run([SEALGATE, "--config", cfg, "discover", PARTNER, "--json"],
                           capture_output=True, text=True, timeout=WAIT * 4)
        self.assertEqual(p.returncode, 0, p.stderr)
        found = [json.loads(line) for line in p.stdout.splitlines()]
        self.assertEqual([f["dnssec"] for f in found], ["failed", "failed"])

    def test_silent_resolver_ends_by_the_timeout(self):
        # A UDP socket that never answers: only the lookup's own deadline ends the wait.
        import socket
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:
            silent.bind(("127.0.0.1", 0))
            port = silent.getsockname()[1]
            cfg = self.w.write("silent.toml", f'[discovery]\nresolver = "127.0.0.1@{port}"\n'
                               f'trust_anchor = "{self.anchor}"\nwkd = false\ntimeout = "1s"\n')
            p = subprocess.run([SEALGATE, "--config", cfg, "discover", PARTNER, "--json"],
                               capture_output=True, text=True, timeout=WAIT * 4)
        self.assertEqual(p.returncode, 0, p.stderr)
        found = [json.loads(line) for line in p.stdout.splitlines()]
        self.assertEqual([f["dnssec"] for f in found], ["failed", "failed"])
        self.assertTrue(all("no answer within 1000 ms" in f["reason"] for f in found), found)

    def test_wkd_advanced(self):
        found = self.by_source(self.discover(PARTNER, wkd=True), "wkd")
        self.assertEqual(len(found), 1, found)
        [wkd] = found
        url = subprocess.run([WKS_CLIENT, "--print-wkd-url", ADDRESS], check=True,
                             capture_output=True, text=True).stdout.strip()
        self.assertEqual(wkd["where"], url)
        self.assertEqual(wkd["id"], self.fingerprint)
        self.assertEqual(wkd["dnssec"], "none")  # HTTPS is not DNSSEC
        self.assertTrue(wkd["usable"], wkd["problem"])

    def test_wkd_direct(self):
        found = self.by_source(self.discover("direct.example", wkd=True,
                                             address="domain-cert@direct.example"), "wkd")
        [wkd] = found
        self.assertEqual(wkd["where"], "https://direct.example/.well-known/openpgpkey/hu/"
                         f"{self.wkd_hash}?l=domain-cert")
        self.assertEqual(wkd["id"], self.fingerprint)
        # The key's user ID names partner.example, not this address.
        self.assertFalse(wkd["usable"])
        self.assertIn("no valid user ID names domain-cert@direct.example", wkd["problem"])

    def test_wkd_nothing(self):
        [wkd] = self.by_source(self.discover("empty.example", wkd=True), "wkd")
        self.assertEqual(wkd["dnssec"], "no record")
        self.assertEqual(wkd["id"], "")


class RoundTrip(E2ETestCase):
    """What `publish dns` and `publish wkd` write for our domain is what `discover` finds:
    the zone signed and served by nsd (secure), the WKD tree served over HTTPS."""

    DOMAIN = "ours.example"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        dnsfixture.skip_unless_installed()
        g = cls.g = cls.gateway("ours")
        g.cli("init")
        g.cli("domain", "add", cls.DOMAIN, "--local")
        cls.thumbprint = g.out("cert", "create", "--email", "domain-cert@" + cls.DOMAIN, "--cn",
                               "ours domain", "--key", "p256", "--days", "30")
        cls.fingerprint = g.out("pgp", "create", "--uid", f"Ours <domain-cert@{cls.DOMAIN}>")
        cls.lines = g.out("publish", "dns", "--domain", cls.DOMAIN)
        cls.zones, cls.nsd = dnsfixture.serve_zone(cls.w.file("zones"), cls.DOMAIN, cls.lines)
        wkd_dir = cls.w.file("wkd-tree")
        cls.written = g.out("publish", "wkd", wkd_dir).splitlines()
        cls.wkd = dnsfixture.Wkd(cls.w.file("wkd"), {
            "openpgpkey." + cls.DOMAIN: os.path.join(wkd_dir, cls.DOMAIN, "advanced")})

    @classmethod
    def tearDownClass(cls):
        if hasattr(cls, "nsd"):
            cls.nsd.stop()
        if hasattr(cls, "wkd"):
            cls.wkd.stop()
        super().tearDownClass()

    def test_zone_lines(self):
        records = [l for l in self.lines.splitlines() if not l.startswith(";")]
        self.assertEqual(len(records), 2, self.lines)
        smimea = owner("domain-cert", "_smimecert", self.DOMAIN) + ". IN SMIMEA 3 0 0 "
        pgp = owner("domain-cert", "_openpgpkey", self.DOMAIN) + ". IN OPENPGPKEY "
        self.assertTrue(any(r.startswith(smimea) for r in records), records)
        self.assertTrue(any(r.startswith(pgp) for r in records), records)
        der = bytes.fromhex([r for r in records if r.startswith(smimea)][0][len(smimea):])
        self.assertEqual(hashlib.sha256(der).hexdigest(), self.thumbprint)

    def test_wkd_tree(self):
        wkd_hash = subprocess.run([WKS_CLIENT, "--print-wkd-hash", "domain-cert@" + self.DOMAIN],
                                  check=True, capture_output=True, text=True).stdout.split()[0]
        self.assertEqual(sorted(os.path.basename(p) for p in self.written), [wkd_hash] * 2)
        for layout in ("advanced/.well-known/openpgpkey/" + self.DOMAIN, "direct/.well-known/"
                       "openpgpkey"):
            base = os.path.join(self.w.file("wkd-tree"), self.DOMAIN, layout)
            self.assertTrue(os.path.isfile(os.path.join(base, "policy")), base)
            self.assertTrue(os.path.isfile(os.path.join(base, "hu", wkd_hash)), base)

    def test_discover_finds_what_was_published(self):
        cfg = self.w.write("discover.toml", dnsfixture.discovery_config(
            self.nsd, self.zones.anchor(self.DOMAIN), self.wkd))
        out = subprocess.run([SEALGATE, "--config", cfg, "discover", self.DOMAIN, "--json"],
                             check=True, capture_output=True, text=True, timeout=WAIT * 4).stdout
        found = {f["source"]: f for f in map(json.loads, out.splitlines())}
        self.assertEqual(set(found), {"dane", "dns", "wkd"}, out)
        self.assertEqual(found["dane"]["dnssec"], "secure")
        self.assertEqual(found["dane"]["id"], self.thumbprint)
        self.assertTrue(found["dane"]["usable"], found["dane"]["problem"])
        self.assertEqual(found["dns"]["dnssec"], "secure")
        for source in ("dns", "wkd"):
            self.assertEqual(found[source]["id"], self.fingerprint)
            self.assertTrue(found[source]["usable"], found[source]["problem"])

    def test_publish_refuses_a_domain_not_ours(self):
        self.g.cli("domain", "add", "partner.example")
        for args in (("publish", "dns", "--domain", "partner.example"),
                     ("publish", "dns", "--domain", "nowhere.example"),
                     ("publish", "wkd", self.w.file("other-tree"), "--domain", "partner.example")):
            p = self.g.cli(*args, check=False)
            self.assertNotEqual(p.returncode, 0, args)
            self.assertEqual(p.stdout, b"", args)
        self.assertFalse(os.path.exists(self.w.file("other-tree")))


if __name__ == "__main__":
    unittest.main()
