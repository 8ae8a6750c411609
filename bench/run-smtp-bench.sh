#!/usr/bin/env bash
# run-smtp-bench.sh — sealgate as an SMTP relay under load, compared with the bare sink.
#
# usage: bench/run-smtp-bench.sh [BUILD_DIR]        (default: ./build next to bench/)
# environment: CONNECTIONS (10), MESSAGES (5000 per run), DURATION (15 s per run),
#              BIG_CONNECTIONS (100), BIG_MESSAGES (200), BIG_SIZE (10485760), HUGE_MB (50),
#              ADMIN_LISTEN (empty; e.g. 127.0.0.1:0: every gateway also runs its admin
#              listener, to measure what that costs the mail)
#
# 1. Postfix's smtp-sink on a free loopback port is the next hop; the driver (smtp_load.py,
#    and Postfix's smtp-source as a second, C client) sending straight to it is the ceiling.
# 2. One `sealgate serve` on a fresh store in a temporary directory relays to the sink; the
#    recipient chooses the treatment:
#      pass       alice@example.com -> bob@plain.example   (no domain policy)
#      smime-enc  alice@example.com -> bob@smime.example   (trusted RSA-2048 cert, mandatory)
#      pgp-enc    alice@example.com -> bob@pgp.example     (trusted Curve25519 key, mandatory)
#      smime-dec  bob@smime.example -> alice@example.com   (pre-encrypted to our RSA-2048 cert)
#      pgp-dec    bob@pgp.example -> alice@example.com     (pre-encrypted to our Curve25519 key)
# 3. A fresh `sealgate serve` (S/MIME encryption) gets BIG_CONNECTIONS connections sending
#    BIG_SIZE messages; its peak RSS is VmHWM from /proc/PID/status.
# 4. A HUGE_MB message through `sealgate encrypt` / `sealgate decrypt` under /usr/bin/time -v.
#
# Everything lives in a mktemp directory that is removed at exit; every process started here
# is stopped by its PID (KEEP=1 keeps the directory for a post-mortem). Output: markdown tables on stdout, progress on stderr.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=${1:-$HERE/../build}
SEALGATE=$(cd "$BUILD" && pwd)/src/app/sealgate
CONNECTIONS=${CONNECTIONS:-10}
MESSAGES=${MESSAGES:-5000}
DURATION=${DURATION:-15}
BIG_CONNECTIONS=${BIG_CONNECTIONS:-100}
BIG_MESSAGES=${BIG_MESSAGES:-200}
BIG_SIZE=${BIG_SIZE:-10485760}
HUGE_MB=${HUGE_MB:-50}
ADMIN_LISTEN=${ADMIN_LISTEN:-}

[ -x "$SEALGATE" ] || { echo "no sealgate binary at $SEALGATE (build first)" >&2; exit 1; }
W=$(mktemp -d "${TMPDIR:-/tmp}/sealgate-smtp-bench.XXXXXX")
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
    if [ -n "${KEEP:-}" ]; then echo "kept $W" >&2; else rm -rf "$W"; fi
}
trap cleanup EXIT
cd "$W"

say() { echo "== $*" >&2; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
wait_port() {
    for _ in $(seq 100); do
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
        sleep 0.1
    done
    echo "nothing listens on port $1" >&2
    return 1
}
gen_message() {  # SIZE FROM TO FILE: a CRLF message made by the driver's own generator
    python3 -c "import sys; sys.path.insert(0, '$HERE'); import smtp_load
open('$4', 'wb').write(smtp_load.generated_message($1, '$2', '$3'))"
}
drive() {  # PORT FROM TO [driver options...]: one JSON line
    local port=$1 from=$2 to=$3
    shift 3
    python3 "$HERE/smtp_load.py" --server "127.0.0.1:$port" --from "$from" --to "$to" \
        --connections "$CONNECTIONS" --messages "$MESSAGES" --duration "$DURATION" --json "$@" || true
}
source_rate() {  # PORT FROM TO LF_FILE: msg/s of smtp-source (-d: reused connections)
    local n=$((MESSAGES < 3000 ? MESSAGES : 3000)) t0 t1
    t0=$(date +%s.%N)
    smtp-source -s "$CONNECTIONS" -m "$n" -d -f "$2" -t "$3" -F "$4" "127.0.0.1:$1" >/dev/null 2>&1 ||
        { echo "failed"; return; }
    t1=$(date +%s.%N)
    python3 -c "print(round($n / ($t1 - $t0), 1))"
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }  # utime + stime of a PID
per_msg_us() {  # TICKS_BEFORE TICKS_AFTER: CPU microseconds per smtp-source message
    python3 -c "import os, sys; n = min($MESSAGES, 3000); t = (int(sys.argv[2]) - int(sys.argv[1])) / os.sysconf('SC_CLK_TCK'); print(round(t / n * 1e6))" "$1" "$2"
}
field() { python3 -c "import json, sys; print(json.loads(sys.argv[1])['$2'])" "$1"; }

# --- The sink.
SINK=$(free_port)
smtp-sink -u nobody "127.0.0.1:$SINK" 1024 </dev/null >/dev/null 2>&1 &
SINK_PID=$!
PIDS+=("$SINK_PID")
wait_port "$SINK"

# --- The gateway's store (S) and a partner gateway's store (P) that makes inbound mail.
cat > sealgate.toml <<TOML
[store]
path = "$W/gw.db"
[smtp]
relay_starttls = false
max_connections = 400
max_message_size = 104857600
TOML
S() { "$SEALGATE" --config "$W/sealgate.toml" --store "$W/gw.db" "$@"; }
P() { "$SEALGATE" --store "$W/partner.db" "$@"; }
say "setting up the stores"
S init >/dev/null
P init >/dev/null
S domain add example.com --local >/dev/null
OURS=$(S cert create --email domain-cert@example.com --key rsa2048 --days 30)

# S/MIME partner: an RSA-2048 certificate made by openssl, trusted on the CTL, mandatory.
openssl req -x509 -newkey rsa:2048 -nodes -keyout smime.key -out smime.crt -days 30 \
    -subj "/CN=smime.example domain" -addext "keyUsage=critical,digitalSignature,keyEncipherment" \
    -addext "extendedKeyUsage=emailProtection" -addext "subjectAltName=email:domain-cert@smime.example" 2>/dev/null
S cert import smime.crt >/dev/null
PARTNER=$(openssl x509 -in smime.crt -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr A-F a-f)
S ctl add "$PARTNER" --trust >/dev/null
S domain add smime.example >/dev/null
S domain set smime.example smime-cert "$PARTNER" >/dev/null
S domain set smime.example method smime >/dev/null
S domain set smime.example encrypt-mode mandatory >/dev/null
# The encrypt cases measure encryption alone (a new domain also signs: docs/signing.md; signing
# is measured on its own in bench/RESULTS.md).
S domain set smime.example sign none >/dev/null

# An OpenPGP domain key made in one store and given to the other, which encrypts to it:
# pgp_key FROM TO DOMAIN "USER ID" ALGO NAME (FROM and TO are S or P; NAME.out, NAME.asc; DOMAIN
# must exist in TO).
pgp_key() {
    local from=$1 to=$2 domain=$3 uid=$4 algo=$5 name=$6 fpr
    "$from" pgp create --uid "$uid" --algo "$algo" --expires never > "$name.out"
    fpr=$(grep -oE '[0-9a-f]{40}' "$name.out" | head -1)
    "$from" pgp export "$fpr" --armor -o "$name.asc"
    "$to" pgp import "$name.asc" >/dev/null
    "$to" pgp trust "$fpr" >/dev/null
    "$to" pgp add-domain "$fpr" "$domain" >/dev/null
    "$to" domain set "$domain" method pgp >/dev/null
}
# An outbound OpenPGP partner of S, mandatory, unsigned: its key made in P.
pgp_partner() {  # DOMAIN "USER ID" ALGO NAME
    S domain add "$1" >/dev/null
    pgp_key P S "$@"
    S domain set "$1" encrypt-mode mandatory >/dev/null
    S domain set "$1" sign none >/dev/null
}

# OpenPGP partner: a Curve25519 key made in P, imported into S, trusted, bound, mandatory.
pgp_partner pgp.example "PGP partner <domain-cert@pgp.example>" ed25519 pgp

# Inbound: P encrypts to our certificate (compat profile, as gpgsm/Thunderbird peers would).
S cert export "$OURS" -o ours.pem
P cert import ours.pem >/dev/null
P ctl add "$OURS" --trust >/dev/null
P domain add example.com >/dev/null
P domain set example.com smime-cert "$OURS" >/dev/null
P domain set example.com encrypt-mode mandatory >/dev/null

gen_message 10240 alice@example.com bob@plain.example plain.eml
gen_message 10240 bob@smime.example alice@example.com inbound-plain.eml
P encrypt --from bob@smime.example --to alice@example.com < inbound-plain.eml > inbound.eml
grep -q "smime-type=enveloped-data" inbound.eml || { echo "inbound message not encrypted" >&2; exit 1; }
# Inbound OpenPGP: our own Curve25519 key, which P then encrypts to (method pgp from now on).
pgp_key S P example.com "example.com domain <domain-cert@example.com>" ed25519 ours-pgp
gen_message 10240 bob@pgp.example alice@example.com inbound-pgp-plain.eml
P encrypt --from bob@pgp.example --to alice@example.com < inbound-pgp-plain.eml > inbound-pgp.eml
grep -q "application/pgp-encrypted" inbound-pgp.eml || { echo "inbound OpenPGP message not encrypted" >&2; exit 1; }
# RSA-3072 OpenPGP (bench/connection-cost.sh): an outbound partner rsa.example whose key P
# makes, and inbound mail to a second local domain, example.net, whose RSA key P encrypts to.
pgp_partner rsa.example "RSA partner <domain-cert@rsa.example>" rsa3072 pgp-rsa
S domain add example.net --local >/dev/null
P domain add example.net >/dev/null
pgp_key S P example.net "example.net domain <domain-cert@example.net>" rsa3072 ours-pgp-rsa
P domain set example.net encrypt-mode mandatory >/dev/null
gen_message 10240 bob@rsa.example alice@example.net inbound-pgp-rsa-plain.eml
P encrypt --from bob@rsa.example --to alice@example.net < inbound-pgp-rsa-plain.eml > inbound-pgp-rsa.eml
grep -q "application/pgp-encrypted" inbound-pgp-rsa.eml || { echo "inbound RSA OpenPGP message not encrypted" >&2; exit 1; }
tr -d '\r' < inbound-pgp-rsa.eml > inbound-pgp-rsa.lf
tr -d '\r' < plain.eml > plain.lf
tr -d '\r' < inbound.eml > inbound.lf
tr -d '\r' < inbound-pgp.eml > inbound-pgp.lf

# --- Ceiling.
say "ceiling: driver -> smtp-sink (load $(load))"
CEIL=$(drive "$SINK" alice@example.com bob@plain.example --message plain.eml)
k0=$(cpu_ticks "$SINK_PID")
CEIL_SRC=$(source_rate "$SINK" alice@example.com bob@plain.example plain.lf)
CEIL_SINK_CPU=$(per_msg_us "$k0" "$(cpu_ticks "$SINK_PID")")

# --- The gateway.
start_gateway() {  # prints the PID; the port goes to gw.port
    # The binary itself, not the S function: $! must be sealgate's PID (its VmHWM), not a
    # subshell's.
    "$SEALGATE" --config "$W/sealgate.toml" --store "$W/gw.db" serve --listen 127.0.0.1:0 \
        --next-hop "127.0.0.1:$SINK" ${ADMIN_LISTEN:+--admin-listen "$ADMIN_LISTEN"} \
        > serve.out 2> serve.err &
    local pid=$!
    for _ in $(seq 100); do
        grep -q "listening on" serve.out 2>/dev/null && break
        sleep 0.1
    done
    sed -n 's/.*listening on 127.0.0.1:\([0-9]*\),.*/\1/p' serve.out > gw.port
    [ -s gw.port ] || { cat serve.err >&2; exit 1; }
    echo "$pid"
}
GW_PID=$(start_gateway)
PIDS+=("$GW_PID")
GW=$(cat gw.port)

declare -A FROM=([pass]=alice@example.com [smime-enc]=alice@example.com [pgp-enc]=alice@example.com [smime-dec]=bob@smime.example [pgp-dec]=bob@pgp.example)
declare -A TO=([pass]=bob@plain.example [smime-enc]=bob@smime.example [pgp-enc]=bob@pgp.example [smime-dec]=alice@example.com [pgp-dec]=alice@example.com)
declare -A MSG=([pass]=plain.eml [smime-enc]=plain.eml [pgp-enc]=plain.eml [smime-dec]=inbound.eml [pgp-dec]=inbound-pgp.eml)
declare -A LF=([pass]=plain.lf [smime-enc]=plain.lf [pgp-enc]=plain.lf [smime-dec]=inbound.lf [pgp-dec]=inbound-pgp.lf)
declare -A RESULT SRC_RESULT LOGLINE LOADS GW_CPU SINK_CPU
for s in pass smime-enc pgp-enc smime-dec pgp-dec; do
    say "$s (load $(load))"
    LOADS[$s]=$(load)
    RESULT[$s]=$(drive "$GW" "${FROM[$s]}" "${TO[$s]}" --message "${MSG[$s]}")
    g0=$(cpu_ticks "$GW_PID"); k0=$(cpu_ticks "$SINK_PID")
    SRC_RESULT[$s]=$(source_rate "$GW" "${FROM[$s]}" "${TO[$s]}" "${LF[$s]}")
    g1=$(cpu_ticks "$GW_PID"); k1=$(cpu_ticks "$SINK_PID")
    GW_CPU[$s]=$(per_msg_us "$g0" "$g1"); SINK_CPU[$s]=$(per_msg_us "$k0" "$k1")
    LOGLINE[$s]=$(S log --last 1 | sed 's/^[^ ]* [^ ]* [^ ]* //' | cut -c1-110)
done
GW_HWM=$(awk '/VmHWM/ {print $2, $3}' "/proc/$GW_PID/status")
kill "$GW_PID"; wait "$GW_PID" 2>/dev/null || true

ratio() { python3 -c "import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); print(f'{a / b:.0%}' if b else '-')" "$1" "$2"; }
echo
echo "Load average at the start: $(load | cut -d' ' -f1-3) (ceiling runs: see each row)"
echo
echo "| run | driver msg/s | ratio to ceiling | p50 ms | p99 ms | failed | smtp-source msg/s | ratio | sealgate CPU µs/msg | sink CPU µs/msg | load avg | what the gateway did (last log record) |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |"
echo "| driver -> smtp-sink (ceiling) | $(field "$CEIL" msg_per_s) | 100% | $(field "$CEIL" p50_ms) | $(field "$CEIL" p99_ms) | $(field "$CEIL" failed) | $CEIL_SRC | 100% | — | $CEIL_SINK_CPU | | |"
for s in pass smime-enc pgp-enc smime-dec pgp-dec; do
    r=${RESULT[$s]}
    echo "| $s | $(field "$r" msg_per_s) | $(ratio "$(field "$r" msg_per_s)" "$(field "$CEIL" msg_per_s)") | $(field "$r" p50_ms) | $(field "$r" p99_ms) | $(field "$r" failed) | ${SRC_RESULT[$s]} | $(ratio "${SRC_RESULT[$s]}" "$CEIL_SRC") | ${GW_CPU[$s]} | ${SINK_CPU[$s]} | ${LOADS[$s]} | ${LOGLINE[$s]} |"
done
echo
echo "sealgate serve VmHWM after the 10 KB runs: $GW_HWM"

# --- Peak RSS with many connections sending big messages (S/MIME encryption).
say "peak RSS: $BIG_CONNECTIONS connections x $BIG_SIZE bytes, $BIG_MESSAGES messages (load $(load))"
GW_PID=$(start_gateway)
PIDS+=("$GW_PID")
GW=$(cat gw.port)
BIG=$(CONNECTIONS=$BIG_CONNECTIONS MESSAGES=$BIG_MESSAGES DURATION=600 \
    drive "$GW" alice@example.com bob@smime.example --size "$BIG_SIZE")
BIG_HWM=$(awk '/VmHWM/ {print $2}' "/proc/$GW_PID/status")
kill "$GW_PID"; wait "$GW_PID" 2>/dev/null || true
echo
echo "| peak RSS run | accepted | failed | msg/s | p50 ms | p99 ms | VmHWM | VmHWM / (connections x size) |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
echo "| $BIG_CONNECTIONS conn x $((BIG_SIZE / 1048576)) MB, S/MIME encrypt | $(field "$BIG" accepted) | $(field "$BIG" failed) | $(field "$BIG" msg_per_s) | $(field "$BIG" p50_ms) | $(field "$BIG" p99_ms) | $((BIG_HWM / 1024)) MB | $(python3 -c "print(f'{$BIG_HWM * 1024 / ($BIG_CONNECTIONS * $BIG_SIZE):.2f}')")x |"
FAILS=$(field "$BIG" failures)
[ "$FAILS" = "{}" ] || echo "failures: $FAILS"

# --- One huge message through the offline filters.
say "$HUGE_MB MB through sealgate encrypt / decrypt (load $(load))"
gen_message $((HUGE_MB * 1048576)) alice@example.com bob@smime.example huge.eml
SIZE=$(stat -c %s huge.eml)
/usr/bin/time -v "$SEALGATE" --store "$W/gw.db" encrypt --from alice@example.com --to bob@smime.example \
    < huge.eml > huge.enc 2> time-enc.txt
gen_message $((HUGE_MB * 1048576)) bob@smime.example alice@example.com huge-in.eml
P encrypt --from bob@smime.example --to alice@example.com < huge-in.eml > huge-in.enc
# The encrypted form is ~1.37x larger and may exceed max_message_size: report, do not stop.
/usr/bin/time -v "$SEALGATE" --store "$W/gw.db" decrypt --to alice@example.com \
    < huge-in.enc > huge-in.dec 2> time-dec.txt ||
    echo "sealgate decrypt of $(stat -c %s huge-in.enc) bytes failed: $(grep '^sealgate:' time-dec.txt)"
rss() { awk -F': ' '/Maximum resident set size/ {print $2}' "$1"; }
wall() { awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$1"; }
echo
echo "| $HUGE_MB MB message ($SIZE bytes) | output bytes | max RSS | RSS / input | wall |"
echo "| --- | ---: | ---: | ---: | --- |"
echo "| sealgate encrypt (S/MIME, RSA-2048) | $(stat -c %s huge.enc) | $(( $(rss time-enc.txt) / 1024 )) MB | $(python3 -c "print(f'{$(rss time-enc.txt) * 1024 / $SIZE:.2f}')")x | $(wall time-enc.txt) |"
echo "| sealgate decrypt (S/MIME, RSA-2048) | $(stat -c %s huge-in.dec) | $(( $(rss time-dec.txt) / 1024 )) MB | $(python3 -c "print(f'{$(rss time-dec.txt) * 1024 / $(stat -c %s huge-in.enc):.2f}')")x of its input | $(wall time-dec.txt) |"
say "done (load $(load))"
