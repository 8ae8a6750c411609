#include "app/store_copy.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <functional>
#include <limits>
#include <memory>

#include "core/hex.hpp"

namespace sealgate::app {

namespace {

// The newest records first in pages of this many (a mail log of the default retention, 100,000
// records, is 10 queries).
constexpr std::size_t kPage = 10000;
// Mail log records per append_logs transaction on the target.
constexpr std::size_t kBatch = 1000;

// Everything a store holds, as the Store interface lists it.
struct Contents {
    std::vector<DomainRecord> domains;
    std::vector<CertRecord> certificates;
    std::vector<Setting> sealed_keys;  // name: the certificate's thumbprint; value: the sealed key
    std::vector<CtlEntry> ctl;
    std::vector<RootRecord> roots;
    std::vector<CrlRecord> crls;
    std::vector<CrlFetch> crl_fetches;
    std::vector<PgpKeyRecord> pgp_keys;
    std::vector<AdminAccount> accounts;
    std::vector<ApiToken> tokens;
    std::vector<Setting> settings;
    std::vector<PendingChange> pending;
    std::vector<AuditRecord> audit;
    std::vector<LogRecord> log;
};

// Records oldest first, by pages from the newest (`fetch(before_id)` returns a page oldest
// first; before_id 0: the newest).
template <class T, class Fetch>
Result<std::vector<T>> all_by_pages(Fetch fetch) {
    std::vector<std::vector<T>> pages;
    std::int64_t before = 0;
    while (true) {
        Result<std::vector<T>> page = fetch(before);
        SEALGATE_TRY(page);
        if (page->empty())
            break;
        before = page->front().id;
        const bool last = page->size() < kPage;
        pages.push_back(std::move(*page));
        if (last || before <= 1)
            break;
    }
    std::vector<T> out;
    for (auto it = pages.rbegin(); it != pages.rend(); ++it)
        out.insert(out.end(), std::make_move_iterator(it->begin()),
                   std::make_move_iterator(it->end()));
    return out;
}

template <class T>
Status take(Result<std::vector<T>> listed, std::vector<T>& into) {
    SEALGATE_TRY(listed);
    into = std::move(*listed);
    return ok();
}

Result<Contents> read_all(Store& store) {
    Contents c;
    SEALGATE_TRY(take(store.list_domains(), c.domains));
    SEALGATE_TRY(take(store.list_certificates(), c.certificates));
    for (const auto& cert : c.certificates) {
        auto sealed = store.find_sealed_key(cert.sha256);
        SEALGATE_TRY(sealed);
        if (*sealed)
            c.sealed_keys.push_back(Setting{cert.sha256, std::move(**sealed)});
    }
    SEALGATE_TRY(take(store.list_ctl(), c.ctl));
    SEALGATE_TRY(take(store.list_roots(), c.roots));
    SEALGATE_TRY(take(store.list_crls(), c.crls));
    SEALGATE_TRY(take(store.list_crl_fetches(), c.crl_fetches));
    SEALGATE_TRY(take(store.list_pgp_keys(), c.pgp_keys));
    SEALGATE_TRY(take(store.list_accounts(), c.accounts));
    SEALGATE_TRY(take(store.list_tokens(), c.tokens));
    SEALGATE_TRY(take(store.list_settings(), c.settings));
    SEALGATE_TRY(take(store.list_pending(), c.pending));
    SEALGATE_TRY(take(all_by_pages<AuditRecord>([&](std::int64_t before) {
                          AuditQuery q;
                          q.last = kPage;
                          q.before_id = before;
                          return store.query_audit(q);
                      }),
                      c.audit));
    SEALGATE_TRY(take(all_by_pages<LogRecord>([&](std::int64_t before) {
                          LogQuery q;
                          q.last = kPage;
                          q.before_id = before;
                          return store.query_log(q);
                      }),
                      c.log));
    return c;
}

// SHA-256 over fields, each as its length (8 bytes, big-endian) and its bytes: no two different
// sequences of fields give the same input, whatever bytes a field holds.
class Canon {
  public:
    Canon() : ctx_(EVP_MD_CTX_new(), EVP_MD_CTX_free) {
        if (!ctx_ || EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr) != 1)
            failed_ = true;
    }
    Canon& operator<<(std::string_view bytes) {
        std::array<unsigned char, 8> length{};
        std::uint64_t n = bytes.size();
        for (int i = 7; i >= 0; --i, n >>= 8)
            length[static_cast<std::size_t>(i)] = static_cast<unsigned char>(n & 0xFF);
        update(length.data(), length.size());
        update(bytes.data(), bytes.size());
        return *this;
    }
    Canon& operator<<(const std::string& bytes) { return *this << std::string_view(bytes); }
    Canon& operator<<(const char* text) { return *this << std::string_view(text); }
    Canon& operator<<(std::int64_t n) { return *this << std::to_string(n); }
    Canon& operator<<(std::uint64_t n) { return *this << std::to_string(n); }
    Canon& operator<<(unsigned n) { return *this << std::to_string(n); }
    Canon& operator<<(bool b) { return *this << (b ? "1" : "0"); }
    Canon& operator<<(const std::vector<std::string>& items) {
        *this << static_cast<std::uint64_t>(items.size());
        for (const auto& item : items)
            *this << item;
        return *this;
    }
    Result<std::string> hex() {
        std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
        unsigned len = 0;
        if (failed_ || EVP_DigestFinal_ex(ctx_.get(), md.data(), &len) != 1)
            return fail(Error::internal("store copy: SHA-256 failed"));
        return to_hex(std::string_view(reinterpret_cast<const char*>(md.data()), len));
    }

  private:
    void update(const void* data, std::size_t size) {
        if (!failed_ && EVP_DigestUpdate(ctx_.get(), data, size) != 1)
            failed_ = true;
    }
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx_;
    bool failed_ = false;
};

// Each record's fields in a fixed order: every field of the record (a field added to a record
// belongs here too), less the ids the target renumbers.
void canon(Canon& c, const DomainRecord& d) {
    std::vector<std::string> methods;
    for (const auto m : d.methods)
        methods.emplace_back(to_string(m));
    c << d.name << d.local << to_string(d.encrypt_mode) << to_string(d.smime_profile) << methods
      << to_string(d.tls) << d.smime_certs << d.min_rsa_bits << to_string(d.on_expired)
      << to_string(d.revocation) << d.accept_signed_updates << to_string(d.sign)
      << d.require_signature << to_string(d.on_bad_signature) << d.keep_signature
      << d.header_protection << to_string(d.discovery) << d.discovery_address;
}
void canon(Canon& c, const KeyOrigin& o) {
    c << to_string(o.source) << o.where << static_cast<std::int64_t>(o.found)
      << static_cast<std::uint64_t>(o.ttl);
}
void canon(Canon& c, const CertRecord& r) {
    c << r.sha256 << r.der << r.has_private_key << static_cast<std::int64_t>(r.added) << r.retired;
    canon(c, r.origin);
}
void canon(Canon& c, const Setting& s) {
    c << s.name << s.value;
}
void canon(Canon& c, const CtlEntry& e) {
    c << e.sha256 << to_string(e.action) << static_cast<std::int64_t>(e.added);
}
void canon(Canon& c, const RootRecord& r) {
    c << r.sha256 << r.der;
}
void canon(Canon& c, const CrlRecord& r) {
    c << r.issuer << r.der << static_cast<std::int64_t>(r.added) << r.source;
}
void canon(Canon& c, const CrlFetch& f) {
    c << f.url << f.issuer << static_cast<std::int64_t>(f.last_attempt)
      << static_cast<std::int64_t>(f.last_success) << f.last_error;
}
void canon(Canon& c, const PgpKeyRecord& k) {
    c << k.fingerprint << k.public_key << k.sealed_secret << k.trusted << k.domains
      << static_cast<std::int64_t>(k.added) << k.retired;
    canon(c, k.origin);
}
void canon(Canon& c, const AdminAccount& a) {
    c << a.name << to_string(a.role) << a.password_hash << static_cast<std::int64_t>(a.created);
}
void canon(Canon& c, const ApiToken& t) {
    c << t.name << to_string(t.role) << t.token_hash << static_cast<std::int64_t>(t.created)
      << static_cast<std::int64_t>(t.last_used);
}
void canon(Canon& c, const PendingChange& p) {
    c << p.domain << p.sequence << static_cast<std::int64_t>(p.created) << p.signer << p.summary
      << p.bundle << to_string(p.state) << static_cast<std::int64_t>(p.decided) << p.decided_by
      << to_string(p.kind) << to_string(p.found.source) << to_string(p.found.method)
      << p.found.address << p.found.where << p.found.dnssec << p.found.data << p.found.id
      << static_cast<std::uint64_t>(p.found.ttl) << static_cast<std::uint64_t>(p.found.usage);
}
void canon(Canon& c, const AuditRecord& a) {
    c << static_cast<std::int64_t>(a.time) << a.actor << a.action << a.object << a.change << a.node;
}
void canon(Canon& c, const LogRecord& r) {
    c << static_cast<std::int64_t>(r.time) << r.queue_id << r.message_id << r.sender << r.recipients
      << to_string(r.direction) << to_string(r.action) << r.method << r.keys << r.algorithm
      << r.detail << r.signature << r.tls_level << r.tls_protocol << r.tls_cipher << r.tls_peer
      << r.tls_verified << r.node;
}

template <class T>
Status sum(std::vector<TableSum>& out, const char* name, const std::vector<T>& records) {
    Canon c;
    c << name;
    for (const auto& r : records)
        canon(c, r);
    auto hex = c.hex();
    SEALGATE_TRY(hex);
    out.push_back(TableSum{name, records.size(), std::move(*hex)});
    return ok();
}

Result<std::vector<TableSum>> sums(const Contents& c) {
    std::vector<TableSum> out;
    SEALGATE_TRY(sum(out, "domains", c.domains));
    SEALGATE_TRY(sum(out, "certificates", c.certificates));
    SEALGATE_TRY(sum(out, "sealed_keys", c.sealed_keys));
    SEALGATE_TRY(sum(out, "ctl", c.ctl));
    SEALGATE_TRY(sum(out, "roots", c.roots));
    SEALGATE_TRY(sum(out, "crls", c.crls));
    SEALGATE_TRY(sum(out, "crl_fetches", c.crl_fetches));
    SEALGATE_TRY(sum(out, "pgp_keys", c.pgp_keys));
    SEALGATE_TRY(sum(out, "admin_accounts", c.accounts));
    SEALGATE_TRY(sum(out, "api_tokens", c.tokens));
    SEALGATE_TRY(sum(out, "settings", c.settings));
    SEALGATE_TRY(sum(out, "pending_changes", c.pending));
    SEALGATE_TRY(sum(out, "audit_log", c.audit));
    SEALGATE_TRY(sum(out, "mail_log", c.log));
    return out;
}

// What the writes of one table need to say when one fails.
Status written(Status st, const char* table) {
    if (!st)
        return fail(
            Error::temp("store copy: writing " + std::string(table) + ": " + st.error().reason +
                        " (the target holds a partial copy: empty it before trying again)"));
    return ok();
}

template <class T, class Put>
Status put_each(const std::vector<T>& records, const char* table, Put put) {
    for (const auto& r : records)
        SEALGATE_TRY(written(put(r), table));
    return ok();
}

Status write_all(const Contents& c, Store& to) {
    // Certificates before their sealed keys (the key refers to its certificate).
    SEALGATE_TRY(put_each(c.domains, "domains", [&](const auto& r) { return to.put_domain(r); }));
    SEALGATE_TRY(put_each(c.certificates, "certificates",
                          [&](const auto& r) { return to.put_certificate(r); }));
    SEALGATE_TRY(put_each(c.sealed_keys, "sealed_keys",
                          [&](const auto& r) { return to.put_sealed_key(r.name, r.value); }));
    SEALGATE_TRY(put_each(c.ctl, "ctl", [&](const auto& r) { return to.put_ctl(r); }));
    SEALGATE_TRY(put_each(c.roots, "roots", [&](const auto& r) { return to.put_root(r); }));
    SEALGATE_TRY(put_each(c.crls, "crls", [&](const auto& r) { return to.put_crl(r); }));
    SEALGATE_TRY(
        put_each(c.crl_fetches, "crl_fetches", [&](const auto& r) { return to.put_crl_fetch(r); }));
    SEALGATE_TRY(
        put_each(c.pgp_keys, "pgp_keys", [&](const auto& r) { return to.put_pgp_key(r); }));
    SEALGATE_TRY(
        put_each(c.accounts, "admin_accounts", [&](const auto& r) { return to.put_account(r); }));
    SEALGATE_TRY(put_each(c.tokens, "api_tokens", [&](const auto& r) { return to.put_token(r); }));
    SEALGATE_TRY(put_each(c.settings, "settings",
                          [&](const auto& r) { return to.put_setting(r.name, r.value); }));
    SEALGATE_TRY(put_each(c.pending, "pending_changes", [&](const auto& r) -> Status {
        return to.add_pending(r).map([](std::int64_t) {});
    }));
    SEALGATE_TRY(put_each(c.audit, "audit_log", [&](const auto& r) { return to.append_audit(r); }));
    for (std::size_t i = 0; i < c.log.size(); i += kBatch) {
        const auto end =
            c.log.begin() + static_cast<std::ptrdiff_t>(std::min(i + kBatch, c.log.size()));
        const std::vector<LogRecord> batch(c.log.begin() + static_cast<std::ptrdiff_t>(i), end);
        SEALGATE_TRY(written(to.append_logs(batch), "mail_log"));
    }
    return ok();
}

}  // namespace

Result<std::vector<TableSum>> table_sums(Store& store) {
    auto contents = read_all(store);
    SEALGATE_TRY(contents);
    return sums(*contents);
}

Result<std::uint64_t> count_log(Store& store) {
    auto log = all_by_pages<LogRecord>([&](std::int64_t before) {
        LogQuery q;
        q.last = kPage;
        q.before_id = before;
        return store.query_log(q);
    });
    SEALGATE_TRY(log);
    return static_cast<std::uint64_t>(log->size());
}

Result<CopyReport> copy_store(Store& from, Store& to) {
    auto before = table_sums(to);
    SEALGATE_TRY(before);
    for (const auto& t : *before) {
        if (t.rows != 0)
            return fail(Error::conflict("store copy: the target is not empty (" + t.name + " has " +
                                        std::to_string(t.rows) +
                                        " rows): copy into a new store only"));
    }
    auto contents = read_all(from);
    SEALGATE_TRY(contents);
    SEALGATE_TRY(write_all(*contents, to));
    CopyReport report;
    auto source = table_sums(from);
    SEALGATE_TRY(source);
    auto target = table_sums(to);
    SEALGATE_TRY(target);
    report.source = std::move(*source);
    report.target = std::move(*target);
    report.verified =
        report.source.size() == report.target.size() &&
        std::equal(report.source.begin(), report.source.end(), report.target.begin(),
                   [](const TableSum& a, const TableSum& b) {
                       return a.name == b.name && a.rows == b.rows && a.sha256 == b.sha256;
                   });
    return report;
}

}  // namespace sealgate::app
