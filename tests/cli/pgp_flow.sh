#!/usr/bin/env bash
# Domain-to-domain OpenPGP through the command line, as two administrators would set it up:
# gateway B (b.example) creates its domain key and hands out the public part; gateway A
# (a.example) imports it, binds it to b.example and trusts it after comparing fingerprints.
# Mail from A to B is encrypted by A into PGP/MIME (RFC 3156) and decrypted by B to the
# byte-identical original. The independent peers (gpg, sq, rnp) decrypt what A produces with
# B's exported secret key and produce what B decrypts (PGP/MIME and inline PGP). Then the
# refusals and the lifecycle: a revoked key, opportunistic fallback, truncated input, mail for
# a key B does not hold, and the method order of a domain with both S/MIME and OpenPGP.
# Everything runs twice: with the default Curve25519 key and with --algo rsa3072.
source "$(dirname "$0")/lib.sh"
make_messages

# gpg starts an agent per home directory: stop them before the directory goes.
trap 'for h in "$W"/gnupg-*; do [ -d "$h" ] && GNUPGHOME=$h gpgconf --kill gpg-agent 2>/dev/null; done; rm -rf "$W"' EXIT
export HOME=$W/home
mkdir -m 700 "$HOME"
gpgq() { gpg --batch --yes --no-tty --pinentry-mode loopback --passphrase '' "$@" 2>>"$W/gpg.log"; }

# The inner entity the peers see: the Content-* fields and the body of a message, CRLF.
inner_of() {
    crlf "$1" | LC_ALL=C awk '/^\r$/ { body = 1 } !body && /^Content-/'
    crlf "$1" | sed -n '/^\r$/,$p'
}
# The longest line of a message's body: a piece of plaintext that must not show in the output.
longest_body_line() { LC_ALL=C awk 'body && length($0) > length(l) { l = $0 } /^$/ { body = 1 } END { print l }' "$1"; }
# The armored message of a PGP/MIME part 2: the lines from BEGIN to END PGP MESSAGE.
armored_of() { sed -n '/^-----BEGIN PGP MESSAGE-----/,/^-----END PGP MESSAGE-----/p' "$1"; }
# A PGP/MIME message (RFC 3156 §4) from alice@a.example around an armored file; with a third
# argument "base64", part 2 carries the armor in that transfer encoding.
pgp_mime() {
    printf 'From: alice@a.example\r\nTo: bob@b.example\r\nSubject: %s\r\nMIME-Version: 1.0\r\n' "$2"
    printf 'Content-Type: multipart/encrypted; protocol="application/pgp-encrypted";\r\n boundary="peer-b1"\r\n\r\n'
    printf 'OpenPGP/MIME from a peer\r\n--peer-b1\r\nContent-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n\r\n'
    printf -- '--peer-b1\r\nContent-Type: application/octet-stream; name="encrypted.asc"\r\n'
    if [ "${3:-}" = base64 ]; then
        printf 'Content-Transfer-Encoding: base64\r\n\r\n'
        base64 -w 76 "$1" | sed 's/$/\r/'
    else
        printf '\r\n'
        crlf "$1"
    fi
    printf -- '--peer-b1--\r\n'
}
# What B restores from pgp_mime SUBJECT around INNER: the outer fields, then the inner entity.
pgp_mime_plain() {
    printf 'From: alice@a.example\r\nTo: bob@b.example\r\nSubject: %s\r\nMIME-Version: 1.0\r\n' "$2"
    cat "$1"
}

# The messages' inner entities (independent of the key algorithm).
for m in $MESSAGES; do inner_of $m.eml > $m.inner; done

flow() { # flow ALGO: the whole story with B's key made by `pgp create` (ALGO "" = default)
    local algo=$1 tag=${1:-cv25519}
    local a=$W/a-$tag.db b=$W/b-$tag.db
    A() { "$SEALGATE" --store "$a" "$@"; }
    B() { "$SEALGATE" --store "$b" "$@"; }
    mkdir "$tag"
    cd "$tag"

    A init > /dev/null
    B init > /dev/null
    A domain add a.example --local > /dev/null
    B domain add b.example --local > /dev/null

    # --- B creates its key and hands out the public part; A imports it -----------------------
    local fpr
    if [ -n "$algo" ]; then
        fpr=$(B pgp create --uid "B Domain <domain-cert@b.example>" --algo "$algo")
    else
        fpr=$(B pgp create --uid "B Domain <domain-cert@b.example>")
    fi
    expect "$tag: pgp create prints a fingerprint" grep -qx '[0-9a-f]\{40\}' <<<"$fpr"
    B pgp export "$fpr" --armor -o b-pub.asc
    B pgp export "$fpr" --secret --armor -o b-sec.asc
    A pgp import b-pub.asc > import.out
    expect "$tag: A imports B's key as new" grep -q "^$fpr  B Domain <domain-cert@b.example>  new" import.out
    # A compares the fingerprint with what B's administrator reads aloud (gpg's view of it).
    local gpg_fpr
    gpg_fpr=$(gpg --with-colons --import-options show-only --import b-pub.asc 2>/dev/null |
              awk -F: '/^fpr/ { print tolower($10); exit }')
    expect "$tag: gpg reads the fingerprint A holds" test "$gpg_fpr" = "$fpr"
    expect "$tag: A's imported key is not trusted" grep -q "^Trust: *not trusted" <(A pgp show "$fpr")
    A domain add b.example > /dev/null
    A pgp add-domain "$fpr" b.example > /dev/null
    A domain set b.example method pgp > /dev/null
    A domain set b.example encrypt-mode mandatory > /dev/null
    # The format checks below compare with the original entity byte for byte: without a signature
    # and RFC 9788 header protection (a new domain's defaults), which have their own block.
    A domain set b.example sign none > /dev/null
    A domain set b.example header-protection off > /dev/null

    # Untrusted: mandatory refuses, nothing on stdout, the reason on stderr.
    expect_not "$tag: untrusted key: encrypt refuses" A encrypt --from alice@a.example --to bob@b.example < ../ascii.eml > untrusted.out 2> untrusted.err
    expect "$tag: untrusted: nothing on stdout" test ! -s untrusted.out
    expect "$tag: untrusted: one line on stderr" test "$(wc -l < untrusted.err)" -eq 1
    expect "$tag: untrusted: says why" grep -q "not trusted" untrusted.err
    A pgp trust "$fpr" > /dev/null

    # The peers hold B's secret key.
    local gh=$W/gnupg-$tag rh=$W/rnp-$tag
    mkdir -m 700 "$gh" "$rh"
    GNUPGHOME=$gh gpgq --import b-sec.asc
    expect "$tag: rnpkeys imports B's secret key" rnpkeys --homedir "$rh" --import b-sec.asc > /dev/null 2>&1

    # --- A encrypts, the peers and B decrypt ---------------------------------------------------
    for m in $MESSAGES; do
        A encrypt --from alice@a.example --to bob@b.example < ../$m.eml > $m.enc
        expect "$tag $m: multipart/encrypted, pgp-encrypted" grep -q '^multipart/encrypted; protocol="application/pgp-encrypted"' <(header Content-Type $m.enc)
        expect "$tag $m: part 1 is the version identification" grep -q '^Content-Type: application/pgp-encrypted' $m.enc
        expect "$tag $m: part 1 says Version: 1" grep -q '^Version: 1' $m.enc
        expect "$tag $m: part 2 is application/octet-stream" grep -q '^Content-Type: application/octet-stream' $m.enc
        expect "$tag $m: info header" test "$(header X-Sealgate-Encrypted $m.enc)" = "pgp; key=$fpr; alg=aes256-seipd1"
        expect "$tag $m: subject stays outside" test "$(header Subject $m.enc)" = "$(header Subject ../$m.eml)"
        expect "$tag $m: no Content-Transfer-Encoding outside" test -z "$(header Content-Transfer-Encoding $m.enc)"
        expect_not "$tag $m: no plaintext outside" grep -qF "$(longest_body_line ../$m.eml)" $m.enc
        armored_of $m.enc > $m.asc
        GNUPGHOME=$gh gpg --batch --pinentry-mode loopback --passphrase '' --decrypt -o $m.gpg $m.asc 2>>"$W/gpg.log"
        expect "$tag $m: gpg decrypts to the original entity" cmp -s $m.gpg ../$m.inner
        sq decrypt --recipient-key b-sec.asc -o $m.sq $m.asc 2>/dev/null
        expect "$tag $m: sq decrypts to the original entity" cmp -s $m.sq ../$m.inner
        rnp --homedir "$rh" --decrypt $m.asc --output $m.rnp > /dev/null 2>&1
        expect "$tag $m: rnp decrypts to the original entity" cmp -s $m.rnp ../$m.inner
        B decrypt --to bob@b.example < $m.enc > $m.dec
        expect "$tag $m: B restores the byte-identical message" cmp -s <(strip_info $m.dec) <(crlf ../$m.eml)
        expect "$tag $m: B says it decrypted" grep -q "^pgp; key=$fpr" <(header X-Sealgate-Decrypted $m.dec)
    done

    # --- a new domain's defaults: signed (RFC 3156 §6.1) and protected headers (RFC 9788) -----
    # A signs with a key of its own; B knows it (trusted, bound to a.example). The peers decrypt
    # a multipart/signed whose detached signature gpg verifies over the protected payload; B
    # checks it, restores the headers and delivers the original byte for byte.
    local a_fpr
    a_fpr=$(A pgp create --uid "A Domain <domain-cert@a.example>")
    A pgp export "$a_fpr" --armor -o a-pub.asc
    GNUPGHOME=$gh gpgq --import a-pub.asc
    B pgp import a-pub.asc > /dev/null
    B pgp trust "$a_fpr" > /dev/null
    B domain add a.example > /dev/null
    B pgp add-domain "$a_fpr" a.example > /dev/null
    A domain set b.example sign sign-and-encrypt > /dev/null
    A domain set b.example header-protection on > /dev/null
    A encrypt --from alice@a.example --to bob@b.example < ../latin1.eml > signed.enc
    expect "$tag signed: the info header names A's key" test "$(header X-Sealgate-Signature signed.enc)" = "signed; signer=$a_fpr; method=pgp"
    expect "$tag signed: the Subject leaves obscured" test "$(header Subject signed.enc)" = "[...]"
    armored_of signed.enc > signed.asc
    GNUPGHOME=$gh gpg --batch --pinentry-mode loopback --passphrase '' --decrypt -o signed.gpg signed.asc 2>>"$W/gpg.log"
    expect "$tag signed: gpg decrypts a multipart/signed" grep -q '^multipart/signed; protocol="application/pgp-signature"; micalg=pgp-sha256' <(header Content-Type signed.gpg)
    # Part 1 exactly as signed (RFC 3156 §5: up to the CRLF before the delimiter), part 2's armor.
    python3 - signed.gpg signed.part1 signed.sig <<'PY'
import re, sys
data = open(sys.argv[1], "rb").read()
head, body = data.split(b"\r\n\r\n", 1)
boundary = re.search(rb'boundary="([^"]+)"', head).group(1)
# The preamble ends in a CRLF; each part starts after its delimiter line's CRLF.
preamble, first, second = body.split(b"\r\n--" + boundary)[:3]
open(sys.argv[2], "wb").write(first[2:])
open(sys.argv[3], "wb").write(second[2:].split(b"\r\n\r\n", 1)[1])
PY
    expect "$tag signed: gpg --verify checks A's signature" env GNUPGHOME="$gh" gpg --batch --verify signed.sig signed.part1 2>>"$W/gpg.log"
    expect "$tag signed: the payload carries the protected Subject" test "$(header Subject signed.part1)" = "latin1"
    B decrypt --from alice@a.example --to bob@b.example < signed.enc > signed.dec
    expect "$tag signed: B finds A's signature valid" test "$(header X-Sealgate-Signature signed.dec)" = "valid; signer=$a_fpr; method=pgp"
    expect "$tag signed: B restores the byte-identical message" cmp -s <(strip_info signed.dec) <(crlf ../latin1.eml)
    A domain set b.example sign none > /dev/null
    A domain set b.example header-protection off > /dev/null

    # --- the peers encrypt to B ----------------------------------------------------------------
    GNUPGHOME=$gh gpgq --trust-model always -r "$fpr" --armor --encrypt -o gpg.asc ../latin1.inner
    sq encrypt --recipient-cert b-pub.asc -o sq.asc ../utf8.inner 2>/dev/null
    rnp --homedir "$rh" -r "$fpr" --encrypt --armor ../multipart.inner --output rnp.asc > /dev/null 2>&1
    local peer inner
    for peer in gpg:latin1 sq:utf8 rnp:multipart; do
        inner=${peer#*:}
        peer=${peer%:*}
        expect "$tag: $peer produced an armored message" grep -q "^-----BEGIN PGP MESSAGE-----" $peer.asc
        pgp_mime $peer.asc "from $peer" > $peer.eml
        B decrypt --to bob@b.example < $peer.eml > $peer.dec
        expect "$tag: $peer PGP/MIME → B restores the inner entity" cmp -s <(strip_info $peer.dec) <(pgp_mime_plain ../$inner.inner "from $peer")
        expect "$tag: $peer PGP/MIME → B says it decrypted" grep -q "^pgp; key=$fpr" <(header X-Sealgate-Decrypted $peer.dec)
    done
    # Inline PGP: a text/plain body that is one armored message; the text becomes the body.
    printf 'Hello from an inline PGP client.\nSecond line.\n' > inline.txt
    GNUPGHOME=$gh gpgq --trust-model always -r "$fpr" --armor --encrypt -o inline.asc inline.txt
    { printf 'From: alice@a.example\nTo: bob@b.example\nSubject: inline\nMIME-Version: 1.0\nContent-Type: text/plain; charset=us-ascii\nContent-Transfer-Encoding: 7bit\n\n'
      cat inline.asc; } > inline.eml
    B decrypt --to bob@b.example < inline.eml > inline.dec
    expect "$tag: inline PGP → B restores the text" cmp -s <(sed -n '/^\r$/,$p' inline.dec | sed 1d) <(crlf inline.txt)
    expect "$tag: inline PGP → B says it decrypted" grep -q "^pgp; key=$fpr" <(header X-Sealgate-Decrypted inline.dec)
    expect "$tag: inline PGP keeps the Content-Type" test "$(header Content-Type inline.dec)" = "text/plain; charset=us-ascii"
    # Mailers wrap armor in a transfer encoding too: B decodes it first. Inline PGP in
    # quoted-printable (every "=" of the armor becomes "=3D"); the decoded text loses the label.
    { printf 'From: alice@a.example\nTo: bob@b.example\nSubject: inline qp\nContent-Type: text/plain; charset=us-ascii\nContent-Transfer-Encoding: quoted-printable\n\n'
      sed 's/=/=3D/g' inline.asc; } > inline-qp.eml
    B decrypt --to bob@b.example < inline-qp.eml > inline-qp.dec
    expect "$tag: quoted-printable inline PGP → B restores the text" cmp -s <(sed -n '/^\r$/,$p' inline-qp.dec | sed 1d) <(crlf inline.txt)
    expect "$tag: quoted-printable inline PGP → no quoted-printable label" test -z "$(header Content-Transfer-Encoding inline-qp.dec)"
    # PGP/MIME with the armor of part 2 in base64.
    pgp_mime gpg.asc "base64 part" base64 > b64.eml
    B decrypt --to bob@b.example < b64.eml > b64.dec
    expect "$tag: base64 PGP/MIME part → B restores the inner entity" cmp -s <(strip_info b64.dec) <(pgp_mime_plain ../latin1.inner "base64 part")
    # Inline PGP with 8-bit text: labelled 8bit after decryption.
    printf 'Gr\xc3\xbc\xc3\x9fe inline.\n' > inline8.txt
    sq encrypt --recipient-cert b-pub.asc -o inline8.asc inline8.txt 2>/dev/null
    { printf 'From: alice@a.example\nTo: bob@b.example\nSubject: inline 8bit\nContent-Type: text/plain; charset=utf-8\n\n'
      cat inline8.asc; } > inline8.eml
    B decrypt --to bob@b.example < inline8.eml > inline8.dec
    expect "$tag: inline 8-bit → B restores the text" cmp -s <(sed -n '/^\r$/,$p' inline8.dec | sed 1d) <(crlf inline8.txt)
    expect "$tag: inline 8-bit → labelled 8bit" test "$(header Content-Transfer-Encoding inline8.dec)" = 8bit

    # --- refusals of bad input -----------------------------------------------------------------
    head -n 40 multipart.enc > truncated.eml
    expect_not "$tag: truncated PGP/MIME refused" B decrypt --to bob@b.example < truncated.eml > trunc.out 2> trunc.err
    expect "$tag: truncated: nothing on stdout" test ! -s trunc.out
    expect "$tag: truncated: one line on stderr" test "$(wc -l < trunc.err)" -eq 1
    # Armor cut inside (the END line present, the data short): also one line.
    { sed -n '1,/^-----BEGIN PGP MESSAGE-----/p' ascii.enc; armored_of ascii.enc | sed -n '3p'
      printf -- '-----END PGP MESSAGE-----\r\n--sealgate-pgp-mime-3156--\r\n'; } > cut.eml
    expect_not "$tag: cut armored data refused" B decrypt --to bob@b.example < cut.eml > cut.out 2> cut.err
    expect "$tag: cut armor: nothing on stdout" test ! -s cut.out
    expect "$tag: cut armor: one line on stderr" test "$(wc -l < cut.err)" -eq 1
    # Encrypted to a key B does not hold: A holds no secret key, and a key made by gpg.
    A decrypt --to alice@a.example < ascii.enc > notours.out
    expect "$tag: not for A: passes with a note" test "$(header X-Sealgate-Decrypted notours.out)" = 'no; reason="not encrypted to a key we hold"'
    expect "$tag: not for A: message unchanged" cmp -s <(strip_info notours.out) <(strip_info ascii.enc)
    GNUPGHOME=$gh gpgq --quick-gen-key '<other@c.example>' ed25519 cert never
    local other
    other=$(GNUPGHOME=$gh gpg --with-colons --list-keys '<other@c.example>' 2>/dev/null | awk -F: '/^fpr/ { print $10; exit }')
    GNUPGHOME=$gh gpgq --quick-add-key "$other" cv25519 encr never
    GNUPGHOME=$gh gpgq --trust-model always -r "$other" --armor --encrypt -o other.asc ../ascii.inner
    pgp_mime other.asc "not for B" > other.eml
    B decrypt --to bob@b.example < other.eml > other.dec
    expect "$tag: not for B: passes with a note" test "$(header X-Sealgate-Decrypted other.dec)" = 'no; reason="not encrypted to a key we hold"'
    expect "$tag: not for B: message unchanged" cmp -s <(strip_info other.dec) other.eml

    # --- method order: b.example has an S/MIME certificate too ------------------------------------
    openssl req -x509 -newkey rsa:2048 -nodes -keyout b.key -out b.crt -days 30 -subj "/CN=b.example domain" \
        -addext "keyUsage=critical,digitalSignature,keyEncipherment" \
        -addext "extendedKeyUsage=emailProtection" \
        -addext "subjectAltName=email:domain-cert@b.example" 2>/dev/null
    local cert
    cert=$(openssl x509 -in b.crt -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr A-F a-f)
    A cert import b.crt > /dev/null
    A ctl add "$cert" --trust > /dev/null
    A domain set b.example smime-cert "$cert" > /dev/null
    A domain set b.example method smime,pgp > /dev/null
    A encrypt --from alice@a.example --to bob@b.example < ../ascii.eml > order1.enc
    expect "$tag: method smime,pgp uses S/MIME" grep -q "^smime; cert=$cert; " <(header X-Sealgate-Encrypted order1.enc)
    A domain set b.example method pgp,smime > /dev/null
    A encrypt --from alice@a.example --to bob@b.example < ../ascii.eml > order2.enc
    expect "$tag: method pgp,smime uses PGP" test "$(header X-Sealgate-Encrypted order2.enc)" = "pgp; key=$fpr; alg=aes256-seipd1"
    B decrypt --to bob@b.example < order2.enc > order2.dec
    expect "$tag: method pgp,smime: B decrypts" cmp -s <(strip_info order2.dec) <(crlf ../ascii.eml)
    A domain set b.example method pgp > /dev/null

    # --- lifecycle: B's key is revoked -----------------------------------------------------------
    # gpg makes the revocation from B's exported secret key, headless: the answers come on
    # --command-fd (--gen-revoke refuses --batch). Reason 2: superseded.
    printf 'y\n2\nkey moved to a new gateway\n\ny\n' |
        GNUPGHOME=$gh gpg --yes --no-tty --pinentry-mode loopback --passphrase '' \
            --command-fd 0 --status-fd 2 --armor -o b-rev.asc --gen-revoke "$fpr" 2>>"$W/gpg.log"
    expect "$tag: gpg made a revocation certificate" grep -q "^-----BEGIN PGP PUBLIC KEY BLOCK-----" b-rev.asc
    A pgp import b-rev.asc > rev.out
    expect "$tag: A applies the revocation to B's key" grep -q "^$fpr  .*updated: now revoked" rev.out
    expect_not "$tag: revoked key: encrypt refuses" A encrypt --from alice@a.example --to bob@b.example < ../ascii.eml > revoked.out 2> revoked.err
    expect "$tag: revoked: nothing on stdout" test ! -s revoked.out
    expect "$tag: revoked: one line on stderr" test "$(wc -l < revoked.err)" -eq 1
    expect "$tag: revoked: says revoked" grep -q "revoked" revoked.err
    A domain set b.example encrypt-mode opportunistic > /dev/null
    A encrypt --from alice@a.example --to bob@b.example < ../ascii.eml > opp.out
    expect "$tag: opportunistic + revoked: passes with the reason" grep -q '^no; reason=".*revoked' <(header X-Sealgate-Encrypted opp.out)
    expect "$tag: opportunistic pass keeps the message" cmp -s <(strip_info opp.out) <(crlf ../ascii.eml)
    # With S/MIME second in line, the revoked key yields to the certificate.
    A domain set b.example method pgp,smime > /dev/null
    A domain set b.example encrypt-mode mandatory > /dev/null
    A encrypt --from alice@a.example --to bob@b.example < ../ascii.eml > fallback.enc
    expect "$tag: pgp,smime with the key revoked: S/MIME" grep -q "^smime; cert=$cert; " <(header X-Sealgate-Encrypted fallback.enc)

    cd "$W"
}

flow ""
flow rsa3072

finish
