"""test_discovery.py — key discovery end to end with the real binaries (issue 19, pinning):
gateway A publishes its domain certificate (`publish dns`), the zone is signed and served by
nsd on loopback (dnsfixture.py); gateway B finds it (`discover --stage`), its administrator
approves the pending change, and B's mail to A's domain is encrypted to the discovered
certificate — A decrypts it. Then A replaces its certificate: the changed record, under
`discovery review`, is staged as a new pending change, and B's mail keeps going to the pinned
certificate until an administrator approves the new one.
"""

import json
import subprocess
import unittest

from harness import E2ETestCase, header, message, send, wait_until
import dnsfixture

PARTNER = "partner.example"


class DiscoveryPinning(E2ETestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        dnsfixture.skip_unless_installed()
        a = cls.a = cls.gateway("a")
        a.cli("init")
        a.cli("domain", "add", PARTNER, "--local")
        cls.a1 = a.out("cert", "create", "--email", "domain-cert@" + PARTNER, "--key", "p256",
                       "--days", "30")
        cls.nsd = None
        cls.serve_zone()

        b = cls.b = cls.gateway("b", cls.discovery_config())
        b.cli("init")
        b.cli("domain", "add", "b.example", "--local")
        b.cli("domain", "add", PARTNER)
        b.cli("domain", "set", PARTNER, "encrypt-mode", "mandatory")
        cls.sink_b = cls.sink("sink-b")
        b.start(cls.sink_b.address)

    @classmethod
    def serve_zone(cls):
        """A's zone as `publish dns` writes it now, freshly signed, in a new nsd."""
        if cls.nsd:
            cls.nsd.stop()
        lines = cls.a.out("publish", "dns", "--domain", PARTNER)
        cls.zone_version += 1
        cls.zones, cls.nsd = dnsfixture.serve_zone(cls.w.file(f"zones-{cls.zone_version}"),
                                                   PARTNER, lines)

    zone_version = 0

    @classmethod
    def discovery_config(cls):
        return dnsfixture.discovery_config(cls.nsd, cls.zones.anchor(PARTNER))

    @classmethod
    def tearDownClass(cls):
        dnsfixture.stop_services(cls)
        super().tearDownClass()

    def stage(self):
        """B's `discover --stage --json`: the findings by source, each with its outcome."""
        # The CLI reads B's config file, rewritten for the zone being served now.
        with open(self.b.config, "w") as f:
            f.write(self.discovery_config())
        out = self.b.out("discover", PARTNER, "--stage", "--json")
        return {f["source"]: f for f in map(json.loads, out.splitlines())}

    def mail(self, subject):
        """A message from b.example to partner.example through B: the copy the sink got."""
        self.sink_b.take()
        original = message("bob@b.example", "alice@" + PARTNER, subject, b"caf\xe9 body\n")
        rcpts, final = send(self.b.port, "bob@b.example", ["alice@" + PARTNER], original)
        self.assertEqual(final.code, 250, final)
        (wire,) = self.sink_b.wait_messages(1)
        return wire

    def test_publish_discover_stage_approve_encrypt_then_a_changed_record_waits(self):
        # Nothing pinned yet: mandatory mail to the partner is refused, never sent in clear.
        original = message("bob@b.example", "alice@" + PARTNER, "before", b"x\n")
        rcpts, _ = send(self.b.port, "bob@b.example", ["alice@" + PARTNER], original)
        self.assertTrue(all(r.code >= 400 for r in rcpts), rcpts)

        found = self.stage()
        self.assertEqual(found["dane"]["dnssec"], "secure", found)
        self.assertEqual(found["dane"]["id"], self.a1)
        self.assertEqual(found["dane"]["outcome"], "staged", found["dane"])
        first = found["dane"]["pending_id"]
        listed = self.b.out("pending", "list")
        self.assertIn(f"{first}  pending  {PARTNER}  discovery  adds certificate {self.a1}",
                      listed)
        shown = self.b.out("pending", "show", str(first))
        self.assertIn("dane (DNSSEC secure) usage 3", shown)
        # Staged again: not twice.
        self.assertEqual(self.stage()["dane"]["outcome"], "already pending")

        reloads = self.b.serve_log().count("policy reloaded")
        approved = self.b.out("pending", "approve", str(first))
        self.assertIn(f"approved {first}", approved)
        domain = self.b.out("domain", "show", PARTNER)
        self.assertIn(f"  {self.a1}  usable", domain)
        self.assertIn("    source: dane at ", domain)

        # B encrypts to the discovered certificate (once the daemon has the change), and A
        # decrypts it.
        wait_until(lambda: self.b.serve_log().count("policy reloaded") > reloads,
                   "B's daemon to reload its policy")
        wire = self.mail("after approval")
        encrypted = header(wire.data, "X-Sealgate-Encrypted")
        self.assertTrue(encrypted.startswith("smime; cert=" + self.a1), encrypted)
        plain = self.a.cli("decrypt", "--from", "bob@b.example", "--to", "alice@" + PARTNER,
                           input=wire.data).stdout
        self.assertIn(b"caf\xe9 body", plain)
        self.assertTrue(header(plain, "X-Sealgate-Decrypted").startswith("smime; cert=" + self.a1))

        # A replaces its certificate: the record changes. Under review the new one is staged,
        # the pinned one stays and mail keeps using it.
        self.b.cli("domain", "set", PARTNER, "discovery", "review")
        a2 = self.a.out("cert", "create", "--email", "domain-cert@" + PARTNER, "--key", "p256",
                        "--days", "30")
        self.a.cli("cert", "retire", self.a1)
        type(self).serve_zone()
        found = self.stage()
        self.assertEqual(found["dane"]["id"], a2, found)
        self.assertEqual(found["dane"]["outcome"], "staged", found["dane"])
        second = found["dane"]["pending_id"]
        self.assertNotEqual(second, first)
        self.assertIn(f"{second}  pending  {PARTNER}  discovery  adds certificate {a2}",
                      self.b.out("pending", "list"))
        domain = self.b.out("domain", "show", PARTNER)
        self.assertIn(f"  {self.a1}  usable", domain)
        self.assertNotIn(a2, domain)
        wire = self.mail("after the change")
        encrypted = header(wire.data, "X-Sealgate-Encrypted")
        self.assertTrue(encrypted.startswith("smime; cert=" + self.a1), encrypted)
        self.assertNotIn(a2, encrypted)
        audit = self.b.out("audit")
        self.assertIn("discovery.stage", audit)
        self.assertIn("pending.approve", audit)


if __name__ == "__main__":
    unittest.main()
