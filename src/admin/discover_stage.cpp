// admin/discover_stage.cpp — one discovery for a partner domain: address, lookup, staging.
#include "admin/discover_stage.hpp"

#include <optional>

#include "address/address.hpp"

namespace sealgate::admin {

namespace {

// Held around a Service call when the caller shares the Service with others.
std::optional<std::unique_lock<std::mutex>> hold(const DiscoverOptions& options) {
    if (options.service_mutex == nullptr)
        return std::nullopt;
    return std::unique_lock(*options.service_mutex);
}

}  // namespace

Result<std::string> discovery_address_of(Service& service, std::string_view domain,
                                         std::string_view requested) {
    auto view = service.domain(domain);
    SEALGATE_TRY(view);
    if (!view->record || view->record->name != view->name)
        return fail(Error::not_found("no domain " + view->name +
                                     " (add it with `sealgate domain add` first)"));
    if (view->record->name.starts_with("*."))
        return fail(Error::bad_input("discovery looks up one domain, not " + view->name));
    if (view->record->local)
        return fail(Error::bad_input(view->name +
                                     " is one of our local domains: discovery is for partners"));
    if (requested.empty())
        return discovery_address(*view->record);
    auto box = address::parse_mailbox(requested, address::Charset::ascii);
    if (!box || box->literal || box->domain != view->name)
        return fail(Error::bad_input("--address: an address in " + view->name + ", not " +
                                     std::string(requested.substr(0, 80))));
    return box->local + "@" + box->domain;
}

Result<DiscoverRun> discover_and_stage(Service& service, const DiscoverLookup& lookup,
                                       std::string_view domain, const DiscoverOptions& options,
                                       std::time_t now) {
    DiscoverRun run;
    {
        const auto lock = hold(options);
        auto address = discovery_address_of(service, domain, options.address);
        SEALGATE_TRY(address);
        run.address = std::move(*address);
    }
    auto findings = lookup(run.address, now);  // the network: without the Service's mutex
    SEALGATE_TRY(findings);
    const auto lock = hold(options);
    auto staged = service.stage_discovered(domain, *findings, now);
    SEALGATE_TRY(staged);
    run.staging = std::move(*staged);
    return run;
}

}  // namespace sealgate::admin
