#include "app/context.hpp"

#include <cstdlib>
#include <filesystem>

#include "store/sqlite_store.hpp"

namespace sealgate::app {

Result<Config> resolve_config(const GlobalOptions& opts) {
    auto cfg = load_config(opts.config_path);
    SEALGATE_TRY(cfg);
    if (!opts.store_path.empty()) {
        cfg->store_path = opts.store_path;
    } else if (const char* env = std::getenv("SEALGATE_STORE"); env != nullptr && *env != '\0') {
        cfg->store_path = env;
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
    auto store = SqliteStore::open(config_.store_path, OpenMode::existing,
                                   SqliteStore::Options{config_.log_retention});
    SEALGATE_TRY(store);
    return std::unique_ptr<Store>(std::move(*store));
}

Result<std::unique_ptr<Context>> Context::create(const GlobalOptions& opts) {
    auto cfg = resolve_config(opts);
    SEALGATE_TRY(cfg);
    if (std::filesystem::exists(cfg->store_path))
        return fail(Error::conflict("a store exists already at " + cfg->store_path));
    if (std::filesystem::exists(cfg->master_key()))
        return fail(Error::conflict("a master key exists already at " + cfg->master_key() +
                                    " (never overwritten: move it away if it is really unused)"));
    auto master = MasterKey::create(cfg->master_key());
    SEALGATE_TRY(master);
    auto store = SqliteStore::open(cfg->store_path, OpenMode::create,
                                   SqliteStore::Options{cfg->log_retention});
    SEALGATE_TRY(store);
    auto ctx = std::make_unique<Context>();
    ctx->config_ = std::move(*cfg);
    ctx->store_ = std::move(*store);
    ctx->keys_ = std::make_unique<keystore::KeyStore>(*ctx->store_, std::move(*master));
    return ctx;
}

}  // namespace sealgate::app
