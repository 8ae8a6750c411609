#!/usr/bin/env python3
"""hostile.py — what hostile clients cost the permitted client of a running gateway.

usage: SEALGATE=build/src/app/sealgate python3 bench/hostile.py [--seconds N] [--flooders N]

1. Flood: `sealgate serve` permits only 127.0.0.1; FLOODERS threads connect from 127.0.0.2
   (refused, 554) and reconnect the moment they are closed, never saying QUIT. Meanwhile one
   permitted client sends messages one after another on fresh connections. Reported: its
   successes / attempts and its median / 99th percentile time per message, with and without
   the flood (the same run, one after the other: the machine is shared and noisy).
2. Stalled DATA: STALLERS permitted connections each send STALL_MB of DATA and never the final
   dot; reported: the daemon's peak RSS (VmHWM) against its RSS before, with
   [limits] max_buffered_bytes as configured, and how DATA is answered meanwhile.
3. Store locked: another process holds BEGIN EXCLUSIVE on the store while messages flow;
   reported: how many were answered 250, and the NOOP round trip on an idle session.

Uses the e2e harness (tests/e2e/harness.py): a fresh store in a temporary directory, a sink
on a free port; everything is stopped and removed at the end.
"""

import argparse
import os
import socket
import statistics
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "e2e"))
from harness import Client, Gateway, Sink, Workdir, message  # noqa: E402


def permitted_client(port, seconds, stop_at=None):
    """Messages one after another on fresh connections for SECONDS; (ok, attempts, times)."""
    ok = attempts = 0
    times = []
    data = message("alice@a.example", "<bob@plain.example>", "load", b"x" * 2000)
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        attempts += 1
        t0 = time.monotonic()
        try:
            c = Client(port)
            if c.greeting.code == 220:
                _, _, final = c.send("alice@a.example", ["bob@plain.example"], data)
                if final is not None and final.code == 250:
                    ok += 1
                    times.append(time.monotonic() - t0)
                c.cmd("QUIT")
            c.close()
        except (OSError, ConnectionError):
            pass
    return ok, attempts, times


def flooder(port, stop, counter):
    while not stop.is_set():
        try:
            s = socket.socket()
            s.bind(("127.0.0.2", 0))
            s.settimeout(30)
            s.connect(("127.0.0.1", port))
            counter[0] += 1
            while s.recv(4096):  # never QUIT: wait to be thrown out
                pass
            s.close()
        except OSError:
            time.sleep(0.001)


def rss_kb(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def summary(name, ok, attempts, times):
    if not times:
        return f"| {name} | {ok}/{attempts} | - | - |"
    times = sorted(times)
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    return (f"| {name} | {ok}/{attempts} ({100.0 * ok / max(1, attempts):.1f} %) | "
            f"{statistics.median(times) * 1000:.1f} ms | {p99 * 1000:.1f} ms |")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--flooders", type=int, default=50)
    ap.add_argument("--stallers", type=int, default=20)
    ap.add_argument("--stall-mb", type=int, default=45)
    ap.add_argument("--max-buffered-mb", type=int, default=256)
    args = ap.parse_args()

    w = Workdir()
    sink = Sink(w)
    config = (f'[smtp]\nrelay_networks = ["127.0.0.1/32"]\nmax_connections = 50\n'
              f'max_connections_per_ip = 50\nmax_junk_commands = 1000000\nmax_message_size = {60 * 1024 * 1024}\n'
              f'[limits]\nmax_buffered_bytes = {args.max_buffered_mb * 1024 * 1024}\n')
    g = Gateway(w, "gw", config)
    g.cli("init")
    g.cli("domain", "add", "a.example", "--local")
    g.start(sink.address)
    try:
        print(f"## Hostile clients ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
              f"{os.cpu_count()} CPUs)\n")
        print(f"Flood: {args.flooders} refused clients reconnecting at once, max_connections 50, "
              f"{args.seconds:.0f} s per run.\n")
        print("| run | permitted client: 250 / attempts | median | p99 |")
        print("| --- | --- | --- | --- |")
        base = permitted_client(g.port, args.seconds)
        print(summary("no flood", *base))
        stop, counter = threading.Event(), [0]
        threads = [threading.Thread(target=flooder, args=(g.port, stop, counter), daemon=True)
                   for _ in range(args.flooders)]
        for t in threads:
            t.start()
        time.sleep(1)
        flood = permitted_client(g.port, args.seconds)
        stop.set()
        print(summary("during the flood", *flood))
        print(f"\nRefused connections made during the flood: {counter[0]}\n")
        for t in threads:
            t.join(timeout=40)

        pid = g.proc.pid
        before = rss_kb(pid, "VmRSS")
        chunk = b"y" * 998 + b"\r\n"
        stallers = []
        for _ in range(args.stallers):
            c = Client(g.port)
            c.cmd("EHLO stall.test")
            c.cmd("MAIL FROM:<alice@a.example>")
            c.cmd("RCPT TO:<bob@plain.example>")
            c.cmd("DATA")
            stallers.append(c)
        for c in stallers:
            for _ in range(args.stall_mb * 1024):
                c.write(chunk)
        time.sleep(1)
        probe = Client(g.port)
        probe.cmd("EHLO probe.test")
        probe.cmd("MAIL FROM:<alice@a.example>")
        probe.cmd("RCPT TO:<bob@plain.example>")
        answer = probe.cmd("DATA")
        peak = rss_kb(pid, "VmHWM")
        print(f"Stalled DATA: {args.stallers} connections x {args.stall_mb} MB without the final "
              f"dot, max_buffered_bytes {args.max_buffered_mb} MiB: RSS {before / 1024:.0f} MB "
              f"before, peak {peak / 1024:.0f} MB; a new DATA meanwhile: "
              f"`{answer.code} {answer.text}`.")
        for c in stallers + [probe]:
            c.close()

        # 3. The store locked by another process while mail flows: NOOP round trips on an idle
        # session between the messages.
        import sqlite3
        db = sqlite3.connect(g.store, timeout=5, isolation_level=None)
        db.execute("BEGIN EXCLUSIVE")
        idle = Client(g.port)
        idle.cmd("EHLO idle.test")
        noops, sent_ok = [], 0
        data = message("alice@a.example", "<bob@plain.example>", "locked", b"x" * 2000)
        end = time.monotonic() + args.seconds
        while time.monotonic() < end:
            c = Client(g.port)
            _, _, final = c.send("alice@a.example", ["bob@plain.example"], data)
            sent_ok += final is not None and final.code == 250
            c.close()
            t0 = time.monotonic()
            idle.cmd("NOOP")
            noops.append(time.monotonic() - t0)
        db.rollback()
        db.close()
        idle.close()
        noops.sort()
        print(f"\nStore locked (BEGIN EXCLUSIVE by another process) for {args.seconds:.0f} s: "
              f"{sent_ok} messages answered 250; NOOP on an idle session: median "
              f"{statistics.median(noops) * 1000:.2f} ms, max {noops[-1] * 1000:.2f} ms "
              f"({len(noops)} NOOPs).")
    finally:
        g.stop()
        sink.close()
        w.remove()


if __name__ == "__main__":
    main()
