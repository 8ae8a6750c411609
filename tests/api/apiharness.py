"""apiharness.py — the real `sealgate serve` with its admin listener, and an HTTPS client for it.

Builds on tests/e2e/harness.py (work directory, sink, gateway through the CLI). The client is
the standard library's http.client over ssl: one connection per request, the listener's
certificate pinned by the SHA-256 that serve printed (compared on every connection), the raw
path sent as given (path tricks arrive as they were written).
"""

import hashlib
import http.client
import json
import os
import re
import selectors
import ssl
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))

from harness import WAIT, E2ETestCase, Gateway, wait_until  # noqa: E402

ADMIN_PASSWORD = "correct horse battery staple"
VIEWER_PASSWORD = "viewer's own passphrase"


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # lower-case name -> list of values
        self.body = body

    def header(self, name):
        values = self.headers.get(name.lower(), [])
        return values[0] if values else None

    def json(self):
        return json.loads(self.body)

    def error_code(self):
        return self.json()["error"]["code"]

    def __repr__(self):
        return f"Response({self.status}, {self.body[:300]!r})"


class AdminGateway(Gateway):
    """A gateway whose `serve` also runs the admin listener on a free loopback port."""

    def start(self, next_hop=None, port=0, admin="127.0.0.1:0"):
        log = open(self.log_path, "ab")
        hop = ["--next-hop", next_hop] if next_hop is not None else []
        self.proc = subprocess.Popen(
            self.args() + ["serve", "--listen", f"127.0.0.1:{port}", "--admin-listen", admin] +
            hop, stdout=subprocess.PIPE, stderr=log, cwd=self.workdir.path)
        log.close()
        lines = self._read_lines(2)
        m = re.match(rb"sealgate: listening on 127\.0\.0\.1:(\d+), ", lines[0])
        if not m:
            raise AssertionError(f"unexpected first line {lines[0]!r}")
        self.port = int(m.group(1))
        m = re.match(rb"sealgate: admin listener on https://127\.0\.0\.1:(\d+), certificate "
                     rb"SHA-256 ([0-9A-F:]{95})", lines[1])
        if not m:
            raise AssertionError(f"unexpected second line {lines[1]!r}")
        self.admin_port = int(m.group(1))
        self.admin_fingerprint = m.group(2).decode().replace(":", "").lower()
        self.admin_line = lines[1].decode()
        return self

    def _read_lines(self, count):
        sel = selectors.DefaultSelector()
        sel.register(self.proc.stdout, selectors.EVENT_READ)
        deadline = time.monotonic() + WAIT
        data = b""
        while data.count(b"\n") < count:
            if not sel.select(max(0.0, deadline - time.monotonic())):
                raise AssertionError(f"{self.name}: serve printed {data!r}: {self.serve_log()}")
            chunk = os.read(self.proc.stdout.fileno(), 4096)
            if not chunk:
                raise AssertionError(f"{self.name}: serve exited: {self.serve_log()}")
            data += chunk
        sel.close()
        return data.split(b"\n")[:count]

    def add_user(self, name, role, password):
        self.cli("admin", "user", "add", name, "--role", role, input=(password + "\n").encode())

    def new_token(self, name, role):
        out = self.out("admin", "token", "create", "--name", name, "--role", role)
        return out.splitlines()[0]


class Client:
    """HTTPS to the admin listener. token: sent as Bearer; cookie: the session cookie's value;
    csrf: sent as X-CSRF-Token."""

    def __init__(self, gateway, token=None):
        self.g = gateway
        self.token = token
        self.cookie = None
        self.csrf = None
        self.ctx = ssl.create_default_context()
        self.ctx.check_hostname = False
        self.ctx.verify_mode = ssl.CERT_NONE  # pinned below by the printed SHA-256

    def raw(self, method, path, body=None, headers=None):
        conn = http.client.HTTPSConnection("127.0.0.1", self.g.admin_port, context=self.ctx,
                                           timeout=WAIT * 2)
        try:
            conn.connect()
            der = conn.sock.getpeercert(binary_form=True)
            if hashlib.sha256(der).hexdigest() != self.g.admin_fingerprint:
                raise AssertionError("the listener presents another certificate than printed")
            h = dict(headers or {})
            if self.token is not None:
                h.setdefault("Authorization", f"Bearer {self.token}")
            if self.cookie is not None:
                h.setdefault("Cookie", f"__Host-sealgate_session={self.cookie}")
            if self.csrf is not None:
                h.setdefault("X-CSRF-Token", self.csrf)
            conn.putrequest(method, path, skip_accept_encoding=True)
            for k, v in h.items():
                conn.putheader(k, v)
            if body is not None:
                conn.putheader("Content-Length", str(len(body)))
            conn.endheaders()
            if body:
                try:
                    conn.send(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # refused before it was read: the response says why
            r = conn.getresponse()
            headers_out = {}
            for k, v in r.getheaders():
                headers_out.setdefault(k.lower(), []).append(v)
            return Response(r.status, headers_out, r.read())
        finally:
            conn.close()

    def get(self, path, **kw):
        return self.raw("GET", path, **kw)

    def delete(self, path):
        return self.raw("DELETE", path)

    def send_json(self, method, path, value):
        body = value if isinstance(value, bytes) else json.dumps(value).encode()
        return self.raw(method, path, body, {"Content-Type": "application/json"})

    def post(self, path, value):
        return self.send_json("POST", path, value)

    def patch(self, path, value):
        return self.send_json("PATCH", path, value)

    def put(self, path, value):
        return self.send_json("PUT", path, value)

    def upload(self, path, data, content_type):
        return self.raw("POST", path, data, {"Content-Type": content_type})

    def login(self, user, password):
        form = f"username={_quote(user)}&password={_quote(password)}".encode()
        return self.raw("POST", "/login", form,
                        {"Content-Type": "application/x-www-form-urlencoded"})


def _quote(text):
    from urllib.parse import quote_plus
    return quote_plus(text)


class ApiTestCase(E2ETestCase):
    """A store with a local domain a.example, an admin (alice) and a viewer (victor), an admin
    and a viewer token; `serve` with the admin listener and a sink as next hop."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        g = AdminGateway(cls.w, "gw")
        cls._gateways.append(g)
        g.cli("init")
        g.cli("domain", "add", "a.example", "--local")
        g.add_user("alice", "admin", ADMIN_PASSWORD)
        g.add_user("victor", "viewer", VIEWER_PASSWORD)
        cls.admin_token = g.new_token("script", "admin")
        cls.viewer_token = g.new_token("monitor", "viewer")
        cls.sink_a = cls.sink("sink")
        g.start(cls.sink_a.address)
        cls.g = g
        cls.admin = Client(g, cls.admin_token)
        cls.viewer = Client(g, cls.viewer_token)

    def session(self, user="alice", password=ADMIN_PASSWORD):
        """A client logged in through the login form, with its CSRF token."""
        c = Client(self.g)
        r = c.login(user, password)
        self.assertEqual(r.status, 303, r)
        cookie = r.header("Set-Cookie")
        c.cookie = re.match(r"__Host-sealgate_session=([^;]+);", cookie).group(1)
        s = c.get("/api/v1/session")
        self.assertEqual(s.status, 200, s)
        c.csrf = s.json()["csrf_token"]
        return c

    def audit_ids(self):
        r = self.admin.get("/api/v1/audit?limit=1000")
        self.assertEqual(r.status, 200, r)
        return [e["id"] for e in r.json()["entries"]]


def wait_for_log(client, message_id):
    def found():
        r = client.get(f"/api/v1/maillog?message_id={message_id}")
        return r.json()["entries"] if r.status == 200 and r.json()["entries"] else None
    return wait_until(found, f"the mail log entry of <{message_id}>")


def openssl(*args, input=None):
    p = subprocess.run(["openssl"] + list(args), input=input, capture_output=True,
                       timeout=WAIT * 4)
    if p.returncode != 0:
        raise AssertionError(f"openssl {' '.join(args)}: {p.stderr.decode(errors='replace')}")
    return p.stdout
