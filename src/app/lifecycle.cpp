#include "app/lifecycle.hpp"

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <cstdio>

#include "app/cli.hpp"
#include "core/hex.hpp"
#include "net/tls.hpp"

namespace sealgate::app {

namespace {

// One setting as the configuration file spells it, and whether two configurations differ in it.
struct Setting {
    const char* name;
    bool (*differs)(const Config&, const Config&);
    void (*keep)(Config& to, const Config& from);  // copies the setting
    bool restart;                                  // a running daemon cannot apply it
};

#define SEALGATE_SETTING(name, member, restart)                                      \
    Setting {                                                                        \
        name, [](const Config& a, const Config& b) { return a.member != b.member; }, \
            [](Config& to, const Config& from) { to.member = from.member; }, restart \
    }

// In the order of examples/sealgate.toml.
const Setting kSettings[] = {
    SEALGATE_SETTING("store.path", store_path, true),
    SEALGATE_SETTING("store.url", store_url, true),
    SEALGATE_SETTING("store.password_file", store_password_file, true),
    SEALGATE_SETTING("store.master_key", master_key_path, true),
    SEALGATE_SETTING("store.log_retention", log_retention, true),
    SEALGATE_SETTING("smtp.listen", listen, true),
    SEALGATE_SETTING("smtp.next_hop", next_hop, false),
    SEALGATE_SETTING("smtp.inbound_next_hop", inbound_next_hop, false),
    SEALGATE_SETTING("smtp.hostname", hostname, false),
    SEALGATE_SETTING("smtp.relay_networks", relay_networks, false),
    SEALGATE_SETTING("smtp.max_message_size", max_message_size, false),
    SEALGATE_SETTING("smtp.max_recipients", max_recipients, false),
    SEALGATE_SETTING("smtp.max_connections", max_connections, true),
    SEALGATE_SETTING("smtp.command_timeout", command_timeout_s, false),
    SEALGATE_SETTING("smtp.data_timeout", data_timeout_s, false),
    SEALGATE_SETTING("smtp.session_deadline", session_deadline_s, false),
    SEALGATE_SETTING("smtp.data_deadline", data_deadline_s, false),
    SEALGATE_SETTING("smtp.max_connections_per_ip", max_connections_per_ip, false),
    SEALGATE_SETTING("smtp.max_junk_commands", max_junk_commands, false),
    SEALGATE_SETTING("smtp.hopcount_limit", hopcount_limit, false),
    SEALGATE_SETTING("smtp.shutdown_timeout", shutdown_timeout_s, false),
    SEALGATE_SETTING("smtp.workers", workers, true),
    SEALGATE_SETTING("next_hop_tls.level", next_hop_tls.level, false),
    SEALGATE_SETTING("next_hop_tls.ca_file", next_hop_tls.ca_file, false),
    SEALGATE_SETTING("next_hop_tls.server_name", next_hop_tls.server_name, false),
    SEALGATE_SETTING("next_hop_tls.fingerprints", next_hop_tls.fingerprints, false),
    SEALGATE_SETTING("tls.certificate", tls.certificate, false),
    SEALGATE_SETTING("tls.private_key", tls.private_key, false),
    SEALGATE_SETTING("admin.listen", admin.listen, true),
    SEALGATE_SETTING("admin.certificate", admin.certificate, true),
    SEALGATE_SETTING("admin.key", admin.key, true),
    SEALGATE_SETTING("notify.admin", notify.admin, true),
    SEALGATE_SETTING("metrics.listen", metrics.listen, true),
    SEALGATE_SETTING("log.format", log_format, true),
    SEALGATE_SETTING("limits.max_header_bytes", max_header_bytes, true),
    SEALGATE_SETTING("limits.max_buffered_bytes", max_buffered_bytes, true),
    SEALGATE_SETTING("limits.log_queue", log_queue, true),
};

#undef SEALGATE_SETTING

}  // namespace

Result<net::ServerConfig> server_config(const Config& cfg, const std::string& host,
                                        std::uint16_t port) {
    auto networks = net::NetworkList::parse(cfg.relay_networks);
    SEALGATE_TRY(networks);
    net::ServerConfig server_cfg;
    server_cfg.host = host;
    server_cfg.port = port;
    server_cfg.max_connections = cfg.max_connections;
    server_cfg.command_timeout = std::chrono::seconds(cfg.command_timeout_s);
    server_cfg.data_timeout = std::chrono::seconds(cfg.data_timeout_s);
    server_cfg.session.hostname = cfg.hostname;
    server_cfg.session.limits.max_message_size = cfg.max_message_size;
    server_cfg.session.limits.max_recipients = cfg.max_recipients;
    server_cfg.session.limits.max_junk_commands = static_cast<unsigned>(cfg.max_junk_commands);
    server_cfg.max_connections_per_ip = cfg.max_connections_per_ip;
    server_cfg.session_deadline = std::chrono::seconds(cfg.session_deadline_s);
    server_cfg.data_deadline = std::chrono::seconds(cfg.data_deadline_s);
    server_cfg.shutdown_grace = std::chrono::seconds(cfg.shutdown_timeout_s);
    server_cfg.max_buffered_bytes = cfg.buffered_bytes_limit();
    server_cfg.permitted = std::move(*networks);
    if (!cfg.tls.certificate.empty()) {
        auto tls = net::make_server_tls(cfg.tls.certificate, cfg.tls.private_key);
        SEALGATE_TRY(tls);
        server_cfg.tls = std::move(*tls);
        server_cfg.session.tls_available = true;
    }
    return server_cfg;
}

std::vector<std::string> changed_settings(const Config& before, const Config& after) {
    std::vector<std::string> out;
    for (const auto& s : kSettings)
        if (s.differs(before, after))
            out.emplace_back(s.name);
    return out;
}

std::vector<std::string> restart_needed(const std::vector<std::string>& changed) {
    std::vector<std::string> out;
    for (const auto& name : changed)
        for (const auto& s : kSettings)
            if (s.restart && name == s.name)
                out.push_back(name);
    return out;
}

std::string certificate_sha256(asio::ssl::context& context) {
    X509* cert = SSL_CTX_get0_certificate(context.native_handle());
    if (cert == nullptr)
        return {};
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (X509_digest(cert, EVP_sha256(), md, &len) != 1)
        return {};
    return to_hex(std::string_view(reinterpret_cast<const char*>(md), len));
}

Reloader::Reloader(Config running, std::function<Result<Config>()> load,
                   std::function<Result<NextHops>(const Config&)> next_hops, Gateway& gateway,
                   net::Server& server, const Notifier& notifier)
    : running_(std::move(running)),
      load_(std::move(load)),
      next_hops_(std::move(next_hops)),
      gateway_(gateway),
      server_(server),
      notifier_(notifier) {
    if (!running_.tls.certificate.empty()) {
        if (auto tls = net::make_server_tls(running_.tls.certificate, running_.tls.private_key))
            certificate_sha256_ = certificate_sha256(**tls);
    }
}

void Reloader::reload() {
    notifier_.reloading("reloading the configuration");
    const auto refuse = [&](const std::string& why) {
        std::fprintf(stderr, "sealgate: reload: failed, the running configuration stays: %s\n",
                     why.c_str());
        notifier_.ready("reload failed, running the previous configuration: " + why);
    };
    auto next = load_();
    if (!next)
        return refuse(next.error().reason);
    // Everything is made before anything is applied: a half-applied configuration is none.
    auto hops = next_hops_(*next);
    if (!hops)
        return refuse(hops.error().reason);
    auto server_cfg = server_config(*next, "", 0);
    if (!server_cfg)
        return refuse(server_cfg.error().reason);

    const std::vector<std::string> changed = changed_settings(running_, *next);
    const std::vector<std::string> restart = restart_needed(changed);
    std::string certificate = "no STARTTLS certificate";
    const std::string sha256 = server_cfg->tls ? certificate_sha256(*server_cfg->tls) : "";
    if (!sha256.empty())
        certificate = "STARTTLS certificate sha256=" + sha256 +
                      (sha256 == certificate_sha256_ ? " (unchanged)" : " (new)");
    else if (!certificate_sha256_.empty())
        certificate = "STARTTLS no longer offered";

    gateway_.set_relay(std::move(hops->next), std::move(hops->inbound));
    gateway_.set_identity(next->hostname, next->hopcount_limit);
    server_.reconfigure(std::move(*server_cfg));
    certificate_sha256_ = sha256;
    // What needs a restart keeps its running value, so that the next reload reports it again.
    Config applied = *next;
    for (const auto& s : kSettings)
        if (s.restart)
            s.keep(applied, running_);
    running_ = std::move(applied);

    std::string line = "configuration re-read, next hop " + running_.next_hop;
    if (!running_.inbound_next_hop.empty())
        line += ", inbound next hop " + running_.inbound_next_hop;
    line += "; " + certificate + "; ";
    line += changed.empty() ? "no setting changed" : "changed: " + join(changed, ", ");
    if (!restart.empty())
        line += "; needs a restart to apply: " + join(restart, ", ");
    std::fprintf(stderr, "sealgate: reload: %s\n", line.c_str());
    notifier_.ready("reloaded: " +
                    (changed.empty() ? std::string("no setting changed") : join(changed, ", ")));
}

asio::awaitable<void> feed_watchdog(asio::io_context& io, const Notifier& notifier) {
    const auto interval = notifier.watchdog_interval();
    if (interval.count() <= 0)
        co_return;
    asio::steady_timer timer(io);
    for (;;) {
        notifier.watchdog();
        timer.expires_after(interval);
        co_await timer.async_wait(asio::use_awaitable);
    }
}

}  // namespace sealgate::app
