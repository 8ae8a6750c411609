#!/usr/bin/env bash
# The signed update exchange between two gateways through the command line: A (a.example)
# makes a successor certificate and exports a signed bundle; B, which trusts A's first
# certificate, imports it — staged, shown, approved — and then encrypts to both. A replayed,
# tampered, foreign or unsigned bundle is refused and changes nothing; with
# accept-signed-updates the next bundle applies at once.
source "$(dirname "$0")/lib.sh"

A() { "$SEALGATE" --store "$W/a.db" "$@"; }
B() { "$SEALGATE" --store "$W/b.db" "$@"; }

A init > /dev/null
B init > /dev/null
A domain add a.example --local > /dev/null
B domain add b.example --local > /dev/null

A1=$(A cert create --email domain-cert@a.example --key p256 --days 30)
A cert export "$A1" -o a1.pem
B cert import a1.pem > /dev/null
B ctl add "$A1" --trust > /dev/null
B domain add a.example > /dev/null
B domain set a.example smime-cert "$A1" > /dev/null
B domain set a.example encrypt-mode mandatory > /dev/null

# A's successor for the same address (what `cert renew` makes).
A2=$(A cert create --email domain-cert@a.example --key p256 --days 60)
A exchange export --domain a.example -o update.bundle > export.out
expect "export names the sequence" grep -q "^Bundle for a.example, sequence 1, written to update.bundle" export.out
expect "export lists both certificates" bash -c "grep -q '$A1' export.out && grep -q '$A2' export.out"
expect "export is signed by both" grep -q "^Signed by: .*$A1" export.out
expect "the bundle is JSON with its format" python3 -c "import json,sys; d=json.load(open('update.bundle')); sys.exit(d['format']!='sealgate-update-bundle/1')"

# An independent peer checks the continuity signature: openssl cms, against A1 alone.
python3 - <<'PY'
import base64, json
d = json.load(open('update.bundle'))
open('manifest.json', 'wb').write(base64.b64decode(d['manifest']))
for i, s in enumerate(d['signatures']):
    open(f"sig-{s['signer']}.der", 'wb').write(base64.b64decode(s['signature']))
PY
expect "openssl cms verifies A1's signature over the manifest" openssl cms -verify -binary -inform DER -in "sig-$A1.der" -content manifest.json -certfile a1.pem -noverify -nointern -out /dev/null
expect_not "openssl cms: A2's signature is not A1's" openssl cms -verify -binary -inform DER -in "sig-$A2.der" -content manifest.json -certfile a1.pem -noverify -nointern -out /dev/null

# An unsigned and a tampered copy, made before B sees the real one.
python3 - <<'PY'
import base64, json
d = json.load(open('update.bundle'))
u = dict(d); u['signatures'] = []
json.dump(u, open('unsigned.bundle', 'w'))
m = json.loads(base64.b64decode(d['manifest']))
m['sequence'] = 50
t = dict(d); t['manifest'] = base64.b64encode(json.dumps(m, separators=(',', ':')).encode()).decode()
json.dump(t, open('tampered.bundle', 'w'))
PY
expect_not "unsigned bundle refused" B exchange import unsigned.bundle 2> unsigned.err
expect "unsigned: says why" grep -q "not signed" unsigned.err
expect_not "tampered bundle refused" B exchange import tampered.bundle 2> tampered.err
expect "tampered: says why" grep -q "does not verify" tampered.err
expect_not "malformed bundle refused" B exchange import a1.pem 2> malformed.err
expect "malformed: says why" grep -q "update bundle: the bundle is not valid JSON" malformed.err
expect "nothing staged by refusals" test -z "$(B pending list)"

B exchange import update.bundle > import.out
expect "import shows what it adds" grep -Eq "^  adds +certificate +$A2 " import.out
expect "import is staged" grep -q "^Staged as pending change 1" import.out
expect "signed by what B trusts" grep -q "signed by $A1" import.out
B pending list > pending.out
expect "pending list: one line starting with its ID and the thumbprint it adds" grep -Eq "^1  pending  a.example  sequence 1  adds $A2; retires \(none\)$" pending.out
expect "staged: B's domain unchanged" bash -c "B() { \"$SEALGATE\" --store \"$W/b.db\" \"\$@\"; }; ! B domain show a.example | grep -q '$A2'"
expect "pending show" grep -q "^Pending change 1: pending" <(B pending show 1)

expect_not "replayed bundle refused" B exchange import update.bundle 2> replay.err
expect "replay: says why" grep -q "a replay" replay.err

B pending approve 1 > approve.out
expect "approve reports" grep -q "^approved 1" approve.out
B domain show a.example > domain.out
expect "B's domain has A's first certificate" grep -q "^  $A1  usable" domain.out
expect "B's domain has A's successor, usable (CTL-trusted by continuity)" grep -q "^  $A2  usable" domain.out
expect "mail to A goes to both certificates" grep -q "Next message: *S/MIME to certificates .*$A1.*$A2\|Next message: *S/MIME to certificates .*$A2.*$A1" domain.out
expect_not "approved once" B pending approve 1 2> twice.err
expect "approved twice: says why" grep -q "was approved already" twice.err
expect "audit has the import and the approval" bash -c "B() { \"$SEALGATE\" --store \"$W/b.db\" \"\$@\"; }; B audit | grep -q exchange.import && B audit | grep -q pending.approve"

# A bundle for a domain B has no trust for: A's second local domain.
A domain add c.example --local > /dev/null
A cert create --email domain-cert@c.example --key p256 --days 30 > /dev/null
A exchange export --domain c.example -o c.bundle > /dev/null
expect_not "bundle for an unknown domain refused" B exchange import c.bundle 2> wrong.err
expect "wrong domain: says why" grep -q "no trust for that domain" wrong.err
B domain add c.example > /dev/null
B domain set c.example smime-cert "$A1" --force > /dev/null 2>&1 || true
expect_not "signed only by what is trusted for another domain: refused" B exchange import c.bundle 2> other.err
expect "other domain's signer: says why" grep -q "not signed by a certificate or key trusted for c.example" other.err

# accept-signed-updates: the next bundle applies at once.
set_accept() {
    B domain set a.example accept-signed-updates "$1" > /dev/null
}
set_accept true
A3=$(A cert create --email domain-cert@a.example --key p256 --days 90)
A exchange export --domain a.example -o update2.bundle > /dev/null
B exchange import update2.bundle > import2.out
expect "applied at once" grep -q "^Applied (a.example accepts signed updates)" import2.out
expect "the third certificate is chosen" grep -q "^  $A3  usable" <(B domain show a.example)
expect "nothing new staged" test "$(B pending list | wc -l)" -eq 1

# A stored change that is rejected changes nothing.
A exchange export --domain a.example -o update3.bundle > /dev/null
set_accept false
B exchange import update3.bundle > /dev/null
expect "reject" grep -q "^rejected 2" <(B pending reject 2)
expect "rejected in the list" grep -q "^2  rejected  a.example  sequence 3" <(B pending list)
expect_not "bad ID" B pending approve x 2> badid.err

# With an OpenPGP key of the domain, the bundle carries it and its signature: sq checks it.
KEY=$(A pgp create --uid "a.example domain <domain-cert@a.example>")
A pgp export "$KEY" -o a-key.pgp
A exchange export --domain a.example -o update4.bundle > export4.out
expect "the OpenPGP key signs too" grep -q "^Signed by: .*$KEY" export4.out
python3 - "$KEY" <<'PY'
import base64, json, sys
d = json.load(open('update4.bundle'))
open('manifest4.json', 'wb').write(base64.b64decode(d['manifest']))
(sig,) = [s for s in d['signatures'] if s['type'] == 'pgp' and s['signer'] == sys.argv[1]]
open('pgp4.sig', 'wb').write(base64.b64decode(sig['signature']))
PY
expect "sq verifies the OpenPGP signature over the manifest" sq verify --detached pgp4.sig --signer-cert a-key.pgp manifest4.json
printf 'x' >> manifest4.json
expect_not "sq: not over other bytes" sq verify --detached pgp4.sig --signer-cert a-key.pgp manifest4.json

finish
