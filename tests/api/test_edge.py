"""The admin listener's edge (web/guarded_server.hpp) against the attacks of the security review,
each sent by an unauthenticated client to the real daemon, which also runs SMTP:

- a chunked body, endless header lines, one endless header line: refused or cut after at most a
  few MiB have been sent (the old listener read 100 MB and more into memory), and the daemon's
  memory does not grow with what the client sends;
- a Range with thousands of ranges on a public stylesheet: 416, nothing served;
- connections that never finish their TLS handshake, or drip a request byte by byte: one client
  address holds at most PER_CLIENT threads (another address is served meanwhile), and each such
  connection is closed by its deadline.
"""

import http.client
import json
import select
import socket
import ssl
import time
import unittest

from apiharness import ApiTestCase
from harness import wait_until

PER_CLIENT = 6  # ListenerConfig::max_per_client
FLOOD = 100 * 1024 * 1024  # what each flood tries to send
CUT = 24 * 1024 * 1024  # at most this much gets through: the budget, the linger, socket buffers
GROWTH_KB = 16 * 1024  # the daemon's resident memory grows by less than this per attack
EVENTUALLY = 60.0  # the bound of "closed by its deadline" (10 s handshake, 15 s request)


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def tls_context():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def read_response(sock):
    """Status, lower-case headers and body of one response read from sock (Content-Length)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise AssertionError(f"the connection ended after {data!r}")
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return status, headers, body


def closed_by_peer(sock):
    """True when the peer has closed or reset the connection (non-blocking look)."""
    sock.setblocking(False)
    try:
        return sock.recv(1) == b""
    except (BlockingIOError, ssl.SSLWantReadError):
        return False
    except (ConnectionResetError, BrokenPipeError, ssl.SSLError):
        return True
    finally:
        sock.setblocking(True)


class Edge(ApiTestCase):
    def connect(self, source="127.0.0.1", tls=True):
        raw = socket.create_connection(("127.0.0.1", self.g.admin_port), timeout=EVENTUALLY,
                                       source_address=(source, 0))
        if not tls:
            return raw
        return tls_context().wrap_socket(raw)

    def flood(self, sock, chunks):
        """Sends what chunks() yields until FLOOD bytes or the server cuts the connection;
        returns the bytes sent. A server that neither reads nor closes fails it (timeout)."""
        sent = 0
        try:
            for chunk in chunks():
                sock.sendall(chunk)
                sent += len(chunk)
                if sent >= FLOOD:
                    break
        except socket.timeout:
            self.fail(f"the server neither read nor closed after {sent} bytes")
        except (ConnectionResetError, BrokenPipeError, ssl.SSLError, OSError):
            pass
        return sent

    def baseline(self):
        self.assertEqual(self.admin.get("/api/v1/session").status, 200)
        return rss_kb(self.g.proc.pid)

    def assert_bounded(self, sent, before, what):
        grown = rss_kb(self.g.proc.pid) - before
        print(f"\n{what}: {sent / 2**20:.1f} MiB sent before the cut, RSS {before} kB, "
              f"grown by {grown} kB")
        self.assertLess(sent, CUT, f"{what}: the server read on")
        self.assertLess(grown, GROWTH_KB, f"{what}: the daemon's memory grew")
        self.assertEqual(self.admin.get("/api/v1/session").status, 200)

    def test_chunked_body_refused_before_it_is_read(self):
        before = self.baseline()
        s = self.connect()
        s.sendall(b"POST /api/v1/domains HTTP/1.1\r\nHost: gw\r\n"
                  b"Authorization: Bearer " + self.admin_token.encode() + b"\r\n"
                  b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" +
                  (b"1000\r\n" + b"x" * 4096 + b"\r\n") * 2)
        status, headers, body = read_response(s)
        self.assertEqual(status, 411)
        self.assertEqual(json.loads(body)["error"]["code"], "length_required")
        self.assertEqual(headers.get("connection"), "close")
        for name in ("content-security-policy", "x-frame-options", "x-content-type-options",
                     "strict-transport-security"):
            self.assertIn(name, headers)
        chunk = b"10000\r\n" + b"x" * 65536 + b"\r\n"
        sent = self.flood(s, lambda: iter(lambda: chunk, None))
        s.close()
        self.assert_bounded(sent, before, "chunked body")
        self.assertEqual(self.admin.get("/api/v1/domains/a.example").status, 200)

    def test_endless_header_lines_are_cut(self):
        before = self.baseline()
        s = self.connect()
        line = b"X-Filler: " + b"a" * 8000 + b"\r\n"
        sent = self.flood(s, lambda: iter([b"GET /api/v1/session HTTP/1.1\r\nHost: gw\r\n"] +
                                          [line] * (FLOOD // len(line) + 1)))
        s.close()
        self.assert_bounded(sent, before, "header lines")

    def test_many_short_header_lines_are_refused(self):
        s = self.connect()
        s.sendall(b"GET /api/v1/session HTTP/1.1\r\nHost: gw\r\n" +
                  b"".join(b"X-%d: a\r\n" % i for i in range(10000)) + b"\r\n")
        status, headers, _ = read_response(s)
        self.assertEqual(status, 400)
        wait_until(lambda: closed_by_peer(s), "the server to close the connection", EVENTUALLY)
        s.close()

    def test_endless_header_line_is_cut(self):
        before = self.baseline()
        s = self.connect()
        piece = b"a" * 65536
        first = [b"GET /api/v1/session HTTP/1.1\r\nHost: gw\r\nX-Long: "]
        sent = self.flood(s, lambda: iter(first + [piece] * (FLOOD // len(piece) + 1)))
        s.close()
        self.assert_bounded(sent, before, "one header line")

    def test_range_is_refused(self):
        self.assertEqual(self.admin.get("/ui/login.css").status, 200)
        many = "bytes=" + ",".join(["0-"] * 2000)  # the review's 27 MB answer
        for value in ("bytes=0-10", many):
            with self.subTest(range=value[:20]):
                r = self.admin.get("/ui/login.css", headers={"Range": value})
                self.assertEqual(r.status, 416, r)
                self.assertEqual(r.error_code(), "range_not_satisfiable")
                self.assertLess(len(r.body), 1000)
                self.assertEqual(r.header("X-Frame-Options"), "DENY")

    def test_bodies_refused_before_they_are_read(self):
        # Content-Length over the limit: answered before a byte of the body is sent.
        s = self.connect()
        s.sendall(b"POST /api/v1/domains HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json"
                  b"\r\nContent-Length: 10000000000\r\n\r\n")
        status, _, body = read_response(s)
        self.assertEqual(status, 413)
        self.assertEqual(json.loads(body)["error"]["code"], "too_large")
        s.close()
        cases = [({"Content-Encoding": "gzip", "Content-Type": "application/json"}, b"{}", 415,
                  "unsupported_media_type"),
                 ({"Content-Length": "12abc"}, None, 400, "bad_input"),
                 ({"Content-Length": "-1"}, None, 400, "bad_input")]
        for headers, body, status, code in cases:
            with self.subTest(headers=headers):
                r = self.admin.raw("POST", "/api/v1/domains", body, headers)
                self.assertEqual(r.status, status, r)
                self.assertEqual(r.error_code(), code)
        # A POST without Content-Length would be read up to the end of the connection.
        s = self.connect()
        s.sendall(b"POST /api/v1/domains HTTP/1.1\r\nHost: gw\r\n\r\n{}")
        status, _, body = read_response(s)
        self.assertEqual(status, 411)
        s.close()

    def test_unfinished_handshakes_hold_few_threads_and_are_closed(self):
        # Twice as many connections as the pool has threads, none of which sends a byte.
        slow = [self.connect(tls=False) for _ in range(20)]
        try:
            # The listener holds PER_CLIENT of them and closes the others at once.
            wait_until(lambda: sum(closed_by_peer(s) for s in slow) >= len(slow) - PER_CLIENT,
                       "the listener to close the connections beyond the client's limit")
            held = [s for s in slow if not closed_by_peer(s)]
            self.assertLessEqual(len(held), PER_CLIENT)
            # Another address is served while they are held (before their 10 s deadline).
            conn = http.client.HTTPSConnection("127.0.0.1", self.g.admin_port,
                                               context=tls_context(), timeout=EVENTUALLY,
                                               source_address=("127.0.0.2", 0))
            conn.request("GET", "/api/v1/session",
                         headers={"Authorization": f"Bearer {self.admin_token}"})
            self.assertEqual(conn.getresponse().status, 200)
            conn.close()
            self.assertFalse(any(closed_by_peer(s) for s in held),
                             "the other address was served only after the deadline")
            # The handshake deadline closes the held ones.
            wait_until(lambda: all(closed_by_peer(s) for s in held),
                       "the handshake deadline to close the connections", EVENTUALLY)
        finally:
            for s in slow:
                s.close()

    def test_dripped_handshake_is_closed(self):
        # A TLS record header announcing 16 KiB, then one byte a second: every read succeeds.
        s = self.connect(tls=False)
        s.sendall(b"\x16\x03\x01\x40\x00\x01")
        self.assertTrue(self.drip_until_closed(s, b"\x00"), "the dripping handshake lived on")

    def test_dripped_request_is_closed(self):
        s = self.connect()
        s.sendall(b"GET /api/v1/session HTTP/1.1\r\nHost: gw\r\nX-Slow: ")
        self.assertTrue(self.drip_until_closed(s, b"a"), "the dripping request lived on")

    def drip_until_closed(self, sock, byte):
        """Sends one byte, waits a second for the server, again: True when the server closes
        the connection within EVENTUALLY (what it sends before, a TLS session ticket or an
        answer, is read and dropped)."""
        deadline = time.monotonic() + EVENTUALLY
        try:
            while time.monotonic() < deadline:
                try:
                    sock.sendall(byte)
                except OSError:  # reset, broken pipe, TLS error
                    return True
                if select.select([sock], [], [], 1.0)[0]:  # paces the drip
                    sock.setblocking(False)
                    try:
                        while sock.recv(65536):
                            pass
                        return True
                    except (BlockingIOError, ssl.SSLWantReadError):
                        pass
                    except OSError:
                        return True
                    finally:
                        sock.setblocking(True)
            return False
        finally:
            sock.close()

if __name__ == "__main__":
    unittest.main()
