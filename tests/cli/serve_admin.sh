#!/usr/bin/env bash
# The running gateway as an administrator meets it: `send-test` says "refused" (not "sent")
# when the gateway did not accept the message and exits 1 for a permanent refusal, 75 only for
# a temporary one; a refused inbound message is logged as inbound; the store's -wal and -shm
# files, which hold mail log records, are 0600 like the store.
# The gateway runs on 127.0.0.1:0 with a next hop on which nothing listens.
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"

A() { "$SEALGATE" --store "$W/a.db" "$@"; }
SERVE_PID=
trap '[ -n "$SERVE_PID" ] && kill "$SERVE_PID" 2>/dev/null && wait "$SERVE_PID"; rm -rf "$W"' EXIT
mode_of() { stat -c %a "$1"; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# wait_for WHAT COMMAND...: poll (every 0.1 s, at most 15 s) until the command succeeds.
wait_for() {
    local what=$1; shift
    for _ in $(seq 150); do "$@" && return 0; sleep 0.1; done
    echo "timed out waiting for $what" >&2
    return 1
}

(umask 022 && A init > /dev/null)
A domain add a.example --local > /dev/null
A domain add z.example > /dev/null
A domain set z.example encrypt-mode mandatory > /dev/null   # and no certificate: refused

DOWN=$(free_port)
# Not through A(): $! must be the daemon itself, and it must not hold the results' fd 3.
"$SEALGATE" --store "$W/a.db" serve --listen 127.0.0.1:0 --next-hop "127.0.0.1:$DOWN" \
    > serve.out 2> serve.log 3>&- &
SERVE_PID=$!
wait_for "the gateway to listen" grep -q "listening on" serve.out
PORT=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\),.*/\1/p' serve.out)
expect "serve reports its port" test -n "$PORT"

# --- the files of a store in use ---------------------------------------------------------------
expect "store -wal exists while serving" test -e a.db-wal
expect "store is 0600" test "$(mode_of a.db)" = 600
expect "store -wal is 0600" test "$(mode_of a.db-wal)" = 600
expect "store -shm is 0600" test "$(mode_of a.db-shm)" = 600

# --- send-test: a permanent refusal ------------------------------------------------------------
set +e
A send-test --from alice@a.example --to zed@z.example --server "127.0.0.1:$PORT" --wait 1 > perm.out 2> perm.err
rc=$?
set -e
expect "permanent refusal: exit status 1" test "$rc" -eq 1
expect "permanent refusal: says refused" grep -Eq "^refused <sealgate-test-[^>]+@a\.example> by 127\.0\.0\.1:$PORT: 550 5\.7\.1 .*\(permanent" perm.out
expect "permanent refusal: never says sent" test "$(grep -c '^sent' perm.out)" -eq 0
expect "permanent refusal: one line on stderr" grep -q "^sealgate: the gateway refused the test message: 550" perm.err

# --- send-test: a temporary refusal (the next hop is down) -------------------------------------
set +e
A send-test --from alice@a.example --to bob@plain.example --server "127.0.0.1:$PORT" --wait 1 > temp.out 2> temp.err
rc=$?
set -e
expect "temporary refusal: exit status 75" test "$rc" -eq 75
expect "temporary refusal: says refused" grep -Eq "^refused <sealgate-test-[^>]+> by 127\.0\.0\.1:$PORT: 4[0-9][0-9] .*\(temporary" temp.out
expect "temporary refusal: never says sent" test "$(grep -c '^sent' temp.out)" -eq 0

# --- send-test to a gateway that is not there: temporary too -----------------------------------
set +e
A send-test --from alice@a.example --to bob@plain.example --server "127.0.0.1:$DOWN" --wait 1 > none.out 2> none.err
rc=$?
set -e
expect "no gateway: exit status 75" test "$rc" -eq 75
expect "no gateway: says refused" grep -q "^refused " none.out

# --- a refused inbound message is logged as inbound ---------------------------------------------
# A header line without a colon: 554 5.6.0 at the end of DATA, before any copy is made.
python3 - "$PORT" > smtp.out <<'EOF'
import smtplib, sys
message = (b"From: <mallory@elsewhere.example>\r\nTo: <bob@a.example>\r\n"
           b"Message-ID: <%s@elsewhere.example>\r\nthis line is not a header field\r\n"
           b"Subject: broken\r\n\r\nbody\r\n")
with smtplib.SMTP("127.0.0.1", int(sys.argv[1])) as s:
    for mid, rcpts in (("broken-in", ["bob@a.example"]),
                       ("broken-mixed", ["bob@a.example", "carol@plain.example"])):
        try:
            s.sendmail("mallory@elsewhere.example", rcpts, message % mid.encode())
            print(mid, 250)
        except smtplib.SMTPDataError as e:
            print(mid, e.smtp_code)
EOF
expect "malformed inbound message refused with 554" grep -qx "broken-in 554" smtp.out
expect "malformed mixed message refused with 554" grep -qx "broken-mixed 554" smtp.out
logged() { A log --json --message-id "$1@elsewhere.example" > "$1.json" && test "$(wc -l < "$1.json")" -ge "$2"; }
wait_for "the refusal in the mail log" logged broken-in 1
expect "refused inbound: one record" test "$(wc -l < broken-in.json)" -eq 1
expect "refused inbound: direction inbound" grep -q '"direction":"inbound"' broken-in.json
expect "refused inbound: action rejected" grep -q '"action":"rejected"' broken-in.json
expect "refused inbound: the reason" grep -q 'malformed header line 4' broken-in.json
wait_for "the mixed refusal in the mail log" logged broken-mixed 2
expect "refused mixed: one record per direction" test "$(wc -l < broken-mixed.json)" -eq 2
expect "refused mixed: bob is inbound" grep -q '"direction":"inbound".*"recipients":\["bob@a.example"\]' broken-mixed.json
expect "refused mixed: carol is relayed" grep -q '"direction":"relay".*"recipients":\["carol@plain.example"\]' broken-mixed.json

kill "$SERVE_PID"
wait "$SERVE_PID" || true
SERVE_PID=
finish
