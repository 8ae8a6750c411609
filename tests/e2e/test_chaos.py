"""Chaos run: nothing lost, nothing in clear, while the gateway is killed and the next hop bounces.

docs/architecture.md promises that sealgate answers 250 to the end of DATA only after the next hop
accepted every copy it produced, and that mail for a mandatory domain never reaches the next hop
in clear, "not on a crash, not on a bug". This run holds the daemon to it under load:

  Upstream  plays the upstream MTA (Postfix's smtp client): several connections, each reused for
            many transactions; it keeps every recipient of every message until it got 250 for
            it, and retries on 4xx, a lost connection or no reply, with a bounded backoff
            (Postfix's queue manager, compressed to milliseconds). 5xx is a bounce. A refused
            connection suspends all delivery for a backoff, as Postfix's "delivery temporarily
            suspended" does for a dead destination, instead of failing the whole queue at once.
  Sink      the next hop (harness.Sink in this process, on a fixed port): it records every
            message it accepted, in memory, before it answers; the sink outlives every chaos
            event, so its record is durable for the test.
  Chaos     at seeded points of the run (after a seeded fraction of the messages was accepted)
            the gateway is killed with SIGKILL and restarted on the same port and store, or the
            next hop is stopped (connections refused, sessions cut) and started again. Each
            outage lasts until the upstream has seen a seeded number of failures caused by it.

The mix (seeded): 40% to b.example (mandatory S/MIME, a trusted RSA-2048 partner certificate
made by openssl), 10% to c.example (mandatory OpenPGP, the partner's key), 40% to d.example (no
policy: relayed in clear), 10% to b.example and d.example at once (two copies, one encrypted).
Every message carries a unique Message-ID and a body token.

At the end, once every message is settled (bounded), the figures are checked:
  lost       (message, recipient) answered 250 but never at the sink: must be 0
  plaintext  copies at the sink for a mandatory domain that are not encrypted, or that carry
             the body token: must be 0
  duplicated extra copies at the sink (allowed: SMTP is at-least-once; counted)
A seeded sample of the encrypted copies is decrypted with the partner's key by the independent
tools (`openssl cms -decrypt`, `sq decrypt`) and must give back that message's own entity.

The size of the run comes from the environment (bench/chaos.sh runs the long one):
  CHAOS_MESSAGES (2000), CHAOS_KILLS (3), CHAOS_HOP_RESTARTS (3), CHAOS_CONNECTIONS (8),
  CHAOS_SEED (10), CHAOS_DRAIN (90: seconds that the retries may take once the chaos is over),
  CHAOS_REPORT (a file to write the figures to as JSON).
"""

import base64
import heapq
import json
import os
import random
import re
import subprocess
import sys
import threading
import time
import unittest

from harness import (WAIT, Client, E2ETestCase, crlf, header, make_smime_cert,
                     mandatory_pgp_partner, mandatory_smime_partner, message, stable_port)


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


MESSAGES = env_int("CHAOS_MESSAGES", 2000)
KILLS = env_int("CHAOS_KILLS", 3)
HOP_RESTARTS = env_int("CHAOS_HOP_RESTARTS", 3)
CONNECTIONS = env_int("CHAOS_CONNECTIONS", 8)
SEED = env_int("CHAOS_SEED", 10)
DRAIN = env_int("CHAOS_DRAIN", 90)
REPORT = os.environ.get("CHAOS_REPORT", "")

SENDER = "alice@a.example"
SMIME_DOMAIN, PGP_DOMAIN, PLAIN_DOMAIN = "b.example", "c.example", "d.example"
MANDATORY = (SMIME_DOMAIN, PGP_DOMAIN)
SAMPLE_SMIME, SAMPLE_PGP = 6, 3

# The upstream's retry schedule: 25 ms doubling up to 1 s, at most 80 attempts (about a minute).
RETRY_FIRST, RETRY_MAX, MAX_ATTEMPTS = 0.025, 1.0, 80


def domain_of(address: str) -> str:
    return address.rpartition("@")[2].lower()


class Mail:
    """One message of the run, as the upstream MTA holds it in its queue."""

    def __init__(self, n: int, recipients, data: bytes, token: bytes, inner: bytes):
        self.n = n
        self.message_id = f"chaos-{SEED}-{n:06d}@a.example"
        self.recipients = recipients
        self.data = data
        self.token = token  # in the body only: must never be visible in an encrypted copy
        self.inner = inner  # the entity an encrypted copy must decrypt to
        self.pending = list(recipients)  # not yet answered 250 (nor bounced)
        self.accepted = set()
        self.bounced = {}  # recipient -> the reply
        self.attempts = 0


def make_mails(rng: random.Random):
    mails = []
    for n in range(MESSAGES):
        pick = rng.random()
        bob, dave = f"bob{n % 37}@{SMIME_DOMAIN}", f"dave{n % 41}@{PLAIN_DOMAIN}"
        if pick < 0.4:
            rcpts = [bob]
        elif pick < 0.5:
            rcpts = [f"carol{n % 29}@{PGP_DOMAIN}"]
        elif pick < 0.9:
            rcpts = [dave]
        else:
            rcpts = [bob, dave]
        token = f"body-token-{SEED}-{n:06d}-{rng.getrandbits(32):08x}".encode()
        lines = [token, b"Gr\xfc\xdfe aus K\xf6ln, message %d." % n, b".a line with a dot"]
        for _ in range(rng.randint(3, 40)):
            lines.append(bytes(rng.choice(b"abcdefghijklmnopqrstuvwxyz     ")
                               for _ in range(rng.randint(0, 76))))
        body = crlf(b"\n".join(lines) + b"\n")
        mid = f"chaos-{SEED}-{n:06d}@a.example"
        data = message(SENDER, ", ".join(f"<{r}>" for r in rcpts), f"chaos {n}", body,
                       message_id=mid)
        head = data.partition(b"\r\n\r\n")[0].split(b"\r\n")
        inner = b"".join(l + b"\r\n" for l in head if l.lower().startswith(b"content-"))
        mails.append(Mail(n, rcpts, data, token, inner + b"\r\n" + body))
    return mails


class Upstream:
    """The upstream MTA: CONNECTIONS threads share one queue of messages ordered by the time
    of their next attempt; each thread keeps its SMTP connection for as long as it works."""

    def __init__(self, port: int, mails):
        self.port = port
        self.mails = mails
        self.cond = threading.Condition()
        self.queue = [(0.0, m.n) for m in mails]
        heapq.heapify(self.queue)
        self.unsettled = len(mails)
        self.abort = False
        # Figures, under cond.
        self.accepted_messages = 0  # every recipient answered 250
        self.transactions = 0  # ends of DATA sent
        self.deferrals = 0  # 4xx at any step
        self.connection_failures = 0  # lost or no reply during a transaction
        self.refused = 0  # connection attempts that failed (refused, no greeting)
        self.suspended_until = 0.0  # no delivery before, after refused connections
        self.consecutive_refusals = 0
        self.bounces = 0  # 5xx: recipients
        self.gave_up = 0  # messages past MAX_ATTEMPTS
        self.errors = []  # exceptions in a thread: a bug in this test
        self.threads = [threading.Thread(target=self._run, daemon=True)
                        for _ in range(CONNECTIONS)]

    def start(self):
        for t in self.threads:
            t.start()

    def wait(self, predicate, timeout: float) -> bool:
        with self.cond:
            return self.cond.wait_for(lambda: predicate() or self.unsettled == 0, timeout)

    def join(self, timeout: float):
        deadline = time.monotonic() + timeout
        for t in self.threads:
            t.join(max(0.0, deadline - time.monotonic()))

    def _next(self):
        """The next message due, or None when every one is settled (or the test aborts)."""
        with self.cond:
            while True:
                if self.unsettled == 0 or self.abort:
                    return None
                now = time.monotonic()
                if now < self.suspended_until:
                    self.cond.wait(self.suspended_until - now)
                    continue
                if self.queue and self.queue[0][0] <= now:
                    return self.mails[heapq.heappop(self.queue)[1]]
                # The retry schedule, or another thread's outcome (which may settle the run).
                self.cond.wait(self.queue[0][0] - now if self.queue else None)

    def _settle(self, mail: Mail, deferred: bool = False, connection_failed: bool = False,
                refused: bool = False):
        with self.cond:
            self.deferrals += deferred
            self.connection_failures += connection_failed
            self.refused += refused
            if refused:
                self.consecutive_refusals += 1
                backoff = RETRY_FIRST * 2 ** min(self.consecutive_refusals - 1, 10)
                self.suspended_until = time.monotonic() + min(backoff, RETRY_MAX)
            if not mail.pending:
                self.unsettled -= 1
                self.accepted_messages += not mail.bounced
            else:
                mail.attempts += 1
                if mail.attempts >= MAX_ATTEMPTS:
                    self.gave_up += 1
                    self.unsettled -= 1
                else:
                    delay = min(RETRY_FIRST * 2 ** min(mail.attempts - 1, 10), RETRY_MAX)
                    heapq.heappush(self.queue, (time.monotonic() + delay, mail.n))
            self.cond.notify_all()

    def _run(self):
        client = None
        try:
            while (mail := self._next()) is not None:
                if client is None:
                    try:
                        client = self._connect()
                    except OSError:
                        self._settle(mail, refused=True)
                        continue
                    with self.cond:
                        self.consecutive_refusals = 0
                try:
                    self._settle(mail, deferred=self._transaction(client, mail))
                except OSError:  # reset, closed, or no reply within the timeout
                    client.close()
                    client = None
                    self._settle(mail, connection_failed=True)
            if client is not None:
                try:
                    client.cmd("QUIT")
                except OSError:
                    pass
                client.close()
        except Exception as e:  # a bug in this test: reported, and the run stops
            with self.cond:
                self.errors.append(repr(e))
                self.abort = True
                self.cond.notify_all()

    def _connect(self) -> Client:
        client = Client(self.port)
        try:
            if client.greeting.code != 220:
                raise ConnectionError(f"greeting {client.greeting}")
            ehlo = client.cmd("EHLO upstream.test")
            if ehlo.code != 250:
                raise ConnectionError(f"EHLO {ehlo}")
        except OSError:
            client.close()
            raise
        return client

    def _refused(self, mail: Mail, rcpts, reply) -> bool:
        """Record a refusal of RCPTS; true when it was temporary."""
        if reply.code // 100 == 4:
            return True
        with self.cond:
            for r in rcpts:
                mail.bounced[r] = str(reply)
                mail.pending.remove(r)
                self.bounces += 1
        return False

    def _transaction(self, client: Client, mail: Mail) -> bool:
        """One attempt for the pending recipients of MAIL; true when something was deferred."""
        mail_reply = client.cmd(f"MAIL FROM:<{SENDER}>")
        if mail_reply.code != 250:
            client.cmd("RSET")
            return self._refused(mail, list(mail.pending), mail_reply)
        deferred, taken = False, []
        for r in list(mail.pending):
            reply = client.cmd(f"RCPT TO:<{r}>")
            if reply.code == 250:
                taken.append(r)
            else:
                deferred |= self._refused(mail, [r], reply)
        if not taken:
            client.cmd("RSET")
            return deferred
        go = client.cmd("DATA")
        if go.code != 354:
            client.cmd("RSET")
            return self._refused(mail, taken, go) or deferred
        client.write(Client.stuffed(mail.data))
        with self.cond:
            self.transactions += 1
        final = client.read()
        if final.code == 250:
            with self.cond:
                for r in taken:
                    mail.accepted.add(r)
                    mail.pending.remove(r)
            return deferred
        return self._refused(mail, taken, final) or deferred


def encrypted_as(data: bytes, domain: str) -> bool:
    """The copy's own MIME structure says it is encrypted the way DOMAIN's policy demands."""
    ctype = header(data, "Content-Type").lower()
    if domain == SMIME_DOMAIN:
        return ("application/pkcs7-mime" in ctype
                and re.search(r"smime-type=\"?(enveloped-data|authenveloped-data)", ctype)
                is not None)
    return ("multipart/encrypted" in ctype and "application/pgp-encrypted" in ctype
            and b"-----BEGIN PGP MESSAGE-----" in data)


class Chaos(E2ETestCase):
    def setUp(self):
        self.rng = random.Random(SEED)
        g = self.g = self.gateway("gw")
        g.cli("init")
        g.cli("domain", "add", "a.example", "--local")
        self.crt, self.key, thumb = make_smime_cert(self.w, "partner-b",
                                                    f"domain-cert@{SMIME_DOMAIN}")
        mandatory_smime_partner(g, SMIME_DOMAIN, self.crt, thumb)
        g.cli("domain", "set", SMIME_DOMAIN, "smime-profile", "compat")
        # The sample compares what the peers decrypt with the original entity, byte for byte:
        # without RFC 9788 header protection (this test is about loss and clear text; the
        # signature and header protection formats have their own, tests/e2e/test_signing.py).
        g.cli("domain", "set", SMIME_DOMAIN, "header-protection", "off")
        partner = self.gateway("partner-c")
        partner.cli("init")
        fpr = partner.out("pgp", "create", "--uid", f"c.example domain <domain-cert@{PGP_DOMAIN}>")
        pub, self.pgp_secret = self.w.file("partner-c.pgp"), self.w.file("partner-c-sec.asc")
        partner.cli("pgp", "export", fpr, "-o", pub)
        partner.cli("pgp", "export", fpr, "--secret", "--armor", "-o", self.pgp_secret)
        mandatory_pgp_partner(g, PGP_DOMAIN, pub, fpr)
        g.cli("domain", "set", PGP_DOMAIN, "header-protection", "off")
        self.sink_ = self.sink("next-hop", port=stable_port(), files=False)
        self.port = stable_port()
        g.start(self.sink_.address, port=self.port)

    def test_nothing_lost_nothing_in_clear(self):
        mails = make_mails(self.rng)
        upstream = Upstream(self.port, mails)
        events = ["kill"] * KILLS + ["next-hop"] * HOP_RESTARTS
        self.rng.shuffle(events)
        points = sorted(self.rng.uniform(0.05, 0.85) for _ in events)
        kills = crashes = 0
        started = time.monotonic()
        upstream.start()
        try:
            for event, point in zip(events, points):
                goal = int(point * MESSAGES)
                self.assertTrue(upstream.wait(lambda: upstream.accepted_messages >= goal, DRAIN),
                                f"no progress to {goal} accepted messages: "
                                f"{self.figures(upstream, kills)}")
                # How many failures the outage lasts for (a bound of WAIT in case they are few).
                need = self.rng.randint(1, 2 * CONNECTIONS)
                if event == "kill":
                    crashes += self.g.proc.poll() is not None
                    before = upstream.connection_failures + upstream.refused
                    self.g.kill()
                    kills += 1
                    upstream.wait(lambda: upstream.connection_failures + upstream.refused
                                  >= before + need, WAIT)
                    self.g.start(self.sink_.address, port=self.port)
                else:
                    before = upstream.deferrals
                    self.sink_.stop()
                    upstream.wait(lambda: upstream.deferrals >= before + need, WAIT)
                    self.sink_.start()
            settled = upstream.wait(lambda: False, DRAIN)
            wall = time.monotonic() - started
        finally:
            with upstream.cond:
                upstream.abort = True
                upstream.cond.notify_all()
            upstream.join(WAIT * 2)
        crashes += self.g.proc.poll() is not None
        self.assertEqual(upstream.errors, [])
        self.assertTrue(settled, f"retries not drained in {DRAIN} s: "
                                 f"{self.figures(upstream, kills)}\n{self.g.serve_log()[-3000:]}")
        # Every 250 was given after the sink recorded the copy: nothing to wait for here.
        figures = self.figures(upstream, kills, crashes, wall)
        print(f"\nchaos: {json.dumps(figures)}", file=sys.stderr)
        if REPORT:
            with open(REPORT, "w") as f:
                json.dump(figures, f, indent=1)
        self.assertEqual(figures["lost"], 0, figures["lost_examples"])
        self.assertEqual(figures["plaintext"], 0, figures["plaintext_examples"])
        self.assertEqual(figures["stray"], 0, "copies at the sink for no message of the run")
        self.assertEqual(figures["misrouted"], 0, "copies to recipients the message did not have")
        self.assertEqual(figures["corrupted"], 0, "plain copies whose body changed")
        self.assertEqual(figures["bounced"], 0, "a permanent refusal during the run")
        self.assertEqual(figures["gave_up"], 0, "messages the upstream gave up on")
        self.assertEqual(figures["accepted"], MESSAGES)
        self.assertEqual(figures["delivered"], MESSAGES)
        self.assertEqual(crashes, 0, "the gateway died by itself")
        self.assertEqual((kills, self.sink_.restarts), (KILLS, HOP_RESTARTS))
        self.assertEqual(self.g.stop(), 0, "a clean exit on SIGTERM after the run")
        self.check_sample()

    def figures(self, upstream: Upstream, kills: int, crashes: int = 0, wall: float = 0.0):
        """What the sink holds, against what the upstream was told."""
        by_id = {m.message_id: m for m in upstream.mails}
        seen = {}  # (message id, recipient) -> copies at the sink
        plaintext, stray, misrouted, corrupted = [], 0, 0, 0
        self.copies = {SMIME_DOMAIN: [], PGP_DOMAIN: []}
        at_sink = self.sink_.wait_messages(0)
        for copy in at_sink:
            mail = by_id.get(header(copy.data, "Message-ID").strip("<>"))
            if mail is None:
                stray += 1
                continue
            domains = {domain_of(r) for r in copy.recipients}
            for r in copy.recipients:
                seen[(mail.n, r.lower())] = seen.get((mail.n, r.lower()), 0) + 1
                misrouted += r.lower() not in mail.recipients
            mandatory = [d for d in MANDATORY if d in domains]
            if mandatory:
                if mail.token in copy.data or not encrypted_as(copy.data, mandatory[0]):
                    plaintext.append(f"<{mail.message_id}> to {copy.recipients}")
                elif len(domains) > 1:
                    misrouted += 1  # one copy for two treatments
                else:
                    self.copies[mandatory[0]].append((mail, copy))
            elif copy.data.partition(b"\r\n\r\n")[2] != mail.data.partition(b"\r\n\r\n")[2]:
                corrupted += 1
        lost = [f"<{m.message_id}> to {r}" for m in upstream.mails for r in sorted(m.accepted)
                if seen.get((m.n, r), 0) == 0]
        return {
            "seed": SEED, "messages": MESSAGES, "recipients": sum(len(m.recipients)
                                                                  for m in upstream.mails),
            "connections": CONNECTIONS,
            "accepted": upstream.accepted_messages,
            "delivered": sum(all(seen.get((m.n, r), 0) for r in m.recipients)
                             for m in upstream.mails),
            "copies_at_sink": len(at_sink),
            "duplicated": sum(c - 1 for c in seen.values()),
            "lost": len(lost), "lost_examples": lost[:10],
            "plaintext": len(plaintext), "plaintext_examples": plaintext[:10],
            "stray": stray, "misrouted": misrouted, "corrupted": corrupted,
            "bounced": upstream.bounces, "gave_up": upstream.gave_up,
            "transactions": upstream.transactions, "deferrals": upstream.deferrals,
            "connection_failures": upstream.connection_failures,
            "refused_connections": upstream.refused,
            "kills": kills, "next_hop_restarts": self.sink_.restarts, "crashes": crashes,
            "wall_seconds": round(wall, 1),
        }

    def check_sample(self):
        """A seeded sample of the encrypted copies, decrypted by the independent tools with the
        partner's key, gives back the entity of the message it claims to be."""
        rng = random.Random(SEED + 1)

        def sample(domain, count):
            # In message order: the sink's order of arrival depends on the scheduling.
            pairs = sorted(self.copies[domain], key=lambda p: (p[0].n, p[1].recipients))
            return rng.sample(pairs, min(count, len(pairs)))

        smime, pgp = sample(SMIME_DOMAIN, SAMPLE_SMIME), sample(PGP_DOMAIN, SAMPLE_PGP)
        self.assertTrue(smime and pgp, "both kinds of encrypted copies reached the sink")
        for mail, copy in smime:
            der = base64.b64decode(copy.data.partition(b"\r\n\r\n")[2])
            p = subprocess.run(["openssl", "cms", "-decrypt", "-inform", "DER", "-binary",
                                "-inkey", self.key, "-recip", self.crt], input=der,
                               capture_output=True, timeout=WAIT * 4)
            self.assertEqual(p.returncode, 0, p.stderr.decode(errors="replace"))
            self.assertEqual(p.stdout, mail.inner, f"openssl cms: <{mail.message_id}>")
        for mail, copy in pgp:
            armored = re.search(rb"-----BEGIN PGP MESSAGE-----.*?-----END PGP MESSAGE-----\r\n",
                                copy.data, re.S)
            self.assertIsNotNone(armored, f"<{mail.message_id}>")
            p = subprocess.run(["sq", "decrypt", "--recipient-key", self.pgp_secret],
                               input=armored.group(0), capture_output=True, timeout=WAIT * 4)
            self.assertEqual(p.returncode, 0, p.stderr.decode(errors="replace"))
            self.assertEqual(p.stdout, mail.inner, f"sq decrypt: <{mail.message_id}>")


if __name__ == "__main__":
    unittest.main()
