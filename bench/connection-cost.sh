#!/usr/bin/env bash
# connection-cost.sh — the figures of the connection-cost issue in one run: sealgate's CPU per
# message on reused and on new connections, against the floor (bench/floor_relay.cpp, a minimal
# asio relay) and against the libraries' own cost (bench_smime, bench_openpgp), as ratios.
#
# usage: bench/connection-cost.sh [BUILD_DIR] [BASE_SEALGATE]
#   BUILD_DIR       default ./build next to bench/ (needs src/app/sealgate, bench/floor_relay,
#                   bench/bench_smime, bench/bench_openpgp)
#   BASE_SEALGATE   optional: an older sealgate binary, run alternately with the new one on the
#                   same store, for before/after figures
# environment: MESSAGES (timed messages per run, default 6000; WARMUP untimed ones before, default
#              1000), ROUNDS (default 3; each case is
#              run ROUNDS times, alternating binaries, and the lowest CPU per message is kept:
#              on a shared machine the noise only ever adds).
#
# The store and the messages come from bench/run-smtp-bench.sh (KEEP=1, its short settings);
# each run is bench/relay-cpu.sh: smtp-source -s 10 -> relay -> smtp-sink, 10 KB messages.
# Output: markdown on stdout, progress on stderr.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=$(cd "${1:-$HERE/../build}" && pwd)
BASE=${2:-}
N=${MESSAGES:-6000}
ROUNDS=${ROUNDS:-3}
NEW=$BUILD/src/app/sealgate
FLOOR_BIN=$BUILD/bench/floor_relay
for f in "$NEW" "$FLOOR_BIN" "$BUILD/bench/bench_smime" "$BUILD/bench/bench_openpgp"; do
    [ -x "$f" ] || { echo "missing $f (build first)" >&2; exit 1; }
done
say() { echo "== $*" >&2; }

say "store and messages (bench/run-smtp-bench.sh, short)"
OUT=$(DURATION=1 MESSAGES=200 BIG_CONNECTIONS=2 BIG_MESSAGES=2 BIG_SIZE=10000 HUGE_MB=1 KEEP=1 \
    bash "$HERE/run-smtp-bench.sh" "$BUILD" 2>&1 >/dev/null)
W=$(echo "$OUT" | sed -n 's/^kept //p' | tail -1)
[ -d "$W" ] || { echo "$OUT" >&2; exit 1; }
trap 'rm -rf "$W"' EXIT

# case name -> "TO LF FROM SRCOPT"
declare -A CASE=(
    [pass-reused]="bob@plain.example plain.lf alice@example.com -d"
    [pass-new]="bob@plain.example plain.lf alice@example.com new"
    [smime-enc]="bob@smime.example plain.lf alice@example.com -d"
    [pgp-enc]="bob@pgp.example plain.lf alice@example.com -d"
    [smime-dec]="alice@example.com inbound.lf bob@smime.example -d"
    [pgp-dec]="alice@example.com inbound-pgp.lf bob@pgp.example -d"
    [pgp-rsa-enc]="bob@rsa.example plain.lf alice@example.com -d"
    [pgp-rsa-dec]="alice@example.net inbound-pgp-rsa.lf bob@rsa.example -d"
)
ORDER=(pass-reused pass-new smime-enc pgp-enc smime-dec pgp-dec pgp-rsa-enc pgp-rsa-dec)
declare -A BEST RATE

run() {  # binary-label case -> "cpu rate"
    local label=$1 c=$2 to lf from opt
    read -r to lf from opt <<< "${CASE[$c]}"
    [ "$opt" = new ] && opt=""
    local env=(SRCOPT="$opt")
    case $label in
        new) env+=(SEALGATE="$NEW") ;;
        base) env+=(SEALGATE="$BASE") ;;
        floor) env+=(FLOOR="$FLOOR_BIN") ;;
    esac
    # RSA-3072 OpenPGP decryption runs at ~50 msg/s a core: a tenth of the messages.
    local n=$N
    if [ "$c" = pgp-rsa-dec ]; then
        n=$((N / 10 > 50 ? N / 10 : 50))
        env+=(WARMUP=$(((${WARMUP:-1000} + 9) / 10)))
    fi
    env "${env[@]}" bash "$HERE/relay-cpu.sh" "$W" "$to" "$W/$lf" "$from" "$n" |
        sed -E 's/^rate ([0-9]+) msg\/s; CPU us\/msg: sealgate ([0-9]+),.*/\2 \1/'
}
keep() {  # label case
    local r cpu rate key="$1/$2"
    r=$(run "$1" "$2")
    read -r cpu rate <<< "$r"
    say "$key: $cpu µs/msg, $rate msg/s (load $(cut -d' ' -f1 /proc/loadavg))"
    if [ -z "${BEST[$key]:-}" ] || [ "$cpu" -lt "${BEST[$key]}" ]; then
        BEST[$key]=$cpu
        RATE[$key]=$rate
    fi
}

labels=(new)
[ -n "$BASE" ] && labels=(base new)
for round in $(seq "$ROUNDS"); do
    say "round $round"
    keep floor pass-reused
    keep floor pass-new
    for c in "${ORDER[@]}"; do
        for l in "${labels[@]}"; do keep "$l" "$c"; done
    done
done

say "libraries (bench_smime, bench_openpgp)"
lib_us() {  # binary filter -> CPU µs of the first match
    "$1" --benchmark_filter="$2" --benchmark_repetitions=3 --benchmark_report_aggregates_only \
        --benchmark_format=csv 2>/dev/null |
        awk -F, '{gsub(/"/, "")} $1 ~ /_mean$/ {
            f = ($5 == "ns") ? 0.001 : ($5 == "ms") ? 1000 : 1; printf "%.0f\n", $4 * f; exit}'
}
CMS=$(lib_us "$BUILD/bench/bench_smime" '^BM_cms_encrypt/alg:0/modern:0/bytes:10240$')
CMSDEC=$(lib_us "$BUILD/bench/bench_smime" '^BM_cms_parse_decrypt/alg:0/modern:0/bytes:10240$')
PGPENC=$(lib_us "$BUILD/bench/bench_openpgp" '^BM_pgp_encrypt/alg:0/bytes:10240$')
PGPDEC=$(lib_us "$BUILD/bench/bench_openpgp" '^BM_pgp_decrypt/alg:0/bytes:10240$')
PGPCHK=$(lib_us "$BUILD/bench/bench_openpgp" '^BM_pgp_decrypt_and_check/10240$')
RSAENC=$(lib_us "$BUILD/bench/bench_openpgp" '^BM_pgp_encrypt/alg:1/bytes:10240$')
RSADEC=$(lib_us "$BUILD/bench/bench_openpgp" '^BM_pgp_decrypt/alg:1/bytes:10240$')

py() { python3 -c "$1"; }
echo "Machine: $(nproc) cores, load at the end $(cut -d' ' -f1-3 /proc/loadavg); $N messages per run,"
echo "the lowest CPU of $ROUNDS runs per row; 10 KB messages, smtp-source -s 10 -> relay -> smtp-sink."
echo
echo "| case | relay | CPU µs/msg | msg/s |"
echo "| --- | --- | ---: | ---: |"
echo "| pass-through, reused connections | floor_relay | ${BEST[floor/pass-reused]} | ${RATE[floor/pass-reused]} |"
echo "| pass-through, a new connection per message | floor_relay | ${BEST[floor/pass-new]} | ${RATE[floor/pass-new]} |"
for c in "${ORDER[@]}"; do
    for l in "${labels[@]}"; do
        name=$l; [ "$l" = new ] && name="sealgate"; [ "$l" = base ] && name="sealgate (before)"
        echo "| $c | $name | ${BEST[$l/$c]} | ${RATE[$l/$c]} |"
    done
done
echo
echo "Libraries, CPU µs per 10 KB message (mean of 3): CMS encrypt RSA-2048 $CMS, CMS decrypt $CMSDEC;"
echo "OpenPGP Curve25519 encrypt (Encryptor loaded once) $PGPENC, decrypt (Decryptor reused) $PGPDEC,"
echo "decrypt and check a signature $PGPCHK; RSA-3072 encrypt (loaded once) $RSAENC, decrypt (reused) $RSADEC."
echo
for l in "${labels[@]}"; do
    b() { echo "${BEST[$l/$1]}"; }
    py "
pr, pn, se, pe, sd, pd = $(b pass-reused), $(b pass-new), $(b smime-enc), $(b pgp-enc), $(b smime-dec), $(b pgp-dec)
re, rd = $(b pgp-rsa-enc), $(b pgp-rsa-dec)
rsaenc, rsadec = $RSAENC, $RSADEC
fr, fn = ${BEST[floor/pass-reused]}, ${BEST[floor/pass-new]}
cms, pgpenc, pgpdec = $CMS, $PGPENC, $PGPDEC
who = 'sealgate' if '$l' == 'new' else 'sealgate (before)'
r = lambda a, b: a / b if b else float('nan')  # a run too short to register CPU: nan
print(f'{who}: pass-through / floor (reused) {r(pr, fr):.2f} (target <= 1.2); new connection / reused:'
      f' sealgate {r(pn, pr):.2f}, floor {r(fn, fr):.2f}; S/MIME encrypt / (pass + raw CMS)'
      f' {r(se, pr + cms):.2f} (target <= 1.2); OpenPGP encrypt: {pe} µs against pass + 1.3 x'
      f' loaded-once {pr + 1.3 * pgpenc:.0f} µs ({r(pe - pr, pgpenc):.2f} x the library); OpenPGP'
      f' decrypt: {pd - pr:.0f} µs over pass, {r(pd - pr, pgpdec):.2f} x the reused Decryptor;'
      f' S/MIME decrypt: {sd - pr:.0f} µs over pass. RSA-3072 OpenPGP: encrypt {re} µs against'
      f' pass + 1.3 x loaded-once {pr + 1.3 * rsaenc:.0f} µs ({r(re - pr, rsaenc):.2f} x the library);'
      f' decrypt + check {rd - pr:.0f} µs over pass, {r(rd - pr, rsadec):.2f} x the reused Decryptor.')
"
    echo
done
