// app/lifecycle.hpp — what `serve` does on the service manager's signals (docs/service.md):
// SIGHUP re-reads the configuration and the TLS certificates, SIGTERM and SIGINT stop
// gracefully, and the watchdog is fed from the io loop.
//
// Contract:
//   - server_config() is the listener's configuration made from a Config: the same function at
//     start and at every reload, so a reload cannot apply a setting differently. It reads the
//     STARTTLS certificate and key from their files (an error when they do not load).
//   - changed_settings() names, in the configuration file's spelling ("smtp.next_hop"), each
//     setting whose value differs; restart_needed() those a running daemon cannot apply (the
//     listen address, the store, the thread count, the budgets, the admin listener's address).
//   - Reloader::reload() (SIGHUP, on the io_context's thread): the configuration file is read
//     again; when it does not load, or a next hop or the STARTTLS certificate in it does not
//     work, nothing changes and the log line says why. Otherwise the next hops (with their TLS
//     settings and CA file read again), the hostname, the hop count limit, and the listener's
//     settings and STARTTLS certificate apply from the next transaction and the next
//     connection; sessions and copies in progress finish as they started. One log line
//     "sealgate: reload: ..." says what changed (the STARTTLS certificate by its SHA-256) and
//     what needs a restart. With a service manager: RELOADING=1 before, READY=1 after.
//     With an admin listener (watch_admin_listener), its certificate and key are read again too
//     (the [admin] files, or the stored self-signed one, renewed when due) and serve the
//     connections accepted after the reload; when they do not load, nothing changes.
//   - feed_watchdog() sends WATCHDOG=1 at the notifier's interval for as long as the io loop
//     runs: a loop that is stuck is what the watchdog is for.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <asio/awaitable.hpp>
#include <asio/io_context.hpp>
#include <asio/ssl/context.hpp>

#include "app/config.hpp"
#include "app/gateway.hpp"
#include "app/sd_notify.hpp"
#include "net/relay_client.hpp"
#include "net/server.hpp"
#include "web/listener.hpp"

namespace sealgate::app {

Result<net::ServerConfig> server_config(const Config& cfg, const std::string& host,
                                        std::uint16_t port);

std::vector<std::string> changed_settings(const Config& before, const Config& after);
std::vector<std::string> restart_needed(const std::vector<std::string>& changed);

// The next hops a configuration names: `next` for every copy, `inbound` for the copies to local
// domains when [smtp] inbound_next_hop is set.
struct NextHops {
    net::RelayConfig next;
    std::optional<net::RelayConfig> inbound;
};

class Reloader {
  public:
    // load: the configuration as the command line makes it (file, then flags); next_hops: the
    // relays of a configuration, checked (not this gateway's own listener).
    Reloader(Config running, std::function<Result<Config>()> load,
             std::function<Result<NextHops>(const Config&)> next_hops, Gateway& gateway,
             net::Server& server, const Notifier& notifier);
    // The admin listener whose certificate a reload replaces (it must outlive the Reloader).
    void watch_admin_listener(web::Listener& listener);
    void reload();
    const Config& running() const { return running_; }

  private:
    Config running_;
    std::function<Result<Config>()> load_;
    std::function<Result<NextHops>(const Config&)> next_hops_;
    Gateway& gateway_;
    net::Server& server_;
    const Notifier& notifier_;
    std::string certificate_sha256_;  // of the STARTTLS certificate in use, empty without
    web::Listener* admin_ = nullptr;
    std::string admin_fingerprint_;  // of the admin listener's certificate in use
};

// SHA-256 (hex, lower case) of the certificate a server TLS context presents; empty: none.
std::string certificate_sha256(asio::ssl::context& context);

asio::awaitable<void> feed_watchdog(asio::io_context& io, const Notifier& notifier);

}  // namespace sealgate::app
