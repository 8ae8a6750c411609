#!/usr/bin/env bash
# Certificate trust through the command line: CA-issued partner certificates need a root added
# with `root add`; a CRL revokes; expired, wrong key usage and untrusted issuers are refused —
# each with its reason in `cert show` and on stderr of `encrypt`, and nothing in clear on stdout.
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"
make_messages
sh "$HERE/../crypto/make-pki.sh" "$W" > /dev/null
# One more: a certificate that expired in 2021, issued by the same CA.
printf 'new_certs_dir=.\nserial=ca-serial\npolicy=pol\n[pol]\ncommonName=supplied\norganizationName=optional\n' >> pki.cnf
echo 1000 > ca-serial
openssl ca -batch -config pki.cnf -keyfile ca.key -cert ca.crt -startdate 20200101000000Z \
    -enddate 20210101000000Z -extensions ee_ext -in ee.csr -out expired.crt -notext > /dev/null 2>&1

A() { "$SEALGATE" --store "$W/a.db" "$@"; }
A init > /dev/null
A domain add a.example --local > /dev/null
fpr() { openssl x509 -in "$1" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr A-F a-f; }

# Every certificate is imported; the intermediate too, for path building.
for c in ee viainter inter badku badeku revoked stranger expired; do A cert import $c.crt > /dev/null; done

# refused_for NAME REASON: a mandatory domain with only that certificate refuses with REASON.
refused_for() {
    local name=$1 reason=$2 d="$1.partner.example"
    A domain add "$d" > /dev/null
    A domain set "$d" smime-cert "$(fpr $name.crt)" > /dev/null
    A domain set "$d" encrypt-mode mandatory > /dev/null
    A cert show "$(fpr $name.crt)" > $name.show
    expect "$name: cert show says NOT usable: $reason" grep -q "Encryption: *NOT usable: .*$reason" $name.show
    expect_not "$name: encrypt refuses" A encrypt --from alice@a.example --to bob@$d < ascii.eml > $name.out 2> $name.err
    expect "$name: nothing on stdout" test ! -s $name.out
    expect "$name: reason on stderr" grep -q "$reason" $name.err
}
usable_for() {
    local name=$1 how=$2 d="$1.partner.example"
    A domain add "$d" > /dev/null 2>&1 || true
    A domain set "$d" smime-cert "$(fpr $name.crt)" > /dev/null
    A domain set "$d" encrypt-mode mandatory > /dev/null
    expect "$name: usable ($how)" grep -q "Encryption: *usable (.*$how" <(A cert show "$(fpr $name.crt)")
    A encrypt --from alice@a.example --to bob@$d < ascii.eml > $name.enc
    expect "$name: encrypts" grep -q "smime-type=enveloped-data" $name.enc
}

# Before the root is trusted, a CA-issued certificate has no path.
refused_for ee "no path to a trusted root"
A root add ca.crt > root.out
expect "root add prints the root" grep -q "Sealgate Test Root" root.out
usable_for ee "chains to"
usable_for viainter "chains to"
refused_for badku "key usage does not allow encryption"
refused_for badeku "extended key usage does not allow email protection"
refused_for stranger "no path to a trusted root"
refused_for expired "expired on 2021-01-01"
usable_for revoked "chains to"
A crl import ca.crl > crl.out
expect "crl import names the issuer" grep -q "Sealgate Test Root" crl.out
expect "crl list shows it" grep -q "Sealgate Test Root" <(A crl list)
A domain remove revoked.partner.example > /dev/null
refused_for revoked "revoked"
# A block beats the root: ee chains fine, blocked it is refused.
A ctl add "$(fpr ee.crt)" --block > /dev/null
expect "blocked beats a trusted root" grep -q "NOT usable: blocked" <(A cert show "$(fpr ee.crt)")
# cert import of garbage: one line, non-zero.
head -c 300 /dev/zero > garbage.bin
expect_not "garbage import refused" A cert import garbage.bin 2> garbage.err
expect "garbage: one line" test "$(wc -l < garbage.err)" -eq 1
# A PKCS#12 with its password imports the key; a wrong password is refused.
echo test > pw; echo wrong > badpw
expect_not "wrong PKCS#12 password refused" A cert import ee-legacy.p12 --password-file badpw 2> p12.err
expect "wrong password reason" grep -qi "password" p12.err
expect "PKCS#12 with password imports the key" grep -q "with private key" <(A cert import ee-legacy.p12 --password-file pw)
finish
