// sealgate — email encryption gateway: one binary, subcommands for the store, the offline
// filters and the daemon. Errors: one line on stderr, non-zero exit status.
#include <cstdio>
#include <exception>

#include <optional>

#include "app/cli.hpp"
#include "app/exit_code.hpp"
#include "app/keys_process.hpp"
#include "openpgp/quiet.hpp"

int main(int argc, char** argv) {
    using namespace sealgate;
    CLI::App app{"sealgate — domain-to-domain email encryption gateway (S/MIME, OpenPGP)"};
    app.set_version_flag("--version", "sealgate 0.1.0");
    app.require_subcommand(1);
    app::Cli cli;
    app.add_option("-c,--config", cli.global.config_path, "Configuration file (TOML)");
    app.add_option("--store", cli.global.store_path,
                   "Store file (default: $SEALGATE_STORE, the config file, ./sealgate.db)");

    app::add_init_command(app, cli);
    app::add_cert_commands(app, cli);
    app::add_trust_commands(app, cli);
    app::add_domain_commands(app, cli);
    app::add_filter_commands(app, cli);
    app::add_serve_commands(app, cli);
    app::add_log_commands(app, cli);
    app::add_pgp_commands(app, cli);
    app::add_admin_commands(app, cli);
    app::add_exchange_commands(app, cli);
    app::add_status_command(app, cli);
    app::add_store_schema_commands(app, cli);
    app::add_store_commands(app, cli);
    app::add_discover_command(app, cli);
    app::add_publish_commands(app, cli);
    app::add_key_process_command(app, cli);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    if (!cli.action)
        return 2;
    try {
        std::optional<openpgp::QuietStderr> quiet;
        if (cli.quiet_libraries)
            quiet.emplace();  // restored before our own error line
        const Status st = cli.action();
        quiet.reset();
        if (!st) {
            // A change the rules refuse unless insisted on: the command line's way to insist.
            const bool force = st.error().kind == ErrorKind::needs_force;
            std::fprintf(stderr, "sealgate: %s%s\n", st.error().reason.c_str(),
                         force ? " (give --force to do it anyway)" : "");
            return app::exit_code(st.error().kind);
        }
    } catch (const std::exception& e) {
        // Start-up and configuration code may throw; a message never reaches a stack trace.
        std::fprintf(stderr, "sealgate: %s\n", e.what());
        return 1;
    }
    return 0;
}
