"""The admin listener answers /metrics, /healthz and /readyz like the plain metrics listener
(docs/metrics.md): over HTTPS, without a session or a token, with the security headers of every
other response; other paths still need a login."""

import unittest

from apiharness import ApiTestCase, Client
from harness import wait_until


class AdminObserve(ApiTestCase):
    def test_metrics_without_a_session(self):
        r = Client(self.g).get("/metrics")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8")
        self.assertIn(b"# TYPE sealgate_messages_total counter\n", r.body)
        self.assertIn(b'sealgate_build_info{version="0.1.0"} 1\n', r.body)
        self.assertIsNotNone(r.header("X-Content-Type-Options"), r.headers)

    def test_health_and_readiness_without_a_session(self):
        self.assertEqual(Client(self.g).get("/healthz").body, b"ok\n")
        wait_until(lambda: Client(self.g).get("/readyz").status == 200, "ready")
        body = Client(self.g).get("/readyz").body.decode()
        self.assertRegex(body, r"^ready\nstore: ok\nkeys: ok")

    def test_other_paths_still_need_a_login(self):
        self.assertEqual(Client(self.g).get("/api/v1/domains").status, 401)


if __name__ == "__main__":
    unittest.main()
