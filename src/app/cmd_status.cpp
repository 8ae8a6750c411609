// `sealgate status`: the gateway at a glance (admin::Service::status): the counts, the warnings
// (a local domain without a signer, docs/signing.md), what expires within 30 days or has expired
// (own first), the latest refusals. Also the expiry table that
// `cert list --expiring` and `pgp list --expiring` print.
#include <algorithm>
#include <cstdio>

#include "app/cli.hpp"

namespace sealgate::app {

void print_expiring(const std::vector<admin::ExpiringItem>& items,
                    const std::vector<std::string>& kinds) {
    std::vector<const admin::ExpiringItem*> shown;
    for (const auto& i : items)
        if (kinds.empty() || std::find(kinds.begin(), kinds.end(), i.kind) != kinds.end())
            shown.push_back(&i);
    if (shown.empty()) {
        std::printf("nothing expires in that time\n");
        return;
    }
    // "own" before "partner" (the Service's order): our own end breaks the partners' mail to us.
    std::printf("%-7s  %-11s  %-64s  %-10s  %-17s  %s\n", "WHOSE", "KIND",
                "THUMBPRINT / FINGERPRINT", "EXPIRES", "STATE", "SUBJECT / USER ID");
    for (const auto* i : shown) {
        const std::string state = i->expiry.state == policy::Expiry::State::expired
                                      ? "EXPIRED"
                                      : "in " + std::to_string(i->expiry.days_left) + " day" +
                                            (i->expiry.days_left == 1 ? "" : "s");
        std::printf("%-7s  %-11s  %-64s  %-10s  %-17s  %s%s\n", i->own ? "own" : "partner",
                    i->kind.c_str(), i->id.c_str(), format_time(i->not_after).substr(0, 10).c_str(),
                    state.c_str(), i->name.c_str(),
                    i->parent.empty() ? "" : (" (subkey of " + i->parent + ")").c_str());
    }
}

Status list_expiring(Cli& cli, unsigned days, const std::vector<std::string>& kinds) {
    auto ctx = cli.open();
    SEALGATE_TRY(ctx);
    auto items = (*ctx)->admin(cli_actor()).expiring(std::time(nullptr), days);
    SEALGATE_TRY(items);
    print_expiring(*items, kinds);
    return ok();
}

namespace {

Status status(Cli& cli) {
    auto ctx = cli.open();
    SEALGATE_TRY(ctx);
    auto view = (*ctx)->admin(cli_actor()).status(std::time(nullptr));
    SEALGATE_TRY(view);
    std::printf("Domains:          %zu (%zu local)\n", view->domains, view->local_domains);
    std::printf("Certificates:     %zu (%zu own)\n", view->certificates, view->own_certificates);
    std::printf("OpenPGP keys:     %zu (%zu own)\n", view->pgp_keys, view->own_pgp_keys);
    std::printf("CTL entries:      %zu\nTrust roots:      %zu\nCRLs:             %zu\n",
                view->ctl_entries, view->roots, view->crls);
    for (const auto& w : view->warnings)
        std::printf("warning: %s\n", w.c_str());
    std::printf("\nExpiring within 30 days or expired (own first):\n");
    print_expiring(view->expiring);
    std::printf("\nRecent refusals:\n");
    if (view->recent_refusals.empty())
        std::printf("none\n");
    for (const auto& r : view->recent_refusals)
        std::printf("%s  %s  <%s> -> %s  %s\n", format_time(r.time).c_str(),
                    std::string(to_string(r.action)).c_str(), r.sender.c_str(),
                    join(r.recipients, ",").c_str(), r.detail.c_str());
    return ok();
}

}  // namespace

void add_status_command(CLI::App& app, Cli& cli) {
    auto* cmd = app.add_subcommand(
        "status", "The gateway at a glance: counts, what expires soon (own first), refusals");
    cli.on(cmd, [&cli] { return status(cli); });
}

}  // namespace sealgate::app
