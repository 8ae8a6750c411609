#!/usr/bin/env bash
# `sealgate audit`: every change made through the command line is one line, oldest first,
# "<timestamp> <node> cli:<user> <action> <object>: <change>" (the node: [node] name); reads and refused changes add none;
# --object, --last and --json select and shape them.
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"

printf '[node]\nname = "gw-a.example"\n' > "$W/a.toml"
A() { "$SEALGATE" --store "$W/a.db" --config "$W/a.toml" "$@"; }
ME="gw-a\.example cli:$(id -un)"
TS='[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} UTC'

A init > /dev/null
A audit > empty.out
expect "a new store has no audit lines" test ! -s empty.out

A domain add a.example --local > /dev/null
A domain add b.example > /dev/null
A domain set b.example encrypt-mode mandatory > /dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout b.key -out b.crt \
    -days 30 -subj "/CN=b domain" -addext "subjectAltName=email:domain-cert@b.example" 2>/dev/null
BC=$(openssl x509 -in b.crt -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr A-F a-f)
A cert import b.crt > /dev/null
A ctl add "${BC:0:12}" --trust > /dev/null
A domain set b.example smime-cert "${BC:0:12}" > /dev/null

# Reads and refusals change nothing and say nothing here.
A domain show b.example > /dev/null
A cert list > /dev/null
A ctl add "$BC" --block > /dev/null
expect_not "trusting a blocked certificate is refused" A ctl add "$BC" --trust 2> /dev/null
expect_not "a second add of a domain is refused" A domain add b.example 2> /dev/null
expect_not "a change of a missing domain is refused" A domain set c.example local yes 2> /dev/null

A audit > audit.out
expect "one line per change" test "$(wc -l < audit.out)" -eq 7
expect "line 1: the local domain" grep -Eqx "$TS $ME domain\.add a\.example: local: yes; encrypt_mode: none; methods: smime,pgp; smime_certs: \(none\); smime_profile: compat; tls: none; min_rsa_bits: \(default\); on_expired: defer; revocation: soft; accept_signed_updates: no; sign: sign-and-encrypt; require_signature: no; on_bad_signature: refuse; keep_signature: no; header_protection: on; discovery: off; discovery_address: \(default\)" <(sed -n 1p audit.out)
expect "line 3: old -> new" grep -Eqx "$TS $ME domain\.update b\.example: encrypt_mode: none -> mandatory" <(sed -n 3p audit.out)
expect "line 4: the import, by thumbprint" grep -Eqx "$TS $ME cert\.import $BC: CN=b domain" <(sed -n 4p audit.out)
expect "line 5: the CTL entry" grep -Eqx "$TS $ME ctl\.set $BC: \(none\) -> trust" <(sed -n 5p audit.out)
expect "line 6: the certificate chosen, in full" grep -Eqx "$TS $ME domain\.update b\.example: smime_certs: \(none\) -> $BC" <(sed -n 6p audit.out)
expect "line 7: the block" grep -Eqx "$TS $ME ctl\.set $BC: trust -> block" <(sed -n 7p audit.out)

A audit --object b.example > object.out
expect "--object: the changes of one object" test "$(wc -l < object.out)" -eq 3
expect "--object: only that object" test "$(grep -c ' b\.example: ' object.out)" -eq 3
A audit --last 2 > last.out
expect "--last 2: the newest two, oldest first" diff last.out <(sed -n 6,7p audit.out)
A audit --last 1 --json > json.out
expect "--json: one object with every field" python3 -c '
import json, sys
j = json.loads(open(sys.argv[1]).read())
assert j["actor"] == sys.argv[2] and j["action"] == "ctl.set" and j["object"] == sys.argv[3], j
assert j["change"] == "trust -> block" and j["time"] > 1600000000 and j["id"] > 0, j
assert j["node"] == "gw-a.example", j
' json.out "cli:$(id -un)" "$BC"

# Without [node] name the node is the host name.
"$SEALGATE" --store "$W/a.db" domain add c.example > /dev/null
"$SEALGATE" --store "$W/a.db" audit --last 1 > host.out
expect "the default node is the host name" grep -Eq "^$TS $(hostname) cli:$(id -un) domain\.add c\.example: " host.out

# Removals name what went.
A domain remove b.example > /dev/null
A audit --last 1 > removed.out
expect "domain.remove says what the domain was" grep -Eq "^$TS $ME domain\.remove b\.example: local: no; encrypt_mode: mandatory;" removed.out

finish
