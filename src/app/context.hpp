// app/context.hpp — the concrete objects a command works with, wired in one place.
//
// The store is resolved as: --store PATH|URL, else $SEALGATE_STORE, else the config file's
// [store] url (PostgreSQL) or path (SQLite), else ./sealgate.db; app/store_open.hpp opens it.
// The master key lives beside an SQLite store (PATH.key) unless the config names another file;
// a PostgreSQL store needs [store] master_key (the file every node of a cluster shares).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "admin/service.hpp"
#include "app/config.hpp"
#include "core/result.hpp"
#include "keystore/keystore.hpp"
#include "keystore/master_key.hpp"
#include "policy/snapshot.hpp"
#include "store/store.hpp"

namespace sealgate::app {

struct GlobalOptions {
    std::string config_path;
    std::string store_path;
};

class Context {
  public:
    using KeysFactory = std::function<Result<std::unique_ptr<keystore::Keys>>()>;
    // Open an existing store and its master key.
    static Result<std::unique_ptr<Context>> open(const GlobalOptions& opts);
    // Open an existing store without the master key: every Keys (keys(), open_keystore()) comes
    // from `factory` (`sealgate serve` with its key process, keyproc/client.hpp); a null
    // factory is open().
    static Result<std::unique_ptr<Context>> open_with(const GlobalOptions& opts,
                                                      KeysFactory factory);
    // Create a new store and master key (`sealgate init`); refuses to overwrite either. On
    // PostgreSQL an existing master key file is used (the second node's copy of the first's).
    static Result<std::unique_ptr<Context>> create(const GlobalOptions& opts);
    // create(): whether it made a new master key (false: it used the one that was there).
    bool key_created() const { return key_created_; }

    const Config& config() const { return config_; }
    Store& store() { return *store_; }
    keystore::Keys& keys() { return *keys_; }
    // Another KeyStore on the same store and master key, for a thread of its own (a KeyStore
    // is not thread-safe).
    Result<std::unique_ptr<keystore::Keys>> open_keystore() const;
    // Another connection to the same store, for a thread that must not wait for this one.
    Result<std::unique_ptr<Store>> open_store() const;
    // The audit log's actor `name` ("cli:root", "daemon") on this node ([node] name).
    admin::Actor actor(std::string name) const {
        return admin::Actor(std::move(name), config_.node());
    }
    // The administrator's actions on this store and key store, made as actor `name`.
    admin::Service admin(std::string name) {
        return admin::Service(*store_, *keys_, actor(std::move(name)));
    }
    Result<std::shared_ptr<const policy::Snapshot>> snapshot() {
        return policy::Snapshot::load(*store_);
    }

  private:
    Config config_;
    std::unique_ptr<Store> store_;
    std::unique_ptr<keystore::Keys> keys_;
    KeysFactory keys_factory_;  // empty: a KeyStore on the master key here
    bool key_created_ = false;
};

// The resolved configuration alone (for commands that need no store).
Result<Config> resolve_config(const GlobalOptions& opts);

}  // namespace sealgate::app
