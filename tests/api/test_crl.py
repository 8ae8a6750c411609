"""CRL distribution points over the REST API (docs/api.md, "CRL distribution points"): a partner
certificate names a local HTTP server's /ca.crl; GET /api/v1/crl-sources lists it with its last
fetch; POST /api/v1/crls/refresh fetches it — refused for a viewer and for a session without the
CSRF token — and, while a slow source is being fetched, the rest of the API keeps answering (the
refresh does not hold the listener's service lock over the network)."""

import http.server
import os
import threading
import unittest

from apiharness import ApiTestCase, openssl


class CrlServer(http.server.ThreadingHTTPServer):
    """Serves self.body at /ca.crl (404 while None); with self.hold set, each GET waits for
    self.release before it answers, and sets self.arrived when it came."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), CrlHandler)
        self.body = None
        self.hold = False
        self.arrived = threading.Event()
        self.release = threading.Event()
        self.gets = 0


class CrlHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        s = self.server
        s.gets += 1
        if s.hold:
            s.arrived.set()
            s.release.wait(60)
        if self.path != "/ca.crl" or s.body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(s.body)))
        self.end_headers()
        self.wfile.write(s.body)

    def log_message(self, *args):
        pass


class Crl(ApiTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.http = CrlServer()
        threading.Thread(target=cls.http.serve_forever, daemon=True).start()
        cls.url = f"http://127.0.0.1:{cls.http.server_address[1]}/ca.crl"
        w = cls.w
        d = w.file("pki")
        os.makedirs(d)
        f = lambda name: os.path.join(d, name)  # noqa: E731
        ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
        openssl("req", "-x509", *ec, "-keyout", f("ca.key"), "-out", f("ca.crt"), "-subj",
                "/CN=Partner API CA", "-days", "30", "-addext",
                "basicConstraints=critical,CA:TRUE", "-addext",
                "keyUsage=critical,keyCertSign,cRLSign")
        openssl("req", *ec, "-keyout", f("p.key"), "-out", f("p.csr"), "-subj",
                "/CN=bob/emailAddress=bob@partner.example")
        with open(f("ext.cnf"), "w") as out:
            out.write(f"crlDistributionPoints=URI:{cls.url}\n"
                      "subjectAltName=email:bob@partner.example\n")
        openssl("x509", "-req", "-in", f("p.csr"), "-CA", f("ca.crt"), "-CAkey", f("ca.key"),
                "-CAcreateserial", "-out", f("p.crt"), "-days", "30", "-extfile", f("ext.cnf"))
        with open(f("ca.cnf"), "w") as out:
            out.write(f"[ca]\ndefault_ca=d\n[d]\ndatabase={f('index.txt')}\n"
                      f"crlnumber={f('crlnumber')}\ndefault_md=sha256\n")
        open(f("index.txt"), "w").close()
        with open(f("crlnumber"), "w") as out:
            out.write("01\n")
        openssl("ca", "-config", f("ca.cnf"), "-keyfile", f("ca.key"), "-cert", f("ca.crt"),
                "-gencrl", "-crldays", "2", "-out", f("ca.crl"))
        with open(f("ca.crl"), "rb") as crl:
            cls.crl = crl.read()
        with open(f("ca.crt"), "rb") as ca:
            r = cls.admin.upload("/api/v1/roots", ca.read(), "application/x-pem-file")
            assert r.status in (200, 201), r
        with open(f("p.crt"), "rb") as p:
            r = cls.admin.upload("/api/v1/certificates", p.read(), "application/x-pem-file")
            assert r.status == 201, r

    @classmethod
    def tearDownClass(cls):
        cls.http.release.set()
        cls.http.shutdown()
        cls.http.server_close()
        super().tearDownClass()

    def source(self, client=None):
        r = (client or self.viewer).get("/api/v1/crl-sources")
        self.assertEqual(r.status, 200, r)
        sources = r.json()["sources"]
        self.assertEqual([s["url"] for s in sources], [self.url])
        return sources[0]

    def test_list_refresh_and_refusals(self):
        s = self.source()
        self.assertIn("Partner API CA", s["issuer"])
        self.assertEqual(len(s["certificates"]), 1)
        self.assertTrue(s["due"])
        self.assertFalse(s["crl_stored"])

        # A viewer may look, not refresh; a session needs its CSRF token.
        r = self.viewer.post("/api/v1/crls/refresh", {})
        self.assertEqual((r.status, r.error_code()), (403, "forbidden"), r)
        sess = self.session()
        csrf, sess.csrf = sess.csrf, None
        r = sess.post("/api/v1/crls/refresh", {})
        self.assertEqual((r.status, r.error_code()), (403, "csrf"), r)
        sess.csrf = csrf

        # Not served yet: the failure is in the answer and in the source's last fetch.
        r = sess.post("/api/v1/crls/refresh", {})
        self.assertEqual(r.status, 200, r)
        [out] = r.json()["refreshed"]
        self.assertEqual(out["url"], self.url)
        self.assertFalse(out["ok"])
        self.assertIn("404", out["detail"])
        s = self.source()
        self.assertIn("404", s["last_fetch"]["error"])
        self.assertFalse(s["crl_stored"])

        # Served: stored, no longer due; a second refresh fetches nothing, force does.
        self.http.body = self.crl
        r = self.admin.post("/api/v1/crls/refresh", {})
        self.assertEqual(r.status, 200, r)
        [out] = r.json()["refreshed"]
        self.assertTrue(out["ok"] and out["stored"], out)
        s = self.source()
        self.assertTrue(s["crl_stored"])
        self.assertFalse(s["due"])
        self.assertEqual(s["last_fetch"]["error"], "")
        gets = self.http.gets
        r = self.admin.post("/api/v1/crls/refresh", {})
        self.assertEqual((r.status, r.json()["refreshed"]), (200, []), r)
        self.assertEqual(self.http.gets, gets)
        r = self.admin.post("/api/v1/crls/refresh?force=true", {})
        self.assertEqual(r.status, 200, r)
        [out] = r.json()["refreshed"]
        self.assertTrue(out["ok"])
        self.assertFalse(out["stored"])
        self.assertEqual(self.http.gets, gets + 1)

        # A slow source: the API answers other requests while the refresh waits for it.
        self.http.hold = True
        self.http.arrived.clear()
        self.http.release.clear()
        result = {}

        def refresh():
            result["r"] = self.admin.post("/api/v1/crls/refresh?force=true", {})

        t = threading.Thread(target=refresh)
        t.start()
        try:
            self.assertTrue(self.http.arrived.wait(30), "the refresh never fetched")
            s = self.source()
            self.assertEqual(s["url"], self.url)
            r = self.admin.get("/api/v1/domains")
            self.assertEqual(r.status, 200, r)
            self.assertTrue(t.is_alive(), "the refresh ended before the source answered")
        finally:
            self.http.hold = False
            self.http.release.set()
            t.join(60)
        self.assertEqual(result["r"].status, 200, result["r"])
        self.assertTrue(result["r"].json()["refreshed"][0]["ok"], result["r"])


if __name__ == "__main__":
    unittest.main()
