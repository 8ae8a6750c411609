"""The daemon under a service manager (docs/service.md): sd_notify, reload, graceful stop.

  Notify              NOTIFY_SOCKET is a Unix datagram socket of the test, as systemd's: READY=1
                      once the listener answers, WATCHDOG=1 at half of WATCHDOG_USEC, RELOADING=1
                      with MONOTONIC_USEC then READY=1 around a SIGHUP, STOPPING=1 on SIGTERM.
  ReloadUnderLoad     clients send over kept sessions while SIGHUP fires again and again (the
                      configuration file alternating, sometimes broken): every message gets 250,
                      each is at the sink exactly once, the sessions survive; hostname and
                      hopcount_limit apply after a reload.
  CertificateReload   the STARTTLS certificate replaced on disk + SIGHUP: the next STARTTLS shows
                      the new one; a session that started TLS before goes on; a key that does not
                      match keeps the running certificate.
  AdminCertificateReload  the admin listener's certificate replaced on disk + SIGHUP: new HTTPS
                      connections get the new one; a key that does not match keeps the running
                      certificate and changes nothing else.
  StopUnderLoad       SIGTERM in the middle of a load: every 250 is at the sink, every other
                      answer a 4xx or a closed connection, exit status 0.
  StopCutsStalledData shutdown_timeout passes while a client is inside DATA: it gets 421.
"""

import collections
import hashlib
import os
import signal
import smtplib
import socket
import ssl
import threading
import unittest

from harness import (E2ETestCase, WAIT, Client, free_port, header, make_tls_files, message,
                     send, wait_until)

SENDER = "alice@a.example"
RCPT = "bob@y.example"


class NotifySocket:
    """What systemd listens on: a datagram socket; every datagram kept in order."""

    def __init__(self, path: str):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.datagrams = []
        self.cond = threading.Condition()
        threading.Thread(target=self._receive, daemon=True).start()

    def _receive(self):
        while True:
            try:
                data = self.sock.recv(4096)
            except OSError:
                return
            with self.cond:
                self.datagrams.append(data.decode())
                self.cond.notify_all()

    def wait_for(self, predicate, what: str, start: int = 0):
        """The index of the first datagram from START on that predicate accepts."""
        def found():
            for i in range(start, len(self.datagrams)):
                if predicate(self.datagrams[i]):
                    return i + 1  # truthy even for index 0
            return None
        with self.cond:
            if not self.cond.wait_for(found, WAIT):
                raise AssertionError(f"no datagram with {what}: {self.datagrams}")
            return found() - 1

    def close(self):
        self.sock.close()


def lines(datagram: str) -> dict:
    return dict(line.split("=", 1) for line in datagram.splitlines() if "=" in line)


class Notify(E2ETestCase):
    def test_ready_watchdog_reloading_stopping(self):
        sink = self.sink()
        manager = NotifySocket(self.w.file("notify"))
        self.addCleanup(manager.close)
        g = self.gateway("n", f'[smtp]\nnext_hop = "{sink.address}"\n')
        g.cli("init")
        g.start(env={"NOTIFY_SOCKET": manager.path, "WATCHDOG_USEC": "200000"})

        ready = manager.wait_for(lambda d: lines(d).get("READY") == "1", "READY=1")
        self.assertIn(f"listening on 127.0.0.1:{g.port}", lines(manager.datagrams[ready])
                      .get("STATUS", ""))
        c = Client(g.port)  # READY means the listener takes connections
        self.assertEqual(c.greeting.code, 220)
        c.close()
        # 200 ms of WATCHDOG_USEC: a keep-alive every 100 ms, from the io loop.
        first = manager.wait_for(lambda d: d == "WATCHDOG=1\n", "WATCHDOG=1")
        manager.wait_for(lambda d: d == "WATCHDOG=1\n", "a second WATCHDOG=1", first + 1)

        g.signal(signal.SIGHUP)
        reloading = manager.wait_for(lambda d: lines(d).get("RELOADING") == "1", "RELOADING=1")
        self.assertRegex(lines(manager.datagrams[reloading]).get("MONOTONIC_USEC", ""),
                         r"^\d+$")
        manager.wait_for(lambda d: lines(d).get("READY") == "1", "READY=1 after the reload",
                         reloading + 1)
        wait_until(lambda: "reload:" in g.serve_log(), "the reload line in the log")

        g.signal(signal.SIGTERM)
        manager.wait_for(lambda d: lines(d).get("STOPPING") == "1", "STOPPING=1")
        self.assertEqual(g.stop(signal_first=False), 0, g.serve_log())

    def test_without_notify_socket_nothing_is_sent(self):
        # The daemon runs as before (every other e2e test), and a socket it was not told about
        # hears nothing.
        manager = NotifySocket(self.w.file("unused"))
        self.addCleanup(manager.close)
        sink = self.sink("quiet")
        g = self.running_gateway("quiet", f'[smtp]\nnext_hop = "{sink.address}"\n')
        self.assertEqual(send(g.port, SENDER, [RCPT],
                              message(SENDER, f"<{RCPT}>", "quiet", b"x\n"))[1].code, 250)
        self.assertEqual(g.stop(), 0)
        self.assertEqual(manager.datagrams, [])


def reload_lines(g) -> int:
    return g.serve_log().count("sealgate: reload: ")


def hup_and_wait(testcase, g, config: str):
    """Write CONFIG as g's configuration file, SIGHUP, wait until its reload line is logged;
    returns that line."""
    before = reload_lines(g)
    testcase.w.write(f"{g.name}.toml", config)
    g.signal(signal.SIGHUP)
    wait_until(lambda: reload_lines(g) > before, "the reload line")
    return [l for l in g.serve_log().splitlines() if "sealgate: reload: " in l][before]


class ReloadUnderLoad(E2ETestCase):
    def config(self, hostname: str, extra: str = "") -> str:
        return (f'[smtp]\nnext_hop = "{self.sink_.address}"\nhostname = "{hostname}"\n'
                + extra)

    def test_no_message_lost_or_doubled_while_reloading(self):
        self.sink_ = self.sink(files=False)
        g = self.running_gateway("load", self.config("one.example"))
        clients, per_client = 4, 30
        replies = {}
        errors = []
        done = threading.Event()

        def client(n):
            # One kept session per client: a reload must not cut it.
            try:
                c = Client(g.port)
                c.cmd("EHLO client.test")
                for i in range(per_client):
                    mid = f"load-{n}-{i}@test"
                    _, _, final = c.send(SENDER, [RCPT],
                                         message(SENDER, f"<{RCPT}>", "load", b"x\n",
                                                 message_id=mid), ehlo=False)
                    replies[mid] = final.code
                c.cmd("QUIT")
                c.close()
            except (OSError, ConnectionError) as e:
                errors.append(repr(e))

        threads = [threading.Thread(target=client, args=(n,), daemon=True)
                   for n in range(clients)]
        for t in threads:
            t.start()
        reloads = 0
        while any(t.is_alive() for t in threads):
            reloads += 1
            if reloads % 4 == 0:
                line = hup_and_wait(self, g, "[smtp\nbroken")  # not TOML: the old one stays
                self.assertIn("failed", line)
            else:
                hostname = "two.example" if reloads % 2 else "one.example"
                line = hup_and_wait(self, g, self.config(hostname))
                self.assertIn(f"next hop {self.sink_.address}", line)
        for t in threads:
            t.join(WAIT)
        self.assertEqual(errors, [], "no session was cut")
        self.assertGreaterEqual(reloads, 2, "the reloads overlapped the load")
        self.assertEqual(len(replies), clients * per_client)
        self.assertEqual(collections.Counter(replies.values()), {250: clients * per_client})
        got = self.sink_.wait_messages(clients * per_client)
        ids = collections.Counter(header(m.data, "Message-ID").strip("<>") for m in got)
        self.assertEqual(set(ids), set(replies), "every 250 is at the sink")
        self.assertEqual(max(ids.values()), 1, "none twice")
        self.assertIsNone(g.proc.poll(), "the daemon survived")

        # hostname and hopcount_limit are read again too.
        line = hup_and_wait(self, g, self.config("after.example", "hopcount_limit = 2\n"))
        self.assertIn("changed: smtp.hostname, smtp.hopcount_limit", line)
        self.sink_.take()
        self.assertEqual(send(g.port, SENDER, [RCPT],
                              message(SENDER, f"<{RCPT}>", "named", b"x\n"))[1].code, 250)
        (named,) = self.sink_.wait_messages(1)
        self.assertRegex(header(named.data, "Received"), r"\bby after\.example\b")
        two_hops = message(SENDER, f"<{RCPT}>", "looping", b"x\n",
                           extra_headers=b"Received: from a by b; Sun, 29 Nov 2026 12:00:00 +0000"
                                         b"\r\nReceived: from b by c; Sun, 29 Nov 2026 12:00:00 "
                                         b"+0000\r\n")
        self.assertEqual(send(g.port, SENDER, [RCPT], two_hops)[1].code, 554)
        # A setting the running daemon cannot change is named, and keeps its value.
        line = hup_and_wait(self, g, self.config("after.example", "workers = 7\n"))
        self.assertIn("needs a restart to apply: smtp.workers", line)
        self.assertEqual(g.stop(), 0)


def der_sha256(pem_path: str) -> str:
    with open(pem_path) as f:
        return hashlib.sha256(ssl.PEM_cert_to_DER_cert(f.read())).hexdigest()


def client_context() -> ssl.SSLContext:
    # Self-signed test certificates: the test checks which one is presented, not the PKI.
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def presented(port: int):
    """(SHA-256 of the certificate the next STARTTLS presents, the open session)."""
    s = smtplib.SMTP("127.0.0.1", port, timeout=WAIT * 2)
    s.ehlo("client.test")
    code, reply = s.starttls(context=client_context())
    if code != 220:
        raise AssertionError(f"STARTTLS: {code} {reply}")
    s.ehlo("client.test")
    return hashlib.sha256(s.sock.getpeercert(binary_form=True)).hexdigest(), s


def renewal_files(w, prefix: str):
    """Three certificate/key pairs (the first, its renewal, another) and the live pair that the
    configuration names, linked to the first: {"first": (crt, key), ..., "live": (crt, key)}."""
    files = {name: make_tls_files(w, f"{prefix}{name}") for name in ("first", "second", "other")}
    files["live"] = (w.file(f"{prefix}live.crt"), w.file(f"{prefix}live.key"))
    os.link(files["first"][0], files["live"][0])
    os.link(files["first"][1], files["live"][1])
    return files


class CertificateReload(E2ETestCase):
    def test_replaced_certificate_is_presented_after_sighup(self):
        sink = self.sink()
        f = renewal_files(self.w, "")
        (cert, _), (second_cert, second_key) = f["first"], f["second"]
        other_key, (live_cert, live_key) = f["other"][1], f["live"]
        config = (f'[smtp]\nnext_hop = "{sink.address}"\n'
                  f'[tls]\ncertificate = "{live_cert}"\nprivate_key = "{live_key}"\n')
        g = self.running_gateway("tls", config)
        sha, session = presented(g.port)
        self.assertEqual(sha, der_sha256(cert))

        # Replaced on disk (a renewal: new files moved into place), then SIGHUP.
        os.replace(second_key, live_key)
        os.replace(second_cert, live_cert)
        line = hup_and_wait(self, g, config)
        self.assertIn(f"sha256={der_sha256(live_cert)} (new)", line)
        sha, fresh = presented(g.port)
        self.assertEqual(sha, der_sha256(live_cert))
        fresh.quit()
        # The session that started TLS before the reload goes on.
        session.sendmail(SENDER, [RCPT], message(SENDER, f"<{RCPT}>", "kept", b"x\n"))
        session.quit()
        self.assertEqual(len(sink.wait_messages(1)), 1)

        # A key that does not match: the reload fails, the running certificate stays.
        new_sha = der_sha256(live_cert)
        os.replace(other_key, live_key)
        line = hup_and_wait(self, g, config)
        self.assertIn("failed", line)
        sha, s = presented(g.port)
        self.assertEqual(sha, new_sha)
        s.quit()
        self.assertEqual(g.stop(), 0)


def admin_presented(port: int) -> str:
    """SHA-256 (hex) of the certificate the admin listener presents to a new connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=WAIT) as raw:
        with client_context().wrap_socket(raw, server_hostname="localhost") as tls:
            return hashlib.sha256(tls.getpeercert(binary_form=True)).hexdigest()


def shown(sha256_hex: str) -> str:
    """The fingerprint as sealgate prints it: AB:CD:..."""
    return ":".join(sha256_hex[i:i + 2] for i in range(0, len(sha256_hex), 2)).upper()


class AdminCertificateReload(E2ETestCase):
    def test_replaced_admin_certificate_is_presented_after_sighup(self):
        sink = self.sink()
        f = renewal_files(self.w, "admin-")
        (cert, _), (second_cert, second_key) = f["first"], f["second"]
        other_key, (live_cert, live_key) = f["other"][1], f["live"]
        port = free_port()
        config = (f'[smtp]\nnext_hop = "{sink.address}"\n'
                  f'[admin]\nlisten = "127.0.0.1:{port}"\ncertificate = "{live_cert}"\n'
                  f'key = "{live_key}"\n')
        g = self.running_gateway("admin", config)
        wait_until(lambda: _connects(port), "the admin listener")
        self.assertEqual(admin_presented(port), der_sha256(cert))

        os.replace(second_key, live_key)
        os.replace(second_cert, live_cert)
        line = hup_and_wait(self, g, config)
        self.assertIn(f"admin certificate SHA-256 {shown(der_sha256(live_cert))} (new)", line)
        self.assertNotIn("needs a restart", line)
        self.assertEqual(admin_presented(port), der_sha256(live_cert))

        # Reloaded again with nothing changed: the same certificate, said so.
        line = hup_and_wait(self, g, config)
        self.assertIn(f"{shown(der_sha256(live_cert))} (unchanged)", line)

        # A key that does not match: the reload fails as a whole, the certificate stays.
        new_sha = der_sha256(live_cert)
        os.replace(other_key, live_key)
        line = hup_and_wait(self, g, config)
        self.assertIn("failed", line)
        self.assertIn("admin listener", line)
        self.assertEqual(admin_presented(port), new_sha)
        self.assertEqual(g.stop(), 0)


def _connects(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


class StopUnderLoad(E2ETestCase):
    def test_sigterm_mid_load(self):
        sink = self.sink(files=False)
        g = self.running_gateway("stop", f'[smtp]\nnext_hop = "{sink.address}"\n'
                                         f'shutdown_timeout = 10\n')
        outcomes = {}  # Message-ID -> reply code, or "closed"
        lock = threading.Lock()
        stop = threading.Event()

        def client(n):
            i = 0
            while not stop.is_set():
                mid = f"stop-{n}-{i}@test"
                i += 1
                data = message(SENDER, f"<{RCPT}>", "stop", b"x\n", message_id=mid)
                try:
                    rcpts, final = send(g.port, SENDER, [RCPT], data)
                    result = final.code if final is not None else rcpts[0].code
                except (OSError, ConnectionError):
                    result = "closed"
                with lock:
                    outcomes[mid] = result
                if result == "closed":
                    return

        threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(4)]
        for t in threads:
            t.start()
        sink.wait_messages(40)  # well into the load
        g.signal(signal.SIGTERM)
        rc = g.stop(timeout=WAIT, signal_first=False)
        stop.set()
        for t in threads:
            t.join(WAIT)
        self.assertEqual(rc, 0, g.serve_log())
        accepted = {mid for mid, r in outcomes.items() if r == 250}
        at_sink = {header(m.data, "Message-ID").strip("<>") for m in sink.messages}
        self.assertGreaterEqual(len(accepted), 40)
        self.assertEqual(accepted - at_sink, set(), "every 250 is at the sink")
        others = collections.Counter(r for r in outcomes.values() if r != 250)
        for result in others:
            self.assertTrue(result == "closed" or 400 <= result < 500, others)
        self.assertIn("stopping", g.serve_log())


class StopCutsStalledData(E2ETestCase):
    def test_client_inside_data_gets_421_at_the_timeout(self):
        sink = self.sink()
        g = self.running_gateway("cut", f'[smtp]\nnext_hop = "{sink.address}"\n'
                                        f'shutdown_timeout = 1\n')
        c = Client(g.port)
        c.cmd("EHLO client.test")
        self.assertEqual(c.cmd(f"MAIL FROM:<{SENDER}>").code, 250)
        self.assertEqual(c.cmd(f"RCPT TO:<{RCPT}>").code, 250)
        self.assertEqual(c.cmd("DATA").code, 354)
        c.write(b"Subject: never ends\r\n\r\nthe first line\r\n")
        g.signal(signal.SIGTERM)
        wait_until(lambda: "stopping" in g.serve_log(), "the daemon to notice SIGTERM")
        reply = c.read()  # the client is still writing DATA; it hears 421 once the second passed
        self.assertEqual(reply.code, 421, reply)
        self.assertIn("4.3.2", reply.text)
        c.close()
        self.assertEqual(g.stop(signal_first=False), 0, g.serve_log())
        self.assertEqual(sink.messages, [], "the cut message was not delivered")


if __name__ == "__main__":
    unittest.main()
