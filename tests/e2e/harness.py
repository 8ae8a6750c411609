"""harness.py — what the end-to-end tests need around the real sealgate daemon.

  Workdir   a fresh mkdtemp directory, removed at the end.
  Sink      a tiny socket-based SMTP server on 127.0.0.1:<free port> that keeps every accepted
            message (in memory and as a file), and can be told to refuse a recipient or the end
            of DATA with any reply, or to hold its DATA reply until the test releases it.
            Given an ssl.SSLContext it offers STARTTLS (RFC 3207) and records per message
            whether it arrived over TLS. stop() takes it down (connections refused, sessions
            cut), start() brings it back on the same port.
  Client    a raw SMTP client: exact control over what is written when (pipelining, malformed
            commands, disconnecting mid-DATA), every reply returned as (code, text).
  Gateway   one sealgate store driven through the CLI, and `sealgate serve` started on
            127.0.0.1:0 (or a given port); the port is read from the "listening on" line.
            stop() sends SIGTERM, kill() SIGKILL.

Nothing here sleeps to wait for something to happen: sink arrivals are waited for on a
condition variable, daemon output by polling its log file within a bounded deadline.
Standard library only (Debian 12's python3).
"""

import hashlib
import json
import os
import re
import selectors
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import unittest

SEALGATE = os.environ.get("SEALGATE", "")
WAIT = 15.0  # seconds: the bound of every wait; a healthy run needs a fraction of a second


def crlf(data: bytes) -> bytes:
    """CRLF-canonical form: every line end CRLF."""
    return re.sub(rb"\r?\n", b"\r\n", data)


def sealgate_fields(message: bytes, name: str):
    """The unfolded header fields NAME that a sealgate added: X-Sealgate-*, or the Received:
    fields "by ... (sealgate)"."""
    head = message.partition(b"\r\n\r\n")[0].decode("latin-1")
    head = re.sub(r"\r\n[ \t]+", " ", head)
    return [f for f in head.split("\r\n") if f.lower().startswith(name.lower() + ":")
            and (name.lower() != "received" or " (sealgate) with " in f)]


def strip_info(message: bytes) -> bytes:
    """The message without its X-Sealgate-* header fields and the Received: fields a sealgate
    added (and their continuation lines)."""
    head, sep, body = message.partition(b"\r\n\r\n")
    out, skip = [], False
    fields = re.split(rb"\r\n(?![ \t])", head)
    for field in fields:
        lower = field.lower()
        skip = lower.startswith(b"x-sealgate-") or (
            lower.startswith(b"received:") and b" (sealgate) with " in field)
        if not skip:
            out.append(field)
    return b"\r\n".join(out) + sep + body


def header(message: bytes, name: str) -> str:
    """The unfolded value of the first header field NAME, or "" when absent."""
    head = message.partition(b"\r\n\r\n")[0].decode("latin-1")
    head = re.sub(r"\r\n[ \t]+", " ", head)
    for line in head.split("\r\n"):
        field, colon, value = line.partition(":")
        if colon and field.lower() == name.lower():
            return value.strip()
    return ""


def free_port() -> int:
    """A port nothing listens on right now (for a next hop that is down)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stable_port() -> int:
    """A free port below the kernel's ephemeral range, for a server that is stopped and started
    again on the same port. A port from bind(0) is an ephemeral one: while its server is down, any
    outgoing connection may take it as its source port, and a connect() to it may even connect
    to itself (TCP simultaneous open), so the restart could not bind it. The scan starts at a
    point derived from the process id, so that tests running in parallel start apart."""
    with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
        ephemeral_low = int(f.read().split()[0])
    low, high = 20000, min(ephemeral_low, 32768)
    span = high - low
    start = (os.getpid() * 7919) % span
    for i in range(span):
        port = low + (start + i) % span
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))  # without SO_REUSEADDR: TIME_WAIT counts as taken
            except OSError:
                continue
            return port
    raise AssertionError(f"no free port in {low}-{high - 1}")


def wait_until(predicate, what: str, timeout: float = WAIT, interval: float = 0.05):
    """Poll predicate() until it returns something true; fail after timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


class Workdir:
    def __init__(self):
        self.path = tempfile.mkdtemp(prefix="sealgate-e2e.")

    def file(self, name: str) -> str:
        return os.path.join(self.path, name)

    def write(self, name: str, data) -> str:
        mode = "wb" if isinstance(data, bytes) else "w"
        with open(self.file(name), mode) as f:
            f.write(data)
        return self.file(name)

    def remove(self):
        shutil.rmtree(self.path, ignore_errors=True)


class Message:
    def __init__(self, sender, recipients, data, tls=False):
        self.sender = sender
        self.recipients = recipients
        self.data = data
        self.tls = tls  # the transaction ran inside a STARTTLS session

    def __repr__(self):
        return (f"Message(<{self.sender}> -> {self.recipients}, {len(self.data)} bytes"
                f"{', TLS' if self.tls else ''})")


def make_tls_files(workdir: Workdir, name: str, cn: str = "localhost"):
    """A throwaway self-signed certificate and its key (PEM) made by the openssl CLI;
    returns (certificate path, key path)."""
    cert, key = workdir.file(f"{name}.crt"), workdir.file(f"{name}.key")
    p = subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", cert,
                        "-days", "2", "-subj", f"/CN={cn}", "-addext", f"subjectAltName=DNS:{cn}"],
                       capture_output=True, timeout=WAIT * 4)
    if p.returncode != 0:
        raise AssertionError(f"openssl req failed: {p.stderr.decode(errors='replace')}")
    return cert, key


def server_tls_context(cert: str, key: str) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    return ctx


class Sink:
    """A next hop. Every reply it gives can be chosen by the test:
    rcpt_replies[address] -> reply line for that RCPT (default 250);
    data_reply(recipients) -> reply line for the end of DATA (default 250);
    hold: a threading.Event; when set on the sink, the end-of-DATA reply waits for it
    (data_received is set as soon as a message body has been read).
    tls: an ssl.SSLContext (server side) makes the sink offer STARTTLS; tls_sessions counts
    the handshakes that succeeded.
    port: listen there (stable_port() for a sink that is restarted) instead of a free one;
    files: False keeps the messages in memory only (thousands of them in the chaos run).
    A message counts as accepted once the sink has decided to answer 2xx to its end of DATA,
    before the reply is written: a real MTA commits first too, so a reply lost on the way
    (the sink stopped, the connection cut) means a duplicate, never a loss."""

    def __init__(self, workdir: Workdir, name: str = "sink", tls: ssl.SSLContext = None,
                 port: int = 0, files: bool = True):
        self.tls = tls
        self.files = files
        self.tls_sessions = 0
        self.dir = workdir.file(name)
        os.mkdir(self.dir)
        self.messages = []
        self.transactions = 0  # ends of DATA seen, whatever the reply
        self.cond = threading.Condition()
        self.rcpt_replies = {}
        self.data_reply = lambda recipients: "250 2.0.0 Ok: queued"
        self.hold = None
        self.data_received = threading.Event()
        self.conns = []
        self.closed = False
        self.port = port
        self.restarts = 0  # start() calls after the first
        self.sock = None
        self.start()
        self.address = f"127.0.0.1:{self.port}"

    def start(self):
        """Listen (again) on the sink's port."""
        if self.sock is not None:
            self.restarts += 1
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        sock.listen(16)
        self.port = sock.getsockname()[1]
        self.sock = sock
        threading.Thread(target=self._accept, args=(sock,), daemon=True).start()

    def stop(self):
        """Down, as a crashed or stopped MTA: new connections are refused, and every session
        is cut wherever it is (a message whose end of DATA was accepted stays accepted)."""
        try:
            # close() alone would not wake the thread blocked in accept(), and the socket would
            # go on listening until it returns; shutdown() ends the listening at once (Linux).
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        with self.cond:
            conns, self.conns = self.conns, []
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            c.close()

    def _accept(self, sock):
        while True:
            try:
                conn, _ = sock.accept()
            except OSError:
                return
            with self.cond:
                if sock is not self.sock or sock.fileno() < 0:
                    conn.close()  # accepted while stop() ran
                    return
                self.conns.append(conn)
            threading.Thread(target=self._session, args=(conn,), daemon=True).start()

    def _session(self, conn):
        in_tls = False
        try:
            rfile = conn.makefile("rb")

            def send(line):
                conn.sendall(line.encode() + b"\r\n")

            send("220 sink ESMTP")
            sender, rcpts = None, []
            while True:
                raw = rfile.readline()
                if not raw:
                    return
                line = raw.rstrip(b"\r\n").decode("latin-1")
                verb = line.split(" ", 1)[0].upper()
                if verb == "EHLO":
                    starttls = "250-STARTTLS\r\n" if self.tls is not None and not in_tls else ""
                    send("250-sink\r\n250-PIPELINING\r\n250-8BITMIME\r\n" + starttls +
                         "250 ENHANCEDSTATUSCODES")
                elif verb == "STARTTLS" and self.tls is not None and not in_tls:
                    send("220 2.0.0 Ready to start TLS")
                    # RFC 3207 §4.2: the client sends nothing before the handshake; whatever a
                    # buffered reader holds now would be plaintext injection, so start afresh.
                    rfile.close()
                    plain = conn
                    conn = self.tls.wrap_socket(conn, server_side=True)
                    with self.cond:
                        if plain in self.conns:
                            self.conns[self.conns.index(plain)] = conn
                    rfile = conn.makefile("rb")
                    in_tls = True
                    sender, rcpts = None, []
                    with self.cond:
                        self.tls_sessions += 1
                elif verb == "HELO":
                    send("250 sink")
                elif verb == "MAIL":
                    m = re.match(r"(?i)MAIL FROM:<([^>]*)>", line)
                    sender, rcpts = (m.group(1) if m else ""), []
                    send("250 2.1.0 Ok")
                elif verb == "RCPT":
                    m = re.match(r"(?i)RCPT TO:<([^>]*)>", line)
                    addr = m.group(1) if m else ""
                    reply = self.rcpt_replies.get(addr.lower(), "250 2.1.5 Ok")
                    if reply.startswith("2"):
                        rcpts.append(addr)
                    send(reply)
                elif verb == "DATA":
                    if not rcpts:
                        send("554 5.5.1 Error: no valid recipients")
                        continue
                    send("354 End data with <CR><LF>.<CR><LF>")
                    data = self._read_data(rfile)
                    if data is None:
                        return
                    self.data_received.set()
                    if self.hold is not None:
                        self.hold.wait(WAIT * 4)
                    reply = self.data_reply(list(rcpts))
                    with self.cond:
                        self.transactions += 1
                        if reply.startswith("2"):
                            msg = Message(sender, list(rcpts), data, in_tls)
                            self.messages.append(msg)
                            if self.files:
                                path = os.path.join(self.dir, f"{len(self.messages):03d}.eml")
                                with open(path, "wb") as f:
                                    f.write(data)
                        self.cond.notify_all()
                    send(reply)
                    sender, rcpts = None, []
                elif verb == "RSET":
                    sender, rcpts = None, []
                    send("250 2.0.0 Ok")
                elif verb == "NOOP":
                    send("250 2.0.0 Ok")
                elif verb == "QUIT":
                    send("221 2.0.0 Bye")
                    return
                else:
                    send("502 5.5.2 Error: command not recognized")
        except OSError:
            return
        finally:
            with self.cond:
                if conn in self.conns:
                    self.conns.remove(conn)
            conn.close()

    @staticmethod
    def _read_data(rfile):
        lines = []
        while True:
            raw = rfile.readline()
            if not raw:
                return None
            if raw == b".\r\n":
                return b"".join(lines)
            if raw.startswith(b"."):
                raw = raw[1:]  # RFC 5321 §4.5.2
            lines.append(raw)

    def wait_messages(self, count: int, timeout: float = WAIT):
        """Block until at least COUNT messages were accepted; return them all."""
        with self.cond:
            ok = self.cond.wait_for(lambda: len(self.messages) >= count, timeout)
            if not ok:
                raise AssertionError(
                    f"sink got {len(self.messages)} messages, expected {count}: {self.messages}")
            return list(self.messages)

    def wait_transactions(self, count: int, timeout: float = WAIT):
        with self.cond:
            if not self.cond.wait_for(lambda: self.transactions >= count, timeout):
                raise AssertionError(f"sink saw {self.transactions} ends of DATA, not {count}")

    def take(self):
        """The messages received so far, forgetting them."""
        with self.cond:
            got, self.messages = self.messages, []
            return got

    def close(self):
        self.closed = True
        if self.hold is not None:
            self.hold.set()
        self.stop()


class Reply:
    def __init__(self, code: int, text: str):
        self.code = code
        self.text = text

    def __repr__(self):
        return f"{self.code} {self.text}"


class Client:
    """Raw SMTP client; every method returns the Reply it read."""

    def __init__(self, port: int, host: str = "127.0.0.1"):
        self.sock = socket.create_connection((host, port), timeout=WAIT * 2)
        self.rfile = self.sock.makefile("rb")
        self.greeting = self.read()

    def read(self) -> Reply:
        lines = []
        while True:
            raw = self.rfile.readline()
            if not raw:
                raise ConnectionError("connection closed by the server")
            line = raw.rstrip(b"\r\n").decode("latin-1")
            lines.append(line[4:])
            if len(line) < 4 or line[3] != "-":
                return Reply(int(line[:3]), "\n".join(lines))

    def write(self, data: bytes):
        self.sock.sendall(data)

    def cmd(self, line: str) -> Reply:
        self.write(line.encode() + b"\r\n")
        return self.read()

    @staticmethod
    def stuffed(data: bytes) -> bytes:
        """DATA payload: CRLF lines, dot-stuffed, with the terminating dot line."""
        data = crlf(data)
        if not data.endswith(b"\r\n"):
            data += b"\r\n"
        return re.sub(rb"(?m)^\.", b"..", data) + b".\r\n"

    def send(self, sender: str, recipients, data: bytes, ehlo: bool = True):
        """One transaction; returns (MAIL reply, [RCPT replies], DATA reply or None)."""
        if ehlo:
            self.cmd("EHLO client.test")
        mail = self.cmd(f"MAIL FROM:<{sender}>")
        rcpts = [self.cmd(f"RCPT TO:<{r}>") for r in recipients]
        if not any(r.code == 250 for r in rcpts):
            return mail, rcpts, None
        go = self.cmd("DATA")
        if go.code != 354:
            return mail, rcpts, go
        self.write(self.stuffed(data))
        return mail, rcpts, self.read()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def send(port: int, sender: str, recipients, data: bytes):
    """One transaction on a fresh connection; returns (rcpt replies, data reply)."""
    c = Client(port)
    try:
        _, rcpts, final = c.send(sender, recipients, data)
        try:
            c.cmd("QUIT")
        except (ConnectionError, OSError):
            pass
        return rcpts, final
    finally:
        c.close()


class Gateway:
    """One sealgate installation: its store, its CLI, and its daemon."""

    def __init__(self, workdir: Workdir, name: str, config: str = ""):
        self.workdir = workdir
        self.name = name
        self.store = workdir.file(f"{name}.db")
        self.config = workdir.write(f"{name}.toml", config) if config else ""
        self.proc = None
        self.port = 0
        self.log_path = workdir.file(f"{name}.serve.log")

    def args(self):
        a = [SEALGATE, "--store", self.store]
        if self.config:
            a += ["--config", self.config]
        return a

    def cli(self, *args, check=True, input=None) -> subprocess.CompletedProcess:
        p = subprocess.run(self.args() + list(args), input=input, capture_output=True,
                           cwd=self.workdir.path, timeout=WAIT * 4)
        if check and p.returncode != 0:
            raise AssertionError(f"sealgate {' '.join(args)} exited {p.returncode}: "
                                 f"{p.stderr.decode(errors='replace').strip()}")
        return p

    def out(self, *args) -> str:
        return self.cli(*args).stdout.decode().strip()

    def start(self, next_hop: str = None, port: int = 0, env: dict = None):
        """Start `sealgate serve` on a loopback port (0: a free one); returns once it listens.
        next_hop None: the one in the config file (a command-line next hop outlives SIGHUP);
        env: variables added to the daemon's environment (NOTIFY_SOCKET, ...)."""
        log = open(self.log_path, "ab")
        hop = ["--next-hop", next_hop] if next_hop is not None else []
        self.proc = subprocess.Popen(
            self.args() + ["serve", "--listen", f"127.0.0.1:{port}"] + hop,
            stdout=subprocess.PIPE, stderr=log, cwd=self.workdir.path,
            env=dict(os.environ, **env) if env else None)
        log.close()
        sel = selectors.DefaultSelector()
        sel.register(self.proc.stdout, selectors.EVENT_READ)
        deadline = time.monotonic() + WAIT
        line = b""
        while not line.endswith(b"\n"):
            if not sel.select(max(0.0, deadline - time.monotonic())):
                raise AssertionError(f"{self.name}: no 'listening' line: {self.serve_log()}")
            chunk = os.read(self.proc.stdout.fileno(), 4096)
            if not chunk:
                raise AssertionError(f"{self.name}: serve exited: {self.serve_log()}")
            line += chunk
        sel.close()
        m = re.match(rb"sealgate: listening on 127\.0\.0\.1:(\d+), next hop ([^\s,]+)", line)
        if not m:
            raise AssertionError(f"{self.name}: unexpected first line {line!r}")
        self.port = int(m.group(1))
        # The read may have brought the next line too (the metrics or admin listener's).
        self.started_line = line.split(b"\n", 1)[0].decode().strip()
        return self

    def serve_log(self) -> str:
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode(errors="replace")
        except FileNotFoundError:
            return ""

    def signal(self, sig=signal.SIGTERM):
        self.proc.send_signal(sig)

    def stop(self, timeout: float = WAIT, signal_first: bool = True) -> int:
        """SIGTERM (unless signal_first is false: one was sent already), wait for the exit;
        its exit status (killed after the timeout)."""
        if self.proc is None:
            return 0
        if signal_first and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            rc = -9
        self.proc.stdout.close()
        self.proc = None
        return rc

    def kill(self):
        """SIGKILL, as a crash: nothing is finished, nothing flushed; waits for the exit."""
        self.proc.kill()
        self.proc.wait()
        self.proc.stdout.close()
        self.proc = None

    def log_records(self):
        """`sealgate log --json`, oldest first as printed."""
        return [json.loads(l) for l in self.out("log", "--json", "--last", "1000").splitlines()
                if l]

    def wait_log_records(self, message_id: str, count: int = 1):
        """The mail log records of one Message-ID, once at least `count` are stored. The daemon
        writes its log in batches every 100 ms, so a record may lag its 250 by that much."""
        def found():
            records = [r for r in self.log_records() if r["message_id"] == message_id]
            return records if len(records) >= count else None
        return wait_until(found, f"{count} mail log record(s) of <{message_id}>")


class E2ETestCase(unittest.TestCase):
    """A fresh work directory per test class; every daemon and sink closed at the end."""

    @classmethod
    def setUpClass(cls):
        if not SEALGATE or not os.access(SEALGATE, os.X_OK):
            raise unittest.SkipTest("SEALGATE is not the path of the binary")
        cls.w = Workdir()
        cls._gateways = []
        cls._sinks = []

    @classmethod
    def tearDownClass(cls):
        for g in cls._gateways:
            g.stop()
        for s in cls._sinks:
            s.close()
        cls.w.remove()

    @classmethod
    def sink(cls, name="sink", tls=None, port=0, files=True) -> Sink:
        s = Sink(cls.w, name, tls, port, files)
        cls._sinks.append(s)
        return s

    @classmethod
    def gateway(cls, name, config="") -> Gateway:
        g = Gateway(cls.w, name, config)
        cls._gateways.append(g)
        return g

    @classmethod
    def running_gateway(cls, name, config="", next_hop=None) -> Gateway:
        """A gateway on a new store (`sealgate init`), started; next_hop None: the config's."""
        g = cls.gateway(name, config)
        g.cli("init")
        return g.start(next_hop)


def message(sender, to, subject, body: bytes, extra_headers=b"", message_id=None) -> bytes:
    """A test message with CRLF line ends and an 8-bit body."""
    mid = message_id or f"{subject.replace(' ', '-')}@test"
    head = (f"From: <{sender}>\r\nTo: {to}\r\nSubject: {subject}\r\n"
            f"Date: Sun, 29 Nov 2026 12:00:00 +0000\r\nMessage-ID: <{mid}>\r\n"
            "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=iso-8859-1\r\n"
            "Content-Transfer-Encoding: 8bit\r\n").encode()
    return head + extra_headers + b"\r\n" + crlf(body)


def make_smime_cert(workdir: Workdir, name: str, email: str):
    """A partner's self-signed RSA-2048 domain certificate and its key (PEM) made by the openssl
    CLI, so that `openssl cms -decrypt` can read what the gateway encrypts to it; returns
    (certificate path, key path, SHA-256 thumbprint in lower-case hex)."""
    cert, key = workdir.file(f"{name}.crt"), workdir.file(f"{name}.key")
    p = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                        "-out", cert, "-days", "30", "-subj", f"/CN={email}",
                        "-addext", "keyUsage=critical,digitalSignature,keyEncipherment",
                        "-addext", "extendedKeyUsage=emailProtection",
                        "-addext", f"subjectAltName=email:{email}"],
                       capture_output=True, timeout=WAIT * 4)
    if p.returncode != 0:
        raise AssertionError(f"openssl req failed: {p.stderr.decode(errors='replace')}")
    with open(cert) as f:
        der = ssl.PEM_cert_to_DER_cert(f.read())
    return cert, key, hashlib.sha256(der).hexdigest()


def mandatory_smime_partner(g: Gateway, domain: str, pem: str, thumbprint: str):
    """What G's administrator does with a partner's certificate: import it, trust it on the CTL,
    and make it the mandatory S/MIME certificate of DOMAIN."""
    g.cli("cert", "import", pem)
    g.cli("ctl", "add", thumbprint, "--trust")
    g.cli("domain", "add", domain)
    g.cli("domain", "set", domain, "smime-cert", thumbprint)
    g.cli("domain", "set", domain, "encrypt-mode", "mandatory")


def mandatory_pgp_partner(g: Gateway, domain: str, key_file: str, fingerprint: str):
    """The same with a partner's OpenPGP key: import, trust, bind to DOMAIN, method pgp,
    mandatory."""
    g.cli("pgp", "import", key_file)
    g.cli("pgp", "trust", fingerprint)
    g.cli("domain", "add", domain)
    g.cli("pgp", "add-domain", fingerprint, domain)
    g.cli("domain", "set", domain, "method", "pgp")
    g.cli("domain", "set", domain, "encrypt-mode", "mandatory")


def partner_setup(a: Gateway, b: Gateway):
    """Two administrators: A (a.example) and B (b.example). B creates its domain certificate,
    A imports it, trusts it on the CTL and makes it mandatory for b.example (S/MIME).
    A creates its OpenPGP domain key, B imports it, trusts it, binds it to a.example and makes
    a.example mandatory with method pgp. Returns (B's certificate thumbprint, A's key)."""
    for g, dom in ((a, "a.example"), (b, "b.example")):
        g.cli("init")
        g.cli("domain", "add", dom, "--local")
    b_cert = b.out("cert", "create", "--email", "domain-cert@b.example", "--cn",
                   "b.example domain", "--key", "p256", "--days", "30")
    pem = a.workdir.file("b-cert.pem")
    b.cli("cert", "export", b_cert, "-o", pem)
    mandatory_smime_partner(a, "b.example", pem, b_cert)

    a_key = a.out("pgp", "create", "--uid", "a.example domain <domain-cert@a.example>")
    pub = a.workdir.file("a-key.pgp")
    a.cli("pgp", "export", a_key, "-o", pub)
    mandatory_pgp_partner(b, "a.example", pub, a_key)
    return b_cert, a_key
