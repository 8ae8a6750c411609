// The REST API's domains, certificates, CTL, trust roots and CRLs (docs/api.md).
#include <map>

#include "crypto/keygen.hpp"
#include "mime/base64.hpp"
#include "web/api.hpp"
#include "web/body.hpp"
#include "web/views.hpp"

namespace sealgate::web {

namespace {

using nlohmann::json;

constexpr std::size_t kSha256Digits = 64;

std::string content_type(const Call& c) {
    return media_type(c.request.get_header_value("Content-Type"));
}

// A body of certificates or a CRL: PEM, or DER of the given type.
Answer<std::string> binary_body(const Call& c, std::string_view der_type) {
    const std::string type = content_type(c);
    if (type != "application/x-pem-file" && type != der_type)
        return refuse(415, "unsupported_media_type",
                      "send PEM (Content-Type: application/x-pem-file) or DER (" +
                          std::string(der_type) + ")");
    if (c.request.body.empty())
        return bad_input("the body is empty");
    return c.request.body;
}

Answer<std::vector<std::string>> pgp_keys_of(Call& c, const std::string& domain) {
    auto keys = c.service().list_pgp_keys();
    WEB_TRY(keys);
    auto by_domain = keys_by_domain(*keys);
    return by_domain[domain];
}

// --- domains ---

Answer<Reply> list_domains(Call& c) {
    auto svc = c.service();
    auto domains = svc.list_domains();
    WEB_TRY(domains);
    auto keys = svc.list_pgp_keys();
    WEB_TRY(keys);
    auto by_domain = keys_by_domain(*keys);
    json out = json::array();
    for (const auto& d : *domains)
        out.push_back(domain_json(d, by_domain[d.name]));
    return Reply::json({{"domains", std::move(out)}});
}

Answer<Reply> add_domain(Call& c) {
    auto body = Fields::parse(c.request.get_header_value("Content-Type"), c.request.body,
                              {"name", "local"});
    WEB_TRY(body);
    auto name = body->string("name");
    WEB_TRY(name);
    auto local = body->optional_bool("local");
    WEB_TRY(local);
    auto added = c.service().add_domain(*name, local->value_or(false));
    WEB_TRY(added);
    return changed(domain_json(*added, {}), {}, 201);
}

Answer<Reply> show_domain(Call& c) {
    auto name = domain_param(c.params[0]);
    WEB_TRY(name);
    auto view = c.service().domain(*name);
    WEB_TRY(view);
    if (!view->record)
        return refuse(404, "not_found", "no domain record applies to " + view->name);
    auto keys = pgp_keys_of(c, view->record->name);
    WEB_TRY(keys);
    return Reply::json(domain_view_json(*view, *keys));
}

Answer<admin::DomainChange> domain_change(const Fields& body) {
    admin::DomainChange change;
    auto local = body.optional_bool("local");
    WEB_TRY(local);
    change.local = *local;
    auto mode = body.optional_string("encrypt_mode");
    WEB_TRY(mode);
    if (*mode) {
        change.encrypt_mode = parse_encrypt_mode(**mode);
        if (!change.encrypt_mode)
            return bad_input("encrypt_mode must be none, opportunistic or mandatory");
    }
    auto methods = body.optional_strings("methods");
    WEB_TRY(methods);
    if (*methods) {
        std::string joined;
        for (const auto& m : **methods)
            joined += (joined.empty() ? "" : ",") + m;
        change.methods = parse_methods(joined);
        if (!change.methods)
            return bad_input("methods must be a list of \"smime\" and \"pgp\", each at most once");
    }
    auto certs = body.optional_strings("smime_certs");
    WEB_TRY(certs);
    if (*certs) {
        for (const auto& t : **certs)
            WEB_TRY(hex_param(t, kSha256Digits));
    }
    change.smime_certs = *certs;
    auto profile = body.optional_string("smime_profile");
    WEB_TRY(profile);
    if (*profile) {
        change.smime_profile = parse_smime_profile(**profile);
        if (!change.smime_profile)
            return bad_input("smime_profile must be compat or modern");
    }
    auto require_tls = body.optional_bool("require_tls");
    WEB_TRY(require_tls);
    auto tls = body.optional_string("tls");
    WEB_TRY(tls);
    if (*require_tls && *tls)
        return bad_input("give require_tls or tls, not both");
    if (*require_tls)
        change.tls = **require_tls ? TlsLevel::encrypt : TlsLevel::none;
    if (*tls) {
        change.tls = parse_tls_level(**tls);
        if (!change.tls)
            return bad_input("tls must be none, may, encrypt or verify");
    }
    auto bits = body.optional_int("min_rsa_bits", 0, 65536);
    WEB_TRY(bits);
    if (*bits)
        change.min_rsa_bits = static_cast<unsigned>(**bits);
    // Lifecycle (docs/lifecycle.md).
    auto on_expired = body.optional_string("on_expired");
    WEB_TRY(on_expired);
    if (*on_expired) {
        change.on_expired = parse_expired_action(**on_expired);
        if (!change.on_expired)
            return bad_input("on_expired must be defer or reject");
    }
    auto revocation = body.optional_string("revocation");
    WEB_TRY(revocation);
    if (*revocation) {
        change.revocation = parse_revocation(**revocation);
        if (!change.revocation)
            return bad_input("revocation must be soft or hard");
    }
    auto signed_updates = body.optional_bool("accept_signed_updates");
    WEB_TRY(signed_updates);
    change.accept_signed_updates = *signed_updates;
    // Signatures and header protection (docs/signing.md).
    auto sign = body.optional_string("sign");
    WEB_TRY(sign);
    if (*sign) {
        change.sign = parse_sign_mode(**sign);
        if (!change.sign)
            return bad_input("sign must be none, sign or sign-and-encrypt");
    }
    auto on_bad = body.optional_string("on_bad_signature");
    WEB_TRY(on_bad);
    if (*on_bad) {
        change.on_bad_signature = parse_signature_action(**on_bad);
        if (!change.on_bad_signature)
            return bad_input("on_bad_signature must be refuse or mark");
    }
    auto require = body.optional_bool("require_signature");
    WEB_TRY(require);
    change.require_signature = *require;
    auto keep = body.optional_bool("keep_signature");
    WEB_TRY(keep);
    change.keep_signature = *keep;
    auto protect = body.optional_bool("header_protection");
    WEB_TRY(protect);
    change.header_protection = *protect;
    // Key discovery (docs/discovery.md).
    auto discovery = body.optional_string("discovery");
    WEB_TRY(discovery);
    if (*discovery) {
        change.discovery = parse_discovery_mode(**discovery);
        if (!change.discovery)
            return bad_input("discovery must be off, review or auto-dane");
    }
    auto address = body.optional_string("discovery_address");
    WEB_TRY(address);
    change.discovery_address = *address;
    return change;
}

Answer<Reply> change_domain(Call& c) {
    auto name = domain_param(c.params[0]);
    WEB_TRY(name);
    auto force = force_param(c.request);
    WEB_TRY(force);
    auto body = Fields::parse(c.request.get_header_value("Content-Type"), c.request.body,
                              {"local",
                               "encrypt_mode",
                               "methods",
                               "smime_certs",
                               "smime_profile",
                               "require_tls",
                               "tls",
                               "min_rsa_bits",
                               "on_expired",
                               "revocation",
                               "accept_signed_updates",
                               "sign",
                               "require_signature",
                               "on_bad_signature",
                               "keep_signature",
                               "header_protection",
                               "discovery",
                               "discovery_address",
                               "discovery_address_default",
                               "name",
                               "pgp_keys"});
    WEB_TRY(body);
    if (body->has("name"))
        return bad_input("name cannot be changed: add a new domain and remove this one");
    if (body->has("discovery_address_default"))
        return bad_input(
            "discovery_address_default is read-only: set discovery_address to \"\" for the "
            "default");
    if (body->has("pgp_keys"))
        return bad_input(
            "pgp_keys is read-only here: bind keys with PATCH "
            "/api/v1/pgp/keys/{fingerprint} {\"domains\": [...]}");
    auto change = domain_change(*body);
    WEB_TRY(change);
    const admin::DomainChange& ch = *change;
    if (!ch.local && !ch.encrypt_mode && !ch.methods && !ch.smime_certs && !ch.smime_profile &&
        !ch.tls && !ch.min_rsa_bits && !ch.on_expired && !ch.revocation &&
        !ch.accept_signed_updates && !ch.sign && !ch.require_signature && !ch.on_bad_signature &&
        !ch.keep_signature && !ch.header_protection && !ch.discovery && !ch.discovery_address)
        return bad_input("nothing to change: give at least one field");
    auto result = c.service().change_domain(*name, ch, *force);
    WEB_TRY(result);
    auto keys = pgp_keys_of(c, result->value.name);
    WEB_TRY(keys);
    return changed(domain_json(result->value, *keys), result->warnings);
}

Answer<Reply> remove_domain(Call& c) {
    auto name = domain_param(c.params[0]);
    WEB_TRY(name);
    auto removed = c.service().remove_domain(*name);
    WEB_TRY(removed);
    return Reply::json(removed_json(*removed));
}

// --- certificates ---

Answer<Reply> list_certificates(Call& c) {
    admin::CertificateFilter filter;
    auto own = query_value(c.request, "own");
    WEB_TRY(own);
    if (*own) {
        if (**own != "true" && **own != "false")
            return bad_input("own must be true or false");
        filter.own = **own == "true";
    }
    auto days = query_value(c.request, "expiring_days");
    WEB_TRY(days);
    if (*days) {
        const auto& d = **days;
        if (d.empty() || d.size() > 5 || d.find_first_not_of("0123456789") != std::string::npos)
            return bad_input("expiring_days must be a number of days (0 to 99999)");
        filter.expiring_days = static_cast<unsigned>(std::stoul(d));
    }
    auto certs = c.service().list_certificates(filter);
    WEB_TRY(certs);
    return Reply::json({{"certificates", json_array(*certs, certificate_json)}});
}

Answer<Reply> import_certificates(Call& c) {
    std::string bytes;
    std::optional<std::string> password;
    if (content_type(c) == "application/json") {
        auto body = Fields::parse(c.request.get_header_value("Content-Type"), c.request.body,
                                  {"pkcs12", "password"});
        WEB_TRY(body);
        auto encoded = body->string("pkcs12");
        WEB_TRY(encoded);
        auto pw = body->optional_string("password");
        WEB_TRY(pw);
        auto der = mime::base64_decode(*encoded);
        if (!der || der->empty())
            return bad_input("pkcs12 must be the PKCS#12 file in base64");
        bytes = std::move(*der);
        password = pw->value_or("");
    } else {
        auto body = binary_body(c, "application/pkix-cert");
        WEB_TRY(body);
        bytes = std::move(*body);
    }
    auto imported = c.service().import_certificates(bytes, password);
    WEB_TRY(imported);
    if (imported->empty())
        return bad_input("the body holds no certificate");
    json out = certificate_json(imported->front().view);
    json ids = json::array();
    std::vector<std::string> warnings;
    for (const auto& i : *imported) {
        ids.push_back(i.view.cert.sha256());
        if (!i.warning.empty())
            warnings.push_back(i.warning);
    }
    out["imported"] = std::move(ids);
    return changed(std::move(out), warnings, 201);
}

Answer<Reply> show_certificate(Call& c) {
    auto thumb = hex_param(c.params[0], kSha256Digits);
    WEB_TRY(thumb);
    auto view = c.service().certificate(*thumb);
    WEB_TRY(view);
    return Reply::json(certificate_json(*view));
}

Answer<Reply> export_certificate(Call& c, bool der) {
    auto thumb = hex_param(c.params[0], kSha256Digits);
    WEB_TRY(thumb);
    auto data = c.service().export_certificate(*thumb, der);
    WEB_TRY(data);
    return Reply::text(std::move(*data), der ? "application/pkix-cert" : "application/x-pem-file");
}

Answer<Reply> remove_certificate(Call& c) {
    auto thumb = hex_param(c.params[0], kSha256Digits);
    WEB_TRY(thumb);
    auto force = force_param(c.request);
    WEB_TRY(force);
    auto removed = c.service().remove_certificate(*thumb, *force);
    WEB_TRY(removed);
    return Reply::json(removed_json(*removed));
}

Answer<Reply> create_certificate(Call& c) {
    auto body = Fields::parse(c.request.get_header_value("Content-Type"), c.request.body,
                              {"email", "common_name", "key", "days"});
    WEB_TRY(body);
    crypto::CertificateRequest req;
    auto email = body->string("email");
    WEB_TRY(email);
    req.email = std::move(*email);
    auto cn = body->optional_string("common_name");
    WEB_TRY(cn);
    req.common_name = cn->value_or("");
    auto key = body->optional_string("key");
    WEB_TRY(key);
    if (*key) {
        const auto alg = crypto::parse_key_algorithm(**key);
        if (!alg)
            return bad_input("key must be rsa2048, rsa3072, rsa4096 or p256");
        req.algorithm = *alg;
    }
    auto days = body->optional_int("days", 1, 36500);
    WEB_TRY(days);
    if (*days)
        req.days = static_cast<int>(**days);
    auto view = c.service().create_certificate(req);
    WEB_TRY(view);
    return changed(certificate_json(*view), {}, 201);
}

// --- CTL, roots, CRLs ---

Answer<Reply> list_ctl(Call& c) {
    auto entries = c.service().list_ctl();
    WEB_TRY(entries);
    return Reply::json({{"entries", json_array(*entries, ctl_json)}});
}

Answer<Reply> set_ctl(Call& c) {
    auto thumb = hex_param(c.params[0], kSha256Digits);
    WEB_TRY(thumb);
    auto force = force_param(c.request);
    WEB_TRY(force);
    auto body =
        Fields::parse(c.request.get_header_value("Content-Type"), c.request.body, {"status"});
    WEB_TRY(body);
    auto status = body->string("status");
    WEB_TRY(status);
    if (*status != "trusted" && *status != "blocked")
        return bad_input("status must be trusted or blocked");
    const CtlAction action = *status == "trusted" ? CtlAction::trust : CtlAction::block;
    auto result = c.service().set_ctl(*thumb, action, *force);
    WEB_TRY(result);
    return changed(ctl_json(result->value), result->warnings);
}

Answer<Reply> remove_ctl(Call& c) {
    auto thumb = hex_param(c.params[0], kSha256Digits);
    WEB_TRY(thumb);
    auto removed = c.service().remove_ctl(*thumb);
    WEB_TRY(removed);
    return Reply::json(removed_json(*removed));
}

Answer<Reply> list_roots(Call& c) {
    auto roots = c.service().list_roots();
    WEB_TRY(roots);
    return Reply::json({{"roots", json_array(*roots, root_json)}});
}

Answer<Reply> add_roots(Call& c) {
    auto body = binary_body(c, "application/pkix-cert");
    WEB_TRY(body);
    auto added = c.service().add_roots(*body);
    WEB_TRY(added);
    return changed({{"roots", json_array(*added, root_json)}}, {}, 201);
}

Answer<Reply> remove_root(Call& c) {
    auto thumb = hex_param(c.params[0], kSha256Digits);
    WEB_TRY(thumb);
    auto removed = c.service().remove_root(*thumb);
    WEB_TRY(removed);
    return Reply::json(removed_json(*removed));
}

Answer<Reply> list_crls(Call& c) {
    auto crls = c.service().list_crls();
    WEB_TRY(crls);
    return Reply::json({{"crls", json_array(*crls, crl_json)}});
}

Answer<Reply> import_crl(Call& c) {
    auto body = binary_body(c, "application/pkix-crl");
    WEB_TRY(body);
    auto crl = c.service().import_crl(*body);
    WEB_TRY(crl);
    return changed(crl_json(*crl), {}, 201);
}

}  // namespace

void add_object_routes(Routes& routes) {
    const std::string d = "/api/v1/domains";
    routes.push_back({"GET", d, list_domains, {}});
    routes.push_back({"POST", d, add_domain, {}});
    routes.push_back({"GET", d + "/{}", show_domain, {}});
    routes.push_back({"PATCH", d + "/{}", change_domain, {"force"}});
    routes.push_back({"DELETE", d + "/{}", remove_domain, {}});

    const std::string c = "/api/v1/certificates";
    routes.push_back({"GET", c, list_certificates, {"own", "expiring_days"}});
    routes.push_back({"POST", c, import_certificates, {}});
    routes.push_back({"GET", c + "/{}", show_certificate, {}});
    routes.push_back(
        {"GET", c + "/{}/pem", [](Call& call) { return export_certificate(call, false); }, {}});
    routes.push_back(
        {"GET", c + "/{}/der", [](Call& call) { return export_certificate(call, true); }, {}});
    routes.push_back({"DELETE", c + "/{}", remove_certificate, {}});
    routes.push_back({"POST", "/api/v1/own-certificates", create_certificate, {}});

    routes.push_back({"GET", "/api/v1/ctl", list_ctl, {}});
    routes.push_back({"PUT", "/api/v1/ctl/{}", set_ctl, {"force"}});
    routes.push_back({"DELETE", "/api/v1/ctl/{}", remove_ctl, {}});
    routes.push_back({"GET", "/api/v1/roots", list_roots, {}});
    routes.push_back({"POST", "/api/v1/roots", add_roots, {}});
    routes.push_back({"DELETE", "/api/v1/roots/{}", remove_root, {}});
    routes.push_back({"GET", "/api/v1/crls", list_crls, {}});
    routes.push_back({"POST", "/api/v1/crls", import_crl, {}});
}

}  // namespace sealgate::web
