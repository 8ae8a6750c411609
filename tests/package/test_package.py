"""The Debian package (debian/, scripts/build-deb.sh, docs/install.md), as an administrator meets it.

  UnitFile  debian/sealgate.service: `systemd-analyze verify` has nothing to say about it (in a
            scratch root holding the unit, the built binary as /usr/sbin/sealgate and the host's
            units), and `systemd-analyze security --offline=true` rates its exposure at most 3.0.
  ManPage   scripts/gen-manpage.py on the built binary: every subcommand at every level of
            `sealgate --help` has its section, and groff renders the page without a warning.
  Deb       the whole life of the package in a fresh Debian 12 root: build the .deb from this
            build directory, bootstrap the root with mmdebstrap (cached), `apt-get install
            ./sealgate_*.deb`, check what it installed and that the service is not enabled,
            `sealgate --version`, `sealgate init` and `sealgate serve` as the user sealgate, one
            message through it to a sink on the host's loopback, SIGTERM, `apt-get purge`, and
            no file named after sealgate left anywhere in the root. Prints each step's time and
            the package's size.

Environment: SEALGATE (the built binary), SEALGATE_SOURCE_DIR, SEALGATE_BUILD_DIR,
SEALGATE_ROOTFS_CACHE (default /var/cache/sealgate-tests). A test whose tool is missing, or Deb
when not root, reports itself skipped with the reason. Standard library only.
"""

import hashlib
import os
import re
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

SOURCE = os.environ.get("SEALGATE_SOURCE_DIR", "")
BUILD = os.environ.get("SEALGATE_BUILD_DIR", "")
SEALGATE = os.environ.get("SEALGATE", "")
CACHE = os.environ.get("SEALGATE_ROOTFS_CACHE", "/var/cache/sealgate-tests")
MAX_EXPOSURE = 3.0

sys.path.insert(0, os.path.join(SOURCE, "tests", "e2e"))
import harness  # noqa: E402  (the sink and SMTP client of the end-to-end tests)


def run(cmd, timeout=600, **kw):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)
    if p.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} exited {p.returncode}:\n{p.stdout}\n{p.stderr}")
    return p.stdout


class UnitFile(unittest.TestCase):
    UNIT = os.path.join(SOURCE, "debian", "sealgate.service")

    def setUp(self):
        if shutil.which("systemd-analyze") is None:
            self.skipTest("systemd-analyze is not installed (Debian package systemd)")

    def test_verify_clean(self):
        with tempfile.TemporaryDirectory(prefix="sealgate-unit.") as root:
            # verify resolves ExecStart=, ExecReload= and the dependencies inside --root.
            units = os.path.join(root, "lib", "systemd", "system")
            shutil.copytree("/lib/systemd/system", units, symlinks=True)
            shutil.copy(self.UNIT, units)
            for path, source in (("usr/sbin/sealgate", SEALGATE), ("bin/kill", "/bin/kill")):
                os.makedirs(os.path.join(root, os.path.dirname(path)), exist_ok=True)
                shutil.copy(source, os.path.join(root, path))
            p = subprocess.run(["systemd-analyze", "verify", "--man=no", f"--root={root}",
                                os.path.join(units, "sealgate.service")],
                               capture_output=True, text=True, timeout=60)
            # verify exits 0 after a line it could not parse ("ignoring"): any output fails.
            out = (p.stdout + p.stderr).strip()
            self.assertEqual((p.returncode, out), (0, ""), out)

    def test_security_exposure(self):
        p = subprocess.run(["systemd-analyze", "security", "--offline=true", "--no-pager",
                            self.UNIT], capture_output=True, text=True, timeout=60)
        m = re.search(r"Overall exposure level for sealgate\.service: (\d+\.\d+) (\w+)", p.stdout)
        self.assertIsNotNone(m, p.stdout + p.stderr)
        score = float(m.group(1))
        print(f"systemd-analyze security: exposure {score} {m.group(2)}")
        self.assertLessEqual(score, MAX_EXPOSURE, p.stdout)
        # The settings the issue names are there, each as asked.
        with open(self.UNIT) as f:
            unit = f.read()
        for line in ("Type=notify", "User=sealgate", "ProtectSystem=strict", "ProtectHome=yes",
                     "PrivateTmp=yes", "NoNewPrivileges=yes", "ReadWritePaths=/var/lib/sealgate",
                     "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6",
                     "ExecReload=/bin/kill -HUP $MAINPID", "CapabilityBoundingSet=\n"):
            self.assertIn("\n" + line, unit)
        self.assertRegex(unit, r"\nSystemCallFilter=@system-service\b")
        self.assertRegex(unit, r"\nWatchdogSec=\d+")


class ManPage(unittest.TestCase):
    def subcommands(self, path):
        """The subcommand names `sealgate PATH --help` lists, read here independently of the
        generator: the lines between "Subcommands:" and the next blank line."""
        out = run([SEALGATE] + path + ["--help"], timeout=30)
        names, inside = [], False
        for line in out.splitlines():
            if line == "Subcommands:":
                inside = True
            elif inside and not line.strip():
                inside = False
            elif inside and line.startswith("  ") and not line.startswith("    "):
                names.append(line.split()[0])
        return names

    def test_every_subcommand_documented(self):
        page = run([sys.executable, os.path.join(SOURCE, "scripts", "gen-manpage.py"), SEALGATE],
                   timeout=300)
        self.assertTrue(page.startswith('.\\"'), page[:200])
        self.assertIn(".TH SEALGATE 8", page)
        todo, seen = [[]], 0
        while todo:
            path = todo.pop()
            for name in self.subcommands(path):
                title = " ".join(["sealgate"] + path + [name]).replace("-", "\\-")
                self.assertIn(f'.SS "{title}"\n', page)
                todo.append(path + [name])
                seen += 1
        self.assertGreater(seen, 30)  # the top level alone has 17
        for section in ("NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "COMMANDS", "FILES",
                        "EXIT STATUS"):
            self.assertIn(f"\n.SH {section}\n", page)
        if shutil.which("groff") is None:
            self.skipTest("groff is not installed (Debian package groff-base)")
        p = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z"], input=page,
                           capture_output=True, text=True, timeout=60)
        self.assertEqual((p.returncode, p.stderr), (0, ""))


def read(path):
    with open(path, "rb") as f:
        return f.read().decode(errors="replace")


def first_line(pipe, timeout):
    """The first line a child writes to pipe, or what came before EOF or the deadline."""
    sel = selectors.DefaultSelector()
    sel.register(pipe, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout
    line = b""
    while not line.endswith(b"\n") and sel.select(max(0.0, deadline - time.monotonic())):
        chunk = os.read(pipe.fileno(), 4096)
        if not chunk:
            break
        line += chunk
    sel.close()
    return line.decode(errors="replace")


def dependencies(deb):
    """The package names of the .deb's Depends (first of each alternative, versions dropped)."""
    depends = run(["dpkg-deb", "-f", deb, "Depends"]).strip()
    return sorted({d.split("|")[0].split("(")[0].split(":")[0].strip()
                   for d in depends.split(",") if d.strip()})


def bootstrap(deps, log):
    """A tarball of a fresh Debian 12 root (mmdebstrap's apt variant plus the package's
    dependencies, so that installing it needs no download), made once per dependency list."""
    key = hashlib.sha256(("bookworm apt " + " ".join(deps)).encode()).hexdigest()[:16]
    tarball = os.path.join(CACHE, f"bookworm-{key}.tar")
    if os.path.exists(tarball):
        log(f"fresh root: cached {tarball}")
        return tarball
    os.makedirs(CACHE, exist_ok=True)
    partial = tarball + f".{os.getpid()}.tmp.tar"
    try:
        run(["mmdebstrap", "--quiet", "--variant=apt", "--include=" + ",".join(deps), "bookworm",
             partial], timeout=1200)
        os.replace(partial, tarball)  # atomic: a parallel run sees a whole tarball or none
    finally:
        if os.path.exists(partial):
            os.unlink(partial)
    log(f"fresh root: bootstrapped {tarball} ({os.path.getsize(tarball) // 2**20} MiB)")
    return tarball


class Deb(unittest.TestCase):
    def setUp(self):
        if os.geteuid() != 0:
            self.skipTest("needs root (chroot, mount, files owned by the service user)")
        for tool in ("dpkg-buildpackage", "dh", "mmdebstrap"):
            if shutil.which(tool) is None:
                self.skipTest(f"{tool} is not installed (scripts/install-deps.sh)")
        self.t0 = time.monotonic()
        self.last = self.t0
        self.work = tempfile.mkdtemp(prefix="sealgate-deb.", dir=BUILD)
        self.root = os.path.join(self.work, "root")
        self.proc_mounted = False
        self.serve = None

    def tearDown(self):
        if getattr(self, "serve", None) is not None and self.serve.poll() is None:
            self.serve.kill()
            self.serve.wait()
        proc = os.path.join(getattr(self, "root", ""), "proc")
        if getattr(self, "proc_mounted", False):
            subprocess.run(["umount", "--lazy", proc])
        if os.path.ismount(proc):
            print(f"left {self.work}: {proc} is still mounted")  # never rmtree into /proc
        elif hasattr(self, "work"):
            shutil.rmtree(self.work, ignore_errors=True)

    def step(self, what):
        now = time.monotonic()
        print(f"[{now - self.t0:6.1f} s] {what} ({now - self.last:.1f} s)", flush=True)
        self.last = now

    def chroot(self, *cmd, timeout=600):
        env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C.UTF-8",
               "DEBIAN_FRONTEND": "noninteractive", "HOME": "/root"}
        return run(["chroot", self.root] + list(cmd), timeout=timeout, env=env)

    def as_service_user(self, *cmd):
        return ["chroot", self.root, "setpriv", "--reuid=sealgate", "--regid=sealgate",
                "--init-groups", "--"] + list(cmd)

    def names_with_sealgate(self):
        found = []
        for top, dirs, files in os.walk(self.root):
            if top == os.path.join(self.root, "proc"):
                dirs[:] = []
                continue
            for name in dirs + files:
                if "sealgate" in name:
                    found.append(os.path.relpath(os.path.join(top, name), self.root))
        return sorted(found)

    def test_install_serve_purge(self):
        deb = run([os.path.join(SOURCE, "scripts", "build-deb.sh"), "--from-build", BUILD,
                   "--out", self.work]).strip().splitlines()[-1]
        size = os.path.getsize(deb)
        installed = run(["dpkg-deb", "-f", deb, "Installed-Size"]).strip()
        self.step(f"built {os.path.basename(deb)}: {size} bytes, installed {installed} KiB")

        tarball = bootstrap(dependencies(deb), self.step)
        os.mkdir(self.root)
        run(["tar", "-C", self.root, "-xf", tarball])
        run(["mount", "-t", "proc", "proc", os.path.join(self.root, "proc")])
        self.proc_mounted = True
        self.assertEqual(self.names_with_sealgate(), [])
        self.step("fresh root unpacked")

        shutil.copy(deb, os.path.join(self.root, "tmp"))
        self.chroot("sh", "-c", "cd /tmp && apt-get install -y ./sealgate_*.deb")
        os.unlink(os.path.join(self.root, "tmp", os.path.basename(deb)))
        self.step("apt-get install ./sealgate_*.deb")

        files = self.chroot("dpkg-query", "-L", "sealgate").split("\n")
        for path in ("/usr/sbin/sealgate", "/etc/sealgate/sealgate.toml",
                     "/lib/systemd/system/sealgate.service", "/usr/share/man/man8/sealgate.8.gz",
                     "/usr/share/doc/sealgate/install.md", "/var/lib/sealgate"):
            self.assertIn(path, files)
        conffiles = self.chroot("dpkg-query", "-W", "-f=${Conffiles}", "sealgate")
        self.assertIn("/etc/sealgate/sealgate.toml", conffiles)
        with open(os.path.join(self.root, "etc/sealgate/sealgate.toml")) as f:
            self.assertIn('\npath = "/var/lib/sealgate/sealgate.db"\n', f.read())
        user = self.chroot("getent", "passwd", "sealgate").strip().split(":")
        uid, home, shell = int(user[2]), user[5], user[6]
        self.assertLess(uid, 1000)  # a system user
        self.assertEqual((home, shell), ("/var/lib/sealgate", "/usr/sbin/nologin"))
        st = os.stat(os.path.join(self.root, "var/lib/sealgate"))
        self.assertEqual((st.st_uid, st.st_mode & 0o7777), (uid, 0o700))
        # Installed, not enabled, not started: no wants link anywhere.
        wants = [p for p in self.names_with_sealgate() if p.startswith("etc/systemd/system/")]
        self.assertEqual(wants, [])

        version = self.chroot("sealgate", "--version").strip()
        # sealgate_VERSION_ARCH.deb (the scratch folder's random name may hold a "_" too)
        deb_version = os.path.basename(deb).split("_")[1]
        self.assertEqual(version, "sealgate " + re.sub(r"-.*", "", deb_version))
        run(self.as_service_user("sealgate", "init"))
        for name in ("sealgate.db", "sealgate.db.key"):
            st = os.stat(os.path.join(self.root, "var/lib/sealgate", name))
            self.assertEqual((st.st_uid, st.st_mode & 0o777), (uid, 0o600), name)
        self.step(f"{version}; sealgate init as the user sealgate (uid {uid})")

        workdir = harness.Workdir()
        self.addCleanup(workdir.remove)
        sink = harness.Sink(workdir)
        self.addCleanup(sink.close)
        # The administrator's edit of the packaged configuration (docs/install.md): listener and
        # next hop, here a free port and the sink (the chroot shares the host's network).
        config = os.path.join(self.root, "etc/sealgate/sealgate.toml")
        with open(config) as f:
            text = f.read()
        # The metrics listener off: its fixed port may be another test's.
        for key, old, new in (("listen", "127.0.0.1:10025", "127.0.0.1:0"),
                              ("next_hop", "127.0.0.1:10026", sink.address),
                              ("listen", "127.0.0.1:9310", "")):
            line = f'\n{key} = "{old}"\n'
            self.assertEqual(text.count(line), 1, line)
            text = text.replace(line, f'\n{key} = "{new}"\n')
        with open(config, "w") as f:
            f.write(text)
        serve_log = os.path.join(self.work, "serve.log")
        with open(serve_log, "wb") as log:
            self.serve = subprocess.Popen(self.as_service_user("sealgate", "serve"),
                                          stdout=subprocess.PIPE, stderr=log)
        line = first_line(self.serve.stdout, harness.WAIT)
        m = re.match(r"sealgate: listening on 127\.0\.0\.1:(\d+), next hop ", line)
        if not m:
            self.serve.kill()
            raise AssertionError(f"serve: {line!r} {read(serve_log)}")
        data = harness.message("alice@example.com", "bob@example.net", "package test",
                               b"sent through the packaged sealgate\n")
        _, final = harness.send(int(m.group(1)), "alice@example.com", ["bob@example.net"], data)
        self.assertEqual(final.code, 250, final)
        got = sink.wait_messages(1)
        self.assertIn(b"sent through the packaged sealgate", got[0].data)
        self.step("sealgate serve as the user sealgate relayed one message")

        self.serve.send_signal(signal.SIGTERM)
        self.assertEqual(self.serve.wait(harness.WAIT), 0, read(serve_log))
        self.serve.stdout.close()
        self.step("stopped by SIGTERM")

        self.chroot("apt-get", "purge", "-y", "sealgate")
        left = [f for f in files if f and os.path.lexists(os.path.join(self.root, f[1:]))
                and not os.path.isdir(os.path.join(self.root, f[1:]))]
        self.assertEqual(left, [])
        self.assertEqual(self.names_with_sealgate(), [])
        # The user stays (docs/install.md); nothing else of the package does.
        self.chroot("getent", "passwd", "sealgate")
        self.step("apt-get purge: nothing named sealgate left in the root")


if __name__ == "__main__":
    unittest.main()
