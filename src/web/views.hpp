// web/views.hpp — the JSON objects of the REST API (docs/api.md), made from the admin service's
// typed results. Formatting only: every judgement (usable, reason, expiry) is the service's.
#pragma once

#include <ctime>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "admin/service.hpp"
#include "model/records.hpp"

namespace sealgate::web {

// "2025-03-01T12:00:00Z"; null for 0 (no such time).
// The JSON array of `items`, each made by `to_json` (one of the *_json functions here).
template <class Items, class ToJson>
nlohmann::json json_array(const Items& items, ToJson to_json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& item : items)
        out.push_back(to_json(item));
    return out;
}

nlohmann::json time_json(std::time_t t);
// Parses what time_json writes, or a plain number of Unix seconds; nullopt otherwise.
std::optional<std::time_t> parse_time(std::string_view text);

nlohmann::json domain_json(const DomainRecord& d, const std::vector<std::string>& pgp_keys);
nlohmann::json domain_view_json(const admin::DomainView& v,
                                const std::vector<std::string>& pgp_keys);
nlohmann::json certificate_json(const admin::CertificateView& v);
nlohmann::json ctl_json(const CtlEntry& e);
nlohmann::json root_json(const admin::RootView& r);
nlohmann::json crl_json(const admin::CrlView& c);
nlohmann::json pgp_key_json(const admin::PgpKeyView& k);
nlohmann::json imported_key_json(const admin::ImportedPgpKey& k);
nlohmann::json log_json(const LogRecord& r);
nlohmann::json audit_json(const AuditRecord& r);
nlohmann::json status_json(const admin::StatusView& s);
nlohmann::json account_json(const AdminAccount& a);
nlohmann::json token_json(const ApiToken& t);

// The fingerprints of the keys bound to each domain, from the list of keys.
std::map<std::string, std::vector<std::string>> keys_by_domain(
    const std::vector<admin::PgpKeyView>& keys);

// {"removed": id}
nlohmann::json removed_json(const std::string& id);

}  // namespace sealgate::web
