#!/usr/bin/python3
"""test_ui.py — the web UI in a real browser: Debian's headless Chromium driven by Debian's
python3-selenium through chromedriver, against the real `sealgate serve` with its admin listener.

The guide's whole S/MIME setup is done through the UI only: log in, import the partner's
certificate (file upload), compare the SHA-256 and SHA-1 thumbprints with what openssl computes,
trust it on the CTL, add the partner domain, choose the certificate for S/MIME encryption, make it
mandatory, send a test message and find it in the mail log as encrypted-smime. At the sink behind
the gateway the message is application/pkcs7-mime and `openssl cms -decrypt` with the partner's
key recovers the test text. Besides: an OpenPGP key made by gpg imported and bound to a domain on
the "Details for PGP key" page; the API's error text shown for a garbage import; users and tokens;
the audit log; a viewer who sees no change button and gets the 403 text; no CSP violation and no
JavaScript error in the console (and a check that the detector sees a violation when there is one).
The Trust page: a root CA and its CRL made by openssl added by file upload, a CTL entry removed; our
own OpenPGP key created on the keys page.

Every page visited is saved as a screenshot under $SCREENSHOTS (NN-page.png).

Run with Debian's /usr/bin/python3 (python3-selenium). Exits 77 (ctest: skipped) only when
chromium or chromedriver is not installed. Waits are polls on a condition with a bound, never
sleeps.
"""

import json
import os
import re
import socket
import shutil
import signal
import ssl
import subprocess
import sys
import time
import unittest
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))

import harness  # noqa: E402  (tests/e2e: Workdir, Sink, Gateway's CLI, wait_until)

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
WAIT = 20.0  # seconds: the bound of every wait in the browser
ADMIN_PASSWORD = "correct horse battery staple"
VIEWER_PASSWORD = "viewer password 1234"
LOCAL = "example.com"
PARTNER = "partner.example"


def browser_missing():
    return [p for p in (CHROMIUM, CHROMEDRIVER) if not os.access(p, os.X_OK)]


if __name__ == "__main__" and browser_missing():
    print(f"SKIP: {', '.join(browser_missing())} not installed (apt-get install chromium "
          "chromium-driver)")
    sys.exit(77)

from selenium import webdriver  # noqa: E402
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402


def run(args, **kwargs):
    p = subprocess.run(args, capture_output=True, timeout=120, **kwargs)
    if p.returncode != 0:
        raise AssertionError(f"{' '.join(args)} exited {p.returncode}: "
                             f"{p.stderr.decode(errors='replace')}")
    return p.stdout.decode()


def openssl_fingerprint(cert, digest):
    out = run(["openssl", "x509", "-in", cert, "-noout", "-fingerprint", "-" + digest])
    return out.strip().split("=", 1)[1].replace(":", "").upper()


def grouped(hex_text):
    return " ".join(hex_text[i:i + 4] for i in range(0, len(hex_text), 4)).upper()


class Daemon:
    """`sealgate serve` with its SMTP listener and its admin listener on free loopback ports."""

    def __init__(self, gateway, next_hop):
        self.out_path = gateway.workdir.file("serve.out")
        self.err_path = gateway.workdir.file("serve.err")
        with open(self.out_path, "wb") as out, open(self.err_path, "wb") as err:
            self.proc = subprocess.Popen(
                gateway.args() + ["serve", "--listen", "127.0.0.1:0", "--next-hop", next_hop,
                                  "--admin-listen", "127.0.0.1:0"],
                stdout=out, stderr=err, cwd=gateway.workdir.path)
        self.smtp_port = int(self._wait_for(r"listening on 127\.0\.0\.1:(\d+)").group(1))
        admin = self._wait_for(r"admin listener on https://127\.0\.0\.1:(\d+), certificate SHA-256 "
                               r"([0-9A-Fa-f:]+)")
        self.admin_port = int(admin.group(1))
        self.fingerprint = admin.group(2)
        self.base = f"https://127.0.0.1:{self.admin_port}"

    def output(self):
        text = ""
        for path in (self.out_path, self.err_path):
            with open(path, "rb") as f:
                text += f.read().decode(errors="replace")
        return text

    def _wait_for(self, pattern):
        def seen():
            if self.proc.poll() is not None:
                raise AssertionError(f"serve exited {self.proc.returncode}: {self.output()}")
            return re.search(pattern, self.output())
        return harness.wait_until(seen, f"serve to print /{pattern}/", timeout=WAIT)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(WAIT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Api:
    """Direct calls to the REST API with a token: what the UI must show, and what it did."""

    def __init__(self, base, token):
        self.base = base
        self.token = token
        self.ctx = ssl.create_default_context()
        self.ctx.check_hostname = False
        self.ctx.verify_mode = ssl.CERT_NONE  # the listener's certificate is self-signed

    def call(self, method, path, body=None, content_type=None, token=None):
        """(status, parsed JSON answer)."""
        headers = {"Authorization": f"Bearer {token or self.token}"}
        if content_type:
            headers["Content-Type"] = content_type
        req = urllib.request.Request(self.base + "/api/v1" + path, data=body, method=method,
                                     headers=headers)
        try:
            with urllib.request.urlopen(req, context=self.ctx, timeout=WAIT) as r:
                return r.status, json.loads(r.read() or b"null")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"null")


class WebUi(unittest.TestCase):
    shot_number = 0

    @classmethod
    def setUpClass(cls):
        if not harness.SEALGATE or not os.access(harness.SEALGATE, os.X_OK):
            raise AssertionError("SEALGATE is not the path of the binary")
        cls.w = harness.Workdir()
        cls.daemon = None
        cls.driver = None
        cls.console = []
        cls.screens = os.environ.get("SCREENSHOTS") or cls.w.file("screenshots")
        shutil.rmtree(cls.screens, ignore_errors=True)
        os.makedirs(cls.screens)
        try:
            cls._set_up()
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def _set_up(cls):
        cls.sink = harness.Sink(cls.w)
        gw = cls.gw = harness.Gateway(cls.w, "gw")
        gw.cli("init")
        gw.cli("domain", "add", LOCAL, "--local")
        for name, role, password in (("admin", "admin", ADMIN_PASSWORD),
                                     ("viewer", "viewer", VIEWER_PASSWORD)):
            gw.cli("admin", "user", "add", name, "--role", role, "--password-file",
                   cls.w.write(f"{name}.pw", password + "\n"))
        out = gw.out("admin", "token", "create", "--name", "ui-test", "--role", "admin")
        token = [word for word in out.split() if len(word) >= 32]
        assert len(token) == 1, f"no token in: {out}"
        cls.make_partner_certificate()
        cls.daemon = Daemon(gw, cls.sink.address)
        cls.api = Api(cls.daemon.base, token[0])
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                    "--ignore-certificate-errors", "--window-size=1366,900", "--lang=en-US"):
            options.add_argument(arg)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        cls.driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        cls.driver.set_page_load_timeout(WAIT)

    @classmethod
    def make_partner_certificate(cls):
        """The partner's self-signed S/MIME domain certificate, made by openssl as the partner
        would; the test keeps the key to decrypt what arrives at the sink."""
        cls.partner_key, cls.partner_pem = cls.w.file("partner.key"), cls.w.file("partner.pem")
        run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", cls.partner_key,
             "-out", cls.partner_pem, "-days", "365",
             "-subj", f"/CN={PARTNER} domain/emailAddress=domain-cert@{PARTNER}",
             "-addext", "keyUsage=critical,digitalSignature,keyEncipherment",
             "-addext", "extendedKeyUsage=emailProtection",
             "-addext", f"subjectAltName=email:domain-cert@{PARTNER}"])
        cls.partner_sha256 = openssl_fingerprint(cls.partner_pem, "sha256")
        cls.partner_sha1 = openssl_fingerprint(cls.partner_pem, "sha1")

    @classmethod
    def tearDownClass(cls):
        if cls.driver is not None:
            cls.driver.quit()
        if cls.daemon is not None:
            cls.daemon.stop()
        gnupg = cls.w.file("gnupg")
        if os.path.isdir(gnupg):
            subprocess.run(["gpgconf", "--kill", "gpg-agent"], env={**os.environ, "GNUPGHOME": gnupg},
                           capture_output=True)
        if getattr(cls, "sink", None) is not None:
            cls.sink.close()
        cls.w.remove()

    def tearDown(self):
        self.collect_console()

    # --- the browser --------------------------------------------------------------------------

    @property
    def d(self):
        return self.driver

    def wait(self, condition, what):
        try:
            return WebDriverWait(self.d, WAIT, ignored_exceptions=(
                NoSuchElementException, StaleElementReferenceException)).until(
                lambda d: condition(), message=what)
        except Exception:
            self.shot("FAILED")
            raise

    def el(self, test):
        return self.d.find_element(By.CSS_SELECTOR, f'[data-test="{test}"]')

    def els(self, test):
        return self.d.find_elements(By.CSS_SELECTOR, f'[data-test="{test}"]')

    def click(self, test):
        """Clicks the element TEST once it is there, again when a re-render replaced it between
        finding and clicking (a page refreshes itself after an action's notice)."""
        self.wait(lambda: self.el(test).click() is None, f"a click on {test}")

    def shot(self, name):
        WebUi.shot_number += 1
        self.d.save_screenshot(os.path.join(self.screens, f"{WebUi.shot_number:02d}-{name}.png"))

    def page(self, name, hash_prefix=None):
        """Waits until the page NAME (its view, in the location hash_prefix) has loaded."""
        def ready():
            if hash_prefix is not None and not self.d.execute_script(
                    "return location.hash").startswith(hash_prefix):
                return False
            views = self.d.find_elements(By.CSS_SELECTOR, f'.view[data-test="page-{name}"]')
            return views and views[0].get_attribute("data-ready") == "true"
        self.wait(ready, f"page {name} ({hash_prefix or ''})")

    def go(self, route, name=None):
        """Navigates with the menu when route is a menu entry, else through the address bar."""
        name = name or route.split("/")[0]
        links = self.els("nav-" + route)
        if links:
            links[0].click()
        else:
            self.d.execute_script("location.hash = arguments[0]", "#/" + route)
        self.page(name, "#/" + route)

    def notice(self, text):
        self.wait(lambda: text in self.el("notices").text, f"notice '{text}'")

    def error_shown(self):
        self.wait(lambda: self.els("error-message"), "an error message")
        return self.el("error-message").text

    def login(self, user, password):
        self.d.delete_all_cookies()
        self.d.get(self.daemon.base + "/")
        form_user = self.wait(lambda: self.d.find_element(By.NAME, "username"), "the login form")
        if WebUi.shot_number == 0:
            self.shot("login")
        form_user.send_keys(user)
        password_field = self.d.find_element(By.NAME, "password")
        password_field.send_keys(password)
        password_field.send_keys(Keys.ENTER)  # the keyboard submits the form
        self.page("dashboard", "#/dashboard")
        self.assertEqual(self.el("who-user").text, user)

    def collect_console(self):
        """The browser's console since the last call, kept for the check."""
        entries = self.d.get_log("browser") if self.driver is not None else []
        self.console.extend(entries)
        return entries

    def assert_console_clean(self):
        """No CSP violation and no JavaScript error. Refused API calls show as network errors
        ("Failed to load resource: ... 400"): those are the errors the test provoked."""
        self.collect_console()
        bad = [e for e in self.console
               if "Content Security Policy" in e["message"] or "Refused to" in e["message"]
               or (e["level"] == "SEVERE" and e.get("source") != "network")]
        self.console.clear()
        self.assertEqual(bad, [], "console errors")

    # --- the guide, through the UI only ------------------------------------------------------

    def test_1_guide_smime_setup(self):
        self.login("admin", ADMIN_PASSWORD)
        self.assertEqual(self.el("who-role").text, "admin")
        self.assertIn("reachable", self.el("next-hop-state").text)
        self.shot("dashboard")

        # Import the partner's certificate by file upload.
        self.go("certificates")
        self.shot("certificates-empty")
        self.el("cert-file").send_keys(self.partner_pem)
        self.el("cert-import").click()
        self.page("certificates", "#/certificates/")
        sha = self.partner_sha256.lower()
        self.assertIn(sha, self.d.execute_script("return location.hash"))
        self.assertIn("Imported 1 certificate", self.el("notices").text)  # kept across the page change
        # The thumbprints as shown, in groups of four, are openssl's.
        shown = self.el("sha256").text
        self.assertRegex(shown, r"^([0-9A-F]{4} ){15}[0-9A-F]{4}$")
        self.assertEqual(shown.replace(" ", ""), self.partner_sha256)
        self.assertEqual(self.el("sha1").text, grouped(self.partner_sha1))
        self.assertEqual(self.el("usable").text, "not usable")
        self.assertIn(f"domain-cert@{PARTNER}", self.el("emails").text)
        self.shot("certificate-imported")

        # Trust it on the CTL.
        self.el("ctl-trust").click()
        self.notice("Trusted on the CTL")
        self.wait(lambda: self.el("ctl").text == "trusted", "CTL status trusted")
        self.wait(lambda: self.el("usable").text == "usable", "the certificate usable")
        self.assertEqual(self.els("ctl-trust"), [])
        self.shot("certificate-trusted")

        # The partner domain, with the certificate for S/MIME encryption, mandatory.
        self.go("domains")
        self.el("domain-name").send_keys(PARTNER)
        self.el("domain-add").click()
        self.page("domains", "#/domains/" + PARTNER)
        choice = self.el("smime-cert-" + sha)
        label = self.d.find_element(By.CSS_SELECTOR, f'label[for="{choice.get_attribute("id")}"]')
        self.assertIn(grouped(self.partner_sha256), label.text)  # thumbprint and expiry listed
        self.assertIn("expires", label.text)
        self.assertFalse(choice.is_selected())
        choice.click()
        Select(self.el("encrypt-mode")).select_by_value("mandatory")
        self.el("domain-save").click()
        self.notice(f"Saved the settings of {PARTNER}")
        self.wait(lambda: self.el("smime-cert-" + sha).is_selected(), "the certificate chosen")
        self.assertEqual(Select(self.el("encrypt-mode")).first_selected_option.get_attribute("value"),
                         "mandatory")
        self.shot("domain-settings")
        show = self.gw.out("domain", "show", PARTNER)
        self.assertIn("mandatory", show)
        self.assertIn(sha, show.lower().replace(":", ""))
        self.go("domains")
        self.assertIn("mandatory", self.el("domain-" + PARTNER).text)
        self.shot("domains")

        # A test message, found in the mail log as encrypted.
        self.go("test")
        sender, recipient = f"someone@{LOCAL}", f"someone@{PARTNER}"
        self.el("test-from").clear()
        self.el("test-from").send_keys(sender)
        self.el("test-to").send_keys(recipient)
        self.el("test-send").click()
        self.wait(lambda: self.els("test-id"), "the test message's id")
        message_id = self.el("test-id").text
        self.assertTrue(message_id)
        self.shot("test-message")
        self.el("test-maillog").click()
        self.page("maillog", "#/maillog?")
        self.assertEqual(self.el("log-message_id").get_attribute("value"), message_id)

        def logged():
            # The daemon writes its log in batches: reload the filtered page until it is there.
            rows = [r for r in self.d.find_elements(By.CSS_SELECTOR, '[data-test="maillog"] tbody tr')
                    if "encrypted-smime" in r.text]
            if not rows:
                self.d.refresh()
                self.page("maillog", "#/maillog?")
            return rows
        row = self.wait(logged, "the test message in the mail log as encrypted-smime")[0]
        self.assertIn(recipient, row.text)
        self.shot("maillog")
        row.find_element(By.CSS_SELECTOR, '[data-test="log-link"]').click()
        self.page("maillog", "#/maillog/")
        self.assertEqual(self.el("entry-message-id").text, message_id)
        self.assertEqual(self.el("action").text, "encrypted-smime")
        # The node that handled it: serve without [node] name is the host (issue 17).
        self.assertEqual(self.el("entry-node").text, socket.gethostname())
        self.shot("maillog-entry")

        # At the sink: S/MIME, and the partner's key opens it.
        message = self.sink.wait_messages(1)[-1]
        self.assertEqual(message.recipients, [recipient])
        self.assertTrue(harness.header(message.data, "Content-Type").startswith("application/pkcs7-mime"),
                        harness.header(message.data, "Content-Type"))
        self.assertEqual(harness.header(message.data, "Message-ID"), f"<{message_id}>")
        encrypted = self.w.write("arrived.eml", message.data)
        clear = run(["openssl", "cms", "-decrypt", "-in", encrypted, "-inkey", self.partner_key,
                     "-recip", self.partner_pem])
        self.assertIn("test message", clear.lower())
        self.assert_console_clean()

    # --- OpenPGP: Details for PGP key --------------------------------------------------------

    def make_pgp_key(self, uid):
        home = self.w.file("gnupg")
        os.makedirs(home, mode=0o700, exist_ok=True)
        env = {**os.environ, "GNUPGHOME": home}
        gpg = ["gpg", "--batch", "--no-tty", "--pinentry-mode", "loopback", "--passphrase", ""]
        run(gpg + ["--quick-gen-key", uid, "ed25519", "cert,sign", "1y"], env=env)
        listing = run(["gpg", "--with-colons", "--list-keys", uid], env=env)
        fpr = re.search(r"^fpr:+([0-9A-F]{40}):", listing, re.M).group(1)
        run(gpg + ["--quick-add-key", fpr, "cv25519", "encr", "1y"], env=env)
        return fpr, run(["gpg", "--armor", "--export", fpr], env=env)

    def test_2_pgp_details(self):
        domain = "pgp-partner.example"
        fpr, armored = self.make_pgp_key(f"PGP Partner <domain-key@{domain}>")
        self.login("admin", ADMIN_PASSWORD)
        self.go("domains")
        self.el("domain-name").send_keys(domain)
        self.el("domain-name").send_keys(Keys.ENTER)
        self.page("domains", "#/domains/" + domain)

        self.go("pgp")
        self.el("pgp-text").send_keys(armored)
        self.el("pgp-import").click()
        self.page("pgp", "#/pgp/")
        self.assertEqual(self.el("page-title").text, "Details for PGP key")
        self.assertEqual(self.el("fingerprint").text, grouped(fpr))
        self.assertIn(f"domain-key@{domain}", self.el("uids").text)
        self.assertFalse(self.el("pgp-trusted").is_selected())
        self.shot("pgp-details-imported")

        # Trust and domain with the keyboard: space ticks the box, Enter in the field saves.
        self.el("pgp-trusted").send_keys(Keys.SPACE)
        self.assertTrue(self.el("pgp-trusted").is_selected())
        self.el("pgp-domains").send_keys(domain + Keys.ENTER)
        self.notice("Saved")
        # The API's warning is shown: the domain's encrypt-mode is still none (mail goes in clear).
        self.wait(lambda: any(domain in w.text for w in self.els("warning")), "the warning about the domain")
        self.wait(lambda: self.el("pgp-domains").get_attribute("value") == domain, "the domain saved")
        self.wait(lambda: self.el("usable").text == "usable", "the key usable")
        self.shot("pgp-details-saved")

        status, key = self.api.call("GET", f"/pgp/keys/{fpr}")
        self.assertEqual(status, 200, key)
        self.assertEqual(key["domains"], [domain])
        self.assertTrue(key["trusted"])
        self.assertIn(domain, self.gw.out("pgp", "show", fpr))
        self.go("pgp")
        self.assertIn(domain, self.el("pgp-" + fpr.lower()).text)
        self.shot("pgp-keys")
        self.go("domains/" + domain, "domains")
        self.assertIn(grouped(fpr), self.el("pgp-keys").text)
        self.assert_console_clean()

    # --- errors ------------------------------------------------------------------------------

    def test_3_api_error_shown(self):
        garbage = self.w.write("garbage.pem", "this is not a certificate\n")
        status, answer = self.api.call("POST", "/certificates", b"this is not a certificate\n",
                                       "application/x-pem-file")
        self.assertEqual(status, 400, answer)
        before = self.api.call("GET", "/certificates")[1]["certificates"]
        self.login("admin", ADMIN_PASSWORD)
        self.go("certificates")
        self.el("cert-file").send_keys(garbage)
        self.el("cert-import").click()
        self.assertEqual(self.error_shown(), answer["error"]["message"])
        self.assertEqual(self.el("alerts").get_attribute("role"), "alert")
        self.shot("error-garbage-import")
        self.assertEqual(self.api.call("GET", "/certificates")[1]["certificates"], before)

        # A domain name that is none: the API's message again, nothing added.
        self.go("domains")
        self.el("domain-name").send_keys("not a domain")
        self.el("domain-add").click()
        message = self.error_shown()
        self.assertTrue(message)
        self.assertNotIn("not a domain", [d["name"] for d in self.api.call("GET", "/domains")[1]["domains"]])
        self.assert_console_clean()

    def test_3_hostile_subject_is_text(self):
        """A certificate subject is data: shown as the characters it is, never as markup."""
        cert, key = self.w.file("hostile.pem"), self.w.file("hostile.key")
        subject = "<img src=x onerror=window.xss=1><b>bold"
        run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
             "-keyout", key, "-out", cert, "-days", "20",
             "-subj", "/CN=" + subject.replace("=", "\\="),
             "-addext", "subjectAltName=email:x@hostile.example"])
        sha = openssl_fingerprint(cert, "sha256").lower()
        self.gw.cli("cert", "import", cert)
        shown = self.api.call("GET", f"/certificates/{sha}")[1]["subject"]  # RFC 2253: \< \>
        self.assertIn("<img src=x", shown)
        self.login("admin", ADMIN_PASSWORD)
        for route in ("certificates", "certificates/" + sha, "dashboard"):
            self.go(route, route.split("/")[0])
            self.assertIn(shown, self.d.find_element(By.ID, "main").text, route)
            self.assertEqual(self.d.find_elements(By.CSS_SELECTOR, "#main img, #main b"), [], route)
        self.assertIsNone(self.d.execute_script("return window.xss"))
        self.assert_console_clean()
        self.gw.cli("cert", "remove", sha)  # not on the later pages' screenshots

    # --- users, tokens, audit ---------------------------------------------------------------

    def test_4_users_tokens_audit(self):
        self.login("admin", ADMIN_PASSWORD)
        self.go("admins")
        self.assertTrue(self.els("user-admin"))

        # A token is shown once, and works; revoked, it does not.
        self.el("token-name").send_keys("ui-made")
        Select(self.el("token-role")).select_by_value("viewer")
        self.el("token-create").click()
        self.wait(lambda: self.els("new-token"), "the new token")
        token = self.el("new-token").get_attribute("value")
        self.assertGreaterEqual(len(token), 32)
        status, me = self.api.call("GET", "/session", token=token)
        self.assertEqual((status, me["user"], me["role"]), (200, "ui-made", "viewer"))
        self.shot("users-tokens")
        self.el("token-revoke-ui-made").click()
        self.d.switch_to.alert.accept()
        self.notice("Revoked ui-made")
        self.assertEqual(self.els("token-ui-made"), [])
        self.assertEqual(self.api.call("GET", "/session", token=token)[0], 401)

        # A user added and removed.
        self.el("user-name").send_keys("carol")
        self.el("user-password").send_keys("carol's password")
        self.el("user-add").click()
        self.notice("Added the viewer carol")
        self.assertTrue(self.els("user-carol"))
        self.el("user-remove-carol").click()
        self.d.switch_to.alert.accept()
        self.notice("Removed carol")
        self.assertEqual(self.els("user-carol"), [])

        # The audit log names who did what.
        self.go("audit")
        rows = self.d.find_elements(By.CSS_SELECTOR, '[data-test="audit"] tbody tr')
        self.assertTrue(any("user:admin" in r.text for r in rows), [r.text for r in rows])
        # Each change names the node it was made on, in a column of its own.
        heads = [th.text for th in self.d.find_elements(By.CSS_SELECTOR, '[data-test="audit"] thead th')]
        self.assertEqual(heads[:3], ["Time", "Who", "Node"], heads)
        nodes = {r.find_elements(By.TAG_NAME, "td")[2].text for r in rows}
        self.assertEqual(nodes, {socket.gethostname()}, nodes)
        self.shot("audit")

        # Log out: the session ends, the UI sends back to the login page.
        self.el("logout").click()
        self.wait(lambda: self.d.find_elements(By.NAME, "username"), "the login page after logout")
        self.d.get(self.daemon.base + "/ui/")
        self.wait(lambda: self.d.find_elements(By.NAME, "username"), "the login page for /ui/")
        self.assert_console_clean()

    # --- a viewer ----------------------------------------------------------------------------

    def test_5_viewer_changes_nothing(self):
        self.gw.cli("cert", "import", self.partner_pem, check=False)  # there, whichever test ran
        self.gw.cli("domain", "add", "viewed.example")
        self.login("viewer", VIEWER_PASSWORD)
        self.assertEqual(self.el("who-role").text, "viewer")
        self.go("domains")
        self.assertEqual(self.els("domain-add"), [])
        self.go("domains/viewed.example", "domains")
        self.assertEqual(self.els("domain-save"), [])
        self.assertEqual(self.els("domain-delete"), [])
        self.assertFalse(self.el("encrypt-mode").is_enabled())
        self.shot("viewer-domain")
        self.go("certificates")
        self.assertEqual(self.els("cert-import"), [])
        self.go("certificates/" + self.partner_sha256.lower(), "certificates")
        for button in ("ctl-trust", "ctl-block", "ctl-remove", "cert-delete"):
            self.assertEqual(self.els(button), [], button)
        self.assertTrue(self.els("download-pem"))
        self.go("pgp")
        self.assertEqual(self.els("pgp-import"), [])
        self.go("test")
        self.assertEqual(self.els("test-send"), [])
        self.go("admins")
        self.assertTrue(self.els("admins-viewer"))

        # Were a change sent anyway, the API's 403 text is what the viewer reads.
        self.d.execute_async_script("""
            const done = arguments[arguments.length - 1];
            Promise.all([import("/ui/ui.js"), import("/ui/api.js")])
                .then(([ui, api]) => ui.change(() => api.post("/domains", {name: "viewer.example"})))
                .then(() => done());""")
        message = self.error_shown()
        self.assertEqual(self.el("error-code").text.strip(" ()"), "forbidden", message)
        self.shot("viewer-forbidden")
        self.assertNotIn("viewer.example", [d["name"] for d in self.api.call("GET", "/domains")[1]["domains"]])
        self.assert_console_clean()

    # --- the console check sees what it must -------------------------------------------------

    def test_6_csp_in_force(self):
        self.login("admin", ADMIN_PASSWORD)
        self.assert_console_clean()
        self.d.execute_script("""
            const s = document.createElement("script");
            s.textContent = "window.inlineRan = true;";
            document.head.append(s);""")
        self.assertIsNone(self.d.execute_script("return window.inlineRan"))
        self.wait(lambda: self.collect_console() is not None and any(
            "Content Security Policy" in e["message"] for e in self.console), "the CSP violation in the console")
        with self.assertRaises(AssertionError):
            self.assert_console_clean()

    # --- "Do it anyway", a refused test message, the dashboard -------------------------------

    def test_7_force_and_refusal(self):
        cert, key = self.w.file("blocked.pem"), self.w.file("blocked.key")
        run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
             "-days", "20", "-subj", "/CN=blocked.example domain",
             "-addext", "subjectAltName=email:domain-cert@blocked.example"])
        sha = openssl_fingerprint(cert, "sha256").lower()
        self.gw.cli("cert", "import", cert)
        self.gw.cli("ctl", "add", sha, "--block")
        self.login("admin", ADMIN_PASSWORD)

        # Trusting a blocked certificate needs force: the UI offers it, and it is done only then.
        self.go("certificates/" + sha, "certificates")
        self.assertEqual(self.el("ctl").text, "blocked")
        self.el("ctl-trust").click()
        self.error_shown()
        self.assertEqual(self.el("error-code").text.strip(" ()"), "needs_force")
        self.assertEqual(self.api.call("GET", f"/certificates/{sha}")[1]["ctl"], "blocked")
        self.shot("needs-force")
        self.el("force").click()
        self.wait(lambda: self.el("ctl").text == "trusted", "trusted after Do it anyway")
        self.assertEqual(self.api.call("GET", f"/certificates/{sha}")[1]["ctl"], "trusted")

        # A mandatory domain without a certificate: the test message is refused, with the reply.
        self.go("domains")
        self.el("domain-name").send_keys("closed.example")
        self.el("domain-add").click()
        self.page("domains", "#/domains/closed.example")
        Select(self.el("encrypt-mode")).select_by_value("mandatory")
        self.el("domain-save").click()
        self.notice("Saved the settings of closed.example")
        self.go("test")
        self.el("test-to").send_keys("someone@closed.example")
        self.el("test-send").click()
        status, answer = self.api.call("POST", "/test-message", json.dumps(
            {"from": f"someone@{LOCAL}", "to": "someone@closed.example"}).encode(), "application/json")
        self.assertEqual(status, 422, answer)
        message = self.error_shown()
        self.assertIn("5.7.1", message)
        self.assertEqual(self.el("error-code").text.strip(" ()"), answer["error"]["code"])
        self.assertEqual(self.els("test-result"), [])
        self.shot("test-message-refused")

        # The dashboard: the refusal, and the certificate that expires within 30 days.
        def on_dashboard():
            self.d.refresh()
            self.page("dashboard", "#/dashboard")
            return "closed.example" in self.el("refusals").text
        self.go("dashboard")
        self.wait(on_dashboard, "the refusal on the dashboard")
        self.assertIn("blocked.example", self.el("expiring").text)
        self.shot("dashboard")

        # Paging with the cursor: one entry a page, every page a different entry, the newest first.
        for route, table, older in (("maillog", "maillog", "log-older"), ("audit", "audit", "audit-older")):
            expected = [e["id"] for e in self.api.call("GET", f"/{route}?limit=3")[1]["entries"]]
            self.assertEqual(len(expected), 3, route)
            self.go(route + "?limit=1", route)

            def row_id():
                rows = self.d.find_elements(By.CSS_SELECTOR, f'[data-test="{table}"] tbody tr')
                self.assertEqual(len(rows), 1, route)
                return int(rows[0].get_attribute("data-test").split("-", 1)[1])
            seen = [row_id()]
            for _ in range(2):
                self.el(older).click()
                self.wait(lambda: self.d.find_elements(
                    By.CSS_SELECTOR, f'.view[data-ready="true"] [data-test="{table}"] tbody tr') and
                    row_id() != seen[-1], f"the next page of the {route}")
                seen.append(row_id())
            self.assertEqual(seen, expected, route)
        self.assert_console_clean()


    # --- Trust (CTL, roots, CRLs) and our own OpenPGP key -------------------------------------

    def make_ca_and_crl(self):
        """A root CA made by openssl, and its (empty) CRL from `openssl ca -gencrl` as DER."""
        d = self.w.file("ca")
        os.makedirs(d, exist_ok=True)
        key, pem, crl = (os.path.join(d, n) for n in ("ca.key", "ca.pem", "ca.crl"))
        run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", pem,
             "-days", "365", "-subj", "/CN=UI Test Root CA/O=sealgate tests",
             "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
        self.w.write("ca/index.txt", "")
        self.w.write("ca/crlnumber", "01\n")
        config = self.w.write("ca/ca.cnf", "[ca]\ndefault_ca = test_ca\n[test_ca]\n"
                                           f"database = {d}/index.txt\ncrlnumber = {d}/crlnumber\n"
                                           "default_md = sha256\ndefault_crl_days = 30\n")
        run(["openssl", "ca", "-config", config, "-gencrl", "-keyfile", key, "-cert", pem, "-out", crl + ".pem"])
        run(["openssl", "crl", "-in", crl + ".pem", "-outform", "DER", "-out", crl])
        return pem, crl

    def test_8_trust_and_own_pgp_key(self):
        ca_pem, ca_crl = self.make_ca_and_crl()
        ca_sha = openssl_fingerprint(ca_pem, "sha256").lower()
        self.gw.cli("cert", "import", self.partner_pem, check=False)  # there, whichever test ran
        partner = self.partner_sha256.lower()
        advance = "ab" * 32  # trusted in advance: no certificate with this thumbprint is stored
        for sha in (partner, advance):
            status, answer = self.api.call("PUT", f"/ctl/{sha}", json.dumps({"status": "trusted"}).encode(),
                                           "application/json")
            self.assertEqual(status, 200, answer)
        self.login("admin", ADMIN_PASSWORD)

        # Our own OpenPGP key, created on the keys page: its details page shows the API's fingerprint.
        self.go("pgp")
        uid = f"Example <domain-key@{LOCAL}>"
        self.el("own-key-summary").click()
        self.el("own-uid").send_keys(uid)
        Select(self.el("own-algorithm")).select_by_value("ed25519")
        self.el("own-expires").clear()
        self.el("own-expires").send_keys("1y")
        self.shot("pgp-create-own")
        self.el("own-create").click()
        self.page("pgp", "#/pgp/")
        self.notice("Created our OpenPGP key")
        own = [k for k in self.api.call("GET", "/pgp/keys")[1]["keys"] if k["own"] and uid in k["uids"]]
        self.assertEqual(len(own), 1, own)
        self.assertEqual(self.el("fingerprint").text, grouped(own[0]["fingerprint"]))
        self.assertIn(own[0]["fingerprint"], self.d.execute_script("return location.hash"))
        self.shot("pgp-own-key")

        # The Trust page: the CTL with a link to the stored certificate, none for the other.
        self.go("trust")
        self.assertEqual(self.el("page-title").text, "Trust")
        self.assertEqual(self.el("ctl-" + advance).find_elements(By.CSS_SELECTOR, "a"), [])
        self.assertIn(grouped(advance), self.el("ctl-" + advance).text)
        link = self.el("ctl-" + partner).find_element(By.CSS_SELECTOR, '[data-test="ctl-cert-link"]')
        self.assertEqual(link.text, grouped(partner))
        self.assertTrue(link.get_attribute("href").endswith("#/certificates/" + partner))

        # A trust root from a PEM file, a CRL from a DER file.
        self.el("root-file").send_keys(ca_pem)
        self.el("root-add").click()
        self.notice("Added 1 trust root")
        self.wait(lambda: "UI Test Root CA" in self.el("root-" + ca_sha).text, "the root listed")
        self.assertIn("CA", self.el("root-" + ca_sha).text)
        self.assertEqual([r["sha256"] for r in self.api.call("GET", "/roots")[1]["roots"]], [ca_sha])
        self.el("crl-file").send_keys(ca_crl)
        self.el("crl-add").click()
        self.notice("Imported the CRL")
        crls = self.api.call("GET", "/crls")[1]["crls"]
        self.assertEqual(len(crls), 1, crls)
        self.assertIn("UI Test Root CA", crls[0]["issuer"])
        self.wait(lambda: [e.text for e in self.els("crl-issuer")] == [crls[0]["issuer"]], "the CRL's issuer")
        self.assertEqual(self.els("crl-stale"), [])

        # Removing the advance CTL entry asks first, then it is gone; the partner's stays.
        self.el("ctl-remove-" + advance).click()
        self.d.switch_to.alert.accept()
        self.notice("Removed from the CTL")
        self.wait(lambda: not self.els("ctl-" + advance), "the CTL entry gone")
        self.assertEqual([e["sha256"] for e in self.api.call("GET", "/ctl")[1]["entries"]
                          if e["sha256"] == advance], [])
        self.assertTrue(self.els("ctl-" + partner))
        self.shot("trust")
        self.assert_console_clean()

        # A viewer sees the same lists and no button that changes them.
        self.login("viewer", VIEWER_PASSWORD)
        self.go("trust")
        self.assertTrue(self.els("ctl-" + partner) and self.els("root-" + ca_sha) and self.els("crl-issuer"))
        for selector in ('[data-test^="ctl-remove-"]', '[data-test^="root-remove-"]', '[data-test="root-add"]',
                         '[data-test="root-file"]', '[data-test="crl-add"]', '[data-test="crl-file"]'):
            self.assertEqual(self.d.find_elements(By.CSS_SELECTOR, selector), [], selector)
        self.shot("viewer-trust")
        self.go("pgp")
        self.assertEqual(self.els("own-create"), [])
        self.assertEqual(self.els("own-key-summary"), [])

        # The admin removes the root again.
        self.login("admin", ADMIN_PASSWORD)
        self.go("trust")
        self.el("root-remove-" + ca_sha).click()
        self.d.switch_to.alert.accept()
        self.notice("Removed the trust root")
        self.wait(lambda: not self.els("root-" + ca_sha), "the root gone")
        self.assertEqual(self.api.call("GET", "/roots")[1]["roots"], [])
        self.assert_console_clean()

if __name__ == "__main__":
    unittest.main(verbosity=2)
