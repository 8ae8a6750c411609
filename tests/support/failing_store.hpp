// tests/support/failing_store.hpp — a Store that delegates to a real one and fails on demand
// at a chosen method (error injection for the policy, the pipeline and the admin service).
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "store/store.hpp"

namespace sealgate::test {

class FailingStore final : public Store {
  public:
    explicit FailingStore(Store& real) : real_(real) {}
    std::string fail_on;  // method name, e.g. "list_ctl"; empty: never fail
    // Called with the method's name before each call (e.g. to make another change in between).
    std::function<void(std::string_view)> before;

#define SEALGATE_DELEGATE(ret, name, params, args)                  \
    ret name params override {                                      \
        if (before)                                                 \
            before(#name);                                          \
        if (fail_on == #name)                                       \
            return fail(Error::temp("injected failure in " #name)); \
        return real_.name args;                                     \
    }
    SEALGATE_DELEGATE(Result<std::uint64_t>, generation, (), ())
    SEALGATE_DELEGATE(Result<std::optional<DomainRecord>>, find_domain, (std::string_view n), (n))
    SEALGATE_DELEGATE(Result<std::vector<DomainRecord>>, list_domains, (), ())
    SEALGATE_DELEGATE(Status, put_domain, (const DomainRecord& d), (d))
    SEALGATE_DELEGATE(Result<bool>, remove_domain, (std::string_view n), (n))
    SEALGATE_DELEGATE(Status, put_certificate, (const CertRecord& c), (c))
    SEALGATE_DELEGATE(Result<std::optional<CertRecord>>, find_certificate, (std::string_view s),
                      (s))
    SEALGATE_DELEGATE(Result<std::vector<CertRecord>>, find_certificates_by_prefix,
                      (std::string_view p), (p))
    SEALGATE_DELEGATE(Result<std::vector<CertRecord>>, list_certificates, (), ())
    SEALGATE_DELEGATE(Result<bool>, remove_certificate, (std::string_view s), (s))
    SEALGATE_DELEGATE(Result<bool>, set_certificate_retired, (std::string_view s, bool r), (s, r))
    SEALGATE_DELEGATE(Result<bool>, set_certificate_origin,
                      (std::string_view s, const KeyOrigin& o), (s, o))
    SEALGATE_DELEGATE(Status, put_sealed_key, (std::string_view s, std::string_view k), (s, k))
    SEALGATE_DELEGATE(Result<std::optional<std::string>>, find_sealed_key, (std::string_view s),
                      (s))
    SEALGATE_DELEGATE(Status, put_ctl, (const CtlEntry& e), (e))
    SEALGATE_DELEGATE(Result<std::optional<CtlEntry>>, find_ctl, (std::string_view s), (s))
    SEALGATE_DELEGATE(Result<std::vector<CtlEntry>>, list_ctl, (), ())
    SEALGATE_DELEGATE(Result<bool>, remove_ctl, (std::string_view s), (s))
    SEALGATE_DELEGATE(Status, put_root, (const RootRecord& r), (r))
    SEALGATE_DELEGATE(Result<std::vector<RootRecord>>, list_roots, (), ())
    SEALGATE_DELEGATE(Result<bool>, remove_root, (std::string_view s), (s))
    SEALGATE_DELEGATE(Status, put_crl, (const CrlRecord& c), (c))
    SEALGATE_DELEGATE(Result<std::vector<CrlRecord>>, list_crls, (), ())
    SEALGATE_DELEGATE(Status, put_crl_fetch, (const CrlFetch& f), (f))
    SEALGATE_DELEGATE(Result<std::vector<CrlFetch>>, list_crl_fetches, (), ())
    SEALGATE_DELEGATE(Status, put_pgp_key, (const PgpKeyRecord& k), (k))
    SEALGATE_DELEGATE(Result<std::optional<PgpKeyRecord>>, find_pgp_key, (std::string_view f), (f))
    SEALGATE_DELEGATE(Result<std::vector<PgpKeyRecord>>, find_pgp_keys_by_prefix,
                      (std::string_view p), (p))
    SEALGATE_DELEGATE(Result<std::vector<PgpKeyRecord>>, list_pgp_keys, (), ())
    SEALGATE_DELEGATE(Result<bool>, remove_pgp_key, (std::string_view f), (f))
    SEALGATE_DELEGATE(Status, append_log, (const LogRecord& r), (r))
    SEALGATE_DELEGATE(Status, append_logs, (const std::vector<LogRecord>& r), (r))
    SEALGATE_DELEGATE(Result<std::vector<LogRecord>>, query_log, (const LogQuery& q), (q))
    SEALGATE_DELEGATE(Status, append_audit, (const AuditRecord& r), (r))
    SEALGATE_DELEGATE(Result<std::vector<AuditRecord>>, query_audit, (const AuditQuery& q), (q))
    SEALGATE_DELEGATE(Status, put_account, (const AdminAccount& a), (a))
    SEALGATE_DELEGATE(Result<std::optional<AdminAccount>>, find_account, (std::string_view n), (n))
    SEALGATE_DELEGATE(Result<std::vector<AdminAccount>>, list_accounts, (), ())
    SEALGATE_DELEGATE(Result<bool>, remove_account, (std::string_view n), (n))
    SEALGATE_DELEGATE(Status, put_token, (const ApiToken& t), (t))
    SEALGATE_DELEGATE(Result<std::optional<ApiToken>>, find_token_by_hash, (std::string_view h),
                      (h))
    SEALGATE_DELEGATE(Result<std::vector<ApiToken>>, list_tokens, (), ())
    SEALGATE_DELEGATE(Result<bool>, remove_token, (std::string_view n), (n))
    SEALGATE_DELEGATE(Result<std::int64_t>, add_pending, (const PendingChange& c), (c))
    SEALGATE_DELEGATE(Result<std::optional<PendingChange>>, find_pending, (std::int64_t i), (i))
    SEALGATE_DELEGATE(Result<std::vector<PendingChange>>, list_pending, (), ())
    SEALGATE_DELEGATE(Result<bool>, decide_pending,
                      (std::int64_t i, PendingState s, std::string_view b, std::time_t w),
                      (i, s, b, w))
    SEALGATE_DELEGATE(Status, put_setting, (std::string_view n, std::string_view v), (n, v))
    SEALGATE_DELEGATE(Result<std::optional<std::string>>, find_setting, (std::string_view n), (n))
    SEALGATE_DELEGATE(Result<std::vector<Setting>>, list_settings, (), ())
#undef SEALGATE_DELEGATE

  private:
    Store& real_;
};

}  // namespace sealgate::test
