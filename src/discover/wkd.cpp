// The WKD half of lookup() (draft-koch-openpgp-webkey-service): the advanced method
// (openpgpkey.DOMAIN), then the direct one (DOMAIN), over HTTPS with fetch/. HTTPS
// authenticates the server only: a WKD result is never "secure".
#include "discover/internal.hpp"
#include "discover/records.hpp"
#include "fetch/http_get.hpp"

namespace sealgate::discover::detail {

namespace {

// A WKD reply is a key or two: 256 KiB is generous.
constexpr std::size_t kMaxReply = 256 * 1024;

struct Attempt {
    std::string url;
    bool found = false;    // 200 with a body
    bool absent = false;   // 404
    bool refused = false;  // a reply past the bounds (over the cap, a redirect to another scheme)
    std::string body;
    std::string why;  // when neither
};

Attempt attempt(const std::string& url, const fetch::Limits& limits) {
    Attempt a;
    a.url = url;
    auto reply = fetch::http_fetch(url, limits);
    if (!reply) {
        a.why = reply.error().reason;
        a.refused = reply.error().kind == ErrorKind::bad_input;
    } else if (reply->status == 200 && !reply->body.empty()) {
        a.found = true;
        a.body = std::move(reply->body);
    } else if (reply->status == 404) {
        a.absent = true;
        a.why = "HTTP status 404";
    } else {
        a.why = url + ": HTTP status " + std::to_string(reply->status) +
                (reply->status == 200 ? " with an empty body" : "");
    }
    return a;
}

}  // namespace

std::vector<Finding> wkd_findings(const std::string& local, const std::string& domain,
                                  const Options& options, std::time_t now) {
    fetch::Limits limits;
    limits.max_bytes = kMaxReply;
    limits.connect = options.wkd_timeout;
    limits.total = options.wkd_timeout;
    limits.ca_file = options.wkd_ca_file;
    limits.connect_to = options.wkd_connect_to;

    Finding base;
    base.source = KeySource::wkd;
    base.method = Method::pgp;
    base.address = local + "@" + domain;
    base.dnssec = Dnssec::not_dns;

    const Attempt advanced = attempt(wkd_advanced_url(local, domain), limits);
    if (advanced.found) {
        base.where = advanced.url;
        return judge_openpgp(advanced.body, false, now, base);
    }
    const Attempt direct = attempt(wkd_direct_url(local, domain), limits);
    if (direct.found) {
        base.where = direct.url;
        return judge_openpgp(direct.body, false, now, base);
    }
    base.where = direct.url;
    base.reason = "advanced: " + advanced.why + "; direct: " + direct.why;
    // An advanced server that answered with what the bounds refuse did not say "no key": the
    // direct method's 404 does not make that "no record" (a refused reply is a failure).
    base.dnssec = direct.absent && !advanced.refused ? Dnssec::no_record : Dnssec::failed;
    return {base};
}

}  // namespace sealgate::discover::detail
