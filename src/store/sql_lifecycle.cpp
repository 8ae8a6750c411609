// store/sql_lifecycle.cpp — SqlStore: CRL distribution points' fetches and partners'
// update bundles staged for approval.
//
// Neither is policy: their writes do not bump the generation. A fetched CRL itself goes through
// put_crl, an approved change through the policy writes, and those bump it.
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "store/sql_store_impl.hpp"

namespace sealgate {

using sql::Query;

// --- CRL fetches --------------------------------------------------------------------------

Status SqlStore::put_crl_fetch(const CrlFetch& fetch) {
    const std::lock_guard lock(impl_->mutex);
    if (fetch.url.empty())
        return fail(Error::usage("store: a CRL fetch needs its url"));
    return impl_
        ->write(
            [&]() -> Result<bool> {
                auto q = impl_->db.query(
                    "INSERT INTO crl_fetches (url, issuer, last_attempt, last_success, "
                    "last_error) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (url) DO UPDATE SET "
                    "issuer = excluded.issuer, last_attempt = excluded.last_attempt, "
                    "last_success = excluded.last_success, last_error = excluded.last_error");
                if (!q)
                    return fail(std::move(q).error());
                q->bind_text(fetch.url)
                    .bind_text(fetch.issuer)
                    .bind_int(fetch.last_attempt)
                    .bind_int(fetch.last_success)
                    .bind_text(fetch.last_error);
                SEALGATE_TRY(q->run());
                return true;
            },
            /*bump=*/false)
        .map([](bool) {});
}

Result<std::vector<CrlFetch>> SqlStore::list_crl_fetches() {
    const std::lock_guard lock(impl_->mutex);
    auto q = impl_->db.query(
        "SELECT url, issuer, last_attempt, last_success, last_error FROM crl_fetches "
        "ORDER BY url");
    if (!q)
        return fail(std::move(q).error());
    return sql::collect<CrlFetch>(*q, [](Query& r) -> Result<CrlFetch> {
        return CrlFetch{r.text(0), r.text(1), static_cast<std::time_t>(r.integer(2)),
                        static_cast<std::time_t>(r.integer(3)), r.text(4)};
    });
}

// --- pending changes ----------------------------------------------------------------------

namespace {

constexpr const char* kPendingColumns =
    "SELECT id, domain, sequence, created, signer, summary, bundle, state, decided, decided_by, "
    "kind, found_source, found_method, found_address, found_where, found_dnssec, found_data, "
    "found_id, found_ttl, found_usage FROM pending_changes ";

Result<PendingChange> pending_row(Query& r) {
    PendingChange c;
    c.id = r.integer(0);
    c.domain = r.text(1);
    const std::int64_t sequence = r.integer(2);
    if (sequence < 0)
        return fail(corrupt("pending_changes", "sequence", std::to_string(sequence)));
    c.sequence = static_cast<std::uint64_t>(sequence);
    c.created = static_cast<std::time_t>(r.integer(3));
    c.signer = r.text(4);
    c.summary = r.text(5);
    c.bundle = r.blob(6);
    auto state = enum_column(r, 7, parse_pending_state, "pending_changes", "state");
    SEALGATE_TRY(state);
    c.state = *state;
    c.decided = static_cast<std::time_t>(r.integer(8));
    c.decided_by = r.text(9);
    auto kind = enum_column(r, 10, parse_pending_kind, "pending_changes", "kind");
    SEALGATE_TRY(kind);
    c.kind = *kind;
    if (c.kind == PendingKind::discovery) {
        auto source = enum_column(r, 11, parse_key_source, "pending_changes", "found_source");
        SEALGATE_TRY(source);
        c.found.source = *source;
        auto method = enum_column(r, 12, parse_method, "pending_changes", "found_method");
        SEALGATE_TRY(method);
        c.found.method = *method;
    }
    c.found.address = r.text(13);
    c.found.where = r.text(14);
    c.found.dnssec = r.text(15);
    c.found.data = r.blob(16);
    c.found.id = r.text(17);
    const std::int64_t ttl = r.integer(18);
    const std::int64_t usage = r.integer(19);
    if (ttl < 0 || ttl > std::numeric_limits<std::uint32_t>::max())
        return fail(corrupt("pending_changes", "found_ttl", std::to_string(ttl)));
    if (usage < 0 || usage > 255)
        return fail(corrupt("pending_changes", "found_usage", std::to_string(usage)));
    c.found.ttl = static_cast<std::uint32_t>(ttl);
    c.found.usage = static_cast<unsigned>(usage);
    return c;
}

}  // namespace

Result<std::int64_t> SqlStore::add_pending(const PendingChange& change) {
    const std::lock_guard lock(impl_->mutex);
    if (change.domain.empty())
        return fail(Error::usage("store: a pending change needs its domain"));
    if (change.sequence > static_cast<std::uint64_t>(INT64_MAX))
        return fail(Error::usage("store: sequence number out of range"));
    if (change.found.usage > 255)
        return fail(Error::usage("store: SMIMEA usage out of range"));
    const bool discovery = change.kind == PendingKind::discovery;
    std::int64_t id = 0;
    auto written = impl_->write(
        [&]() -> Result<bool> {
            auto q = impl_->db.query(
                "INSERT INTO pending_changes (domain, sequence, created, signer, summary, bundle, "
                "state, decided, decided_by, kind, found_source, found_method, found_address, "
                "found_where, found_dnssec, found_data, found_id, found_ttl, found_usage) "
                "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, "
                "?17, ?18, ?19) RETURNING id");
            if (!q)
                return fail(std::move(q).error());
            q->bind_text(ascii_lower(change.domain))
                .bind_int(static_cast<std::int64_t>(change.sequence))
                .bind_int(or_now(change.created))
                .bind_text(change.signer)
                .bind_text(change.summary)
                .bind_blob(change.bundle)
                .bind_text(to_string(change.state))
                .bind_int(change.decided)
                .bind_text(change.decided_by)
                .bind_text(to_string(change.kind))
                .bind_text(discovery ? to_string(change.found.source) : "")
                .bind_text(discovery ? to_string(change.found.method) : "")
                .bind_text(change.found.address)
                .bind_text(change.found.where)
                .bind_text(change.found.dnssec)
                .bind_blob(change.found.data)
                .bind_text(change.found.id)
                .bind_int(change.found.ttl)
                .bind_int(change.found.usage);
            auto inserted = q->step();
            if (!inserted)
                return fail(std::move(inserted).error());
            if (!*inserted)
                return fail(Error::temp("store: pending change insert returned no id"));
            id = q->integer(0);
            SEALGATE_TRY(q->run());
            return true;
        },
        /*bump=*/false);
    if (!written)
        return fail(std::move(written).error());
    return id;
}

Result<std::optional<PendingChange>> SqlStore::find_pending(std::int64_t id) {
    const std::lock_guard lock(impl_->mutex);
    auto q = impl_->db.query(std::string(kPendingColumns) + "WHERE id = ?1");
    if (!q)
        return fail(std::move(q).error());
    q->bind_int(id);
    auto rows = sql::collect<PendingChange>(*q, pending_row);
    if (!rows)
        return fail(std::move(rows).error());
    if (rows->empty())
        return std::nullopt;
    return std::move(rows->front());
}

Result<std::vector<PendingChange>> SqlStore::list_pending() {
    const std::lock_guard lock(impl_->mutex);
    auto q = impl_->db.query(std::string(kPendingColumns) + "ORDER BY id");
    if (!q)
        return fail(std::move(q).error());
    return sql::collect<PendingChange>(*q, pending_row);
}

Result<bool> SqlStore::decide_pending(std::int64_t id, PendingState state,
                                      std::string_view decided_by, std::time_t when) {
    const std::lock_guard lock(impl_->mutex);
    if (state == PendingState::pending)
        return fail(Error::usage("store: a decision is approved or rejected"));
    return impl_->write(
        [&]() -> Result<bool> {
            auto q = impl_->db.query(
                "UPDATE pending_changes SET state = ?2, decided = ?3, decided_by = ?4 "
                "WHERE id = ?1 AND state = 'pending'");
            if (!q)
                return fail(std::move(q).error());
            q->bind_int(id)
                .bind_text(to_string(state))
                .bind_int(or_now(when))
                .bind_text(decided_by);
            SEALGATE_TRY(q->run());
            return impl_->db.changes() > 0;
        },
        /*bump=*/false);
}

}  // namespace sealgate
