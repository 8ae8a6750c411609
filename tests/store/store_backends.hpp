// tests/store/store_backends.hpp — the backends that the Store conformance suites run against,
// and small helpers for them. A new backend joins by adding one factory here and to the
// INSTANTIATE_TEST_SUITE_P lines of the suites.
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "store/pg_store.hpp"
#include "store/sqlite_store.hpp"
#include "store/store.hpp"
#include "support/pg_server.hpp"
#include "support/temp_dir.hpp"

namespace sealgate::test {

struct StoreFactory {
    std::string name;
    // A fresh, empty store living in dir, keeping at most log_retention mail log records.
    std::function<std::unique_ptr<Store>(const TempDir& dir, std::size_t log_retention)> make;
};

inline std::ostream& operator<<(std::ostream& os, const StoreFactory& f) {
    return os << f.name;
}

inline const StoreFactory kSqlite{
    "sqlite", [](const TempDir& dir, std::size_t retention) -> std::unique_ptr<Store> {
        auto s = SqliteStore::open(dir.file("store.db"), OpenMode::create,
                                   SqliteStore::Options{retention});
        EXPECT_TRUE(s.has_value()) << (s ? "" : s.error().reason);
        return s ? std::move(*s) : nullptr;
    }};

// A fresh database on the test binary's throwaway PostgreSQL server (support/pg_server.hpp).
inline const StoreFactory kPostgres{
    "postgresql", [](const TempDir&, std::size_t retention) -> std::unique_ptr<Store> {
        auto& server = PgServer::instance();
        auto s = PgStore::open(server.conninfo(server.create_database()), "", OpenMode::create,
                               PgStore::Options{retention});
        EXPECT_TRUE(s.has_value()) << (s ? "" : s.error().reason);
        return s ? std::move(*s) : nullptr;
    }};

// The newest `last` log records, of one Message-ID when it is given.
inline LogQuery newest(std::size_t last, std::string message_id = {}) {
    LogQuery q;
    q.last = last;
    q.message_id = std::move(message_id);
    return q;
}

}  // namespace sealgate::test
