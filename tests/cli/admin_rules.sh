#!/usr/bin/env bash
# The administrator's foot-guns, tried as a new administrator would (policy/admin_rules.hpp):
# binding one of our own certificates/keys to a partner domain, or one that names another
# domain, needs --force and says why; trusting a blocked certificate lifts the block and needs
# --force; binding a key to a domain in mode none says that mail still goes in clear. Then what
# `domain show` tells: the method and key of the next message (the same as `encrypt` uses) and
# subdomains that no record covers. Also: exact confirmations, a config typo that names its
# key, and secret files (store, master key, exported secret key) created 0600.
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"
make_messages

export HOME=$W/home
mkdir -m 700 "$HOME"
A() { "$SEALGATE" --store "$W/a.db" "$@"; }
B() { "$SEALGATE" --store "$W/b.db" "$@"; }
mode_of() { stat -c %a "$1"; }
# A self-signed P-256 certificate NAME for EMAIL ("" for none); prints its SHA-256 thumbprint.
make_cert() {
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1.key" \
        -out "$1.crt" -days 30 -subj "/CN=$1 domain" -addext "keyUsage=critical,keyAgreement" \
        -addext "extendedKeyUsage=emailProtection" ${2:+-addext "subjectAltName=email:$2"} 2>/dev/null
    openssl x509 -in "$1.crt" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr A-F a-f
}

# --- the store and its master key are the administrator's alone ----------------------------
(umask 022 && A init > init.out)
expect "init: store is 0600 under umask 022" test "$(mode_of a.db)" = 600
expect "init: master key is 0600" test "$(mode_of a.db.key)" = 600
B init > /dev/null

# --- confirmations say the same thing every time ---------------------------------------------
A domain add a.example --local > add1.out
A domain add b.example > add2.out
A domain add c.example > add3.out
expect "domain add --local: exact confirmation" test "$(cat add1.out)" = "added local domain a.example"
expect "domain add: exact confirmation" test "$(cat add2.out)" = "added partner domain b.example"
expect "domain add: the same words the second time" test "$(cat add3.out)" = "added partner domain c.example"

OWN=$(A cert create --email domain-cert@a.example --key p256 --days 30)
BC=$(make_cert b domain-cert@b.example)
CC=$(make_cert c domain-cert@c.example)
NC=$(make_cert n "")
SUBC=$(make_cert sub domain-cert@mail.b.example)
for c in b c n sub; do A cert import $c.crt > /dev/null; done

# --- S/MIME: our own certificate for a partner ------------------------------------------------
expect_not "own certificate for a partner: refused" A domain set b.example smime-cert "${OWN:0:12}" > own.out 2> own.err
expect "own certificate: says why" grep -q "certificate ${OWN:0:16} is one of our own (we hold its private key): mail to b.example would be encrypted to us" own.err
expect "own certificate: names --force" grep -q -- "--force" own.err
expect "own certificate: one line on stderr" test "$(wc -l < own.err)" -eq 1
expect "own certificate: not bound" grep -q "S/MIME certs: *(none)" <(A domain show b.example)

# --- S/MIME: a certificate for another domain -------------------------------------------------
expect_not "certificate of c.example for b.example: refused" A domain set b.example smime-cert "${CC:0:12}" 2> other.err
expect "mismatch: says why" grep -q "certificate ${CC:0:16} is for domain-cert@c.example, not for b.example" other.err
expect_not "certificate without an email: refused" A domain set b.example smime-cert "${NC:0:12}" 2> nomail.err
expect "no email: says why" grep -q "names no email address: nothing shows that it belongs to b.example" nomail.err
expect "a subdomain's address matches its domain" A domain set b.example smime-cert "${SUBC:0:12}" > sub.out
A domain set b.example smime-cert none > /dev/null
expect "with --force the mismatch is bound" A domain set b.example smime-cert "${CC:0:12}" --force > forced.out
expect "with --force: the reason is still shown" grep -q "^warning: certificate ${CC:0:16} is for domain-cert@c.example, not for b.example.*(done: --force)" forced.out
A domain set b.example smime-cert none > /dev/null

# --- S/MIME: the partner's certificate, domain still in mode none ----------------------------
A ctl add "$BC" --trust > /dev/null
expect "matching certificate binds" A domain set b.example smime-cert "${BC:0:10}" > bind.out 2> bind.err
expect "binding echoes the thumbprint, not the prefix" grep -qx "b.example: smime-cert = $BC" bind.out
expect "mode none: mail still in clear" grep -q "^warning: b.example has encrypt-mode none: its mail will still go in clear" bind.out
expect "a warning is no error" test ! -s bind.err
A domain set b.example encrypt-mode mandatory > /dev/null
A domain set b.example smime-cert "${BC:0:10}" > rebind.out
expect "no mode-none warning once mandatory" test "$(grep -c warning rebind.out)" -eq 0

# --- the CTL: lifting a block -----------------------------------------------------------------
A ctl add "$BC" --block > /dev/null
expect_not "ctl add --trust on a blocked certificate: refused" A ctl add "${BC:0:12}" --trust 2> lift.err
expect "lifting: says it lifts a block" grep -q "certificate ${BC:0:16} is blocked on the CTL: trusting it lifts the block" lift.err
expect "lifting: names --force" grep -q -- "--force" lift.err
expect "the block stays" grep -Eq "^block +$BC" <(A ctl list)
expect "with --force the block is lifted" A ctl add "${BC:0:12}" --trust --force > lifted.out
expect "lifted: said so" grep -q "^warning: .*lifts the block.*(done: --force)" lifted.out
expect "trusted now" grep -Eq "^trust +$BC" <(A ctl list)
expect "--trust on a trusted certificate needs nothing" A ctl add "$BC" --trust > /dev/null

# --- OpenPGP: the same rules for add-domain --------------------------------------------------
OWNKEY=$(A pgp create --uid "A Domain <domain-cert@a.example>")
expect_not "own OpenPGP key for a partner: refused" A pgp add-domain "${OWNKEY:0:16}" b.example 2> ownkey.err
expect "own key: says why" grep -q "OpenPGP key ${OWNKEY:0:16} is one of our own (we hold its private key)" ownkey.err
expect "own key: not bound" grep -q "OpenPGP keys: *(none)" <(A domain show b.example)
BKEY=$(B pgp create --uid "B Domain <domain-cert@b.example>")
B pgp export "$BKEY" -o b-pub.pgp
A pgp import b-pub.pgp > /dev/null
A pgp trust "$BKEY" > /dev/null
expect_not "b.example's key for c.example: refused" A pgp add-domain "$BKEY" c.example 2> keyother.err
expect "key mismatch: says why" grep -q "OpenPGP key ${BKEY:0:16} is for domain-cert@b.example, not for c.example" keyother.err
expect "key for a mode-none domain: bound with --force" A pgp add-domain "$BKEY" c.example --force > keyforced.out
expect "key for a mode-none domain: still in clear" grep -q "^warning: c.example has encrypt-mode none: its mail will still go in clear" keyforced.out
A pgp remove-domain "$BKEY" c.example > /dev/null
expect "matching key binds" A pgp add-domain "$BKEY" b.example > keybind.out
expect "matching key: no warning (mandatory)" test "$(grep -c warning keybind.out)" -eq 0

# --- domain show: what the next message gets, by the daemon's own decision -----------------
next_of() { A domain show b.example | sed -n 's/^Next message: *//p'; }
info_of() { A encrypt --from alice@a.example --to bob@b.example < ascii.eml > next.eml && header X-Sealgate-Encrypted next.eml; }
A domain set b.example method smime,pgp > /dev/null
expect "both bound, smime first: S/MIME and the certificate" test "$(next_of)" = "S/MIME to certificate $BC (profile compat)"
expect "encrypt does what show said" grep -q "^ *smime; *cert=$BC" <(info_of)
A domain set b.example method pgp,smime > /dev/null
expect "both bound, pgp first: OpenPGP and the key" test "$(next_of)" = "OpenPGP to key $BKEY"
expect "encrypt does what show said (pgp)" grep -q "^ *pgp; *key=$BKEY" <(info_of)
A pgp untrust "$BKEY" > /dev/null
expect "pgp first but unusable: falls back to S/MIME" test "$(next_of)" = "S/MIME to certificate $BC (profile compat)"
A domain set b.example smime-cert none > /dev/null
expect "nothing usable, mandatory: refused, never clear" test "$(next_of)" = "refused (550 5.7.1), never sent in clear"
expect "c.example (mode none): in clear" grep -q "^Next message: *sent in clear" <(A domain show c.example)

# --- domain show: subdomains that no record covers -------------------------------------------
A domain show b.example > show.out
expect "uncovered subdomains: warned" grep -q "^warning: no domain record covers the subdomains of b.example: mail to bob@sub.b.example gets no policy" show.out
expect "no warning for a domain in mode none" test "$(A domain show c.example | grep -c warning)" -eq 0
A domain add '*.b.example' > /dev/null
A domain set '*.b.example' encrypt-mode mandatory > /dev/null
expect "with *.b.example: no warning" test "$(A domain show b.example | grep -c warning)" -eq 0

# --- secret files --------------------------------------------------------------------------
(umask 022 && B pgp export "$BKEY" --secret --armor -o b-sec.asc)
expect "pgp export --secret: file is 0600 under umask 022" test "$(mode_of b-sec.asc)" = 600
expect "pgp export --secret: holds the secret key" grep -q "BEGIN PGP PRIVATE KEY BLOCK" b-sec.asc
echo "old content" > reused.asc
chmod 644 reused.asc
B pgp export "$BKEY" --secret -o reused.asc
expect "pgp export --secret over a 0644 file: made 0600" test "$(mode_of reused.asc)" = 600
expect "pgp export --secret over a file: replaced, not appended" test "$(head -c 11 reused.asc)" != "old content"

# --- a config typo names its key ---------------------------------------------------------------
printf '[store]\npath = "%s"\n\n[smtp]\nlisten = 127.0.0.1:10025\n' "$W/a.db" > typo.toml
expect_not "unquoted listen: refused" "$SEALGATE" --config typo.toml domain list 2> typo.err
expect "typo: names [smtp] listen and the line" grep -q "config typo.toml: line 5: cannot read the value of \[smtp\] listen" typo.err
expect "typo: says text needs quotes" grep -q 'a text value needs quotes: listen = "127.0.0.1:10025"' typo.err
finish
