"""postfix.py — a private, throw-away Postfix instance for the integration test.

Everything lives under one temporary directory: config_directory (main.cf, master.cf),
queue_directory and data_directory. It listens on loopback only, on ports chosen by the test,
so a system Postfix (if any) is untouched. Started and stopped with `postfix -c DIR`; needs root
(the master runs as root and its daemons as mail_owner).

The lines that matter for sealgate are exactly those docs/postfix.md shows: content_filter in
main.cf, and the reinjection listener in master.cf (Postfix FILTER_README, "simple
after-queue content filter" with an SMTP filter).
"""

import os
import pwd
import socket
import subprocess
import time

from harness import WAIT, wait_until

MAIN_CF = """\
# A private Postfix instance for sealgate's end-to-end test.
compatibility_level = 3.6
config_directory = {dir}/etc
queue_directory = {dir}/queue
data_directory = {dir}/data
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
shlib_directory = /usr/lib/postfix
meta_directory = /etc/postfix
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.a.example
mydomain = a.example
myorigin = $mydomain
mydestination =
local_recipient_maps =
alias_maps =
alias_database =
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
smtp_dns_support_level = disabled
smtp_tls_security_level = none
smtpd_tls_security_level = none
maillog_file = {dir}/maillog
maillog_file_prefixes = {dir}
biff = no
# Final delivery: the test's sink stands in for the Internet.
relayhost = [127.0.0.1]:{sink_port}
"""

# After-queue: every message passes the content filter once (FILTER_README).
AFTER_QUEUE_MAIN_CF = """\
content_filter = sealgate:[127.0.0.1]:{filter_port}
"""

AFTER_QUEUE_MASTER_CF = """\
# service type  private unpriv  chroot  wakeup  maxproc command + args
127.0.0.1:{smtp_port} inet n - n - - smtpd
# The transport that hands mail to sealgate: 8-bit bodies as they are (no conversion to
# quoted-printable), and the original client's identity by XFORWARD.
sealgate  unix  -       -       n       -       10      smtp
  -o smtp_send_xforward_command=yes
  -o disable_mime_output_conversion=yes
  -o smtp_generic_maps=
# sealgate reinjects here (FILTER_README): no content filter, no checks twice.
127.0.0.1:{reinject_port} inet n - n - 10 smtpd
  -o content_filter=
  -o receive_override_options=no_unknown_recipient_checks,no_header_body_checks,no_milters
  -o smtpd_helo_restrictions=
  -o smtpd_client_restrictions=
  -o smtpd_sender_restrictions=
  -o smtpd_relay_restrictions=
  -o smtpd_recipient_restrictions=permit_mynetworks,reject
  -o mynetworks=127.0.0.0/8
  -o smtpd_authorized_xforward_hosts=127.0.0.0/8
"""

# Before-queue (SMTPD_PROXY_README): the public smtpd passes every command to sealgate while
# the client waits; sealgate relays to the second smtpd, which queues the message.
BEFORE_QUEUE_MASTER_CF = """\
127.0.0.1:{smtp_port} inet n - n - 20 smtpd
  -o smtpd_proxy_filter=127.0.0.1:{filter_port}
  -o smtpd_client_connection_count_limit=10
127.0.0.1:{reinject_port} inet n - n - - smtpd
  -o smtpd_authorized_xforward_hosts=127.0.0.0/8
  -o smtpd_client_restrictions=
  -o smtpd_helo_restrictions=
  -o smtpd_sender_restrictions=
  -o smtpd_relay_restrictions=
  -o smtpd_recipient_restrictions=permit_mynetworks,reject
  -o smtpd_data_restrictions=
  -o mynetworks=127.0.0.0/8
  -o receive_override_options=no_unknown_recipient_checks
"""

SERVICES_MASTER_CF = """\
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
"""


class Postfix:
    def __init__(self, base: str, smtp_port: int, reinject_port: int, filter_port: int,
                 sink_port: int, before_queue: bool = False):
        self.dir = os.path.join(base, "postfix")
        self.etc = os.path.join(self.dir, "etc")
        self.smtp_port = smtp_port
        self.reinject_port = reinject_port
        self.started = False
        # The daemons run as mail_owner and must reach the queue under the mkdtemp directory.
        os.chmod(base, 0o755)
        for sub in ("etc", "queue", "data"):
            os.makedirs(os.path.join(self.dir, sub))
        os.chmod(self.dir, 0o755)
        os.chown(os.path.join(self.dir, "data"), pwd.getpwnam("postfix").pw_uid, -1)
        with open(os.path.join(self.etc, "main.cf"), "w") as f:
            f.write(MAIN_CF.format(dir=self.dir, sink_port=sink_port))
            if not before_queue:
                f.write(AFTER_QUEUE_MAIN_CF.format(filter_port=filter_port))
        master = BEFORE_QUEUE_MASTER_CF if before_queue else AFTER_QUEUE_MASTER_CF
        with open(os.path.join(self.etc, "master.cf"), "w") as f:
            f.write(master.format(smtp_port=smtp_port, reinject_port=reinject_port,
                                  filter_port=filter_port))
            f.write(SERVICES_MASTER_CF)

    def run(self, *args):
        return subprocess.run(["postfix", "-c", self.etc] + list(args), capture_output=True,
                              text=True, timeout=WAIT * 4)

    def start(self):
        check = self.run("check")
        if check.returncode != 0:
            raise AssertionError(f"postfix check: {check.stderr.strip()}")
        p = self.run("start")
        if p.returncode != 0:
            raise AssertionError(f"postfix start: {p.stderr.strip()} {self.maillog()}")
        self.started = True

    def master_pid(self):
        try:
            with open(os.path.join(self.dir, "queue", "pid", "master.pid")) as f:
                return int(f.read().strip())
        except (FileNotFoundError, ValueError):
            return None

    def stop(self):
        if not self.started:
            return
        pid = self.master_pid()
        self.run("stop")
        self.started = False

        def gone():
            if pid is None:
                return True
            try:
                os.kill(pid, 0)
                return False
            except ProcessLookupError:
                return True

        try:
            wait_until(gone, "the Postfix master to exit")
        except AssertionError:
            self.run("abort")

    def maillog(self) -> str:
        try:
            with open(os.path.join(self.dir, "maillog"), errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""


def ready(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
            return s.recv(3) == b"220"
    except OSError:
        return False


def wait_ready(port: int):
    deadline = time.monotonic() + WAIT
    while not ready(port):
        if time.monotonic() > deadline:
            raise AssertionError(f"Postfix is not answering on port {port}")
        time.sleep(0.1)
