#!/usr/bin/env bash
# Issue 14, part B, at the command line: a domain's lifecycle settings (`domain set D on-expired
# defer|reject`, `revocation soft|hard`, `accept-signed-updates true|false`) with their refusals
# of bad values, shown by `domain show` and `domain list`; what expires soon, own first, in
# `status`, `cert list --expiring DAYS` and `pgp list --expiring DAYS`, each with its full
# thumbprint or fingerprint. (A partner whose only certificate expired: tests/e2e/
# test_lifecycle_expiry.py, and the policy's unit tests.)
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"

S() { "$SEALGATE" --store "$W/s.db" "$@"; }
S init > /dev/null
S domain add b.example --local > /dev/null
S domain add p.example > /dev/null

# --- the settings ---------------------------------------------------------------------------
S domain show p.example > show0.out
expect "default on-expired is defer" grep -q "^On expired:      defer" show0.out
expect "default revocation is soft" grep -q "^Revocation:      soft" show0.out
expect "signed updates are staged by default" grep -q "^Signed updates:  staged for approval" show0.out
expect "on-expired reject" S domain set p.example on-expired reject > /dev/null
expect "revocation hard" S domain set p.example revocation hard > /dev/null
expect "accept-signed-updates true" S domain set p.example accept-signed-updates true > set.out
expect "the confirmation says true" grep -qx "p.example: accept-signed-updates = true" set.out
S domain show p.example > show1.out
expect "show: on-expired reject" grep -q "^On expired:      reject" show1.out
expect "show: revocation hard" grep -q "^Revocation:      hard" show1.out
expect "show: signed updates at once" grep -q "^Signed updates:  accepted at once" show1.out
S domain list > list.out
expect "list: the columns" grep -q "ON-EXPIRED  REVOCATION" list.out
expect "list: p.example reject hard" grep -Eq "^p\.example +partner .* reject +hard$" list.out
expect_not "on-expired later: refused" S domain set p.example on-expired later 2> bad1.err
expect "the refusal names the values" grep -q "on-expired: defer or reject" bad1.err
expect_not "revocation maybe: refused" S domain set p.example revocation maybe 2> bad2.err
expect "the refusal names soft and hard" grep -q "revocation: soft or hard" bad2.err
expect_not "accept-signed-updates perhaps: refused" S domain set p.example accept-signed-updates perhaps 2>/dev/null
S domain show p.example > show2.out
expect "a refused value changes nothing" cmp -s show1.out show2.out
S audit --last 3 > audit.out 2>/dev/null || S audit > audit.out
expect "the change is audited" grep -q "revocation: soft -> hard" audit.out

# --- what expires, own first ------------------------------------------------------------------
own=$(S cert create --email domain-cert@b.example --key p256 --days 3)
far=$(S cert create --email domain-cert@b.example --key p256 --days 400)
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout p.key -out p.crt \
    -days 2 -subj "/CN=p domain" -addext "subjectAltName=email:domain-cert@p.example" 2>/dev/null
partner=$(openssl x509 -in p.crt -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr A-F a-f)
S cert import p.crt > /dev/null
S cert list --expiring 10 > expiring.out
expect "cert list --expiring: own" grep -q "^own      certificate  $own " expiring.out
expect "cert list --expiring: partner" grep -q "^partner  certificate  $partner " expiring.out
expect "cert list --expiring: own first" test "$(grep -n "$own" expiring.out | cut -d: -f1)" -lt "$(grep -n "$partner" expiring.out | cut -d: -f1)"
expect_not "cert list --expiring: not the far one" grep -q "$far" expiring.out
S cert list --expiring 2 > expiring1.out
expect_not "a shorter window leaves the 3-day one out" grep -q "$own" expiring1.out
expect "... but not the 2-day one" grep -q "$partner" expiring1.out
expect_not "--expiring abc is refused" S cert list --expiring abc 2>/dev/null
S status > status.out
expect "status: the expiring section" grep -q "^Expiring within 30 days or expired (own first):" status.out
expect "status: own and partner" grep -q "$own" status.out
expect "status: partner" grep -q "$partner" status.out
# OpenPGP: an own key that expires in 2 days (the key and its subkey).
fpr=$(S pgp create --uid "b <domain-cert@b.example>" --expires 2d | head -1)
S pgp list --expiring 5 > pgp.out
expect "pgp list --expiring: the own key by fingerprint" grep -q "^own      pgp-key      $fpr " pgp.out
expect_not "pgp list --expiring: no certificates" grep -q certificate pgp.out
S pgp list --expiring 0 > pgp0.out
expect "pgp list --expiring 0: nothing yet" grep -q "nothing expires" pgp0.out

# --- a mandatory partner's certificate that expires soon is still used --------------------------
S ctl add "$partner" --trust > /dev/null
S domain set p.example smime-cert "$partner" > /dev/null
S domain set p.example encrypt-mode mandatory > /dev/null
S domain show p.example > man.out
expect "the valid certificate is used" grep -q "^Next message:    S/MIME to certificate $partner" man.out
finish
