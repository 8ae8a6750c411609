#!/bin/sh
# make-key-table.sh DIR — the OpenPGP keys of the key-strength table, made with gpg in DIR/gnupg.
# For each NAME: NAME.pgp (binary public key), NAME.sec (binary secret key, unprotected) and
# NAME.fpr (the primary fingerprint, 40 lower-case hex digits). User ID <NAME@keys.example>,
# no expiry, SHA-256 self-signatures (librnp refuses new SHA-1 ones, docs/architecture.md):
#   rsa1024     RSA-1024 primary + RSA-1024 encryption subkey
#   rsa2048     RSA-2048 primary + RSA-2048 encryption subkey
#   elg1024     DSA-2048 primary + ElGamal-1024 encryption subkey (a weak subkey only)
#   dsa1024     DSA-1024 primary + ElGamal-2048 encryption subkey (a weak primary only)
#   ed25519     Ed25519 primary + Curve25519 (cv25519) encryption subkey
#   p256        NIST P-256 ECDSA primary + P-256 ECDH subkey
#   bp256       brainpoolP256r1 primary + subkey
#   secp256k1   secp256k1 primary + subkey
# Used by tests/openpgp, tests/policy and tests/cli/key_strength.sh.
set -eu
cd "$1"
export GNUPGHOME="$PWD/gnupg"
mkdir -m 700 -p "$GNUPGHOME"
trap 'gpgconf --kill gpg-agent 2>/dev/null || true' EXIT
g() { gpg --batch --yes --no-tty --pinentry-mode loopback --passphrase '' \
          --cert-digest-algo SHA256 --digest-algo SHA256 "$@" 2>>keys.log; }
fpr() { gpg --with-colons --list-keys "<$1@keys.example>" 2>>keys.log |
        awk -F: '/^fpr/ { print tolower($10); exit }'; }
# quick NAME PRIMARY-ALGO SUBKEY-ALGO
quick() {
    g --quick-gen-key "<$1@keys.example>" "$2" cert,sign never
    g --quick-add-key "$(fpr "$1")" "$3" encr never
}
# batch NAME PRIMARY-TYPE PRIMARY-LENGTH SUBKEY-TYPE SUBKEY-LENGTH
batch() {
    printf '%%no-protection\nKey-Type: %s\nKey-Length: %s\nKey-Usage: sign\nSubkey-Type: %s\nSubkey-Length: %s\nSubkey-Usage: encrypt\nName-Email: %s@keys.example\nExpire-Date: 0\n%%commit\n' \
        "$2" "$3" "$4" "$5" "$1" > "$1.batch"
    g --gen-key "$1.batch"
}
quick rsa1024 rsa1024 rsa1024
quick rsa2048 rsa2048 rsa2048
batch elg1024 DSA 2048 ELG-E 1024
batch dsa1024 DSA 1024 ELG-E 2048
quick ed25519 ed25519 cv25519
quick p256 nistp256 nistp256
quick bp256 brainpoolP256r1 brainpoolP256r1
quick secp256k1 secp256k1 secp256k1
for n in rsa1024 rsa2048 elg1024 dsa1024 ed25519 p256 bp256 secp256k1; do
    fpr "$n" > "$n.fpr"
    test -s "$n.fpr"
    g --export "<$n@keys.example>" > "$n.pgp"
    g --export-secret-keys "<$n@keys.example>" > "$n.sec"
done
echo done > keys.ok
