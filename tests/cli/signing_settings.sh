#!/usr/bin/env bash
# Issue 15 at the command line: a domain's signature settings (`domain set D sign
# none|sign|sign-and-encrypt`, `require-signature true|false`, `on-bad-signature refuse|mark`,
# `keep-signature true|false`, `header-protection on|off`) with their refusals of bad values,
# shown by `domain show` and `domain list` and audited; `status` warns about a local domain
# without a signer; an upgraded store (migration 6) keeps its
# domains unsigned until the administrator opts one in; `sealgate log` shows each copy's
# signature, in the line and in --json. (What the settings do to mail: tests/pipeline, tests/e2e.)
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"

S() { "$SEALGATE" --store "$W/s.db" "$@"; }
S init > /dev/null
S domain add b.example --local > /dev/null
S domain add p.example > /dev/null

# --- a new domain: sign-and-encrypt, header protection on -------------------------------------
S domain show p.example > show0.out
expect "new domain: sign-and-encrypt" grep -q "^Sign:            sign-and-encrypt (" show0.out
expect "new domain: header protection on" grep -q "^Header protect:  on (RFC 9788" show0.out
expect "new domain: no signature required" grep -q "^Require sig:     false (" show0.out
expect "new domain: on-bad-signature refuse" grep -q "^On bad sig:      refuse (when required: 550 5.7.1)" show0.out
expect "new domain: the signature is removed" grep -q "^Keep signature:  false (removed" show0.out
S domain show b.example > local.out
expect_not "a local domain shows no partner settings" grep -q "^Sign:" local.out

# --- each setting, its confirmation, show, list and audit ---------------------------------------
expect "sign sign" S domain set p.example sign sign > set1.out
expect "the confirmation" grep -qx "p.example: sign = sign" set1.out
expect "require-signature yes" S domain set p.example require-signature yes > set2.out
expect "the confirmation says true" grep -qx "p.example: require-signature = true" set2.out
expect "nothing bound: the warning" grep -q "^warning: no certificate or OpenPGP key is bound to p.example: until one is, no signature from it is valid and all its mail is refused" set2.out
expect "on-bad-signature mark" S domain set p.example on-bad-signature mark > /dev/null
expect "keep-signature true" S domain set p.example keep-signature true > set4.out
expect "the confirmation" grep -qx "p.example: keep-signature = true" set4.out
expect "header-protection off" S domain set p.example header-protection off > set5.out
expect "the confirmation says off" grep -qx "p.example: header-protection = off" set5.out
S domain show p.example > show1.out
expect "show: sign" grep -q "^Sign:            sign (every message to it is signed" show1.out
expect "show: header protection off" grep -q "^Header protect:  off" show1.out
expect "show: required" grep -q "^Require sig:     true (" show1.out
expect "show: mark" grep -q "^On bad sig:      mark (when required: delivered, Subject marked \[NOT VERIFIED\])" show1.out
expect "show: kept" grep -q "^Keep signature:  true (" show1.out
S domain list > list.out
expect "list: the SIGN column" grep -q "CERTS  SIGN              ON-EXPIRED  REVOCATION$" list.out
expect "list: p.example signs" grep -Eq "^p\.example +partner .* sign +defer +soft$" list.out
expect "list: a local domain has no sign" grep -Eq "^b\.example +local .* - +- +-$" list.out
S audit --object p.example > audit.out
expect "audit: sign" grep -q "domain.update p.example: sign: sign-and-encrypt -> sign$" audit.out
expect "audit: require" grep -q "domain.update p.example: require_signature: no -> yes$" audit.out
expect "audit: on bad" grep -q "domain.update p.example: on_bad_signature: refuse -> mark$" audit.out
expect "audit: keep" grep -q "domain.update p.example: keep_signature: no -> yes$" audit.out
expect "audit: header protection" grep -q "domain.update p.example: header_protection: on -> off$" audit.out

# --- status: a local domain that cannot sign what a partner asks to be signed -------------------
S status > status1.out
expect "status: the local domain without a signer" grep -qx "warning: local domain b.example: no signing certificate or key (mail to p.example (sign=sign) leaves unsigned)" status1.out
S cert create --email domain-cert@b.example --key p256 > /dev/null
S status > status2.out
expect_not "status: with a signing certificate, no warning" grep -q "^warning: local domain" status2.out

# --- bad values: refused with the values named, nothing changes, nothing audited ------------------
S audit > audit0.out
expect_not "sign always: refused" S domain set p.example sign always 2> bad1.err
expect "the refusal names the values" grep -q "sign: none, sign or sign-and-encrypt" bad1.err
expect_not "require-signature maybe: refused" S domain set p.example require-signature maybe 2> bad2.err
expect "the refusal says true or false" grep -q "require-signature: true or false" bad2.err
expect_not "on-bad-signature ignore: refused" S domain set p.example on-bad-signature ignore 2> bad3.err
expect "the refusal names refuse and mark" grep -q "on-bad-signature: refuse or mark" bad3.err
expect_not "keep-signature 2: refused" S domain set p.example keep-signature 2 2> bad4.err
expect "the refusal says true or false" grep -q "keep-signature: true or false" bad4.err
expect_not "header-protection cipher: refused" S domain set p.example header-protection cipher 2> bad5.err
expect "the refusal says on or off" grep -q "header-protection: on or off" bad5.err
expect_not "two values: refused" S domain set p.example sign sign none 2> bad6.err
expect "the refusal says one value" grep -q "sign takes one value" bad6.err
expect_not "an unknown setting: refused" S domain set p.example signature on 2> bad7.err
expect "the refusal lists the signature settings" grep -q "sign, require-signature, on-bad-signature, keep-signature, header-protection" bad7.err
S domain show p.example > show2.out
expect "a refused value changes nothing" cmp -s show1.out show2.out
S audit > audit1.out
expect "a refused value is not audited" cmp -s audit0.out audit1.out

# --- an upgraded store: existing domains unsigned until opted in --------------------------------
S domain add old.example > /dev/null
# Back to what a version 5 store holds (migrations 6, 7 and 8 undone), as an older sealgate left it.
sqlite3 "$W/s.db" "ALTER TABLE domains DROP COLUMN discovery;
    ALTER TABLE domains DROP COLUMN discovery_address;
    ALTER TABLE certificates DROP COLUMN source; ALTER TABLE certificates DROP COLUMN found_where;
    ALTER TABLE certificates DROP COLUMN found_at; ALTER TABLE certificates DROP COLUMN ttl;
    ALTER TABLE pgp_keys DROP COLUMN source; ALTER TABLE pgp_keys DROP COLUMN found_where;
    ALTER TABLE pgp_keys DROP COLUMN found_at; ALTER TABLE pgp_keys DROP COLUMN ttl;
    ALTER TABLE pending_changes DROP COLUMN kind; ALTER TABLE pending_changes DROP COLUMN found_source;
    ALTER TABLE pending_changes DROP COLUMN found_method;
    ALTER TABLE pending_changes DROP COLUMN found_address;
    ALTER TABLE pending_changes DROP COLUMN found_where;
    ALTER TABLE pending_changes DROP COLUMN found_dnssec;
    ALTER TABLE pending_changes DROP COLUMN found_data; ALTER TABLE pending_changes DROP COLUMN found_id;
    ALTER TABLE pending_changes DROP COLUMN found_ttl; ALTER TABLE pending_changes DROP COLUMN found_usage;
    ALTER TABLE domains DROP COLUMN sign; ALTER TABLE domains DROP COLUMN require_signature;
    ALTER TABLE domains DROP COLUMN on_bad_signature; ALTER TABLE domains DROP COLUMN keep_signature;
    ALTER TABLE domains DROP COLUMN header_protection; ALTER TABLE mail_log DROP COLUMN signature;
    ALTER TABLE mail_log DROP COLUMN node; ALTER TABLE audit_log DROP COLUMN node;
    UPDATE meta SET value = '5' WHERE key = 'schema_version';"
S domain show old.example > up0.out
expect "upgraded: the schema is the latest, 8" test "$(sqlite3 "$W/s.db" "SELECT value FROM meta WHERE key = 'schema_version'")" = 8
expect "upgraded: sign none" grep -q "^Sign:            none (mail to it is not signed)" up0.out
expect "upgraded: header protection off" grep -q "^Header protect:  off" up0.out
expect "upgraded: no signature required" grep -q "^Require sig:     false" up0.out
S domain add new.example > /dev/null
S domain show new.example > up1.out
expect "added after the upgrade: sign-and-encrypt" grep -q "^Sign:            sign-and-encrypt" up1.out
expect "added after the upgrade: header protection on" grep -q "^Header protect:  on" up1.out
# The administrator opts the existing partner in (docs/signing.md).
S domain set old.example sign sign-and-encrypt > /dev/null
S domain set old.example header-protection on > /dev/null
S domain show old.example > up2.out
expect "opted in: sign-and-encrypt" grep -q "^Sign:            sign-and-encrypt" up2.out
expect "opted in: header protection on" grep -q "^Header protect:  on" up2.out
S domain show p.example > up3.out
expect "the other existing domains are not opted in" grep -q "^Sign:            none" up3.out

# --- the mail log: each copy's signature ---------------------------------------------------------
# Records as the gateway writes them (the pipeline fills the signature; tests/e2e send real mail).
sqlite3 "$W/s.db" "INSERT INTO mail_log (time, queue_id, message_id, sender, direction, action, method,
      keys, algorithm, detail, signature) VALUES
    (1767225600, 'Q1', 'out@test', 'alice@b.example', 'outbound', 'encrypted', 'smime', 'k1',
     'aes256-cbc', '250 2.0.0 Ok', 'signed; signer=ab12; method=smime'),
    (1767225601, 'Q2', 'in@test', 'carol@p.example', 'inbound', 'decrypted', 'pgp', 'k2',
     'aes256-seipd1', '250 2.0.0 Ok', 'invalid; reason=\"the signed data was modified\"; signer=cd34'),
    (1767225602, 'Q3', 'relay@test', 'x@y.example', 'relay', 'passed', '', '', '', '250 2.0.0 Ok', '');
    INSERT INTO mail_log_recipients (log_id, position, address)
      SELECT id, 0, 'rcpt-' || queue_id || '@x.example' FROM mail_log;"
S log > log.out
expect "log: the outbound signature" grep -q "msgid=<out@test> \[signature: signed; signer=ab12; method=smime\] (250 2.0.0 Ok)$" log.out
expect "log: the inbound result with its quoted reason" grep -qF 'msgid=<in@test> [signature: invalid; reason="the signed data was modified"; signer=cd34] (250 2.0.0 Ok)' log.out
expect "log: no signature, no bracket" grep -q "msgid=<relay@test> (250 2.0.0 Ok)$" log.out
S log --json > log.json
expect "log --json: the signature field" /usr/bin/python3 -c '
import json, sys
rows = {r["message_id"]: r for r in map(json.loads, open(sys.argv[1]))}
assert rows["out@test"]["signature"] == "signed; signer=ab12; method=smime", rows["out@test"]
assert rows["in@test"]["signature"] == "invalid; reason=\"the signed data was modified\"; signer=cd34"
assert rows["relay@test"]["signature"] == "", rows["relay@test"]
' log.json
finish
