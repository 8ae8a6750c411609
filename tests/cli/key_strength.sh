#!/usr/bin/env bash
# Key strength through the command line, with certificates made by openssl and OpenPGP keys made
# by gpg (the key tables of tests/crypto and tests/openpgp): weak keys import with a warning and
# are NOT usable, with the reason in `cert show`, `pgp show` and `domain show`; a mandatory domain
# whose only key is too weak refuses (nothing on stdout), until `domain set ... min-rsa-bits 1024`,
# which `domain show` warns about while it is set. A key OpenSSL cannot use (a 20000-bit modulus)
# stays refused whatever the override. Our own weak keys are warned about too.
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"
make_messages
mkdir x509 pgp
sh "$HERE/../crypto/make-key-table.sh" "$W/x509" > /dev/null
sh "$HERE/../openpgp/make-key-table.sh" "$W/pgp" > /dev/null
export GNUPGHOME=$W/pgp/gnupg
trap 'GNUPGHOME=$W/pgp/gnupg gpgconf --kill gpg-agent 2>/dev/null || true; rm -rf "$W"' EXIT

A() { "$SEALGATE" --store "$W/a.db" "$@"; }
# The key tables name keys.example in their certificates and user IDs: binding them to other
# partner domains needs --force (policy/admin_rules.hpp).
A init > /dev/null
A domain add a.example --local > /dev/null
A root add x509/ca.crt > /dev/null
fpr() { openssl x509 -in "$1" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr A-F a-f; }

# --- certificates ---------------------------------------------------------------------------
A cert import x509/rsa1024.crt > imp1024.out
expect "import RSA-1024: warns, with the reason" grep -q "CN=rsa1024,O=Key Table  warning: not usable: key too weak: RSA 1024 bits is below the minimum of 2048 bits$" imp1024.out
A cert import x509/rsa2048.crt > imp2048.out
expect_not "import RSA-2048: no warning" grep -q warning imp2048.out
A cert import x509/p256.crt > impp256.out
expect_not "import P-256: no warning" grep -q warning impp256.out
A cert import x509/secp256k1.crt > impk1.out
expect "import secp256k1: warns, curve not accepted" grep -q "warning: not usable: key not accepted: ECC secp256k1 is not an accepted curve" impk1.out
A cert import x509/rsa20000.crt > imp20000.out
expect "import 20000-bit RSA: warns that OpenSSL cannot use it" grep -q "warning: key not usable: an RSA modulus of 20000 bits is more than OpenSSL uses (at most 16384)" imp20000.out

W1024=$(fpr x509/rsa1024.crt)
A cert show "$W1024" > show1024.out
expect "cert show: key strength line" grep -q "^Key strength: *NOT acceptable: key too weak: RSA 1024 bits is below the minimum of 2048 bits$" show1024.out
expect "cert show: NOT usable with the reason (the path is fine)" grep -q "^Encryption: *NOT usable: key too weak: RSA 1024 bits is below the minimum of 2048 bits$" show1024.out
expect "cert show RSA-2048: acceptable and usable" grep -q "^Key strength: *acceptable" <(A cert show "$(fpr x509/rsa2048.crt)")
expect "cert show 20000-bit: NOT usable, OpenSSL's limit" grep -q "^Encryption: *NOT usable: key not usable: an RSA modulus of 20000 bits" <(A cert show "$(fpr x509/rsa20000.crt)")
expect "cert list: RSA-1024 not usable" grep -q "^${W1024:0:16} .* no " <(A cert list)

# A mandatory partner whose only certificate is RSA-1024.
A domain add partner.example > /dev/null
A domain set partner.example smime-cert "$W1024" --force > bind.out
expect "binding the RSA-1024 certificate warns that it will not be used" grep -q "^warning: certificate ${W1024:0:16}: key too weak: RSA 1024 bits is below the minimum of 2048 bits: not usable for partner.example$" bind.out
A domain set partner.example encrypt-mode mandatory > /dev/null
A domain show partner.example > dom.out
expect "domain show: the default minimum" grep -q "^Min RSA bits: *2048 (default" dom.out
expect "domain show: certificate NOT usable, with the reason" grep -q "^  $W1024  NOT usable (key too weak: RSA 1024 bits is below the minimum of 2048 bits)$" dom.out
expect "domain show: outbound rejected" grep -q "^Outbound now: *rejected" dom.out
expect_not "domain show: no override warning" grep -q "^warning: min-rsa-bits" dom.out
expect_not "encrypt refuses" A encrypt --from alice@a.example --to bob@partner.example < ascii.eml > refused.out 2> refused.err
expect "refused: nothing on stdout" test ! -s refused.out
expect "refused: the reason on stderr" grep -q "key too weak: RSA 1024 bits" refused.err

# The override, for a partner who cannot replace the key yet.
expect_not "min-rsa-bits 512 is refused" A domain set partner.example min-rsa-bits 512 2> low.err
expect "min-rsa-bits 512: one line naming the bounds" test "$(cat low.err)" = "sealgate: min-rsa-bits: a number of bits from 1024 to 16384, or default (2048)"
expect_not "min-rsa-bits abc is refused" A domain set partner.example min-rsa-bits abc 2> /dev/null
A domain set partner.example min-rsa-bits 1024 > set.out
expect "set min-rsa-bits 1024: confirmed" grep -q "^partner.example: min-rsa-bits = 1024$" set.out
expect "set min-rsa-bits 1024: warns" grep -q "^warning: min-rsa-bits 1024 of partner.example is below the default 2048: keys down to 1024 bits are used" set.out
A domain show partner.example > dom1024.out
expect "domain show: the override and its origin" grep -q "^Min RSA bits: *1024 (min-rsa-bits of partner.example; default 2048)$" dom1024.out
expect "domain show: certificate usable under the override" grep -q "^  $W1024  usable (chains to" dom1024.out
expect "domain show: outbound encrypted" grep -q "^Outbound now: *encrypted" dom1024.out
expect "domain show: warns while the override is set" grep -q "^warning: min-rsa-bits 1024 of partner.example is below the default 2048: keys down to 1024 bits are used; ask the partner for a new key, then \`sealgate domain set partner.example min-rsa-bits default\`$" dom1024.out
expect "cert show: accepted for the domain with the override" grep -q "^Key strength: .*; accepted for partner.example (min-rsa-bits 1024)$" <(A cert show "$W1024")
A encrypt --from alice@a.example --to bob@partner.example < ascii.eml > enc1024.eml
expect "encrypts under the override" grep -q "smime-type=enveloped-data" enc1024.eml
smime_der enc1024.eml > enc1024.der
expect "openssl decrypts it with the RSA-1024 key" grep -q "^Hello partner." <(openssl cms -decrypt -inform DER -in enc1024.der -inkey x509/rsa1024.key -binary 2>/dev/null)
A domain set partner.example min-rsa-bits default > /dev/null
A domain show partner.example > dom2048.out
expect "min-rsa-bits default: back to the default" grep -q "^Min RSA bits: *2048 (default" dom2048.out
expect_not "min-rsa-bits default: no override warning" grep -q "^warning: min-rsa-bits" dom2048.out
expect_not "min-rsa-bits default: refused again" A encrypt --from alice@a.example --to bob@partner.example < ascii.eml > /dev/null 2>&1

# A key OpenSSL cannot use is refused whatever the override: a clear refusal, not a 451 per message.
A domain add huge.example > /dev/null
A domain set huge.example smime-cert "$(fpr x509/rsa20000.crt)" --force > /dev/null
A domain set huge.example encrypt-mode mandatory > /dev/null
A domain set huge.example min-rsa-bits 1024 > /dev/null
expect "20000-bit: domain show NOT usable despite the override" grep -q "NOT usable (key not usable: an RSA modulus of 20000 bits" <(A domain show huge.example)
expect_not "20000-bit: encrypt refuses" A encrypt --from alice@a.example --to bob@huge.example < ascii.eml > huge.out 2> huge.err
expect "20000-bit: exit code is permanent (1), not temporary (75)" test "$(A encrypt --from alice@a.example --to bob@huge.example < ascii.eml > /dev/null 2>&1; echo $?)" = 1

# --- OpenPGP keys -----------------------------------------------------------------------------
ELG=$(cat pgp/elg1024.fpr)
A pgp import pgp/elg1024.pgp > elg.out
expect "pgp import ElGamal-1024: warns about the subkey" grep -q "^$ELG  elg1024@keys.example  new .*  warning: not usable: key too weak: encryption subkey ElGamal 1024 bits is below the minimum of 2048 bits$" elg.out
A pgp import pgp/rsa1024.pgp > pgp1024.out
expect "pgp import RSA-1024: warns about the primary key" grep -q "warning: not usable: key too weak: primary key RSA 1024 bits is below the minimum of 2048 bits$" pgp1024.out
for k in rsa2048 ed25519 p256 bp256; do
    A pgp import pgp/$k.pgp > $k.out
    expect_not "pgp import $k: no warning" grep -q warning $k.out
done
A pgp trust "$ELG" > /dev/null
A pgp show "$ELG" > elgshow.out
expect "pgp show: key strength line" grep -q "^Key strength: *NOT acceptable: key too weak: encryption subkey ElGamal 1024 bits is below the minimum of 2048 bits$" elgshow.out
expect "pgp show: NOT usable with the reason (trusted)" grep -q "^Encryption: *NOT usable: key too weak: encryption subkey ElGamal 1024 bits is below the minimum of 2048 bits$" elgshow.out
expect "pgp show: ElGamal subkey listed" grep -q "ELGAMAL 1024, .*encrypt" elgshow.out
expect "pgp list: not usable" grep -q "^$ELG .* no " <(A pgp list)
A pgp trust "$(cat pgp/ed25519.fpr)" > /dev/null
expect "pgp show Ed25519/Cv25519: acceptable and usable" grep -q "^Encryption: *usable (encrypt to subkey" <(A pgp show "$(cat pgp/ed25519.fpr)")

A domain add old.example > /dev/null
A pgp add-domain "$ELG" old.example --force > bindpgp.out
expect "binding the ElGamal-1024 key warns that it will not be used" grep -q "^warning: OpenPGP key ${ELG:0:16}: key too weak: encryption subkey ElGamal 1024 bits is below the minimum of 2048 bits: not usable for old.example$" bindpgp.out
A domain set old.example method pgp > /dev/null
A domain set old.example encrypt-mode mandatory > /dev/null
A domain show old.example > old.out
expect "domain show: OpenPGP key NOT usable, with the reason" grep -q "^  $ELG  NOT usable (key too weak: encryption subkey ElGamal 1024 bits" old.out
expect "domain show: outbound rejected" grep -q "^Outbound now: *rejected" old.out
expect_not "pgp: encrypt refuses" A encrypt --from alice@a.example --to bob@old.example < ascii.eml > /dev/null 2> old.err
expect "pgp: reason on stderr" grep -q "ElGamal 1024 bits" old.err
A domain set old.example min-rsa-bits 1024 > /dev/null
expect "pgp: usable under the override" grep -q "^  $ELG  usable" <(A domain show old.example)
expect "pgp show: accepted for the domain with the override" grep -q "; accepted for old.example (min-rsa-bits 1024)$" <(A pgp show "$ELG")
A encrypt --from alice@a.example --to bob@old.example < ascii.eml > old.eml
expect "pgp: encrypts under the override" grep -q "BEGIN PGP MESSAGE" old.eml
sed -n '/BEGIN PGP MESSAGE/,/END PGP MESSAGE/p' old.eml | tr -d '\r' > old.asc
expect "gpg decrypts it with the ElGamal-1024 subkey" grep -q "Hello partner." <(gpg --batch --pinentry-mode loopback --passphrase '' --decrypt old.asc 2>/dev/null)

# --- our own weak keys --------------------------------------------------------------------------
B() { "$SEALGATE" --store "$W/b.db" "$@"; }
B init > /dev/null
B pgp import pgp/rsa1024.sec > own.out
expect "own weak OpenPGP key: import warns, replace it" grep -q "warning: not usable: key too weak: primary key RSA 1024 bits is below the minimum of 2048 bits (our own key: replace it, \`sealgate pgp create\`)$" own.out
expect "own weak OpenPGP key: pgp show warns" grep -q "^warning: our own key is too weak" <(B pgp show "$(cat pgp/rsa1024.fpr)")
cat x509/rsa1024.crt x509/rsa1024.key > own1024.pem
B cert import own1024.pem > owncert.out
expect "own weak certificate: import warns, replace it" grep -q "(with private key)  warning: not usable: key too weak: RSA 1024 bits is below the minimum of 2048 bits (our own certificate: replace it, \`sealgate cert create\`)$" owncert.out
expect "own weak certificate: cert show warns" grep -q "^warning: our own key is too weak" <(B cert show "$W1024")
OWN=$(B cert create --email domain-cert@b.example --key rsa2048)
expect_not "cert create makes no weak key" grep -q "warning" <(B cert show "$OWN")
OWNPGP=$(B pgp create --uid "<domain-cert@b.example>")
expect_not "pgp create makes no weak key" grep -q "warning\|NOT acceptable" <(B pgp show "$OWNPGP")

finish
