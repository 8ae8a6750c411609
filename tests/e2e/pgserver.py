"""A throwaway PostgreSQL server for end-to-end tests (the PostgreSQL store of several nodes).

    with PgServer() as pg:
        url = pg.conninfo(pg.create_database())   # "host=/tmp/... dbname=t1 user=sealgate"
        ...
        pg.stop(); pg.start()                     # an outage, on the same data

initdb into a new temporary directory, listening only on a Unix socket in that directory
(listen_addresses = ''), fsync off (synchronous_commit stays on: stop() is an immediate shutdown,
a crash to PostgreSQL, and a commit that a client saw must survive it), trust authentication for the local role `sealgate`. PostgreSQL
refuses to run as root: as root the directory is given to `nobody` and the server runs as nobody
(runuser). Without PostgreSQL's server binaries (Debian package `postgresql`, or
SEALGATE_PG_BINDIR) the constructor raises: a test that needs the server fails, it is never
skipped silently. Standard library only; databases are made with PostgreSQL's `createdb`.
"""

import glob
import os
import pwd
import shutil
import subprocess
import tempfile


def _find_bindir():
    env = os.environ.get("SEALGATE_PG_BINDIR")
    if env:
        return env
    best, best_version = None, -1
    for bindir in glob.glob("/usr/lib/postgresql/*/bin"):
        if not (os.path.exists(os.path.join(bindir, "initdb"))
                and os.path.exists(os.path.join(bindir, "pg_ctl"))):
            continue
        try:
            version = int(os.path.basename(os.path.dirname(bindir)))
        except ValueError:
            continue
        if version > best_version:
            best, best_version = bindir, version
    if best is None:
        raise RuntimeError("no PostgreSQL server binaries (initdb, pg_ctl) under "
                           "/usr/lib/postgresql: install the Debian package `postgresql` "
                           "(scripts/install-deps.sh), or set SEALGATE_PG_BINDIR")
    return best


class PgServer:
    def __init__(self):
        self.bindir = _find_bindir()
        self.dir = tempfile.mkdtemp(prefix="sealgate-pg-")
        self.running = False
        self._databases = 0
        self._prefix = []
        if os.geteuid() == 0:
            nobody = pwd.getpwnam("nobody")
            os.chown(self.dir, nobody.pw_uid, nobody.pw_gid)
            self._prefix = ["runuser", "-u", "nobody", "--"]
        try:
            self._run([os.path.join(self.bindir, "initdb"), "-D", self._data(), "-U", "sealgate",
                       "--auth=trust", "--no-sync", "--encoding=UTF8", "--locale=C.UTF-8"],
                      "initdb")
            self.start()
        except Exception:
            shutil.rmtree(self.dir, ignore_errors=True)
            raise

    def _data(self):
        return os.path.join(self.dir, "data")

    def _run(self, argv, what):
        proc = subprocess.run(self._prefix + argv, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, check=False)
        if proc.returncode != 0:
            log = os.path.join(self.dir, "server.log")
            tail = open(log).read()[-2000:] if os.path.exists(log) else ""
            raise RuntimeError(f"{what} failed ({proc.returncode}): {proc.stdout}{tail}")

    def start(self):
        """Start the server (again, on the same data); returns when it accepts connections."""
        if self.running:
            return
        options = (f"-c listen_addresses='' -c unix_socket_directories={self.dir} "
                   "-c fsync=off -c full_page_writes=off -c max_connections=200")
        self._run([os.path.join(self.bindir, "pg_ctl"), "-D", self._data(), "-l",
                   os.path.join(self.dir, "server.log"), "-o", options, "-w", "-t", "60",
                   "start"], "pg_ctl start")
        self.running = True

    def stop(self):
        """Stop the server at once (immediate shutdown: what a crash looks like to clients)."""
        if not self.running:
            return
        self._run([os.path.join(self.bindir, "pg_ctl"), "-D", self._data(), "-m", "immediate",
                   "-w", "-t", "60", "stop"], "pg_ctl stop")
        self.running = False

    def conninfo(self, db):
        """The libpq connection string (key=value form) of database `db`."""
        return f"host={self.dir} dbname={db} user=sealgate"

    def url(self, db):
        """The same as a postgresql:// url (the socket directory percent-encoded as host)."""
        host = self.dir.replace("/", "%2F")
        return f"postgresql://sealgate@{host}/{db}"

    def create_database(self):
        """A new, empty database; its name."""
        self._databases += 1
        name = f"t{self._databases}"
        createdb = shutil.which("createdb") or os.path.join(self.bindir, "createdb")
        proc = subprocess.run([createdb, "-h", self.dir, "-U", "sealgate", name],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              check=False)
        if proc.returncode != 0:
            raise RuntimeError(f"createdb {name} failed: {proc.stdout}")
        return name

    def close(self):
        try:
            self.stop()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False
