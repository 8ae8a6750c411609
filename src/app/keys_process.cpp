#include "app/keys_process.hpp"

#include "app/heap.hpp"
#include "app/store_open.hpp"
#include "keyproc/protocol.hpp"
#include "keyproc/server.hpp"
#include "keystore/keystore.hpp"
#include "metrics/metrics.hpp"

namespace sealgate::app {

Result<ServingContext> open_serving_context(const GlobalOptions& global) {
    auto cfg = resolve_config(global);
    SEALGATE_TRY(cfg);
    ServingContext out;
    if (!cfg->keys.process) {
        auto ctx = Context::open(global);
        SEALGATE_TRY(ctx);
        out.context = std::move(*ctx);
        return out;
    }
    keyproc::SupervisorOptions options;
    if (!global.config_path.empty())
        options.args.insert(options.args.end(), {"--config", global.config_path});
    if (!global.store_path.empty())
        options.args.insert(options.args.end(), {"--store", global.store_path});
    options.args.push_back("key-process");
    options.max_body = keyproc::max_body_for(cfg->max_message_size);
    options.on_round_trip = [](std::string_view op, std::chrono::nanoseconds took, bool answered) {
        metrics::record_key_request(op, answered, took);
    };
    // The store first, so that a store serve cannot open is refused as by every other command;
    // then the key process, on the first Keys the context asks for (still before any thread).
    auto slot = std::make_shared<std::shared_ptr<keyproc::Supervisor>>();
    auto ctx =
        Context::open_with(global, [slot, options]() -> Result<std::unique_ptr<keystore::Keys>> {
            if (!*slot) {
                auto started = keyproc::Supervisor::start(options);
                SEALGATE_TRY(started);
                *slot = std::move(*started);
            }
            return (*slot)->client();
        });
    SEALGATE_TRY(ctx);
    out.key_process = *slot;
    out.context = std::move(*ctx);
    return out;
}

namespace {

Status key_process(const GlobalOptions& global, int control_fd) {
    auto cfg = resolve_config(global);
    SEALGATE_TRY(cfg);
    keyproc::ServerOptions options;
    options.control_fd = control_fd;
    options.max_body = keyproc::max_body_for(cfg->max_message_size);
    options.user = cfg->keys.user;
    // Its KeyStore reads the sealed keys from a PostgreSQL server: the sandbox lets it connect.
    options.store_connections = !cfg->store_url.empty();
    options.open_keys = [c = *cfg]() -> Result<keyproc::KeysOnStore> {
        auto master = MasterKey::load(c.master_key());
        SEALGATE_TRY(master);
        auto where = store_location(c);
        SEALGATE_TRY(where);
        SqlStore::Options store_options;
        store_options.log_retention = c.log_retention;
        auto store = open_store(*where, OpenMode::existing, store_options);
        SEALGATE_TRY(store);
        keyproc::KeysOnStore out;
        out.store = std::move(*store);
        out.keys = std::make_unique<keystore::KeyStore>(*out.store, std::move(*master));
        return out;
    };
    const int rc = keyproc::run_key_process(options);
    if (rc != 0)
        return fail(Error::temp("key process stopped"));
    return ok();
}

}  // namespace

void add_key_process_command(CLI::App& app, Cli& cli) {
    auto* kp = app.add_subcommand("key-process", "The key process of `serve` (internal)");
    kp->group("");  // hidden: serve starts it
    auto fd = std::make_shared<int>(-1);
    kp->add_option("--control-fd", *fd, "The control socket")->required();
    kp->callback([&cli, fd] {
        cli.quiet_libraries = false;  // its stderr is serve's log
        cli.action = [&cli, fd] {
            keep_heap_for_daemon();
            return key_process(cli.global, *fd);
        };
    });
}

}  // namespace sealgate::app
