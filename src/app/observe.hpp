// app/observe.hpp — what `serve` tells a monitor: /metrics, /healthz and /readyz
// (docs/metrics.md), on [metrics] listen (app/metrics_listener.hpp) and on the admin listener.
//
// Contract:
//   - answer(path) is the whole HTTP answer for the three paths, nothing for any other: the
//     same on both listeners. Any thread; it never touches the store, the SMTP path or the io
//     loop, only what the gateway reported (below) and metrics::process().
//   - /healthz: 200 while the process serves HTTP at all.
//   - /readyz: 200 when every check passes, else 503; the body names each check and why it
//     failed ("next_hop: down: ..."). The checks:
//       store     the gateway's once-a-second poll of the store: up while the policy in use
//                 may be used ([store] max_stale, app/store_watch.hpp; an outage within it is
//                 up with a detail), and the poll happened within the last 5 s (so a stuck
//                 io loop is not ready either);
//       keys      the key access check (set_key_check; in-process keys: always up);
//       serving   down once set_stopping() was called (SIGTERM: transactions are finishing);
//       next_hop  probe_next_hop(): every 2 s a connect and the 220 greeting within 1.5 s, then
//                 QUIT; on the io loop, never on the SMTP path. Down within 4 s of the next hop
//                 going away, up again at the first probe that gets a greeting.
//       inbound_next_hop  the same for [smtp] inbound_next_hop, when it is set.
//   - policy_loaded() refreshes the certificate and OpenPGP key expiry gauges from a new policy
//     snapshot (an OpenPGP key's expiry is read once per fingerprint and remembered).
//   - sample() copies the SMTP listener's counts into the gauges every second.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <asio/awaitable.hpp>
#include <asio/io_context.hpp>

#include "core/result.hpp"
#include "net/server.hpp"
#include "policy/snapshot.hpp"

namespace sealgate::app {

class Observer {
  public:
    struct Answer {
        int status = 200;
        std::string content_type;
        std::string body;
    };
    struct Check {
        std::string name;
        bool ok = false;
        std::string detail;
    };

    // The three paths; nullopt for any other.
    std::optional<Answer> answer(std::string_view path) const;
    std::vector<Check> readiness() const;

    // The gateway's store poll (any thread): ok, and a detail (shown also when ok).
    void store_polled(bool ok, const std::string& why);
    // Is key access up: the key process's check once it exists (called on an HTTP thread: it
    // must be thread-safe and quick). Unset: the keys are in this process, always up.
    void set_key_check(std::function<Status()> check);
    // The daemon is stopping: not ready any more (any thread).
    void set_stopping();
    // Which next hops probe_next_hop() probes, each under its check's name ("next_hop",
    // "inbound_next_hop"): the gateway's, after every SIGHUP too. forget: no longer probed.
    void set_next_hop(const std::string& check, const std::string& host, std::uint16_t port);
    void forget_next_hop(const std::string& check);

    // Until `stop` says so; on the io loop.
    asio::awaitable<void> probe_next_hop(std::function<bool()> stop);
    asio::awaitable<void> sample(net::Server& server, std::function<bool()> stop);

    // A new policy snapshot (io loop).
    void policy_loaded(const policy::Snapshot& snapshot);

  private:
    struct Hop {
        std::string host;
        std::uint16_t port = 0;
        bool probed = false;
        bool ok = false;
        std::string why = "not probed yet";
    };

    mutable std::mutex mutex_;
    std::optional<std::chrono::steady_clock::time_point> store_at_;
    bool store_ok_ = false;
    std::string store_why_ = "not polled yet";
    std::function<Status()> key_check_;
    bool stopping_ = false;
    std::map<std::string, Hop> hops_;  // by check name
    // io loop only
    std::map<std::string, std::time_t> pgp_expiry_;  // fingerprint -> primary key expiry
};

}  // namespace sealgate::app
