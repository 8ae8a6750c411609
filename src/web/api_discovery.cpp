// The REST API's key discovery (docs/api.md, "Key discovery"): look a partner domain's
// certificate and key up now and stage what was found, by the same run as `sealgate discover
// DOMAIN --stage` and the daemon's re-checks (admin/discover_stage.hpp).
#include <ctime>

#include "admin/discover_stage.hpp"
#include "web/api.hpp"
#include "web/views.hpp"

namespace sealgate::web {

namespace {

using nlohmann::json;

json finding_json(const admin::StagedFinding& s) {
    const discover::Finding& f = s.finding;
    json out = {{"source", to_string(f.source)},
                {"method", to_string(f.method)},
                {"address", f.address},
                {"where", f.where},
                {"dnssec", s.dnssec},
                {"reason", f.reason},
                {"ttl", f.ttl},
                {"id", f.id.empty() ? json(nullptr) : json(f.id)},
                {"subject", f.subject},
                {"usable", f.usable},
                {"problem", f.problem},
                {"outcome", admin::to_string(s.outcome)},
                {"pending_id", s.pending_id == 0 ? json(nullptr) : json(s.pending_id)},
                {"note", s.note}};
    if (f.source == KeySource::dane)
        out["smimea"] = {{"usage", f.usage}, {"selector", f.selector}, {"matching", f.matching}};
    out["not_before"] = f.not_before == 0 ? json(nullptr) : time_json(f.not_before);
    out["not_after"] = f.not_after == 0 ? json(nullptr) : time_json(f.not_after);
    return out;
}

Answer<Reply> discover_domain(Call& c) {
    auto name = domain_param(c.params[0]);
    WEB_TRY(name);
    if (!c.ctx.discover)
        return refuse(503, "unavailable", "key discovery is not available on this listener");
    auto address = query_value(c.request, "address");
    WEB_TRY(address);
    auto service = c.service();
    admin::DiscoverOptions options;
    options.address = address->value_or("");
    // Unlocked route: the lookup (DNS and WKD time limits) runs without ctx.mutex, each
    // Service call with it.
    options.service_mutex = &c.ctx.mutex;
    auto run =
        admin::discover_and_stage(service, c.ctx.discover, *name, options, std::time(nullptr));
    WEB_TRY(run);
    json findings = json::array();
    for (const auto& s : run->staging.findings)
        findings.push_back(finding_json(s));
    return Reply::json({{"domain", run->staging.domain},
                        {"address", run->address},
                        {"findings", std::move(findings)},
                        {"missing", run->staging.missing}});
}

}  // namespace

void add_discovery_routes(Routes& routes) {
    routes.push_back(
        {"POST", "/api/v1/domains/{}/discover", discover_domain, {"address"}, false, false});
}

}  // namespace sealgate::web
