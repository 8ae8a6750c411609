#!/usr/bin/env bash
# relay-cpu.sh — one smtp-source run through `sealgate serve` to smtp-sink, with the CPU each
# process used per message. For A/B comparisons of two binaries or two configurations, run it
# alternately (the machine's noise is larger than most single changes).
#
# usage: bench/relay-cpu.sh STORE_DIR TO LF_MESSAGE [FROM] [MESSAGES]
#   STORE_DIR   a directory kept by `KEEP=1 bench/run-smtp-bench.sh` (its gw.db, sealgate.toml and
#               the messages plain.lf / inbound.lf)
#   TO, FROM    envelope: bob@smime.example (S/MIME encrypt), bob@plain.example (pass),
#               bob@pgp.example (OpenPGP); FROM bob@smime.example TO alice@example.com with
#               inbound.lf (S/MIME decrypt). FROM defaults to alice@example.com.
#   MESSAGES    timed messages (default 12000), after WARMUP (default 1,000) untimed ones.
# environment:  SEALGATE (binary; default ./build/src/app/sealgate), SRCOPT (default -d: reuse
#               connections; empty: a new connection per message), CONFIG (default
#               STORE_DIR/sealgate.toml), PORT (first of two free loopback ports, default 29025),
#               FLOOR (path of build/bench/floor_relay: measure that minimal relay instead of
#               sealgate, same driver, same sink; TO/FROM do not matter to it).
# output: "rate N msg/s; CPU us/msg: sealgate N, sink N, source N; sealgate cores N" (sealgate:
#         serve and its key process; page faults: serve's minor faults)
set -euo pipefail
W=$1 TO=$2 LF=$3 FROM=${4:-alice@example.com} N=${5:-12000}
HERE=$(cd "$(dirname "$0")" && pwd)
SG=${SEALGATE:-$HERE/../build/src/app/sealgate}
SRCOPT=${SRCOPT--d}
CONFIG=${CONFIG:-$W/sealgate.toml}
PORT=${PORT:-29025}
cd "$W"
smtp-sink -u nobody "127.0.0.1:$PORT" 1024 </dev/null >/dev/null 2>&1 &
SINK=$!
if [ -n "${FLOOR:-}" ]; then
    # The floor: bench/floor_relay.cpp, a minimal asio relay, in sealgate's place.
    "$FLOOR" "$((PORT + 1))" "$PORT" > relay-cpu.out 2> relay-cpu.err &
else
    "$SG" --config "$CONFIG" --store "$W/gw.db" serve --listen "127.0.0.1:$((PORT + 1))" \
        --next-hop "127.0.0.1:$PORT" > relay-cpu.out 2> relay-cpu.err &
fi
GW=$!
trap 'kill $GW $SINK 2>/dev/null; wait 2>/dev/null || true' EXIT
for _ in $(seq 600); do grep -q "listening on" relay-cpu.out 2>/dev/null && break; sleep 0.1; done
if ! grep -q "listening on" relay-cpu.out; then
    echo "the relay did not start within 60 s:" >&2
    cat relay-cpu.out relay-cpu.err >&2
    ps -o pid,stat,etime,args --ppid $$ >&2
    exit 1
fi
# A failed run says why (the driver's complaint, the relay's log), instead of ending silently.
failed() { echo "smtp-source failed:" >&2; tail -5 relay-cpu.src >&2; tail -5 relay-cpu.err >&2; exit 1; }
# shellcheck disable=SC2086
smtp-source -s 10 -m "${WARMUP:-1000}" $SRCOPT -f "$FROM" -t "$TO" -F "$LF" "127.0.0.1:$((PORT + 1))" \
    >relay-cpu.src 2>&1 || failed
# The gateway's CPU includes its children: the key process (docs/keys-process.md).
# Minor page faults of serve (the heap given back to the kernel and faulted in again).
minflt() { awk '{print $10}' "/proc/$1/stat"; }
ticks() {
    local t=0 p
    for p in "$1" $(cat /proc/"$1"/task/*/children 2>/dev/null); do
        t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat")))
    done
    echo "$t"
}
g0=$(ticks $GW) k0=$(ticks $SINK) f0=$(minflt $GW) t0=$(date +%s.%N)
# shellcheck disable=SC2086
/usr/bin/time -f "%U %S" -o relay-cpu.time smtp-source -s 10 -m "$N" $SRCOPT -f "$FROM" -t "$TO" \
    -F "$LF" "127.0.0.1:$((PORT + 1))" >relay-cpu.src 2>&1 || failed
t1=$(date +%s.%N) g1=$(ticks $GW) k1=$(ticks $SINK) f1=$(minflt $GW)
read -r su ss < relay-cpu.time
python3 -c "
import os
n, dt, hz = $N, $t1 - $t0, os.sysconf('SC_CLK_TCK')
us = lambda s: s / n * 1e6
print(f'rate {n / dt:.0f} msg/s; CPU us/msg: sealgate {us(($g1 - $g0) / hz):.0f}, '
      f'sink {us(($k1 - $k0) / hz):.0f}, source {us($su + $ss):.0f}; '
      f'sealgate cores {($g1 - $g0) / hz / dt:.2f}; page faults/msg {($f1 - $f0) / n:.1f}')"
