// app/store_open.cpp — the one way a command opens a store.
#include "app/store_open.hpp"

#include <fstream>
#include <iterator>

#include "store/pg_connection.hpp"
#include "store/pg_store.hpp"
#include "store/sqlite_store.hpp"

namespace sealgate::app {

bool is_postgresql_url(std::string_view text) {
    if (text.starts_with("postgresql://") || text.starts_with("postgres://"))
        return true;
    return text.find('=') != std::string_view::npos &&
           (text.find("dbname=") != std::string_view::npos ||
            text.find("host=") != std::string_view::npos);
}

Result<StoreLocation> store_location(const Config& cfg) {
    StoreLocation where;
    if (cfg.store_url.empty()) {
        where.path = cfg.store_path;
        return where;
    }
    where.url = cfg.store_url;
    if (!cfg.store_password_file.empty()) {
        std::ifstream in(cfg.store_password_file, std::ios::binary);
        if (!in)
            return fail(
                Error::usage("cannot read the store password file " + cfg.store_password_file));
        std::string password{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
        while (!password.empty() && (password.back() == '\n' || password.back() == '\r'))
            password.pop_back();
        if (password.empty())
            return fail(
                Error::usage("the store password file " + cfg.store_password_file + " is empty"));
        where.password = std::move(password);
    }
    return where;
}

std::string describe(const StoreLocation& where) {
    if (!where.postgresql())
        return where.path;
    auto shown = pg::redacted(where.url);
    return shown ? "postgresql " + *shown : std::string("(unreadable url)");
}

Result<std::unique_ptr<SqlStore>> open_store(const StoreLocation& where, OpenMode mode,
                                             const SqlStore::Options& options) {
    if (where.postgresql()) {
        auto store = PgStore::open(where.url, where.password, mode, options);
        SEALGATE_TRY(store);
        return std::unique_ptr<SqlStore>(std::move(*store));
    }
    auto store = SqliteStore::open(where.path, mode, options);
    SEALGATE_TRY(store);
    return std::unique_ptr<SqlStore>(std::move(*store));
}

}  // namespace sealgate::app
