// model/records.hpp — sealgate's shared vocabulary: the records and enums that the store keeps,
// the policy decides with, the pipeline reports and the interfaces (CLI, daemon, REST) show.
//
// Contract:
//   - Plain values: no I/O, no validation beyond what the types say. The store persists them
//     (store/store.hpp), the policy reads them (policy/snapshot.hpp).
//   - Every enum has a text form (to_string) and its parser (parse_*), which accepts exactly the
//     text forms and nothing else (nullopt). The text forms are what the CLI prints, the config
//     and the CLI accept and the store writes in its columns: they never change.
//   - Names of domains are lower-case; thumbprints and fingerprints lower-case hex.
#pragma once

#include <cstddef>
#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/tls_level.hpp"

namespace sealgate {

enum class EncryptMode { none, opportunistic, mandatory };
enum class SmimeProfile { compat, modern };
enum class Method { smime, pgp };
enum class CtlAction { trust, block };
// What mandatory mail to a partner gets when every certificate and key it could be encrypted to
// has expired: a 4xx while the renewal is exchanged (the upstream MTA retries), or a 5xx.
enum class ExpiredAction { defer, reject };
// What a CA-issued partner certificate's unknown revocation state means (no CRL fetched, the
// CRL stale or its distribution point unreachable): soft uses the certificate anyway, hard
// defers mandatory mail with a 4xx (never clear text).
enum class Revocation { soft, hard };
// A staged update from a partner's signed bundle (sealgate pending): waiting, or decided.
enum class PendingState { pending, approved, rejected };
// What a pending change came from: a partner's signed update bundle, or a key discovery
// (docs/discovery.md: a certificate or key found in DNS or WKD, waiting for review).
enum class PendingKind { exchange, discovery };
// Where a partner's certificate or key came from (`domain show`, discovery; docs/discovery.md):
// imported by an administrator, a signed update bundle, a DNSSEC-validated SMIMEA record (dane),
// an OPENPGPKEY record (dns), the OpenPGP Web Key Directory (wkd).
enum class KeySource { manual, exchange, dane, dns, wkd };
// Per partner domain: whether the daemon looks its keys up by itself (docs/discovery.md). off:
// never; review: what it finds is staged as a pending change; auto-dane: a DNSSEC-secure SMIMEA
// record of usage 3 or a secure OPENPGPKEY record is pinned without review, anything else staged.
enum class DiscoveryMode { off, review, auto_dane };
// Signing of outbound mail to a partner domain (docs/signing.md): never; every message (a signed
// message in clear when it is not encrypted); or only what is encrypted (signed inside the
// encryption).
enum class SignMode { none, sign, sign_and_encrypt };
// What inbound mail from a partner with `require-signature true` gets when it is unsigned, badly
// signed or signed by a certificate or key not bound to that domain: 550 5.7.1, or delivery
// with the result in X-Sealgate-Signature and the Subject marked.
enum class SignatureAction { refuse, mark };

// Recipient in a local domain → inbound; sender local and recipient external →
// outbound; anything else → relay.
enum class Direction { inbound, outbound, relay };

// What became of one copy of a message (and of a recipient refused at RCPT): the mail log's
// action. encrypted, decrypted, passed: relayed (as the pipeline made it); rejected: refused
// permanently (5xx); deferred: not relayed this time (4xx, the upstream MTA retries).
enum class CopyAction { encrypted, decrypted, passed, rejected, deferred };

std::string_view to_string(EncryptMode m);
std::string_view to_string(SmimeProfile p);
std::string_view to_string(Method m);
std::string_view to_string(CtlAction a);
std::string_view to_string(Direction d);
std::string_view to_string(CopyAction a);
std::string_view to_string(ExpiredAction a);
std::string_view to_string(Revocation r);
std::string_view to_string(PendingState s);
std::string_view to_string(PendingKind k);    // "exchange", "discovery"
std::string_view to_string(KeySource s);      // "manual", "exchange", "dane", "dns", "wkd"
std::string_view to_string(DiscoveryMode m);  // "off", "review", "auto-dane"
std::string_view to_string(SignMode m);       // "none", "sign", "sign-and-encrypt"
std::string_view to_string(SignatureAction a);
std::optional<EncryptMode> parse_encrypt_mode(std::string_view s);
std::optional<SmimeProfile> parse_smime_profile(std::string_view s);
std::optional<CtlAction> parse_ctl_action(std::string_view s);
std::optional<Direction> parse_direction(std::string_view s);
std::optional<CopyAction> parse_copy_action(std::string_view s);
std::optional<ExpiredAction> parse_expired_action(std::string_view s);
std::optional<Revocation> parse_revocation(std::string_view s);
std::optional<PendingState> parse_pending_state(std::string_view s);
std::optional<PendingKind> parse_pending_kind(std::string_view s);
std::optional<KeySource> parse_key_source(std::string_view s);
std::optional<DiscoveryMode> parse_discovery_mode(std::string_view s);
std::optional<SignMode> parse_sign_mode(std::string_view s);
std::optional<SignatureAction> parse_signature_action(std::string_view s);
// "smime", "pgp", "smime,pgp", "pgp,smime" → ordered list; nullopt on anything else.
std::optional<Method> parse_method(std::string_view s);  // "smime" or "pgp"
std::optional<std::vector<Method>> parse_methods(std::string_view s);
std::string methods_to_string(const std::vector<Method>& methods);

struct DomainRecord {
    std::string name;  // "example.com" or "*.example.com"
    bool local = false;
    EncryptMode encrypt_mode = EncryptMode::none;
    SmimeProfile smime_profile = SmimeProfile::compat;
    std::vector<Method> methods{Method::smime, Method::pgp};
    // TLS to the next hop for every copy to this domain, whatever its direction; none: no
    // requirement of its own (the next hop's setting applies). `require-tls yes` is encrypt.
    TlsLevel tls = TlsLevel::none;
    std::vector<std::string> smime_certs;  // SHA-256 thumbprints chosen for this domain
    // Minimum size of RSA, DSA and ElGamal keys for this domain; 0: the default
    // (policy/key_strength.hpp judges keys and bounds the value).
    unsigned min_rsa_bits = 0;
    // Lifecycle (store migration 5): `on-expired`, `revocation`, `accept-signed-updates` (a
    // partner's signed update bundle is applied at once instead of staged as a pending change).
    ExpiredAction on_expired = ExpiredAction::defer;
    Revocation revocation = Revocation::soft;
    bool accept_signed_updates = false;
    // Signatures and header protection (store migration 6; docs/signing.md). A new domain signs
    // what it encrypts and protects headers; the migration set every existing domain to
    // sign = none and header-protection off (today's behaviour until the administrator opts in).
    SignMode sign = SignMode::sign_and_encrypt;  // outbound, to this domain
    bool require_signature = false;              // inbound, from this domain
    SignatureAction on_bad_signature = SignatureAction::refuse;
    bool keep_signature = false;    // inbound: deliver the signature too (default: removed)
    bool header_protection = true;  // outbound: RFC 9788 when encrypting to this domain
    // Key discovery (store migration 8; docs/discovery.md): whether the daemon looks the
    // domain's certificate and key up by itself, and the address it looks up (empty: the
    // default, domain-cert@DOMAIN).
    DiscoveryMode discovery = DiscoveryMode::off;
    std::string discovery_address;
};

// Where a certificate or OpenPGP key came from (store migration 8). For a discovered one also
// where it was found (the DNS owner name or the URL), when, and the record's TTL: the daemon
// looks it up again at found + ttl (bounded, docs/discovery.md). Rows from before schema 8 are
// manual.
struct KeyOrigin {
    KeySource source = KeySource::manual;
    std::string where;
    std::time_t found = 0;
    std::uint32_t ttl = 0;
};

struct CertRecord {
    std::string sha256;  // lower-case hex, primary key
    std::string der;
    bool has_private_key = false;
    std::time_t added = 0;
    // Own certificate of an older generation: no longer offered to partners (update bundles
    // list it as retired), still used to decrypt what was encrypted to it.
    bool retired = false;
    // Written when the certificate is first stored; set_certificate_origin changes it.
    KeyOrigin origin{};
};

struct CtlEntry {
    std::string sha256;
    CtlAction action = CtlAction::trust;
    std::time_t added = 0;
};

struct RootRecord {
    std::string sha256;
    std::string der;
};

struct CrlRecord {
    std::string issuer;  // issuer name (one line), for display
    std::string der;
    std::time_t added = 0;
    std::string source;  // the distribution point it was fetched from; empty: imported by hand
};

// A CRL distribution point that sealgate fetches (`sealgate crl refresh`, the daemon's
// schedule): the outcome of the last attempt, for `crl list` and the status page.
struct CrlFetch {
    std::string url;
    std::string issuer;  // the issuer whose CRL it serves (one line)
    std::time_t last_attempt = 0;
    std::time_t last_success = 0;  // 0: never
    std::string last_error;        // empty after a success
};

// What a discovery found and staged (PendingKind::discovery): one certificate or key.
struct DiscoveredKey {
    KeySource source = KeySource::dane;  // dane, dns or wkd
    Method method = Method::smime;
    std::string address;  // the mailbox looked up
    std::string where;    // the DNS owner name or the URL
    std::string dnssec;   // the validator's verdict as discover::to_string(Dnssec) says it
    std::string data;     // the DER certificate, or the binary OpenPGP public key
    std::string id;       // its SHA-256 thumbprint or primary key fingerprint
    std::uint32_t ttl = 0;
    unsigned usage = 0;  // SMIMEA's certificate usage (3: DANE-EE)
};

// A change waiting for an administrator's approval (`sealgate pending`): a partner's update
// bundle that was verified and staged, or a discovered certificate or key.
struct PendingChange {
    std::int64_t id = 0;  // numbered by the store, never reused
    std::string domain;
    std::uint64_t sequence = 0;
    std::time_t created = 0;
    std::string signer;   // thumbprint or fingerprint that signed the bundle
    std::string summary;  // what it adds and retires, one line
    std::string bundle;   // the bundle as received
    PendingState state = PendingState::pending;
    std::time_t decided = 0;
    std::string decided_by;  // the actor who approved or rejected it
    // Store migration 8. exchange: sequence, signer and bundle say what it is; discovery:
    // `found` does (sequence 0, signer and bundle empty).
    PendingKind kind = PendingKind::exchange;
    DiscoveredKey found{};
};

struct PgpKeyRecord {
    std::string fingerprint;    // primary key fingerprint, lower-case hex
    std::string public_key;     // transferable public key, binary
    std::string sealed_secret;  // secret key sealed by keystore/, empty when we hold none
    bool trusted = false;
    std::vector<std::string> domains;  // bound domains ("add domain to PGP key")
    std::time_t added = 0;
    bool retired = false;  // own key of an older generation: as for CertRecord::retired
    KeyOrigin origin{};    // written by put_pgp_key with the rest of the record
};

struct LogRecord {
    std::int64_t id = 0;
    std::time_t time = 0;
    std::string queue_id;
    std::string message_id;
    std::string sender;
    std::vector<std::string> recipients;
    Direction direction = Direction::relay;
    CopyAction action = CopyAction::passed;
    std::string method;  // smime, pgp, or empty
    std::string keys;    // thumbprints / fingerprints used, comma separated
    std::string algorithm;
    std::string detail;  // next-hop reply or reason
    // The signature: outbound "signed; signer=<id>" or "not signed; reason=..."; inbound the
    // value of X-Sealgate-Signature ("valid; signer=<id>", "invalid; reason=...", "none"); empty
    // for a copy where signing had no say (relay, refused before the copies were made).
    std::string signature;
    // How the copy went to the next hop. tls_level empty: not relayed (refused before);
    // tls_protocol empty: in clear.
    std::string tls_level;     // none, may, encrypt, verify: what the copy required
    std::string tls_protocol;  // "TLSv1.3"
    std::string tls_cipher;    // "TLS_AES_256_GCM_SHA384"
    std::string tls_peer;      // SHA-256 of the next hop's certificate, lower-case hex
    bool tls_verified = false;
    std::string node;  // the gateway node that wrote it ([node] name); empty before schema 7
};

struct LogQuery {
    std::size_t last = 50;   // at most this many, the newest that match (returned oldest first)
    std::string message_id;  // empty: any
    std::string sender;      // exact, compared in lower case; empty: any
    std::string recipient;   // one of the recipients, exact, in lower case; empty: any
    std::optional<CopyAction> action;
    std::string method;          // "smime" or "pgp"; empty: any (with action: its method)
    std::time_t since = 0;       // records at or after; 0: any
    std::int64_t before_id = 0;  // records with an id below (the next page); 0: any
};

// One administrator's change (admin/service.hpp writes them; `sealgate audit` shows them).
struct AuditRecord {
    std::int64_t id = 0;
    std::time_t time = 0;
    std::string actor;   // "cli:root", "user:alice", "token:deploy"
    std::string action;  // "domain.add", "domain.update", "cert.import", "ctl.set", ...
    std::string object;  // the domain name, thumbprint or fingerprint
    std::string change;  // "encrypt_mode: none -> mandatory; ...", or what was added/removed
    std::string node;    // the gateway node the change was made on; empty before schema 7
};

struct AuditQuery {
    std::size_t last = 50;
    std::string object;          // exact; empty: any
    std::int64_t before_id = 0;  // 0: any
};

// Accounts of the admin listener (admin/accounts.hpp). A viewer reads, an admin also changes.
enum class AdminRole { admin, viewer };
std::string_view to_string(AdminRole r);
std::optional<AdminRole> parse_admin_role(std::string_view s);

struct AdminAccount {
    std::string name;
    AdminRole role = AdminRole::viewer;
    std::string password_hash;  // PHC string (argon2id)
    std::time_t created = 0;
};

struct ApiToken {
    std::string name;
    AdminRole role = AdminRole::viewer;
    std::string token_hash;  // SHA-256 of the token, hex: the token itself is never stored
    std::time_t created = 0;
    std::time_t last_used = 0;
};

}  // namespace sealgate
