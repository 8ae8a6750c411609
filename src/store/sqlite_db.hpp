// store/sqlite_db.hpp — internal: owned SQLite handles, a statement cache, transactions.
//
// Used only by sqlite_store.cpp. A Connection owns the sqlite3 handle and every prepared
// statement (prepared once, kept for the life of the connection). A Query borrows one cached
// statement and resets it when it goes out of scope, so the next use starts clean. Bind errors
// are remembered and reported by the next step(), which keeps call sites short.
// Nothing here is thread-safe: the caller serialises access (SqliteStore holds a mutex).
// Every SQLite failure becomes Error::temp("store: <sqlite message>").
#pragma once

#include <sqlite3.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/result.hpp"

namespace sealgate::sqlite {

struct DbClose {
    void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
};
struct StmtFinalize {
    void operator()(sqlite3_stmt* stmt) const noexcept { sqlite3_finalize(stmt); }
};
using DbPtr = std::unique_ptr<sqlite3, DbClose>;
using StmtPtr = std::unique_ptr<sqlite3_stmt, StmtFinalize>;

// Error::temp("store: <message of the last failed call on db>").
Error error(sqlite3* db);

class Query {
  public:
    Query(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
    ~Query();
    Query(Query&& other) noexcept;
    Query(const Query&) = delete;
    Query& operator=(const Query&) = delete;
    Query& operator=(Query&&) = delete;

    // Bind the next positional parameter (?1, ?2, ... in call order).
    Query& bind_text(std::string_view text);
    Query& bind_blob(std::string_view bytes);
    Query& bind_int(std::int64_t value);

    // true: a row is ready to read; false: the statement is done.
    Result<bool> step();
    // Run a statement that returns no rows (or whose rows are ignored) to completion.
    Status run();

    std::string text(int column) const;
    std::string blob(int column) const;
    std::int64_t integer(int column) const;
    bool boolean(int column) const { return integer(column) != 0; }
    bool is_null(int column) const;

  private:
    sqlite3* db_;
    sqlite3_stmt* stmt_;  // owned by the Connection's cache
    int next_param_ = 1;
    int bind_rc_ = SQLITE_OK;
};

class Connection {
  public:
    // Open an existing file: SQLite never creates one (SqliteStore::open decides that).
    static Result<Connection> open(const std::string& path);

    // Run SQL text (several statements allowed, no parameters): schema and pragmas.
    Status exec(const char* sql);
    // The cached prepared statement for sql, ready to bind.
    Result<Query> query(std::string_view sql);

    std::int64_t changes() const { return sqlite3_changes64(db_.get()); }
    // The primary result code of the last failed call (SQLITE_NOTADB, ...).
    int error_code() const { return sqlite3_errcode(db_.get()); }
    std::int64_t last_insert_rowid() const { return sqlite3_last_insert_rowid(db_.get()); }

  private:
    explicit Connection(DbPtr db) : db_(std::move(db)) {}
    // Statements are finalized before the connection closes: cache_ is declared after db_.
    struct Hash {
        using is_transparent = void;  // look up by string_view without building a string
        std::size_t operator()(std::string_view s) const noexcept {
            return std::hash<std::string_view>{}(s);
        }
    };
    DbPtr db_;
    std::unordered_map<std::string, StmtPtr, Hash, std::equal_to<>> cache_;
};

// A transaction that rolls back unless commit() succeeded.
class Transaction {
  public:
    enum class Kind { read, write };
    // write: BEGIN IMMEDIATE takes the write lock up front, so a later upgrade cannot fail with
    // SQLITE_BUSY half-way through (busy_timeout applies to BEGIN IMMEDIATE itself).
    static Result<Transaction> begin(Connection& db, Kind kind);
    ~Transaction();
    Transaction(Transaction&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    Transaction& operator=(Transaction&&) = delete;

    Status commit();

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

}  // namespace sealgate::sqlite
