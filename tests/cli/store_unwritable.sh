#!/usr/bin/env bash
# A store sealgate cannot write is refused at open and the reason names the cause: without the
# check SQLite opens it read-only without a word, and the first statement then fails with
# "unable to open database file" or "attempt to write a readonly database", which sends an
# administrator looking in the wrong place. Every case: exit status 1 (waiting does not help),
# one line on stderr naming the file, serve does not start, the store is unchanged.
#
#   store_unwritable.sh permissions   the file, a leftover -shm, the directory; run as `nobody`
#                                     when started as root (root is not bound by modes)
#   store_unwritable.sh readonly-fs   the store on a filesystem mounted read-only, in a private
#                                     mount namespace; exit 77 (skipped) where none can be made
set -euo pipefail
case=${1:?permissions or readonly-fs}

if [ "$case" = readonly-fs ] && [ -z "${SEALGATE_IN_NAMESPACE:-}" ]; then
    if [ "$(id -u)" -ne 0 ] || ! unshare -m true 2> /dev/null; then
        echo "SKIP  a private mount namespace needs root and unshare(2)"
        exit 77
    fi
    SEALGATE_IN_NAMESPACE=1 exec unshare -m bash "$0" "$@"
fi

HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"

# The commands an administrator (or a unit file) runs against a store.
commands=(
    "domain list"
    "domain add partner.example"
    "cert list"
    "log --last 5"
    "serve --listen 127.0.0.1:0 --next-hop 127.0.0.1:9"
)

# refused <label> <store> <expected reason> [runner...]: every command is refused, and says why.
refused() {
    local label=$1 store=$2 reason=$3
    shift 3
    cp "$store" "$W/orig.db"
    for cmd in "${commands[@]}"; do
        local name="$label: ${cmd%% --*}"
        set +e
        timeout 20 "$@" "$BIN" --store "$store" $cmd > out 2> err
        local rc=$?
        set -e
        expect "$name: exit status 1" test "$rc" -eq 1
        expect "$name: the reason" grep -qF "$reason" err
        expect "$name: one line" test "$(wc -l < err)" -eq 1
        expect_not "$name: not SQLite's words" grep -qF "unable to open database file" err
        expect "$name: serve did not start" test "$(grep -c listening out)" -eq 0
    done
    expect "$label: the store is unchanged" cmp -s "$store" "$W/orig.db"
}

if [ "$case" = permissions ]; then
    # Root reads and writes whatever the modes say: the refusals are made by a user the modes
    # bind, with its own copy of the binary (the build tree may not be reachable by it).
    chmod 0755 "$W"
    BIN=$W/sealgate
    cp "$SEALGATE" "$BIN"
    runner=()
    if [ "$(id -u)" -eq 0 ]; then
        runner=(runuser -u nobody --)
    fi
    mkdir d
    if [ "$(id -u)" -eq 0 ]; then chown nobody d; fi
    "${runner[@]}" "$BIN" --store d/s.db init > /dev/null
    expect "the writable store opens" "${runner[@]}" "$BIN" --store d/s.db domain list > /dev/null

    chmod 0444 d/s.db
    refused "read-only file" "$W/d/s.db" "no write permission on $W/d/s.db (Permission denied)" \
        "${runner[@]}"
    chmod 0600 d/s.db

    # What SQLite leaves after a run on a read-only store file: a -shm with that file's mode.
    cp d/s.db shm.db && : > d/s.db-shm && chmod 0444 d/s.db-shm
    refused "leftover read-only -shm" "$W/d/s.db" "no write permission on $W/d/s.db-shm" \
        "${runner[@]}"
    rm -f d/s.db-shm shm.db

    chmod 0555 d
    refused "read-only directory" "$W/d/s.db" "no write permission on directory $W/d" \
        "${runner[@]}"
    chmod 0755 d
    expect "writable again, it opens" "${runner[@]}" "$BIN" --store d/s.db domain add p.example
fi

if [ "$case" = readonly-fs ]; then
    BIN=$SEALGATE
    mkdir ro
    mount -t tmpfs -o size=16m,mode=0700 tmpfs ro
    "$BIN" --store ro/s.db init > /dev/null
    mount -o remount,ro ro
    refused "read-only filesystem" "$W/ro/s.db" "store $W/ro/s.db is on a read-only filesystem"
    umount ro
fi
finish
