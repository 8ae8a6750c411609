"""`sealgate store copy` with PostgreSQL (issue 17): a single gateway's SQLite store moves into a
PostgreSQL database (the first node of a cluster), a node configured with that url and the same
master key file works on it, and the way back into a new SQLite file gives the same store again;
every table verified on each leg. A target that holds data is refused.

Runs the real binary against a throwaway PostgreSQL server (pgserver.py).
"""

import os
import re
import shutil
import subprocess
import tempfile
import unittest

from pgserver import PgServer

SEALGATE = os.environ.get("SEALGATE", "sealgate")
TABLE_LINE = re.compile(r"^([a-z_]+) +(\d+)  ([0-9a-f]{64})  ok$")


class RoundTrip(unittest.TestCase):
    def setUp(self):
        self.pg = PgServer()
        self.addCleanup(self.pg.close)
        self.dir = tempfile.mkdtemp(prefix="sealgate-copy-")
        self.addCleanup(shutil.rmtree, self.dir, True)

    def path(self, name):
        return os.path.join(self.dir, name)

    def run_cli(self, *args, check=True):
        env = dict(os.environ)
        env.pop("SEALGATE_STORE", None)
        env.pop("SEALGATE_CONFIG", None)
        p = subprocess.run([SEALGATE, *args], capture_output=True, text=True, env=env,
                           timeout=120, check=False, cwd=self.dir)
        if check and p.returncode != 0:
            self.fail(f"sealgate {' '.join(args)}: exit {p.returncode}: {p.stderr}")
        return p

    def copy(self, src, dst):
        """store copy; its table as {name: (rows, sha256)}, every line ok."""
        out = self.run_cli("store", "copy", "--from", src, "--to", dst).stdout.splitlines()
        self.assertEqual(out[0].split(), ["table", "rows", "sha256", "ok"])
        tables = {}
        for line in out[1:-1]:
            m = TABLE_LINE.match(line)
            self.assertIsNotNone(m, line)
            tables[m.group(1)] = (int(m.group(2)), m.group(3))
        self.assertIn("copied and verified", out[-1])
        self.assertEqual(len(tables), 14, out)
        return tables

    def test_sqlite_to_postgresql_and_back(self):
        a = self.path("a.db")
        A = lambda *args: self.run_cli("--store", a, *args)  # noqa: E731
        A("init")
        A("domain", "add", "a.example", "--local")
        A("domain", "add", "b.example")
        A("domain", "set", "b.example", "encrypt-mode", "mandatory")
        made = A("cert", "create", "--email", "domain-cert@a.example", "--key", "p256",
                 "--days", "30").stdout
        thumb = re.search(r"[0-9a-f]{64}", made).group(0)

        url = self.pg.url(self.pg.create_database())
        there = self.copy(f"sqlite:{a}", url)
        self.assertEqual(there["domains"][0], 2)
        self.assertEqual(there["sealed_keys"][0], 1)

        # A node on PostgreSQL with the same master key file sees the same store, keys included.
        node = self.path("node.toml")
        with open(node, "w") as f:
            f.write(f'[store]\nurl = "{url}"\nmaster_key = "{a}.key"\n')
        N = lambda *args: self.run_cli("--config", node, *args)  # noqa: E731
        self.assertEqual(N("domain", "list").stdout, A("domain", "list").stdout)
        self.assertEqual(N("audit").stdout, A("audit").stdout)
        with open(self.path("pw"), "w") as f:
            f.write("a long password\n")
        N("cert", "export", thumb, "--pkcs12", "-o", self.path("n.p12"),
          "--password-file", self.path("pw"))
        self.assertGreater(os.path.getsize(self.path("n.p12")), 0)

        # A target that holds data is refused, and stays as it was.
        refused = self.run_cli("store", "copy", "--from", f"sqlite:{a}", "--to", url, check=False)
        self.assertNotEqual(refused.returncode, 0)
        self.assertIn("the target is not empty", refused.stderr)
        self.assertEqual(N("domain", "list").stdout, A("domain", "list").stdout)

        # And back into a new SQLite file: the same tables, the same sums, but for the audit
        # record of the key export made on the PostgreSQL node.
        c = self.path("c.db")
        back = self.copy(url, f"sqlite:{c}")
        self.assertEqual(back["audit_log"][0], there["audit_log"][0] + 1)
        del back["audit_log"], there["audit_log"]
        self.assertEqual(back, there)
        shutil.copy(f"{a}.key", f"{c}.key")
        self.assertEqual(self.run_cli("--store", c, "cert", "list").stdout,
                         A("cert", "list").stdout)


if __name__ == "__main__":
    unittest.main()
