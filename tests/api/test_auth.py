"""Who may do what on the admin listener (docs/api.md "Authentication"): tokens (none, bad,
revoked), roles (a viewer reads and changes nothing), the login form, the session cookie's
flags, CSRF, logout, the slowing of failed logins, and the security headers on every kind of
response."""

import re
import unittest

from apiharness import ADMIN_PASSWORD, VIEWER_PASSWORD, ApiTestCase, Client

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")


class Auth(ApiTestCase):
    def test_no_token_is_401(self):
        r = Client(self.g).get("/api/v1/domains")
        self.assertEqual(r.status, 401, r)
        self.assertEqual(r.error_code(), "unauthorized")
        self.assertIn("Bearer", r.header("WWW-Authenticate"))

    def test_bad_tokens_are_401(self):
        for token in ["x" * 43, self.admin_token[:-1] + ("A" if self.admin_token[-1] != "A"
                                                         else "B"), "", "a b"]:
            r = Client(self.g, token).get("/api/v1/domains")
            self.assertEqual(r.status, 401, (token, r))
        r = Client(self.g).get("/api/v1/domains",
                               headers={"Authorization": f"Basic {self.admin_token}"})
        self.assertEqual(r.status, 401, r)

    def test_revoked_token_is_401(self):
        made = self.admin.post("/api/v1/tokens", {"name": "shortlived", "role": "admin"})
        self.assertEqual(made.status, 201, made)
        secret = made.json()["token"]
        self.assertGreaterEqual(len(secret), 32)
        self.assertEqual(Client(self.g, secret).get("/api/v1/status").status, 200)
        self.assertEqual(self.admin.delete("/api/v1/tokens/shortlived").status, 200)
        r = Client(self.g, secret).get("/api/v1/status")
        self.assertEqual(r.status, 401, r)
        # Revoked on the command line too: the CLI's token stops at once.
        secret = self.g.new_token("cli-made", "viewer")
        self.assertEqual(Client(self.g, secret).get("/api/v1/domains").status, 200)
        self.g.cli("admin", "token", "revoke", "cli-made")
        self.assertEqual(Client(self.g, secret).get("/api/v1/domains").status, 401)

    def test_viewer_reads_but_changes_nothing(self):
        before = self.audit_ids()
        for path in ["/api/v1/status", "/api/v1/domains", "/api/v1/certificates",
                     "/api/v1/pgp/keys", "/api/v1/maillog", "/api/v1/audit", "/api/v1/ctl"]:
            self.assertEqual(self.viewer.get(path).status, 200, path)
        writes = [
            self.viewer.post("/api/v1/domains", {"name": "viewer.example"}),
            self.viewer.patch("/api/v1/domains/a.example", {"encrypt_mode": "mandatory"}),
            self.viewer.delete("/api/v1/domains/a.example"),
            self.viewer.put("/api/v1/ctl/" + "ab" * 32, {"status": "trusted"}),
            self.viewer.post("/api/v1/test-message", {"from": "a@a.example", "to": "b@a.example"}),
            self.viewer.post("/api/v1/tokens", {"name": "mine", "role": "admin"}),
        ]
        for r in writes:
            self.assertEqual(r.status, 403, r)
            self.assertEqual(r.error_code(), "forbidden")
        # Users and tokens are for admins only, even to read.
        self.assertEqual(self.viewer.get("/api/v1/users").status, 403)
        self.assertEqual(self.viewer.get("/api/v1/tokens").status, 403)
        self.assertEqual(self.audit_ids(), before)
        self.assertNotIn("viewer.example",
                         [d["name"] for d in self.admin.get("/api/v1/domains").json()["domains"]])

    def test_viewer_session_is_read_only(self):
        c = self.session("victor", VIEWER_PASSWORD)
        s = c.get("/api/v1/session").json()
        self.assertEqual((s["user"], s["role"], s["kind"]), ("victor", "viewer", "session"))
        r = c.post("/api/v1/domains", {"name": "viewer2.example"})
        self.assertEqual((r.status, r.error_code()), (403, "forbidden"))

    def test_login_page_works_without_javascript(self):
        r = Client(self.g).get("/")
        self.assertEqual(r.status, 200)
        self.assertTrue(r.header("Content-Type").startswith("text/html"))
        page = r.body.decode()
        self.assertRegex(page, r'<form method="post" action="/login">')
        self.assertIn('name="username"', page)
        self.assertIn('type="password"', page)
        self.assertNotIn("<script", page)
        self.assertNotIn("style=", page)

    def test_login_from_another_site_is_refused(self):
        c = Client(self.g)
        form = b"username=alice&password=" + ADMIN_PASSWORD.replace(" ", "+").encode()
        r = c.raw("POST", "/login", form, {"Content-Type": "application/x-www-form-urlencoded",
                                            "Origin": "https://evil.example"})
        self.assertEqual(r.status, 403, r)
        self.assertIsNone(r.header("Set-Cookie"))
        r = c.raw("POST", "/login", form, {"Content-Type": "application/x-www-form-urlencoded",
                                            "Origin": f"https://127.0.0.1:{self.g.admin_port}"})
        self.assertEqual(r.status, 303, r)

    def test_wrong_password_is_401_with_the_page(self):
        r = Client(self.g).login("alice", "not the password")
        self.assertEqual(r.status, 401)
        self.assertIn("Wrong user name or password.", r.body.decode())
        self.assertIsNone(r.header("Set-Cookie"))
        r = Client(self.g).login("nobody", "not the password")
        self.assertEqual(r.status, 401)
        self.assertIn("Wrong user name or password.", r.body.decode())
        self.assertIn("failed login for alice from 127.0.0.1", self.g.serve_log())

    def test_login_sets_a_strict_cookie_and_leads_to_the_ui(self):
        c = Client(self.g)
        r = c.login("alice", ADMIN_PASSWORD)
        self.assertEqual(r.status, 303, r)
        self.assertEqual(r.header("Location"), "/ui/")
        cookie = r.header("Set-Cookie")
        m = re.fullmatch(r"__Host-sealgate_session=([A-Za-z0-9_-]{43}); (.*)", cookie)
        self.assertIsNotNone(m, cookie)
        flags = [f.strip() for f in m.group(2).split(";")]
        for flag in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/"]:
            self.assertIn(flag, flags)
        c.cookie = m.group(1)
        self.assertEqual(c.get("/").status, 303)
        ui = c.get("/ui/")
        self.assertEqual(ui.status, 200)
        self.assertTrue(ui.header("Content-Type").startswith("text/html"))
        # Without the session: back to the login page.
        anon = Client(self.g).get("/ui/")
        self.assertEqual((anon.status, anon.header("Location")), (303, "/"))
        self.assertEqual(Client(self.g).get("/ui/index.html").status, 303)
        self.assertEqual(c.get("/ui/no-such-file.js").status, 404)

    def test_csrf_is_required_for_cookie_changes(self):
        c = self.session()
        before = self.audit_ids()
        csrf = c.csrf
        c.csrf = None
        r = c.post("/api/v1/domains", {"name": "csrf.example"})
        self.assertEqual((r.status, r.error_code()), (403, "csrf"))
        c.csrf = "x" * len(csrf)
        r = c.post("/api/v1/domains", {"name": "csrf.example"})
        self.assertEqual((r.status, r.error_code()), (403, "csrf"))
        self.assertEqual(self.audit_ids(), before)
        c.csrf = csrf
        r = c.post("/api/v1/domains", {"name": "csrf.example"})
        self.assertEqual(r.status, 201, r)
        entry = self.admin.get("/api/v1/audit?object=csrf.example").json()["entries"][0]
        self.assertEqual(entry["actor"], "user:alice")
        self.assertEqual(c.delete("/api/v1/domains/csrf.example").status, 200)

    def test_logout(self):
        c = self.session()
        # Without the CSRF token the session stays.
        c2 = Client(self.g)
        c2.cookie = c.cookie
        r = c2.raw("POST", "/logout", b"", {"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(r.status, 403, r)
        self.assertEqual(c.get("/api/v1/session").status, 200)
        # The form field csrf (what the UI's logout button posts) ends it.
        form = f"csrf={c.csrf}".encode()
        c.csrf = None
        r = c.raw("POST", "/logout", form, {"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual((r.status, r.header("Location")), (303, "/"))
        self.assertIn("Max-Age=0", r.header("Set-Cookie"))
        self.assertEqual(c.get("/api/v1/session").status, 401)
        self.assertEqual(c.get("/ui/").status, 303)

    def test_failed_logins_are_slowed(self):
        self.g.add_user("carol", "admin", "carol's long password")
        for _ in range(3):
            self.assertEqual(Client(self.g).login("carol", "guess").status, 401)
        r = Client(self.g).login("carol", "carol's long password")
        self.assertEqual(r.status, 429, r)
        self.assertGreaterEqual(int(r.header("Retry-After")), 1)
        self.assertIn("Too many failed logins", r.body.decode())
        self.assertIsNone(r.header("Set-Cookie"))
        self.assertIn("login for carol from 127.0.0.1 refused: throttled", self.g.serve_log())
        # Another account from the same address is not held up by carol's failures.
        self.assertEqual(Client(self.g).login("alice", ADMIN_PASSWORD).status, 303)

    def test_removed_account_loses_its_session(self):
        self.g.add_user("dave", "admin", "dave's long password")
        c = self.session("dave", "dave's long password")
        self.assertEqual(self.admin.delete("/api/v1/users/dave").status, 200)
        self.assertEqual(c.get("/api/v1/domains").status, 401)

    def test_security_headers_on_every_response(self):
        responses = [
            Client(self.g).get("/"),
            Client(self.g).get("/api/v1/domains"),
            self.admin.get("/api/v1/domains"),
            self.admin.get("/api/v1/nothing-here"),
            Client(self.g).login("alice", "wrong"),
            self.session().get("/ui/"),
            self.admin.raw("POST", "/api/v1/domains", b"x" * (1024 * 1024 + 1),
                           {"Content-Type": "application/json"}),
        ]
        for r in responses:
            self.assertEqual(r.header("Content-Security-Policy"), CSP, r)
            self.assertEqual(r.header("X-Frame-Options"), "DENY")
            self.assertEqual(r.header("X-Content-Type-Options"), "nosniff")
            self.assertEqual(r.header("Referrer-Policy"), "same-origin")
            self.assertEqual(r.header("Cache-Control"), "no-store")
            self.assertTrue(r.header("Strict-Transport-Security").startswith("max-age="))


if __name__ == "__main__":
    unittest.main()
