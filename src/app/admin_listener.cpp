#include "app/admin_listener.hpp"

#include <cstdio>

#include "app/cli.hpp"
#include "app/host_port.hpp"

namespace sealgate::app {

namespace {

// Where a client on this host reaches a listener bound to `host`.
std::string connectable(const std::string& host) {
    if (host == "0.0.0.0" || host.empty())
        return "127.0.0.1";
    if (host == "::")
        return "::1";
    return host;
}

}  // namespace

Result<std::unique_ptr<web::Listener>> start_admin_listener(
    const Context& ctx, const Config& cfg, const std::string& listen, const std::string& smtp_host,
    std::uint16_t smtp_port, std::function<std::uint64_t()> policy_generation,
    const Observer* observer) {
    auto where = parse_host_port(listen, "admin listen");
    SEALGATE_TRY(where);
    auto hop = parse_host_port(cfg.next_hop, "next hop");
    SEALGATE_TRY(hop);
    web::ListenerConfig lc;
    lc.host = where->host;
    lc.port = where->port;
    lc.certificate_file = cfg.admin.certificate;
    lc.key_file = cfg.admin.key;
    const bool smtp_v6 = smtp_host.find(':') != std::string::npos;
    lc.smtp_listen =
        (smtp_v6 ? "[" + smtp_host + "]" : smtp_host) + ":" + std::to_string(smtp_port);
    lc.smtp_host = connectable(smtp_host);
    lc.smtp_port = smtp_port;
    lc.next_hop = cfg.next_hop;
    lc.next_hop_host = hop->host;
    lc.next_hop_port = hop->port;
    lc.hostname = cfg.hostname;
    lc.node = cfg.node();
    lc.policy_generation = std::move(policy_generation);
    lc.discover = discovery_lookup(cfg);
    if (observer != nullptr)
        lc.observe = [observer](const std::string& path) {
            std::optional<web::ListenerConfig::PlainAnswer> out;
            if (auto a = observer->answer(path))
                out = web::ListenerConfig::PlainAnswer{a->status, a->content_type, a->body};
            return out;
        };

    // A connection and a key store of its own: the listener's threads never share the
    // gateway's.
    auto store = ctx.open_store();
    SEALGATE_TRY(store);
    auto keys = ctx.open_keystore();
    SEALGATE_TRY(keys);
    auto listener = web::Listener::start(lc, std::move(*store), std::move(*keys));
    SEALGATE_TRY(listener);
    const bool v6 = lc.host.find(':') != std::string::npos;
    std::printf("sealgate: admin listener on https://%s:%u, certificate SHA-256 %s%s\n",
                (v6 ? "[" + lc.host + "]" : lc.host).c_str(),
                static_cast<unsigned>((*listener)->port()), (*listener)->fingerprint().c_str(),
                (*listener)->certificate_made() ? " (new, self-signed)" : "");
    std::fflush(stdout);
    return listener;
}

}  // namespace sealgate::app
