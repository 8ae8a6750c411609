#!/bin/sh
# make-key-table.sh DIR — the certificates of the key-strength table, made with the openssl CLI.
# Each NAME.crt is an end-entity certificate for NAME@keys.example issued by ca.crt (RSA-2048,
# "Key Table Root"), valid 365 days, with no keyUsage/extendedKeyUsage (so that only the key
# decides), and NAME.key its private key where one exists:
#   rsa512 rsa1024 rsa2048        RSA of that size
#   rsapss2048                    an RSA-PSS key (signatures only)
#   dsa1024                       DSA
#   p192 p224 p256 p384 p521      NIST curves (prime192v1 ... secp521r1)
#   bp256                         brainpoolP256r1
#   secp256k1                     the Bitcoin curve
#   ecexplicit                    P-256 with explicit curve parameters (no curve name)
#   ed25519 x25519                Ed25519 (signing) and X25519 (ECDH) keys
#   rsa20000                      a 20000-bit modulus (no private key: the public key is made
#                                 by hand, as generating one would take hours); OpenSSL reads it
#                                 but refuses every operation with it
# Used by tests/crypto, tests/policy, tests/cli/key_strength.sh and tests/e2e.
set -eu
cd "$1"
q() { "$@" 2>>keys.log >/dev/null; }
cat > keys.cnf <<'CNF'
[req]
distinguished_name=dn
prompt=no
[dn]
CN=unused
[ca_ext]
basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
CNF
q openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 3650 \
    -config keys.cnf -extensions ca_ext -subj '/O=Sealgate Test/CN=Key Table Root'
printf '[ee]\nbasicConstraints=critical,CA:FALSE\nsubjectAltName=email:${ENV::NAME}@keys.example\n' > ee.cnf
# issue NAME [PUBKEY]: certify NAME.key (or, with PUBKEY, that public key in a CSR signed by
# the CA key: the certificate does not need the private key).
issue() {
    if [ $# -eq 2 ]; then
        q openssl req -new -key ca.key -out "$1.csr" -subj "/O=Key Table/CN=$1"
        force="-force_pubkey $2"
    else
        q openssl req -new -key "$1.key" -out "$1.csr" -subj "/O=Key Table/CN=$1"
        force=""
    fi
    # shellcheck disable=SC2086
    NAME=$1 q openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 365 \
        -sha256 -extfile ee.cnf -extensions ee $force -out "$1.crt"
}
for bits in 512 1024 2048; do
    q openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:$bits -out rsa$bits.key
    issue rsa$bits
done
q openssl genpkey -algorithm RSA-PSS -pkeyopt rsa_keygen_bits:2048 -out rsapss2048.key
issue rsapss2048
q openssl genpkey -genparam -algorithm DSA -pkeyopt dsa_paramgen_bits:1024 -out dsa.param
q openssl genpkey -paramfile dsa.param -out dsa1024.key
issue dsa1024
for c in p192:prime192v1 p224:secp224r1 p256:P-256 p384:P-384 p521:P-521 \
         bp256:brainpoolP256r1 secp256k1:secp256k1; do
    q openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:"${c#*:}" -out "${c%%:*}.key"
    issue "${c%%:*}"
done
q openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -pkeyopt ec_param_enc:explicit -out ecexplicit.key
issue ecexplicit
q openssl genpkey -algorithm ED25519 -out ed25519.key
issue ed25519
q openssl genpkey -algorithm X25519 -out x25519.key
q openssl pkey -in x25519.key -pubout -out x25519.pub
issue x25519 x25519.pub
# SubjectPublicKeyInfo of a 20000-bit RSA modulus (2^19999 + 2^64 + 1: odd, the right length).
{
    echo 'asn1=SEQUENCE:spki'
    echo '[spki]'
    echo 'alg=SEQUENCE:alg'
    echo 'key=BITWRAP,SEQUENCE:rsakey'
    echo '[alg]'
    echo 'oid=OID:rsaEncryption'
    echo 'null=NULL'
    echo '[rsakey]'
    printf 'n=INTEGER:0x8%04967d%016x%016x\n' 0 1 1
    echo 'e=INTEGER:65537'
} > rsa20000.asn1
q openssl asn1parse -genconf rsa20000.asn1 -out rsa20000.der -noout
q openssl pkey -pubin -inform DER -in rsa20000.der -out rsa20000.pub
issue rsa20000 rsa20000.pub
echo done > keys.ok
