#include "web/views.hpp"

#include <charconv>

namespace sealgate::web {

namespace {

using nlohmann::json;

std::string_view ctl_text(crypto::CtlStatus s) {
    switch (s) {
        case crypto::CtlStatus::trusted:
            return "trusted";
        case crypto::CtlStatus::blocked:
            return "blocked";
        case crypto::CtlStatus::none:
            break;
    }
    return "none";
}

json expiry_json(const policy::Expiry& e) {
    std::string_view state = "valid";
    if (e.state == policy::Expiry::State::expiring)
        state = "expiring";
    else if (e.state == policy::Expiry::State::expired)
        state = "expired";
    return {{"state", state}, {"days_left", e.days_left}};
}

json methods_json(const std::vector<Method>& methods) {
    json out = json::array();
    for (const auto m : methods)
        out.push_back(to_string(m));
    return out;
}

std::string key_text(const openpgp::KeyPart& k) {
    std::string text = k.algorithm;
    if (!k.curve.empty())
        text += " " + k.curve;
    else if (k.bits != 0)
        text += " " + std::to_string(k.bits);
    return text;
}

}  // namespace

json time_json(std::time_t t) {
    if (t == 0)
        return nullptr;
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return std::string(buf);
}

std::optional<std::time_t> parse_time(std::string_view text) {
    long long seconds = 0;
    const char* end = text.data() + text.size();
    if (!text.empty()) {
        auto [p, ec] = std::from_chars(text.data(), end, seconds);
        if (ec == std::errc() && p == end && seconds >= 0)
            return static_cast<std::time_t>(seconds);
    }
    std::tm tm{};
    const std::string copy(text);
    const char* rest = strptime(copy.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (rest == nullptr || *rest != '\0')
        return std::nullopt;
    return timegm(&tm);
}

json origin_json(const KeyOrigin& o) {
    if (o.source == KeySource::manual || o.source == KeySource::exchange)
        return {{"source", to_string(o.source)}};
    return {{"source", to_string(o.source)},
            {"where", o.where},
            {"found", time_json(o.found)},
            {"ttl", o.ttl}};
}

json domain_json(const DomainRecord& d, const std::vector<std::string>& pgp_keys) {
    return {{"name", d.name},
            {"local", d.local},
            {"encrypt_mode", to_string(d.encrypt_mode)},
            {"methods", methods_json(d.methods)},
            {"smime_certs", d.smime_certs},
            {"smime_profile", to_string(d.smime_profile)},
            {"require_tls", requires_tls(d.tls)},
            {"tls", to_string(d.tls)},
            {"min_rsa_bits", d.min_rsa_bits},
            {"on_expired", to_string(d.on_expired)},
            {"revocation", to_string(d.revocation)},
            {"accept_signed_updates", d.accept_signed_updates},
            {"sign", to_string(d.sign)},
            {"require_signature", d.require_signature},
            {"on_bad_signature", to_string(d.on_bad_signature)},
            {"keep_signature", d.keep_signature},
            {"header_protection", d.header_protection},
            {"discovery", to_string(d.discovery)},
            {"discovery_address", admin::discovery_address(d)},
            {"discovery_address_default", d.discovery_address.empty()},
            {"pgp_keys", pgp_keys}};
}

json domain_view_json(const admin::DomainView& v, const std::vector<std::string>& pgp_keys) {
    json out = domain_json(*v.record, pgp_keys);
    out["record"] = v.record->name;
    out["name"] = v.name;
    json certs = json::array();
    for (const auto& c : v.smime_certs)
        certs.push_back({{"sha256", c.sha256},
                         {"stored", c.stored},
                         {"usable", c.usable},
                         {"reason", c.reason},
                         {"origin", origin_json(c.origin)}});
    out["smime_cert_status"] = std::move(certs);
    json keys = json::array();
    for (const auto& k : v.pgp_keys)
        keys.push_back({{"fingerprint", k.fingerprint},
                        {"usable", k.usable},
                        {"reason", k.reason},
                        {"origin", origin_json(k.origin)}});
    out["pgp_key_status"] = std::move(keys);
    out["next"] = {{"direction", to_string(v.next.direction)},
                   {"action", policy::to_string(v.next.action)},
                   {"method", to_string(v.next.method)},
                   {"reason", v.next.reason},
                   {"temporary", v.next.temporary}};
    out["warnings"] = v.warnings;
    return out;
}

json certificate_json(const admin::CertificateView& v) {
    const auto& c = v.cert;
    return {{"sha256", c.sha256()},
            {"sha1", c.sha1()},
            {"subject", c.subject()},
            {"issuer", c.issuer()},
            {"serial", c.serial()},
            {"not_before", time_json(c.not_before())},
            {"not_after", time_json(c.not_after())},
            {"emails", c.emails()},
            {"key", c.key_type() + " " + std::to_string(c.key_bits())},
            {"self_signed", c.self_signed()},
            {"own", v.has_private_key},
            {"retired", v.retired},
            {"added", time_json(v.added)},
            {"ctl", ctl_text(v.status.ctl)},
            {"usable", v.status.usability.usable},
            {"reason", v.status.usability.reason},
            {"strength", v.strength},
            {"expiry", expiry_json(v.expiry)},
            {"domains", v.domains}};
}

json ctl_json(const CtlEntry& e) {
    return {{"sha256", e.sha256},
            {"status", e.action == CtlAction::trust ? "trusted" : "blocked"},
            {"added", time_json(e.added)}};
}

json root_json(const admin::RootView& r) {
    return {{"sha256", r.sha256},
            {"subject", r.subject},
            {"not_after", time_json(r.not_after)},
            {"is_ca", r.is_ca}};
}

json crl_json(const admin::CrlView& c) {
    return {{"issuer", c.issuer},
            {"last_update", time_json(c.last_update)},
            {"next_update", time_json(c.next_update)},
            {"stale", c.stale},
            {"source", c.source},
            {"added", time_json(c.added)}};
}

json pgp_key_json(const admin::PgpKeyView& k) {
    json uids = json::array();
    json out = {{"fingerprint", k.fingerprint},
                {"primary_uid", k.primary_uid},
                {"own", k.has_secret},
                {"trusted", k.trusted},
                {"retired", k.retired},
                {"usable", k.status.usability.usable},
                {"reason", k.info ? k.status.usability.reason : k.unreadable},
                {"strength", k.strength},
                {"domains", k.domains},
                {"added", time_json(k.added)}};
    if (k.info) {
        for (const auto& u : k.info->user_ids)
            uids.push_back(u.text);
        out["algorithm"] = key_text(k.info->primary);
        out["created"] = time_json(k.info->primary.created);
        out["expires"] = time_json(k.info->primary.expires);
    } else {
        out["usable"] = false;
        out["algorithm"] = nullptr;
        out["created"] = nullptr;
        out["expires"] = nullptr;
    }
    out["uids"] = std::move(uids);
    return out;
}

json imported_key_json(const admin::ImportedPgpKey& k) {
    return {{"fingerprint", k.fingerprint},
            {"primary_uid", k.primary_uid},
            {"what", k.what},
            {"warning", k.warning}};
}

json log_json(const LogRecord& r) {
    json tls = nullptr;
    if (!r.tls_level.empty())
        tls = {{"level", r.tls_level},
               {"protocol", r.tls_protocol},
               {"cipher", r.tls_cipher},
               {"peer", r.tls_peer},
               {"verified", r.tls_verified}};
    return {{"id", r.id},
            {"time", time_json(r.time)},
            {"queue_id", r.queue_id},
            {"message_id", r.message_id},
            {"sender", r.sender},
            {"recipients", r.recipients},
            {"direction", to_string(r.direction)},
            {"action", admin::log_action(r)},
            {"method", r.method},
            {"keys", r.keys},
            {"algorithm", r.algorithm},
            {"detail", r.detail},
            {"signature", r.signature},
            {"node", r.node},
            {"tls", std::move(tls)}};
}

json audit_json(const AuditRecord& r) {
    return {{"id", r.id},         {"time", time_json(r.time)}, {"actor", r.actor},
            {"action", r.action}, {"object", r.object},        {"change", r.change},
            {"node", r.node}};
}

json status_json(const admin::StatusView& s) {
    json expiring = json::array();
    for (const auto& e : s.expiring) {
        json item = {{"kind", e.kind}, {"id", e.id},
                     {"name", e.name}, {"not_after", time_json(e.not_after)},
                     {"own", e.own},   {"parent", e.parent}};
        const json exp = expiry_json(e.expiry);
        item["state"] = exp["state"];
        item["days_left"] = exp["days_left"];
        expiring.push_back(std::move(item));
    }
    json refusals = json::array();
    for (const auto& r : s.recent_refusals)
        refusals.push_back(log_json(r));
    return {{"counts",
             {{"domains", s.domains},
              {"local_domains", s.local_domains},
              {"certificates", s.certificates},
              {"own_certificates", s.own_certificates},
              {"pgp_keys", s.pgp_keys},
              {"own_pgp_keys", s.own_pgp_keys},
              {"ctl_entries", s.ctl_entries},
              {"roots", s.roots},
              {"crls", s.crls}}},
            {"expiring", std::move(expiring)},
            {"recent_refusals", std::move(refusals)},
            {"warnings", s.warnings}};
}

json account_json(const AdminAccount& a) {
    return {{"name", a.name}, {"role", to_string(a.role)}, {"created", time_json(a.created)}};
}

json token_json(const ApiToken& t) {
    return {{"name", t.name},
            {"role", to_string(t.role)},
            {"created", time_json(t.created)},
            {"last_used", time_json(t.last_used)}};
}

std::map<std::string, std::vector<std::string>> keys_by_domain(
    const std::vector<admin::PgpKeyView>& keys) {
    std::map<std::string, std::vector<std::string>> out;
    for (const auto& k : keys) {
        for (const auto& d : k.domains)
            out[d].push_back(k.fingerprint);
    }
    return out;
}

json removed_json(const std::string& id) {
    return {{"removed", id}};
}

}  // namespace sealgate::web
