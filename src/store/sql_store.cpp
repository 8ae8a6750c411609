// store/sql_store.cpp — the SQL Store: migrations, then one method per query (domains,
// certificates, trust here; the other nouns in sql_pgp_log.cpp, sql_admin.cpp, sql_lifecycle.cpp).
#include "store/sql_store.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <limits>
#include <utility>

#include "core/text.hpp"
#include "store/sql_store_impl.hpp"

namespace sealgate {

using sql::Query;
using sql::Transaction;

std::optional<KeyRange> prefix_range(std::string_view prefix) {
    std::string low = ascii_lower(prefix);
    for (const char c : low) {
        if (!std::isxdigit(static_cast<unsigned char>(c)))
            return std::nullopt;
    }
    if (low.empty())
        return KeyRange{"", "g"};  // every lower-case hex string sorts below "g"
    std::string high = low;
    ++high.back();  // '9'+1 is ':' and 'f'+1 is 'g': both sort above every continuation
    return KeyRange{std::move(low), std::move(high)};
}

Error corrupt(std::string_view table, std::string_view column, std::string_view value) {
    return Error::temp("store: invalid " + std::string(column) + " '" + std::string(value) +
                       "' in table " + std::string(table));
}

Result<KeyOrigin> origin_columns(const sql::Query& q, int index, std::string_view table) {
    KeyOrigin o;
    auto source = enum_column(q, index, parse_key_source, table, "source");
    SEALGATE_TRY(source);
    o.source = *source;
    o.where = q.text(index + 1);
    o.found = static_cast<std::time_t>(q.integer(index + 2));
    const std::int64_t ttl = q.integer(index + 3);
    if (ttl < 0 || ttl > std::numeric_limits<std::uint32_t>::max())
        return fail(corrupt(table, "ttl", std::to_string(ttl)));
    o.ttl = static_cast<std::uint32_t>(ttl);
    return o;
}

// --- opening and migrations ---------------------------------------------------------------

Result<int> SqlStore::Impl::stored_schema_version() {
    auto has_meta = db.driver().has_table("meta");
    if (!has_meta)
        return fail(std::move(has_meta).error());
    if (!*has_meta)
        return 0;
    auto q = db.query("SELECT CAST(value AS BIGINT) FROM meta WHERE key = 'schema_version'");
    if (!q)
        return fail(std::move(q).error());
    auto row = q->step();
    if (!row)
        return fail(std::move(row).error());
    if (!*row)
        return 0;
    const auto v = q->integer(0);
    return static_cast<int>(std::clamp<std::int64_t>(v, 0, std::numeric_limits<int>::max()));
}

Status SqlStore::Impl::migrate(int up_to) {
    auto& driver = db.driver();
    const auto all = driver.migrations();
    const int latest = all.back().version;
    const std::string& where = driver.where();
    auto version = stored_schema_version();
    if (!version)
        return fail(std::move(version).error());
    if (*version > latest)
        return fail(newer_schema(where, *version, latest));
    if (*version == 0) {
        auto any = driver.has_any_table();
        if (!any)
            return fail(std::move(any).error());
        if (*any)
            return fail(Error::usage("store: " + where + " is not a sealgate store"));
    }
    for (const auto& m : all) {
        if (m.version <= *version || m.version > up_to)
            continue;
        auto tx = Transaction::begin(db, sql::TxKind::write);
        if (!tx)
            return fail(std::move(tx).error());
        SEALGATE_TRY(driver.lock_for_migration());
        // Another process may have migrated while we waited for the write lock.
        version = stored_schema_version();
        if (!version)
            return fail(std::move(version).error());
        if (m.version <= *version)
            continue;
        SEALGATE_TRY(db.exec(m.sql).map_error([&](Error e) {
            return std::move(e).with_context("migration " + std::to_string(m.version));
        }));
        SEALGATE_TRY(
            run("INSERT INTO meta (key, value) VALUES ('schema_version', ?1) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                std::to_string(m.version)));
        SEALGATE_TRY(tx->commit());
        version = m.version;
    }
    return ok();
}

Error newer_schema(const std::string& where, int stored, int known) {
    return Error::usage("store " + where + " has schema version " + std::to_string(stored) +
                        ", newer than this sealgate (" + std::to_string(known) +
                        "): upgrade sealgate");
}

SqlStore::SqlStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SqlStore::~SqlStore() = default;

std::string_view SqlStore::engine() const {
    return impl_->db.driver().engine();
}

Result<int> SqlStore::stored_schema_version() {
    const std::lock_guard lock(impl_->mutex);
    return impl_->stored_schema_version();
}

Result<SqlStore::MigrateReport> SqlStore::migrate() {
    const std::lock_guard lock(impl_->mutex);
    MigrateReport report;
    auto from = impl_->stored_schema_version();
    if (!from)
        return fail(std::move(from).error());
    report.from = *from;
    SEALGATE_TRY(impl_->migrate(std::numeric_limits<int>::max()));
    auto to = impl_->stored_schema_version();
    if (!to)
        return fail(std::move(to).error());
    report.to = *to;
    return report;
}

Result<std::uint64_t> SqlStore::generation() {
    const std::lock_guard lock(impl_->mutex);
    auto q = impl_->db.query("SELECT CAST(value AS BIGINT) FROM meta WHERE key = 'generation'");
    if (!q)
        return fail(std::move(q).error());
    auto row = q->step();
    if (!row)
        return fail(std::move(row).error());
    if (!*row)
        return fail(Error::temp("store: meta has no generation"));
    return static_cast<std::uint64_t>(q->integer(0));
}

// --- shared readers -----------------------------------------------------------------------

Result<std::vector<std::string>> SqlStore::Impl::child_list(std::string_view sql,
                                                            std::string_view key) {
    auto q = db.query(sql);
    if (!q)
        return fail(std::move(q).error());
    q->bind_text(key);
    return sql::collect<std::string>(*q, [](Query& r) -> Result<std::string> { return r.text(0); });
}

// --- domains ------------------------------------------------------------------------------

namespace {
constexpr const char* kDomainColumns =
    "SELECT name, local, encrypt_mode, smime_profile, methods, tls, on_expired, revocation, "
    "accept_signed_updates, sign, require_signature, on_bad_signature, keep_signature, "
    "header_protection, discovery, discovery_address FROM domains ";
constexpr const char* kDomainCerts =
    "SELECT sha256 FROM domain_smime_certs WHERE domain = ?1 ORDER BY position";
constexpr const char* kDomainKeyMinimum =
    "SELECT min_rsa_bits FROM domain_key_minimum WHERE domain = ?1";
}  // namespace

Result<DomainRecord> SqlStore::Impl::domain_row(const Query& q) {
    DomainRecord d;
    d.name = q.text(0);
    d.local = q.boolean(1);
    auto mode = enum_column(q, 2, parse_encrypt_mode, "domains", "encrypt_mode");
    SEALGATE_TRY(mode);
    d.encrypt_mode = *mode;
    auto profile = enum_column(q, 3, parse_smime_profile, "domains", "smime_profile");
    SEALGATE_TRY(profile);
    d.smime_profile = *profile;
    const auto methods = q.text(4);
    if (methods.empty()) {
        d.methods.clear();  // stored as chosen: a domain with no method cannot be encrypted to
    } else if (const auto parsed = parse_methods(methods)) {
        d.methods = *parsed;
    } else {
        return fail(corrupt("domains", "methods", methods));
    }
    auto tls = enum_column(q, 5, parse_tls_level, "domains", "tls");
    SEALGATE_TRY(tls);
    d.tls = *tls;
    auto on_expired = enum_column(q, 6, parse_expired_action, "domains", "on_expired");
    SEALGATE_TRY(on_expired);
    d.on_expired = *on_expired;
    auto revocation = enum_column(q, 7, parse_revocation, "domains", "revocation");
    SEALGATE_TRY(revocation);
    d.revocation = *revocation;
    d.accept_signed_updates = q.boolean(8);
    auto sign = enum_column(q, 9, parse_sign_mode, "domains", "sign");
    SEALGATE_TRY(sign);
    d.sign = *sign;
    d.require_signature = q.boolean(10);
    auto on_bad = enum_column(q, 11, parse_signature_action, "domains", "on_bad_signature");
    SEALGATE_TRY(on_bad);
    d.on_bad_signature = *on_bad;
    d.keep_signature = q.boolean(12);
    d.header_protection = q.boolean(13);
    auto discovery = enum_column(q, 14, parse_discovery_mode, "domains", "discovery");
    SEALGATE_TRY(discovery);
    d.discovery = *discovery;
    d.discovery_address = q.text(15);
    auto certs = child_list(kDomainCerts, d.name);
    if (!certs)
        return fail(std::move(certs).error());
    d.smime_certs = std::move(*certs);
    auto minimum = db.query(kDomainKeyMinimum);
    if (!minimum)
        return fail(std::move(minimum).error());
    minimum->bind_text(d.name);
    auto row = minimum->step();
    if (!row)
        return fail(std::move(row).error());
    if (*row) {
        const std::int64_t bits = minimum->integer(0);
        if (bits <= 0 || bits > std::numeric_limits<unsigned>::max())
            return fail(corrupt("domain_key_minimum", "min_rsa_bits", std::to_string(bits)));
        d.min_rsa_bits = static_cast<unsigned>(bits);
    }
    return d;
}

Result<std::optional<DomainRecord>> SqlStore::find_domain(std::string_view name) {
    const std::lock_guard lock(impl_->mutex);
    const auto key = ascii_lower(name);
    return impl_->read([&]() -> Result<std::optional<DomainRecord>> {
        auto q = impl_->db.query(std::string(kDomainColumns) + "WHERE name = ?1");
        if (!q)
            return fail(std::move(q).error());
        q->bind_text(key);
        auto row = q->step();
        if (!row)
            return fail(std::move(row).error());
        if (!*row)
            return std::nullopt;
        return impl_->domain_row(*q);
    });
}

Result<std::vector<DomainRecord>> SqlStore::list_domains() {
    const std::lock_guard lock(impl_->mutex);
    return impl_->read([&]() -> Result<std::vector<DomainRecord>> {
        auto q = impl_->db.query(std::string(kDomainColumns) + "ORDER BY name");
        if (!q)
            return fail(std::move(q).error());
        std::vector<DomainRecord> out;
        while (true) {
            auto row = q->step();
            if (!row)
                return fail(std::move(row).error());
            if (!*row)
                return out;
            auto d = impl_->domain_row(*q);
            if (!d)
                return fail(std::move(d).error());
            out.push_back(std::move(*d));
        }
    });
}

Status SqlStore::put_domain(const DomainRecord& domain) {
    const std::lock_guard lock(impl_->mutex);
    const auto name = ascii_lower(domain.name);
    return impl_
        ->write([&]() -> Result<bool> {
            auto q = impl_->db.query(
                "INSERT INTO domains (name, local, encrypt_mode, smime_profile, methods, "
                "require_tls, tls, on_expired, revocation, accept_signed_updates, sign, "
                "require_signature, on_bad_signature, keep_signature, header_protection, "
                "discovery, discovery_address) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
                "?11, ?12, ?13, ?14, ?15, ?16, ?17) "
                "ON CONFLICT (name) DO "
                "UPDATE SET local = excluded.local, encrypt_mode = excluded.encrypt_mode, "
                "smime_profile = excluded.smime_profile, methods = excluded.methods, "
                "require_tls = excluded.require_tls, tls = excluded.tls, "
                "on_expired = excluded.on_expired, revocation = excluded.revocation, "
                "accept_signed_updates = excluded.accept_signed_updates, sign = excluded.sign, "
                "require_signature = excluded.require_signature, "
                "on_bad_signature = excluded.on_bad_signature, "
                "keep_signature = excluded.keep_signature, "
                "header_protection = excluded.header_protection, "
                "discovery = excluded.discovery, discovery_address = excluded.discovery_address");
            if (!q)
                return fail(std::move(q).error());
            q->bind_text(name)
                .bind_int(domain.local ? 1 : 0)
                .bind_text(to_string(domain.encrypt_mode))
                .bind_text(to_string(domain.smime_profile))
                .bind_text(methods_to_string(domain.methods))
                .bind_int(requires_tls(domain.tls) ? 1 : 0)
                .bind_text(to_string(domain.tls))
                .bind_text(to_string(domain.on_expired))
                .bind_text(to_string(domain.revocation))
                .bind_int(domain.accept_signed_updates ? 1 : 0)
                .bind_text(to_string(domain.sign))
                .bind_int(domain.require_signature ? 1 : 0)
                .bind_text(to_string(domain.on_bad_signature))
                .bind_int(domain.keep_signature ? 1 : 0)
                .bind_int(domain.header_protection ? 1 : 0)
                .bind_text(to_string(domain.discovery))
                .bind_text(domain.discovery_address);
            SEALGATE_TRY(q->run());
            SEALGATE_TRY(impl_->run("DELETE FROM domain_smime_certs WHERE domain = ?1", name));
            std::int64_t position = 0;
            for (const auto& sha256 : domain.smime_certs) {
                auto c = impl_->db.query(
                    "INSERT INTO domain_smime_certs (domain, position, sha256) "
                    "VALUES (?1, ?2, ?3)");
                if (!c)
                    return fail(std::move(c).error());
                c->bind_text(name).bind_int(position++).bind_text(ascii_lower(sha256));
                SEALGATE_TRY(c->run());
            }
            SEALGATE_TRY(impl_->run("DELETE FROM domain_key_minimum WHERE domain = ?1", name));
            if (domain.min_rsa_bits != 0) {
                auto m = impl_->db.query(
                    "INSERT INTO domain_key_minimum (domain, min_rsa_bits) VALUES (?1, ?2)");
                if (!m)
                    return fail(std::move(m).error());
                m->bind_text(name).bind_int(domain.min_rsa_bits);
                SEALGATE_TRY(m->run());
            }
            return true;
        })
        .map([](bool) {});
}

Result<bool> SqlStore::remove_domain(std::string_view name) {
    const std::lock_guard lock(impl_->mutex);
    return impl_->remove_keyed("DELETE FROM domains WHERE name = ?1", name);  // certs cascade
}

// --- certificates -------------------------------------------------------------------------

namespace {
constexpr const char* kCertColumns =
    "SELECT sha256, der, has_private_key, added, retired, source, found_where, found_at, ttl "
    "FROM certificates ";
}  // namespace

Result<std::vector<CertRecord>> SqlStore::Impl::certificates(
    std::string_view sql, std::initializer_list<std::string_view> params) {
    auto q = db.query(sql);
    if (!q)
        return fail(std::move(q).error());
    for (const auto p : params)
        q->bind_text(p);
    return sql::collect<CertRecord>(*q, [](Query& r) -> Result<CertRecord> {
        auto origin = origin_columns(r, 5, "certificates");
        SEALGATE_TRY(origin);
        return CertRecord{r.text(0),    r.blob(1),
                          r.boolean(2), static_cast<std::time_t>(r.integer(3)),
                          r.boolean(4), std::move(*origin)};
    });
}

Status SqlStore::put_certificate(const CertRecord& cert) {
    const std::lock_guard lock(impl_->mutex);
    return impl_
        ->write([&]() -> Result<bool> {
            // Present already: the DER is the same by definition of the thumbprint; only learn
            // that we now hold the private key, never forget it. Retired changes only through
            // set_certificate_retired, the origin only through set_certificate_origin.
            auto q = impl_->db.query(
                "INSERT INTO certificates (sha256, der, has_private_key, added, retired, source, "
                "found_where, found_at, ttl) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
                "ON CONFLICT (sha256) DO UPDATE SET "
                "has_private_key = CASE WHEN excluded.has_private_key <> 0 THEN 1 "
                "ELSE certificates.has_private_key END");
            if (!q)
                return fail(std::move(q).error());
            q->bind_text(ascii_lower(cert.sha256))
                .bind_blob(cert.der)
                .bind_int(cert.has_private_key ? 1 : 0)
                .bind_int(or_now(cert.added))
                .bind_int(cert.retired ? 1 : 0)
                .bind_text(to_string(cert.origin.source))
                .bind_text(cert.origin.where)
                .bind_int(cert.origin.found)
                .bind_int(cert.origin.ttl);
            SEALGATE_TRY(q->run());
            return true;
        })
        .map([](bool) {});
}

Result<std::optional<CertRecord>> SqlStore::find_certificate(std::string_view sha256) {
    const std::lock_guard lock(impl_->mutex);
    auto found =
        impl_->certificates(std::string(kCertColumns) + "WHERE sha256 = ?1", {ascii_lower(sha256)});
    if (!found)
        return fail(std::move(found).error());
    if (found->empty())
        return std::nullopt;
    return std::move(found->front());
}

Result<std::vector<CertRecord>> SqlStore::find_certificates_by_prefix(std::string_view prefix) {
    const std::lock_guard lock(impl_->mutex);
    const auto range = prefix_range(prefix);
    if (!range)
        return std::vector<CertRecord>{};
    return impl_->certificates(
        std::string(kCertColumns) + "WHERE sha256 >= ?1 AND sha256 < ?2 ORDER BY sha256",
        {range->low, range->high});
}

Result<std::vector<CertRecord>> SqlStore::list_certificates() {
    const std::lock_guard lock(impl_->mutex);
    return impl_->certificates(std::string(kCertColumns) + "ORDER BY sha256", {});
}

Result<bool> SqlStore::remove_certificate(std::string_view sha256) {
    const std::lock_guard lock(impl_->mutex);
    const auto key = ascii_lower(sha256);
    bool removed = false;
    auto changed = impl_->write([&]() -> Result<bool> {
        // A domain must not keep choosing a certificate that is gone; the sealed key cascades.
        auto refs = impl_->run("DELETE FROM domain_smime_certs WHERE sha256 = ?1", key);
        if (!refs)
            return fail(std::move(refs).error());
        auto certs = impl_->run("DELETE FROM certificates WHERE sha256 = ?1", key);
        if (!certs)
            return fail(std::move(certs).error());
        removed = *certs > 0;
        return removed || *refs > 0;
    });
    if (!changed)
        return fail(std::move(changed).error());
    return removed;
}

Result<bool> SqlStore::set_certificate_retired(std::string_view sha256, bool retired) {
    const std::lock_guard lock(impl_->mutex);
    const auto key = ascii_lower(sha256);
    bool found = false;
    auto changed = impl_->write([&]() -> Result<bool> {
        auto exists = impl_->db.query("SELECT retired FROM certificates WHERE sha256 = ?1");
        if (!exists)
            return fail(std::move(exists).error());
        exists->bind_text(key);
        auto row = exists->step();
        if (!row)
            return fail(std::move(row).error());
        if (!*row)
            return false;
        found = true;
        if (exists->boolean(0) == retired)
            return false;
        auto q = impl_->db.query("UPDATE certificates SET retired = ?2 WHERE sha256 = ?1");
        if (!q)
            return fail(std::move(q).error());
        q->bind_text(key).bind_int(retired ? 1 : 0);
        SEALGATE_TRY(q->run());
        return true;
    });
    if (!changed)
        return fail(std::move(changed).error());
    return found;
}

Result<bool> SqlStore::set_certificate_origin(std::string_view sha256, const KeyOrigin& origin) {
    const std::lock_guard lock(impl_->mutex);
    const auto key = ascii_lower(sha256);
    bool found = false;
    auto changed = impl_->write([&]() -> Result<bool> {
        auto q = impl_->db.query(
            "UPDATE certificates SET source = ?2, found_where = ?3, found_at = ?4, ttl = ?5 "
            "WHERE sha256 = ?1");
        if (!q)
            return fail(std::move(q).error());
        q->bind_text(key)
            .bind_text(to_string(origin.source))
            .bind_text(origin.where)
            .bind_int(origin.found)
            .bind_int(origin.ttl);
        SEALGATE_TRY(q->run());
        found = impl_->db.changes() > 0;
        return found;
    });
    if (!changed)
        return fail(std::move(changed).error());
    return found;
}

Status SqlStore::put_sealed_key(std::string_view sha256, std::string_view sealed) {
    const std::lock_guard lock(impl_->mutex);
    const auto key = ascii_lower(sha256);
    return impl_
        ->write([&]() -> Result<bool> {
            auto n =
                impl_->run("UPDATE certificates SET has_private_key = 1 WHERE sha256 = ?1", key);
            if (!n)
                return fail(std::move(n).error());
            if (*n == 0)
                return fail(Error::usage("store: no certificate " + key + " for the sealed key"));
            auto q = impl_->db.query(
                "INSERT INTO sealed_keys (sha256, sealed) VALUES (?1, ?2) "
                "ON CONFLICT (sha256) DO UPDATE SET sealed = excluded.sealed");
            if (!q)
                return fail(std::move(q).error());
            q->bind_text(key).bind_blob(sealed);
            SEALGATE_TRY(q->run());
            return true;
        })
        .map([](bool) {});
}

Result<std::optional<std::string>> SqlStore::find_sealed_key(std::string_view sha256) {
    const std::lock_guard lock(impl_->mutex);
    auto q = impl_->db.query("SELECT sealed FROM sealed_keys WHERE sha256 = ?1");
    if (!q)
        return fail(std::move(q).error());
    q->bind_text(ascii_lower(sha256));
    auto row = q->step();
    if (!row)
        return fail(std::move(row).error());
    if (!*row)
        return std::nullopt;
    return q->blob(0);
}

// --- certificate trust list ---------------------------------------------------------------

namespace {
Result<std::vector<CtlEntry>> ctl_rows(Query& q) {
    return sql::collect<CtlEntry>(q, [](Query& r) -> Result<CtlEntry> {
        auto action = enum_column(r, 1, parse_ctl_action, "ctl", "action");
        SEALGATE_TRY(action);
        return CtlEntry{r.text(0), *action, static_cast<std::time_t>(r.integer(2))};
    });
}
}  // namespace

Status SqlStore::put_ctl(const CtlEntry& entry) {
    const std::lock_guard lock(impl_->mutex);
    return impl_
        ->write([&]() -> Result<bool> {
            auto q = impl_->db.query(
                "INSERT INTO ctl (sha256, action, added) VALUES (?1, ?2, ?3) "
                "ON CONFLICT (sha256) DO UPDATE SET action = excluded.action, "
                "added = excluded.added");
            if (!q)
                return fail(std::move(q).error());
            q->bind_text(ascii_lower(entry.sha256))
                .bind_text(to_string(entry.action))
                .bind_int(or_now(entry.added));
            SEALGATE_TRY(q->run());
            return true;
        })
        .map([](bool) {});
}

Result<std::optional<CtlEntry>> SqlStore::find_ctl(std::string_view sha256) {
    const std::lock_guard lock(impl_->mutex);
    auto q = impl_->db.query("SELECT sha256, action, added FROM ctl WHERE sha256 = ?1");
    if (!q)
        return fail(std::move(q).error());
    q->bind_text(ascii_lower(sha256));
    auto rows = ctl_rows(*q);
    if (!rows)
        return fail(std::move(rows).error());
    if (rows->empty())
        return std::nullopt;
    return std::move(rows->front());
}

Result<std::vector<CtlEntry>> SqlStore::list_ctl() {
    const std::lock_guard lock(impl_->mutex);
    auto q = impl_->db.query("SELECT sha256, action, added FROM ctl ORDER BY sha256");
    if (!q)
        return fail(std::move(q).error());
    return ctl_rows(*q);
}

Result<bool> SqlStore::remove_ctl(std::string_view sha256) {
    const std::lock_guard lock(impl_->mutex);
    return impl_->remove_keyed("DELETE FROM ctl WHERE sha256 = ?1", sha256);
}

// --- roots and CRLs -----------------------------------------------------------------------

Status SqlStore::put_root(const RootRecord& root) {
    const std::lock_guard lock(impl_->mutex);
    return impl_
        ->write([&]() -> Result<bool> {
            auto q = impl_->db.query(
                "INSERT INTO roots (sha256, der) VALUES (?1, ?2) "
                "ON CONFLICT (sha256) DO UPDATE SET der = excluded.der");
            if (!q)
                return fail(std::move(q).error());
            q->bind_text(ascii_lower(root.sha256)).bind_blob(root.der);
            SEALGATE_TRY(q->run());
            return true;
        })
        .map([](bool) {});
}

Result<std::vector<RootRecord>> SqlStore::list_roots() {
    const std::lock_guard lock(impl_->mutex);
    auto q = impl_->db.query("SELECT sha256, der FROM roots ORDER BY sha256");
    if (!q)
        return fail(std::move(q).error());
    return sql::collect<RootRecord>(*q, [](Query& r) -> Result<RootRecord> {
        return RootRecord{r.text(0), r.blob(1)};
    });
}

Result<bool> SqlStore::remove_root(std::string_view sha256) {
    const std::lock_guard lock(impl_->mutex);
    return impl_->remove_keyed("DELETE FROM roots WHERE sha256 = ?1", sha256);
}

Status SqlStore::put_crl(const CrlRecord& crl) {
    const std::lock_guard lock(impl_->mutex);
    return impl_
        ->write([&]() -> Result<bool> {
            // One CRL per issuer: the caller (crypto/) decides that this one is newer.
            auto q = impl_->db.query(
                "INSERT INTO crls (issuer, der, added, source) VALUES (?1, ?2, ?3, ?4) "
                "ON CONFLICT (issuer) DO UPDATE SET der = excluded.der, added = excluded.added, "
                "source = excluded.source");
            if (!q)
                return fail(std::move(q).error());
            q->bind_text(crl.issuer)
                .bind_blob(crl.der)
                .bind_int(or_now(crl.added))
                .bind_text(crl.source);
            SEALGATE_TRY(q->run());
            return true;
        })
        .map([](bool) {});
}

Result<std::vector<CrlRecord>> SqlStore::list_crls() {
    const std::lock_guard lock(impl_->mutex);
    auto q = impl_->db.query("SELECT issuer, der, added, source FROM crls ORDER BY issuer");
    if (!q)
        return fail(std::move(q).error());
    return sql::collect<CrlRecord>(*q, [](Query& r) -> Result<CrlRecord> {
        return CrlRecord{r.text(0), r.blob(1), static_cast<std::time_t>(r.integer(2)), r.text(3)};
    });
}

}  // namespace sealgate
