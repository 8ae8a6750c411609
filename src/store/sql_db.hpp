// store/sql_db.hpp — internal: the small driver interface under the one SQL store.
//
// SqlStore (sql_store.hpp) holds every rule of the store once — lower-casing, the generation
// bump, retention, corrupt-value errors — and runs portable SQL through a Driver. A Driver keeps
// what differs between engines: how statements are prepared and parameters bound, how a
// transaction begins, how a change is announced (PostgreSQL: NOTIFY), and the schema text of
// each migration (BLOB vs BYTEA, AUTOINCREMENT vs identity). Two drivers: SQLite
// (sqlite_db.hpp) and PostgreSQL (pg_driver.cpp).
//
// The store's SQL is written with numbered parameters ?1, ?2, ... (the PostgreSQL driver sends
// them as $1, $2, ...), ON CONFLICT upserts, INSERT ... RETURNING and CAST(... AS BIGINT): the
// common ground of SQLite >= 3.35 and PostgreSQL.
//
// A Query borrows one statement of the driver and resets it when it goes out of scope. Bind
// errors are remembered and reported by the next step(). Nothing here is thread-safe: the
// caller serialises access (SqlStore holds a mutex). Every failure is an Error::temp.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.hpp"

namespace sealgate::sql {

struct Migration {
    int version;      // schema_version after this migration
    const char* sql;  // one or more statements, no parameters
};

// One prepared statement of a driver. Parameters are numbered from 1.
class Statement {
  public:
    virtual ~Statement() = default;
    virtual void bind_text(int index, std::string_view text) = 0;
    virtual void bind_blob(int index, std::string_view bytes) = 0;
    virtual void bind_int(int index, std::int64_t value) = 0;
    // true: a row is ready to read; false: the statement is done.
    virtual Result<bool> step() = 0;
    virtual std::string text(int column) const = 0;
    virtual std::string blob(int column) const = 0;
    virtual std::int64_t integer(int column) const = 0;
    virtual bool is_null(int column) const = 0;
    // Forget the bindings and any result: the next use starts clean.
    virtual void reset() = 0;
};

enum class TxKind { read, write };

class Driver {
  public:
    virtual ~Driver() = default;
    // "sqlite" or "postgresql".
    virtual std::string_view engine() const = 0;
    // Where the store is, for messages: the path, or the connection string without password.
    virtual const std::string& where() const = 0;
    // Run SQL text (several statements allowed, no parameters): schema.
    virtual Status exec(const char* sql) = 0;
    // The statement for sql (cached by the driver), ready to bind.
    virtual Result<Statement*> prepare(std::string_view sql) = 0;
    // Rows changed by the last statement that ran to completion.
    virtual std::int64_t changes() const = 0;
    virtual Status begin(TxKind kind) = 0;
    virtual Status commit() = 0;
    virtual void rollback() = 0;  // best effort: a failure leaves the next begin() to fail
    // Inside a write transaction that changed policy, after the generation bump: tell the other
    // nodes (PostgreSQL: pg_notify with the new generation, delivered at commit).
    virtual Status announce_change() = 0;
    // Inside a write transaction: make concurrent migrations of the same store wait for each
    // other (SQLite's BEGIN IMMEDIATE does it already).
    virtual Status lock_for_migration() = 0;
    virtual std::span<const Migration> migrations() const = 0;
    // Whether a table of that name exists; whether any table at all exists.
    virtual Result<bool> has_table(std::string_view name) = 0;
    virtual Result<bool> has_any_table() = 0;
};

class Query {
  public:
    explicit Query(Statement* stmt) : stmt_(stmt) {}
    ~Query() {
        if (stmt_)
            stmt_->reset();
    }
    Query(Query&& other) noexcept
        : stmt_(std::exchange(other.stmt_, nullptr)), next_param_(other.next_param_) {}
    Query(const Query&) = delete;
    Query& operator=(const Query&) = delete;
    Query& operator=(Query&&) = delete;

    // Bind the next positional parameter (?1, ?2, ... in call order).
    Query& bind_text(std::string_view text) {
        stmt_->bind_text(next_param_++, text);
        return *this;
    }
    Query& bind_blob(std::string_view bytes) {
        stmt_->bind_blob(next_param_++, bytes);
        return *this;
    }
    Query& bind_int(std::int64_t value) {
        stmt_->bind_int(next_param_++, value);
        return *this;
    }

    Result<bool> step() { return stmt_->step(); }
    // Run a statement that returns no rows (or whose rows are ignored) to completion.
    Status run() {
        while (true) {
            auto row = step();
            if (!row)
                return fail(std::move(row).error());
            if (!*row)
                return ok();
        }
    }

    std::string text(int column) const { return stmt_->text(column); }
    std::string blob(int column) const { return stmt_->blob(column); }
    std::int64_t integer(int column) const { return stmt_->integer(column); }
    bool boolean(int column) const { return integer(column) != 0; }
    bool is_null(int column) const { return stmt_->is_null(column); }

  private:
    Statement* stmt_;  // owned by the driver
    int next_param_ = 1;
};

// The store's handle on its driver.
class Connection {
  public:
    explicit Connection(std::unique_ptr<Driver> driver) : driver_(std::move(driver)) {}

    Status exec(const char* sql) { return driver_->exec(sql); }
    Result<Query> query(std::string_view sql) {
        auto stmt = driver_->prepare(sql);
        if (!stmt)
            return fail(std::move(stmt).error());
        return Query(*stmt);
    }
    std::int64_t changes() const { return driver_->changes(); }
    Driver& driver() { return *driver_; }
    const Driver& driver() const { return *driver_; }

  private:
    std::unique_ptr<Driver> driver_;
};

// A transaction that rolls back unless commit() succeeded.
class Transaction {
  public:
    static Result<Transaction> begin(Connection& db, TxKind kind) {
        SEALGATE_TRY(db.driver().begin(kind));
        return Transaction(&db);
    }
    ~Transaction() {
        if (db_ != nullptr)
            db_->driver().rollback();
    }
    Transaction(Transaction&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    Transaction& operator=(Transaction&&) = delete;

    Status commit() {
        SEALGATE_TRY(db_->driver().commit());
        db_ = nullptr;
        return ok();
    }

  private:
    explicit Transaction(Connection* db) : db_(db) {}
    Connection* db_;  // nullptr once committed or rolled back
};

// Every remaining row of q, each made into a T by `row` (a function of the Query that returns
// Result<T>, so that a corrupt value fails the whole read).
template <class T, class Row>
Result<std::vector<T>> collect(Query& q, Row row) {
    std::vector<T> out;
    while (true) {
        auto more = q.step();
        if (!more)
            return fail(std::move(more).error());
        if (!*more)
            return out;
        Result<T> item = row(q);
        if (!item)
            return fail(std::move(item).error());
        out.push_back(std::move(*item));
    }
}

}  // namespace sealgate::sql
