"""Node names (issue 17): two `sealgate serve` nodes on one store, each with its own `[node] name`,
write one mail log; `sealgate log` shows on every line the node that handled the copy, the JSON
form and the per-message line of each daemon carry it too, and the audit log names the node on
which a change was made.

The shared store here is one SQLite file (two processes on one WAL file are safe); the same holds
for PostgreSQL, where the nodes run on different machines (docs/cluster.md).
"""

import re
import unittest

from harness import E2ETestCase, message, send, wait_until

SENDER = "alice@x.example"
TO = "bob@y.example"


class TwoNamedNodes(E2ETestCase):
    def test_each_node_names_itself(self):
        sink = self.sink()
        one = self.gateway("one", '[node]\nname = "gw-one"\n')
        one.cli("init")
        two = self.gateway("two", '[node]\nname = "gw-two"\n')
        two.store = one.store  # the same store and, beside it, the same master key
        one.start(sink.address)
        two.start(sink.address)

        for node, subject in ((one, "via-one"), (two, "via-two")):
            rcpts, final = send(node.port, SENDER, [TO],
                                message(SENDER, f"<{TO}>", subject, b"x\n"))
            self.assertEqual([r.code for r in rcpts], [250])
            self.assertEqual(final.code, 250, final)
        sink.wait_messages(2)

        # One log, whichever node is asked; each record names its node.
        self.assertEqual(one.wait_log_records("via-two@test")[0]["node"], "gw-two")
        self.assertEqual(two.wait_log_records("via-one@test")[0]["node"], "gw-one")
        lines = one.out("log").splitlines()
        for msgid, name in (("via-one@test", "gw-one"), ("via-two@test", "gw-two")):
            (line,) = [l for l in lines if f"msgid=<{msgid}>" in l]
            self.assertRegex(line, rf"^\S+ \S+ UTC {name} [0-9A-F]{{22}} relay ")

        # Each daemon's per-message line says which node wrote it.
        def message_line(node, msgid):
            found = [l for l in node.serve_log().splitlines()
                     if "event=message" in l and f"msgid=<{msgid}>" in l]
            return found[0] if found else None
        self.assertRegex(wait_until(lambda: message_line(one, "via-one@test"), "line of one"),
                         r" node=gw-one detail=")
        self.assertRegex(wait_until(lambda: message_line(two, "via-two@test"), "line of two"),
                         r" node=gw-two detail=")

        # A change made through node two's configuration is audited as made there.
        two.cli("domain", "add", "partner.example")
        (last,) = one.out("audit", "--last", "1").splitlines()
        self.assertRegex(last, r"^\S+ \S+ UTC gw-two cli:\S+ domain\.add partner\.example: ")


if __name__ == "__main__":
    unittest.main()
