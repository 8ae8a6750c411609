#!/bin/sh
# Seed corpus for tests/openpgp/fuzz_message.cpp: messages encrypted with gpg to Bob's public
# test key (and to Alice's, which the target does not hold), armored and binary, as they arrive:
# raw (byte 0 even) and inside PGP/MIME or inline-PGP mail, plain, quoted-printable and base64
# (byte 0 odd). Run from the repository root: sh tests/data/openpgp/make_seeds.sh
set -eu
here=tests/data/openpgp
out=$here/message_corpus
suite=$here/interop-suite
mkdir -p "$out"
GNUPGHOME=$(mktemp -d)
export GNUPGHOME
trap 'rm -rf "$GNUPGHOME"' EXIT
gpg -q --batch --import "$suite/bob.pgp" "$suite/alice.pgp" "$suite/alice-secret.pgp" 2>/dev/null
bob=$(gpg --batch --with-colons --list-keys bob@openpgp.example | awk -F: '/^fpr/{print $10; exit}')
alice=$(gpg --batch --with-colons --list-keys alice@openpgp.example | awk -F: '/^fpr/{print $10; exit}')
enc() { gpg -q --batch --trust-model always --compress-algo none "$@"; }

seed() {  # seed NAME PREFIX-BYTE FILE
    { printf "$2"; cat "$3"; } >"$out/$1"
}
tmp=$(mktemp -d)
printf 'Content-Type: text/plain; charset=utf-8\r\n\r\nHello Bob.\r\n' >"$tmp/plain"
enc -e -r "$bob" -a -o "$tmp/bob.asc" "$tmp/plain"
enc -e -r "$bob" -o "$tmp/bob.gpg" "$tmp/plain"
enc -e -r "$alice" -a -o "$tmp/alice.asc" "$tmp/plain"
enc -e -r "$bob" -r "$alice" -a -o "$tmp/both.asc" "$tmp/plain"
enc -s -u "$alice" -a -o "$tmp/signed.asc" "$tmp/plain"
enc -e -r "$bob" -s -u "$alice" -o "$tmp/signed-enc.gpg" "$tmp/plain"
# SED (tag 9), no integrity protection: must be refused.
enc --rfc2440 -e -r "$bob" -o "$tmp/sed.gpg" "$tmp/plain" 2>/dev/null
for f in bob.asc bob.gpg alice.asc both.asc signed.asc signed-enc.gpg sed.gpg; do
    seed "raw-$f" '\000' "$tmp/$f"
done
# Truncated and bit-flipped: the failure paths.
head -c 200 "$tmp/bob.gpg" >"$tmp/trunc.gpg" && seed raw-truncated '\000' "$tmp/trunc.gpg"

pgp_mime() {  # pgp_mime ARMOR-FILE CTE
    printf 'From: a@x.example\r\nTo: b@y.example\r\nMIME-Version: 1.0\r\n'
    printf 'Content-Type: multipart/encrypted; protocol="application/pgp-encrypted"; boundary="b1"\r\n\r\n'
    printf -- '--b1\r\nContent-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n\r\n'
    printf -- '--b1\r\nContent-Type: application/octet-stream\r\n'
    case $2 in
    base64) printf 'Content-Transfer-Encoding: base64\r\n\r\n'; base64 -w 76 "$1" | sed 's/$/\r/' ;;
    *) printf '\r\n'; sed 's/$/\r/' "$1" ;;
    esac
    printf -- '--b1--\r\n'
}
inline() {  # inline ARMOR-FILE CTE
    printf 'From: a@x.example\r\nTo: b@y.example\r\nContent-Type: text/plain\r\n'
    case $2 in
    base64) printf 'Content-Transfer-Encoding: base64\r\n\r\n'; base64 -w 76 "$1" | sed 's/$/\r/' ;;
    quoted-printable) printf 'Content-Transfer-Encoding: quoted-printable\r\n\r\n'
        sed 's/=/=3D/g; s/$/\r/' "$1" ;;
    *) printf '\r\n'; sed 's/$/\r/' "$1" ;;
    esac
}
for f in bob alice both; do
    pgp_mime "$tmp/$f.asc" 7bit >"$tmp/m" && seed "mime-$f" '\001' "$tmp/m"
    inline "$tmp/$f.asc" 7bit >"$tmp/m" && seed "inline-$f" '\001' "$tmp/m"
done
pgp_mime "$tmp/bob.asc" base64 >"$tmp/m" && seed mime-bob-base64 '\001' "$tmp/m"
inline "$tmp/bob.asc" quoted-printable >"$tmp/m" && seed inline-bob-qp '\001' "$tmp/m"
inline "$tmp/bob.asc" base64 >"$tmp/m" && seed inline-bob-base64 '\001' "$tmp/m"
inline "$tmp/signed.asc" 7bit >"$tmp/m" && seed inline-signed '\001' "$tmp/m"
rm -rf "$tmp"
