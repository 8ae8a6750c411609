// store/sql_store.hpp — the one SQL implementation of Store, over a driver (sql_db.hpp).
//
// Every rule of the store lives here once, for both engines: lower-casing of names and
// thumbprints, the generation bump (and its announcement), mail log retention, corrupt values
// as errors naming table and column. Opened through SqliteStore (one file) or PgStore
// (PostgreSQL); the schema versions are the same numbers on both.
//
// Contract (in addition to store.hpp):
//   - generation is the row meta('generation'); every write of policy increments it in the same
//     transaction, so any process that shares the store sees the change by polling
//     generation(). The mail log, the audit log, accounts, tokens and settings do not bump it:
//     logging mail or an administrator's login must not make gateways reload.
//     A remove_* that finds nothing is not a write.
//   - The mail log keeps at most Options::log_retention records; append_log(s) drops the oldest
//     in the same transaction with one range delete on the id (no scan).
//   - Thread safety: one connection per object, every call holds the object's mutex, so an
//     object may be shared between threads (calls are serialised). For parallel readers open
//     one object per thread; several objects (and processes, and nodes) on one store are safe.
//   - Failures of the engine become Error::temp("store: ...").
//   - The store does not parse DER or key blobs and does not require a domain's smime_certs or a
//     PGP key's domains to exist: the policy layer reports dangling references as reasons.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "store/store.hpp"

namespace sealgate {

enum class OpenMode { create, existing };

class SqlStore : public Store {
  public:
    struct Options {
        std::size_t log_retention = 100000;  // mail log records kept; at least 1
        // Bring an existing store's schema up to date at open (SQLite does; PostgreSQL refuses
        // an older schema instead). false: open it as it is, for migrate() (`store migrate`).
        bool migrate = true;
    };
    struct MigrateReport {
        int from = 0;
        int to = 0;
    };

    ~SqlStore() override;
    SqlStore(const SqlStore&) = delete;
    SqlStore& operator=(const SqlStore&) = delete;

    // "sqlite" or "postgresql".
    std::string_view engine() const;
    // The schema version the store has now.
    Result<int> stored_schema_version();
    // Apply every pending migration (each in its own transaction): from which version to which.
    Result<MigrateReport> migrate();

    Result<std::uint64_t> generation() override;

    Result<std::optional<DomainRecord>> find_domain(std::string_view name) override;
    Result<std::vector<DomainRecord>> list_domains() override;
    Status put_domain(const DomainRecord& domain) override;
    Result<bool> remove_domain(std::string_view name) override;

    Status put_certificate(const CertRecord& cert) override;
    Result<std::optional<CertRecord>> find_certificate(std::string_view sha256) override;
    Result<std::vector<CertRecord>> find_certificates_by_prefix(std::string_view prefix) override;
    Result<std::vector<CertRecord>> list_certificates() override;
    Result<bool> remove_certificate(std::string_view sha256) override;
    Result<bool> set_certificate_retired(std::string_view sha256, bool retired) override;
    Result<bool> set_certificate_origin(std::string_view sha256, const KeyOrigin& origin) override;
    Status put_sealed_key(std::string_view sha256, std::string_view sealed) override;
    Result<std::optional<std::string>> find_sealed_key(std::string_view sha256) override;

    Status put_ctl(const CtlEntry& entry) override;
    Result<std::optional<CtlEntry>> find_ctl(std::string_view sha256) override;
    Result<std::vector<CtlEntry>> list_ctl() override;
    Result<bool> remove_ctl(std::string_view sha256) override;

    Status put_root(const RootRecord& root) override;
    Result<std::vector<RootRecord>> list_roots() override;
    Result<bool> remove_root(std::string_view sha256) override;
    Status put_crl(const CrlRecord& crl) override;
    Result<std::vector<CrlRecord>> list_crls() override;
    Status put_crl_fetch(const CrlFetch& fetch) override;
    Result<std::vector<CrlFetch>> list_crl_fetches() override;

    Status put_pgp_key(const PgpKeyRecord& key) override;
    Result<std::optional<PgpKeyRecord>> find_pgp_key(std::string_view fingerprint) override;
    Result<std::vector<PgpKeyRecord>> find_pgp_keys_by_prefix(std::string_view prefix) override;
    Result<std::vector<PgpKeyRecord>> list_pgp_keys() override;
    Result<bool> remove_pgp_key(std::string_view fingerprint) override;

    Status append_log(const LogRecord& record) override;
    Status append_logs(const std::vector<LogRecord>& records) override;
    Result<std::vector<LogRecord>> query_log(const LogQuery& query) override;

    Status append_audit(const AuditRecord& record) override;
    Result<std::vector<AuditRecord>> query_audit(const AuditQuery& query) override;

    Status put_account(const AdminAccount& account) override;
    Result<std::optional<AdminAccount>> find_account(std::string_view name) override;
    Result<std::vector<AdminAccount>> list_accounts() override;
    Result<bool> remove_account(std::string_view name) override;
    Status put_token(const ApiToken& token) override;
    Result<std::optional<ApiToken>> find_token_by_hash(std::string_view token_hash) override;
    Result<std::vector<ApiToken>> list_tokens() override;
    Result<bool> remove_token(std::string_view name) override;

    Result<std::int64_t> add_pending(const PendingChange& change) override;
    Result<std::optional<PendingChange>> find_pending(std::int64_t id) override;
    Result<std::vector<PendingChange>> list_pending() override;
    Result<bool> decide_pending(std::int64_t id, PendingState state, std::string_view decided_by,
                                std::time_t when) override;

    Status put_setting(std::string_view name, std::string_view value) override;
    Result<std::optional<std::string>> find_setting(std::string_view name) override;
    Result<std::vector<Setting>> list_settings() override;

  protected:
    struct Impl;  // the driver, the mutex and the shared helpers (sql_store_impl.hpp)
    explicit SqlStore(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace sealgate
