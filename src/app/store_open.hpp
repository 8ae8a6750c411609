// app/store_open.hpp — the one way a command opens a store: SQLite by path or PostgreSQL by
// connection string.
//
// Used by Context (every command and serve), the key process and `store copy` / `store
// migrate`: no second copy of how a store is chosen, where its password comes from or how it is
// named in a message.
//   - A location is SQLite (path) or PostgreSQL (url: a postgresql:// / postgres:// url or a
//     libpq "host=... dbname=..." string; password: read from [store] password_file at start,
//     or empty for libpq's own PGPASSWORD / PGPASSFILE / ~/.pgpass).
//   - describe() is what messages show: the path, or the connection string without any
//     password (libpq parses it; an unreadable one is shown as "(unreadable url)").
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "app/config.hpp"
#include "core/result.hpp"
#include "store/sql_store.hpp"

namespace sealgate::app {

struct StoreLocation {
    std::string path;      // SQLite; used when url is empty
    std::string url;       // PostgreSQL
    std::string password;  // PostgreSQL; never shown
    bool postgresql() const { return !url.empty(); }
};

// true: text names a PostgreSQL store (postgresql:// or postgres:// url, or a key=value
// connection string with dbname= or host=).
bool is_postgresql_url(std::string_view text);

// The configured store; reads [store] password_file (Error::usage when it cannot be read).
Result<StoreLocation> store_location(const Config& cfg);

// The path, or the url without its password.
std::string describe(const StoreLocation& where);

// Open (OpenMode::existing) or create (OpenMode::create) the store at `where`.
Result<std::unique_ptr<SqlStore>> open_store(const StoreLocation& where, OpenMode mode,
                                             const SqlStore::Options& options);

}  // namespace sealgate::app
