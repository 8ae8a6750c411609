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
        missing = dnsfixture.tools_missing()
        if missing:
            raise unittest.SkipTest("not installed: " + ", ".join(missing))
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
        cfg = (f'[discovery]\nresolver = "{self.nsd.resolver}"\n'
               f'trust_anchor = "{anchor or self.anchor}"\nwkd = {"true" if wkd else "false"}\n'
               f'wkd_ca_file = "{self.wkd.ca_file}"\nwkd_connect_to = "{self.wkd.connect_to}"\n')
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
        cfg = self.w.write("text.toml", f'[discovery]\nresolver = "{self.nsd.resolver}"\n'
                           f'trust_anchor = "{self.anchor}"\nwkd = false\n')
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


if __name__ == "__main__":
    unittest.main()
