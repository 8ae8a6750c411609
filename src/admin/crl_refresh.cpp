#include "admin/crl_refresh.hpp"

#include "core/time.hpp"
#include "fetch/http_get.hpp"

namespace sealgate::admin {

namespace {

// The options' mutex for one Service call, or nothing.
std::unique_lock<std::mutex> hold(const CrlRefreshOptions& options) {
    return options.service_mutex ? std::unique_lock<std::mutex>(*options.service_mutex)
                                 : std::unique_lock<std::mutex>();
}

}  // namespace

Result<std::vector<CrlRefreshOutcome>> refresh_crls(Service& service,
                                                    const CrlRefreshOptions& options,
                                                    std::time_t now) {
    auto sources = [&] {
        const auto lock = hold(options);
        return service.crl_sources(now);
    }();
    SEALGATE_TRY(sources);
    std::vector<CrlRefreshOutcome> out;
    for (const auto& source : *sources) {
        const bool wanted =
            options.force || (source.due && (!options.honour_retry || source.next_attempt <= now));
        if (!wanted)
            continue;
        CrlRefreshOutcome outcome{source.url, source.issuer, false, false, ""};
        auto body = options.get ? options.get(source.url) : fetch::http_get(source.url);
        auto lock = hold(options);
        Result<FetchedCrl> fetched =
            body ? service.store_fetched_crl(source.url, *body, now) : fail(body.error());
        if (fetched) {
            outcome.ok = true;
            outcome.stored = fetched->stored;
            outcome.detail =
                fetched->stored
                    ? "stored, updated " + format_time(fetched->crl.last_update) +
                          (fetched->crl.next_update != 0
                               ? ", next update " + format_time(fetched->crl.next_update)
                               : "")
                    : "not newer than the stored CRL";
            if (fetched->crl.stale)
                outcome.detail += " (STALE: past its next update)";
        } else {
            // A store failure ends the refresh: nothing could be recorded anyway.
            if (fetched.error().kind == ErrorKind::temporary && body)
                return fail(std::move(fetched.error()));
            outcome.detail = fetched.error().reason;
            SEALGATE_TRY(service.record_crl_fetch_failure(source.url, outcome.detail, now));
        }
        out.push_back(std::move(outcome));
    }
    return out;
}

}  // namespace sealgate::admin
