"""Sessions bound to the account as it is (docs/api.md "Sessions"): a new password (API or
CLI) or a removed and re-added account ends the old session; the session cookie's name and
flags, a doubled cookie; the CSRF token of /logout; the per-account limit; parallel wrong
logins get no more password checks than sequential ones; duplicate JSON keys; the audit log of
logins, logouts, failed logins and test messages, and the log lines' time."""

import re
import threading
import unittest

from apiharness import ApiTestCase, Client

COOKIE = "__Host-sealgate_session"


class Sessions(ApiTestCase):
    def user(self, name, role="admin"):
        password = f"{name}'s long password"
        self.g.add_user(name, role, password)
        return password

    def audit(self, obj):
        r = self.admin.get(f"/api/v1/audit?object={obj}&limit=100")
        self.assertEqual(r.status, 200, r)
        entries = sorted(r.json()["entries"], key=lambda e: e["id"])
        return [(e["actor"], e["action"]) for e in entries]

    def test_a_password_set_through_the_api_ends_the_sessions(self):
        pw = self.user("dave")
        theirs = self.session("dave", pw)
        mine = self.session()
        r = mine.put("/api/v1/users/dave/password", {"password": "dave's new password"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(theirs.get("/api/v1/session").status, 401)
        self.assertEqual(theirs.get("/ui/").status, 303)  # the UI too: to the login page
        self.assertEqual(mine.get("/api/v1/session").status, 200)  # another account's: stays
        self.assertEqual(Client(self.g).login("dave", pw).status, 401)
        self.session("dave", "dave's new password")
        # One's own password: one's own session ends too.
        own = self.session("dave", "dave's new password")
        r = own.put("/api/v1/users/dave/password", {"password": "dave's third password"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(own.get("/api/v1/session").status, 401)

    def test_a_password_set_with_the_cli_ends_the_sessions(self):
        pw = self.user("erin")
        c = self.session("erin", pw)
        self.g.cli("admin", "user", "passwd", "erin", input=b"erin's new password\n")
        r = c.get("/api/v1/session")
        self.assertEqual((r.status, r.error_code()), (401, "unauthorized"))
        self.assertIn("changed", r.json()["error"]["message"])
        self.session("erin", "erin's new password")

    def test_a_removed_and_readded_account_does_not_keep_old_sessions(self):
        pw = self.user("fred")
        c = self.session("fred", pw)
        self.g.cli("admin", "user", "remove", "fred")
        self.user("fred")  # the same name and password again
        self.assertEqual(c.get("/api/v1/session").status, 401)
        self.assertEqual(c.get("/api/v1/domains").status, 401)
        self.session("fred", pw)

    def test_the_cookie_is_a_host_cookie(self):
        r = Client(self.g).login("alice", "correct horse battery staple")
        self.assertEqual(r.status, 303, r)
        cookie = r.header("Set-Cookie")
        m = re.fullmatch(COOKIE + r"=([A-Za-z0-9_-]{43}); (.*)", cookie)
        self.assertIsNotNone(m, cookie)
        flags = [f.strip() for f in m.group(2).split(";")]
        self.assertEqual(sorted(flags), ["HttpOnly", "Path=/", "SameSite=Strict", "Secure"])
        # The old name means nothing.
        old = Client(self.g).get("/api/v1/session",
                                 headers={"Cookie": f"sealgate_session={m.group(1)}"})
        self.assertEqual(old.status, 401)

    def test_a_doubled_session_cookie_is_refused(self):
        c = self.session()
        other = self.session("victor", "viewer's own passphrase")
        for value in [f"{COOKIE}={c.cookie}; {COOKIE}={other.cookie}",
                      f"{COOKIE}={c.cookie}; {COOKIE}=planted",
                      f"{COOKIE}=planted; {COOKIE}={c.cookie}"]:
            r = Client(self.g).get("/api/v1/session", headers={"Cookie": value})
            self.assertEqual((r.status, r.error_code()), (401, "unauthorized"), value)
            self.assertIn("more than once", r.json()["error"]["message"])
            self.assertEqual(Client(self.g).get("/ui/", headers={"Cookie": value}).status, 303)
        self.assertEqual(c.get("/api/v1/session").status, 200)

    def test_logout_takes_no_csrf_token_from_the_query(self):
        c = self.session()
        csrf = c.csrf
        c.csrf = None
        r = c.raw("POST", f"/logout?csrf={csrf}", b"",
                  {"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(r.status, 403, r)
        self.assertEqual(c.get("/api/v1/session").status, 200)
        r = c.raw("POST", "/logout", b"", {"X-CSRF-Token": csrf})
        self.assertEqual(r.status, 303, r)
        self.assertEqual(c.get("/api/v1/session").status, 401)

    def test_ten_sessions_per_account(self):
        pw = self.user("hank", "viewer")
        first = self.session("hank", pw)
        others = [self.session("hank", pw) for _ in range(10)]
        self.assertEqual(first.get("/api/v1/session").status, 401)
        for c in others:
            self.assertEqual(c.get("/api/v1/session").status, 200)

    def test_parallel_wrong_logins_get_the_free_checks_only(self):
        self.user("gina")
        statuses = []
        lock = threading.Lock()
        start = threading.Barrier(12)

        def guess(i):
            start.wait()
            r = Client(self.g).login("gina", f"guess number {i}")
            with lock:
                statuses.append(r.status)

        threads = [threading.Thread(target=guess, args=(i,)) for i in range(12)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        # 401: the password was checked; 429: refused unheard. Three free checks per name.
        self.assertEqual(sorted(set(statuses)) if statuses else None, [401, 429], statuses)
        self.assertEqual(statuses.count(401), 3, statuses)

    def test_duplicate_json_keys_are_refused_and_change_nothing(self):
        before = self.admin.get("/api/v1/audit?limit=1000").json()["entries"]
        r = self.admin.post("/api/v1/domains", b'{"name":"d1.example","name":"d2.example"}')
        self.assertEqual((r.status, r.error_code()), (400, "bad_input"), r)
        self.assertIn('"name" is given more than once', r.json()["error"]["message"])
        for name in ["d1.example", "d2.example"]:
            self.assertEqual(self.admin.get(f"/api/v1/domains/{name}").status, 404)
        self.assertEqual(self.admin.get("/api/v1/audit?limit=1000").json()["entries"], before)

    def test_logins_logouts_failures_and_test_messages_are_audited(self):
        pw = self.user("ivan")
        self.assertEqual(Client(self.g).login("ivan", "not ivan's password").status, 401)
        c = self.session("ivan", pw)
        r = c.raw("POST", "/logout", b"", {"X-CSRF-Token": c.csrf})
        self.assertEqual(r.status, 303, r)
        audit = self.audit("ivan")
        self.assertTrue(audit[0][0].startswith("cli:"), audit)
        self.assertEqual([a[1] for a in audit[:1]], ["account.add"])
        self.assertEqual(audit[1:], [("anonymous", "session.login-failed"),
                                     ("user:ivan", "session.login"),
                                     ("user:ivan", "session.logout")])
        entries = self.admin.get("/api/v1/audit?object=ivan").json()["entries"]
        failed = [e for e in entries if e["action"] == "session.login-failed"][0]
        self.assertIn("from 127.0.0.1", failed["change"])
        self.assertNotIn("not ivan's password", str(entries))

        r = self.admin.post("/api/v1/test-message", {"from": "a@a.example", "to": "b@a.example"})
        self.assertEqual(r.status, 200, r)
        message_id = r.json()["id"]
        self.assertEqual(self.audit(message_id), [("token:script", "test-message")])

        # The log lines carry the gateway's time stamp.
        log = self.g.serve_log()
        stamp = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC sealgate: admin: "
        self.assertRegex(log, stamp + r"ivan logged in from 127\.0\.0\.1")
        self.assertRegex(log, stamp + r"ivan logged out from 127\.0\.0\.1")
        self.assertRegex(log, stamp + r"failed login for ivan from 127\.0\.0\.1 \(1 in a row\)")


if __name__ == "__main__":
    unittest.main()
