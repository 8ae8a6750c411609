// `sealgate ctl|root|crl ...`: what makes a partner certificate trusted, blocked or revoked.
// Each command parses, calls admin::Service (admin/trust.cpp) and prints.
#include <cstdio>

#include "app/cli.hpp"

namespace sealgate::app {

namespace {

void add_ctl(CLI::App& app, Cli& cli) {
    auto* ctl = app.add_subcommand("ctl", "Certificate trust list: trust or block by thumbprint");
    ctl->require_subcommand(1);

    auto* add = ctl->add_subcommand("add", "Trust or block a certificate");
    auto thumb = std::make_shared<std::string>();
    auto trust = std::make_shared<bool>(false);
    auto block = std::make_shared<bool>(false);
    add->add_option("THUMBPRINT", *thumb)->required();
    auto* t = add->add_flag("--trust", *trust, "Trust this certificate");
    auto* b = add->add_flag("--block", *block, "Block it (beats every other kind of trust)");
    t->excludes(b);
    auto force = std::make_shared<bool>(false);
    add->add_flag("--force", *force, "Trust a certificate even though it is blocked");
    cli.on(add, [&cli, thumb, trust, block, force]() -> Status {
        if (!*trust && !*block)
            return fail(Error::usage("ctl add: give --trust or --block"));
        auto ctx = cli.open();
        SEALGATE_TRY(ctx);
        const CtlAction action = *block ? CtlAction::block : CtlAction::trust;
        auto done = (*ctx)->admin(cli_actor()).set_ctl(*thumb, action, *force);
        SEALGATE_TRY(done);
        print_warnings(done->warnings, done->overridden);
        std::printf("%s %s\n", std::string(to_string(action)).c_str(), done->value.sha256.c_str());
        return ok();
    });

    auto* lst = ctl->add_subcommand("list", "List the CTL");
    cli.on(lst, [&cli]() -> Status {
        auto ctx = cli.open();
        SEALGATE_TRY(ctx);
        auto entries = (*ctx)->admin(cli_actor()).list_ctl();
        SEALGATE_TRY(entries);
        std::printf("%-6s  %-64s  %s\n", "ACTION", "SHA-256", "ADDED");
        for (const auto& e : *entries)
            std::printf("%-6s  %-64s  %s\n", std::string(to_string(e.action)).c_str(),
                        e.sha256.c_str(), format_time(e.added).c_str());
        return ok();
    });

    auto* rm = ctl->add_subcommand("remove", "Remove a CTL entry");
    auto rthumb = std::make_shared<std::string>();
    rm->add_option("THUMBPRINT", *rthumb)->required();
    cli.on(rm, [&cli, rthumb]() -> Status {
        auto ctx = cli.open();
        SEALGATE_TRY(ctx);
        auto removed = (*ctx)->admin(cli_actor()).remove_ctl(*rthumb);
        SEALGATE_TRY(removed);
        std::printf("removed %s\n", removed->c_str());
        return ok();
    });
}

void add_root(CLI::App& app, Cli& cli) {
    auto* root = app.add_subcommand("root", "Trusted root certificates (for CA-issued partners)");
    root->require_subcommand(1);
    auto* add = root->add_subcommand("add", "Trust the CA certificate(s) in FILE");
    auto file = std::make_shared<std::string>();
    add->add_option("FILE", *file)->required();
    cli.on(add, [&cli, file]() -> Status {
        auto bytes = read_file(*file);
        SEALGATE_TRY(bytes);
        auto ctx = cli.open();
        SEALGATE_TRY(ctx);
        auto added = (*ctx)->admin(cli_actor()).add_roots(*bytes);
        if (!added)
            return fail(std::move(added.error()).with_context(*file));
        for (const auto& r : *added)
            std::printf("%s  %s%s\n", r.sha256.c_str(), r.subject.c_str(),
                        r.is_ca ? "" : "  (warning: not a CA certificate)");
        return ok();
    });
    auto* lst = root->add_subcommand("list", "List trusted roots");
    cli.on(lst, [&cli]() -> Status {
        auto ctx = cli.open();
        SEALGATE_TRY(ctx);
        auto roots = (*ctx)->admin(cli_actor()).list_roots();
        SEALGATE_TRY(roots);
        for (const auto& r : *roots)
            std::printf("%s  %s  (until %s)\n", r.sha256.c_str(), r.subject.c_str(),
                        format_time(r.not_after).c_str());
        return ok();
    });
    auto* rm = root->add_subcommand("remove", "Stop trusting a root");
    auto rthumb = std::make_shared<std::string>();
    rm->add_option("THUMBPRINT", *rthumb)->required();
    cli.on(rm, [&cli, rthumb]() -> Status {
        auto ctx = cli.open();
        SEALGATE_TRY(ctx);
        auto removed = (*ctx)->admin(cli_actor()).remove_root(*rthumb);
        SEALGATE_TRY(removed);
        std::printf("removed %s\n", removed->c_str());
        return ok();
    });
}

void add_crl(CLI::App& app, Cli& cli) {
    auto* crl = app.add_subcommand("crl", "Certificate revocation lists");
    crl->require_subcommand(1);
    auto* imp = crl->add_subcommand("import", "Import a CRL (PEM or DER)");
    auto file = std::make_shared<std::string>();
    imp->add_option("FILE", *file)->required();
    cli.on(imp, [&cli, file]() -> Status {
        auto bytes = read_file(*file);
        SEALGATE_TRY(bytes);
        auto ctx = cli.open();
        SEALGATE_TRY(ctx);
        auto imported = (*ctx)->admin(cli_actor()).import_crl(*bytes);
        if (!imported)
            return fail(std::move(imported.error()).with_context(*file));
        std::printf("CRL of %s (updated %s)\n", imported->issuer.c_str(),
                    format_time(imported->last_update).c_str());
        return ok();
    });
    auto* lst = crl->add_subcommand("list", "List imported CRLs");
    cli.on(lst, [&cli]() -> Status {
        auto ctx = cli.open();
        SEALGATE_TRY(ctx);
        auto crls = (*ctx)->admin(cli_actor()).list_crls();
        SEALGATE_TRY(crls);
        for (const auto& c : *crls)
            std::printf("%s  updated %s  next %s%s\n", c.issuer.c_str(),
                        format_time(c.last_update).c_str(),
                        c.next_update ? format_time(c.next_update).c_str() : "-",
                        c.stale ? "  (STALE)" : "");
        return ok();
    });
}

}  // namespace

void add_trust_commands(CLI::App& app, Cli& cli) {
    add_ctl(app, cli);
    add_root(app, cli);
    add_crl(app, cli);
}

}  // namespace sealgate::app
