"""Two gateway nodes on one PostgreSQL store (issue 17, docs/cluster.md).

Two real `sealgate serve` processes share one throwaway PostgreSQL server (pgserver.py, a Unix
socket in a temporary directory) and one master key file; both relay to one sink.

  a) A partner certificate imported and trusted and its domain set mandatory on node 1 (CLI) is
     in force for mail through node 2 within one second: the test polls node 2's log for the
     reload and bounds that poll by one second (the figure it measured is printed).
  b) kill -9 of node 1 while both take mail: node 2 keeps taking it, and every message that got
     250 from either node is at the sink, encrypted.
  c) PostgreSQL stopped under load ([store] max_stale = 5s): mail is decided on the policy read
     last for at most 5 s, then gets 4xx; no message answered 250 is lost, none reaches the
     mandatory domain in clear; the outage is logged once; the node serves again within 5 s of
     PostgreSQL coming back, and the mail log records of the outage reach the store.
"""

import threading
import time
import unittest

from harness import SEALGATE, E2ETestCase, Gateway, make_smime_cert, message, send, wait_until
from pgserver import PgServer

PARTNER = "b.example"


class Node(Gateway):
    """A gateway whose store is the cluster's PostgreSQL database (the [store] url)."""

    def args(self):
        return [SEALGATE, "--config", self.config]


def encrypted(data: bytes) -> bool:
    return b"X-Sealgate-Encrypted: smime" in data and b"application/pkcs7-mime" in data


class Load:
    """Senders on a node each, one message after another, until stopped; every reply kept."""

    def __init__(self, nodes, prefix: str):
        self.nodes = nodes
        self.prefix = prefix
        self.lock = threading.Lock()
        self.replies = []  # (time, node name, message id, code)
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self._run, args=(n,), daemon=True)
                        for n in nodes]

    def start(self):
        for t in self.threads:
            t.start()
        return self

    def stop(self):
        self.stopping.set()
        for t in self.threads:
            t.join(30)

    def _run(self, node):
        i = 0
        while not self.stopping.is_set():
            i += 1
            mid = f"{self.prefix}-{node.name}-{i}@test"
            code = 0
            try:
                rcpts, final = send(node.port, "alice@a.example", [f"bob@{PARTNER}"],
                                    message("alice@a.example", f"<bob@{PARTNER}>", mid,
                                            b"cluster body \xe4\n", message_id=mid))
                code = final.code if final is not None else rcpts[0].code
            except (ConnectionError, OSError, AssertionError):
                code = -1  # the node is gone: not answered
            with self.lock:
                self.replies.append((time.monotonic(), node.name, mid, code))
            if code != 250:
                time.sleep(0.05)  # an upstream MTA would wait longer before it tries again

    def codes(self, since=0.0, node=None):
        with self.lock:
            return [c for t, n, _, c in self.replies if t >= since and (node is None or n == node)]

    def accepted(self):
        with self.lock:
            return {mid for _, _, mid, c in self.replies if c == 250}


class Cluster(E2ETestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pg = PgServer()
        cls.url = cls.pg.conninfo(cls.pg.create_database())
        cls.key = cls.w.file("cluster.key")
        cls.sink_ = cls.sink()
        config = (f'[store]\nurl = "{cls.url}"\nmaster_key = "{cls.key}"\nmax_stale = "5s"\n'
                  f'[smtp]\nnext_hop = "{cls.sink_.address}"\n[metrics]\nlisten = ""\n')
        cls.n1 = cls.node("n1", config)
        cls.n2 = cls.node("n2", config)
        cls.n1.cli("init")  # the schema and the master key; node 2 shares both
        cls.n1.cli("domain", "add", "a.example", "--local")
        cls.n1.start()
        cls.n2.start()

    @classmethod
    def node(cls, name, config):
        n = Node(cls.w, name, config)
        cls._gateways.append(n)
        return n

    @classmethod
    def tearDownClass(cls):
        try:
            super().tearDownClass()
        finally:
            cls.pg.close()

    def reloads(self, node):
        return node.serve_log().count("policy reloaded")

    def test_a_a_change_on_node_1_is_in_force_on_node_2_within_a_second(self):
        pem, _, thumb = make_smime_cert(self.w, "partner", f"domain-cert@{PARTNER}")
        before = self.reloads(self.n2)
        self.n1.cli("cert", "import", pem)
        self.n1.cli("ctl", "add", thumb, "--trust")
        self.n1.cli("domain", "add", PARTNER)
        self.n1.cli("domain", "set", PARTNER, "smime-cert", thumb)
        wait_until(lambda: self.reloads(self.n2) > before, "node 2 to reload")
        # The last change: from its commit on node 1, node 2 has it within one second.
        before = self.reloads(self.n2)
        changed = time.monotonic()
        self.n1.cli("domain", "set", PARTNER, "encrypt-mode", "mandatory")
        committed = time.monotonic()
        wait_until(lambda: self.reloads(self.n2) > before,
                   "node 2 to reload within a second of the change", timeout=1.0,
                   interval=0.005)
        seen = time.monotonic()
        print(f"\nnode 2 reloaded {1000 * (seen - committed):.0f} ms after the CLI returned "
              f"({1000 * (seen - changed):.0f} ms after it started)")
        self.assertIn("mandatory", self.n2.out("domain", "show", PARTNER))
        self.sink_.take()
        rcpts, final = send(self.n2.port, "alice@a.example", [f"bob@{PARTNER}"],
                            message("alice@a.example", f"<bob@{PARTNER}>", "via node 2",
                                    b"secret \xe4\n", message_id="a-via-n2@test"))
        self.assertEqual(final.code, 250, final)
        (got,) = self.sink_.wait_messages(1)
        self.assertTrue(encrypted(got.data), got.data[:800])
        self.assertIn(thumb.encode(), got.data)
        self.assertNotIn(b"secret", got.data)

    def test_b_node_2_keeps_serving_when_node_1_is_killed(self):
        self.sink_.take()
        load = Load([self.n1, self.n2], "kill").start()
        try:
            wait_until(lambda: load.codes(node="n1").count(250) >= 5
                       and load.codes(node="n2").count(250) >= 5, "mail through both nodes")
            self.n1.kill()
            killed = time.monotonic()
            wait_until(lambda: load.codes(since=killed + 0.5, node="n2").count(250) >= 20,
                       "node 2 to keep taking mail")
        finally:
            load.stop()
        self.assertNotIn(-1, load.codes(node="n2"))
        self.assertEqual([c for c in load.codes(since=killed + 0.5, node="n2") if c != 250], [])
        self.assert_all_at_the_sink_encrypted(load)
        self.n1.start()

    def test_c_postgresql_away_then_back(self):
        self.sink_.take()
        load = Load([self.n2], "pg").start()
        try:
            wait_until(lambda: load.codes().count(250) >= 5, "mail before the outage")
            self.pg.stop()
            stopped = time.monotonic()
            wait_until(lambda: any(400 <= c < 500 for c in load.codes(since=stopped)),
                       "4xx past max_stale")
            refused_at = min(t for t, _, _, c in load.replies if t >= stopped and 400 <= c < 500)
            self.pg.start()
            back = time.monotonic()
            wait_until(lambda: load.codes(since=back)[-1:] == [250] and
                       [t for t, _, _, c in load.replies if t >= back and c == 250],
                       "node 2 to serve again within 5 s of PostgreSQL coming back",
                       timeout=5.0)
            served = min(t for t, _, _, c in load.replies if t >= back and c == 250)
            wait_until(lambda: load.codes(since=served).count(250) >= 5, "mail after the outage")
        finally:
            load.stop()
            self.pg.start()
        print(f"\n4xx from {refused_at - stopped:.1f} s after PostgreSQL stopped; 250 again "
              f"{served - back:.2f} s after it was back")
        during = [c for t, _, _, c in load.replies if stopped <= t < back]
        self.assertTrue(all(c == 250 or 400 <= c < 500 for c in during), during)
        self.assertNotIn(-1, load.codes())
        self.assert_all_at_the_sink_encrypted(load)
        log = self.n2.serve_log()
        self.assertEqual(log.count("store unreachable since"), 1, log[-3000:])
        self.assertEqual(log.count("past [store] max_stale"), 1, log[-3000:])
        self.assertEqual(log.count("store reachable again after"), 1, log[-3000:])
        # The key process's store connection broke too: its keys are brought in line again
        # with the mail after the outage, not only at the next change of policy.
        if "private keys not reloaded" in log:
            self.assertIn("private keys reloaded", log)
        # What was accepted during the outage reached the mail log once PostgreSQL was back.
        accepted_during = sorted(mid for t, _, mid, c in load.replies
                                 if stopped <= t < back and c == 250)
        if accepted_during:
            self.n2.wait_log_records(accepted_during[-1])

    def assert_all_at_the_sink_encrypted(self, load):
        at_sink = {}
        for m in self.sink_.take():
            for line in m.data.split(b"\r\n"):
                if line.lower().startswith(b"message-id:"):
                    at_sink[line.split(b"<")[1].split(b">")[0].decode()] = m.data
        missing = load.accepted() - set(at_sink)
        self.assertEqual(missing, set(), "answered 250, never at the next hop")
        clear = [mid for mid, data in at_sink.items() if not encrypted(data)]
        self.assertEqual(clear, [], "mandatory domain got clear text")


if __name__ == "__main__":
    unittest.main()
