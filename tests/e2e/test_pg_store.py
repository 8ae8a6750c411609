"""The PostgreSQL store through the CLI (issue 17): init on node 1, the second node set up by
copying the master key file, `store status` / `store migrate`, a password that never shows.

Runs the real binary against a throwaway PostgreSQL server (pgserver.py). The two "nodes" are
two config files on this machine, each with its own master key path, sharing one database.
"""

import os
import shutil
import subprocess
import tempfile
import unittest

from pgserver import PgServer

SEALGATE = os.environ.get("SEALGATE", "sealgate")


class InitAndSecondNode(unittest.TestCase):
    def setUp(self):
        self.pg = PgServer()
        self.addCleanup(self.pg.close)
        self.dir = tempfile.mkdtemp(prefix="sealgate-pgcli-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.db = self.pg.create_database()

    def config(self, name, url, extra=""):
        path = os.path.join(self.dir, name + ".toml")
        key = os.path.join(self.dir, name + ".key")
        with open(path, "w") as f:
            f.write(f'[store]\nurl = "{url}"\nmaster_key = "{key}"\n{extra}')
        return path, key

    def run_cli(self, config, *args):
        env = dict(os.environ)
        env.pop("SEALGATE_STORE", None)
        return subprocess.run([SEALGATE, "--config", config, *args], capture_output=True,
                              text=True, env=env, timeout=60, check=False)

    def test_init_then_a_second_node_with_the_copied_key(self):
        node1, key1 = self.config("node1", self.pg.url(self.db))
        init = self.run_cli(node1, "init")
        self.assertEqual(init.returncode, 0, init.stderr)
        self.assertIn("postgresql", init.stdout)
        self.assertIn("new", init.stdout)
        self.assertTrue(os.path.exists(key1))
        with open(key1, "rb") as f:
            key_bytes = f.read()

        # A second init on the same database is refused, and the key file stays as it was.
        again = self.run_cli(node1, "init")
        self.assertNotEqual(again.returncode, 0)
        self.assertIn("exists already", again.stderr)
        with open(key1, "rb") as f:
            self.assertEqual(f.read(), key_bytes)

        # Node 1 makes a certificate (its private key sealed with the master key) and a domain.
        cert = self.run_cli(node1, "cert", "create", "--email", "domain-cert@a.example",
                            "--key", "p256")
        self.assertEqual(cert.returncode, 0, cert.stderr)
        dom = self.run_cli(node1, "domain", "add", "b.example")
        self.assertEqual(dom.returncode, 0, dom.stderr)

        # Node 2: the conninfo form of the same database and a copy of the key file.
        node2, key2 = self.config("node2", self.pg.conninfo(self.db))
        shutil.copyfile(key1, key2)
        os.chmod(key2, 0o600)
        listed = self.run_cli(node2, "domain", "list")
        self.assertEqual(listed.returncode, 0, listed.stderr)
        self.assertIn("b.example", listed.stdout)
        certs = self.run_cli(node2, "cert", "list")
        self.assertEqual(certs.returncode, 0, certs.stderr)
        self.assertIn("domain-cert@a.example", certs.stdout)

        status = self.run_cli(node2, "store", "status")
        self.assertEqual(status.returncode, 0, status.stderr)
        self.assertIn("backend:    postgresql", status.stdout)
        self.assertIn("schema:     8", status.stdout)
        migrate = self.run_cli(node2, "store", "migrate")
        self.assertEqual(migrate.returncode, 0, migrate.stderr)
        self.assertIn("up to date", migrate.stdout)

    def test_init_refuses_an_empty_password_file_and_never_shows_a_password(self):
        secret = "Sup3r-secret"
        pwfile = os.path.join(self.dir, "pw")
        with open(pwfile, "w") as f:
            f.write(secret + "\n")
        # A database that does not exist: the connection fails; the password is in both the
        # url and the password file, and in neither message.
        url = self.pg.url("no_such_db").replace("sealgate@", f"sealgate:{secret}@")
        node, key = self.config("n", url, f'password_file = "{pwfile}"\n')
        init = self.run_cli(node, "init")
        self.assertNotEqual(init.returncode, 0)
        self.assertIn("no_such_db", init.stderr)
        self.assertNotIn(secret, init.stderr + init.stdout)
        # The key made for a store that could not be made is not left behind.
        self.assertFalse(os.path.exists(key))

        with open(pwfile, "w") as f:
            f.write("")
        empty = self.run_cli(node, "store", "status")
        self.assertNotEqual(empty.returncode, 0)
        self.assertIn("empty", empty.stderr)

    def test_both_path_and_url_is_a_config_error(self):
        node, _ = self.config("both", self.pg.conninfo(self.db), 'path = "x.db"\n')
        out = self.run_cli(node, "store", "status")
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("both path", out.stderr)


if __name__ == "__main__":
    unittest.main()
