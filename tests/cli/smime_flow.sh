#!/usr/bin/env bash
# Domain-to-domain S/MIME through the command line, as two administrators would set it up:
# gateway A (a.example) and gateway B (b.example) exchange certificates, trust them on the CTL,
# and mail from A to B is encrypted by A and decrypted by B to the byte-identical original.
# The independent peers (openssl cms, gpgsm, NSS cmsutil) decrypt what A produces and produce
# what B decrypts.
source "$(dirname "$0")/lib.sh"
make_messages

A() { "$SEALGATE" --store "$W/a.db" "$@"; }
B() { "$SEALGATE" --store "$W/b.db" "$@"; }

A init > /dev/null
B init > /dev/null
A domain add a.example --local > /dev/null
B domain add b.example --local > /dev/null

# B's domain certificate is made with openssl (so the peers hold its key too) and imported
# with its private key; A's is made by sealgate itself.
openssl req -x509 -newkey rsa:2048 -nodes -keyout b.key -out b.crt -days 30 -subj "/CN=b.example domain" \
    -addext "keyUsage=critical,digitalSignature,keyEncipherment" \
    -addext "extendedKeyUsage=emailProtection" \
    -addext "subjectAltName=email:domain-cert@b.example" 2>/dev/null
cat b.crt b.key > b-with-key.pem
B cert import b-with-key.pem > import.out
B_CERT=$(openssl x509 -in b.crt -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr A-F a-f)
expect "import with key reports the thumbprint" grep -q "^$B_CERT .*with private key" import.out
A_CERT=$(A cert create --email domain-cert@a.example --key p256 --days 30)
expect "cert create prints a SHA-256 thumbprint" test ${#A_CERT} -eq 64
expect "cert show warns before expiry" grep -Eq "Valid until: .*expires in (29|30) days" <(A cert show "$A_CERT")

# B hands its certificate to A; A reads the thumbprint and compares with openssl's.
B cert export "${B_CERT:0:12}" -o b-export.pem
A cert import b-export.pem > /dev/null
expect "exported certificate is B's" cmp -s <(openssl x509 -in b-export.pem -outform DER) <(openssl x509 -in b.crt -outform DER)
A cert show "$B_CERT" > show.out
OPENSSL_FPR=$(openssl x509 -in b.crt -noout -fingerprint -sha256 | sed 's/.*=//')
OPENSSL_SHA1=$(openssl x509 -in b.crt -noout -fingerprint -sha1 | sed 's/.*=//')
expect "cert show SHA-256 equals openssl x509 -fingerprint" grep -q "SHA-256: *$OPENSSL_FPR$" show.out
expect "cert show SHA-1 equals openssl x509 -fingerprint -sha1" grep -q "SHA-1: *$OPENSSL_SHA1$" show.out
expect "untrusted self-signed is not usable" grep -q "NOT usable: self-signed" show.out

A domain add b.example > /dev/null
A domain set b.example smime-cert "${B_CERT:0:16}" > /dev/null
A domain set b.example encrypt-mode mandatory > /dev/null
# The loops below check the encryption format byte for byte against the peers: without a
# signature and RFC 9788 header protection (a new domain's defaults), which have their own
# check after them.
A domain set b.example sign none > /dev/null
A domain set b.example header-protection off > /dev/null

# Mandatory without a usable certificate: refused, nothing on stdout.
expect_not "mandatory + untrusted certificate refuses" A encrypt --from alice@a.example --to bob@b.example < ascii.eml > refused.out 2> refused.err
expect "refusal writes nothing to stdout" test ! -s refused.out
expect "refusal says why" grep -q "self-signed" refused.err

# A blocked certificate stays refused even after trusting it: a block beats every trust.
A ctl add "$B_CERT" --block > /dev/null
expect_not "blocked certificate refuses" A encrypt --from alice@a.example --to bob@b.example < ascii.eml > blocked.out 2> blocked.err
expect "block reason" grep -q "blocked" blocked.err
A ctl add "$B_CERT" --trust --force > /dev/null   # lifts the block: needs --force
A cert show "$B_CERT" | grep -q "Encryption: *usable" && pass "trusted on the CTL: usable" || flunk "trusted on the CTL: usable"

for profile in compat modern; do
    A domain set b.example smime-profile $profile > /dev/null
    for m in $MESSAGES; do
        A encrypt --from alice@a.example --to bob@b.example < $m.eml > $m.$profile.enc
        if [ $profile = compat ]; then t=enveloped-data; else t=authEnveloped-data; fi
        expect "$profile $m: smime-type=$t" grep -q "smime-type=$t" $m.$profile.enc
        expect "$profile $m: info header" grep -q "^smime; cert=$B_CERT; alg=aes256" <(header X-Sealgate-Encrypted $m.$profile.enc)
        expect "$profile $m: subject stays outside" grep -q "^Subject: " $m.$profile.enc
        # The inner entity that the peers see: the Content-* fields and the body, CRLF.
        crlf $m.eml | sed -n '/^\r$/,$p' > $m.body
        crlf $m.eml | LC_ALL=C awk '/^\r$/ { body = 1 } !body && /^Content-/' > $m.inner
        cat $m.body >> $m.inner
        smime_der $m.$profile.enc > $m.$profile.der
        openssl cms -decrypt -inform DER -in $m.$profile.der -inkey b.key -recip b.crt -binary -out $m.$profile.ossl 2>/dev/null
        expect "$profile $m: openssl cms decrypts to the original entity" cmp -s $m.$profile.ossl $m.inner
        B decrypt --to bob@b.example < $m.$profile.enc > $m.$profile.dec
        strip_info $m.$profile.dec > $m.$profile.dec.plain
        expect "$profile $m: B restores the byte-identical message" cmp -s $m.$profile.dec.plain <(crlf $m.eml)
        expect "$profile $m: B says it decrypted" grep -q "^smime; cert=$B_CERT; alg=aes256" <(header X-Sealgate-Decrypted $m.$profile.dec)
    done
done

# A new domain's defaults: signed inside the encryption (RFC 8551 §3.5.3 multipart/signed in
# the EnvelopedData), the headers protected (RFC 9788). openssl decrypts the multipart/signed
# and verifies A's signature over the protected payload; B, knowing A's certificate, checks it,
# restores the headers and delivers the original byte for byte.
A domain set b.example sign sign-and-encrypt > /dev/null
A domain set b.example header-protection on > /dev/null
A domain set b.example smime-profile compat > /dev/null
A cert export "$A_CERT" -o a-cert.pem
B cert import a-cert.pem > /dev/null
B domain add a.example > /dev/null
B ctl add "$A_CERT" --trust > /dev/null
B domain set a.example smime-cert "$A_CERT" > /dev/null
for m in ascii latin1; do
    A encrypt --from alice@a.example --to bob@b.example < $m.eml > $m.signed.enc
    expect "signed $m: the info header names A's certificate" test "$(header X-Sealgate-Signature $m.signed.enc)" = "signed; signer=$A_CERT; method=smime"
    expect "signed $m: the Subject leaves obscured" test "$(header Subject $m.signed.enc)" = "[...]"
    smime_der $m.signed.enc > $m.signed.der
    openssl cms -decrypt -inform DER -in $m.signed.der -inkey b.key -recip b.crt -binary -out $m.signed.inner 2>/dev/null
    expect "signed $m: openssl decrypts a multipart/signed" grep -q '^multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256' <(header Content-Type $m.signed.inner)
    expect "signed $m: openssl cms -verify checks A's signature" openssl cms -verify -in $m.signed.inner -inform SMIME -CAfile a-cert.pem -out $m.signed.payload 2>/dev/null
    expect "signed $m: the payload carries the protected Subject" test "$(header Subject $m.signed.payload)" = "$(header Subject $m.eml)"
    expect "signed $m: the payload says hp=cipher" grep -q 'hp="cipher"' <(header Content-Type $m.signed.payload)
    expect "signed $m: the payload's body is the original" cmp -s <(sed -n '/^\r$/,$p' $m.signed.payload) <(crlf $m.eml | sed -n '/^\r$/,$p')
    B decrypt --from alice@a.example --to bob@b.example < $m.signed.enc > $m.signed.dec
    expect "signed $m: B finds A's signature valid" test "$(header X-Sealgate-Signature $m.signed.dec)" = "valid; signer=$A_CERT; method=smime"
    expect "signed $m: B restores the byte-identical message" cmp -s <(strip_info $m.signed.dec) <(crlf $m.eml)
done

# Peers encrypt, B decrypts: openssl cms in every variant B must accept.
crlf ascii.eml | sed -n '/^\r$/,$p' | sed 1d > plain.body
printf 'Content-Type: text/plain; charset=us-ascii\r\n\r\n' > peer.inner
cat plain.body >> peer.inner
for variant in "-aes256" "-aes-256-gcm" "-aes256 -keyopt rsa_padding_mode:oaep -keyopt rsa_oaep_md:sha256" "-aes128"; do
    # shellcheck disable=SC2086
    openssl cms -encrypt -recip b.crt $variant -binary -in peer.inner -from alice@a.example -to bob@b.example -subject peer > peer.eml 2>/dev/null
    B decrypt < peer.eml > peer.dec
    expect "openssl cms $variant → B decrypts" cmp -s <(sed -n '/^\r\{0,1\}$/,$p' peer.dec | sed 1d) plain.body
done

# Refusals of bad input: one line on stderr, nothing on stdout, non-zero exit.
head -n 20 multipart.compat.enc > truncated.eml
expect_not "truncated S/MIME refused" B decrypt < truncated.eml > trunc.out 2> trunc.err
expect "truncated: nothing on stdout" test ! -s trunc.out
expect "truncated: one line on stderr" test "$(wc -l < trunc.err)" -eq 1
expect_not "empty message refused" B decrypt < /dev/null > empty.out 2> empty.err
expect "empty: nothing on stdout" test ! -s empty.out
# A header section past the limit (1 MiB by default) is malformed input, not a crash.
{ printf 'From: alice@a.example\nTo: bob@b.example\n'; for i in $(seq 20000); do printf 'X-Filler-%05d: %060d\n' $i 0; done; printf '\nbody\n'; } > hugeheader.eml
expect_not "huge header refused" A encrypt --from alice@a.example --to bob@b.example < hugeheader.eml > huge.out 2> huge.err
expect "huge header: nothing on stdout" test ! -s huge.out
expect "huge header: says why" grep -Eq "header section exceeds|header has more than" huge.err
# Configuration mistakes name the file and line.
printf '[store]\npath = "x.db"\nbogus = 1\n' > bad.toml
expect_not "unknown config key refused" "$SEALGATE" --config bad.toml cert list > /dev/null 2> badcfg.err
expect "config error names the key" grep -q "unknown key store.bogus" badcfg.err
# Encrypted to a key B does not hold: passes unchanged, with a note.
A decrypt < ascii.compat.enc > notours.out
expect "not for us: passes with a note" grep -q '^no; reason="not encrypted to a key we hold"' <(header X-Sealgate-Decrypted notours.out)
# Spoofed info headers from outside are removed.
{ printf 'X-Sealgate-Decrypted: smime; cert=forged\n'; cat ascii.eml; } > spoof.eml
B decrypt < spoof.eml > spoof.out
expect_not "spoofed X-Sealgate field removed" grep -q forged spoof.out

# Opportunistic with no usable certificate: unchanged apart from the info header.
A ctl remove "$B_CERT" > /dev/null
A domain set b.example encrypt-mode opportunistic > /dev/null
A encrypt --from alice@a.example --to bob@b.example < ascii.eml > opp.out
expect "opportunistic without a usable cert passes" grep -q '^no; reason=.*self-signed' <(header X-Sealgate-Encrypted opp.out)
expect "opportunistic pass keeps the message" cmp -s <(strip_info opp.out) <(crlf ascii.eml)

finish
