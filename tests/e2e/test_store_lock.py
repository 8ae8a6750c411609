"""The SMTP thread never waits for the database (issue: hold under hostile load).

Another process holds the store's write lock (BEGIN EXCLUSIVE, as a backup or a long admin
command would) while messages flow: every message is still answered 250 once the next hop has
it, a second session's NOOP is answered while the lock is still held, and the mail log records
of those messages reach the store once the lock is released — none is lost. With a log queue of
two records, new recipients get 451 4.3.0 until the log catches up.
"""

import sqlite3
import unittest

from harness import Client, E2ETestCase, message, send, wait_until


class StoreLocked(E2ETestCase):
    def locked(self, gateway):
        """A connection holding the store's write lock; close it to release."""
        db = sqlite3.connect(gateway.store, timeout=5, isolation_level=None)
        db.execute("BEGIN EXCLUSIVE")
        return db

    def test_mail_flows_while_another_process_holds_the_store(self):
        sink = self.sink()
        g = self.running_gateway("g", next_hop=sink.address)
        idle = Client(g.port)
        idle.cmd("EHLO idle.test")
        db = self.locked(g)
        try:
            for i in range(5):
                _, final = send(g.port, "alice@a.example", ["bob@b.example"],
                                message("alice@a.example", "<bob@b.example>", f"locked {i}",
                                        b"body\n", message_id=f"locked-{i}@test"))
                self.assertEqual(final.code, 250, final)
            # The lock is still held: the SMTP thread answers at once all the same.
            self.assertEqual(idle.cmd("NOOP").code, 250)
            wait_until(lambda: "mail log write failed" in g.serve_log(),
                       "the daemon to report the locked store")
            self.assertEqual(len(sink.wait_messages(5)), 5)
        finally:
            db.rollback()
            db.close()
        for i in range(5):
            (rec,) = g.wait_log_records(f"locked-{i}@test")
            self.assertEqual(rec["action"], "passed")
        wait_until(lambda: "mail log written again" in g.serve_log(),
                   "the daemon to report the recovery")
        idle.close()

    def test_a_full_log_queue_refuses_new_mail_until_it_drains(self):
        sink = self.sink("sink-q")
        g = self.running_gateway("q", "[limits]\nlog_queue = 2\n", next_hop=sink.address)
        db = self.locked(g)
        try:
            codes = []
            for i in range(4):
                rcpts, final = send(g.port, "alice@a.example", ["bob@b.example"],
                                    message("alice@a.example", "<bob@b.example>", f"q {i}",
                                            b"body\n", message_id=f"q-{i}@test"))
                codes.append(rcpts[0].code if final is None else final.code)
            # Two records fill the queue; after that RCPT is deferred, never accepted unlogged.
            self.assertEqual(codes[:2], [250, 250])
            self.assertEqual(codes[2:], [451, 451])
        finally:
            db.rollback()
            db.close()
        for i in range(2):
            g.wait_log_records(f"q-{i}@test")
        rcpts, final = send(g.port, "alice@a.example", ["bob@b.example"],
                            message("alice@a.example", "<bob@b.example>", "after", b"body\n",
                                    message_id="q-after@test"))
        self.assertEqual(final.code, 250)


if __name__ == "__main__":
    unittest.main()
