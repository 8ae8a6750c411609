#!/usr/bin/env bash
# Our own certificates and OpenPGP keys over several generations: renew a certificate (new key
# and reused key), retire it, export it with its key as PKCS#12 (openssl reads it back), rotate
# an OpenPGP key (new subkey, new key), extend and revoke it. Mail encrypted by the independent
# tools (openssl cms, gpg) to the old generation still decrypts after each step, and so does mail
# to the new one. An own key binds to a local domain whose name is not in its user ID.
source "$(dirname "$0")/lib.sh"

export GNUPGHOME=$W/gnupg
mkdir -m 700 "$GNUPGHOME"
trap 'GNUPGHOME=$W/gnupg gpgconf --kill gpg-agent 2>/dev/null || true; rm -rf "$W"' EXIT
gpgq() { gpg --batch --yes --no-tty --trust-model always "$@" 2>>"$W/gpg.log"; }
B() { "$SEALGATE" --store "$W/b.db" "$@"; }

B init > /dev/null
B domain add b.example --local > /dev/null
printf 'Content-Type: text/plain; charset=us-ascii\r\n\r\nsecret text of generation %s\r\n' 1 > inner1
printf 'Content-Type: text/plain; charset=us-ascii\r\n\r\nsecret text of generation %s\r\n' 2 > inner2
body_of() { sed -n '/^\r\{0,1\}$/,$p' "$1" | sed 1d; }
smime_to() { # smime_to CERT INNER OUT: openssl cms encrypts INNER to CERT
    openssl cms -encrypt -recip "$1" -aes256 -binary -in "$2" -from alice@a.example \
        -to bob@b.example -subject lifecycle > "$3" 2>/dev/null
}

# --- S/MIME: renew while mail to the old certificate is in flight --------------------------
OLD=$(B cert create --email domain-cert@b.example --cn "b.example domain" --key rsa2048 --days 30)
expect "create prints the SHA-256" grep -qx '[0-9a-f]\{64\}' <<<"$OLD"
B cert export "$OLD" -o old.pem
smime_to old.pem inner1 inflight.eml

NEW=$(B cert renew "${OLD:0:12}" --days 400)
expect "renew prints the successor's SHA-256 in full" grep -qx '[0-9a-f]\{64\}' <<<"$NEW"
expect "the successor is another certificate" test "$NEW" != "$OLD"
B cert export "$NEW" -o new.pem
expect "same subject" test "$(openssl x509 -in old.pem -noout -subject)" = "$(openssl x509 -in new.pem -noout -subject)"
expect "same e-mail address" grep -q "email:domain-cert@b.example" <(openssl x509 -in new.pem -noout -ext subjectAltName)
expect "new serial" test "$(openssl x509 -in old.pem -noout -serial)" != "$(openssl x509 -in new.pem -noout -serial)"
expect "new key pair" test "$(openssl x509 -in old.pem -noout -pubkey)" != "$(openssl x509 -in new.pem -noout -pubkey)"
expect "valid for the days asked" grep -q "$(date -u -d '+400 days' +%Y)" <(openssl x509 -in new.pem -noout -enddate)
expect "openssl verifies the successor as self-signed" openssl verify -CAfile new.pem -purpose smimeencrypt new.pem

B decrypt --to bob@b.example < inflight.eml > inflight.dec
expect "mail in flight to the old certificate still decrypts" cmp -s <(body_of inflight.dec) <(body_of inner1)
expect "...by the old certificate's key" grep -q "cert=$OLD" <(header X-Sealgate-Decrypted inflight.dec)
smime_to new.pem inner2 next.eml
B decrypt --to bob@b.example < next.eml > next.dec
expect "mail to the successor decrypts" cmp -s <(body_of next.dec) <(body_of inner2)
expect "...by the successor's key" grep -q "cert=$NEW" <(header X-Sealgate-Decrypted next.dec)

SAME=$(B cert renew "$NEW" --reuse-key)
B cert export "$SAME" -o same.pem
expect "--reuse-key keeps the key pair" test "$(openssl x509 -in new.pem -noout -pubkey)" = "$(openssl x509 -in same.pem -noout -pubkey)"
expect "--reuse-key and --new-key exclude each other" bash -c '! "$0" --store "$1" cert renew "$2" --reuse-key --new-key 2>/dev/null' "$SEALGATE" "$W/b.db" "$NEW"

expect "retire" B cert retire "$OLD"
B cert list > list.out
expect "list: header keeps the first columns, adds FROM and STATE" grep -q "^THUMBPRINT  *KEY  *EXPIRES  *ENCRYPT  *FROM  *STATE  *DOMAINS" list.out
expect "list: the retired generation" grep -q "^${OLD:0:16} .* own,retired " list.out
expect "list: the successor in service, not an error" grep -q "^${NEW:0:16}  yes  *[0-9-]*  *own  *[0-9-]*  *own  " list.out
B cert show "$OLD" > show.out
expect "show: retired, still decrypts" grep -q "^Generation: *retired (no longer offered to partners; still decrypts)" show.out
expect "show: an own certificate does not read like a refusal" grep -q "^Encryption: *own certificate" show.out
B decrypt --to bob@b.example < inflight.eml > inflight2.dec
expect "a retired certificate still decrypts" cmp -s <(body_of inflight2.dec) <(body_of inner1)
expect_not "retire twice is refused" B cert retire "$OLD" 2> retire2.err
expect "...with a reason" grep -q "retired already" retire2.err
expect "retire --undo" B cert retire "$OLD" --undo
expect_not "removing a valid own certificate still needs --force" B cert remove "$OLD" 2>/dev/null

# PKCS#12 backup: openssl reads it with the password, and sealgate imports it elsewhere.
printf 'correct horse battery\n' > pw
B cert export "$NEW" --pkcs12 -o backup.p12 --password-file pw
openssl pkcs12 -in backup.p12 -passin file:pw -nodes -info > p12.out 2> p12.err
expect "openssl reads the PKCS#12 with the password" grep -q "BEGIN PRIVATE KEY" p12.out
expect "AES-256-CBC under PBKDF2" grep -q "PBES2, PBKDF2, AES-256-CBC" p12.err
expect "HMAC-SHA256 MAC" grep -qi "MAC: sha256" p12.err
expect_not "a wrong password fails" openssl pkcs12 -in backup.p12 -passin pass:wrongpassword -nodes -out /dev/null 2>/dev/null
printf 'short\n' > shortpw
expect_not "a short password is refused" B cert export "$NEW" --pkcs12 -o short.p12 --password-file shortpw 2> short.err
expect "...with a reason, writing nothing" bash -c 'grep -q "at least 8" short.err && ! test -e short.p12'
expect_not "PKCS#12 is not written to standard output" B cert export "$NEW" --pkcs12 --password-file pw 2>/dev/null
"$SEALGATE" --store "$W/c.db" init > /dev/null
"$SEALGATE" --store "$W/c.db" cert import backup.p12 --password-file pw > c.out
expect "a second gateway imports the backup with its key" grep -q "^$NEW .*(with private key)" c.out
"$SEALGATE" --store "$W/c.db" decrypt --to bob@b.example < next.eml > c.dec
expect "...and decrypts with it" cmp -s <(body_of c.dec) <(body_of inner2)

# --- OpenPGP: rotate while mail to the old key is in flight ---------------------------------
FPR=$(B pgp create --uid "Gateway <gw-key@corp.example>" --expires 30d)
expect "an own key binds to a local domain its user ID does not name" B pgp add-domain "$FPR" b.example
B pgp export "$FPR" --armor > k1.asc
gpgq --import k1.asc
gpgq -r "$FPR" --armor --encrypt -o old.asc inner1
pgp_mime() {
    printf 'From: alice@a.example\r\nTo: bob@b.example\r\nSubject: x\r\nMIME-Version: 1.0\r\n'
    printf 'Content-Type: multipart/encrypted; protocol="application/pgp-encrypted";\r\n boundary="b1"\r\n\r\n'
    printf -- '--b1\r\nContent-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n\r\n'
    printf -- '--b1\r\nContent-Type: application/octet-stream\r\n\r\n'
    crlf "$1"
    printf -- '--b1--\r\n'
}
pgp_mime old.asc > old.eml
B pgp rotate "$FPR" --expires 1y > rot.out
expect "rotate keeps the key's fingerprint" test "$(head -1 rot.out)" = "$FPR"
SUB=$(sed -n 's/^newest subkey //p' rot.out)
B pgp export "$FPR" --armor > k2.asc
gpgq --import k2.asc
gpgq -r "$FPR" --armor --encrypt -o new.asc inner2
expect "the key now has the new subkey beside the old one" test "$(B pgp show "$FPR" | grep -c '^Subkey:')" = 2
expect "...the one rotate named" grep -q "^Subkey: *$SUB" <(B pgp show "$FPR")
pgp_mime new.asc > new.eml
B decrypt --to bob@b.example < old.eml > old.dec
expect "PGP mail to the old subkey still decrypts" grep -q "secret text of generation 1" old.dec
B decrypt --to bob@b.example < new.eml > new.dec
expect "PGP mail to the new subkey decrypts" grep -q "secret text of generation 2" new.dec

B pgp extend "$FPR" --expires 2y > ext.out
expect "extend prints the new expiry" grep -q "^$FPR expires $(date -u -d '+730 days' +%Y-%m)" ext.out
gpgq --import <(B pgp export "$FPR")
expect "gpg sees the new expiry" grep -q "$(date -u -d '+730 days' +%Y-%m)" <(gpg --with-colons --list-keys "$FPR" 2>/dev/null | awk -F: '/^pub/ {print strftime("%Y-%m", $7, 1)}')

NFPR=$(B pgp rotate "$FPR" --new-key | head -1)
expect "rotate --new-key makes another key" test "$NFPR" != "$FPR"
B pgp list > plist.out
expect "pgp list: the old key retired" grep -q "^$FPR .* own,retired " plist.out
expect "pgp list: the successor bound to the same domain" grep -q "^$NFPR .*b.example .* own  *Gateway <gw-key@corp.example>" plist.out
B decrypt --to bob@b.example < old.eml > old2.dec
expect "after a new key, mail to the old one still decrypts" grep -q "secret text of generation 1" old2.dec

expect_not "an unknown reason is refused" B pgp revoke "$FPR" --reason whim 2>/dev/null
B pgp revoke "$FPR" --reason superseded > rev.out
expect "revoke says it still decrypts" grep -q "still decrypts" rev.out
B pgp export "$FPR" --armor > revoked.asc
gpgq --import revoked.asc
expect "gpg imports the revocation" grep -q "^pub:r:" <(gpg --with-colons --list-keys "$FPR" 2>/dev/null)
B decrypt --to bob@b.example < old.eml > old3.dec
expect "a key revoked as superseded still decrypts" grep -q "secret text of generation 1" old3.dec
expect_not "revoking twice is refused" B pgp revoke "$FPR" --reason retired 2>/dev/null
expect_not "a partner's key cannot be rotated" bash -c '"$0" --store "$1" pgp import "$2" >/dev/null; "$0" --store "$1" pgp rotate "$3" 2>/dev/null' "$SEALGATE" "$W/c.db" k1.asc "$FPR"
finish
