#!/usr/bin/env bash
# `sealgate store copy`: a whole store into a new SQLite file, verified table by table; the copy
# works with the same master key file (sealed keys travel sealed); a target that holds anything,
# the source itself and a SPEC of another form are refused, and a refused copy changes nothing.
# (The PostgreSQL directions: tests/app/store_copy_test.cpp and tests/e2e/test_store_copy.py.)
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"

A() { "$SEALGATE" --store "$W/a.db" "$@"; }
B() { "$SEALGATE" --store "$W/b.db" "$@"; }

A init > /dev/null
A domain add a.example --local > /dev/null
A domain add b.example > /dev/null
A domain set b.example encrypt-mode mandatory > /dev/null
A cert create --email domain-cert@a.example --key p256 --days 30 > create.out
AC=$(grep -Eo '[0-9a-f]{64}' create.out | head -1)
expect "an own certificate was made" test -n "$AC"

"$SEALGATE" store copy --from "sqlite:$W/a.db" --to "sqlite:$W/b.db" > copy.out
expect "a header and one line per table" test "$(wc -l < copy.out)" -eq 16
expect "every table ok" test "$(grep -Ec '^[a-z_]+ +[0-9]+  [0-9a-f]{64}  ok$' copy.out)" -eq 14
expect "two domains" grep -Eq '^domains +2  ' copy.out
expect "one sealed key" grep -Eq '^sealed_keys +1  ' copy.out
expect "the audit log came along" grep -Eq '^audit_log +4  ' copy.out
expect "it says the master key goes with it" grep -q "same master key file" copy.out

# The new store needs the same master key file (docs/cluster.md: copy it).
cp a.db.key b.db.key
expect "the domains arrived" diff <(A domain list) <(B domain list)
expect "the certificates arrived" diff <(A cert list) <(B cert list)
expect "the audit log arrived" diff <(A audit) <(B audit)
echo "a long password" > pw.txt
B cert export "$AC" --pkcs12 -o b.p12 --password-file pw.txt
expect "the private key opens with the copied master key" \
    openssl pkcs12 -in b.p12 -nocerts -nodes -passin file:pw.txt -out b.key
expect "and it is the key of the certificate" test "$(openssl pkey -in b.key -pubout | sha256sum)" = \
    "$(B cert export "$AC" | openssl x509 -pubkey -noout | sha256sum)"

# Refusals change nothing.
before=$(sha256sum < b.db)
expect_not "a target that holds data is refused" "$SEALGATE" store copy --from "sqlite:$W/a.db" --to "sqlite:$W/b.db" 2> full.err
expect "it says why" grep -q "the target is not empty" full.err
expect "and wrote nothing" test "$(sha256sum < b.db)" = "$before"
expect_not "the source itself is refused" "$SEALGATE" store copy --from "sqlite:$W/a.db" --to "sqlite:$W/./a.db" 2> same.err
expect "it says why" grep -q "the same store" same.err
expect_not "a SPEC of another form is refused" "$SEALGATE" store copy --from "$W/a.db" --to "sqlite:$W/c.db" 2> spec.err
expect "it names the forms" grep -q "sqlite:PATH or postgresql://" spec.err
expect "and made no store" test ! -e c.db
expect_not "a missing source is refused" "$SEALGATE" store copy --from "sqlite:$W/none.db" --to "sqlite:$W/c.db" 2> /dev/null
expect "and made no store" test ! -e c.db

finish
