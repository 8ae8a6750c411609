// admin/crl_refresh.hpp — fetching the CRLs of the partner certificates' distribution points: the
// one refresh that `sealgate crl refresh`, the daemon's schedule (app/crl_schedule.hpp) and
// POST /api/v1/crls/refresh all run.
//
// The network is this function's, not the Service's: it asks the Service which sources there
// are (Service::crl_sources), fetches each with fetch/http_get.hpp (bounded in size, time and
// redirects) and hands what came back to Service::store_fetched_crl, which verifies and stores
// it, or records the failure (Service::record_crl_fetch_failure). One source failing does not
// stop the others; only a store error ends the refresh early.
//
// With CrlRefreshOptions::service_mutex (the admin listener's, which serialises its Service
// calls), the mutex is held around each Service call and released for each fetch, so that a slow
// source (a fetch may take up to its time limit) does not stop the admin UI and API meanwhile.
#pragma once

#include <ctime>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "admin/service.hpp"
#include "core/result.hpp"

namespace sealgate::admin {

struct CrlRefreshOptions {
    bool force = false;         // every source, due or not
    bool honour_retry = false;  // skip a due source whose last fetch failed within the hour
    // The GET; empty: fetch::http_get with its default limits (tests give their own).
    std::function<Result<std::string>(std::string_view url)> get;
    // Held around each Service call, not around the fetches; null: the caller holds what it must.
    std::mutex* service_mutex = nullptr;
};

struct CrlRefreshOutcome {
    std::string url;
    std::string issuer;
    bool ok = false;      // fetched and verified (stored or not newer)
    bool stored = false;  // a newer CRL was stored
    std::string detail;   // "stored, updated ...", "not newer than the stored CRL", or the error
};

// The sources fetched, by url (those not due are left out).
Result<std::vector<CrlRefreshOutcome>> refresh_crls(Service& service,
                                                    const CrlRefreshOptions& options,
                                                    std::time_t now);

}  // namespace sealgate::admin
