// store/pg_store.cpp — the PostgreSQL driver of the SQL store, and PgStore::open.
#include "store/pg_store.hpp"

#include <algorithm>
#include <chrono>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "store/pg_connection.hpp"
#include "store/pg_schema.hpp"
#include "store/sql_store_impl.hpp"

namespace sealgate {
namespace {

using Clock = std::chrono::steady_clock;

// Reconnect backoff: the first retry after 100 ms, doubling, never more than 1 s apart.
constexpr auto kFirstRetry = std::chrono::milliseconds(100);
constexpr auto kMaxRetry = std::chrono::milliseconds(1000);

// An arbitrary constant: the advisory lock that serialises migrations of one database.
constexpr const char* kMigrationLock = "SELECT pg_advisory_xact_lock(5173020617)";

// The store's portable SQL numbers its parameters ?1, ?2, ...; PostgreSQL wants $1, $2, ....
// A '?' inside a quoted literal or identifier stays.
std::string numbered_parameters(std::string_view sql) {
    std::string out;
    out.reserve(sql.size());
    char quote = 0;
    for (std::size_t i = 0; i < sql.size(); ++i) {
        const char c = sql[i];
        if (quote != 0) {
            if (c == quote)
                quote = 0;
        } else if (c == '\'' || c == '"') {
            quote = c;
        } else if (c == '?' && i + 1 < sql.size() && sql[i + 1] >= '0' && sql[i + 1] <= '9') {
            out += '$';
            continue;
        }
        out += c;
    }
    return out;
}

class PgDriver;

class PgStatement final : public sql::Statement {
  public:
    PgStatement(PgDriver& driver, std::string sql) : driver_(driver), sql_(std::move(sql)) {}

    void bind_text(int index, std::string_view text) override {
        slot(index) = pg::Param::text(text);
    }
    void bind_blob(int index, std::string_view bytes) override {
        slot(index) = pg::Param::bytea(bytes);
    }
    void bind_int(int index, std::int64_t value) override {
        slot(index) = pg::Param::bigint(value);
    }
    Result<bool> step() override;
    std::string text(int column) const override { return rows_->text(row_, column); }
    std::string blob(int column) const override { return rows_->bytea(row_, column); }
    std::int64_t integer(int column) const override { return rows_->integer(row_, column); }
    bool is_null(int column) const override { return rows_->is_null(row_, column); }
    void reset() override {
        params_.clear();
        rows_.reset();
        row_ = -1;
    }

  private:
    pg::Param& slot(int index) {
        const auto i = static_cast<std::size_t>(index - 1);
        if (params_.size() <= i)
            params_.resize(i + 1);
        return params_[i];
    }
    PgDriver& driver_;
    std::string sql_;
    std::vector<pg::Param> params_;
    std::optional<pg::Rows> rows_;
    int row_ = -1;
};

class PgDriver final : public sql::Driver {
  public:
    explicit PgDriver(pg::Connection conn) : conn_(std::move(conn)) {}

    std::string_view engine() const override { return "postgresql"; }
    const std::string& where() const override { return conn_.describe(); }

    // The session settings, on every new connection.
    Status setup() {
        // NOTICEs (e.g. "relation exists, skipping") would go to stderr through libpq's default
        // notice processor: the store reports what matters as errors.
        return conn_.exec("SET client_min_messages = warning");
    }

    Status exec(const char* sql) override {
        SEALGATE_TRY(usable());
        return conn_.exec(sql);
    }

    Result<sql::Statement*> prepare(std::string_view sql) override {
        auto it = cache_.find(std::string(sql));
        if (it == cache_.end())
            it = cache_
                     .emplace(std::string(sql),
                              std::make_unique<PgStatement>(*this, numbered_parameters(sql)))
                     .first;
        return it->second.get();
    }

    Result<pg::Rows> run(const std::string& sql, const std::vector<pg::Param>& params) {
        SEALGATE_TRY(usable());
        auto rows = conn_.query(sql, params);
        if (rows)
            changes_ = rows->affected();
        return rows;
    }

    std::int64_t changes() const override { return changes_; }

    Status begin(sql::TxKind kind) override {
        SEALGATE_TRY(usable());
        // A read is one snapshot across its statements (a record and its child lists), as in
        // SQLite; a write takes its row locks as it goes (the generation row serialises
        // writers of policy across nodes).
        SEALGATE_TRY(conn_.exec(kind == sql::TxKind::read ? "BEGIN ISOLATION LEVEL REPEATABLE READ"
                                                          : "BEGIN"));
        in_tx_ = true;
        return ok();
    }
    Status commit() override {
        auto done = conn_.exec("COMMIT");
        if (done)
            in_tx_ = false;
        return done;
    }
    void rollback() override {
        // On a lost connection the server has rolled back already; the next call reconnects.
        if (!conn_.broken())
            (void)conn_.exec("ROLLBACK");
        in_tx_ = false;
    }
    Status announce_change() override {
        auto q = conn_.query("SELECT pg_notify($1, value) FROM meta WHERE key = 'generation'",
                             {pg::Param::text(PgStore::kChangeChannel)});
        return q.map([](const pg::Rows&) {});
    }
    Status lock_for_migration() override { return conn_.exec(kMigrationLock); }
    std::span<const sql::Migration> migrations() const override { return pg::migrations(); }

    Result<bool> has_table(std::string_view name) override {
        auto rows =
            run("SELECT count(*) FROM pg_catalog.pg_tables "
                "WHERE schemaname = current_schema() AND tablename = $1",
                {pg::Param::text(name)});
        if (!rows)
            return fail(std::move(rows).error());
        return rows->count() > 0 && rows->integer(0, 0) != 0;
    }
    Result<bool> has_any_table() override {
        auto rows =
            run("SELECT count(*) FROM pg_catalog.pg_tables "
                "WHERE schemaname = current_schema()",
                {});
        if (!rows)
            return fail(std::move(rows).error());
        return rows->count() > 0 && rows->integer(0, 0) != 0;
    }

  private:
    // A broken connection inside a transaction fails the call (the transaction is lost); outside
    // one, it is reconnected, at most once per backoff step.
    Status usable() {
        if (!conn_.broken())
            return ok();
        if (in_tx_)
            return fail(Error::temp("store: postgresql: the connection to " + where() +
                                    " was lost in a transaction"));
        const auto now = Clock::now();
        if (now < next_try_)
            return fail(Error::temp("store: postgresql: the connection to " + where() +
                                    " is lost; trying again shortly"));
        auto again = conn_.reconnect();
        if (again)
            again = setup();
        if (!again) {
            retry_ = std::min<Clock::duration>(std::max<Clock::duration>(retry_ * 2, kFirstRetry),
                                               kMaxRetry);
            next_try_ = now + retry_;
            return again;
        }
        retry_ = Clock::duration::zero();
        next_try_ = Clock::time_point{};
        return ok();
    }

    pg::Connection conn_;
    std::unordered_map<std::string, std::unique_ptr<PgStatement>> cache_;
    std::int64_t changes_ = 0;
    bool in_tx_ = false;
    Clock::duration retry_ = Clock::duration::zero();
    Clock::time_point next_try_{};
};

Result<bool> PgStatement::step() {
    if (!rows_) {
        auto rows = driver_.run(sql_, params_);
        if (!rows)
            return fail(std::move(rows).error());
        rows_.emplace(std::move(*rows));
        row_ = -1;
    }
    ++row_;
    return row_ < rows_->count();
}

}  // namespace

Result<std::unique_ptr<PgStore>> PgStore::open(const std::string& conninfo,
                                               const std::string& password, OpenMode mode,
                                               const Options& options) {
    auto conn = pg::Connection::connect(conninfo, password);
    if (!conn)
        return fail(std::move(conn).error());
    auto driver = std::make_unique<PgDriver>(std::move(*conn));
    SEALGATE_TRY(driver->setup());
    Options opts = options;
    opts.log_retention = std::max<std::size_t>(opts.log_retention, 1);
    auto impl = std::make_unique<Impl>(sql::Connection(std::move(driver)), opts);
    const std::string where = impl->db.driver().where();
    const int latest = pg::migrations().back().version;

    auto version = impl->stored_schema_version();
    if (!version)
        return fail(std::move(version).error());
    if (mode == OpenMode::create) {
        if (*version != 0)
            return fail(Error::usage("a sealgate store exists already in " + where +
                                     " (schema version " + std::to_string(*version) +
                                     "): `sealgate init` creates a new one only"));
        SEALGATE_TRY(impl->migrate(latest));
        // Two nodes' init at once: both found no schema; the one that waited on the migration
        // lock found the schema made by the other and changed nothing (the schema is made once).
        return std::unique_ptr<PgStore>(new PgStore(std::move(impl)));
    }
    if (*version == 0)
        return fail(Error::usage("no sealgate store in " + where + " (run `sealgate init`)"));
    if (*version > latest)
        return fail(newer_schema(where, *version, latest));
    if (*version < latest && opts.migrate)
        return fail(Error::usage("store " + where + " has schema version " +
                                 std::to_string(*version) + ", this sealgate uses " +
                                 std::to_string(latest) + ": run `sealgate store migrate`"));
    return std::unique_ptr<PgStore>(new PgStore(std::move(impl)));
}

}  // namespace sealgate
