#!/bin/sh
# make-pki.sh DIR — a throw-away test PKI made with the openssl CLI, for the verify and interop
# tests. Validity is relative to now with fixed -days, so nothing in it ever expires under the
# tests. RSA-2048 keeps generation fast.
#   ca.crt/ca.key          root CA "Sealgate Test Root"
#   inter.crt/inter.key    intermediate CA under the root
#   ee.crt/ee.key          good RSA end entity (KU keyEncipherment, EKU emailProtection)
#   ec.crt/ec.key          good P-256 end entity (KU keyAgreement)
#   viainter.crt           good end entity issued by the intermediate
#   badku.crt              KU digitalSignature only
#   badeku.crt             EKU serverAuth only
#   encku.crt              KU keyEncipherment only, EKU emailProtection (encrypts, cannot sign)
#   revoked.crt            revoked in ca.crl (PEM) / ca.crl.der
#   stranger.crt           issued by an untrusted CA
#   ee-legacy.p12          ee key+cert+ca, legacy key PBE (gpgsm 2.2), password "test";
#                          certificates unencrypted: gpgsm 2.2 fails on some 3DES cert bags
set -eu
cd "$1"
cat > pki.cnf <<'CNF'
[req]
distinguished_name=dn
prompt=no
[dn]
CN=unused
[ca_ext]
basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
[ee_ext]
basicConstraints=critical,CA:FALSE
keyUsage=critical,keyEncipherment,digitalSignature
extendedKeyUsage=emailProtection
subjectAltName=email:domain-cert@partner.example
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
[ec_ext]
basicConstraints=critical,CA:FALSE
keyUsage=critical,keyAgreement,digitalSignature
extendedKeyUsage=emailProtection
subjectAltName=email:ec-cert@partner.example
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
[badku_ext]
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
subjectAltName=email:badku@partner.example
[badeku_ext]
basicConstraints=critical,CA:FALSE
keyUsage=critical,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=email:badeku@partner.example
[encku_ext]
basicConstraints=critical,CA:FALSE
keyUsage=critical,keyEncipherment
extendedKeyUsage=emailProtection
subjectAltName=email:encku@partner.example
[ca]
default_ca=ca_default
[ca_default]
database=index.txt
crlnumber=crlnumber
default_md=sha256
default_crl_days=30
CNF
: > index.txt
echo 01 > crlnumber
q() { "$@" 2>>pki.log >/dev/null; }
q openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 3650 \
    -config pki.cnf -extensions ca_ext -subj '/O=Sealgate Test/CN=Sealgate Test Root'
q openssl req -x509 -newkey rsa:2048 -nodes -keyout other.key -out other.crt -days 3650 \
    -config pki.cnf -extensions ca_ext -subj '/CN=Untrusted Test Root'
issue() { # issue NAME KEYALG CA EXT SUBJECT
    if [ "$2" = ec ]; then
        q openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.key"
        q openssl req -new -key "$1.key" -out "$1.csr" -subj "$5"
    else
        q openssl req -newkey "$2" -nodes -keyout "$1.key" -out "$1.csr" -subj "$5"
    fi
    q openssl x509 -req -in "$1.csr" -CA "$3.crt" -CAkey "$3.key" -CAcreateserial -days 365 \
        -sha256 -extfile pki.cnf -extensions "$4" -out "$1.crt"
}
issue inter rsa:2048 ca ca_ext '/O=Sealgate Test/CN=Sealgate Test Intermediate'
issue ee rsa:2048 ca ee_ext '/O=Partner/CN=domain-cert@partner.example'
issue ec ec ca ec_ext '/O=Partner/CN=ec-cert@partner.example'
issue viainter rsa:2048 inter ee_ext '/O=Partner/CN=via intermediate'
issue badku rsa:2048 ca badku_ext '/O=Partner/CN=bad key usage'
issue badeku rsa:2048 ca badeku_ext '/O=Partner/CN=bad extended key usage'
issue encku rsa:2048 ca encku_ext '/O=Partner/CN=encryption only'
issue revoked rsa:2048 ca ee_ext '/O=Partner/CN=revoked'
issue stranger rsa:2048 other ee_ext '/O=Stranger/CN=stranger'
q openssl ca -config pki.cnf -keyfile ca.key -cert ca.crt -revoke revoked.crt
q openssl ca -config pki.cnf -keyfile ca.key -cert ca.crt -gencrl -out ca.crl
q openssl crl -in ca.crl -outform DER -out ca.crl.der
q openssl pkcs12 -export -inkey ee.key -in ee.crt -certfile ca.crt -name partner \
    -passout pass:test -keypbe PBE-SHA1-3DES -certpbe NONE -macalg sha1 -out ee-legacy.p12
echo done > pki.ok
