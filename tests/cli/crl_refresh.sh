#!/usr/bin/env bash
# `sealgate crl refresh` and `crl list` against a local HTTP server (python3 -m http.server on
# 127.0.0.1): a partner certificate names the server's /ca.crl as its distribution point. A source
# that fails makes the refresh exit 75 (EX_TEMPFAIL) and shows in `crl list`; a good CRL is
# stored, listed with its source, and not fetched again until due unless --force.
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"

mkdir srv
python3 -u -m http.server 0 --bind 127.0.0.1 --directory srv > http.log 2>&1 &
HTTP_PID=$!
trap 'kill $HTTP_PID 2>/dev/null; rm -rf "$W"' EXIT
for _ in $(seq 100); do grep -q 'port [0-9]' http.log && break; sleep 0.1; done
PORT=$(sed -n 's/.* port \([0-9]*\).*/\1/p' http.log | head -1)
[ -n "$PORT" ] || { echo "no HTTP server"; exit 1; }
URL="http://127.0.0.1:$PORT/ca.crl"

q() { "$@" >> pki.log 2>&1; }
q openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.crt \
    -subj "/CN=Partner CLI CA" -days 30 \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
q openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout p.key -out p.csr \
    -subj "/CN=bob/emailAddress=bob@partner.example"
printf 'crlDistributionPoints=URI:%s\nsubjectAltName=email:bob@partner.example\n' "$URL" > ext.cnf
q openssl x509 -req -in p.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out p.crt -days 30 \
    -extfile ext.cnf
printf '[ca]\ndefault_ca=d\n[d]\ndatabase=index.txt\ncrlnumber=crlnumber\ndefault_md=sha256\n' > ca.cnf
: > index.txt; echo 01 > crlnumber
q openssl ca -config ca.cnf -keyfile ca.key -cert ca.crt -gencrl -crldays 2 -out ca-1.crl

A() { "$SEALGATE" --store "$W/a.db" "$@"; }
A init > /dev/null
A root add ca.crt > /dev/null
A cert import p.crt > /dev/null

A crl list > list0.out
expect "list: the distribution point is shown" grep -q "$URL" list0.out
expect "list: never fetched, due" grep -q "never fetched.*DUE" list0.out

# Nothing served yet: a 404, exit 75, the failure recorded.
rc=0; A crl refresh > r1.out 2> r1.err || rc=$?
expect "refresh of a missing CRL exits 75" test "$rc" -eq 75
expect "refresh names the failed source and the status" grep -q "$URL  FAILED.*404" r1.out
A crl list > list1.out
expect "list: the failed fetch is shown" grep -q "last fetch .* FAILED: .*404" list1.out

# Not a CRL: refused, still 75.
echo "<html>not a CRL</html>" > srv/ca.crl
rc=0; A crl refresh > r2.out 2> r2.err || rc=$?
expect "refresh of a non-CRL exits 75" test "$rc" -eq 75
expect "nothing stored" test -z "$(A crl list | sed '/^$/,$d')"

# The CA's CRL: stored, listed with its source, and not due any more.
cp ca-1.crl srv/ca.crl
expect "refresh of a good CRL succeeds" A crl refresh > r3.out
expect "refresh says stored" grep -q "$URL  ok  stored" r3.out
A crl list > list3.out
expect "list: the CRL with its source" grep -q "Partner CLI CA.*source $URL" list3.out
expect "list: last fetch ok" grep -q "last fetch .* ok" list3.out
expect_not "list: no longer due" grep -q "DUE$" list3.out

# Not due: not fetched; --force fetches (the same CRL: not newer).
gets=$(grep -c 'GET /ca.crl' http.log)
expect "refresh when nothing is due" A crl refresh > r4.out
expect "refresh says nothing is due" grep -q "no distribution point is due" r4.out
expect "nothing fetched" test "$(grep -c 'GET /ca.crl' http.log)" -eq "$gets"
expect "refresh --force" A crl refresh --force > r5.out
expect "--force fetched, not newer" grep -q "$URL  ok  not newer" r5.out
expect "fetched once more" test "$(grep -c 'GET /ca.crl' http.log)" -eq $((gets + 1))

finish
