#!/usr/bin/env bash
# Key discovery's domain settings through the command line (docs/discovery.md): `domain set
# discovery` and `discovery-address`, refused when bad with nothing changed, shown by `domain
# show` with the source of each bound key; audited. The lookup against a signed zone is
# tests/e2e/test_discovery.py.
source "$(dirname "$0")/lib.sh"

A() { "$SEALGATE" --store "$W/a.db" "$@"; }

A init > /dev/null
A domain add a.example --local > /dev/null
A domain add p.example > /dev/null

A domain show p.example > show0.out
expect "a new partner has discovery off" grep -q "^Discovery:       off " show0.out
expect "and the default address" grep -q "^Discovery addr:  domain-cert@p.example (default)$" show0.out

A domain set p.example discovery review > set1.out
expect "discovery review" grep -q '^p.example: discovery = review$' set1.out
A domain set p.example discovery-address Keys@P.example > set2.out
expect "discovery-address" grep -q '^p.example: discovery-address = Keys@p.example$' set2.out
A domain show p.example > show1.out
expect "shown" grep -q "^Discovery:       review " show1.out
expect "address shown" grep -q "^Discovery addr:  Keys@p.example$" show1.out

expect_not "an unknown mode is refused" A domain set p.example discovery sometimes 2> bad1.err
expect "with the choices" grep -q "off, review or auto-dane" bad1.err
expect_not "an address in another domain is refused" A domain set p.example discovery-address x@other.example 2> bad2.err
expect_not "discovery on a local domain is refused" A domain set a.example discovery review 2> bad3.err
A domain show p.example > show1b.out
expect "nothing changed" grep -q '^Discovery addr:  Keys@p.example$' show1b.out

A domain set p.example discovery-address default > /dev/null
A domain show p.example > show1c.out
expect "default again" grep -q '^Discovery addr:  domain-cert@p.example (default)$' show1c.out

# A certificate chosen by hand is named manual.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout p.key -out p.crt \
    -days 30 -subj /CN=p -addext subjectAltName=email:domain-cert@p.example 2> /dev/null
P=$(A cert import p.crt | awk '{print $1}')
A ctl add "$P" --trust > /dev/null
A domain set p.example smime-cert "$P" > /dev/null
A domain show p.example > show2.out
grep -A1 "^  $P " show2.out > bound.out || true
expect "the chosen certificate names its source" grep -q '^    source: manual$' bound.out

A audit > audit.out
expect "audited" grep -q "discovery: off -> review" audit.out
expect "pending list is empty" test -z "$(A pending list)"

finish
