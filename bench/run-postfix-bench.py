#!/usr/bin/env python3
"""run-postfix-bench.py — Postfix + sealgate against Postfix alone, in one run.

usage: bench/run-postfix-bench.py [--build BUILD_DIR] [--messages N] [--size BYTES]
                                  [--sessions S] [--timeout SECONDS] [--warmup N] [--no-floor]

Target (issue): sealgate must never be the slower part of a Postfix deployment — Postfix +
sealgate encrypting everything should reach >= 80% of Postfix's own relay rate, same run.

Three cases, each on a fresh private Postfix instance (tests/e2e/postfix.py, run as root on
loopback ports) and a fresh Postfix `smtp-sink -c` as the final destination (the relayhost):
  1. postfix      Postfix alone: smtpd -> queue -> smtp -> sink (no content_filter).
  2. proxy        smtpd_proxy_filter -> `sealgate serve` -> reinjection smtpd -> queue -> sink.
  3. after-queue  smtpd -> queue -> content_filter (smtp) -> sealgate -> reinjection smtpd ->
                  queue -> sink.
  4. floor        as 2, with bench/floor_relay.cpp (a minimal asio relay: no policy, no
                  encryption, no log) in sealgate's place: what any proxy filter costs here.
In case 2, after the timed messages, smtp-source also sends N messages straight to sealgate on
kept connections (-d) with the same reinjection smtpd as next hop: sealgate's CPU per message
on a reused connection, for the ratio the connection-cost issue asks about (same run).
In 2 and 3 sealgate's store (set up through its CLI, tests/e2e/harness.py Gateway) trusts an
RSA-2048 certificate for b.example on its CTL and makes b.example mandatory, so every message
(alice@a.example -> bob@b.example) is S/MIME-encrypted.

The load is Postfix's `smtp-source -s SESSIONS -m N -l SIZE`. Per case: WARMUP messages first
(not timed; they start Postfix's and sealgate's processes), then N timed messages. Measured:
  t_source  from the start of smtp-source to its exit (all N accepted by the first smtpd; in
            case 2 that means sealgate has relayed each one to the reinjection smtpd);
  t_sink    from the same start until smtp-sink's counter ("mesg=") has all N messages.
The headline rate is N / t_sink (arrived at the sink). Every wait is bounded by --timeout.
In 2 and 3 the number of "encrypted" records in sealgate's mail log is checked afterwards.

Standard library only; reuses tests/e2e/harness.py and postfix.py by sys.path insertion.
Everything lives in one mkdtemp directory that is removed at the end; every process started
here is stopped by its PID (Postfix by `postfix stop`). Markdown on stdout, progress on stderr.
"""

import argparse
import json
import os
import re
import resource
import shutil
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "e2e"))

import harness  # noqa: E402
from harness import Gateway, Workdir, free_port, wait_until  # noqa: E402
from postfix import Postfix, wait_ready  # noqa: E402

SENDER, RECIPIENT = "alice@a.example", "bob@b.example"


def say(*args):
    print("==", *args, file=sys.stderr, flush=True)


def loadavg() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: int):
    """Fields of /proc/PID/stat after the command name (index 0 is field 3, the state)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None


def cpu_seconds(pid: int, with_reaped: bool = False) -> float:
    """utime + stime of a process (and of its children it has waited for)."""
    st = _stat(pid)
    if st is None:
        return 0.0
    ticks = int(st[11]) + int(st[12]) + ((int(st[13]) + int(st[14])) if with_reaped else 0)
    return ticks / CLOCK_TICKS


def tree_cpu_seconds(root: int) -> float:
    """CPU of a process tree: the root with the children it reaped, plus its live children
    (Postfix's master and the daemons it spawns; a daemon that exited is in the master's
    reaped time)."""
    total = cpu_seconds(root, with_reaped=True)
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            st = _stat(int(entry))
            if st is not None and int(st[1]) == root:
                total += cpu_seconds(int(entry))
    return total


def machine_busy():
    """(busy, total) jiffies of all CPUs from /proc/stat."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + v[4]
    return sum(v) - idle, sum(v)


class CpuMeter:
    """CPU used by each part of a case between start() and stop(): Postfix (master and its
    daemons), sealgate, the sink, smtp-source (a waited-for child of this script), and how
    busy the whole machine was."""

    def __init__(self, postfix_master: int, sealgate: int, sink: int):
        self.pids = {"postfix": postfix_master, "sealgate": sealgate, "sink": sink}

    def _read(self):
        r = {"postfix": tree_cpu_seconds(self.pids["postfix"]),
             "sealgate": cpu_seconds(self.pids["sealgate"]) if self.pids["sealgate"] else 0.0,
             "sink": cpu_seconds(self.pids["sink"])}
        ru = resource.getrusage(resource.RUSAGE_CHILDREN)
        r["source"] = ru.ru_utime + ru.ru_stime
        r["busy"], r["total"] = machine_busy()
        return r

    def start(self):
        self.before = self._read()

    def stop(self) -> dict:
        after = self._read()
        d = {k: after[k] - self.before[k] for k in after}
        d["machine"] = d.pop("busy") / d.pop("total") if d["total"] else 0.0
        return d


class CountingSink:
    """Postfix's smtp-sink with -c: it rewrites "sess=N quit=N mesg=N\\r" on stdout after every
    event; stdout goes to a file whose tail is read for the last mesg= value."""

    def __init__(self, workdir: Workdir, name: str):
        self.port = free_port()
        self.out_path = workdir.file(f"{name}.sink.out")
        out = open(self.out_path, "wb")
        self.proc = subprocess.Popen(
            ["smtp-sink", "-c", "-u", "nobody", f"127.0.0.1:{self.port}", "1024"],
            stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
        out.close()
        wait_until(lambda: self._listening(), f"smtp-sink on port {self.port}")

    def _listening(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return True
        except OSError:
            return False

    def count(self) -> int:
        with open(self.out_path, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - 256))
            found = re.findall(rb"mesg=(\d+)", f.read())
        return int(found[-1]) if found else 0

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def smtp_source(port: int, count: int, args, timeout: float, reuse: bool = False):
    p = subprocess.run(
        ["smtp-source", "-s", str(args.sessions), "-m", str(count), "-l", str(args.size)]
        + (["-d"] if reuse else [])
        + ["-f", SENDER, "-t", RECIPIENT, f"127.0.0.1:{port}"],
        capture_output=True, timeout=timeout)
    if p.returncode != 0:
        raise AssertionError(f"smtp-source exited {p.returncode}: "
                             f"{p.stderr.decode(errors='replace').strip()}")


def make_gateway(w: Workdir) -> Gateway:
    """A (a.example) encrypts to b.example: B's RSA-2048 domain certificate, trusted on A's
    CTL, mandatory. B's store only makes the certificate; B never runs."""
    a, b = Gateway(w, "a"), Gateway(w, "b")
    for g, dom in ((a, "a.example"), (b, "b.example")):
        g.cli("init")
        g.cli("domain", "add", dom, "--local")
    cert = b.out("cert", "create", "--email", "domain-cert@b.example", "--cn",
                 "b.example domain", "--key", "rsa2048", "--days", "30")
    pem = w.file("b-cert.pem")
    b.cli("cert", "export", cert, "-o", pem)
    a.cli("cert", "import", pem)
    a.cli("ctl", "add", cert, "--trust")
    a.cli("domain", "add", "b.example")
    a.cli("domain", "set", "b.example", "smime-cert", cert)
    a.cli("domain", "set", "b.example", "method", "smime")
    a.cli("domain", "set", "b.example", "encrypt-mode", "mandatory")
    # Encryption alone, as in bench/run-smtp-bench.sh (a new domain would also sign; A holds no
    # certificate of its own to sign with).
    a.cli("domain", "set", "b.example", "sign", "none")
    return a


def encrypted_records(a: Gateway, at_least: int) -> int:
    """How many "encrypted" records sealgate's mail log holds (waits, bounded, for at_least:
    the daemon writes its log in batches)."""
    def count():
        out = a.out("log", "--json", "--last", str(at_least + 1000))
        return sum(1 for line in out.splitlines()
                   if line and json.loads(line).get("action") == "encrypted")
    try:
        return wait_until(lambda: (lambda n: n if n >= at_least else None)(count()),
                          f"{at_least} encrypted records", timeout=30, interval=0.5)
    except AssertionError:
        return count()


class FloorRelay:
    """bench/floor_relay on a free port, relaying to the reinjection smtpd."""

    def __init__(self, binary: str, next_hop: int):
        self.port = free_port()
        self.proc = subprocess.Popen([binary, str(self.port), str(next_hop)],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        line = self.proc.stdout.readline().decode()
        if "listening" not in line:
            raise AssertionError(f"floor_relay did not start: {line!r}")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)


def run_case(name: str, args) -> dict:
    """One case on its own work directory, Postfix instance, sink and (maybe) sealgate."""
    w = Workdir()
    sink = pf = gw = floor = None
    try:
        sink = CountingSink(w, name)
        smtp_port, reinject_port = free_port(), free_port()
        filter_port = free_port()
        if name == "floor":
            floor = FloorRelay(args.floor_binary, reinject_port)
            filter_port = floor.port
        elif name != "postfix":
            gw = make_gateway(w)
            gw.start(f"127.0.0.1:{reinject_port}")
            filter_port = gw.port
        pf = Postfix(w.path, smtp_port, reinject_port, filter_port, sink.port,
                     before_queue=(name in ("proxy", "floor")))
        if name == "postfix":
            # Postfix alone: the same instance without the content filter.
            p = subprocess.run(["postconf", "-c", pf.etc, "-X", "content_filter"],
                               capture_output=True, text=True, timeout=30)
            if p.returncode != 0:
                raise AssertionError(f"postconf -X content_filter: {p.stderr.strip()}")
        pf.start()
        wait_ready(smtp_port)

        def arrived(n):
            return lambda: sink.count() >= n

        if args.warmup:
            smtp_source(smtp_port, args.warmup, args, args.timeout)
            wait_until(arrived(args.warmup), f"{args.warmup} warm-up messages at the sink",
                       timeout=args.timeout, interval=0.01)
        base = sink.count()
        load_before = loadavg()
        say(f"{name}: {args.messages} messages, load {load_before}")
        relay = gw if gw is not None else floor
        meter = CpuMeter(pf.master_pid(), relay.proc.pid if relay is not None else 0,
                         sink.proc.pid)
        meter.start()
        t0 = time.monotonic()
        smtp_source(smtp_port, args.messages, args, args.timeout)
        t_source = time.monotonic() - t0
        wait_until(arrived(base + args.messages),
                   f"{args.messages} messages at the sink ({name}; got {sink.count() - base})",
                   timeout=max(1.0, args.timeout - t_source), interval=0.01)
        t_sink = time.monotonic() - t0
        cpu = meter.stop()
        result = {"case": name, "t_source": t_source, "t_sink": t_sink,
                  "source_rate": args.messages / t_source, "sink_rate": args.messages / t_sink,
                  "load_before": load_before, "load_after": loadavg(), "encrypted": None,
                  "cpu": cpu}
        if gw is not None:
            result["encrypted"] = encrypted_records(gw, args.warmup + args.messages)
        if name == "proxy":
            # The same sealgate, the same next hop, on kept connections straight from the
            # driver: its CPU per message without a new connection per message.
            base = sink.count()
            direct = CpuMeter(pf.master_pid(), gw.proc.pid, sink.proc.pid)
            direct.start()
            smtp_source(gw.port, args.messages, args, args.timeout, reuse=True)
            wait_until(arrived(base + args.messages), "the direct messages at the sink",
                       timeout=args.timeout, interval=0.01)
            result["reused_sealgate_us"] = 1e6 * direct.stop()["sealgate"] / args.messages
        say(f"{name}: source {result['source_rate']:.0f} msg/s, sink {result['sink_rate']:.0f}"
            f" msg/s, encrypted {result['encrypted']}")
        return result
    except AssertionError as e:
        log = pf.maillog()[-3000:] if pf is not None else ""
        raise AssertionError(f"{name}: {e}\n--- maillog tail:\n{log}") from None
    finally:
        if pf is not None:
            pf.stop()
        if gw is not None:
            gw.stop()
        if floor is not None:
            floor.stop()
        if sink is not None:
            sink.stop()
        w.remove()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.path.join(HERE, "..", "build"))
    ap.add_argument("--messages", type=int, default=2000)
    ap.add_argument("--size", type=int, default=10240)
    ap.add_argument("--sessions", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--timeout", type=float, default=300.0, help="per case, seconds")
    ap.add_argument("--no-floor", action="store_true", help="leave out case 4 (floor_relay)")
    args = ap.parse_args()
    args.floor_binary = os.path.abspath(os.path.join(args.build, "bench", "floor_relay"))
    if not args.no_floor and not os.access(args.floor_binary, os.X_OK):
        sys.exit(f"no floor_relay at {args.floor_binary} (build it, or give --no-floor)")

    binary = os.path.abspath(os.path.join(args.build, "src", "app", "sealgate"))
    if not os.access(binary, os.X_OK):
        sys.exit(f"no sealgate binary at {binary} (build first)")
    if os.geteuid() != 0:
        sys.exit("a private Postfix instance needs root")
    for tool in ("postfix", "postconf", "smtp-sink", "smtp-source"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is not installed")
    harness.SEALGATE = binary

    cases = ("postfix", "proxy", "after-queue") + (() if args.no_floor else ("floor",))
    results = [run_case(name, args) for name in cases]
    base = results[0]
    labels = {"postfix": "1. Postfix alone -> sink",
              "proxy": "2. smtpd_proxy_filter -> sealgate (S/MIME) -> reinject -> sink",
              "after-queue": "3. content_filter -> sealgate (S/MIME) -> reinject -> sink",
              "floor": "4. smtpd_proxy_filter -> floor_relay -> reinject -> sink"}
    print(f"{args.messages} messages of {args.size} bytes body, smtp-source -s {args.sessions},"
          f" {args.warmup} warm-up messages per case\n")
    print("| case | arrived at sink msg/s | ratio to (1) | smtp-source done msg/s | ratio to (1)"
          " | encrypted | load before → after |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | --- |")
    for r in results:
        enc = "—" if r["encrypted"] is None else f"{r['encrypted']}"
        print(f"| {labels[r['case']]} | {r['sink_rate']:,.0f} | "
              f"{100 * r['sink_rate'] / base['sink_rate']:.0f}% | {r['source_rate']:,.0f} | "
              f"{100 * r['source_rate'] / base['source_rate']:.0f}% | {enc} | "
              f"{r['load_before']} → {r['load_after']} |")
    print("\nCPU per message while the timed messages were sent and delivered (µs; Postfix = its"
          " master and every daemon it ran), and how busy the machine's CPUs were:\n")
    print("| case | Postfix | sealgate | smtp-sink | smtp-source | all | machine busy |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in results:
        c = r["cpu"]
        us = {k: 1e6 * c[k] / args.messages for k in ("postfix", "sealgate", "sink", "source")}
        gw = "—" if r["case"] == "postfix" else f"{us['sealgate']:,.0f}"
        if r["case"] == "floor":
            gw = f"({us['sealgate']:,.0f} floor_relay)"
        print(f"| {labels[r['case']]} | {us['postfix']:,.0f} | {gw} | {us['sink']:,.0f} | "
              f"{us['source']:,.0f} | {sum(us.values()):,.0f} | {100 * c['machine']:.0f}% |")
    proxy = next(r for r in results if r["case"] == "proxy")
    in_chain = 1e6 * proxy["cpu"]["sealgate"] / args.messages
    print(f"\nsealgate's CPU per message in the before-queue chain (2): {in_chain:,.0f} µs; on"
          f" kept connections straight from smtp-source -d, same next hop:"
          f" {proxy['reused_sealgate_us']:,.0f} µs; ratio"
          f" {in_chain / proxy['reused_sealgate_us']:.2f}.")


if __name__ == "__main__":
    main()
