// `sealgate store migrate` and `sealgate store status`: the schema of the configured store,
// SQLite or PostgreSQL.
//
// migrate applies the pending migrations (each in its own transaction) and says from which
// version to which. On PostgreSQL a node refuses a store whose schema is older than it knows
// (`serve` and every command): upgrading a shared store is this explicit step, run once from
// one node after the new sealgate is installed. A schema newer than this binary is refused
// everywhere, naming both versions.
// status shows the backend, where the store is (a url without its password), the schema
// version and the generation.
#include <cstdio>

#include "app/cli.hpp"
#include "app/store_open.hpp"
#include "store/sqlite_store.hpp"

namespace sealgate::app {
namespace {

Result<std::unique_ptr<SqlStore>> open_as_is(const Cli& cli) {
    auto cfg = resolve_config(cli.global);
    SEALGATE_TRY(cfg);
    auto where = store_location(*cfg);
    SEALGATE_TRY(where);
    SqlStore::Options options;
    options.log_retention = cfg->log_retention;
    options.migrate = false;
    return open_store(*where, OpenMode::existing, options);
}

}  // namespace

// The `store` command group: found when another file registered it first (`store copy`),
// else made here.
CLI::App* store_group(CLI::App& app) {
    for (auto* sub : app.get_subcommands([](CLI::App* a) { return a->get_name() == "store"; }))
        return sub;
    auto* store = app.add_subcommand("store", "The store itself: schema, status, copies");
    store->require_subcommand(1);
    return store;
}

void add_store_schema_commands(CLI::App& app, Cli& cli) {
    auto* store = store_group(app);

    auto* migrate = store->add_subcommand("migrate", "Bring the store's schema up to date");
    cli.on(migrate, [&cli]() -> Status {
        auto s = open_as_is(cli);
        SEALGATE_TRY(s);
        auto report = (*s)->migrate();
        SEALGATE_TRY(report);
        if (report->from == report->to)
            std::printf("store schema is up to date (version %d, %s)\n", report->to,
                        std::string((*s)->engine()).c_str());
        else
            std::printf("store schema migrated from version %d to %d (%s)\n", report->from,
                        report->to, std::string((*s)->engine()).c_str());
        return ok();
    });

    auto* status = store->add_subcommand("status", "Backend, schema version and generation");
    cli.on(status, [&cli]() -> Status {
        auto cfg = resolve_config(cli.global);
        SEALGATE_TRY(cfg);
        auto where = store_location(*cfg);
        SEALGATE_TRY(where);
        auto s = open_as_is(cli);
        SEALGATE_TRY(s);
        auto version = (*s)->stored_schema_version();
        SEALGATE_TRY(version);
        auto generation = (*s)->generation();
        SEALGATE_TRY(generation);
        std::printf(
            "backend:    %s\nstore:      %s\nschema:     %d (this sealgate: %d)\n"
            "generation: %llu\n",
            std::string((*s)->engine()).c_str(), describe(*where).c_str(), *version,
            SqliteStore::schema_version(), static_cast<unsigned long long>(*generation));
        return ok();
    });
}

}  // namespace sealgate::app
