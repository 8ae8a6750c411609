"""The admin listener's bounds (web/listener.hpp): a flood of idle connections to the admin port
holds at most the pool's threads and its waiting queue as open sockets in the daemon (the rest
wait in the kernel), mail keeps flowing through the SMTP listener meanwhile, and the API answers
again once the flood is gone. Each connection of a flood comes from an address of its own (127.0.1.x): one
address holds at most ListenerConfig::max_per_client of them (tests/api/test_edge.py)."""

import os
import socket
import unittest

from apiharness import ApiTestCase
from harness import message, send, wait_until

THREADS, WAITING = 16, 32  # ListenerConfig's defaults


def connect_from(i, port, timeout):
    """A connection to the admin port from the i-th address of 127.0.1.0/24."""
    s = socket.socket()
    s.settimeout(timeout)
    try:
        s.bind((f"127.0.1.{i + 1}", 0))
        s.connect(("127.0.0.1", port))
    except OSError:
        s.close()
        raise
    return s


def open_sockets(pid):
    return sum(1 for fd in os.listdir(f"/proc/{pid}/fd")
               if os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:"))


class Limits(ApiTestCase):
    def test_idle_flood_is_bounded_and_mail_flows(self):
        pid = self.g.proc.pid
        before = open_sockets(pid)
        flood = []
        try:
            for i in range(THREADS + WAITING + 30):
                try:
                    # A SYN the full accept queue dropped is sent again after 1 s.
                    flood.append(connect_from(i, self.g.admin_port, 3))
                except OSError:
                    break  # the kernel's accept queue is full: what the bound is for
            self.assertGreater(len(flood), THREADS + WAITING)
            # The listener takes what it can hold, and no more.
            wait_until(lambda: open_sockets(pid) >= before + THREADS,
                       "the listener to take the first connections")
            self.assertLessEqual(open_sockets(pid), before + THREADS + WAITING + 1)
            # Mail is not held up by it.
            data = message("alice@a.example", "<bob@plain.example>", "during the flood", b"hi\n")
            rcpts, final = send(self.g.port, "alice@a.example", ["bob@plain.example"], data)
            self.assertEqual(final.code, 250, final)
            self.assertEqual(len(self.sink_a.wait_messages(1)), 1)
        finally:
            for s in flood:
                s.close()
        wait_until(lambda: self.admin.get("/api/v1/session").status == 200,
                   "the API to answer after the flood")


class StopWithIdleConnections(ApiTestCase):
    def test_sigterm_does_not_wait_for_idle_clients(self):
        # Each would hold a thread for its handshake timeout: 60 idle connections, 10 s each,
        # 16 at a time, would keep a stopping daemon for a minute. They are cut instead.
        flood = [connect_from(i, self.g.admin_port, 3) for i in range(60)]
        try:
            wait_until(lambda: open_sockets(self.g.proc.pid) >= THREADS,
                       "the listener to take the connections")
            self.assertEqual(self.g.stop(), 0, self.g.serve_log())  # killed after 15 s: -9
            self.assertIn("sealgate: stopped", self.g.serve_log())
        finally:
            for s in flood:
                s.close()


if __name__ == "__main__":
    unittest.main()
