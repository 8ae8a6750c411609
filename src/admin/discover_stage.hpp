// admin/discover_stage.hpp — one key discovery for a partner domain, staged: the run that
// `sealgate discover DOMAIN --stage`, POST /api/v1/domains/{name}/discover and the daemon's
// re-checks (app/discovery_schedule.hpp) share.
//
// Like admin/crl_refresh.hpp, the network is this function's, not the Service's: it asks the
// Service for the domain's address (its discovery-address, or domain-cert@DOMAIN), runs the
// lookup (discover::lookup in the product, a synthetic one in tests) and hands what it found to
// Service::stage_discovered. With service_mutex (the admin listener's), the mutex is held around
// each Service call and released for the lookup, which may take its time limits.
//
// A lookup that fails as a whole (a bad address or options) is an error and stages nothing;
// what the network answered, failures included, is in the findings. A lookup failure never
// changes a decision: nothing is removed, whatever the lookup says.
#pragma once

#include <ctime>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "admin/service.hpp"
#include "core/result.hpp"
#include "discover/discover.hpp"

namespace sealgate::admin {

using DiscoverLookup = std::function<Result<std::vector<discover::Finding>>(
    std::string_view address, std::time_t now)>;

struct DiscoverOptions {
    std::string address;  // empty: the domain's (its discovery-address or domain-cert@DOMAIN)
    std::mutex* service_mutex = nullptr;
};

struct DiscoverRun {
    std::string address;  // the mailbox looked up
    DiscoveryStaging staging;
};

Result<DiscoverRun> discover_and_stage(Service& service, const DiscoverLookup& lookup,
                                       std::string_view domain, const DiscoverOptions& options,
                                       std::time_t now);

// The address to look up for `domain` (a partner domain record): `requested` when given (it
// must be in the domain), else the domain's.
Result<std::string> discovery_address_of(Service& service, std::string_view domain,
                                         std::string_view requested);

}  // namespace sealgate::admin
