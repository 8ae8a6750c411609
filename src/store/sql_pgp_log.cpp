// store/sql_pgp_log.cpp — SqlStore: OpenPGP keys with their domains, and the mail log.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "store/sql_store_impl.hpp"

namespace sealgate {

using sql::Query;

// --- OpenPGP keys -------------------------------------------------------------------------

namespace {
constexpr const char* kPgpColumns =
    "SELECT fingerprint, public_key, sealed_secret, trusted, added, retired, source, found_where, "
    "found_at, ttl FROM pgp_keys ";
constexpr const char* kPgpDomains =
    "SELECT domain FROM pgp_key_domains WHERE fingerprint = ?1 ORDER BY position";
}  // namespace

Result<std::vector<PgpKeyRecord>> SqlStore::Impl::pgp_keys(
    std::string_view sql, std::initializer_list<std::string_view> params) {
    return read([&]() -> Result<std::vector<PgpKeyRecord>> {
        auto q = db.query(sql);
        if (!q)
            return fail(std::move(q).error());
        for (const auto p : params)
            q->bind_text(p);
        auto out = sql::collect<PgpKeyRecord>(*q, [](Query& r) -> Result<PgpKeyRecord> {
            PgpKeyRecord k;
            k.fingerprint = r.text(0);
            k.public_key = r.blob(1);
            k.sealed_secret = r.blob(2);
            k.trusted = r.boolean(3);
            k.added = static_cast<std::time_t>(r.integer(4));
            k.retired = r.boolean(5);
            auto origin = origin_columns(r, 6, "pgp_keys");
            SEALGATE_TRY(origin);
            k.origin = std::move(*origin);
            return k;
        });
        if (!out)
            return out;
        for (auto& k : *out) {
            auto domains = child_list(kPgpDomains, k.fingerprint);
            if (!domains)
                return fail(std::move(domains).error());
            k.domains = std::move(*domains);
        }
        return out;
    });
}

Status SqlStore::put_pgp_key(const PgpKeyRecord& key) {
    const std::lock_guard lock(impl_->mutex);
    const auto fpr = ascii_lower(key.fingerprint);
    return impl_
        ->write([&]() -> Result<bool> {
            // An upsert, not INSERT OR REPLACE: REPLACE deletes the row first, which would
            // cascade to the domain bindings behind our back.
            auto q = impl_->db.query(
                "INSERT INTO pgp_keys (fingerprint, public_key, sealed_secret, trusted, added, "
                "retired, source, found_where, found_at, ttl) "
                "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) ON CONFLICT (fingerprint) DO "
                "UPDATE SET public_key = excluded.public_key, "
                "sealed_secret = excluded.sealed_secret, trusted = excluded.trusted, "
                "added = excluded.added, retired = excluded.retired, source = excluded.source, "
                "found_where = excluded.found_where, found_at = excluded.found_at, "
                "ttl = excluded.ttl");
            if (!q)
                return fail(std::move(q).error());
            q->bind_text(fpr)
                .bind_blob(key.public_key)
                .bind_blob(key.sealed_secret)
                .bind_int(key.trusted ? 1 : 0)
                .bind_int(or_now(key.added))
                .bind_int(key.retired ? 1 : 0)
                .bind_text(to_string(key.origin.source))
                .bind_text(key.origin.where)
                .bind_int(key.origin.found)
                .bind_int(key.origin.ttl);
            SEALGATE_TRY(q->run());
            SEALGATE_TRY(impl_->run("DELETE FROM pgp_key_domains WHERE fingerprint = ?1", fpr));
            std::int64_t position = 0;
            for (const auto& domain : key.domains) {
                auto d = impl_->db.query(
                    "INSERT INTO pgp_key_domains (fingerprint, position, domain) "
                    "VALUES (?1, ?2, ?3)");
                if (!d)
                    return fail(std::move(d).error());
                d->bind_text(fpr).bind_int(position++).bind_text(ascii_lower(domain));
                SEALGATE_TRY(d->run());
            }
            return true;
        })
        .map([](bool) {});
}

Result<std::optional<PgpKeyRecord>> SqlStore::find_pgp_key(std::string_view fingerprint) {
    const std::lock_guard lock(impl_->mutex);
    auto found = impl_->pgp_keys(std::string(kPgpColumns) + "WHERE fingerprint = ?1",
                                 {ascii_lower(fingerprint)});
    if (!found)
        return fail(std::move(found).error());
    if (found->empty())
        return std::nullopt;
    return std::move(found->front());
}

Result<std::vector<PgpKeyRecord>> SqlStore::find_pgp_keys_by_prefix(std::string_view prefix) {
    const std::lock_guard lock(impl_->mutex);
    const auto range = prefix_range(prefix);
    if (!range)
        return std::vector<PgpKeyRecord>{};
    return impl_->pgp_keys(std::string(kPgpColumns) +
                               "WHERE fingerprint >= ?1 AND fingerprint < ?2 ORDER BY fingerprint",
                           {range->low, range->high});
}

Result<std::vector<PgpKeyRecord>> SqlStore::list_pgp_keys() {
    const std::lock_guard lock(impl_->mutex);
    return impl_->pgp_keys(std::string(kPgpColumns) + "ORDER BY fingerprint", {});
}

Result<bool> SqlStore::remove_pgp_key(std::string_view fingerprint) {
    const std::lock_guard lock(impl_->mutex);
    return impl_->remove_keyed("DELETE FROM pgp_keys WHERE fingerprint = ?1",
                               fingerprint);  // cascades
}

// --- mail log -----------------------------------------------------------------------------

Status SqlStore::append_log(const LogRecord& record) {
    return append_logs({record});
}

Status SqlStore::append_logs(const std::vector<LogRecord>& records) {
    if (records.empty())
        return ok();
    const std::lock_guard lock(impl_->mutex);
    const auto retention = static_cast<std::int64_t>(
        std::min<std::size_t>(impl_->options.log_retention,
                              static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max())));
    return impl_
        ->write(
            [&]() -> Result<bool> {
                std::int64_t id = 0;
                for (const auto& record : records) {
                    auto q = impl_->db.query(
                        "INSERT INTO mail_log (time, queue_id, message_id, sender, direction, "
                        "action, method, keys, algorithm, detail, tls_level, tls_protocol, "
                        "tls_cipher, tls_peer, tls_verified, signature, node) "
                        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, "
                        "?15, ?16, ?17) RETURNING id");
                    if (!q)
                        return fail(std::move(q).error());
                    q->bind_int(or_now(record.time))
                        .bind_text(record.queue_id)
                        .bind_text(record.message_id)
                        .bind_text(record.sender)
                        .bind_text(to_string(record.direction))
                        .bind_text(to_string(record.action))
                        .bind_text(record.method)
                        .bind_text(record.keys)
                        .bind_text(record.algorithm)
                        .bind_text(record.detail)
                        .bind_text(record.tls_level)
                        .bind_text(record.tls_protocol)
                        .bind_text(record.tls_cipher)
                        .bind_text(record.tls_peer)
                        .bind_int(record.tls_verified ? 1 : 0)
                        .bind_text(record.signature)
                        .bind_text(record.node);
                    auto inserted = q->step();
                    if (!inserted)
                        return fail(std::move(inserted).error());
                    if (!*inserted)
                        return fail(Error::temp("store: mail log insert returned no id"));
                    id = q->integer(0);
                    SEALGATE_TRY(q->run());
                    std::int64_t position = 0;
                    for (const auto& rcpt : record.recipients) {
                        auto r = impl_->db.query(
                            "INSERT INTO mail_log_recipients (log_id, position, address) "
                            "VALUES (?1, ?2, ?3)");
                        if (!r)
                            return fail(std::move(r).error());
                        r->bind_int(id).bind_int(position++).bind_text(rcpt);
                        SEALGATE_TRY(r->run());
                    }
                }
                // Retention: ids are dense (AUTOINCREMENT or an identity column, only the
                // oldest are ever deleted), so the records to drop are exactly those with
                // id <= newest id - retention.
                // One range delete on the primary key per batch: a seek, never a scan. Gaps
                // (rolled back appends) only make it keep fewer, never more, than the limit.
                auto trim = impl_->db.query("DELETE FROM mail_log WHERE id <= ?1");
                if (!trim)
                    return fail(std::move(trim).error());
                trim->bind_int(id - retention);
                SEALGATE_TRY(trim->run());
                return true;
            },
            /*bump=*/false)  // logging mail must not make every gateway reload its caches
        .map([](bool) {});
}

namespace {

// The WHERE clause of a log query and its parameters, numbered ?1, ?2, ... in the order of the
// conditions. The SQL text differs per combination of filters, so each combination is one cached
// statement.
struct LogFilter {
    std::string where;
    std::vector<std::variant<std::string, std::int64_t>> params;

    void add(std::string_view condition, std::variant<std::string, std::int64_t> value) {
        params.push_back(std::move(value));
        where += where.empty() ? "WHERE " : " AND ";
        // The condition's one "?" gets the parameter's number.
        const auto mark = condition.find('?');
        where.append(condition.substr(0, mark + 1));
        where += std::to_string(params.size());
        where.append(condition.substr(mark + 1));
    }
};

LogFilter log_filter(const LogQuery& query) {
    LogFilter f;
    if (!query.message_id.empty())
        f.add("message_id = ?", query.message_id);
    if (!query.sender.empty())
        f.add("lower(sender) = ?", ascii_lower(query.sender));
    if (!query.recipient.empty())
        f.add("id IN (SELECT log_id FROM mail_log_recipients WHERE lower(address) = ?)",
              ascii_lower(query.recipient));
    if (query.action)
        f.add("action = ?", std::string(to_string(*query.action)));
    if (!query.method.empty())
        f.add("method = ?", query.method);
    if (query.since != 0)
        f.add("time >= ?", static_cast<std::int64_t>(query.since));
    if (query.before_id != 0)
        f.add("id < ?", query.before_id);
    return f;
}

Result<LogRecord> log_row(Query& row) {
    LogRecord r;
    r.id = row.integer(0);
    r.time = static_cast<std::time_t>(row.integer(1));
    r.queue_id = row.text(2);
    r.message_id = row.text(3);
    r.sender = row.text(4);
    auto direction = enum_column(row, 5, parse_direction, "mail_log", "direction");
    SEALGATE_TRY(direction);
    r.direction = *direction;
    auto action = enum_column(row, 6, parse_copy_action, "mail_log", "action");
    SEALGATE_TRY(action);
    r.action = *action;
    r.method = row.text(7);
    r.keys = row.text(8);
    r.algorithm = row.text(9);
    r.detail = row.text(10);
    r.tls_level = row.text(11);
    r.tls_protocol = row.text(12);
    r.tls_cipher = row.text(13);
    r.tls_peer = row.text(14);
    r.tls_verified = row.boolean(15);
    r.signature = row.text(16);
    r.node = row.text(17);
    return r;
}

}  // namespace

Result<std::vector<LogRecord>> SqlStore::query_log(const LogQuery& query) {
    const std::lock_guard lock(impl_->mutex);
    if (query.last == 0)
        return std::vector<LogRecord>{};
    const auto limit = static_cast<std::int64_t>(std::min<std::size_t>(
        query.last, static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max())));
    const auto filter = log_filter(query);
    return impl_->read([&]() -> Result<std::vector<LogRecord>> {
        auto q = impl_->db.query(
            "SELECT id, time, queue_id, message_id, sender, direction, action, method, keys, "
            "algorithm, detail, tls_level, tls_protocol, tls_cipher, tls_peer, tls_verified, "
            "signature, node FROM mail_log " +
            filter.where + " ORDER BY id DESC LIMIT ?" + std::to_string(filter.params.size() + 1));
        if (!q)
            return fail(std::move(q).error());
        for (const auto& p : filter.params) {
            if (const auto* text = std::get_if<std::string>(&p))
                q->bind_text(*text);
            else
                q->bind_int(std::get<std::int64_t>(p));
        }
        q->bind_int(limit);
        auto out = sql::collect<LogRecord>(*q, log_row);
        if (!out)
            return out;
        std::reverse(out->begin(), out->end());  // newest `last` records, returned oldest first
        for (auto& r : *out) {
            auto rq = impl_->db.query(
                "SELECT address FROM mail_log_recipients WHERE log_id = ?1 ORDER BY position");
            if (!rq)
                return fail(std::move(rq).error());
            rq->bind_int(r.id);
            auto recipients = sql::collect<std::string>(
                *rq, [](Query& row) -> Result<std::string> { return row.text(0); });
            if (!recipients)
                return fail(std::move(recipients).error());
            r.recipients = std::move(*recipients);
        }
        return out;
    });
}

}  // namespace sealgate
