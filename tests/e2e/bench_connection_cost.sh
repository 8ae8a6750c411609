#!/usr/bin/env bash
# bench/connection-cost.sh runs from a checkout: its smallest run, every case through sealgate
# and floor_relay, the library figures, and the ratios printed. No figure is judged here (the
# machine's noise is larger than the targets; bench/RESULTS.md has the measured runs).
# usage: bench_connection_cost.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
out=$(MESSAGES=300 WARMUP=20 ROUNDS=1 bash "$1/bench/connection-cost.sh" "$2")
echo "$out"
fail() { echo "FAIL: $*" >&2; exit 1; }
for row in "pass-through, reused connections | floor_relay" "pass-reused | sealgate" \
    "pass-new | sealgate" "smime-enc | sealgate" "pgp-enc | sealgate" "smime-dec | sealgate" \
    "pgp-dec | sealgate" "pgp-rsa-enc | sealgate" "pgp-rsa-dec | sealgate"; do
    grep -qE "^\| $row \| [0-9]+ \| [0-9]+ \|$" <<< "$out" || fail "no figures for: $row"
done
grep -qE "CMS encrypt RSA-2048 [0-9]+," <<< "$out" || fail "no library figures"
grep -qE "pass-through / floor \(reused\) ([0-9]+\.[0-9]+|nan)" <<< "$out" || fail "no ratios"
echo "OK"
