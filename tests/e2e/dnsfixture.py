"""dnsfixture.py — what the key-discovery tests serve: DNSSEC-signed zones in nsd on loopback,
and a Web Key Directory over HTTPS on loopback with a test CA.

  Zones     zone files written here (SOA, NS and the records a test adds, e.g. the lines of
            `sealgate publish dns`), signed with ldns-keygen (ECDSA P-256 KSK and ZSK) and
            ldns-signzone; the KSK's DS record is the trust anchor file (Zones.anchor(origin)).
            A zone can be left unsigned, or edited after signing (a record the signature no
            longer covers: bogus); wrong_anchor() is the DS of a KSK that signed nothing.
  Nsd       nsd on 127.0.0.1:<free port>, private config, pid file and zones in the workdir,
            run as the current user (username ""), in the foreground; ready once it answers a
            SOA query (polled, bounded). resolver: "127.0.0.1@PORT" for [discovery] resolver.
  Wkd       https on 127.0.0.1:<free port> with a certificate of a test CA for the WKD host
            names; the host of the request (openpgpkey.DOMAIN or DOMAIN) picks the document
            root, so the advanced and direct layouts that `sealgate publish wkd` writes are
            served as they would be. connect_to: "127.0.0.1:PORT" for [discovery]
            wkd_connect_to; ca_file for wkd_ca_file. Hosts named in `unannounced` get their
            replies without Content-Length (the size is learnt by reading).
  serve_zone      one signed zone in a new nsd, e.g. from what `sealgate publish dns` printed.
  discovery_config  the [discovery] section pointing sealgate at an Nsd (and a Wkd).

Standard library, openssl, ldns-keygen, ldns-signzone and nsd (scripts/install-deps.sh).
"""

import http.server
import os
import random
import shutil
import socket
import ssl
import struct
import subprocess
import sys
import threading
import time
import unittest

from harness import WAIT, free_port


def tools_missing():
    """The tools this fixture needs that are not installed (a test skips on them)."""
    return [t for t in ("nsd", "ldns-keygen", "ldns-signzone", "openssl") if not shutil.which(t)]


def skip_unless_installed():
    """unittest.SkipTest naming the tools this fixture needs and does not find."""
    missing = tools_missing()
    if missing:
        raise unittest.SkipTest("not installed: " + ", ".join(missing))


class Zones:
    def __init__(self, directory: str):
        self.dir = directory
        os.makedirs(directory, exist_ok=True)
        self.files = {}    # origin -> zone file name served (signed or not)
        self.anchors = {}  # origin -> DS file path

    def _keygen(self, origin: str, ksk: bool) -> str:
        args = ["ldns-keygen", "-a", "ECDSAP256SHA256"] + (["-k"] if ksk else []) + [origin]
        out = subprocess.run(args, cwd=self.dir, check=True, capture_output=True, text=True)
        return out.stdout.strip()

    def add(self, origin: str, records, sign: bool = True, tamper=None) -> str:
        """Write zone `origin` with the zone-file lines `records` (absolute owner names or
        names relative to the origin). sign: with a new KSK and ZSK; tamper(signed_text) ->
        text edits the signed zone afterwards. Returns the zone file name."""
        origin = origin.rstrip(".")
        text = (f"$ORIGIN {origin}.\n$TTL 300\n"
                f"@ IN SOA ns1 hostmaster 1 3600 600 86400 300\n"
                f"@ IN NS ns1\nns1 IN A 127.0.0.1\n" + "".join(r.rstrip("\n") + "\n"
                                                              for r in records))
        name = origin + ".zone"
        with open(os.path.join(self.dir, name), "w") as f:
            f.write(text)
        if sign:
            ksk = self._keygen(origin, True)
            zsk = self._keygen(origin, False)
            subprocess.run(["ldns-signzone", "-f", name + ".signed", name, zsk, ksk],
                           cwd=self.dir, check=True, capture_output=True)
            self.anchors[origin] = os.path.join(self.dir, ksk + ".ds")
            name += ".signed"
            if tamper:
                path = os.path.join(self.dir, name)
                with open(path) as f:
                    signed = f.read()
                edited = tamper(signed)
                assert edited != signed, "tamper changed nothing"
                with open(path, "w") as f:
                    f.write(edited)
        self.files[origin] = name
        return name

    def anchor(self, *origins) -> str:
        """A trust anchor file with the DS records of the given signed zones."""
        path = os.path.join(self.dir, "anchor-" + "-".join(origins) + ".ds")
        with open(path, "w") as out:
            for origin in origins:
                with open(self.anchors[origin.rstrip(".")]) as f:
                    out.write(f.read())
        return path

    def wrong_anchor(self, origin: str) -> str:
        """A DS file for `origin` of a KSK that signed nothing."""
        sub = os.path.join(self.dir, "wrong")
        os.makedirs(sub, exist_ok=True)
        base = subprocess.run(["ldns-keygen", "-a", "ECDSAP256SHA256", "-k", origin.rstrip(".")],
                              cwd=sub, check=True, capture_output=True, text=True).stdout.strip()
        return os.path.join(sub, base + ".ds")


def flip_record(rrtype: str):
    """A tamper function: change the last hex digit of the first `rrtype` record's data."""
    def tamper(text: str) -> str:
        lines = text.split("\n")
        for i, line in enumerate(lines):
            fields = line.split()
            if len(fields) >= 5 and fields[3] == rrtype:
                last = fields[-1]
                flipped = last[:-1] + ("0" if last[-1] != "0" else "1")
                lines[i] = line[:line.rfind(last)] + flipped
                return "\n".join(lines)
        return text
    return tamper


def dns_query(port: int, name: str, qtype: int = 6, timeout: float = 1.0) -> bytes:
    """One UDP query to 127.0.0.1:port; the reply, or b"" on no answer."""
    qid = random.randrange(65536)
    packet = struct.pack(">HHHHHH", qid, 0, 1, 0, 0, 0)
    for label in name.rstrip(".").split("."):
        packet += bytes([len(label)]) + label.encode()
    packet += b"\0" + struct.pack(">HH", qtype, 1)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        s.sendto(packet, ("127.0.0.1", port))
        try:
            return s.recv(4096)
        except socket.timeout:
            return b""


class Nsd:
    def __init__(self, zones: Zones):
        self.zones = zones
        self.port = 0
        self.proc = None

    @property
    def resolver(self) -> str:
        return f"127.0.0.1@{self.port}"

    def start(self):
        self.port = free_port()
        d = self.zones.dir
        conf = [
            "server:",
            f"  ip-address: 127.0.0.1@{self.port}",
            f"  port: {self.port}",
            '  username: ""',
            '  chroot: ""',
            f"  zonesdir: \"{d}\"",
            f"  pidfile: \"{d}/nsd.pid\"",
            '  database: ""',
            f"  zonelistfile: \"{d}/zone.list\"",
            f"  xfrdfile: \"{d}/xfrd.state\"",
            f"  xfrdir: \"{d}\"",
            f"  logfile: \"{d}/nsd.log\"",
            "  server-count: 1",
            "  verbosity: 1",
            "remote-control:",
            "  control-enable: no",
        ]
        for origin, name in self.zones.files.items():
            conf += ["zone:", f"  name: {origin}", f"  zonefile: \"{name}\""]
        path = os.path.join(d, "nsd.conf")
        with open(path, "w") as f:
            f.write("\n".join(conf) + "\n")
        subprocess.run(["nsd-checkconf", path], check=True)
        with open(os.path.join(d, "nsd.stderr"), "w") as err:
            self.proc = subprocess.Popen(["nsd", "-d", "-c", path], stdout=subprocess.DEVNULL,
                                         stderr=err)
        deadline = time.monotonic() + WAIT
        first = next(iter(self.zones.files))
        while not dns_query(self.port, first):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                with open(os.path.join(d, "nsd.log"), errors="replace") as f:
                    log = f.read()
                raise RuntimeError(f"nsd did not answer on port {self.port}: {log}")
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=WAIT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


def serve_zone(directory: str, origin: str, records):
    """Zone `origin` with `records` (zone-file lines, or text as `sealgate publish dns` prints
    it: its `;` comments and blank lines are left out), signed, in a new nsd: (Zones, Nsd).
    The trust anchor is zones.anchor(origin)."""
    if isinstance(records, str):
        records = records.splitlines()
    zones = Zones(directory)
    zones.add(origin, [r for r in records if r.strip() and not r.lstrip().startswith(";")])
    return zones, Nsd(zones).start()


def stop_services(test_class):
    """What a discovery test class started, stopped in tearDownClass: its nsd, its WKD server,
    and the gpg-agent of its GNUPGHOME (whichever of them it has)."""
    if getattr(test_class, "nsd", None):
        test_class.nsd.stop()
    if getattr(test_class, "wkd", None):
        test_class.wkd.stop()
    if getattr(test_class, "gnupg", None):
        subprocess.run(["gpgconf", "--kill", "gpg-agent"],
                       env=dict(os.environ, GNUPGHOME=test_class.gnupg), capture_output=True)


def discovery_config(nsd: Nsd, anchor: str, wkd=None) -> str:
    """The [discovery] section that points sealgate at `nsd` with the trust anchor file
    `anchor`, and at the Wkd server `wkd` (None: WKD off)."""
    text = f'[discovery]\nresolver = "{nsd.resolver}"\ntrust_anchor = "{anchor}"\n'
    if wkd is None:
        return text + "wkd = false\n"
    return text + (f'wkd = true\nwkd_ca_file = "{wkd.ca_file}"\n'
                   f'wkd_connect_to = "{wkd.connect_to}"\n')


def make_ca(directory: str, names):
    """A test CA and a server certificate for `names` (DNS SANs): (ca.pem, cert.pem, key.pem)."""
    os.makedirs(directory, exist_ok=True)
    p = lambda n: os.path.join(directory, n)  # noqa: E731
    run = lambda *a: subprocess.run(a, check=True, capture_output=True)  # noqa: E731
    run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
        "-nodes", "-keyout", p("ca.key"), "-out", p("ca.pem"), "-days", "2", "-subj",
        "/CN=sealgate WKD test CA", "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    run("openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", p("server.key"), "-out", p("server.csr"), "-subj", "/CN=" + names[0])
    with open(p("ext.cnf"), "w") as f:
        f.write("subjectAltName=" + ",".join("DNS:" + n for n in names) + "\n")
    run("openssl", "x509", "-req", "-in", p("server.csr"), "-CA", p("ca.pem"), "-CAkey",
        p("ca.key"), "-CAcreateserial", "-out", p("server.pem"), "-days", "2", "-extfile",
        p("ext.cnf"))
    return p("ca.pem"), p("server.pem"), p("server.key")


class Wkd:
    """HTTPS for the WKD host names. roots: host name -> document root; unannounced: host
    names whose replies carry no Content-Length (HTTP/1.0: the body ends when the connection
    closes), so that a client learns the size only by reading."""

    def __init__(self, directory: str, roots: dict, unannounced=()):
        self.roots = roots
        self.unannounced = set(unannounced)
        self.ca_file, cert, key = make_ca(os.path.join(directory, "wkd-ca"), list(roots))
        self.requests = []
        outer = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            host = ""

            def translate_path(self, path):
                self.host = (self.headers.get("Host") or "").split(":")[0].lower()
                outer.requests.append((self.host, path))
                root = outer.roots.get(self.host)
                if root is None:
                    return "/nonexistent"
                self.directory = root
                return super().translate_path(path.split("?")[0])

            def send_header(self, keyword, value):
                if keyword.lower() == "content-length" and self.host in outer.unannounced:
                    return
                super().send_header(keyword, value)

            def log_message(self, *args):
                pass

        class Server(http.server.ThreadingHTTPServer):
            def handle_error(self, request, client_address):
                # A client that stops reading (a reply over its limit) is what some tests
                # want; anything else is printed as usual.
                if not isinstance(sys.exc_info()[1], (ConnectionError, ssl.SSLError)):
                    super().handle_error(request, client_address)

        self.server = Server(("127.0.0.1", 0), Handler)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        self.server.socket = ctx.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def connect_to(self) -> str:
        return f"127.0.0.1:{self.port}"

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
