"""test_discover.py — `sealgate discover`: SMIMEA and OPENPGPKEY in DNSSEC-signed zones served
by nsd on loopback (dnsfixture.py), and WKD over HTTPS on loopback with a test CA.

The certificate comes from openssl and the key from gpg, the owner names and WKD hashes are
computed here (hashlib) and by gpg-wks-client: nothing the test checks comes from sealgate's
own code except what `discover` prints. Cases: secure, insecure (an unsigned zone; a signed one
without its anchor), bogus (a record edited after signing; a wrong anchor), NXDOMAIN, WKD by
the advanced and the direct method, WKD with no key. Hostile: answers past the bounds of
docs/discovery.md (more than 16 records or keys, a WKD reply over 256 KiB, a key for another
address), refused with the reason and nothing staged.
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


def fingerprint(home, uid) -> str:
    colons = gpg(home, "--with-colons", "--list-keys", uid).decode()
    return [l.split(":")[9] for l in colons.splitlines() if l.startswith("fpr:")][0].lower()


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
        cls.fingerprint = fingerprint(cls.gnupg, ADDRESS)
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
        dnsfixture.stop_services(cls)
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
        dnsfixture.stop_services(cls)
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


# The bounds of docs/discovery.md ("Bounds"): records judged per DNS answer, bytes per WKD reply.
MAX_RECORDS = 16
WKD_CAP = 256 * 1024


def by_source(findings, source):
    return [f for f in findings if f["source"] == source]


class Hostile(E2ETestCase):
    """What a partner's DNS or web server may answer past the bounds: refused as a whole with
    the reason, nothing staged or pinned (many.example is even auto-dane), no crash.

      many.example    a signed zone with 17 valid SMIMEA records at domain-cert's owner name
                      (and 16 of them at sixteen's, the bound itself); WKD: 17 valid keys in
                      domain-cert's reply (16 of them in sixteen's)
      big.example     WKD, advanced method: the same valid key repeated to just under the cap
                      (under@) and one copy more, over it (over@)
      stream.example  WKD, direct method: the over-cap reply without Content-Length
      wrong.example   WKD: a key for other@wrong.example served at alice's hash
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        dnsfixture.skip_unless_installed()
        w = cls.w
        cls.thumbprints = []
        many, sixteen = [], []
        for i in range(MAX_RECORDS + 1):
            pem = w.file(f"many-{i}.pem")
            subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                            "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                            w.file(f"many-{i}.key"), "-out", pem, "-days", "30",
                            "-subj", f"/CN=domain-cert@many.example {i}",
                            "-addext", "subjectAltName=email:domain-cert@many.example",
                            "-addext", "keyUsage=keyAgreement,digitalSignature"],
                           check=True, capture_output=True)
            der = subprocess.run(["openssl", "x509", "-in", pem, "-outform", "DER"], check=True,
                                 capture_output=True).stdout
            cls.thumbprints.append(hashlib.sha256(der).hexdigest())
            many.append(f"{owner('domain-cert', '_smimecert', 'many.example')}. IN SMIMEA 3 0 0 "
                        f"{der.hex()}")
            if i < MAX_RECORDS:
                sixteen.append(f"{owner('sixteen', '_smimecert', 'many.example')}. IN SMIMEA "
                               f"3 0 0 {der.hex()}")
        cls.zones, cls.nsd = dnsfixture.serve_zone(w.file("zones"), "many.example",
                                                   many + sixteen)

        cls.gnupg = w.file("gnupg")
        os.makedirs(cls.gnupg, mode=0o700)
        gpg(cls.gnupg, "--quick-gen-key", "Big <under@big.example>", "future-default", "default",
            "1y")
        cls.big_fpr = fingerprint(cls.gnupg, "under@big.example")
        gpg(cls.gnupg, "--quick-add-uid", cls.big_fpr, "Big <over@big.example>")
        key = gpg(cls.gnupg, "--export", cls.big_fpr)
        cls.key_len = len(key)
        cls.under = key * (WKD_CAP // len(key))  # as many copies as fit: librnp merges them
        cls.over = cls.under + key
        # The display name says alice; the address, the part that counts, is other's.
        gpg(cls.gnupg, "--quick-gen-key", "alice@wrong.example <other@wrong.example>",
            "future-default", "default", "1y")
        cls.other_fpr = fingerprint(cls.gnupg, "other@wrong.example")
        other = gpg(cls.gnupg, "--export", cls.other_fpr)
        params = w.write("many-keys", "".join(
            f"Key-Type: eddsa\nKey-Curve: ed25519\nSubkey-Type: ecdh\nSubkey-Curve: cv25519\n"
            f"Name-Real: Many {i}\nName-Email: domain-cert@many.example\nExpire-Date: 1y\n"
            "%no-protection\n%commit\n" for i in range(MAX_RECORDS + 1)))
        gpg(cls.gnupg, "--gen-key", params)
        lines = gpg(cls.gnupg, "--with-colons", "--list-keys",
                    "domain-cert@many.example").decode().splitlines()
        cls.many_fprs = [lines[i + 1].split(":")[9].lower() for i, l in enumerate(lines)
                         if l.startswith("pub:")]  # the fpr line after each primary key's
        assert len(cls.many_fprs) == MAX_RECORDS + 1, cls.many_fprs

        def publish(root, path, address, data):
            hu = os.path.join(root, path, "hu")
            os.makedirs(hu, exist_ok=True)
            wkd_hash = subprocess.run([WKS_CLIENT, "--print-wkd-hash", address], check=True,
                                      capture_output=True, text=True).stdout.split()[0]
            with open(os.path.join(hu, wkd_hash), "wb") as f:
                f.write(data)
            return root

        well_known = os.path.join(".well-known", "openpgpkey")
        big = publish(w.file("wkd-big"), os.path.join(well_known, "big.example"),
                      "under@big.example", cls.under)
        publish(big, os.path.join(well_known, "big.example"), "over@big.example", cls.over)
        stream = publish(w.file("wkd-stream"), well_known, "domain-cert@stream.example",
                         cls.over)
        wrong = publish(w.file("wkd-wrong"), os.path.join(well_known, "wrong.example"),
                        "alice@wrong.example", other)
        many_wkd = publish(w.file("wkd-many"), os.path.join(well_known, "many.example"),
                           "domain-cert@many.example", gpg(cls.gnupg, "--export",
                                                           *cls.many_fprs))
        publish(many_wkd, os.path.join(well_known, "many.example"), "sixteen@many.example",
                gpg(cls.gnupg, "--export", *cls.many_fprs[:MAX_RECORDS]))
        # big.example's direct method has nothing (404); stream.example has no advanced host.
        cls.wkd = dnsfixture.Wkd(w.file("wkd"), {"openpgpkey.big.example": big,
                                                 "big.example": w.file("wkd-empty"),
                                                 "stream.example": stream,
                                                 "openpgpkey.wrong.example": wrong,
                                                 "openpgpkey.many.example": many_wkd},
                                 unannounced={"stream.example"})

        g = cls.g = cls.gateway("g", dnsfixture.discovery_config(
            cls.nsd, cls.zones.anchor("many.example"), cls.wkd))
        g.cli("init")
        for domain in ("many.example", "big.example", "stream.example", "wrong.example"):
            g.cli("domain", "add", domain)
        # auto-dane would pin a secure SMIMEA usage 3 record at once: not one of these.
        g.cli("domain", "set", "many.example", "discovery", "auto-dane")

    @classmethod
    def tearDownClass(cls):
        dnsfixture.stop_services(cls)
        super().tearDownClass()

    def discover(self, domain, address, stage=False):
        args = ["discover", domain, "--address", address, "--json"] + (["--stage"] if stage
                                                                        else [])
        p = self.g.cli(*args, check=False)
        self.assertEqual(p.returncode, 0, p.stderr)
        return [json.loads(line) for line in p.stdout.decode().splitlines()]

    def assert_nothing_staged(self, found, domain):
        for f in found:
            self.assertIn(f["outcome"], ("nothing to stage", "not usable"), f)
            self.assertEqual(f["pending_id"], 0, f)
        self.assertEqual(self.g.out("pending", "list"), "")
        self.assertNotIn("source:", self.g.out("domain", "show", domain))
        audit = self.g.out("audit")
        self.assertNotIn("discovery.stage", audit)
        self.assertNotIn("discovery.pin", audit)

    def test_more_than_16_records_or_keys_refused_as_a_whole(self):
        for stage in (False, True):
            with self.subTest(stage=stage):
                found = self.discover("many.example", "domain-cert@many.example", stage)
                [dane] = by_source(found, "dane")
                self.assertEqual(dane["where"], owner("domain-cert", "_smimecert", "many.example"))
                self.assertEqual(dane["dnssec"], "failed")
                self.assertEqual(dane["reason"], f"{MAX_RECORDS + 1} records (secure), more than "
                                 f"{MAX_RECORDS}: refused, none judged")
                self.assertEqual((dane["id"], dane["usable"]), ("", False))
                self.assertEqual(by_source(found, "dns")[0]["dnssec"], "no record")
                [wkd] = by_source(found, "wkd")
                self.assertEqual(wkd["problem"], f"{MAX_RECORDS + 1} keys, more than "
                                 f"{MAX_RECORDS}: refused, none judged")
                self.assertEqual((wkd["id"], wkd["usable"]), ("", False))
        self.assertEqual(dane["outcome"], "nothing to stage")
        self.assertIn(dane["reason"], dane["note"])
        self.assertEqual(wkd["outcome"], "nothing to stage")
        self.assert_nothing_staged(found, "many.example")
        # `cert list` shows a thumbprint's first 16 digits, `pgp list` the whole fingerprint.
        listed = (self.g.out("cert", "list") + self.g.out("pgp", "list")).lower()
        self.assertFalse([i for i in self.thumbprints + self.many_fprs if i[:16] in listed],
                         listed)
        text = self.g.out("discover", "many.example")
        self.assertIn(f"dnssec:      failed ({MAX_RECORDS + 1} records (secure), more than "
                      f"{MAX_RECORDS}: refused, none judged)", text)

    def test_16_records_or_keys_are_all_judged(self):
        found = self.discover("many.example", "sixteen@many.example")
        dane = by_source(found, "dane")
        self.assertEqual(len(dane), MAX_RECORDS, dane)
        self.assertEqual({f["dnssec"] for f in dane}, {"secure"})
        self.assertEqual(sorted(f["id"] for f in dane), sorted(self.thumbprints[:MAX_RECORDS]))
        self.assertTrue(all(f["usable"] for f in dane), [f["problem"] for f in dane])
        # Judged one by one: keys for domain-cert@, not sixteen@.
        wkd = by_source(found, "wkd")
        self.assertEqual(sorted(f["id"] for f in wkd), sorted(self.many_fprs[:MAX_RECORDS]))
        self.assertEqual({f["problem"] for f in wkd},
                         {"no valid user ID names sixteen@many.example"})

    def test_wkd_reply_over_the_cap_refused(self):
        self.assertGreater(len(self.over), WKD_CAP)
        # Announced (Content-Length) by the advanced method, whose failure is not turned into
        # "no record" by the direct method's 404; and read until the cap by the direct method.
        for domain in ("big.example", "stream.example"):
            address = ("over@" if domain == "big.example" else "domain-cert@") + domain
            with self.subTest(domain=domain):
                found = self.discover(domain, address, stage=True)
                [wkd] = by_source(found, "wkd")
                self.assertEqual(wkd["dnssec"], "failed")
                self.assertIn(f"larger than the limit of {WKD_CAP} bytes", wkd["reason"])
                if domain == "big.example":
                    self.assertIn("direct: HTTP status 404", wkd["reason"])
                self.assertEqual((wkd["id"], wkd["usable"]), ("", False))
                self.assertEqual(wkd["outcome"], "nothing to stage")
                self.assert_nothing_staged(found, domain)
        self.assertIn("stream.example", [host for host, _ in self.wkd.requests])

    def test_wkd_reply_just_under_the_cap_is_read(self):
        self.assertLessEqual(len(self.under), WKD_CAP)
        self.assertGreater(len(self.under), WKD_CAP - self.key_len)
        [wkd] = by_source(self.discover("big.example", "under@big.example"), "wkd")
        self.assertEqual(wkd["id"], self.big_fpr.lower())
        self.assertTrue(wkd["usable"], wkd["problem"])

    def test_wkd_key_for_another_address(self):
        found = self.discover("wrong.example", "alice@wrong.example", stage=True)
        [wkd] = by_source(found, "wkd")
        self.assertEqual(wkd["id"], self.other_fpr.lower())
        self.assertEqual(wkd["subject"], "alice@wrong.example <other@wrong.example>")
        self.assertFalse(wkd["usable"])
        self.assertEqual(wkd["problem"], "no valid user ID names alice@wrong.example")
        self.assertEqual(wkd["outcome"], "not usable")
        self.assertEqual(wkd["note"], wkd["problem"])
        self.assert_nothing_staged(found, "wrong.example")
        self.assertNotIn(self.other_fpr.lower(), self.g.out("pgp", "list").lower())
        text = self.g.out("discover", "wrong.example", "--address", "alice@wrong.example")
        self.assertIn("usable:      no: no valid user ID names alice@wrong.example", text)


if __name__ == "__main__":
    unittest.main()
