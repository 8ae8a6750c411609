#!/usr/bin/env python3
"""smtp_load.py - SMTP load driver for sealgate benchmarks (Python 3 standard library only).

Sends one message file (or a generated message of --size bytes) over --connections concurrent
SMTP connections that stay open (reused for every message: a new connection per message is not
what Postfix's content filter client does), until --messages messages were accepted or
--duration seconds passed, whichever comes first. Reports messages per second and the latency
of each transaction (MAIL FROM sent -> 250 after the end of DATA) at p50/p99.

A transaction answered with anything but 2xx counts as failed and is reported; the driver does
not retry. Output: one human-readable line, or one JSON object with --json.

Example:
  smtp_load.py --server 127.0.0.1:10025 --from a@example.com --to b@partner.example \
      --size 10240 --connections 10 --messages 5000 --duration 20
"""
import argparse
import asyncio
import json
import sys
import time


def generated_message(size: int, sender: str, recipient: str) -> bytes:
    head = (f"From: <{sender}>\r\nTo: <{recipient}>\r\nSubject: load\r\n"
            "Message-ID: <load@bench.invalid>\r\nMIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=us-ascii\r\n\r\n").encode()
    line = (b"abcdefghijklmnopqrstuvwxyz0123456789 " * 2)[:72] + b"\r\n"
    body = bytearray()
    while len(head) + len(body) + len(line) <= size:
        body += line
    return head + bytes(body)


def dot_stuff(message: bytes) -> bytes:
    """RFC 5321 section 4.5.2 transparency, CRLF line ends, and the final '.' line."""
    message = message.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    if not message.endswith(b"\r\n"):
        message += b"\r\n"
    lines = message.split(b"\r\n")
    stuffed = b"\r\n".join(b"." + l if l.startswith(b".") else l for l in lines)
    return stuffed + b".\r\n"


async def read_reply(reader: asyncio.StreamReader) -> tuple[int, str]:
    text = []
    while True:
        line = await reader.readline()
        if not line:
            raise ConnectionError("connection closed by server")
        text.append(line.decode("latin-1").rstrip())
        if len(line) < 4 or line[3:4] != b"-":
            return int(line[:3]), " | ".join(text)


class Totals:
    def __init__(self, limit: int, deadline: float):
        self.limit = limit
        self.deadline = deadline
        self.started = 0
        self.latencies: list[float] = []
        self.failures: dict[str, int] = {}

    def take(self) -> bool:
        if self.started >= self.limit or time.monotonic() >= self.deadline:
            return False
        self.started += 1
        return True

    def fail(self, what: str) -> None:
        self.failures[what] = self.failures.get(what, 0) + 1


async def connection(host: str, port: int, sender: str, recipient: str, data: bytes,
                     totals: Totals, no_pipelining: bool) -> None:
    try:
        reader, writer = await asyncio.open_connection(host, port, limit=1 << 20)
    except OSError as e:
        totals.fail(f"connect: {e}")
        return
    try:
        code, text = await read_reply(reader)
        if code != 220:
            totals.fail(f"greeting: {text}")
            return
        writer.write(b"EHLO bench.invalid\r\n")
        code, text = await read_reply(reader)
        if code != 250:
            totals.fail(f"EHLO: {text}")
            return
        pipelining = "PIPELINING" in text.upper() and not no_pipelining
        while totals.take():
            t0 = time.perf_counter()
            mail = f"MAIL FROM:<{sender}>\r\n".encode()
            rcpt = f"RCPT TO:<{recipient}>\r\n".encode()
            if pipelining:
                # RFC 2920: MAIL, RCPT and DATA in one write, then their three replies.
                writer.write(mail + rcpt + b"DATA\r\n")
                replies = [await read_reply(reader) for _ in range(3)]
            else:
                replies = []
                for command, good in ((mail, (250,)), (rcpt, (250, 251)), (b"DATA\r\n", (354,))):
                    writer.write(command)
                    replies.append(await read_reply(reader))
                    if replies[-1][0] not in good:
                        break
            bad = [f"{name}: {t}" for name, (c, t) in zip(("MAIL", "RCPT", "DATA"), replies)
                   if c not in ((250,), (250, 251), (354,))[["MAIL", "RCPT", "DATA"].index(name)]]
            if bad:
                totals.fail(bad[0])
                if len(replies) == 3 and replies[2][0] == 354:
                    writer.write(b".\r\n")  # DATA was accepted after all: end it empty
                    await read_reply(reader)
                writer.write(b"RSET\r\n")
                await read_reply(reader)
                continue
            writer.write(data)
            await writer.drain()
            code, text = await read_reply(reader)
            if code // 100 != 2:
                totals.fail(f"end of DATA: {text[:120]}")
                continue
            totals.latencies.append(time.perf_counter() - t0)
        writer.write(b"QUIT\r\n")
        await writer.drain()
        await read_reply(reader)
    except (OSError, ConnectionError, ValueError) as e:
        totals.fail(f"connection: {e}")
    finally:
        writer.close()
        try:
            await writer.wait_closed()
        except OSError:
            pass


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(p / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[index]


async def run(args: argparse.Namespace) -> dict:
    host, _, port = args.server.rpartition(":")
    if args.message:
        with open(args.message, "rb") as f:
            raw = f.read()
    else:
        raw = generated_message(args.size, args.sender, args.recipient)
    data = dot_stuff(raw)
    start = time.monotonic()
    totals = Totals(args.messages, start + args.duration)
    await asyncio.gather(*(connection(host.strip("[]"), int(port), args.sender, args.recipient,
                                      data, totals, args.no_pipelining)
                           for _ in range(args.connections)))
    elapsed = time.monotonic() - start
    lat = sorted(totals.latencies)
    return {
        "server": args.server,
        "connections": args.connections,
        "message_bytes": len(raw),
        "accepted": len(lat),
        "failed": sum(totals.failures.values()),
        "failures": totals.failures,
        "seconds": round(elapsed, 3),
        "msg_per_s": round(len(lat) / elapsed, 1) if elapsed > 0 else 0.0,
        "p50_ms": round(percentile(lat, 50) * 1000, 2),
        "p99_ms": round(percentile(lat, 99) * 1000, 2),
    }


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--server", required=True, help="HOST:PORT")
    p.add_argument("--from", dest="sender", required=True)
    p.add_argument("--to", dest="recipient", required=True)
    p.add_argument("--message", help="message file (LF or CRLF); default: generated")
    p.add_argument("--size", type=int, default=10240, help="generated message size in bytes")
    p.add_argument("--connections", type=int, default=10)
    p.add_argument("--messages", type=int, default=5000, help="upper bound of messages")
    p.add_argument("--duration", type=float, default=20.0, help="upper bound in seconds")
    p.add_argument("--no-pipelining", action="store_true", help="one command per round trip")
    p.add_argument("--json", action="store_true")
    args = p.parse_args()
    result = asyncio.run(run(args))
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{result['accepted']} accepted, {result['failed']} failed in {result['seconds']} s: "
              f"{result['msg_per_s']} msg/s, p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms"
              f" ({args.connections} connections, {result['message_bytes']} bytes)")
        for what, n in result["failures"].items():
            print(f"  {n} x {what}", file=sys.stderr)
    return 0 if result["failed"] == 0 and result["accepted"] > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
