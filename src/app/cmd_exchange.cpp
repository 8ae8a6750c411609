// `sealgate exchange export|import` and `sealgate pending list|show|approve|reject`: the signed
// update exchange with partner gateways (docs/lifecycle.md). Each command parses, calls
// admin::Service (admin/exchange.cpp holds the rules) and prints.
#include <cstdio>

#include "app/cli.hpp"

namespace sealgate::app {

namespace {

std::string validity(const admin::ExchangeItem& item) {
    return item.not_after == 0 ? std::string("no expiry")
                               : "valid until " + format_time(item.not_after);
}

// One line per item, after `label` (empty: the item's state).
void print_items(const char* label, const std::vector<admin::ExchangeItem>& items) {
    for (const auto& i : items)
        std::printf("  %-8s %-11s %s  %s (%s)\n", *label ? label : i.state.c_str(), i.kind.c_str(),
                    i.id.c_str(), i.name.c_str(), validity(i).c_str());
}

void print_change(const admin::UpdateChange& c) {
    if (c.kind == PendingKind::discovery)
        std::printf("Discovered for %s, found %s: %s\n", c.domain.c_str(),
                    format_time(c.created).c_str(), c.found.c_str());
    else
        std::printf("Update for %s, sequence %llu, created %s, signed by %s\n", c.domain.c_str(),
                    static_cast<unsigned long long>(c.sequence), format_time(c.created).c_str(),
                    c.signer.c_str());
    if (c.adds.empty() && c.retires.empty() && c.updates.empty())
        std::printf("  no change: the domain has these certificates and keys already\n");
    print_items("adds", c.adds);
    print_items("retires", c.retires);
    print_items("updates", c.updates);
    for (const auto& w : c.warnings)
        std::printf("warning: %s\n", w.c_str());
}

Result<std::int64_t> parse_id(const std::string& text) {
    if (text.empty() || text.size() > 18 ||
        text.find_first_not_of("0123456789") != std::string::npos)
        return fail(Error::usage("ID: the number of a pending change (`sealgate pending list`)"));
    return static_cast<std::int64_t>(std::stoll(text));
}

void add_exchange(CLI::App& app, Cli& cli) {
    auto* ex = app.add_subcommand("exchange", "Signed update bundles for partner gateways");
    ex->require_subcommand(1);

    auto* exp =
        ex->add_subcommand("export",
                           "Write a signed bundle of a local domain's current, next and retired "
                           "certificates and keys");
    auto domain = std::make_shared<std::string>();
    auto out = std::make_shared<std::string>();
    exp->add_option("--domain", *domain, "Our local domain")->required();
    exp->add_option("-o,--output", *out, "Write the bundle to this file (default: stdout)");
    cli.on(exp, [&cli, domain, out]() -> Status {
        auto ctx = cli.open();
        SEALGATE_TRY(ctx);
        auto made = (*ctx)->admin(cli_actor()).export_update(*domain, std::time(nullptr));
        SEALGATE_TRY(made);
        SEALGATE_TRY(write_output(made->bundle, *out));
        if (out->empty())
            return ok();  // the bundle is the output
        std::printf("Bundle for %s, sequence %llu, written to %s\n", made->domain.c_str(),
                    static_cast<unsigned long long>(made->sequence), out->c_str());
        print_items("", made->entries);
        std::printf("Signed by: %s\n", join(made->signers, ", ").c_str());
        for (const auto& w : made->warnings)
            std::printf("warning: %s\n", w.c_str());
        return ok();
    });

    auto* imp = ex->add_subcommand(
        "import", "Verify a partner's bundle and stage it (or apply it: accept-signed-updates)");
    auto file = std::make_shared<std::string>();
    imp->add_option("FILE", *file, "The bundle (\"-\": standard input)")->required();
    cli.on(imp, [&cli, file]() -> Status {
        auto bytes = read_file(*file);
        SEALGATE_TRY(bytes);
        auto ctx = cli.open();
        SEALGATE_TRY(ctx);
        auto done = (*ctx)->admin(cli_actor()).import_update(*bytes, std::time(nullptr));
        SEALGATE_TRY(done);
        print_change(done->change);
        if (done->applied)
            std::printf("Applied (%s accepts signed updates)\n", done->change.domain.c_str());
        else
            std::printf(
                "Staged as pending change %lld: `sealgate pending approve %lld` applies "
                "it\n",
                static_cast<long long>(done->pending_id), static_cast<long long>(done->pending_id));
        return ok();
    });
}

void add_pending(CLI::App& app, Cli& cli) {
    auto* pend =
        app.add_subcommand("pending", "Partners' updates and discovered keys waiting for approval");
    pend->require_subcommand(1);

    auto* lst = pend->add_subcommand("list",
                                     "One change per line: ID, state, domain, kind (sequence N "
                                     "or discovery), what it adds and retires");
    cli.on(lst, [&cli]() -> Status {
        auto ctx = cli.open();
        SEALGATE_TRY(ctx);
        auto all = (*ctx)->admin(cli_actor()).list_pending();
        SEALGATE_TRY(all);
        for (const auto& p : *all) {
            const std::string kind = p.kind == PendingKind::discovery
                                         ? std::string("discovery")
                                         : "sequence " + std::to_string(p.sequence);
            std::printf("%lld  %s  %s  %s  %s\n", static_cast<long long>(p.id),
                        std::string(to_string(p.state)).c_str(), p.domain.c_str(), kind.c_str(),
                        p.summary.c_str());
        }
        return ok();
    });

    auto* show = pend->add_subcommand("show", "What a staged change does");
    auto sid = std::make_shared<std::string>();
    show->add_option("ID", *sid)->required();
    cli.on(show, [&cli, sid]() -> Status {
        auto id = parse_id(*sid);
        SEALGATE_TRY(id);
        auto ctx = cli.open();
        SEALGATE_TRY(ctx);
        auto view = (*ctx)->admin(cli_actor()).pending(*id);
        SEALGATE_TRY(view);
        const PendingChange& r = view->record;
        std::printf("Pending change %lld: %s", static_cast<long long>(r.id),
                    std::string(to_string(r.state)).c_str());
        if (r.state != PendingState::pending)
            std::printf(" on %s by %s", format_time(r.decided).c_str(), r.decided_by.c_str());
        std::printf("\n");
        print_change(view->change);
        return ok();
    });

    for (const bool approve : {true, false}) {
        auto* cmd = pend->add_subcommand(
            approve ? "approve" : "reject",
            approve ? "Apply a staged change" : "Refuse a staged change (nothing changes)");
        auto id_text = std::make_shared<std::string>();
        cmd->add_option("ID", *id_text)->required();
        cli.on(cmd, [&cli, id_text, approve]() -> Status {
            auto id = parse_id(*id_text);
            SEALGATE_TRY(id);
            auto ctx = cli.open();
            SEALGATE_TRY(ctx);
            auto admin = (*ctx)->admin(cli_actor());
            if (!approve) {
                auto rejected = admin.reject_pending(*id, std::time(nullptr));
                SEALGATE_TRY(rejected);
                std::printf("rejected %lld\n", static_cast<long long>(*id));
                return ok();
            }
            auto change = admin.approve_pending(*id, std::time(nullptr));
            SEALGATE_TRY(change);
            print_change(*change);
            std::printf("approved %lld\n", static_cast<long long>(*id));
            return ok();
        });
    }
}

}  // namespace

void add_exchange_commands(CLI::App& app, Cli& cli) {
    add_exchange(app, cli);
    add_pending(app, cli);
}

}  // namespace sealgate::app
