// store/sqlite_db.cpp — the SQLite driver: owned handles, a statement cache, transactions.
#include "store/sqlite_db.hpp"

#include <climits>
#include <cstdint>
#include <functional>
#include <unordered_map>
#include <utility>

#include "store/sqlite_schema.hpp"

namespace sealgate::sqlite {
namespace {

struct DbClose {
    void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
};
struct StmtFinalize {
    void operator()(sqlite3_stmt* stmt) const noexcept { sqlite3_finalize(stmt); }
};
using DbPtr = std::unique_ptr<sqlite3, DbClose>;
using StmtPtr = std::unique_ptr<sqlite3_stmt, StmtFinalize>;

// SQLITE_TRANSIENT without the old-style cast of its macro: SQLite copies the bound bytes, so a
// Query never depends on the lifetime of the caller's buffers.
const sqlite3_destructor_type kTransient =
    reinterpret_cast<sqlite3_destructor_type>(static_cast<std::intptr_t>(-1));

// Error::temp("store: <message of the last failed call on db>").
Error error(sqlite3* db) {
    return Error::temp(std::string("store: ") + (db ? sqlite3_errmsg(db) : "out of memory"));
}

class Statement final : public sql::Statement {
  public:
    Statement(sqlite3* db, StmtPtr stmt) : db_(db), stmt_(std::move(stmt)) {}

    void bind_text(int index, std::string_view text) override {
        if (bind_rc_ == SQLITE_OK)
            bind_rc_ = sqlite3_bind_text64(stmt_.get(), index, text.data(), text.size(), kTransient,
                                           SQLITE_UTF8);
    }
    void bind_blob(int index, std::string_view bytes) override {
        // A zero-length blob must still be a blob, not NULL: data() of an empty view may be
        // null.
        if (bind_rc_ == SQLITE_OK)
            bind_rc_ = bytes.empty() ? sqlite3_bind_zeroblob(stmt_.get(), index, 0)
                                     : sqlite3_bind_blob64(stmt_.get(), index, bytes.data(),
                                                           bytes.size(), kTransient);
    }
    void bind_int(int index, std::int64_t value) override {
        if (bind_rc_ == SQLITE_OK)
            bind_rc_ = sqlite3_bind_int64(stmt_.get(), index, value);
    }
    Result<bool> step() override {
        if (bind_rc_ != SQLITE_OK)
            return fail(error(db_));
        const int rc = sqlite3_step(stmt_.get());
        if (rc == SQLITE_ROW)
            return true;
        if (rc == SQLITE_DONE)
            return false;
        return fail(error(db_));
    }
    std::string text(int column) const override {
        const auto* p = sqlite3_column_text(stmt_.get(), column);
        const int n = sqlite3_column_bytes(stmt_.get(), column);  // after _text, as documented
        if (p == nullptr || n <= 0)
            return {};
        return std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n));
    }
    std::string blob(int column) const override {
        const void* p = sqlite3_column_blob(stmt_.get(), column);
        const int n = sqlite3_column_bytes(stmt_.get(), column);
        if (p == nullptr || n <= 0)
            return {};
        return std::string(static_cast<const char*>(p), static_cast<std::size_t>(n));
    }
    std::int64_t integer(int column) const override {
        return sqlite3_column_int64(stmt_.get(), column);
    }
    bool is_null(int column) const override {
        return sqlite3_column_type(stmt_.get(), column) == SQLITE_NULL;
    }
    void reset() override {
        sqlite3_reset(stmt_.get());
        sqlite3_clear_bindings(stmt_.get());
        bind_rc_ = SQLITE_OK;
    }

  private:
    sqlite3* db_;
    StmtPtr stmt_;
    int bind_rc_ = SQLITE_OK;
};

class Driver final : public sql::Driver {
  public:
    Driver(DbPtr db, std::string path) : db_(std::move(db)), path_(std::move(path)) {}

    std::string_view engine() const override { return "sqlite"; }
    const std::string& where() const override { return path_; }

    Status exec(const char* sql) override {
        if (sqlite3_exec(db_.get(), sql, nullptr, nullptr, nullptr) != SQLITE_OK)
            return fail(error(db_.get()));
        return ok();
    }

    Result<sql::Statement*> prepare(std::string_view sql) override {
        auto it = cache_.find(sql);
        if (it == cache_.end()) {
            sqlite3_stmt* raw = nullptr;
            if (sql.size() > INT_MAX)
                return fail(Error::temp("store: statement too long"));
            const int rc = sqlite3_prepare_v3(db_.get(), sql.data(), static_cast<int>(sql.size()),
                                              SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
            StmtPtr stmt(raw);
            if (rc != SQLITE_OK)
                return fail(error(db_.get()));
            it = cache_.emplace(sql, std::make_unique<Statement>(db_.get(), std::move(stmt))).first;
        }
        return it->second.get();
    }

    std::int64_t changes() const override { return sqlite3_changes64(db_.get()); }

    Status begin(sql::TxKind kind) override {
        return exec(kind == sql::TxKind::write ? "BEGIN IMMEDIATE" : "BEGIN");
    }
    Status commit() override { return exec("COMMIT"); }
    void rollback() override {
        // If even this fails the transaction stays open, and the next BEGIN on this connection
        // fails and reports it: nothing is committed.
        (void)exec("ROLLBACK");
    }
    Status announce_change() override { return ok(); }
    Status lock_for_migration() override { return ok(); }
    std::span<const sql::Migration> migrations() const override { return sqlite::migrations(); }

    Result<bool> has_table(std::string_view name) override {
        auto q = prepare("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?1");
        if (!q)
            return fail(std::move(q).error());
        sql::Query query(*q);
        query.bind_text(name);
        SEALGATE_TRY(query.step());
        return query.integer(0) != 0;
    }
    Result<bool> has_any_table() override {
        auto q = prepare("SELECT count(*) FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%'");
        if (!q)
            return fail(std::move(q).error());
        sql::Query query(*q);
        SEALGATE_TRY(query.step());
        return query.integer(0) != 0;
    }

    int error_code() const { return sqlite3_errcode(db_.get()); }

  private:
    struct Hash {
        using is_transparent = void;  // look up by string_view without building a string
        std::size_t operator()(std::string_view s) const noexcept {
            return std::hash<std::string_view>{}(s);
        }
    };
    // Statements are finalized before the connection closes: cache_ is declared after db_.
    DbPtr db_;
    std::string path_;
    std::unordered_map<std::string, std::unique_ptr<Statement>, Hash, std::equal_to<>> cache_;
};

}  // namespace

Result<std::unique_ptr<sql::Driver>> open(const std::string& path) {
    // NOMUTEX: the caller serialises every use of the connection with its own mutex.
    const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
    DbPtr db(raw);  // sqlite3_open_v2 may return a handle even on failure: it must be closed
    if (rc != SQLITE_OK)
        return fail(error(db.get()).with_context(path));
    return std::make_unique<Driver>(std::move(db), path);
}

int error_code(const sql::Driver& driver) {
    return static_cast<const Driver&>(driver).error_code();
}

}  // namespace sealgate::sqlite
