// `sealgate log`, `sealgate audit`: what the gateway did with each copy of a message, and what
// the administrators changed. Both print the newest records, oldest first, one line each (or
// one JSON object per line), each naming the gateway node that wrote it ([node] name; "-" for a
// record from before schema 7); admin::Service reads them in pages.
#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "app/cli.hpp"

namespace sealgate::app {

namespace {

constexpr std::size_t kPage = 1000;  // the most admin::Service returns at once

// The newest `last` entries that `fetch` finds for `search`, oldest first: as many pages as
// that takes.
template <class Search, class Fetch>
auto newest(Search search, std::size_t last, Fetch fetch)
    -> Result<decltype(fetch(search)->entries)> {
    decltype(fetch(search)->entries) out;
    while (out.size() < last) {
        search.limit = std::min(last - out.size(), kPage);
        auto page = fetch(search);
        SEALGATE_TRY(page);
        out.insert(out.end(), page->entries.begin(), page->entries.end());
        if (page->next_cursor == 0)
            break;
        search.cursor = page->next_cursor;
    }
    std::reverse(out.begin(), out.end());
    return out;
}

void print_log_json(const LogRecord& r) {
    nlohmann::json j = {{"time", r.time},
                        {"queue_id", r.queue_id},
                        {"message_id", r.message_id},
                        {"sender", r.sender},
                        {"recipients", r.recipients},
                        {"direction", std::string(to_string(r.direction))},
                        {"action", std::string(to_string(r.action))},
                        {"method", r.method},
                        {"keys", r.keys},
                        {"algorithm", r.algorithm},
                        {"detail", r.detail},
                        {"signature", r.signature},
                        {"node", r.node},
                        {"tls",
                         {{"level", r.tls_level},
                          {"protocol", r.tls_protocol},
                          {"cipher", r.tls_cipher},
                          {"peer_sha256", r.tls_peer},
                          {"verified", r.tls_verified}}}};
    std::printf("%s\n", j.dump().c_str());
}

// The node that wrote a record; "-" for one from before schema 7, which named none.
std::string node_shown(const std::string& node) {
    return node.empty() ? "-" : node;
}

void print_log_line(const LogRecord& r) {
    // How the copy went to the next hop; nothing for a record of a refusal before relaying.
    std::string tls;
    if (!r.tls_level.empty())
        tls = " tls=" +
              (r.tls_protocol.empty() ? std::string("none")
                                      : r.tls_protocol + " " + r.tls_cipher +
                                            " peer=" + (r.tls_peer.empty() ? "-" : r.tls_peer) +
                                            (r.tls_verified ? " verified" : " unverified")) +
              " (required " + r.tls_level + ")";
    // The signature of the copy (docs/signing.md) in brackets: its text has spaces, quotes and
    // semicolons of its own; nothing for a copy where signing had no say.
    const std::string signature = r.signature.empty() ? "" : " [signature: " + r.signature + "]";
    std::printf("%s %s %s %s <%s> -> %s: %s %s%s%s%s%s%s (%s)\n", format_timestamp(r.time).c_str(),
                node_shown(r.node).c_str(), r.queue_id.empty() ? "-" : r.queue_id.c_str(),
                std::string(to_string(r.direction)).c_str(), r.sender.c_str(),
                join(r.recipients, ",").c_str(), std::string(to_string(r.action)).c_str(),
                r.method.c_str(), r.keys.empty() ? "" : (" " + r.keys).c_str(),
                r.algorithm.empty() ? "" : (" " + r.algorithm).c_str(),
                r.message_id.empty() ? "" : (" msgid=<" + r.message_id + ">").c_str(), tls.c_str(),
                signature.c_str(), r.detail.c_str());
}

Status show_log(Cli& cli, std::size_t last, const std::string& message_id, bool json) {
    auto ctx = cli.open();
    SEALGATE_TRY(ctx);
    auto service = (*ctx)->admin(cli_actor());
    admin::LogSearch search;
    search.message_id = message_id;
    auto records =
        newest(search, last, [&](const admin::LogSearch& s) { return service.search_log(s); });
    SEALGATE_TRY(records);
    for (const auto& r : *records) {
        if (json)
            print_log_json(r);
        else
            print_log_line(r);
    }
    return ok();
}

// "<timestamp> <node> <actor> <action> <object>: <change>"
Status show_audit(Cli& cli, std::size_t last, const std::string& object, bool json) {
    auto ctx = cli.open();
    SEALGATE_TRY(ctx);
    auto service = (*ctx)->admin(cli_actor());
    admin::AuditSearch search;
    search.object = object;
    auto records =
        newest(search, last, [&](const admin::AuditSearch& s) { return service.audit(s); });
    SEALGATE_TRY(records);
    for (const auto& r : *records) {
        if (json) {
            const nlohmann::json j = {{"id", r.id},         {"time", r.time},
                                      {"actor", r.actor},   {"action", r.action},
                                      {"object", r.object}, {"change", r.change},
                                      {"node", r.node}};
            std::printf("%s\n", j.dump().c_str());
        } else {
            std::printf("%s %s %s %s %s: %s\n", format_timestamp(r.time).c_str(),
                        node_shown(r.node).c_str(), r.actor.c_str(), r.action.c_str(),
                        r.object.c_str(), r.change.c_str());
        }
    }
    return ok();
}

}  // namespace

void add_log_commands(CLI::App& app, Cli& cli) {
    auto* log = app.add_subcommand("log", "Show the mail log: what was done to each copy");
    auto last = std::make_shared<std::size_t>(50);
    auto msgid = std::make_shared<std::string>();
    auto json = std::make_shared<bool>(false);
    log->add_option("--last", *last, "Number of records (default 50)");
    log->add_option("--message-id", *msgid, "Only this Message-ID (without <>)");
    log->add_flag("--json", *json, "One JSON object per line");
    cli.on(log, [&cli, last, msgid, json] { return show_log(cli, *last, *msgid, *json); });

    auto* audit = app.add_subcommand("audit", "Show the audit log: who changed what, and when");
    auto alast = std::make_shared<std::size_t>(50);
    auto object = std::make_shared<std::string>();
    auto ajson = std::make_shared<bool>(false);
    audit->add_option("--last", *alast, "Number of records (default 50)");
    audit->add_option("--object", *object,
                      "Only changes of this domain, thumbprint or fingerprint (in full)");
    audit->add_flag("--json", *ajson, "One JSON object per line");
    cli.on(audit,
           [&cli, alast, object, ajson] { return show_audit(cli, *alast, *object, *ajson); });
}

}  // namespace sealgate::app
