// app/cli.hpp — shared plumbing of the command line.
//
// Each command file registers its subcommands on the CLI11 app and sets the action to run after
// parsing. An action returns a Status: main() prints an error as one line on stderr
// ("sealgate: <reason>") and exits non-zero; success prints what the command promises and
// nothing else.
#pragma once

#include <ctime>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "admin/discover_stage.hpp"
#include "admin/service.hpp"
#include "app/context.hpp"
#include "core/result.hpp"
#include "core/time.hpp"  // format_time, format_timestamp: what the commands print
#include "discover/discover.hpp"

namespace sealgate::app {

struct Cli {
    GlobalOptions global;
    std::function<Status()> action;
    // Commands run with librnp's diagnostics kept off stderr (openpgp/quiet.hpp); the daemon,
    // whose stderr is its log, turns this off.
    bool quiet_libraries = true;

    // Register `fn` as the action of `cmd`.
    void on(CLI::App* cmd, std::function<Status()> fn) {
        cmd->callback([this, fn = std::move(fn)] { action = fn; });
    }
    Result<std::unique_ptr<Context>> open() const { return Context::open(global); }
};

void add_init_command(CLI::App& app, Cli& cli);
void add_cert_commands(CLI::App& app, Cli& cli);
void add_trust_commands(CLI::App& app, Cli& cli);  // ctl, root, crl
void add_domain_commands(CLI::App& app, Cli& cli);
void add_filter_commands(CLI::App& app, Cli& cli);  // encrypt, decrypt
void add_serve_commands(CLI::App& app, Cli& cli);   // serve, send-test
void add_log_commands(CLI::App& app, Cli& cli);     // log, audit
void add_pgp_commands(CLI::App& app, Cli& cli);
void add_admin_commands(CLI::App& app, Cli& cli);     // admin user, admin token
void add_status_command(CLI::App& app, Cli& cli);     // status (app/cmd_status.cpp)
void add_exchange_commands(CLI::App& app, Cli& cli);  // exchange, pending
// store migrate, store status (app/cmd_migrate.cpp); the `store` group is shared with other
// store commands: whichever registers first makes it.
void add_store_schema_commands(CLI::App& app, Cli& cli);
// The `store` command group, made by whichever of the store command files registers first.
CLI::App* store_group(CLI::App& app);
void add_store_commands(CLI::App& app, Cli& cli);    // store copy (app/cmd_store.cpp)
void add_discover_command(CLI::App& app, Cli& cli);  // discover (app/cmd_discover.cpp)
void add_publish_commands(CLI::App& app, Cli& cli);  // publish dns, publish wkd

// The lookup options of the config's [discovery] section (app/cmd_discover.cpp): `discover`,
// and the daemon's re-checks.
discover::Options discovery_options(const Config& config);
// discover::lookup with those options: `discover --stage`, the admin listener's
// POST /api/v1/domains/{name}/discover and the daemon's re-checks.
admin::DiscoverLookup discovery_lookup(const Config& config);

// What expires (admin::Service::expiring) as a table, own first; kinds: those to show
// ("certificate", "pgp-key", "pgp-subkey"), empty: all. `status`, `cert list --expiring`,
// `pgp list --expiring`.
void print_expiring(const std::vector<admin::ExpiringItem>& items,
                    const std::vector<std::string>& kinds = {});
// `cert list --expiring DAYS`, `pgp list --expiring DAYS`: the items of those kinds.
Status list_expiring(Cli& cli, unsigned days, const std::vector<std::string>& kinds);

// Helpers.
Result<std::string> read_file(const std::string& path);  // "-" is stdin
Result<std::string> read_stdin(std::size_t limit);
Status write_output(std::string_view data, const std::string& path);  // empty path: stdout
// The same for a secret (a private key): the file is 0600 before a byte of it is written.
Status write_secret_output(std::string_view data, const std::string& path);
std::string join(const std::vector<std::string>& items, std::string_view sep);

// Who changes the store from this command line: "cli:<unix user>" (the effective user; its uid
// when it has no name), the actor of the audit log (Context::actor adds the node).
std::string cli_actor();

// The warnings of a change as "warning: ..." lines on standard output; those that --force
// overrode end in " (done: --force)".
void print_warnings(const std::vector<std::string>& warnings,
                    const std::vector<std::string>& overridden);

}  // namespace sealgate::app
