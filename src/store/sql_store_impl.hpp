// store/sql_store_impl.hpp — internal: the state behind SqlStore and shared helpers.
//
// Included only by the sql_*.cpp files, which split SqlStore's methods by noun (domains,
// certificates, trust in sql_store.cpp; PGP keys and the mail log in sql_pgp_log.cpp; ...), and
// by the two openers (sqlite_store.cpp, pg_store.cpp). Every method takes Impl::mutex before
// touching Impl::db.
#pragma once

#include <cstdint>
#include <ctime>
#include <initializer_list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/text.hpp"
#include "store/sql_db.hpp"
#include "store/sql_store.hpp"

namespace sealgate {

// The time given, or now when it is 0 (the record's default: "when it was added").
inline std::time_t or_now(std::time_t t) {
    return t != 0 ? t : std::time(nullptr);
}

// The half-open key range [low, high) of all lower-case hex strings that start with prefix;
// nullopt when the prefix holds something else than hex digits (nothing can match it).
struct KeyRange {
    std::string low;
    std::string high;
};
std::optional<KeyRange> prefix_range(std::string_view prefix);

// Error::temp for a stored value that does not parse (a damaged or hand-edited store).
Error corrupt(std::string_view table, std::string_view column, std::string_view value);

// Error::usage: the store at `where` has a schema newer than this binary knows.
Error newer_schema(const std::string& where, int stored, int known);

// A text column read back as the enum it stores: parse(text) or corrupt() naming table and
// column.
template <class Parse>
auto enum_column(const sql::Query& q, int index, Parse parse, std::string_view table,
                 std::string_view column) -> Result<typename decltype(parse(""))::value_type> {
    const std::string text = q.text(index);
    auto parsed = parse(text);
    if (!parsed)
        return fail(corrupt(table, column, text));
    return *parsed;
}

// A certificate's or OpenPGP key's origin from four columns starting at `index`: source,
// found_where, found_at, ttl (store migration 8).
Result<KeyOrigin> origin_columns(const sql::Query& q, int index, std::string_view table);

struct SqlStore::Impl {
    Impl(sql::Connection c, Options o) : db(std::move(c)), options(o) {}

    std::mutex mutex;  // serialises every use of db (one connection per SqlStore)
    sql::Connection db;
    Options options;

    // Run body (returning Result<bool> "changed something") in a write transaction; when it
    // changed something and bump is set, increment the generation in the same transaction and
    // have the driver announce it (PostgreSQL: NOTIFY, delivered at commit).
    template <class Body>
    Result<bool> write(Body&& body, bool bump = true) {
        auto tx = sql::Transaction::begin(db, sql::TxKind::write);
        if (!tx)
            return fail(std::move(tx).error());
        auto changed = body();
        if (!changed)
            return changed;
        if (*changed && bump) {
            auto q = db.query(
                "UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS TEXT) "
                "WHERE key = 'generation'");
            if (!q)
                return fail(std::move(q).error());
            SEALGATE_TRY(q->run());
            SEALGATE_TRY(db.driver().announce_change());
        }
        SEALGATE_TRY(tx->commit());
        return changed;
    }

    // Run body (returning Result<T>) in a read transaction: one consistent snapshot for reads
    // that take several statements (a record and its child list).
    template <class Body>
    auto read(Body&& body) -> decltype(body()) {
        auto tx = sql::Transaction::begin(db, sql::TxKind::read);
        if (!tx)
            return fail(std::move(tx).error());
        auto result = body();
        if (!result)
            return result;
        SEALGATE_TRY(tx->commit());
        return result;
    }

    // Run a statement with the given text parameters, expecting no rows; report changes().
    template <class... Params>
    Result<std::int64_t> run(std::string_view sql, const Params&... params) {
        auto q = db.query(sql);
        if (!q)
            return fail(std::move(q).error());
        (q->bind_text(params), ...);
        SEALGATE_TRY(q->run());
        return db.changes();
    }

    // Delete the row(s) of one key in a write transaction (generation bumped when any went);
    // true when something was removed. Caller holds the mutex.
    Result<bool> remove_keyed(std::string_view sql, std::string_view key) {
        const std::string lowered = ascii_lower(key);
        return write([&]() -> Result<bool> {
            auto n = run(sql, lowered);
            if (!n)
                return fail(std::move(n).error());
            return *n > 0;
        });
    }

    // 0: no sealgate schema (no meta table, or no version in it).
    Result<int> stored_schema_version();
    // Apply the driver's migrations above the stored version up to up_to, each in its own
    // transaction. Refuses a store with a newer schema, and one without a sealgate schema that
    // holds tables of something else.
    Status migrate(int up_to);

    Result<std::vector<std::string>> child_list(std::string_view sql, std::string_view key);
    Result<DomainRecord> domain_row(const sql::Query& q);
    Result<std::vector<CertRecord>> certificates(std::string_view sql,
                                                 std::initializer_list<std::string_view> params);
    Result<std::vector<PgpKeyRecord>> pgp_keys(std::string_view sql,
                                               std::initializer_list<std::string_view> params);
};

}  // namespace sealgate
