#!/usr/bin/python3
"""test_ui_crl.py — the Trust page's CRL distribution points in a real browser: Debian's headless
Chromium through chromedriver, against the real `sealgate serve`.

A partner certificate (its CA a trust root) names a local HTTP server's /ca.crl. The Trust page
lists the source (url, issuer, one certificate, the daemon's failed fetch at its start, due);
Refresh with nothing served
shows the failure (404) in the notice and in the row; Refresh once the CA's CRL is served stores
it: the row shows no error and no longer due, the CRL list has the issuer. No CSP violation and
no JavaScript error in the console.

Run with Debian's /usr/bin/python3 (python3-selenium). Exits 77 (ctest: skipped) only when
chromium or chromedriver is not installed. Waits are polls on a condition with a bound.
"""

import http.server
import os
import subprocess
import sys
import threading
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))

import harness  # noqa: E402
import test_ui  # noqa: E402  (Daemon, Api, the browser's options and checks)

if __name__ == "__main__" and test_ui.browser_missing():
    print(f"SKIP: {', '.join(test_ui.browser_missing())} not installed")
    sys.exit(77)

from selenium import webdriver  # noqa: E402
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

WAIT = test_ui.WAIT
LOCAL = "example.com"


class CrlHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = self.server.body
        if self.path != "/ca.crl" or body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def openssl(*args):
    subprocess.run(["openssl"] + list(args), check=True, capture_output=True, timeout=WAIT * 4)


class CrlSources(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.w = harness.Workdir()
        cls.daemon = None
        cls.driver = None
        cls.http = None
        cls.screens = os.environ.get("SCREENSHOTS") or cls.w.file("screenshots")
        os.makedirs(cls.screens, exist_ok=True)
        try:
            cls._set_up()
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def _set_up(cls):
        cls.http = http.server.ThreadingHTTPServer(("127.0.0.1", 0), CrlHandler)
        cls.http.daemon_threads = True
        cls.http.body = None
        threading.Thread(target=cls.http.serve_forever, daemon=True).start()
        cls.url = f"http://127.0.0.1:{cls.http.server_address[1]}/ca.crl"
        f = cls.w.file
        ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
        openssl("req", "-x509", *ec, "-keyout", f("ca.key"), "-out", f("ca.crt"), "-subj",
                "/CN=Partner UI CA", "-days", "30", "-addext", "basicConstraints=critical,CA:TRUE",
                "-addext", "keyUsage=critical,keyCertSign,cRLSign")
        openssl("req", *ec, "-keyout", f("p.key"), "-out", f("p.csr"), "-subj",
                "/CN=bob/emailAddress=bob@partner.example")
        cls.w.write("ext.cnf", f"crlDistributionPoints=URI:{cls.url}\n"
                               "subjectAltName=email:bob@partner.example\n")
        openssl("x509", "-req", "-in", f("p.csr"), "-CA", f("ca.crt"), "-CAkey", f("ca.key"),
                "-CAcreateserial", "-out", f("p.crt"), "-days", "30", "-extfile", f("ext.cnf"))
        cls.w.write("ca.cnf", f"[ca]\ndefault_ca=d\n[d]\ndatabase={f('index.txt')}\n"
                              f"crlnumber={f('crlnumber')}\ndefault_md=sha256\n")
        cls.w.write("index.txt", "")
        cls.w.write("crlnumber", "01\n")
        openssl("ca", "-config", f("ca.cnf"), "-keyfile", f("ca.key"), "-cert", f("ca.crt"),
                "-gencrl", "-crldays", "2", "-out", f("ca.crl"))
        with open(f("ca.crl"), "rb") as crl:
            cls.crl = crl.read()

        cls.sink = harness.Sink(cls.w)
        gw = cls.gw = harness.Gateway(cls.w, "gw")
        gw.cli("init")
        gw.cli("domain", "add", LOCAL, "--local")
        gw.cli("root", "add", f("ca.crt"))
        gw.cli("cert", "import", f("p.crt"))
        gw.cli("admin", "user", "add", "admin", "--role", "admin", "--password-file",
               cls.w.write("admin.pw", test_ui.ADMIN_PASSWORD + "\n"))
        out = gw.out("admin", "token", "create", "--name", "ui-test", "--role", "admin")
        token = [word for word in out.split() if len(word) >= 32]
        cls.daemon = test_ui.Daemon(gw, cls.sink.address)
        cls.api = test_ui.Api(cls.daemon.base, token[0])
        options = webdriver.ChromeOptions()
        options.binary_location = test_ui.CHROMIUM
        for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                    "--ignore-certificate-errors", "--window-size=1366,900", "--lang=en-US"):
            options.add_argument(arg)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        cls.driver = webdriver.Chrome(service=Service(test_ui.CHROMEDRIVER), options=options)
        cls.driver.set_page_load_timeout(WAIT)

    @classmethod
    def tearDownClass(cls):
        if cls.driver is not None:
            cls.driver.quit()
        if cls.daemon is not None:
            cls.daemon.stop()
        if getattr(cls, "sink", None) is not None:
            cls.sink.close()
        if cls.http is not None:
            cls.http.shutdown()
            cls.http.server_close()
        cls.w.remove()

    @property
    def d(self):
        return self.driver

    def wait(self, condition, what):
        try:
            return WebDriverWait(self.d, WAIT, ignored_exceptions=(
                NoSuchElementException, StaleElementReferenceException)).until(
                lambda d: condition(), message=what)
        except Exception:
            self.d.save_screenshot(os.path.join(self.screens, "crl-FAILED.png"))
            raise

    def el(self, test):
        return self.d.find_element(By.CSS_SELECTOR, f'[data-test="{test}"]')

    def els(self, test):
        return self.d.find_elements(By.CSS_SELECTOR, f'[data-test="{test}"]')

    def notice(self, text):
        self.wait(lambda: text in self.el("notices").text, f"notice '{text}'")

    def test_sources_and_refresh(self):
        d = self.d

        def fetched_at_start():
            [source] = self.api.call("GET", "/crl-sources")[1]["sources"]
            return source["last_fetch"] is not None
        harness.wait_until(fetched_at_start, "the daemon's fetch at its start")
        d.get(self.daemon.base + "/")
        self.wait(lambda: d.find_element(By.NAME, "username"), "the login form").send_keys("admin")
        pw = d.find_element(By.NAME, "password")
        pw.send_keys(test_ui.ADMIN_PASSWORD)
        pw.send_keys(Keys.ENTER)
        self.wait(lambda: self.els("nav-trust"), "the menu")
        self.el("nav-trust").click()
        self.wait(lambda: self.els("crl-sources"), "the distribution points")
        self.assertEqual(self.el("crl-source-url").text, self.url)
        row = self.el("crl-source").text
        self.assertIn("Partner UI CA", row)
        self.assertEqual(self.el("crl-source-certs").text, "1")
        # The daemon fetched at its start (nothing served: 404); still due.
        self.assertNotEqual(self.el("crl-source-fetched").text, "never")
        self.assertTrue(self.els("crl-source-due"))
        self.assertIn("404", self.el("crl-source-error").text)

        # Refresh, still nothing served: the failure is shown, nothing stored.
        self.el("crl-refresh").click()
        self.notice("Fetched 0 of 1 distribution point")
        self.wait(lambda: "404" in self.el("crl-refresh-failed").text, "the failure's reason")
        self.wait(lambda: self.els("crl-source-error"), "the error in the row")
        self.assertIn("404", self.el("crl-source-error").text)
        self.assertEqual(self.api.call("GET", "/crls")[1]["crls"], [])
        d.save_screenshot(os.path.join(self.screens, "crl-failed.png"))

        # Served: stored; the row has no error and is no longer due.
        self.http.body = self.crl
        self.el("crl-refresh").click()
        self.notice("Fetched 1 of 1 distribution point")
        self.wait(lambda: not self.els("crl-source-error") and not self.els("crl-source-due"),
                  "the row without error, not due")
        self.assertNotEqual(self.el("crl-source-fetched").text, "never")
        self.assertIn("Partner UI CA", self.el("crls").text)
        crls = self.api.call("GET", "/crls")[1]["crls"]
        self.assertEqual(len(crls), 1)
        d.save_screenshot(os.path.join(self.screens, "crl-stored.png"))

        bad = [e for e in d.get_log("browser")
               if "Content Security Policy" in e["message"] or "Refused to" in e["message"]
               or (e["level"] == "SEVERE" and e.get("source") != "network")]
        self.assertEqual(bad, [])


if __name__ == "__main__":
    unittest.main()
