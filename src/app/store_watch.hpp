// app/store_watch.hpp — how long the gateway may decide on the policy it has while the store
// cannot be read, and what it says about an outage ([store] max_stale, docs/cluster.md "When
// PostgreSQL is away").
//
// The gateway decides on a policy snapshot loaded from the store. While the store cannot be
// read (PostgreSQL stopped, a network cut, a query that fails), the snapshot it has is a
// consistent policy state, but an old one: an administrator's change made meanwhile on another
// node is not in it. It may be used for at most max_stale since the store was last read with
// success; past that every new recipient and message gets 451 4.3.0, never a decision on stale
// policy, until a read succeeds again.
//
// Contract (pure: the caller passes the clock, so that tests need no waiting):
//   - read_ok(now): the store was read and the snapshot in use is what it holds (a reload
//     succeeded, or a poll found the generation loaded). Starts the max_stale window afresh.
//   - read_failed(now, wall, why): a poll or a reload failed. The first failure of an outage
//     is reported once ("store unreachable since <UTC>: <why>; ..."); crossing max_stale is
//     reported once; the first read_ok after an outage is reported once ("store reachable
//     again after N s"). Nothing is reported per poll or per message.
//   - refusal(now): nullopt while the snapshot may be used; else the error every new recipient
//     and message is answered with (451 4.3.0, the public text says why).
//   - ready(now): /readyz's store check: ok within max_stale (with a detail during an outage),
//     down past it.
// One thread (the gateway's io loop).
#pragma once

#include <chrono>
#include <ctime>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace sealgate::app {

class StoreWatch {
  public:
    using Clock = std::chrono::steady_clock;
    using Report = std::function<void(const std::string&)>;

    StoreWatch(std::chrono::seconds max_stale, Report report);

    void read_ok(Clock::time_point now);
    void read_failed(Clock::time_point now, std::time_t wall, const std::string& reason);
    std::optional<Error> refusal(Clock::time_point now) const;

    struct Readiness {
        bool ok = true;
        std::string detail;
    };
    Readiness ready(Clock::time_point now) const;

    bool in_outage() const { return outage_since_.has_value(); }
    std::chrono::seconds max_stale() const { return max_stale_; }

  private:
    // Whole seconds since the last good read.
    long long stale_for(Clock::time_point now) const;

    std::chrono::seconds max_stale_;
    Report report_;
    std::optional<Clock::time_point> last_ok_;  // none: never read (start() reads first)
    std::optional<Clock::time_point> outage_since_;
    bool past_reported_ = false;
};

}  // namespace sealgate::app
