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
//     → new where there is an old value. A change that fails writes nothing. Reads are not
//     audited, except the export of a secret key ("pgp.export"). The store has no transaction
//     across the change and its audit record: should the audit write fail after the change, the
//     call fails (temporary) although the change was made.
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
#include <vector>

#include "core/result.hpp"
#include "crypto/certificate.hpp"
#include "crypto/keygen.hpp"
#include "keystore/keystore.hpp"
#include "model/records.hpp"
#include "openpgp/key.hpp"
#include "policy/expiry.hpp"
#include "policy/key_strength.hpp"
#include "policy/policy.hpp"
#include "store/store.hpp"

namespace sealgate::admin {

// Who makes the changes: "cli:<unix user>", "user:<admin account>", "token:<token name>".
struct Actor {
    std::string name;
};

// ---------------------------------------------------------------------------------------------
// Domains

// A certificate chosen for a domain, judged under the domain's key minimum.
struct BoundCertificate {
    std::string sha256;
    bool stored = false;  // false: chosen, but no longer in the store
    bool usable = false;
    std::string reason;
};

// An OpenPGP key bound to a domain, judged under the domain's key minimum.
struct BoundKey {
    std::string fingerprint;
    bool usable = false;
    std::string reason;
};

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
};

// ---------------------------------------------------------------------------------------------
// OpenPGP keys

struct PgpKeyView {
    std::string fingerprint;
    bool has_secret = false;
    bool trusted = false;
    std::vector<std::string> domains;
    std::time_t added = 0;
    std::optional<openpgp::KeyInfo> info;  // nullopt: the stored blob cannot be read
    std::string unreadable;                // why, when info is nullopt
    std::string primary_uid;
    policy::PgpKeyStatus status;  // under the default key minimum
    std::string strength;         // as for certificates
};

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
    std::string kind;  // "certificate" or "pgp-key"
    std::string id;    // thumbprint or fingerprint
    std::string name;  // subject or primary user ID
    std::time_t not_after = 0;
    bool own = false;
    policy::Expiry expiry;
};

struct StatusView {
    std::size_t domains = 0, local_domains = 0;
    std::size_t certificates = 0, own_certificates = 0;
    std::size_t pgp_keys = 0, own_pgp_keys = 0;
    std::size_t ctl_entries = 0, roots = 0, crls = 0;
    std::vector<ExpiringItem> expiring;      // within 30 days or expired (policy/expiry.hpp)
    std::vector<LogRecord> recent_refusals;  // the last 10 rejected copies
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

class Service {
  public:
    Service(Store& store, keystore::KeyStore& keys, Actor actor);

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
    Result<std::string> remove_certificate(std::string_view thumbprint);  // the thumbprint

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
    Result<std::vector<PgpKeyView>> list_pgp_keys();
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

    // Mail log, test message, status, audit.
    Result<LogPage> search_log(const LogSearch& search);
    // A test message from `from` to `to` (both checked as addresses), with a unique Message-ID;
    // audited as "test-message" with the Message-ID as its object.
    Result<TestMessage> make_test_message(std::string_view from, std::string_view to,
                                          std::time_t now);
    Result<StatusView> status(std::time_t now);
    Result<AuditPage> audit(const AuditSearch& search);

  private:
    // The audit record of a change that succeeded (service.cpp).
    Status audited(std::string_view action, std::string_view object, std::string change);
    Result<std::shared_ptr<const policy::Snapshot>> snapshot();

    Store& store_;
    keystore::KeyStore& keys_;
    Actor actor_;
};

}  // namespace sealgate::admin
