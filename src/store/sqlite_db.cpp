// store/sqlite_db.cpp — owned SQLite handles, statement cache and transactions.
#include "store/sqlite_db.hpp"

#include <climits>
#include <cstdint>
#include <utility>

namespace sealgate::sqlite {
namespace {

// SQLITE_TRANSIENT without the old-style cast of its macro: SQLite copies the bound bytes, so a
// Query never depends on the lifetime of the caller's buffers.
const sqlite3_destructor_type kTransient =
    reinterpret_cast<sqlite3_destructor_type>(static_cast<std::intptr_t>(-1));

}  // namespace

Error error(sqlite3* db) {
    return Error::temp(std::string("store: ") + (db ? sqlite3_errmsg(db) : "out of memory"));
}

Query::~Query() {
    if (stmt_) {
        sqlite3_reset(stmt_);
        sqlite3_clear_bindings(stmt_);
    }
}

Query::Query(Query&& other) noexcept
    : db_(other.db_),
      stmt_(std::exchange(other.stmt_, nullptr)),
      next_param_(other.next_param_),
      bind_rc_(other.bind_rc_) {}

Query& Query::bind_text(std::string_view text) {
    if (bind_rc_ == SQLITE_OK)
        bind_rc_ = sqlite3_bind_text64(stmt_, next_param_, text.data(), text.size(), kTransient,
                                       SQLITE_UTF8);
    ++next_param_;
    return *this;
}

Query& Query::bind_blob(std::string_view bytes) {
    // A zero-length blob must still be a blob, not NULL: data() of an empty view may be null.
    if (bind_rc_ == SQLITE_OK)
        bind_rc_ = bytes.empty() ? sqlite3_bind_zeroblob(stmt_, next_param_, 0)
                                 : sqlite3_bind_blob64(stmt_, next_param_, bytes.data(),
                                                       bytes.size(), kTransient);
    ++next_param_;
    return *this;
}

Query& Query::bind_int(std::int64_t value) {
    if (bind_rc_ == SQLITE_OK)
        bind_rc_ = sqlite3_bind_int64(stmt_, next_param_, value);
    ++next_param_;
    return *this;
}

Result<bool> Query::step() {
    if (bind_rc_ != SQLITE_OK)
        return fail(error(db_));
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW)
        return true;
    if (rc == SQLITE_DONE)
        return false;
    return fail(error(db_));
}

Status Query::run() {
    while (true) {
        auto row = step();
        if (!row)
            return fail(std::move(row).error());
        if (!*row)
            return ok();
    }
}

std::string Query::text(int column) const {
    const auto* p = sqlite3_column_text(stmt_, column);
    const int n = sqlite3_column_bytes(stmt_, column);  // after the _text call, as documented
    if (p == nullptr || n <= 0)
        return {};
    return std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n));
}

std::string Query::blob(int column) const {
    const void* p = sqlite3_column_blob(stmt_, column);
    const int n = sqlite3_column_bytes(stmt_, column);
    if (p == nullptr || n <= 0)
        return {};
    return std::string(static_cast<const char*>(p), static_cast<std::size_t>(n));
}

std::int64_t Query::integer(int column) const {
    return sqlite3_column_int64(stmt_, column);
}

bool Query::is_null(int column) const {
    return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

Result<Connection> Connection::open(const std::string& path) {
    // NOMUTEX: the caller serialises every use of the connection with its own mutex.
    const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
    DbPtr db(raw);  // sqlite3_open_v2 may return a handle even on failure: it must be closed
    if (rc != SQLITE_OK)
        return fail(error(db.get()).with_context(path));
    return Connection(std::move(db));
}

Status Connection::exec(const char* sql) {
    if (sqlite3_exec(db_.get(), sql, nullptr, nullptr, nullptr) != SQLITE_OK)
        return fail(error(db_.get()));
    return ok();
}

Result<Query> Connection::query(std::string_view sql) {
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
        it = cache_.emplace(sql, std::move(stmt)).first;
    }
    return Query(db_.get(), it->second.get());
}

Result<Transaction> Transaction::begin(Connection& db, Kind kind) {
    auto q = db.query(kind == Kind::write ? "BEGIN IMMEDIATE" : "BEGIN");
    if (!q)
        return fail(std::move(q).error());
    SEALGATE_TRY(q->run());
    return Transaction(&db);
}

Transaction::~Transaction() {
    if (db_ == nullptr)
        return;
    if (auto q = db_->query("ROLLBACK"))
        (void)q->run();  // if even this fails the transaction stays open, and the next BEGIN
                         // on this connection fails and reports it: nothing is committed
}

Status Transaction::commit() {
    auto q = db_->query("COMMIT");
    if (!q)
        return fail(std::move(q).error());
    SEALGATE_TRY(q->run());
    db_ = nullptr;
    return ok();
}

}  // namespace sealgate::sqlite
