// store/sqlite_store_impl.hpp — internal: the state behind SqliteStore and shared helpers.
//
// Included only by the sqlite_store*.cpp files, which split SqliteStore's methods by noun
// (domains, certificates, trust in sqlite_store.cpp; PGP keys and the mail log in
// sqlite_pgp_log.cpp). Every method takes Impl::mutex before touching Impl::db.
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
#include "store/sqlite_db.hpp"
#include "store/sqlite_store.hpp"

namespace sealgate {

// ASCII lower case: domain names, thumbprints and fingerprints are stored this way.

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

// A text column read back as the enum it stores: parse(text) or corrupt() naming table and
// column.
template <class Parse>
auto enum_column(const sqlite::Query& q, int index, Parse parse, std::string_view table,
                 std::string_view column) -> Result<typename decltype(parse(""))::value_type> {
    const std::string text = q.text(index);
    auto parsed = parse(text);
    if (!parsed)
        return fail(corrupt(table, column, text));
    return *parsed;
}

struct SqliteStore::Impl {
    Impl(sqlite::Connection c, Options o) : db(std::move(c)), options(o) {}

    std::mutex mutex;  // serialises every use of db (one connection per SqliteStore)
    sqlite::Connection db;
    Options options;

    // Run body (returning Result<bool> "changed something") in a write transaction; when it
    // changed something and bump is set, increment the generation in the same transaction.
    template <class Body>
    Result<bool> write(Body&& body, bool bump = true) {
        auto tx = sqlite::Transaction::begin(db, sqlite::Transaction::Kind::write);
        if (!tx)
            return fail(std::move(tx).error());
        auto changed = body();
        if (!changed)
            return changed;
        if (*changed && bump) {
            auto q = db.query(
                "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'");
            if (!q)
                return fail(std::move(q).error());
            SEALGATE_TRY(q->run());
        }
        SEALGATE_TRY(tx->commit());
        return changed;
    }

    // Run body (returning Result<T>) in a read transaction: one consistent snapshot for reads
    // that take several statements (a record and its child list).
    template <class Body>
    auto read(Body&& body) -> decltype(body()) {
        auto tx = sqlite::Transaction::begin(db, sqlite::Transaction::Kind::read);
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

    Result<int> stored_schema_version();
    // OpenMode::existing: the file must hold a sealgate schema this binary knows. Reads only:
    // runs before anything (the WAL switch, a migration) could write to a file that is not ours.
    Status check_existing(const std::string& path);
    Status migrate(const std::string& path);

    Result<std::vector<std::string>> child_list(std::string_view sql, std::string_view key);
    Result<DomainRecord> domain_row(const sqlite::Query& q);
    Result<std::vector<CertRecord>> certificates(std::string_view sql,
                                                 std::initializer_list<std::string_view> params);
    Result<std::vector<PgpKeyRecord>> pgp_keys(std::string_view sql,
                                               std::initializer_list<std::string_view> params);
};

}  // namespace sealgate
