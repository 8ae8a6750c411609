// admin/service.hpp — every administrator's action, once, for the CLI, the REST API and the web UI.
//
// The interfaces parse what the administrator typed or sent into the typed requests below, call
// the Service, and format its typed results; they add no rule of their own. The Service finds
// objects only through store/lookup.hpp (the same spellings everywhere), judges changes with
// policy/admin_rules.hpp and the key and certificate status with policy/policy.hpp.
//
// Contract:
//   - No printing and no I/O beyond the store and the crypto libraries. Sending the test message
//     is the caller's (it needs the network): the Service builds it (make_test_message) and finds
//     what the gateway did with it in the mail log.
//   - Errors are core/error.hpp kinds: bad_input (a value that is not what it must be), not_found,
//     conflict (exists already), needs_force (a change the rules refuse unless insisted on, with
//     every reason; the interface adds how to insist), ambiguous (a prefix), unusable, temporary
//     (the store).
//   - Every change that succeeds is written to the audit log, in the same store, by the actor the
//     Service was made for: what (an action word such as "domain.update"), which object, and old
//     → new where there is an old value. A change that fails writes nothing, with one exception:
//     a refused update bundle (import_update) is audited as "exchange.refused", object its
//     domain, change the reason. Reads are not audited, except the export of a secret key
//     ("pgp.export"). The store has no transaction across the change and its audit record: should
//     the audit write fail after the change, the call fails (temporary) although the change was
//     made.
//   - Warnings (policy findings that do not refuse the change, and those that force overrode) come
//     back with the result; the interface shows them.
//   - A Service is not thread-safe; the daemon's admin listener serialises its calls.
#pragma once

#include <cstdint>
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "admin/exchange_types.hpp"
#include "core/result.hpp"
#include "crypto/certificate.hpp"
#include "crypto/keygen.hpp"
#include "discover/discover.hpp"
#include "keystore/keys.hpp"
#include "model/records.hpp"
#include "openpgp/key.hpp"
#include "policy/expiry.hpp"
#include "policy/key_strength.hpp"
#include "policy/policy.hpp"
#include "store/store.hpp"

namespace sealgate::admin {

// Who makes the changes: "cli:<unix user>", "user:<admin account>", "token:<token name>", and on
// which gateway node ([node] name): both go into every audit record. No default for the node:
// each interface says where it runs, so that no change of a cluster is recorded without it.
struct Actor {
    Actor(std::string actor_name, std::string node_name)
        : name(std::move(actor_name)), node(std::move(node_name)) {}
    std::string name;
    std::string node;
};

// ---------------------------------------------------------------------------------------------
// Domains

// A certificate chosen for a domain, judged under the domain's key minimum.
struct BoundCertificate {
    std::string sha256;
    KeyOrigin origin{};   // where it came from (`domain show` names the source)
    bool stored = false;  // false: chosen, but no longer in the store
    bool usable = false;
    std::string reason;
};

// An OpenPGP key bound to a domain, judged under the domain's key minimum.
struct BoundKey {
    std::string fingerprint;
    KeyOrigin origin{};
    bool usable = false;
    std::string reason;
};

// The address key discovery looks up for a domain: its discovery_address, or the default
// domain-cert@DOMAIN (the form docs/admin-guide.md recommends for the domain certificate).
std::string discovery_address(const DomainRecord& domain);

// The effective policy of a domain name: `domain show`, GET /api/v1/domains/{name}.
struct DomainView {
    std::string name;                    // as asked, normalised
    std::optional<DomainRecord> record;  // the record that matches (maybe "*.parent"); none: clear
    policy::KeyMinimum minimum;
    std::vector<BoundCertificate> smime_certs;
    std::vector<BoundKey> pgp_keys;
    // What the daemon would do with the next message to postmaster@name; judged for a partner
    // domain only (a local domain, or no record: the default, pass).
    policy::Treatment next;
    std::vector<std::string> warnings;  // policy::check_domain_coverage (partner domains)
};

// A change of a domain's settings: only the fields given change.
struct DomainChange {
    std::optional<bool> local;
    std::optional<EncryptMode> encrypt_mode;
    std::optional<std::vector<Method>> methods;
    // The whole list, as thumbprints or prefixes (store/lookup.hpp); empty: none.
    std::optional<std::vector<std::string>> smime_certs;
    std::optional<SmimeProfile> smime_profile;
    std::optional<TlsLevel> tls;
    std::optional<unsigned> min_rsa_bits;  // 0: the default; checked by policy
    std::optional<ExpiredAction> on_expired;
    std::optional<Revocation> revocation;
    std::optional<bool> accept_signed_updates;
    // Signatures and header protection (docs/signing.md).
    std::optional<SignMode> sign;
    std::optional<bool> require_signature;
    std::optional<SignatureAction> on_bad_signature;
    std::optional<bool> keep_signature;
    std::optional<bool> header_protection;
    // Key discovery (docs/discovery.md): off, review, auto-dane; the address looked up (empty:
    // the default, domain-cert@DOMAIN; else an address in the domain).
    std::optional<DiscoveryMode> discovery;
    std::optional<std::string> discovery_address;
};

template <typename T>
struct Changed {
    T value;
    std::vector<std::string> warnings;  // every finding, in the order the rules gave them
    // Those of the warnings that needed force and were overridden by it (the CLI appends
    // " (done: --force)" to them; a UI may mark them).
    std::vector<std::string> overridden;
};

// ---------------------------------------------------------------------------------------------
// Certificates, CTL, roots, CRLs

struct CertificateView {
    crypto::Certificate cert;
    bool has_private_key = false;
    std::time_t added = 0;
    policy::CertificateStatus status;  // under the default key minimum
    policy::Expiry expiry;
    std::string strength;              // "acceptable" or "NOT acceptable: ...; accepted for ..."
    std::vector<std::string> domains;  // domains that chose it
    bool retired = false;              // an own certificate of an older generation
};

struct CertificateFilter {
    std::optional<bool> own;                // with a private key (true) or without (false)
    std::optional<unsigned> expiring_days;  // not_after within this many days (or expired)
};

struct ImportedCertificate {
    CertificateView view;
    bool own = false;     // came with its private key
    std::string warning;  // not usable under the default key minimum, or empty
};

// `cert renew`: the successor of an own self-signed domain certificate: same subject and
// e-mail addresses, a new serial, a new key pair unless reuse_key, valid from now for `days`
// (0: as long as the predecessor was valid). The predecessor stays (it decrypts mail in flight)
// and is not retired: that is `cert retire`, once the partner has the successor.
struct RenewRequest {
    std::string thumbprint;  // the predecessor: thumbprint or prefix (store/lookup.hpp)
    bool reuse_key = false;
    unsigned days = 0;
};

struct RootView {
    std::string sha256;
    std::string subject;
    std::time_t not_after = 0;
    bool is_ca = true;
};

struct CrlView {
    std::string issuer;
    std::time_t last_update = 0;
    std::time_t next_update = 0;  // 0: none given
    bool stale = false;           // next_update has passed
    std::string source;           // the distribution point it was fetched from; empty: imported
    std::time_t added = 0;        // when it was stored
};

// A CRL distribution point (http or https) named by stored CA-issued partner certificates: what
// `crl refresh` and the daemon fetch (admin/crl_refresh.hpp), `crl list` and the Trust page show.
struct CrlSource {
    std::string url;
    std::string issuer;                     // whose CRL it serves (the certificates' issuer)
    std::vector<std::string> certificates;  // SHA-256 of the certificates that name it
    bool crl_stored = false;                // a CRL of the issuer is stored
    std::time_t next_update = 0;            // the stored CRL's; 0: none stored or none given
    bool stale = false;                     // the stored CRL is past its nextUpdate
    std::optional<CrlFetch> last_fetch;     // nullopt: never fetched
    // Due: no CRL of the issuer stored, or its nextUpdate has come (a CRL without one: a day
    // after it was stored). due_at is when (0: now); next_attempt adds the hourly wait after a
    // failed fetch, which the daemon honours and `crl refresh` does not.
    bool due = false;
    std::time_t due_at = 0;
    std::time_t next_attempt = 0;
};

// What store_fetched_crl did with a CRL.
struct FetchedCrl {
    CrlView crl;
    bool stored = false;  // false: not newer than the stored CRL of its issuer (kept)
};

// ---------------------------------------------------------------------------------------------
// OpenPGP keys

struct PgpKeyView {
    std::string fingerprint;
    bool has_secret = false;
    bool trusted = false;
    bool retired = false;
    std::vector<std::string> domains;
    std::time_t added = 0;
    std::optional<openpgp::KeyInfo> info;  // nullopt: the stored blob cannot be read
    std::string unreadable;                // why, when info is nullopt
    std::string primary_uid;
    policy::PgpKeyStatus status;  // under the default key minimum
    std::string strength;         // as for certificates
};

struct PgpKeyFilter {
    std::optional<bool> own;                // with a secret key (true) or without (false)
    std::optional<unsigned> expiring_days;  // the key or an encryption subkey ends within this
                                            // many days (or has ended)
};

// `pgp rotate`: a new encryption subkey on the same key (the partner imports the key again),
// or a whole new key with the same user IDs, trusted and bound to the same domains (the old
// one retired: it keeps decrypting).
enum class RotateKind { subkey, key };
// `pgp revoke --reason`: RFC 4880 §5.2.3.23 reason codes 1 (superseded), 2 (compromised),
// 3 (retired).
enum class RevocationReason { superseded, compromised, retired };
std::string_view to_string(RevocationReason reason);
std::optional<RevocationReason> parse_revocation_reason(std::string_view text);

// A change of a key: only the fields given change (the "Details for PGP key" page's Save).
struct PgpKeyChange {
    std::optional<bool> trusted;
    std::optional<std::vector<std::string>> domains;  // the whole list; each must exist
};

// One key of an import: new, updated (what changed), or unchanged.
struct ImportedPgpKey {
    std::string fingerprint;
    std::string primary_uid;
    std::string what;     // "new, with secret key (trusted)", "updated: expires ...", "unchanged"
    std::string warning;  // not usable, and why; or empty
};

// ---------------------------------------------------------------------------------------------
// Mail log, test message, status, audit

// The mail log's action as the API and the UI name it: encrypted-smime, encrypted-pgp,
// decrypted-smime, decrypted-pgp, passed, refused (rejected), deferred.
std::string log_action(const LogRecord& record);

struct LogSearch {
    std::string sender;       // exact address, any case; empty: any
    std::string recipient;    // one of the recipients, exact, any case; empty: any
    std::string message_id;   // without <>; empty: any
    std::string action;       // a log_action() word; empty: any
    std::time_t since = 0;    // records at or after; 0: any
    std::size_t limit = 50;   // 1..1000
    std::int64_t cursor = 0;  // from a previous page's next_cursor; 0: the newest
};

struct LogPage {
    std::vector<LogRecord> entries;  // newest first
    std::int64_t next_cursor = 0;    // 0: no older entries
};

struct TestMessage {
    std::string message_id;  // without <>
    std::string text;        // the whole message, CRLF line ends
};

struct ExpiringItem {
    std::string kind;  // "certificate", "pgp-key" or "pgp-subkey"
    std::string id;    // thumbprint or fingerprint
    std::string name;  // subject or primary user ID
    std::time_t not_after = 0;
    bool own = false;
    policy::Expiry expiry;
    std::string parent;  // a subkey's primary key fingerprint; empty otherwise
};

struct StatusView {
    std::size_t domains = 0, local_domains = 0;
    std::size_t certificates = 0, own_certificates = 0;
    std::size_t pgp_keys = 0, own_pgp_keys = 0;
    std::size_t ctl_entries = 0, roots = 0, crls = 0;
    std::vector<ExpiringItem> expiring;      // within 30 days or expired (policy/expiry.hpp)
    std::vector<LogRecord> recent_refusals;  // the last 10 rejected copies
    // What needs the administrator's attention besides expiry: a local domain that has no
    // signer for the methods of partner domains that ask for signatures (docs/signing.md).
    std::vector<std::string> warnings;
};

struct AuditSearch {
    std::string object;       // exact; empty: any
    std::size_t limit = 50;   // 1..1000
    std::int64_t cursor = 0;  // 0: the newest
};

struct AuditPage {
    std::vector<AuditRecord> entries;  // newest first
    std::int64_t next_cursor = 0;
};

// ---------------------------------------------------------------------------------------------
// Key discovery: staging and pinning what discover::lookup found (admin/discovery.cpp,
// docs/discovery.md).

// What became of one finding.
enum class StageOutcome {
    staged,           // a new pending change (pending_id)
    pinned,           // applied at once: the domain is auto-dane and the record qualifies
    already_pinned,   // chosen for (certificate) or bound to (key) the domain already
    already_pending,  // an undecided pending change holds it already (pending_id)
    unusable,         // a record sealgate would not encrypt to (note: why)
    no_key,           // the source gave no record, or a bogus or failed answer (note)
};
std::string_view to_string(StageOutcome o);  // "staged", "pinned", "already pinned", ...

struct StagedFinding {
    discover::Finding finding;
    StageOutcome outcome = StageOutcome::no_key;
    std::int64_t pending_id = 0;
    std::string note;    // why not usable, the validator's reason, a refusal of the pin
    std::string dnssec;  // finding.dnssec as text: "secure", "insecure", "bogus", "no record", ...
};

struct DiscoveryStaging {
    std::string domain;
    std::vector<StagedFinding> findings;  // in the order given
    // Discovered pins of the domain that this lookup did not find again (a record that
    // disappeared or turned bogus): kept, never removed; for the log.
    std::vector<std::string> missing;
};

// ---------------------------------------------------------------------------------------------

// What we publish for key discovery (`sealgate publish dns|wkd`, docs/discovery.md): one own
// certificate or OpenPGP key in service, for one address of one local domain that it names.
struct PublishedKey {
    Method method = Method::smime;  // smime: a certificate; pgp: an OpenPGP key
    std::string domain;             // our local domain
    std::string address;            // the certificate's e-mail address or the user ID's address
    std::string local_part;         // of address, as written
    std::string id;                 // SHA-256 thumbprint or fingerprint
    std::string data;               // the DER certificate, or the binary transferable public key
};

class Service {
  public:
    Service(Store& store, keystore::Keys& keys, Actor actor);

    // Domains.
    Result<std::vector<DomainRecord>> list_domains();
    Result<DomainView> domain(std::string_view name);
    Result<DomainRecord> add_domain(std::string_view name, bool local);
    Result<Changed<DomainRecord>> change_domain(std::string_view name, const DomainChange& change,
                                                bool force);
    Result<std::string> remove_domain(std::string_view name);  // the name removed

    // Certificates (S/MIME).
    Result<std::vector<CertificateView>> list_certificates(const CertificateFilter& filter = {});
    Result<CertificateView> certificate(std::string_view thumbprint);
    // PEM, DER, PKCS#12 or PEM with a key; the first certificate is ours when a key comes with it.
    Result<std::vector<ImportedCertificate>> import_certificates(
        std::string_view bytes, const std::optional<std::string>& password);
    Result<CertificateView> create_certificate(const crypto::CertificateRequest& request);
    Result<std::string> export_certificate(std::string_view thumbprint, bool der);
    // Deleting an own certificate whose validity has not ended needs force (its key decrypts
    // mail still in flight). Returns the thumbprint.
    Result<std::string> remove_certificate(std::string_view thumbprint, bool force = false);

    // Lifecycle of own certificates (lifecycle.md).
    Result<CertificateView> renew_certificate(const RenewRequest& request);
    // retired = false takes it back into service.
    Result<CertificateView> retire_certificate(std::string_view thumbprint, bool retired = true);
    // An own certificate with its key (and the certificates of its chain that are stored) as
    // PKCS#12 under the password (AES-256-CBC, PBKDF2): a backup, or a second gateway. Audited
    // ("cert.export-key"), like the export of an OpenPGP secret key.
    Result<std::string> export_pkcs12(std::string_view thumbprint, std::string_view password);

    // Certificate trust list.
    Result<std::vector<CtlEntry>> list_ctl();
    Result<Changed<CtlEntry>> set_ctl(std::string_view thumbprint, CtlAction action, bool force);
    Result<std::string> remove_ctl(std::string_view thumbprint);

    // Trust roots and CRLs.
    Result<std::vector<RootView>> list_roots();
    Result<std::vector<RootView>> add_roots(std::string_view bytes);
    Result<std::string> remove_root(std::string_view thumbprint);
    Result<std::vector<CrlView>> list_crls();
    Result<CrlView> import_crl(std::string_view bytes);

    // OpenPGP keys.
    Result<std::vector<PgpKeyView>> list_pgp_keys(const PgpKeyFilter& filter = {});
    // Fails with the reason when the stored key cannot be read (list_pgp_keys shows it).
    Result<PgpKeyView> pgp_key(std::string_view fingerprint);
    Result<std::vector<ImportedPgpKey>> import_pgp_keys(std::string_view bytes);
    Result<PgpKeyView> create_pgp_key(std::string_view uid, openpgp::KeyAlgorithm algorithm,
                                      std::uint32_t expires_seconds);
    Result<std::string> export_pgp_key(std::string_view fingerprint, bool secret,
                                       openpgp::Encoding encoding);
    Result<Changed<PgpKeyView>> change_pgp_key(std::string_view fingerprint,
                                               const PgpKeyChange& change, bool force);
    // `pgp add-domain` / `remove-domain`: one domain more or less (conflict when bound already,
    // not_found when not bound).
    Result<Changed<PgpKeyView>> bind_pgp_domain(std::string_view fingerprint,
                                                std::string_view domain, bool force);
    Result<PgpKeyView> unbind_pgp_domain(std::string_view fingerprint, std::string_view domain);
    Result<std::string> remove_pgp_key(std::string_view fingerprint);

    // Lifecycle of own OpenPGP keys (secret key held). expires_seconds: from now; 0: never.
    // rotate returns the key that now encrypts (the same key with its new subkey, or the new key).
    Result<PgpKeyView> rotate_pgp_key(std::string_view fingerprint, RotateKind kind,
                                      std::uint32_t expires_seconds);
    // New binding signatures for the primary key and its valid encryption subkeys.
    Result<PgpKeyView> extend_pgp_key(std::string_view fingerprint, std::uint32_t expires_seconds);
    // A revocation signature merged into the stored key (the update bundle and `pgp export`
    // carry it to partners); the key keeps decrypting unless the reason is compromised.
    Result<PgpKeyView> revoke_pgp_key(std::string_view fingerprint, RevocationReason reason);

    // What expires within `days` of now, or has expired: own certificates and keys first, then
    // partners'; certificates, OpenPGP keys and their encryption subkeys; soonest first within
    // each. The daemon's daily check, `status`, `cert list --expiring`, `pgp list --expiring`.
    Result<std::vector<ExpiringItem>> expiring(std::time_t now, unsigned days);

    // --- CRL distribution points (helper C adds its declarations here) ---
    // The http(s) distribution points of the stored CA-issued partner certificates, by url.
    Result<std::vector<CrlSource>> crl_sources(std::time_t now);
    // A CRL fetched from `url` (the fetch is the caller's: admin/crl_refresh.hpp): refused
    // (bad_input, nothing stored) unless it is the CRL of the issuer the url serves and verifies
    // against that issuer's certificate among the trusted roots and stored certificates; stored
    // only when newer than the stored one (audited "crl.fetch"). Either way the fetch is recorded
    // as a success (not audited: a fetch changes no policy).
    Result<FetchedCrl> store_fetched_crl(std::string_view url, std::string_view bytes,
                                         std::time_t now);
    // A fetch of `url` that failed (unreachable, refused above): recorded for `crl list`, the
    // last success kept.
    Status record_crl_fetch_failure(std::string_view url, std::string_view error, std::time_t now);

    // --- signed update exchange and pending changes (helper D adds its declarations here) ---
    // (admin/exchange.cpp, docs/lifecycle.md.) export_update: a bundle of our local
    // domain's own certificates and keys, signed with each usable one, under the domain's next
    // sequence number. import_update: a partner's bundle, verified against what is trusted for
    // its domain (a certificate chosen for it, a trusted OpenPGP key bound to it, valid now),
    // newer than the last one applied and not already pending; applied at once when the domain
    // accepts signed updates, else staged. approve_pending verifies the staged change again,
    // records the decision first (conflict, nothing applied, when someone decided it already),
    // then applies it. Should applying fail after that, the change stays recorded as approved
    // and the error is returned; importing the bundle again is the remedy. The writes are
    // ordered so that a partial failure is fail-closed: a certificate is stored, then trusted
    // on the CTL, and only then chosen for the domain (with the retirements) — at worst a
    // stored, unused certificate is left. reject_pending only marks the change.
    Result<ExportedBundle> export_update(std::string_view domain, std::time_t now);
    Result<ImportedBundle> import_update(std::string_view bundle, std::time_t now);
    Result<std::vector<PendingChange>> list_pending();
    Result<PendingView> pending(std::int64_t id);
    Result<UpdateChange> approve_pending(std::int64_t id, std::time_t now);
    Result<PendingChange> reject_pending(std::int64_t id, std::time_t now);

    // --- key discovery (admin/discovery.cpp, docs/discovery.md) ---
    // stage_discovered: what a lookup for the partner domain `domain` (a domain record, not
    // local) found. Each usable certificate or key that is not chosen for or bound to the domain
    // already, and not in an undecided pending change already, becomes one pending change of
    // kind discovery; under discovery = auto-dane a DNSSEC-secure SMIMEA record of usage 3 or a
    // secure OPENPGPKEY record is pinned at once instead (WKD and insecure DNS: always staged).
    // A pin adds, it never removes: a changed record leaves the old pin in place. Each stage and
    // pin is audited ("discovery.stage", "discovery.pin"). approve_pending of a discovery change
    // pins it (import, trust, bind, source), in the order of the exchange: the certificate is
    // stored, then trusted on the CTL, then chosen for the domain; a key is stored trusted and
    // bound in one write. It is checked again first (parses, matches its id, usable now, not
    // ours, not blocked, not bound to another domain).
    Result<DiscoveryStaging> stage_discovered(std::string_view domain,
                                              const std::vector<discover::Finding>& findings,
                                              std::time_t now);

    // --- key discovery: what we publish (admin/publish.cpp) ---
    // Our local domains' own certificates (private key held, not retired, valid at `now`) and
    // own OpenPGP keys (secret held, not retired, usable for encryption at `now`; exported
    // public part), one entry per address in the domain that each names (certificate e-mail
    // addresses; valid, unrevoked user IDs). domain empty: every local domain; else it must be
    // one (not_found, bad_input). Read-only.
    Result<std::vector<PublishedKey>> published_keys(std::string_view domain, std::time_t now);

    // Mail log, test message, status, audit.
    Result<LogPage> search_log(const LogSearch& search);
    // A test message from `from` to `to` (both checked as addresses), with a unique Message-ID;
    // audited as "test-message" with the Message-ID as its object.
    Result<TestMessage> make_test_message(std::string_view from, std::string_view to,
                                          std::time_t now);
    Result<StatusView> status(std::time_t now);
    Result<AuditPage> audit(const AuditSearch& search);

  private:
    Result<ImportedBundle> import_verified(std::string_view bundle, std::time_t now);
    // A discovery change's pin (admin/discovery.cpp): writes, not audited (the caller audits).
    Result<ExchangeItem> pin_discovered(const DomainRecord& domain, const DiscoveredKey& found,
                                        std::time_t now, std::vector<std::string>& warnings);
    Result<UpdateChange> approve_discovered(const PendingChange& change, std::time_t now);
    Result<PendingView> discovered_view(PendingChange change, std::time_t now);
    // The audit record of a change that succeeded (service.cpp).
    Status audited(std::string_view action, std::string_view object, std::string change);
    Result<std::shared_ptr<const policy::Snapshot>> snapshot();

    Store& store_;
    keystore::Keys& keys_;
    Actor actor_;
};

}  // namespace sealgate::admin
