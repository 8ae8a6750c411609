// The REST API's CRL distribution points (docs/api.md, "CRL distribution points"): the sources
// the partner certificates name, and the refresh that fetches them (admin/crl_refresh.hpp, the
// same one as `sealgate crl refresh` and the daemon's schedule).
#include <ctime>

#include "admin/crl_refresh.hpp"
#include "web/api.hpp"
#include "web/views.hpp"

namespace sealgate::web {

namespace {

using nlohmann::json;

json source_json(const admin::CrlSource& s) {
    json last = nullptr;
    if (s.last_fetch) {
        last = {{"attempt", time_json(s.last_fetch->last_attempt)},
                {"success", time_json(s.last_fetch->last_success)},
                {"error", s.last_fetch->last_error}};
    }
    return {{"url", s.url},
            {"issuer", s.issuer},
            {"certificates", s.certificates},
            {"crl_stored", s.crl_stored},
            {"next_update", time_json(s.next_update)},
            {"stale", s.stale},
            {"last_fetch", last},
            {"due", s.due},
            {"due_at", time_json(s.due_at)}};
}

Answer<Reply> list_sources(Call& c) {
    auto sources = c.service().crl_sources(std::time(nullptr));
    WEB_TRY(sources);
    return Reply::json({{"sources", json_array(*sources, source_json)}});
}

Answer<Reply> refresh(Call& c) {
    auto force = force_param(c.request);
    WEB_TRY(force);
    auto service = c.service();
    admin::CrlRefreshOptions options;
    options.force = *force;
    // The route runs unlocked: the refresh takes ctx.mutex for each Service call only, not for
    // the fetches (up to 30 s a source), which would stop every other request meanwhile.
    options.service_mutex = &c.ctx.mutex;
    auto done = admin::refresh_crls(service, options, std::time(nullptr));
    WEB_TRY(done);
    json out = json::array();
    for (const auto& o : *done) {
        out.push_back({{"url", o.url},
                       {"issuer", o.issuer},
                       {"ok", o.ok},
                       {"stored", o.stored},
                       {"detail", o.detail}});
    }
    return Reply::json({{"refreshed", out}});
}

}  // namespace

void add_crl_routes(Routes& routes) {
    routes.push_back({"GET", "/api/v1/crl-sources", list_sources, {}});
    routes.push_back({"POST", "/api/v1/crls/refresh", refresh, {"force"}, false, false});
}

}  // namespace sealgate::web
