// The REST API's signed update exchange and pending changes (docs/api.md, "Update exchange"):
// export our domain's bundle, import a partner's, and decide the staged changes.
#include "web/api.hpp"
#include "web/body.hpp"
#include "web/views.hpp"

namespace sealgate::web {

namespace {

using nlohmann::json;

json item_json(const admin::ExchangeItem& i) {
    return {{"kind", i.kind},
            {"state", i.state},
            {"id", i.id},
            {"name", i.name},
            {"not_before", time_json(i.not_before)},
            {"not_after", i.not_after == 0 ? json(nullptr) : time_json(i.not_after)}};
}

json items_json(const std::vector<admin::ExchangeItem>& items) {
    json out = json::array();
    for (const auto& i : items)
        out.push_back(item_json(i));
    return out;
}

json change_json(const admin::UpdateChange& c) {
    return {{"domain", c.domain},
            {"sequence", c.sequence},
            {"created", time_json(c.created)},
            {"signer", c.signer},
            {"adds", items_json(c.adds)},
            {"retires", items_json(c.retires)},
            {"updates", items_json(c.updates)},
            {"warnings", c.warnings},
            {"kind", to_string(c.kind)},
            {"found", c.found.empty() ? json(nullptr) : json(c.found)}};
}

json pending_json(const PendingChange& p) {
    json found = nullptr;
    if (p.kind == PendingKind::discovery)
        found = {{"source", to_string(p.found.source)},
                 {"method", to_string(p.found.method)},
                 {"address", p.found.address},
                 {"where", p.found.where},
                 {"dnssec", p.found.dnssec},
                 {"id", p.found.id},
                 {"ttl", p.found.ttl},
                 {"usage", p.found.usage}};
    return {{"id", p.id},
            {"kind", to_string(p.kind)},
            {"found", std::move(found)},
            {"domain", p.domain},
            {"sequence", p.sequence},
            {"created", time_json(p.created)},
            {"signer", p.signer},
            {"summary", p.summary},
            {"state", to_string(p.state)},
            {"decided", p.decided == 0 ? json(nullptr) : time_json(p.decided)},
            {"decided_by", p.decided_by.empty() ? json(nullptr) : json(p.decided_by)}};
}

Answer<std::int64_t> id_param(std::string_view text) {
    if (text.empty() || text.size() > 18 ||
        text.find_first_not_of("0123456789") != std::string_view::npos)
        return bad_input("not the number of a pending change: " + std::string(text.substr(0, 40)));
    return static_cast<std::int64_t>(std::stoll(std::string(text)));
}

Answer<Reply> export_bundle(Call& c) {
    auto body =
        Fields::parse(c.request.get_header_value("Content-Type"), c.request.body, {"domain"});
    WEB_TRY(body);
    auto domain = body->string("domain");
    WEB_TRY(domain);
    WEB_TRY(domain_param(*domain));
    auto made = c.service().export_update(*domain, std::time(nullptr));
    WEB_TRY(made);
    json out = {{"domain", made->domain},
                {"sequence", made->sequence},
                {"bundle", made->bundle},
                {"entries", items_json(made->entries)},
                {"signers", made->signers}};
    return changed(std::move(out), made->warnings);
}

Answer<Reply> import_bundle(Call& c) {
    // The body is the bundle itself (a JSON document that admin/exchange reads strictly).
    if (media_type(c.request.get_header_value("Content-Type")) != "application/json")
        return refuse(415, "unsupported_media_type",
                      "send the bundle as the body (Content-Type: application/json)");
    if (c.request.body.empty())
        return bad_input("the body is empty");
    auto done = c.service().import_update(c.request.body, std::time(nullptr));
    WEB_TRY(done);
    json out = change_json(done->change);
    out["applied"] = done->applied;
    out["pending_id"] = done->applied ? json(nullptr) : json(done->pending_id);
    auto warnings = done->change.warnings;
    out.erase("warnings");
    return changed(std::move(out), warnings, done->applied ? 200 : 201);
}

Answer<Reply> list_pending(Call& c) {
    auto all = c.service().list_pending();
    WEB_TRY(all);
    json out = json::array();
    for (const auto& p : *all)
        out.push_back(pending_json(p));
    return Reply::json({{"pending", std::move(out)}});
}

Answer<Reply> show_pending(Call& c) {
    auto id = id_param(c.params[0]);
    WEB_TRY(id);
    auto view = c.service().pending(*id);
    WEB_TRY(view);
    json out = pending_json(view->record);
    out["change"] = change_json(view->change);
    return Reply::json(out);
}

Answer<Reply> approve_pending(Call& c) {
    auto id = id_param(c.params[0]);
    WEB_TRY(id);
    auto change = c.service().approve_pending(*id, std::time(nullptr));
    WEB_TRY(change);
    json out = change_json(*change);
    auto warnings = change->warnings;
    out.erase("warnings");
    out["id"] = *id;
    out["state"] = "approved";
    return changed(std::move(out), warnings);
}

Answer<Reply> reject_pending(Call& c) {
    auto id = id_param(c.params[0]);
    WEB_TRY(id);
    auto rejected = c.service().reject_pending(*id, std::time(nullptr));
    WEB_TRY(rejected);
    return changed(pending_json(*rejected), {});
}

}  // namespace

void add_exchange_routes(Routes& routes) {
    routes.push_back({"POST", "/api/v1/exchange/export", export_bundle, {}});
    routes.push_back({"POST", "/api/v1/exchange/import", import_bundle, {}});
    routes.push_back({"GET", "/api/v1/pending", list_pending, {}});
    routes.push_back({"GET", "/api/v1/pending/{}", show_pending, {}});
    routes.push_back({"POST", "/api/v1/pending/{}/approve", approve_pending, {}});
    routes.push_back({"POST", "/api/v1/pending/{}/reject", reject_pending, {}});
}

}  // namespace sealgate::web
