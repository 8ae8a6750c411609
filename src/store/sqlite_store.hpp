// store/sqlite_store.hpp — the embedded Store: one SQLite file in WAL mode.
//
// Contract (in addition to store.hpp):
//   - OpenMode::create makes a new file (mode 0600, and so are its -wal and -shm) and refuses a
//     path where one exists; if the store cannot be completed the file is removed again.
//   - OpenMode::existing never creates or replaces a store: it refuses a missing file ("no store
//     at PATH (run `sealgate init`)"), a file that is not SQLite, an empty (0-byte) file or an
//     SQLite database without the sealgate schema, and a schema newer than this binary, each
//     with an error that names the path and is not temporary (no retry makes it a store).
//     These checks only read: nothing is written to a file that is refused.
//   - open() applies the schema migrations that a sealgate store lacks, each in its own
//     transaction.
//   - Connection settings: journal_mode=WAL (readers never block the writer), busy_timeout 5 s
//     (a CLI write waits for the gateway instead of failing), foreign_keys=ON,
//     synchronous=NORMAL (WAL stays consistent on power loss; the last commits may be lost).
//   - generation is the row meta('generation'); every write of policy increments it in the same
//     transaction, so any process that shares the file sees the change by polling generation().
//     The mail log, the audit log, accounts, tokens and settings do not bump it: logging mail or
//     an administrator's login must not make gateways reload.
//     A remove_* that finds nothing is not a write.
//   - The mail log keeps at most Options::log_retention records; append_log(s) drops the oldest
//     in the same transaction with one range delete on the row id (no scan).
//   - Thread safety: one connection per object, every call holds the object's mutex, so an
//     object may be shared between threads (calls are serialised). For parallel readers open
//     one object per thread; several objects (and processes) on one file are safe.
//   - SQLite failures become Error::temp("store: <sqlite message>").
//   - The store does not parse DER or key blobs and does not require a domain's smime_certs or a
//     PGP key's domains to exist: the policy layer reports dangling references as reasons.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "store/store.hpp"

namespace sealgate {

enum class OpenMode { create, existing };

class SqliteStore final : public Store {
  public:
    using OpenMode = sealgate::OpenMode;

    struct Options {
        std::size_t log_retention = 100000;  // mail log records kept; at least 1
    };

    // The schema version this binary writes (the last migration).
    static int schema_version();

    static Result<std::unique_ptr<SqliteStore>> open(const std::string& path, OpenMode mode);
    static Result<std::unique_ptr<SqliteStore>> open(const std::string& path, OpenMode mode,
                                                     const Options& options);

    ~SqliteStore() override;
    SqliteStore(const SqliteStore&) = delete;
    SqliteStore& operator=(const SqliteStore&) = delete;

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

  private:
    struct Impl;  // the connection, its statement cache and the mutex (sqlite_store.cpp)
    static Status create_file(const std::string& path);
    static Result<std::unique_ptr<SqliteStore>> open_file(const std::string& path, OpenMode mode,
                                                          const Options& options);
    explicit SqliteStore(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace sealgate
