#!/usr/bin/env bash
# OpenPGP domain keys through the command line: create our key and hand it out (gpg and sq read
# the same fingerprint that `pgp show` prints), import a partner's key made with gpg (untrusted
# until `pgp trust`), bind it to a domain, live through its renewal and revocation (the key
# stays held, unusable, with the reason), import the interop-suite sample keys, and refuse
# garbage with one line.
source "$(dirname "$0")/lib.sh"

export GNUPGHOME=$W/gnupg
mkdir -m 700 "$GNUPGHOME"
# gpg starts an agent per home directory: stop them before the directory goes.
trap 'for h in "$W"/gnupg*; do GNUPGHOME=$h gpgconf --kill gpg-agent 2>/dev/null || true; done; rm -rf "$W"' EXIT
gpgq() { gpg --batch --yes --no-tty --pinentry-mode loopback --passphrase '' "$@" 2>>"$W/gpg.log"; }
S() { "$SEALGATE" --store "$W/s.db" "$@"; }
upper() { tr a-f A-F <<<"$1"; }
SUITE=$SEALGATE_TESTDATA/openpgp/interop-suite

S init > /dev/null

# --- our own key --------------------------------------------------------------------------
FPR=$(S pgp create --uid "Example Domain <domain-cert@example.com>")
expect "create prints a 40-digit fingerprint" grep -qx '[0-9a-f]\{40\}' <<<"$FPR"
S pgp export "${FPR:0:8}" -o pub.pgp
GPG_FPR=$(gpg --with-colons --import-options show-only --import pub.pgp 2>/dev/null |
          awk -F: '/^fpr/ { print $10; exit }')
expect "gpg reads the fingerprint that create printed" test "$GPG_FPR" = "$(upper "$FPR")"
sq inspect pub.pgp > inspect.out 2>&1 || true
expect "sq inspect reads the same fingerprint" grep -q "Fingerprint: $(upper "$FPR")" inspect.out
expect "public export is binary (no armor)" test "$(head -c 5 pub.pgp)" != "-----"

S pgp export "$FPR" --armor > pub.asc
expect "export --armor is an armored public key" grep -q "^-----BEGIN PGP PUBLIC KEY BLOCK-----" pub.asc
expect "gpg imports the armored export" gpgq --import pub.asc
GPG_GROUPS=$(gpg --fingerprint "$FPR" 2>/dev/null | sed -n 2p | sed 's/^ *//')
S pgp show "$FPR" > own.out
expect "show: fingerprint grouped as gpg --fingerprint" grep -qF "Fingerprint:     $GPG_GROUPS" own.out
expect "show: fingerprint as 40 plain digits" grep -q "^ *$FPR$" own.out
expect "show: the user ID" grep -qF "User ID:         Example Domain <domain-cert@example.com>" own.out
expect "show: Ed25519 primary" grep -q "^Primary key: *EDDSA Ed25519, .*certify" own.out
expect "show: Curve25519 encryption subkey" grep -q "ECDH Curve25519, .*encrypt" own.out
expect "show: the secret key is held" grep -q "^Secret key: *held" own.out
expect "show: our own key is trusted" grep -q "^Trust: *trusted" own.out
expect "show: our own key is usable" grep -q "^Encryption: *usable" own.out
# gpg's view of the validity: expiry - creation = 2 x 365 days by default.
VALIDITY=$(gpg --with-colons --import-options show-only --import pub.pgp 2>/dev/null |
           awk -F: '/^pub/ { print $7 - $6; exit }')
expect "create: default expiry 2y (730 days, as gpg reads it)" test "$VALIDITY" = $((730 * 86400))
RSA=$(S pgp create --uid "RSA Domain <rsa@example.com>" --algo rsa3072 --expires never)
S pgp show "$RSA" > rsa.out
expect "create --algo rsa3072: RSA 3072 primary and subkey" test "$(grep -c 'RSA 3072, .*expires never' rsa.out)" -eq 2
expect_not "create with a bad expiry fails" S pgp create --uid x --expires 5q 2> badexp.err
expect "bad expiry: one line" test "$(wc -l < badexp.err)" -eq 1
# The fingerprint as read aloud (groups, upper case) or with colons resolves to the same key.
expect "grouped upper-case fingerprint resolves" S pgp show "$GPG_GROUPS" > /dev/null
expect "colon-separated prefix resolves" S pgp show "$(sed 's/../&:/g; s/:$//' <<<"${FPR:0:12}")" > /dev/null
expect_not "a 7-digit prefix is refused" S pgp show "${FPR:0:7}" 2> short.err
expect "short prefix error says why" grep -q "too short" short.err
expect_not "an unknown fingerprint is refused" S pgp show 0000000000 2> none.err
expect "unknown fingerprint error is one line" test "$(wc -l < none.err)" -eq 1

# The secret key round-trips through gpg: gpg decrypts what it encrypts to the exported key.
S pgp export "$FPR" --secret --armor -o sec.asc
expect "export --secret is an armored private key" grep -q "^-----BEGIN PGP PRIVATE KEY BLOCK-----" sec.asc
G2=$W/gnupg2
mkdir -m 700 "$G2"
expect "gpg imports the exported secret key" env GNUPGHOME="$G2" gpg --batch --import sec.asc 2> g2.log
expect "gpg holds the secret key" grep -qi "^sec" <(GNUPGHOME=$G2 gpg --with-colons --list-secret-keys "$FPR" 2>/dev/null)
# Another gateway imports our key with its secret part (moving the gateway): ours, trusted.
"$SEALGATE" --store "$W/t.db" init > /dev/null
"$SEALGATE" --store "$W/t.db" pgp import sec.asc > moved.out
expect "imported secret key: new, trusted" grep -q "^$FPR  Example Domain <domain-cert@example.com>  new, with secret key (trusted)$" moved.out
expect_not "a revocation of a key not held is refused" "$SEALGATE" --store "$W/t.db" pgp import "$SUITE/bob-revocation.pgp" 2> notheld.err
expect "revocation of a key not held: says so" grep -q "nor a revocation of a held key" notheld.err
expect "imported secret key: held" grep -q "^Secret key: *held" <("$SEALGATE" --store "$W/t.db" pgp show "$FPR")
echo "secret round trip" > plain.txt
GNUPGHOME=$G2 gpg --batch --yes --trust-model always -r "$FPR" -o plain.gpg --encrypt plain.txt 2>>g2.log
expect "gpg decrypts with the exported secret key" cmp -s plain.txt <(GNUPGHOME=$G2 gpg --batch --pinentry-mode loopback --passphrase '' --decrypt plain.gpg 2>/dev/null)

# --- a partner key made with gpg ------------------------------------------------------------
gpgq --quick-gen-key '<domain-cert@partner.example>' ed25519 cert,sign never
P=$(gpg --with-colons --list-keys '<domain-cert@partner.example>' 2>/dev/null | awk -F: '/^fpr/ { print $10; exit }')
gpgq --quick-add-key "$P" cv25519 encr 2y
p=$(tr A-F a-f <<<"$P")
gpg --export "$P" > partner.pgp 2>/dev/null
S pgp import partner.pgp > imp.out
expect "import reports the new key with its user ID" grep -q "^$p  <domain-cert@partner.example>  new" imp.out
expect_not "import of a good key has no warning" grep -q "warning" imp.out
S pgp show "${p:0:10}" > partner.out
expect "partner key is not trusted" grep -q "^Trust: *not trusted" partner.out
expect "untrusted: NOT usable, and how to fix it" grep -qF 'Encryption:      NOT usable: not trusted (compare fingerprints, then `sealgate pgp trust`)' partner.out
expect "partner key has no secret" grep -q "^Secret key: *none" partner.out
expect_not "export --secret of a partner key fails" S pgp export "$p" --secret 2> nosec.err
expect "no-secret error names the key" grep -q "no secret key held for $p" nosec.err
S pgp trust "$(upper "${p:0:16}")" > /dev/null
S pgp show "$p" > trusted.out
expect "trusted partner key is usable" grep -q "^Encryption: *usable" trusted.out
S pgp list > list.out
expect "list: header" grep -q "^FINGERPRINT .*SECRET .*TRUST .*USABLE .*DOMAINS .*CREATED .*EXPIRES .*STATE .*USER ID" list.out
expect "list: partner key trusted, usable, no secret" grep -qE "^$p +- +trusted +yes +- +[0-9-]+ +[0-9a-z-]+ +partner +<domain-cert@partner.example>" list.out
expect "list: our key with its secret" grep -qE "^$FPR +yes +trusted +yes " list.out
S pgp untrust "$p" > /dev/null
expect "untrust: NOT usable again" grep -q "NOT usable: not trusted" <(S pgp show "$p")
S pgp trust "$p" > /dev/null

# Domain bindings: only to existing domains, lower-cased, no duplicates.
expect_not "add-domain to a missing domain fails" S pgp add-domain "$p" partner.example 2> nodom.err
expect "missing domain error says how to add it" grep -qF 'sealgate: no domain partner.example (add it with `sealgate domain add`)' nodom.err
S domain add partner.example > /dev/null
expect "add-domain to an existing domain" S pgp add-domain "$p" PARTNER.Example > /dev/null
expect "show: the bound domain" grep -q "^Domains: *partner.example$" <(S pgp show "$p")
expect_not "the same domain twice is refused" S pgp add-domain "$p" partner.example 2> /dev/null
expect "list: the bound domain" grep -qE "^$p .* partner.example +[0-9-]+ +[0-9a-z-]+ +partner +<domain" <(S pgp list)

# Renewal: a new expiry on the encryption subkey, imported over the held key: trust and
# domain stay.
SUB=$(gpg --with-colons --list-keys "$P" 2>/dev/null | awk -F: '/^fpr/ { n++ } /^fpr/ && n == 2 { print $10; exit }')
gpgq --quick-set-expire "$P" 3y "$SUB"
gpg --export "$P" > renewed.pgp 2>/dev/null
S pgp import renewed.pgp > renew.out
expect "renewal: updated, subkey expiry" grep -q "^$p  .*  updated: subkey $(tr A-F a-f <<<"$SUB") expires" renew.out
S pgp show "$p" > renewed.out
expect "renewal keeps trust" grep -q "^Trust: *trusted" renewed.out
expect "renewal keeps the domain" grep -q "^Domains: *partner.example" renewed.out
S pgp import renewed.pgp > again.out
expect "importing the same key again: unchanged" grep -q "  unchanged$" again.out

# Revocation: gpg's revocation certificate alone, applied to the held key.
sed 's/^:-----/-----/' "$GNUPGHOME/openpgp-revocs.d/$P.rev" > partner-rev.asc
S pgp import partner-rev.asc > rev.out
expect "revocation certificate: updated, now revoked" grep -q "^$p  <domain-cert@partner.example>  updated: now revoked" rev.out
expect "revocation: the import warns" grep -q "warning: not usable: revoked (" rev.out
S pgp show "$p" > revoked.out
expect "revoked key stays held" grep -q "^ *$p$" revoked.out
expect "show: primary key REVOKED" grep -q "^Primary key: .*REVOKED" revoked.out
expect "show: NOT usable: revoked" grep -q "^Encryption: *NOT usable: revoked (" revoked.out
expect "revoked key keeps its domain" grep -q "^Domains: *partner.example" revoked.out

# Revocation as a full key update (the partner exports the revoked key).
gpgq --quick-gen-key '<second@partner.example>' ed25519 cert,sign never
P2=$(gpg --with-colons --list-keys '<second@partner.example>' 2>/dev/null | awk -F: '/^fpr/ { print $10; exit }')
gpgq --quick-add-key "$P2" cv25519 encr 2y
gpg --export "$P2" > second.pgp 2>/dev/null
S pgp import second.pgp > /dev/null
sed 's/^:-----/-----/' "$GNUPGHOME/openpgp-revocs.d/$P2.rev" > second-rev.asc
gpgq --import second-rev.asc
gpg --armor --export "$P2" > second-revoked.asc 2>/dev/null
S pgp import second-revoked.asc > rev2.out
expect "revoked key update: now revoked" grep -q "updated: now revoked" rev2.out
S pgp show "$P2" > rev2.show
expect "show: untrusted and revoked says both" grep -q "NOT usable: not trusted (.*); also revoked (" rev2.show

# --- the interop-suite sample keys ---------------------------------------------------------
for k in alice bob ricarda john; do
    S pgp import "$SUITE/$k.pgp" > "suite-$k.out"
    kf=$(awk '{ print $1; exit }' "suite-$k.out")
    expect "interop-suite $k imports as new" grep -q "  new" "suite-$k.out"
    expect "interop-suite $k shows" S pgp show "$kf" > "suite-$k.show"
done
expect "ricarda: fingerprint as gpg --fingerprint groups it" grep -qF "2ADE 0F8A A059 6BC9 4E50  D2AD 9162 53AB 652E F195" suite-ricarda.show
expect "ricarda: RSA 3072 primary" grep -q "^Primary key: *RSA 3072" suite-ricarda.show
expect "ricarda: the UTF-8 user ID" grep -qF "Ricarda S. Álvarez <ricarda@openpgp.example>" suite-ricarda.show
expect "john: a v3 key imports with a warning" grep -q "warning: not usable: unsupported v3 key" suite-john.out
expect "alice is held" grep -q "^eb85bb5fa33a75e15e944e63f231550c4f47e38e " suite-alice.out
S pgp import "$SUITE/alice-revocation.pgp" > alice-rev.out
expect "alice's bare revocation applies to alice" grep -q "^eb85bb5fa33a75e15e944e63f231550c4f47e38e  .*updated: now revoked" alice-rev.out
S pgp import "$SUITE/bob-secret.pgp" > bob-sec.out
expect "bob's secret added to the held public key" grep -q "secret key added" bob-sec.out
expect "bob: the secret is held" grep -q "^Secret key: *held" <(S pgp show "$(awk '{ print $1; exit }' bob-sec.out)")
S pgp import "$SUITE/carol-secret.pgp" > carol.out
expect "a new key with its secret part is ours: trusted" grep -q "  new, with secret key (trusted)" carol.out
expect "carol: trusted, secret held" grep -qE "^$(awk '{ print $1; exit }' carol.out) +yes +trusted " <(S pgp list)
# The same key before and after its revocation as "compromised" (sqv's revoked_key vectors).
S pgp import "$SUITE/revoked-key-cert-not-revoked.pgp" > juliet.out
expect "a sign-only key imports with a warning" grep -q "warning: not usable: no valid encryption subkey" juliet.out
S pgp import "$SUITE/revoked-key-cert-revoked-compromised.pgp" > comp.out
expect "the revoked update says now revoked, with the reason" grep -q "^f2d150a4fe98925d51e91539684fad62dc038fbb  .*updated: now revoked (compromised" comp.out
expect "revoked compromised key: show says why" grep -q "REVOKED (compromised" <(S pgp show f2d150a4fe98925d51e91539684fad62dc038fbb)

# --- refusals -----------------------------------------------------------------------------
bytes 500 > garbage.bin
expect_not "garbage is refused" S pgp import garbage.bin > garbage.out 2> garbage.err
expect "garbage: one line on stderr" test "$(wc -l < garbage.err)" -eq 1
expect "garbage: the line names the file" grep -q "^sealgate: garbage.bin: no OpenPGP key in it" garbage.err
expect "garbage: nothing on stdout" test ! -s garbage.out
expect_not "a missing file is refused" S pgp import no-such-file.pgp 2> /dev/null
expect_not "remove-domain of an unbound domain fails" S pgp remove-domain "$FPR" partner.example 2> /dev/null
expect "remove-domain of a bound domain" S pgp remove-domain "$p" partner.example > /dev/null
expect "show: no domains after remove-domain" grep -q "^Domains: *(none)" <(S pgp show "$p")

# --- remove ---------------------------------------------------------------------------------
expect "remove a key" S pgp remove "$p" > /dev/null
expect_not "the removed key is gone" S pgp show "$p" 2> /dev/null
expect_not "list no longer has it" grep -q "^$p " <(S pgp list)

finish
