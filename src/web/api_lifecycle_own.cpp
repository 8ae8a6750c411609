// The REST API's lifecycle of our own certificates and OpenPGP keys (docs/api.md, "Own
// generations"): renew, retire and export (PKCS#12) a certificate; rotate, extend and revoke an
// OpenPGP key. Each handler reads its body strictly, calls admin::Service and formats the view.
#include "openpgp/key.hpp"
#include "web/api.hpp"
#include "web/body.hpp"
#include "web/views.hpp"

namespace sealgate::web {

namespace {

constexpr std::size_t kSha256Digits = 64;
constexpr std::size_t kFingerprintDigits = 40;

// An optional "expires" field ("1y", "18m", "never", seconds), else `fallback`.
Answer<std::uint32_t> expires_field(const Fields& body, std::string_view fallback, bool required) {
    auto text = body.optional_string("expires");
    WEB_TRY(text);
    if (!*text && required)
        return bad_input("expires is required (\"1y\", \"18m\", \"3w\", \"10d\" or \"never\")");
    auto secs = openpgp::parse_expiry(text->value_or(std::string(fallback)));
    WEB_TRY(secs);
    return *secs;
}

// A body that may be left out (all its fields are optional): none is read as {}.
Answer<Fields> optional_body(const Call& c, std::initializer_list<std::string_view> allowed) {
    if (c.request.body.empty())
        return Fields::parse("application/json", "{}", allowed);
    return Fields::parse(c.request.get_header_value("Content-Type"), c.request.body, allowed);
}

Answer<Reply> renew_certificate(Call& c) {
    auto thumb = hex_param(c.params[0], kSha256Digits);
    WEB_TRY(thumb);
    auto body = optional_body(c, {"reuse_key", "days"});
    WEB_TRY(body);
    auto reuse = body->optional_bool("reuse_key");
    WEB_TRY(reuse);
    auto days = body->optional_int("days", 1, 36500);
    WEB_TRY(days);
    admin::RenewRequest req{*thumb, reuse->value_or(false),
                            static_cast<unsigned>(days->value_or(0))};
    auto view = c.service().renew_certificate(req);
    WEB_TRY(view);
    return changed(certificate_json(*view), {}, 201);
}

Answer<Reply> retire_certificate(Call& c, bool retired) {
    auto thumb = hex_param(c.params[0], kSha256Digits);
    WEB_TRY(thumb);
    auto view = c.service().retire_certificate(*thumb, retired);
    WEB_TRY(view);
    return changed(certificate_json(*view), {});
}

Answer<Reply> export_pkcs12(Call& c) {
    auto thumb = hex_param(c.params[0], kSha256Digits);
    WEB_TRY(thumb);
    auto body =
        Fields::parse(c.request.get_header_value("Content-Type"), c.request.body, {"password"});
    WEB_TRY(body);
    auto password = body->string("password");
    WEB_TRY(password);
    auto data = c.service().export_pkcs12(*thumb, *password);
    WEB_TRY(data);
    return Reply::text(std::move(*data), "application/pkcs12");
}

Answer<Reply> rotate_key(Call& c) {
    auto fpr = hex_param(c.params[0], kFingerprintDigits);
    WEB_TRY(fpr);
    auto body = optional_body(c, {"new_key", "expires"});
    WEB_TRY(body);
    auto new_key = body->optional_bool("new_key");
    WEB_TRY(new_key);
    auto secs = expires_field(*body, "2y", false);
    WEB_TRY(secs);
    const auto kind = new_key->value_or(false) ? admin::RotateKind::key : admin::RotateKind::subkey;
    auto view = c.service().rotate_pgp_key(*fpr, kind, *secs);
    WEB_TRY(view);
    return changed(pgp_key_json(*view), {}, kind == admin::RotateKind::key ? 201 : 200);
}

Answer<Reply> extend_key(Call& c) {
    auto fpr = hex_param(c.params[0], kFingerprintDigits);
    WEB_TRY(fpr);
    auto body =
        Fields::parse(c.request.get_header_value("Content-Type"), c.request.body, {"expires"});
    WEB_TRY(body);
    auto secs = expires_field(*body, "", true);
    WEB_TRY(secs);
    auto view = c.service().extend_pgp_key(*fpr, *secs);
    WEB_TRY(view);
    return changed(pgp_key_json(*view), {});
}

Answer<Reply> revoke_key(Call& c) {
    auto fpr = hex_param(c.params[0], kFingerprintDigits);
    WEB_TRY(fpr);
    auto body =
        Fields::parse(c.request.get_header_value("Content-Type"), c.request.body, {"reason"});
    WEB_TRY(body);
    auto text = body->string("reason");
    WEB_TRY(text);
    const auto reason = admin::parse_revocation_reason(*text);
    if (!reason)
        return bad_input("reason must be superseded, compromised or retired");
    auto view = c.service().revoke_pgp_key(*fpr, *reason);
    WEB_TRY(view);
    return changed(pgp_key_json(*view), {});
}

}  // namespace

void add_lifecycle_own_routes(Routes& routes) {
    const std::string c = "/api/v1/certificates/{}";
    routes.push_back({"POST", c + "/renew", renew_certificate, {}});
    routes.push_back(
        {"POST", c + "/retire", [](Call& call) { return retire_certificate(call, true); }, {}});
    routes.push_back(
        {"DELETE", c + "/retire", [](Call& call) { return retire_certificate(call, false); }, {}});
    // A private key leaves the gateway: admins only, and POST so that the password travels in
    // the body, never in a URL or a log line.
    routes.push_back({"POST", c + "/pkcs12", export_pkcs12, {}, true});
    const std::string k = "/api/v1/pgp/keys/{}";
    routes.push_back({"POST", k + "/rotate", rotate_key, {}});
    routes.push_back({"POST", k + "/extend", extend_key, {}});
    routes.push_back({"POST", k + "/revoke", revoke_key, {}});
}

}  // namespace sealgate::web
