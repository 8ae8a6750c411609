// `sealgate discover DOMAIN [--address LOCAL@DOMAIN] [--json] [--stage]`: what the partner
// domain publishes (discover/discover.hpp), printed per finding; it changes nothing, unless
// --stage: then what was found goes to admin::discover_and_stage (pending changes, or pins under
// auto-dane; docs/discovery.md) and each finding says what became of it. The options come from
// the config file's [discovery] section.
#include <cstdio>

#include <nlohmann/json.hpp>

#include "admin/discover_stage.hpp"
#include "app/cli.hpp"
#include "core/hex.hpp"
#include "core/text.hpp"
#include "discover/discover.hpp"

namespace sealgate::app {

namespace {

// The address looked up when none is given (docs/discovery.md, the admin guide's form).
std::string default_address(const std::string& domain) {
    return "domain-cert@" + domain;
}

std::string dnssec_text(const discover::Finding& f) {
    std::string s(discover::to_string(f.dnssec));
    if (!f.reason.empty())
        s += " (" + f.reason + ")";
    return s;
}

std::string validity(const discover::Finding& f) {
    if (f.not_before == 0 && f.not_after == 0)
        return "";
    const std::string from = f.not_before ? format_time(f.not_before) : "?";
    if (f.method == Method::pgp)
        return "created " + from + ", " +
               (f.not_after ? "expires " + format_time(f.not_after) : "no expiry");
    return from + " to " + format_time(f.not_after);
}

// What --stage made of a finding: "staged as pending change 7 (`sealgate pending approve 7`)".
std::string outcome_text(const admin::StagedFinding& s) {
    std::string text(admin::to_string(s.outcome));
    if (s.outcome == admin::StageOutcome::staged)
        text += " as pending change " + std::to_string(s.pending_id) +
                " (`sealgate pending approve " + std::to_string(s.pending_id) + "`)";
    else if (s.outcome == admin::StageOutcome::already_pending && s.pending_id != 0)
        text += " as change " + std::to_string(s.pending_id);
    if (!s.note.empty() && s.outcome != admin::StageOutcome::no_key &&
        s.outcome != admin::StageOutcome::unusable)
        text += ": " + s.note;
    return text;
}

void print_text(const std::vector<discover::Finding>& findings,
                const std::vector<admin::StagedFinding>* staged = nullptr) {
    for (std::size_t i = 0; i < findings.size(); ++i) {
        const auto& f = findings[i];
        const auto outcome = [&] {
            if (staged != nullptr)
                std::printf("  outcome:     %s\n", outcome_text((*staged)[i]).c_str());
        };
        const std::string source(to_string(f.source));
        std::printf("%s: %s\n", source.c_str(), f.where.c_str());
        std::printf("  dnssec:      %s\n", f.source == KeySource::wkd && f.reason.empty()
                                               ? "- (https)"
                                               : dnssec_text(f).c_str());
        if (f.id.empty() && f.data.empty() && f.problem.empty()) {
            outcome();
            continue;
        }
        if (f.source == KeySource::dane)
            std::printf("  smimea:      usage %u selector %u matching %u\n", f.usage, f.selector,
                        f.matching);
        if (!f.id.empty())
            std::printf("  %s %s\n", f.method == Method::smime ? "sha256:     " : "fingerprint:",
                        hex_groups(f.id).c_str());
        if (!f.subject.empty())
            std::printf("  %s %s\n", f.method == Method::smime ? "subject:    " : "user ids:   ",
                        f.subject.c_str());
        if (const auto v = validity(f); !v.empty())
            std::printf("  validity:    %s\n", v.c_str());
        if (f.ttl)
            std::printf("  ttl:         %u s\n", f.ttl);
        std::printf("  usable:      %s\n", f.usable ? "yes" : ("no: " + f.problem).c_str());
        outcome();
    }
}

void print_json(const std::vector<discover::Finding>& findings,
                const std::vector<admin::StagedFinding>* staged = nullptr) {
    for (std::size_t i = 0; i < findings.size(); ++i) {
        const auto& f = findings[i];
        nlohmann::json j = {
            {"source", to_string(f.source)},
            {"method", f.method == Method::smime ? "smime" : "pgp"},
            {"address", f.address},
            {"where", f.where},
            {"dnssec",
             f.dnssec == discover::Dnssec::not_dns ? "none" : discover::to_string(f.dnssec)},
            {"reason", f.reason},
            {"ttl", f.ttl},
            {"id", f.id},
            {"subject", f.subject},
            {"not_before", f.not_before},
            {"not_after", f.not_after},
            {"usable", f.usable},
            {"problem", f.problem},
        };
        if (f.source == KeySource::dane) {
            j["usage"] = f.usage;
            j["selector"] = f.selector;
            j["matching"] = f.matching;
        }
        if (staged != nullptr) {
            j["outcome"] = admin::to_string((*staged)[i].outcome);
            j["pending_id"] = (*staged)[i].pending_id;
            j["note"] = (*staged)[i].note;
        }
        std::printf("%s\n",
                    j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    }
}

}  // namespace

discover::Options discovery_options(const Config& config) {
    discover::Options o;
    const auto& d = config.discovery;
    o.resolver = d.resolver;
    o.trust_anchor = d.trust_anchor;
    o.wkd = d.wkd;
    o.dns_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(d.timeout);
    o.wkd_timeout = 2 * o.dns_timeout;
    o.wkd_ca_file = d.wkd_ca_file;
    o.wkd_connect_to = d.wkd_connect_to;
    return o;
}

admin::DiscoverLookup discovery_lookup(const Config& config) {
    return [options = discovery_options(config)](std::string_view address, std::time_t now) {
        return discover::lookup(address, options, now);
    };
}

namespace {

// --stage: the same run as the daemon's re-checks and the REST API's, on the store.
Status discover_and_stage(Cli& cli, const Config& config, const std::string& domain,
                          const std::string& address, bool json) {
    auto ctx = cli.open();
    SEALGATE_TRY(ctx);
    auto service = (*ctx)->admin(cli_actor());
    admin::DiscoverOptions options;
    options.address = address;
    auto run = admin::discover_and_stage(service, discovery_lookup(config), domain, options,
                                         std::time(nullptr));
    SEALGATE_TRY(run);
    std::vector<discover::Finding> findings;
    for (const auto& s : run->staging.findings)
        findings.push_back(s.finding);
    if (json) {
        print_json(findings, &run->staging.findings);
        return ok();
    }
    print_text(findings, &run->staging.findings);
    for (const auto& m : run->staging.missing)
        std::printf("note: pinned %s was not found again (kept)\n", m.c_str());
    return ok();
}

}  // namespace

void add_discover_command(CLI::App& app, Cli& cli) {
    auto* cmd = app.add_subcommand(
        "discover",
        "Look up a partner domain's certificate and OpenPGP key in DNS (SMIMEA, OPENPGPKEY, "
        "DNSSEC-validated) and WKD; prints what it found, changes nothing");
    auto domain = std::make_shared<std::string>();
    auto address = std::make_shared<std::string>();
    auto json = std::make_shared<bool>(false);
    cmd->add_option("domain", *domain, "The partner domain")->required();
    cmd->add_option("--address", *address, "The mailbox to look up (default: domain-cert@DOMAIN)");
    cmd->add_flag("--json", *json, "One JSON object per finding and line");
    auto stage = std::make_shared<bool>(false);
    cmd->add_flag("--stage", *stage,
                  "Stage what is new as pending changes (`sealgate pending`); under the "
                  "domain's discovery auto-dane, pin a DNSSEC-secure SMIMEA usage 3 or "
                  "OPENPGPKEY record at once. The domain's discovery-address is the default");
    cli.on(cmd, [&cli, domain, address, json, stage]() -> Status {
        auto config = resolve_config(cli.global);
        SEALGATE_TRY(config);
        if (*stage)
            return discover_and_stage(cli, *config, *domain, *address, *json);
        std::string mailbox = address->empty() ? default_address(*domain) : *address;
        const auto at = mailbox.rfind('@');
        if (at == std::string::npos || ascii_lower(mailbox.substr(at + 1)) != ascii_lower(*domain))
            return fail(Error::usage("--address " + mailbox + " is not in " + *domain));
        auto findings = discover::lookup(mailbox, discovery_options(*config), std::time(nullptr));
        SEALGATE_TRY(findings);
        if (*json)
            print_json(*findings);
        else
            print_text(*findings);
        return ok();
    });
}

}  // namespace sealgate::app
