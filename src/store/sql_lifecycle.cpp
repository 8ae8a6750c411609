// store/sql_lifecycle.cpp — SqlStore: CRL distribution points' fetches and partners'
// update bundles staged for approval.
//
// Neither is policy: their writes do not bump the generation. A fetched CRL itself goes through
// put_crl, an approved change through the policy writes, and those bump it.
#include <cstdint>
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
    "SELECT id, domain, sequence, created, signer, summary, bundle, state, decided, decided_by "
    "FROM pending_changes ";

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
    return c;
}

}  // namespace

Result<std::int64_t> SqlStore::add_pending(const PendingChange& change) {
    const std::lock_guard lock(impl_->mutex);
    if (change.domain.empty())
        return fail(Error::usage("store: a pending change needs its domain"));
    if (change.sequence > static_cast<std::uint64_t>(INT64_MAX))
        return fail(Error::usage("store: sequence number out of range"));
    std::int64_t id = 0;
    auto written = impl_->write(
        [&]() -> Result<bool> {
            auto q = impl_->db.query(
                "INSERT INTO pending_changes (domain, sequence, created, signer, summary, bundle, "
                "state, decided, decided_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
                "RETURNING id");
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
                .bind_text(change.decided_by);
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
