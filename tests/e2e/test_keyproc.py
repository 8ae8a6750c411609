"""The key process boundary (docs/keys-process.md): `sealgate serve` never holds the master key,
its key process is sandboxed, and a key process that dies costs 4xx, never plaintext, and is
back by itself.

A encrypts to B (S/MIME) and B to A (OpenPGP), as in test_flow; what A's sink receives is handed
to B, whose key process alone can decrypt it.
"""

import os
import re
import signal
import subprocess
import threading
import unittest

from harness import (E2ETestCase, header, message, partner_setup, send, wait_until)

BODY = b"only the key process may open this\n"


def children(pid: int):
    """The pids whose parent is PID."""
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            out.append(int(entry))
    return out


def key_process(g):
    """The pid of G's key process (a child of serve running `key-process`), or None."""
    for pid in children(g.proc.pid):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if b"key-process" in f.read().split(b"\0"):
                    return pid
        except OSError:
            pass
    return None


def open_files(pid: int):
    """What PID's descriptors point at; one closed while we look is skipped (the daemon's
    connections come and go)."""
    out = []
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            out.append(os.readlink(f"/proc/{pid}/fd/{fd}"))
        except FileNotFoundError:
            pass
    return out


def status_field(pid: int, name: str) -> str:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(name + ":"):
                return line.split(":", 1)[1].strip()
    return ""


def memory_contains(pid: int, needles) -> list:
    """The needles found anywhere in PID's readable memory (/proc/PID/mem; the test runs as the
    same user or root)."""
    found = set()
    with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/mem", "rb", 0) as mem:
        for line in maps:
            fields = line.split()
            lo, hi = (int(x, 16) for x in fields[0].split("-"))
            if "r" not in fields[1] or (len(fields) > 5 and fields[5] in ("[vvar]", "[vsyscall]")):
                continue
            try:
                mem.seek(lo)
                chunk = mem.read(hi - lo)
            except (OSError, ValueError, OverflowError):
                continue
            for n in needles:
                if n in chunk:
                    found.add(n)
    return sorted(found)


def unix_recv_queue(pid: int) -> int:
    """The largest receive queue of PID's Unix sockets (ss -xp), 0 when none is waiting."""
    p = subprocess.run(["ss", "-xpn"], capture_output=True, text=True, timeout=10)
    best = 0
    for line in p.stdout.splitlines():
        if f"pid={pid}," in line:
            cols = line.split()
            try:
                best = max(best, int(cols[2]))
            except (IndexError, ValueError):
                pass
    return best


def one(sink):
    """The one message SINK received since it was last emptied; empties it."""
    sink.wait_messages(1)
    (m,) = sink.take()
    return m


class KeyProcess(E2ETestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.a = cls.gateway("a")
        cls.b = cls.gateway("b")
        cls.b_cert, cls.a_key = partner_setup(cls.a, cls.b)
        cls.sink_a = cls.sink("sink-a")
        cls.sink_b = cls.sink("sink-b")
        cls.a.start(cls.sink_a.address)
        cls.b.start(cls.sink_b.address)

    def setUp(self):
        self.sink_a.take()
        self.sink_b.take()

    def wire_to_b(self, subject):
        """A message that A encrypted for B (S/MIME), as the Internet hands it to B."""
        original = message("alice@a.example", "<bob@b.example>", subject, BODY)
        rcpts, final = send(self.a.port, "alice@a.example", ["bob@b.example"], original)
        self.assertEqual(final.code, 250, final)
        wire = one(self.sink_a)
        self.assertNotIn(BODY.strip(), wire.data)
        return wire

    def deliver_to_b(self, wire):
        rcpts, final = send(self.b.port, wire.sender, wire.recipients, wire.data)
        return final

    def test_serve_never_holds_the_master_key(self):
        # Keys in use first: B decrypts S/MIME, A decrypts OpenPGP, so both key processes have
        # unsealed their keys and both serve processes have handled the plaintext.
        wire = self.wire_to_b("boundary smime")
        self.assertEqual(self.deliver_to_b(wire).code, 250)
        delivered = one(self.sink_b)
        self.assertTrue(header(delivered.data, "X-Sealgate-Decrypted").startswith("smime"))
        original = message("bob@b.example", "<alice@a.example>", "boundary pgp", BODY)
        self.assertEqual(send(self.b.port, "bob@b.example", ["alice@a.example"],
                              original)[1].code, 250)
        wire_a = one(self.sink_b)
        self.assertEqual(send(self.a.port, wire_a.sender, wire_a.recipients,
                              wire_a.data)[1].code, 250)
        delivered_a = one(self.sink_a)
        self.assertTrue(header(delivered_a.data, "X-Sealgate-Decrypted").startswith("pgp"))

        for g in (self.a, self.b):
            serve = g.proc.pid
            key_file = os.path.realpath(g.store + ".key")
            with open(key_file) as f:
                hex_key = [l.strip() for l in f if l.strip() and not l.startswith("#")][0]
            with open(f"/proc/{serve}/maps") as f:
                self.assertNotIn(key_file, f.read())
            self.assertNotIn(key_file, open_files(serve))
            self.assertEqual(memory_contains(serve, [bytes.fromhex(hex_key), hex_key.encode()]),
                             [], f"{g.name}: master key bytes in the serve process's memory")

            kp = key_process(g)
            self.assertIsNotNone(kp, f"{g.name}: no key process")
            # The check is able to see the key where it is: in the key process's memory.
            self.assertEqual(memory_contains(kp, [bytes.fromhex(hex_key)]),
                             [bytes.fromhex(hex_key)])
            self.assertEqual(status_field(kp, "NoNewPrivs"), "1")
            self.assertEqual(status_field(kp, "Seccomp"), "2")  # a filter is in force
            # Its descriptors: /dev/null, the log, the control socket and channels; no file
            # of the store's beyond what SQLite keeps open, no network socket.
            inet = set()
            for proto in ("tcp", "tcp6", "udp", "udp6"):
                with open(f"/proc/{kp}/net/{proto}") as f:
                    inet |= {l.split()[9] for l in f.readlines()[1:]}
            for target in open_files(kp):
                m = re.match(r"socket:\[(\d+)\]", target)
                if m:
                    self.assertNotIn(m.group(1), inet, f"{g.name}: key process has a network "
                                                        f"socket {target}")

    def test_kill9_gives_4xx_then_mail_flows_again(self):
        wire = self.wire_to_b("before the crash")
        self.assertEqual(self.deliver_to_b(wire).code, 250)
        one(self.sink_b)

        kp = key_process(self.b)
        self.assertIsNotNone(kp)
        # Stop it so that the next request is certainly in flight when it dies.
        wire = self.wire_to_b("in flight")
        os.kill(kp, signal.SIGSTOP)
        result = {}
        t = threading.Thread(target=lambda: result.update(final=self.deliver_to_b(wire)))
        t.start()
        wait_until(lambda: unix_recv_queue(kp) > 0, "the request waiting at the key process")
        os.kill(kp, signal.SIGKILL)
        t.join(30)
        self.assertFalse(t.is_alive())
        self.assertEqual(result["final"].code // 100, 4, result["final"])
        # Nothing reached the next hop, least of all in clear.
        self.assertEqual(self.sink_b.take(), [])

        # serve restarts it: a new key process, one log line about the death.
        new = wait_until(lambda: (lambda p: p if p and p != kp else None)(key_process(self.b)),
                         "a new key process")
        self.assertNotEqual(new, kp)
        wait_until(lambda: f"key process (pid {kp}) killed by signal 9" in self.b.serve_log(),
                   "the death in serve's log")
        self.assertEqual(self.b.serve_log().count(f"key process (pid {kp})"), 1)
        # Mail flows again: the same message, now decrypted.
        final = wait_until(lambda: (lambda f: f if f.code == 250 else None)(
            self.deliver_to_b(wire)), "mail accepted again")
        self.assertEqual(final.code, 250)
        delivered = one(self.sink_b)
        self.assertTrue(header(delivered.data, "X-Sealgate-Decrypted").startswith("smime"))
        self.assertIn(BODY.strip(), delivered.data)


class InProcessMode(E2ETestCase):
    """[keys] process = false (development, measurement): no key process, mail still flows."""

    def test_no_key_process(self):
        a = self.gateway("a")
        b = self.gateway("b", config='[keys]\nprocess = false\n')
        partner_setup(a, b)
        sink_a, sink_b = self.sink("sink-a"), self.sink("sink-b")
        a.start(sink_a.address)
        b.start(sink_b.address)
        self.assertIsNone(key_process(b))
        self.assertIsNotNone(key_process(a))
        original = message("alice@a.example", "<bob@b.example>", "in process", BODY)
        self.assertEqual(send(a.port, "alice@a.example", ["bob@b.example"], original)[1].code,
                         250)
        wire = one(sink_a)
        self.assertEqual(send(b.port, wire.sender, wire.recipients, wire.data)[1].code, 250)
        delivered = one(sink_b)
        self.assertTrue(header(delivered.data, "X-Sealgate-Decrypted").startswith("smime"))


class KeysUser(E2ETestCase):
    """[keys] user: a user that does not exist stops serve at start with the reason, as root;
    it is never read as "stay root"."""

    def test_unknown_user_refused(self):
        if os.geteuid() != 0:
            raise unittest.SkipTest("needs root: the user is changed only when started as root")
        g = self.gateway("u", config='[keys]\nuser = "no-such-user-sealgate"\n')
        g.cli("init")
        p = subprocess.run(g.args() + ["serve", "--listen", "127.0.0.1:0"], capture_output=True,
                           timeout=60, cwd=g.workdir.path)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn(b"no such user no-such-user-sealgate", p.stderr)
        self.assertNotIn(b"listening on", p.stdout)


if __name__ == "__main__":
    unittest.main()
