#!/bin/bash
# scripts/fuzz.sh — build the libFuzzer targets (clang 14, ASan+UBSan) and run them one at a
# time, each from its saved corpus, then print a table of executions, wall and CPU seconds,
# rates, corpus size (files in the working corpus) and crashes (the figures in
# bench/RESULTS.md).
#
#   scripts/fuzz.sh [-t SECONDS] [-r RUNS] [-m] [-o TABLE] [TARGET...]
#
#   -t SECONDS  stop each target after this wall time (default 60)
#   -r RUNS     ... or after this many executions, whichever comes first
#   -m          afterwards, merge what each run found into its saved corpus
#               (tests/data/...; -merge=1 keeps only inputs that add coverage)
#   -o TABLE    also write the table to this file (default build-fuzz/fuzz/results.md)
#   TARGET      session reply mime cms openpgp config address hp (default: all that are built)
#
# Runs are `nice -n 19`, one process (no -jobs/-workers): the machine is shared. The working
# corpus and any crash, leak or timeout input go to build-fuzz/fuzz/TARGET/; a crash is
# minimised with -minimize_crash and the minimised input belongs in the saved corpus, where
# ctest replays it in the normal build (sealgate_fuzz_target in cmake/sealgate.cmake).
set -euo pipefail
TIMEFORMAT='%U %S'

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build-fuzz}
seconds=60
runs=0
merge=0
table=
while getopts "t:r:mo:" opt; do
    case $opt in
    t) seconds=$OPTARG ;;
    r) runs=$OPTARG ;;
    m) merge=1 ;;
    o) table=$OPTARG ;;
    *) sed -n '2,20p' "$0" >&2; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
table=${table:-$BUILD/fuzz/results.md}

# target → fuzzer binary (relative to the build) and saved corpus (relative to tests/data).
declare -A BIN=(
    [session]=tests/smtp/smtp_fuzz_session      [reply]=tests/smtp/smtp_fuzz_reply
    [mime]=tests/mime/mime_fuzz_entity           [cms]=tests/crypto/crypto_fuzz_cms
    [openpgp]=tests/openpgp/openpgp_fuzz_message [config]=tests/app/app_fuzz_config
    [address]=tests/address/address_fuzz_address
    [hp]=tests/pipeline/pipeline_fuzz_header_protection
)
declare -A CORPUS=(
    [session]=smtp/session_corpus   [reply]=smtp/reply_corpus  [mime]=mime/corpus
    [cms]=crypto/cms_corpus         [openpgp]=openpgp/message_corpus
    [config]=app/config_corpus      [address]=address/address_corpus
    [hp]=pipeline/hp_corpus
)
ORDER=(session reply mime cms openpgp config address hp)

export CCACHE_BASEDIR=${CCACHE_BASEDIR:-/work} CCACHE_NOHASHDIR=1
[ -f "$BUILD/CMakeCache.txt" ] ||
    CC=clang-14 CXX=clang++-14 cmake -S "$ROOT" -B "$BUILD" -G Ninja \
        -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DSEALGATE_FUZZ=ON \
        -DSEALGATE_BUILD_BENCH=OFF
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    for t in "${ORDER[@]}"; do
        [ -d "$ROOT/tests/data/${CORPUS[$t]}" ] && targets+=("$t")
    done
fi
build_targets=()
for t in "${targets[@]}"; do
    [ -n "${BIN[$t]:-}" ] || { echo "unknown target $t" >&2; exit 2; }
    build_targets+=("$(basename "${BIN[$t]}")")
done
nice cmake --build "$BUILD" -j2 --target "${build_targets[@]}"

rows=()
for t in "${targets[@]}"; do
    bin=$BUILD/${BIN[$t]}
    seeds=$ROOT/tests/data/${CORPUS[$t]}
    work=$BUILD/fuzz/$t
    mkdir -p "$work/corpus"
    before=$(find "$work" -maxdepth 1 -name 'crash-*' -o -maxdepth 1 -name 'leak-*' \
        -o -maxdepth 1 -name 'timeout-*' -o -maxdepth 1 -name 'oom-*' | wc -l)
    # A crash ends a run: go on from the same corpus with what is left of the time and runs
    # (at most 5 restarts, so that a crash found at once does not loop).
    : >"$work/log"
    : >"$work/cpu"
    start=$SECONDS
    execs=0
    for attempt in 1 2 3 4 5 6; do
        left=$((seconds - (SECONDS - start)))
        [ "$left" -gt 0 ] || break
        limits=(-max_total_time="$left")
        [ "$runs" -gt 0 ] && limits+=(-runs="$((runs - execs))")
        echo "== $t: ${limits[*]}" >&2
        status=0
        # The CPU time it got too: at nice 19 on a busy machine that, not the wall time,
        # bounds the executions.
        { time nice -n 19 "$bin" "$work/corpus" "$seeds" "${limits[@]}" -print_final_stats=1 \
            -timeout=30 -artifact_prefix="$work/" >"$work/log.$attempt" 2>&1; } 2>>"$work/cpu" ||
            status=$?
        cat "$work/log.$attempt" >>"$work/log"
        execs=$(awk '/stat::number_of_executed_units/ {s += $2} END {print s + 0}' "$work/log")
        [ "$status" = 0 ] && break
        [ "$runs" -gt 0 ] && [ "$execs" -ge "$runs" ] && break
    done
    elapsed=$((SECONDS - start))
    rate=$((execs / (elapsed > 0 ? elapsed : 1)))
    cpu=$(awk '{s += $1 + $2} END {printf "%d", s}' "$work/cpu")
    after=$(find "$work" -maxdepth 1 -name 'crash-*' -o -maxdepth 1 -name 'leak-*' \
        -o -maxdepth 1 -name 'timeout-*' -o -maxdepth 1 -name 'oom-*' | wc -l)
    size=$(find "$work/corpus" -type f | wc -l)
    rows+=("| $t | $execs | $elapsed | $rate | $cpu | $((execs / (cpu > 0 ? cpu : 1))) | $size | $((after - before)) |")
    if [ "$merge" = 1 ]; then
        # Into the saved corpus, only what adds coverage to it (its files, the regression
        # inputs among them, all stay).
        nice -n 19 "$bin" -merge=1 "$seeds" "$work/corpus" >"$work/merge.log" 2>&1
    fi
done

{
    echo "| target | executions | wall s | exec/s (wall) | CPU s | exec/CPU s | corpus | crashes |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    printf '%s\n' "${rows[@]}"
} | tee "$table"
