// store/sql_admin.cpp — SqlStore: the audit log, admin accounts, API tokens and settings.
//
// None of these is policy: their writes do not bump the generation (write(..., bump = false)),
// so that an administrator logging in or a token being used makes no gateway reload its caches.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "store/sql_store_impl.hpp"

namespace sealgate {

using sql::Query;

namespace {

std::int64_t row_limit(std::size_t last) {
    return static_cast<std::int64_t>(std::min<std::size_t>(
        last, static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max())));
}

}  // namespace

// --- audit log ----------------------------------------------------------------------------

Status SqlStore::append_audit(const AuditRecord& record) {
    const std::lock_guard lock(impl_->mutex);
    return impl_
        ->write(
            [&]() -> Result<bool> {
                auto q = impl_->db.query(
                    "INSERT INTO audit_log (time, actor, action, object, change, node) "
                    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
                if (!q)
                    return fail(std::move(q).error());
                q->bind_int(or_now(record.time))
                    .bind_text(record.actor)
                    .bind_text(record.action)
                    .bind_text(record.object)
                    .bind_text(record.change)
                    .bind_text(record.node);
                SEALGATE_TRY(q->run());
                return true;
            },
            /*bump=*/false)
        .map([](bool) {});
}

Result<std::vector<AuditRecord>> SqlStore::query_audit(const AuditQuery& query) {
    const std::lock_guard lock(impl_->mutex);
    if (query.last == 0)
        return std::vector<AuditRecord>{};
    // Both forms use an index: the row id range, or (object, id).
    const std::int64_t before =
        query.before_id != 0 ? query.before_id : std::numeric_limits<std::int64_t>::max();
    constexpr std::string_view columns =
        "SELECT id, time, actor, action, object, change, node FROM audit_log ";
    auto q = impl_->db.query(std::string(columns) + (query.object.empty()
                                                         ? "WHERE id < ?2 ORDER BY id DESC LIMIT ?1"
                                                         : "WHERE object = ?3 AND id < ?2 "
                                                           "ORDER BY id DESC LIMIT ?1"));
    if (!q)
        return fail(std::move(q).error());
    q->bind_int(row_limit(query.last)).bind_int(before);
    if (!query.object.empty())
        q->bind_text(query.object);
    auto out = sql::collect<AuditRecord>(*q, [](Query& r) -> Result<AuditRecord> {
        return AuditRecord{r.integer(0), static_cast<std::time_t>(r.integer(1)),
                           r.text(2),    r.text(3),
                           r.text(4),    r.text(5),
                           r.text(6)};
    });
    if (out)
        std::reverse(out->begin(), out->end());  // the newest `last`, returned oldest first
    return out;
}

// --- admin accounts -----------------------------------------------------------------------

namespace {

constexpr const char* kAccountColumns =
    "SELECT name, role, password_hash, created FROM admin_accounts ";

Result<AdminAccount> account_row(Query& r) {
    auto role = enum_column(r, 1, parse_admin_role, "admin_accounts", "role");
    SEALGATE_TRY(role);
    return AdminAccount{r.text(0), *role, r.text(2), static_cast<std::time_t>(r.integer(3))};
}

}  // namespace

Status SqlStore::put_account(const AdminAccount& account) {
    const std::lock_guard lock(impl_->mutex);
    return impl_
        ->write(
            [&]() -> Result<bool> {
                auto q = impl_->db.query(
                    "INSERT INTO admin_accounts (name, role, password_hash, created) "
                    "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (name) DO UPDATE SET "
                    "role = excluded.role, password_hash = excluded.password_hash, "
                    "created = excluded.created");
                if (!q)
                    return fail(std::move(q).error());
                q->bind_text(account.name)
                    .bind_text(to_string(account.role))
                    .bind_text(account.password_hash)
                    .bind_int(or_now(account.created));
                SEALGATE_TRY(q->run());
                return true;
            },
            /*bump=*/false)
        .map([](bool) {});
}

Result<std::optional<AdminAccount>> SqlStore::find_account(std::string_view name) {
    const std::lock_guard lock(impl_->mutex);
    auto q = impl_->db.query(std::string(kAccountColumns) + "WHERE name = ?1");
    if (!q)
        return fail(std::move(q).error());
    q->bind_text(name);
    auto rows = sql::collect<AdminAccount>(*q, account_row);
    if (!rows)
        return fail(std::move(rows).error());
    if (rows->empty())
        return std::nullopt;
    return std::move(rows->front());
}

Result<std::vector<AdminAccount>> SqlStore::list_accounts() {
    const std::lock_guard lock(impl_->mutex);
    auto q = impl_->db.query(std::string(kAccountColumns) + "ORDER BY name");
    if (!q)
        return fail(std::move(q).error());
    return sql::collect<AdminAccount>(*q, account_row);
}

Result<bool> SqlStore::remove_account(std::string_view name) {
    const std::lock_guard lock(impl_->mutex);
    return impl_->write(
        [&]() -> Result<bool> {
            auto n = impl_->run("DELETE FROM admin_accounts WHERE name = ?1", name);
            if (!n)
                return fail(std::move(n).error());
            return *n > 0;
        },
        /*bump=*/false);
}

// --- API tokens ---------------------------------------------------------------------------

namespace {

constexpr const char* kTokenColumns =
    "SELECT name, role, token_hash, created, last_used FROM api_tokens ";

Result<ApiToken> token_row(Query& r) {
    auto role = enum_column(r, 1, parse_admin_role, "api_tokens", "role");
    SEALGATE_TRY(role);
    return ApiToken{r.text(0), *role, r.text(2), static_cast<std::time_t>(r.integer(3)),
                    static_cast<std::time_t>(r.integer(4))};
}

}  // namespace

Status SqlStore::put_token(const ApiToken& token) {
    const std::lock_guard lock(impl_->mutex);
    return impl_
        ->write(
            [&]() -> Result<bool> {
                // An upsert on the name: INSERT OR REPLACE would also delete another token whose
                // hash collides, where the UNIQUE constraint must refuse instead.
                auto q = impl_->db.query(
                    "INSERT INTO api_tokens (name, role, token_hash, created, last_used) "
                    "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (name) DO UPDATE SET "
                    "role = excluded.role, token_hash = excluded.token_hash, "
                    "created = excluded.created, last_used = excluded.last_used");
                if (!q)
                    return fail(std::move(q).error());
                q->bind_text(token.name)
                    .bind_text(to_string(token.role))
                    .bind_text(ascii_lower(token.token_hash))
                    .bind_int(or_now(token.created))
                    .bind_int(token.last_used);
                SEALGATE_TRY(q->run());
                return true;
            },
            /*bump=*/false)
        .map([](bool) {});
}

Result<std::optional<ApiToken>> SqlStore::find_token_by_hash(std::string_view token_hash) {
    const std::lock_guard lock(impl_->mutex);
    auto q = impl_->db.query(std::string(kTokenColumns) + "WHERE token_hash = ?1");
    if (!q)
        return fail(std::move(q).error());
    q->bind_text(ascii_lower(token_hash));
    auto rows = sql::collect<ApiToken>(*q, token_row);
    if (!rows)
        return fail(std::move(rows).error());
    if (rows->empty())
        return std::nullopt;
    return std::move(rows->front());
}

Result<std::vector<ApiToken>> SqlStore::list_tokens() {
    const std::lock_guard lock(impl_->mutex);
    auto q = impl_->db.query(std::string(kTokenColumns) + "ORDER BY name");
    if (!q)
        return fail(std::move(q).error());
    return sql::collect<ApiToken>(*q, token_row);
}

Result<bool> SqlStore::remove_token(std::string_view name) {
    const std::lock_guard lock(impl_->mutex);
    return impl_->write(
        [&]() -> Result<bool> {
            auto n = impl_->run("DELETE FROM api_tokens WHERE name = ?1", name);
            if (!n)
                return fail(std::move(n).error());
            return *n > 0;
        },
        /*bump=*/false);
}

// --- settings -----------------------------------------------------------------------------

Status SqlStore::put_setting(std::string_view name, std::string_view value) {
    const std::lock_guard lock(impl_->mutex);
    return impl_
        ->write(
            [&]() -> Result<bool> {
                auto q = impl_->db.query(
                    "INSERT INTO settings (name, value) VALUES (?1, ?2) "
                    "ON CONFLICT (name) DO UPDATE SET value = excluded.value");
                if (!q)
                    return fail(std::move(q).error());
                q->bind_text(name).bind_blob(value);
                SEALGATE_TRY(q->run());
                return true;
            },
            /*bump=*/false)
        .map([](bool) {});
}

Result<std::optional<std::string>> SqlStore::find_setting(std::string_view name) {
    const std::lock_guard lock(impl_->mutex);
    auto q = impl_->db.query("SELECT value FROM settings WHERE name = ?1");
    if (!q)
        return fail(std::move(q).error());
    q->bind_text(name);
    auto row = q->step();
    if (!row)
        return fail(std::move(row).error());
    if (!*row)
        return std::nullopt;
    return q->blob(0);
}

Result<std::vector<Setting>> SqlStore::list_settings() {
    const std::lock_guard lock(impl_->mutex);
    auto q = impl_->db.query("SELECT name, value FROM settings ORDER BY name");
    if (!q)
        return fail(std::move(q).error());
    return sql::collect<Setting>(*q, [](sql::Query& row) -> Result<Setting> {
        return Setting{row.text(0), row.blob(1)};
    });
}

}  // namespace sealgate
