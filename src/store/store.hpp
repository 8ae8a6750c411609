// store/store.hpp — the one interface to sealgate's state.
//
// Holds domains and their settings, certificates (DER), sealed private keys (the store never sees
// a key in clear: keystore/ seals them with the master key before they get here), CTL entries,
// trust roots, CRLs, OpenPGP keys with their domain bindings and trust, the mail log, the audit
// log, the admin listener's accounts and API tokens and a few settings: the records of
// model/records.hpp, which the store writes in its columns by their text forms.
//
// Contract:
//   - Every call returns a Result. Lookups return Result<std::optional<T>>: found, not found,
//     failed. A failed lookup is never reported as "not found".
//   - Every write of policy (domains, certificates and keys, CTL, roots, CRLs, PGP keys) bumps
//     generation(); a running gateway polls it to see an administrator's change (another
//     process) and reloads its caches. Writes of the mail log, the audit log, accounts, tokens
//     and settings do not: they change no policy, and the mail log is written with every message.
//   - Names of domains are stored lower-case; thumbprints and fingerprints as lower-case hex.
//   - A stored value that does not parse as its type (an enum's text, a TLS level) is a
//     temporary error naming table, column and value, never a default.
//   - Implementations: one, SqlStore (sql_store.hpp), opened as SQLite (sqlite_store.hpp, the
//     embedded default) or PostgreSQL (pg_store.hpp, several nodes on one store); both run the
//     same conformance tests.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "model/records.hpp"

namespace sealgate {

// One of the small named values of put_setting (bytes, not only text).
struct Setting {
    std::string name;
    std::string value;
};

class Store {
  public:
    virtual ~Store() = default;

    // Change counter: increases with every write by any process sharing the store.
    virtual Result<std::uint64_t> generation() = 0;

    // Domains.
    virtual Result<std::optional<DomainRecord>> find_domain(std::string_view name) = 0;
    virtual Result<std::vector<DomainRecord>> list_domains() = 0;
    virtual Status put_domain(const DomainRecord& domain) = 0;      // insert or replace
    virtual Result<bool> remove_domain(std::string_view name) = 0;  // false: was not there

    // Certificates and their sealed private keys.
    virtual Status put_certificate(const CertRecord& cert) = 0;  // insert or keep existing
    virtual Result<std::optional<CertRecord>> find_certificate(std::string_view sha256) = 0;
    // All certificates whose thumbprint starts with the lower-case hex prefix.
    virtual Result<std::vector<CertRecord>> find_certificates_by_prefix(
        std::string_view prefix) = 0;
    virtual Result<std::vector<CertRecord>> list_certificates() = 0;
    virtual Result<bool> remove_certificate(std::string_view sha256) = 0;
    // Mark an own certificate retired or not; false: no such certificate.
    virtual Result<bool> set_certificate_retired(std::string_view sha256, bool retired) = 0;
    // Where a stored certificate came from (discovery records it, and each re-check its new
    // time and TTL); false: no such certificate.
    virtual Result<bool> set_certificate_origin(std::string_view sha256,
                                                const KeyOrigin& origin) = 0;
    virtual Status put_sealed_key(std::string_view sha256, std::string_view sealed) = 0;
    virtual Result<std::optional<std::string>> find_sealed_key(std::string_view sha256) = 0;

    // Certificate trust list.
    virtual Status put_ctl(const CtlEntry& entry) = 0;  // insert or replace
    virtual Result<std::optional<CtlEntry>> find_ctl(std::string_view sha256) = 0;
    virtual Result<std::vector<CtlEntry>> list_ctl() = 0;
    virtual Result<bool> remove_ctl(std::string_view sha256) = 0;

    // Trust roots and CRLs.
    virtual Status put_root(const RootRecord& root) = 0;
    virtual Result<std::vector<RootRecord>> list_roots() = 0;
    virtual Result<bool> remove_root(std::string_view sha256) = 0;
    virtual Status put_crl(const CrlRecord& crl) = 0;  // replaces an older CRL of the same issuer
    virtual Result<std::vector<CrlRecord>> list_crls() = 0;
    // The last fetch of each CRL distribution point (insert or replace by url; not policy: no
    // generation bump), listed by url.
    virtual Status put_crl_fetch(const CrlFetch& fetch) = 0;
    virtual Result<std::vector<CrlFetch>> list_crl_fetches() = 0;

    // OpenPGP keys.
    virtual Status put_pgp_key(const PgpKeyRecord& key) = 0;  // insert or replace
    virtual Result<std::optional<PgpKeyRecord>> find_pgp_key(std::string_view fingerprint) = 0;
    virtual Result<std::vector<PgpKeyRecord>> find_pgp_keys_by_prefix(std::string_view prefix) = 0;
    virtual Result<std::vector<PgpKeyRecord>> list_pgp_keys() = 0;
    virtual Result<bool> remove_pgp_key(std::string_view fingerprint) = 0;

    // Mail log, with bounded retention (oldest records dropped past the limit).
    virtual Status append_log(const LogRecord& record) = 0;
    // Several records in one transaction, in order: all of them are stored or none (a busy
    // gateway writes its log in batches; one transaction per record costs more than the mail).
    virtual Status append_logs(const std::vector<LogRecord>& records) = 0;
    // The newest query.last records that match every filter of the query, returned oldest
    // first (ids ascending).
    virtual Result<std::vector<LogRecord>> query_log(const LogQuery& query) = 0;

    // Audit log of administrators' changes (kept; no retention limit). append_audit ignores
    // record.id (the store numbers the records, never reusing an id) and takes now for time 0.
    // query_audit: the newest query.last matching records, returned oldest first.
    virtual Status append_audit(const AuditRecord& record) = 0;
    virtual Result<std::vector<AuditRecord>> query_audit(const AuditQuery& query) = 0;

    // Admin accounts and API tokens, listed by name. A token's hash is stored lower-case and
    // unique: put_token with the hash of another token's name fails and changes nothing.
    virtual Status put_account(const AdminAccount& account) = 0;  // insert or replace
    virtual Result<std::optional<AdminAccount>> find_account(std::string_view name) = 0;
    virtual Result<std::vector<AdminAccount>> list_accounts() = 0;
    virtual Result<bool> remove_account(std::string_view name) = 0;
    virtual Status put_token(const ApiToken& token) = 0;  // insert or replace
    virtual Result<std::optional<ApiToken>> find_token_by_hash(std::string_view token_hash) = 0;
    virtual Result<std::vector<ApiToken>> list_tokens() = 0;
    virtual Result<bool> remove_token(std::string_view name) = 0;

    // Changes staged for approval: partners' update bundles and discovered keys (not policy: no
    // generation bump; applying an approved change writes policy through the calls above).
    // add_pending ignores change.id and returns the id the store gave it (never reused);
    // list_pending: ids ascending, every state. decide_pending changes a pending change's state
    // once: false when there is no such change or it was decided already (nothing changes then).
    virtual Result<std::int64_t> add_pending(const PendingChange& change) = 0;
    virtual Result<std::optional<PendingChange>> find_pending(std::int64_t id) = 0;
    virtual Result<std::vector<PendingChange>> list_pending() = 0;
    virtual Result<bool> decide_pending(std::int64_t id, PendingState state,
                                        std::string_view decided_by, std::time_t when) = 0;

    // Small named values of the gateway's own (the admin listener's generated certificate and
    // its sealed key, the update bundles' sequence numbers, the expiry warnings already given);
    // nullopt: not set.
    virtual Status put_setting(std::string_view name, std::string_view value) = 0;
    virtual Result<std::optional<std::string>> find_setting(std::string_view name) = 0;
    // Every setting, by name (`sealgate store copy` takes them all, whatever their names).
    virtual Result<std::vector<Setting>> list_settings() = 0;
};

}  // namespace sealgate
