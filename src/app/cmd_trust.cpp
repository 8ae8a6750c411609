// `sealgate ctl|root|crl ...`: what makes a partner certificate trusted, blocked or revoked.
// Each command parses, calls admin::Service (admin/trust.cpp, admin/crl_sources.cpp) or the one
// CRL refresh (admin/crl_refresh.hpp) and prints.
#include <cstdio>
#include <ctime>

#include "admin/crl_refresh.hpp"
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
    auto* lst = crl->add_subcommand("list", "List stored CRLs and the distribution points");
    cli.on(lst, [&cli]() -> Status {
        auto ctx = cli.open();
        SEALGATE_TRY(ctx);
        auto service = (*ctx)->admin(cli_actor());
        auto crls = service.list_crls();
        SEALGATE_TRY(crls);
        auto sources = service.crl_sources(std::time(nullptr));
        SEALGATE_TRY(sources);
        for (const auto& c : *crls)
            std::printf("%s  updated %s  next %s%s  source %s\n", c.issuer.c_str(),
                        format_time(c.last_update).c_str(),
                        c.next_update ? format_time(c.next_update).c_str() : "-",
                        c.stale ? "  (STALE)" : "",
                        c.source.empty() ? "(imported)" : c.source.c_str());
        if (sources->empty())
            return ok();
        std::printf("\ndistribution points:\n");
        for (const auto& s : *sources) {
            std::string last = "never fetched";
            if (s.last_fetch) {
                last = "last fetch " + format_time(s.last_fetch->last_attempt) +
                       (s.last_fetch->last_error.empty() ? " ok"
                                                         : " FAILED: " + s.last_fetch->last_error);
            }
            std::printf("%s  CRL of %s  %zu certificate%s  %s  %s\n", s.url.c_str(),
                        s.issuer.c_str(), s.certificates.size(),
                        s.certificates.size() == 1 ? "" : "s", last.c_str(),
                        s.due ? "DUE" : ("due " + format_time(s.due_at)).c_str());
        }
        return ok();
    });
    auto* ref = crl->add_subcommand(
        "refresh", "Fetch the CRLs of the partner certificates' distribution points that are due");
    auto force = std::make_shared<bool>(false);
    ref->add_flag("--force", *force, "Fetch every distribution point, due or not");
    cli.on(ref, [&cli, force]() -> Status {
        auto ctx = cli.open();
        SEALGATE_TRY(ctx);
        auto service = (*ctx)->admin(cli_actor());
        admin::CrlRefreshOptions options;
        options.force = *force;
        auto done = admin::refresh_crls(service, options, std::time(nullptr));
        SEALGATE_TRY(done);
        if (done->empty())
            std::printf("no distribution point is due (--force fetches them all)\n");
        bool failed = false;
        for (const auto& o : *done) {
            std::printf("%s  %s  %s\n", o.url.c_str(), o.ok ? "ok" : "FAILED", o.detail.c_str());
            failed = failed || !o.ok;
        }
        if (failed)
            return fail(Error::temp("crl refresh: not every distribution point could be fetched"));
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
