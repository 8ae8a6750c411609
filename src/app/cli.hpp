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

#include "app/context.hpp"
#include "core/result.hpp"
#include "core/time.hpp"  // format_time, format_timestamp: what the commands print
#include "policy/admin_rules.hpp"
#include "policy/key_strength.hpp"
#include "store/lookup.hpp"  // finding what the administrator names
#include "store/store.hpp"

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
void add_serve_commands(CLI::App& app, Cli& cli);   // serve, log, send-test
void add_pgp_commands(CLI::App& app, Cli& cli);
void add_admin_commands(CLI::App& app, Cli& cli);  // admin user, admin token

// Helpers.
Result<std::string> read_file(const std::string& path);  // "-" is stdin
Result<std::string> read_stdin(std::size_t limit);
Status write_output(std::string_view data, const std::string& path);  // empty path: stdout
// The same for a secret (a private key): the file is 0600 before a byte of it is written.
Status write_secret_output(std::string_view data, const std::string& path);
std::string join(const std::vector<std::string>& items, std::string_view sep);

// The administrator's change against the rules of policy/admin_rules.hpp: a finding that needs
// force refuses the change (with every reason) unless `force`; warnings, and the findings that
// force overrode, are printed as "warning: ..." lines on standard output.
Status confirm(const policy::Verdict& verdict, bool force);

// The "Key strength:" line of `cert show` and `pgp show`: "acceptable", or "NOT acceptable:
// <problem under the default minimum>" and "; accepted for <domain> (min-rsa-bits N)" for each
// domain among `domains` whose own minimum accepts the key (policy::domains_accepting).
std::string strength_text(
    const policy::Snapshot& snap, const std::vector<std::string>& domains,
    const std::function<std::optional<std::string>(const policy::KeyMinimum&)>& problem);

}  // namespace sealgate::app
