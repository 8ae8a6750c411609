#!/usr/bin/env python3
"""cluster_bench.py — SMTP throughput with the SQLite store against the PostgreSQL store, on one
node and on two nodes sharing the store (issue 17; bench/RESULTS.md).

usage: bench/cluster_bench.py [--build DIR] [--messages N] [--rounds R] [--connections C]

Per case a fresh set of `sealgate serve` processes on one store relays to one Postfix smtp-sink;
Postfix's smtp-source (-d: connections reused) sends 10 KB messages from alice@example.com to
bob@smime.example (a trusted RSA-2048 partner certificate, mandatory: every message is S/MIME
encrypted and gets a mail log record). Two nodes: two smtp-source processes, one per node, each
with half the messages and half the connections. The cases run interleaved, round after round,
so that the machine's noise hits each alike:

  sqlite-1   one node, SQLite store (one file, WAL)
  pg-1       one node, PostgreSQL 15 on a Unix socket (tests/e2e/pgserver.py: fsync off)
  sqlite-2   two nodes on the same SQLite file (one host only: what SQLite allows)
  pg-2       two nodes on the same PostgreSQL database

Measured per run: msg/s (messages / wall time of the timed sends, after 500 untimed ones per
node), the gateways' CPU per message (every serve and its key process) and PostgreSQL's own
CPU per message (the postmaster and its backends). Prints one markdown table with the medians and
the ratios to sqlite-1; progress on stderr. Everything lives in a temporary directory, removed at
the end; every process started here is stopped by its PID.
"""

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "tests", "e2e"))
import smtp_load  # noqa: E402
from pgserver import PgServer  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def say(*a):
    print("==", *a, file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port):
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


def ticks(pid):
    """CPU ticks (user + system) of a process and, recursively, its children."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        total = int(fields[11]) + int(fields[12])
    except (FileNotFoundError, ProcessLookupError):
        return 0
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/children") as f:
                for child in f.read().split():
                    total += ticks(int(child))
        except FileNotFoundError:
            pass
    return total


class Bench:
    def __init__(self, args):
        self.args = args
        self.sealgate = os.path.abspath(os.path.join(args.build, "src", "app", "sealgate"))
        self.w = tempfile.mkdtemp(prefix="sealgate-cluster-bench-")
        self.procs = []
        self.pg = None

    def close(self):
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(20)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        if self.pg:
            self.pg.close()
        shutil.rmtree(self.w, ignore_errors=True)

    def cli(self, config, *argv):
        out = subprocess.run([self.sealgate, "--config", config, *argv], cwd=self.w,
                             capture_output=True, text=True)
        if out.returncode != 0:
            raise RuntimeError(f"sealgate {' '.join(argv)}: {out.stderr.strip()}")
        return out.stdout.strip()

    def store_config(self, name, store_lines):
        path = os.path.join(self.w, f"{name}.toml")
        with open(path, "w") as f:
            f.write(f"[store]\n{store_lines}master_key = \"{self.w}/{name}.key\"\n"
                    "[smtp]\nrelay_starttls = false\nmax_connections = 400\n"
                    "[metrics]\nlisten = \"\"\n")
        return path

    def setup_store(self, config):
        self.cli(config, "init")
        self.cli(config, "domain", "add", "example.com", "--local")
        self.cli(config, "cert", "import", self.partner_pem)
        self.cli(config, "ctl", "add", self.partner, "--trust")
        self.cli(config, "domain", "add", "smime.example")
        self.cli(config, "domain", "set", "smime.example", "smime-cert", self.partner)
        self.cli(config, "domain", "set", "smime.example", "encrypt-mode", "mandatory")

    def prepare(self):
        self.sink_port = free_port()
        sink = subprocess.Popen(["smtp-sink", "-u", "nobody", f"127.0.0.1:{self.sink_port}",
                                 "1024"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        self.procs.append(sink)
        wait_port(self.sink_port)
        key, crt = os.path.join(self.w, "p.key"), os.path.join(self.w, "p.crt")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                        key, "-out", crt, "-days", "30", "-subj", "/CN=smime.example domain",
                        "-addext", "keyUsage=critical,digitalSignature,keyEncipherment",
                        "-addext", "extendedKeyUsage=emailProtection",
                        "-addext", "subjectAltName=email:domain-cert@smime.example"],
                       check=True, capture_output=True)
        self.partner_pem = crt
        fp = subprocess.run(["openssl", "x509", "-in", crt, "-noout", "-fingerprint", "-sha256"],
                            check=True, capture_output=True, text=True).stdout
        self.partner = fp.split("=")[1].replace(":", "").strip().lower()
        self.message = os.path.join(self.w, "m.lf")
        with open(self.message, "wb") as f:
            f.write(smtp_load.generated_message(10240, "alice@example.com",
                                                "bob@smime.example").replace(b"\r\n", b"\n"))
        say("SQLite store")
        self.sqlite = self.store_config("sqlite", f"path = \"{self.w}/gw.db\"\n")
        self.setup_store(self.sqlite)
        say("PostgreSQL store")
        self.pg = PgServer()
        url = self.pg.conninfo(self.pg.create_database())
        self.postgresql = self.store_config("pg", f"url = \"{url}\"\n")
        self.setup_store(self.postgresql)

    def postmaster(self):
        with open(os.path.join(self.pg.dir, "data", "postmaster.pid")) as f:
            return int(f.readline())

    def source(self, port, messages, connections):
        return subprocess.Popen(["smtp-source", "-s", str(connections), "-m", str(messages), "-d",
                                 "-f", "alice@example.com", "-t", "bob@smime.example", "-F",
                                 self.message, f"127.0.0.1:{port}"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def run(self, config, nodes):
        serves, ports = [], []
        for i in range(nodes):
            port = free_port()
            log = open(os.path.join(self.w, f"serve-{i}.log"), "ab")
            p = subprocess.Popen([self.sealgate, "--config", config, "serve", "--listen",
                                  f"127.0.0.1:{port}", "--next-hop",
                                  f"127.0.0.1:{self.sink_port}"], cwd=self.w,
                                 stdout=subprocess.DEVNULL, stderr=log)
            log.close()
            self.procs.append(p)
            serves.append(p)
            ports.append(port)
        for port in ports:
            wait_port(port)
        conns = max(1, self.args.connections // nodes)
        for s in [self.source(port, 500, conns) for port in ports]:  # untimed
            s.wait()
        pg = self.postmaster() if config == self.postgresql else None
        cpu0 = sum(ticks(p.pid) for p in serves)
        pg0 = ticks(pg) if pg else 0
        t0 = time.monotonic()
        sources = [self.source(port, self.args.messages // nodes, conns) for port in ports]
        failed = sum(1 for s in sources if s.wait() != 0)
        wall = time.monotonic() - t0
        cpu = sum(ticks(p.pid) for p in serves) - cpu0
        pgcpu = (ticks(pg) - pg0) if pg else 0
        for p in serves:
            p.terminate()
            p.wait(30)
        n = (self.args.messages // nodes) * nodes
        return {"rate": n / wall, "cpu_us": cpu / TICK / n * 1e6,
                "pg_us": pgcpu / TICK / n * 1e6, "failed": failed}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.path.join(HERE, "..", "build"))
    ap.add_argument("--messages", type=int, default=3000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--connections", type=int, default=10)
    args = ap.parse_args()
    b = Bench(args)
    cases = [("sqlite-1", "sqlite", 1), ("pg-1", "postgresql", 1), ("sqlite-2", "sqlite", 2),
             ("pg-2", "postgresql", 2)]
    results = {c[0]: [] for c in cases}
    try:
        b.prepare()
        for r in range(args.rounds):
            for name, store, nodes in cases:
                got = b.run(getattr(b, store), nodes)
                say(f"round {r + 1} {name}: {got['rate']:.0f} msg/s, gateway "
                    f"{got['cpu_us']:.0f} us/msg, PostgreSQL {got['pg_us']:.0f} us/msg"
                    f"{'' if not got['failed'] else ', smtp-source FAILED'}; load "
                    f"{open('/proc/loadavg').read().split()[0]}")
                results[name].append(got)
    finally:
        b.close()
    base = statistics.median(g["rate"] for g in results["sqlite-1"])
    base_cpu = statistics.median(g["cpu_us"] for g in results["sqlite-1"])
    print("| case | msg/s (rounds) | msg/s ratio to sqlite-1 | gateway CPU µs/msg (median) | "
          "+ PostgreSQL CPU µs/msg | CPU ratio (gateway + PostgreSQL) to sqlite-1 |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for name, _, _ in cases:
        runs = results[name]
        rate = statistics.median(g["rate"] for g in runs)
        cpu = statistics.median(g["cpu_us"] for g in runs)
        pg = statistics.median(g["pg_us"] for g in runs)
        rounds = " / ".join(f"{g['rate']:.0f}" for g in runs)
        print(f"| {name} | {rounds} | "
              f"{rate / base:.2f} | {cpu:.0f} | {pg:.0f} | {(cpu + pg) / base_cpu:.2f} |")


if __name__ == "__main__":
    main()
