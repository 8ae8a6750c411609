"""Several pipeline threads (`[smtp] workers = 3`) under concurrent traffic and policy changes.

Each worker thread owns its keys (app/worker.hpp); messages of every kind run on whichever thread
is free, and a policy change reaches each thread when it first sees the new snapshot. CI machines
have 2 cores, where the default is one worker, so this test sets three explicitly.

A sends S/MIME to B and B sends OpenPGP to A from several client threads at once; what each sink
got is then handed to the other gateway, again concurrently, where it is decrypted. Meanwhile the
administrators add domains, which changes the store generation and makes both gateways reload.
Every original must arrive byte for byte, and every copy must be in the mail log.
"""

import threading
import unittest

from harness import E2ETestCase, crlf, message, partner_setup, send, strip_info, wait_until

CLIENTS = 6
EACH = 5
CONFIG = "[smtp]\nworkers = 3\n"


class ManyWorkers(E2ETestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.a = cls.gateway("a", CONFIG)
        cls.b = cls.gateway("b", CONFIG)
        cls.b_cert, cls.a_key = partner_setup(cls.a, cls.b)
        cls.sink_a = cls.sink("sink-a")
        cls.sink_b = cls.sink("sink-b")
        cls.a.start(cls.sink_a.address)
        cls.b.start(cls.sink_b.address)

    def test_started_with_three_pipeline_threads(self):
        for gw in (self.a, self.b):
            self.assertTrue(gw.started_line.endswith(", 3 pipeline threads"), gw.started_line)

    def send_all(self, jobs):
        """Run (port, sender, recipient, data) jobs from CLIENTS threads; return the failures."""
        failures, lock = [], threading.Lock()
        queue = list(jobs)

        def client():
            while True:
                with lock:
                    if not queue:
                        return
                    port, sender, rcpt, data = queue.pop()
                try:
                    _, final = send(port, sender, [rcpt], data)
                    ok = final is not None and final.code == 250
                    reason = final
                except (ConnectionError, OSError) as e:
                    ok, reason = False, e
                if not ok:
                    with lock:
                        failures.append((sender, rcpt, reason))

        threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        return failures

    def test_concurrent_messages_both_ways_while_the_policy_changes(self):
        originals = {}
        jobs = []
        for i in range(CLIENTS * EACH):
            to_b = message("alice@a.example", "<bob@b.example>", f"a to b {i}",
                           f"S/MIME message {i}\n".encode() * (20 + i), message_id=f"ab{i}@test")
            to_a = message("bob@b.example", "<alice@a.example>", f"b to a {i}",
                           f"OpenPGP message {i}\n".encode() * (20 + i), message_id=f"ba{i}@test")
            originals[f"a to b {i}"] = to_b
            originals[f"b to a {i}"] = to_a
            jobs.append((self.a.port, "alice@a.example", "bob@b.example", to_b))
            jobs.append((self.b.port, "bob@b.example", "alice@a.example", to_a))

        # Policy changes while the first round is in flight: each one bumps the store
        # generation, and the gateways reload within a second.
        changer_done = threading.Event()

        def change_policy():
            for n in range(4):
                self.a.cli("domain", "add", f"extra{n}.example")
                self.b.cli("domain", "add", f"extra{n}.example")
            changer_done.set()

        changer = threading.Thread(target=change_policy)
        changer.start()
        self.assertEqual(self.send_all(jobs), [])
        changer.join(60)
        self.assertTrue(changer_done.is_set())

        n = len(jobs) // 2
        wire_b = self.sink_a.wait_messages(n)  # A's outbound: encrypted for B
        wire_a = self.sink_b.wait_messages(n)  # B's outbound: encrypted for A
        for m in wire_b:
            self.assertIn(b"application/pkcs7-mime", m.data)
        for m in wire_a:
            self.assertIn(b"-----BEGIN PGP MESSAGE-----", m.data)

        # Second round: the receiving gateways decrypt, concurrently.
        self.sink_a.take()
        self.sink_b.take()
        back = [(self.b.port, m.sender, m.recipients[0], m.data) for m in wire_b]
        back += [(self.a.port, m.sender, m.recipients[0], m.data) for m in wire_a]
        self.assertEqual(self.send_all(back), [])
        delivered = self.sink_b.wait_messages(n) + self.sink_a.wait_messages(n)
        got = {}
        for m in delivered:
            plain = strip_info(m.data)
            subject = next(line for line in plain.split(b"\r\n")
                           if line.startswith(b"Subject: "))[9:].decode()
            got[subject] = plain
        self.assertEqual(sorted(got), sorted(originals))
        for subject, original in originals.items():
            self.assertEqual(got[subject], crlf(original), subject)

        # Every copy is in both logs: encrypted on the sending side, decrypted on the other
        # (the records reach the store within ~100 ms of the replies).
        for gw, prefix, action in ((self.a, "ab", "encrypted"), (self.b, "ab", "decrypted"),
                                   (self.b, "ba", "encrypted"), (self.a, "ba", "decrypted")):
            want = sorted(f"{prefix}{i}@test" for i in range(n))

            def logged(gw=gw, prefix=prefix, action=action):
                ids = sorted(r["message_id"] for r in gw.log_records()
                             if r["message_id"].startswith(prefix) and r["action"] == action)
                return ids if ids == want else None

            wait_until(logged, f"{gw.name}: {n} records '{action}' of {prefix}* messages")


if __name__ == "__main__":
    unittest.main()
