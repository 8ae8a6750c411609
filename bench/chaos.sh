#!/usr/bin/env bash
# chaos.sh — the long chaos run for the record: tests/e2e/test_chaos.py with more messages,
# more kill -9s of the gateway and more next-hop restarts than the ctest case e2e.chaos.
#
# usage: bench/chaos.sh [BUILD_DIR]        (default: ./build next to bench/)
# environment: CHAOS_MESSAGES (20000), CHAOS_KILLS (12), CHAOS_HOP_RESTARTS (6),
#              CHAOS_CONNECTIONS (10), CHAOS_SEED (10), CHAOS_DRAIN (300 s)
#
# The test starts and stops everything itself (its own temporary directory, ports below the
# ephemeral range); it fails when anything answered 250 is missing at the next hop or any copy
# for a mandatory domain arrived in clear. Output: the machine, the command and the figures
# (JSON) on stdout; the test's own output on stderr.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=${1:-$HERE/../build}
SEALGATE=$(cd "$BUILD" && pwd)/src/app/sealgate
[ -x "$SEALGATE" ] || { echo "no sealgate binary at $SEALGATE (build first)" >&2; exit 1; }

export CHAOS_MESSAGES=${CHAOS_MESSAGES:-20000}
export CHAOS_KILLS=${CHAOS_KILLS:-12}
export CHAOS_HOP_RESTARTS=${CHAOS_HOP_RESTARTS:-6}
export CHAOS_CONNECTIONS=${CHAOS_CONNECTIONS:-10}
export CHAOS_SEED=${CHAOS_SEED:-10}
export CHAOS_DRAIN=${CHAOS_DRAIN:-300}
REPORT=$(mktemp "${TMPDIR:-/tmp}/sealgate-chaos.XXXXXX")
trap 'rm -f "$REPORT"' EXIT
export CHAOS_REPORT=$REPORT

echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "commit: $(git -C "$HERE" rev-parse --short HEAD 2>/dev/null || echo unknown)"
echo "command: CHAOS_MESSAGES=$CHAOS_MESSAGES CHAOS_KILLS=$CHAOS_KILLS CHAOS_HOP_RESTARTS=$CHAOS_HOP_RESTARTS CHAOS_CONNECTIONS=$CHAOS_CONNECTIONS CHAOS_SEED=$CHAOS_SEED bench/chaos.sh"
start=$(date +%s)
status=0
(cd "$HERE/../tests/e2e" &&
    SEALGATE=$SEALGATE PYTHONDONTWRITEBYTECODE=1 python3 -m unittest -v test_chaos.Chaos) || status=$?
echo "wall time of the whole test (setup, load, checks): $(( $(date +%s) - start )) s"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ -s "$REPORT" ]; then cat "$REPORT"; echo; fi
exit $status
