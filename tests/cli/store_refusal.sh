#!/usr/bin/env bash
# A store is never silently replaced. Only `sealgate init` creates one, and only where no file
# is; every other command — and `serve` — refuses a missing store, an empty (0-byte) file as a
# crashed copy or a full disk leaves it, a file that is not SQLite, an SQLite database without
# the sealgate schema and a store with a newer schema: one line on stderr naming the path,
# exit status 1 (not 75: waiting does not help), and the file exactly as it was.
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"

mkdir bad
: > bad/empty.db
printf 'this is not a database\n%.0s' {1..40} > bad/text.db
sqlite3 bad/foreign.db "CREATE TABLE accounts (id INTEGER PRIMARY KEY, name TEXT)"
"$SEALGATE" --store bad/newer.db init > /dev/null
sqlite3 bad/newer.db "UPDATE meta SET value = '999' WHERE key = 'schema_version'"
cp bad/newer.db.key bad/empty.db.key   # a master key beside each: the store alone is refused
for s in text foreign; do cp bad/newer.db.key bad/$s.db.key; done

declare -A why=(
    [empty]="is not a sealgate store (an empty file, 0 bytes)"
    [text]="is not a sealgate store (not an SQLite database)"
    [foreign]="is not a sealgate store (no sealgate schema)"
    [newer]="has schema version 999, newer than this sealgate"
    [missing]="no store at"
)
# The commands an administrator (or a unit file) runs against a store.
commands=(
    "domain list"
    "domain add partner.example"
    "domain show partner.example"
    "cert list"
    "ctl list"
    "pgp list"
    "log --last 5"
    "serve --listen 127.0.0.1:0 --next-hop 127.0.0.1:9"
)

for kind in empty text foreign newer missing; do
    path=$W/bad/$kind.db
    [ -e "$path" ] && cp "$path" "$W/$kind.orig"
    for cmd in "${commands[@]}"; do
        name="$kind: ${cmd%% --*}"
        # A refused serve exits before it listens; `timeout` only bounds a broken one.
        set +e
        timeout 20 "$SEALGATE" --store "$path" $cmd > out 2> err
        rc=$?
        set -e
        expect "$name: exit status 1" test "$rc" -eq 1
        expect "$name: says why, with the path" grep -qF "$path" err
        expect "$name: the reason" grep -qF "${why[$kind]}" err
        expect "$name: one line" test "$(wc -l < err)" -eq 1
        expect "$name: serve did not start" test "$(grep -c listening out)" -eq 0
        if [ "$kind" = missing ]; then
            expect "$name: no store created" test ! -e "$path"
        else
            expect "$name: the file is unchanged" cmp -s "$path" "$W/$kind.orig"
        fi
        expect "$name: no journal files left" test ! -e "$path-wal" -a ! -e "$path-shm" -a ! -e "$path-journal"
    done
    if [ "$kind" != missing ]; then
        expect_not "$kind: init refuses to overwrite it" "$SEALGATE" --store "$path" init > out 2> err
        expect "$kind: init says a store exists" grep -qF "a store exists already at $path" err
        expect "$kind: init left it unchanged" cmp -s "$path" "$W/$kind.orig"
    fi
done

# The empty file is what `serve` used to turn into a new store with no domains: the message
# for a mandatory partner would then have been relayed in clear. Without a store there is no
# gateway at all, and `sealgate init` is the way to a new one (0600, see admin_rules.sh).
rm bad/empty.db bad/empty.db.key
expect "init on a free path creates the store" "$SEALGATE" --store bad/empty.db init > /dev/null
expect "the new store opens" "$SEALGATE" --store bad/empty.db domain list > /dev/null
finish
