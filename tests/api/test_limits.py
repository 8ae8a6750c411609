"""The admin listener's bounds (web/listener.hpp): a flood of idle connections to the admin port
holds at most the pool's threads and its waiting queue as open sockets in the daemon (the rest
wait in the kernel), mail keeps flowing through the SMTP listener meanwhile, and the API answers
again once the flood is gone."""

import os
import socket
import unittest

from apiharness import ApiTestCase
from harness import message, send, wait_until

THREADS, WAITING = 8, 32  # ListenerConfig's defaults


def open_sockets(pid):
    return sum(1 for fd in os.listdir(f"/proc/{pid}/fd")
               if os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:"))


class Limits(ApiTestCase):
    def test_idle_flood_is_bounded_and_mail_flows(self):
        pid = self.g.proc.pid
        before = open_sockets(pid)
        flood = []
        try:
            for _ in range(THREADS + WAITING + 30):
                s = socket.socket()
                s.settimeout(3)  # a SYN the full accept queue dropped is sent again after 1 s
                try:
                    s.connect(("127.0.0.1", self.g.admin_port))
                except OSError:
                    s.close()  # the kernel's accept queue is full: what the bound is for
                    break
                flood.append(s)
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


if __name__ == "__main__":
    unittest.main()
