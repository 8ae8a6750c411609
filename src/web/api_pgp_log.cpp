// The REST API's OpenPGP keys, mail log, audit log, status and test message (docs/api.md).
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/use_awaitable.hpp>
#include <thread>

#include "net/probe.hpp"
#include "net/relay_client.hpp"
#include "openpgp/key.hpp"
#include "web/api.hpp"
#include "web/body.hpp"
#include "web/views.hpp"

namespace sealgate::web {

namespace {

using nlohmann::json;

constexpr std::size_t kFingerprintDigits = 40;
constexpr auto kProbeEvery = std::chrono::seconds(5);
constexpr auto kProbeTimeout = std::chrono::milliseconds(500);
constexpr auto kPolicyWait = std::chrono::seconds(10);

// --- OpenPGP keys ---

Answer<Reply> list_keys(Call& c) {
    auto keys = c.service().list_pgp_keys();
    WEB_TRY(keys);
    return Reply::json({{"keys", json_array(*keys, pgp_key_json)}});
}

Answer<Reply> import_keys(Call& c) {
    const std::string type = media_type(c.request.get_header_value("Content-Type"));
    if (type != "application/pgp-keys")
        return refuse(415, "unsupported_media_type",
                      "send the key with Content-Type: application/pgp-keys");
    if (c.request.body.empty())
        return bad_input("the body is empty");
    auto svc = c.service();
    auto imported = svc.import_pgp_keys(c.request.body);
    WEB_TRY(imported);
    if (imported->empty())
        return bad_input("the body holds no OpenPGP key");
    auto first = svc.pgp_key(imported->front().fingerprint);
    WEB_TRY(first);
    json out = pgp_key_json(*first);
    json list = json::array();
    std::vector<std::string> warnings;
    for (const auto& k : *imported) {
        list.push_back(imported_key_json(k));
        if (!k.warning.empty())
            warnings.push_back(k.fingerprint + ": " + k.warning);
    }
    out["imported"] = std::move(list);
    return changed(std::move(out), warnings, 201);
}

Answer<Reply> show_key(Call& c) {
    auto fpr = hex_param(c.params[0], kFingerprintDigits);
    WEB_TRY(fpr);
    auto key = c.service().pgp_key(*fpr);
    WEB_TRY(key);
    return Reply::json(pgp_key_json(*key));
}

Answer<Reply> key_armor(Call& c) {
    auto fpr = hex_param(c.params[0], kFingerprintDigits);
    WEB_TRY(fpr);
    auto armor = c.service().export_pgp_key(*fpr, false, openpgp::Encoding::armored);
    WEB_TRY(armor);
    return Reply::text(std::move(*armor), "application/pgp-keys");
}

Answer<Reply> change_key(Call& c) {
    auto fpr = hex_param(c.params[0], kFingerprintDigits);
    WEB_TRY(fpr);
    auto force = force_param(c.request);
    WEB_TRY(force);
    auto body = Fields::parse(c.request.get_header_value("Content-Type"), c.request.body,
                              {"trusted", "domains"});
    WEB_TRY(body);
    admin::PgpKeyChange change;
    auto trusted = body->optional_bool("trusted");
    WEB_TRY(trusted);
    change.trusted = *trusted;
    auto domains = body->optional_strings("domains");
    WEB_TRY(domains);
    if (*domains) {
        for (const auto& d : **domains)
            WEB_TRY(domain_param(d));
    }
    change.domains = *domains;
    if (!change.trusted && !change.domains)
        return bad_input("nothing to change: give trusted, domains or both");
    auto result = c.service().change_pgp_key(*fpr, change, *force);
    WEB_TRY(result);
    return changed(pgp_key_json(result->value), result->warnings);
}

Answer<Reply> remove_key(Call& c) {
    auto fpr = hex_param(c.params[0], kFingerprintDigits);
    WEB_TRY(fpr);
    auto removed = c.service().remove_pgp_key(*fpr);
    WEB_TRY(removed);
    return Reply::json(removed_json(*removed));
}

Answer<Reply> create_key(Call& c) {
    auto body = Fields::parse(c.request.get_header_value("Content-Type"), c.request.body,
                              {"uid", "algorithm", "expires"});
    WEB_TRY(body);
    auto uid = body->string("uid");
    WEB_TRY(uid);
    auto algorithm = body->optional_string("algorithm");
    WEB_TRY(algorithm);
    const auto alg = openpgp::parse_key_algorithm(algorithm->value_or("ed25519"));
    if (!alg)
        return bad_input("algorithm must be ed25519, rsa3072 or rsa4096");
    auto expires = body->optional_string("expires");
    WEB_TRY(expires);
    auto seconds = openpgp::parse_expiry(expires->value_or("2y"));
    WEB_TRY(seconds);
    auto key = c.service().create_pgp_key(*uid, *alg, *seconds);
    WEB_TRY(key);
    return changed(pgp_key_json(*key), {}, 201);
}

// --- mail log, audit ---

Answer<std::size_t> limit_param(const httplib::Request& request) {
    auto value = query_value(request, "limit");
    WEB_TRY(value);
    if (!*value)
        return std::size_t{50};
    const auto& v = **value;
    if (v.empty() || v.size() > 4 || v.find_first_not_of("0123456789") != std::string::npos ||
        std::stoul(v) < 1 || std::stoul(v) > 1000)
        return bad_input("limit must be a number from 1 to 1000");
    return static_cast<std::size_t>(std::stoul(v));
}

Answer<std::int64_t> id_value(std::string_view name, const std::string& v) {
    if (v.empty() || v.size() > 18 || v.find_first_not_of("0123456789") != std::string::npos)
        return bad_input(std::string(name) + " must be a record id (a positive number)");
    return static_cast<std::int64_t>(std::stoll(v));
}

Answer<std::int64_t> cursor_param(const httplib::Request& request) {
    auto value = query_value(request, "cursor");
    WEB_TRY(value);
    if (!*value)
        return std::int64_t{0};
    return id_value("cursor", **value);
}

json cursor_json(std::int64_t cursor) {
    return cursor == 0 ? json(nullptr) : json(cursor);
}

Answer<Reply> search_log(Call& c) {
    admin::LogSearch search;
    for (auto [name, field] :
         {std::pair{"sender", &search.sender}, std::pair{"recipient", &search.recipient},
          std::pair{"message_id", &search.message_id}, std::pair{"action", &search.action}}) {
        auto value = query_value(c.request, name);
        WEB_TRY(value);
        *field = value->value_or("");
    }
    static const char* const actions[] = {"encrypted-smime", "encrypted-pgp", "decrypted-smime",
                                          "decrypted-pgp",   "passed",        "refused",
                                          "deferred"};
    if (!search.action.empty() &&
        std::find(std::begin(actions), std::end(actions), search.action) == std::end(actions))
        return bad_input(
            "action must be one of encrypted-smime, encrypted-pgp, decrypted-smime, "
            "decrypted-pgp, passed, refused, deferred");
    auto since = query_value(c.request, "since");
    WEB_TRY(since);
    if (*since) {
        const auto t = parse_time(**since);
        if (!t)
            return bad_input("since must be a time like 2025-03-01T12:00:00Z, or Unix seconds");
        search.since = *t;
    }
    auto limit = limit_param(c.request);
    WEB_TRY(limit);
    search.limit = *limit;
    auto cursor = cursor_param(c.request);
    WEB_TRY(cursor);
    search.cursor = *cursor;
    auto page = c.service().search_log(search);
    WEB_TRY(page);
    return Reply::json({{"entries", json_array(page->entries, log_json)},
                        {"next_cursor", cursor_json(page->next_cursor)}});
}

Answer<Reply> log_entry(Call& c) {
    auto id = id_value("the mail log id", c.params[0]);
    WEB_TRY(id);
    // The newest entry below id + 1 is the entry itself, when it exists.
    admin::LogSearch search;
    search.limit = 1;
    search.cursor = *id + 1;
    auto page = c.service().search_log(search);
    WEB_TRY(page);
    if (page->entries.empty() || page->entries.front().id != *id)
        return refuse(404, "not_found", "no mail log entry " + c.params[0]);
    return Reply::json(log_json(page->entries.front()));
}

Answer<Reply> audit(Call& c) {
    admin::AuditSearch search;
    auto object = query_value(c.request, "object");
    WEB_TRY(object);
    search.object = object->value_or("");
    auto limit = limit_param(c.request);
    WEB_TRY(limit);
    search.limit = *limit;
    auto cursor = cursor_param(c.request);
    WEB_TRY(cursor);
    search.cursor = *cursor;
    auto page = c.service().audit(search);
    WEB_TRY(page);
    return Reply::json({{"entries", json_array(page->entries, audit_json)},
                        {"next_cursor", cursor_json(page->next_cursor)}});
}

// --- status, test message (outside the lock: they wait for the network) ---

bool next_hop_reachable(ApiContext& ctx) {
    const std::lock_guard lock(ctx.probe_mutex);
    const auto now = Clock::now();
    if (!ctx.probed_at || now - *ctx.probed_at > kProbeEvery) {
        ctx.reachable = net::tcp_reachable(ctx.addresses.next_hop_host, ctx.addresses.next_hop_port,
                                           kProbeTimeout);
        ctx.probed_at = Clock::now();
    }
    return ctx.reachable;
}

Answer<Reply> status(Call& c) {
    const bool reachable = next_hop_reachable(c.ctx);
    const std::lock_guard lock(c.ctx.mutex);
    auto view = c.service().status(std::time(nullptr));
    WEB_TRY(view);
    json out = status_json(*view);
    const Addresses& a = c.ctx.addresses;
    out["listeners"] = {{"smtp", a.smtp_listen}, {"admin", a.admin_listen}};
    out["next_hop"] = {{"address", a.next_hop}, {"reachable", reachable}};
    return Reply::json(out);
}

// One SMTP transaction to the gateway's own listener, as any client would send it.
std::optional<net::RelayResult> send_to_listener(const Addresses& a, const smtp::Envelope& env,
                                                 const std::string& message) {
    net::RelayConfig relay;
    relay.host = a.smtp_host;
    relay.port = a.smtp_port;
    relay.helo_name = a.hostname;
    relay.tls = TlsLevel::none;
    relay.connect_timeout = std::chrono::seconds(10);
    relay.command_timeout = std::chrono::seconds(60);
    relay.data_timeout = std::chrono::seconds(120);
    asio::io_context io;
    net::RelayClient client(io.get_executor(), relay);
    std::optional<net::RelayResult> result;
    // Parameters, not captures: the closure is gone before the coroutine first resumes.
    auto run = [](net::RelayClient& cl, const smtp::Envelope& e, const std::string& m,
                  std::optional<net::RelayResult>& out) -> asio::awaitable<void> {
        net::RelayResult r = co_await cl.send(e, m);
        out = std::move(r);
        co_await cl.close_idle();
    };
    asio::co_spawn(io, run(client, env, message, result), asio::detached);
    io.run();
    return result;
}

// A change made just before (the domain set to mandatory) reaches the SMTP path within a second
// (the gateway polls the store): the test message waits for it, so that it tries the settings
// the administrator sees.
Answer<bool> wait_for_policy(const Addresses& a, std::uint64_t generation) {
    if (!a.policy_generation)
        return true;
    const auto deadline = Clock::now() + kPolicyWait;
    while (a.policy_generation() < generation) {
        if (Clock::now() > deadline)
            return refuse(503, "temporary",
                          "the gateway has not loaded the latest settings yet (see its log): "
                          "try again");
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return true;
}

Answer<Reply> test_message(Call& c) {
    auto body =
        Fields::parse(c.request.get_header_value("Content-Type"), c.request.body, {"from", "to"});
    WEB_TRY(body);
    auto from = body->string("from");
    WEB_TRY(from);
    auto to = body->string("to");
    WEB_TRY(to);
    Result<admin::TestMessage> message = fail(Error::internal("not made"));
    Result<std::uint64_t> generation = fail(Error::internal("not read"));
    {
        const std::lock_guard lock(c.ctx.mutex);
        message = c.service().make_test_message(*from, *to, std::time(nullptr));
        generation = c.ctx.store.generation();
    }
    WEB_TRY(message);
    WEB_TRY(generation);
    WEB_TRY(wait_for_policy(c.ctx.addresses, *generation));
    smtp::Envelope env;
    env.sender = *from;
    env.recipients.push_back(smtp::Recipient{*to, std::nullopt, std::nullopt});
    const auto result = send_to_listener(c.ctx.addresses, env, message->text);
    if (!result)
        return refuse(503, "temporary", "the test message was not sent");
    const smtp::Reply& reply = result->reply;
    if (!result->accepted()) {
        const std::string why = "the gateway refused the test message: " + reply.summary();
        if (reply.permanent())
            return refuse(422, "refused", why);
        return refuse(503, "temporary", why);
    }
    return Reply::json({{"id", message->message_id}});
}

}  // namespace

void add_pgp_log_routes(Routes& routes) {
    const std::string k = "/api/v1/pgp/keys";
    routes.push_back({"GET", k, list_keys, {}});
    routes.push_back({"POST", k, import_keys, {}});
    routes.push_back({"GET", k + "/{}", show_key, {}});
    routes.push_back({"GET", k + "/{}/armor", key_armor, {}});
    routes.push_back({"PATCH", k + "/{}", change_key, {"force"}});
    routes.push_back({"DELETE", k + "/{}", remove_key, {}});
    routes.push_back({"POST", "/api/v1/pgp/own-keys", create_key, {}});

    routes.push_back({"GET",
                      "/api/v1/maillog",
                      search_log,
                      {"sender", "recipient", "message_id", "action", "since", "limit", "cursor"}});
    routes.push_back({"GET", "/api/v1/maillog/{}", log_entry, {}});
    routes.push_back({"GET", "/api/v1/audit", audit, {"object", "limit", "cursor"}});
    routes.push_back({"GET", "/api/v1/status", status, {}, false, false});
    routes.push_back({"POST", "/api/v1/test-message", test_message, {}, false, false});
}

}  // namespace sealgate::web
