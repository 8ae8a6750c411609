#include "app/context.hpp"

#include <cstdlib>
#include <filesystem>

#include "app/store_open.hpp"

namespace sealgate::app {

Result<Config> resolve_config(const GlobalOptions& opts) {
    auto cfg = load_config(opts.config_path);
    SEALGATE_TRY(cfg);
    std::string chosen = opts.store_path;
    if (const char* env = std::getenv("SEALGATE_STORE");
        chosen.empty() && env != nullptr && *env != '\0')
        chosen = env;
    // --store / SEALGATE_STORE choose the store whatever the file says: a PostgreSQL url or an
    // SQLite path.
    if (is_postgresql_url(chosen)) {
        cfg->store_url = chosen;
        if (cfg->master_key_path.empty())
            return fail(
                Error::usage("a PostgreSQL store needs [store] master_key in the config: "
                             "the master key file that every node shares"));
    } else if (!chosen.empty()) {
        cfg->store_path = chosen;
        cfg->store_url.clear();
        cfg->store_password_file.clear();
    }
    return cfg;
}

Result<std::unique_ptr<Context>> Context::open(const GlobalOptions& opts) {
    return open_with(opts, nullptr);
}

Result<std::unique_ptr<Context>> Context::open_with(const GlobalOptions& opts,
                                                    KeysFactory factory) {
    auto cfg = resolve_config(opts);
    SEALGATE_TRY(cfg);
    auto ctx = std::make_unique<Context>();
    ctx->config_ = std::move(*cfg);
    auto store = ctx->open_store();
    SEALGATE_TRY(store);
    ctx->store_ = std::move(*store);
    ctx->keys_factory_ = std::move(factory);
    auto keys = ctx->open_keystore();
    SEALGATE_TRY(keys);
    ctx->keys_ = std::move(*keys);
    return ctx;
}

Result<std::unique_ptr<keystore::Keys>> Context::open_keystore() const {
    if (keys_factory_)
        return keys_factory_();
    auto master = MasterKey::load(config_.master_key());
    SEALGATE_TRY(master);
    return std::unique_ptr<keystore::Keys>(
        std::make_unique<keystore::KeyStore>(*store_, std::move(*master)));
}

Result<std::unique_ptr<Store>> Context::open_store() const {
    auto where = store_location(config_);
    SEALGATE_TRY(where);
    SqlStore::Options options;
    options.log_retention = config_.log_retention;
    auto store = app::open_store(*where, OpenMode::existing, options);
    SEALGATE_TRY(store);
    return std::unique_ptr<Store>(std::move(*store));
}

Result<std::unique_ptr<Context>> Context::create(const GlobalOptions& opts) {
    auto cfg = resolve_config(opts);
    SEALGATE_TRY(cfg);
    auto where = store_location(*cfg);
    SEALGATE_TRY(where);
    const bool shared = where->postgresql();
    if (!shared && std::filesystem::exists(cfg->store_path))
        return fail(Error::conflict("a store exists already at " + cfg->store_path));
    // SQLite: a new store gets a new master key, and an existing key is never reused (it
    // belongs to another store). PostgreSQL: the store is shared by several nodes that all hold
    // the same key file; init makes the key only where none is, and uses one that is there
    // (copied from the first node, or made before the database was ready).
    const bool key_exists = std::filesystem::exists(cfg->master_key());
    if (!shared && key_exists)
        return fail(Error::conflict("a master key exists already at " + cfg->master_key() +
                                    " (never overwritten: move it away if it is really unused)"));
    auto master =
        key_exists ? MasterKey::load(cfg->master_key()) : MasterKey::create(cfg->master_key());
    SEALGATE_TRY(master);
    SqlStore::Options options;
    options.log_retention = cfg->log_retention;
    auto store = app::open_store(*where, OpenMode::create, options);
    if (!store && shared && !key_exists) {
        // A key made for a store that could not be made protects nothing: leave no stray key
        // for a later init to pick up as if it were the cluster's.
        std::error_code ec;
        std::filesystem::remove(cfg->master_key(), ec);
    }
    SEALGATE_TRY(store);
    auto ctx = std::make_unique<Context>();
    ctx->config_ = std::move(*cfg);
    ctx->key_created_ = !key_exists;
    ctx->store_ = std::move(*store);
    ctx->keys_ = std::make_unique<keystore::KeyStore>(*ctx->store_, std::move(*master));
    return ctx;
}

}  // namespace sealgate::app
