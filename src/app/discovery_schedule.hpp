// app/discovery_schedule.hpp — `serve`'s key discovery re-checks (docs/discovery.md): a thread
// of its own (its own store connection and key store, never the SMTP path) that looks up each
// partner domain with discovery = review or auto-dane when its records' TTL has run out, and
// hands what it found to admin::discover_and_stage.
//
// When: at start, then at the smallest TTL of the records found, bounded to 5 minutes .. 1 day
// (1 hour when no answer carried a TTL). A lookup that failed (an error, or every source failed
// or was bogus) is tried again after 5 minutes, doubling up to 1 hour. The schedule is kept in
// memory: a restart looks every domain up once more.
//
// What it changes is only what discover_and_stage does: a new certificate or key is staged, or
// under auto-dane pinned in addition; nothing is ever removed. A record that disappeared or
// turned bogus is logged (stderr, the daemon's log) and changes nothing. Mandatory mail keeps
// using what is pinned, whatever a lookup says.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <ctime>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "admin/discover_stage.hpp"
#include "admin/service.hpp"
#include "core/result.hpp"
#include "keystore/keys.hpp"
#include "store/store.hpp"

namespace sealgate::app {

inline constexpr std::uint32_t kDiscoveryMinWait = 5 * 60;
inline constexpr std::uint32_t kDiscoveryMaxWait = 24 * 60 * 60;
inline constexpr std::uint32_t kDiscoveryNoTtlWait = 60 * 60;
inline constexpr std::uint32_t kDiscoveryMaxRetry = 60 * 60;

// When to look a domain up again after a lookup at `now`: `failures` counts the failed lookups
// in a row including this one (0: this one answered); min_ttl is the smallest TTL among the
// answers (0: none carried one).
std::time_t next_discovery(std::time_t now, unsigned failures, std::uint32_t min_ttl);

// Whether a lookup's findings count as a failure for the retry (every source failed or bogus),
// and their smallest non-zero TTL.
bool discovery_failed(const admin::DiscoveryStaging& staging, std::uint32_t& min_ttl);

class DiscoverySchedule {
  public:
    // The store and key store become the schedule's; `lookup` is discover::lookup with the
    // [discovery] options (tests give a synthetic one).
    static std::unique_ptr<DiscoverySchedule> start(std::unique_ptr<Store> store,
                                                    std::unique_ptr<keystore::Keys> keys,
                                                    admin::Actor actor,
                                                    admin::DiscoverLookup lookup);
    ~DiscoverySchedule();  // stops and joins (a lookup under way ends at its time limits)
    DiscoverySchedule(const DiscoverySchedule&) = delete;
    DiscoverySchedule& operator=(const DiscoverySchedule&) = delete;

    // Lookups finished since start (tests wait on it).
    std::uint64_t rounds() const;

  private:
    DiscoverySchedule(std::unique_ptr<Store> store, std::unique_ptr<keystore::Keys> keys,
                      admin::Actor actor, admin::DiscoverLookup lookup);
    void run();
    // One pass over the domains: looks up those due; returns the earliest next due time.
    std::time_t pass(admin::Service& service, std::time_t now);

    struct Due {
        std::time_t at = 0;
        unsigned failures = 0;
    };

    std::unique_ptr<Store> store_;
    std::unique_ptr<keystore::Keys> keys_;
    admin::Actor actor_;  // "daemon:discovery" on this node
    admin::DiscoverLookup lookup_;
    std::map<std::string, Due> due_;  // by domain; the thread's only
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::uint64_t rounds_ = 0;
    std::thread thread_;
};

}  // namespace sealgate::app
