// admin/crl_sources.cpp — the CRL distribution points of the stored partner certificates, and
// what a fetch of one brings: the Service's side of `crl refresh` (the fetching itself is
// admin/crl_refresh.cpp's, outside the Service).
//
// A fetched CRL is believed only when it verifies against its issuer's certificate, which must
// be among the trusted roots or the stored certificates; it replaces the stored CRL of that
// issuer only when it is newer (a larger cRLNumber, else a later thisUpdate), so a server that
// hands out an old CRL cannot take a revocation back.
#include <algorithm>
#include <cctype>
#include <map>

#include "admin/internal.hpp"
#include "admin/service.hpp"
#include "core/time.hpp"
#include "crypto/import.hpp"

namespace sealgate::admin {

namespace {

constexpr std::time_t kRetryAfterFailure = 3600;  // the daemon's wait after a failed fetch
constexpr std::time_t kRefetchWithoutNextUpdate = 86400;

bool fetchable(std::string_view url) {
    const auto prefix = [url](std::string_view p) {
        if (url.size() < p.size())
            return false;
        for (std::size_t i = 0; i < p.size(); ++i) {
            if (std::tolower(static_cast<unsigned char>(url[i])) != p[i])
                return false;
        }
        return true;
    };
    return prefix("http://") || prefix("https://");
}

}  // namespace

namespace detail {

Result<CrlIssuer> crl_issuer(Store& store, const crypto::Crl& crl) {
    auto roots = store.list_roots();
    SEALGATE_TRY(roots);
    auto certs = store.list_certificates();
    SEALGATE_TRY(certs);
    std::vector<std::string> ders;
    for (const auto& r : *roots)
        ders.push_back(r.der);
    for (const auto& r : *certs)
        ders.push_back(r.der);
    CrlIssuer out = CrlIssuer::unknown;
    for (const auto& der : ders) {
        auto c = crypto::Certificate::from_der(der);
        if (!c || c->subject() != crl.issuer())
            continue;
        if (crl.issued_by(*c))
            return CrlIssuer::verified;
        out = CrlIssuer::does_not_verify;
    }
    return out;
}

}  // namespace detail

Result<std::vector<CrlSource>> Service::crl_sources(std::time_t now) {
    auto certs = store_.list_certificates();
    SEALGATE_TRY(certs);
    std::map<std::string, CrlSource> by_url;
    for (const auto& record : *certs) {
        if (record.has_private_key)
            continue;  // own certificates: their CRL is our own business, not fetched
        auto cert = crypto::Certificate::from_der(record.der);
        if (!cert || cert->self_signed())
            continue;
        for (const auto& url : cert->crl_distribution_points()) {
            if (!fetchable(url))
                continue;  // ldap:// and others are not fetched (docs/lifecycle.md)
            auto& source = by_url[url];
            if (source.url.empty()) {
                source.url = url;
                source.issuer = cert->issuer();
            }
            source.certificates.push_back(record.sha256);
        }
    }

    auto crls = store_.list_crls();
    SEALGATE_TRY(crls);
    auto fetches = store_.list_crl_fetches();
    SEALGATE_TRY(fetches);

    std::vector<CrlSource> out;
    for (auto& [url, source] : by_url) {
        std::time_t stored_at = 0;
        for (const auto& r : *crls) {
            if (r.issuer != source.issuer)
                continue;
            auto crl = crypto::Crl::read(r.der);
            SEALGATE_TRY(crl);
            source.crl_stored = true;
            source.next_update = crl->next_update();
            source.stale = crl->stale(now);
            stored_at = r.added;
        }
        for (const auto& f : *fetches) {
            if (f.url == url)
                source.last_fetch = f;
        }
        if (!source.crl_stored)
            source.due_at = 0;
        else if (source.next_update != 0)
            source.due_at = source.next_update;
        else
            source.due_at = stored_at + kRefetchWithoutNextUpdate;
        source.due = source.due_at <= now;
        source.next_attempt = source.due_at;
        if (source.last_fetch && !source.last_fetch->last_error.empty()) {
            source.next_attempt =
                std::max(source.next_attempt, source.last_fetch->last_attempt + kRetryAfterFailure);
        }
        out.push_back(std::move(source));
    }
    return out;
}

Result<FetchedCrl> Service::store_fetched_crl(std::string_view url, std::string_view bytes,
                                              std::time_t now) {
    auto sources = crl_sources(now);
    SEALGATE_TRY(sources);
    const auto source = std::find_if(sources->begin(), sources->end(),
                                     [url](const CrlSource& s) { return s.url == url; });
    if (source == sources->end())
        return fail(
            Error::not_found("no stored partner certificate names the CRL distribution "
                             "point " +
                             std::string(url)));
    auto crl = crypto::Crl::read(bytes);
    SEALGATE_TRY(crl);
    if (crl->issuer() != source->issuer)
        return fail(Error::bad_input("the CRL is issued by " + crl->issuer() + ", not by " +
                                     source->issuer));

    auto issuer = detail::crl_issuer(store_, *crl);
    SEALGATE_TRY(issuer);
    if (*issuer != detail::CrlIssuer::verified)
        return fail(
            Error::bad_input("the CRL does not verify against a trusted root or stored "
                             "certificate of " +
                             crl->issuer()));

    auto stored = store_.list_crls();
    SEALGATE_TRY(stored);
    bool newer = true;
    for (const auto& r : *stored) {
        if (r.issuer != crl->issuer())
            continue;
        auto old = crypto::Crl::read(r.der);
        SEALGATE_TRY(old);
        newer = crl->newer_than(*old);
    }

    FetchedCrl out;
    out.crl = CrlView{crl->issuer(),   crl->last_update(), crl->next_update(),
                      crl->stale(now), std::string(url),   now};
    if (newer) {
        SEALGATE_TRY(store_.put_crl(CrlRecord{crl->issuer(), crl->der(), now, std::string(url)}));
        SEALGATE_TRY(
            audited("crl.fetch", crl->issuer(),
                    "updated " + format_time(crl->last_update()) + " from " + std::string(url)));
        out.stored = true;
    }
    SEALGATE_TRY(store_.put_crl_fetch(CrlFetch{std::string(url), crl->issuer(), now, now, ""}));
    return out;
}

Status Service::record_crl_fetch_failure(std::string_view url, std::string_view error,
                                         std::time_t now) {
    auto fetches = store_.list_crl_fetches();
    SEALGATE_TRY(fetches);
    CrlFetch fetch{std::string(url), "", now, 0, std::string(error)};
    for (const auto& f : *fetches) {
        if (f.url == url) {
            fetch.issuer = f.issuer;
            fetch.last_success = f.last_success;
        }
    }
    if (fetch.issuer.empty()) {
        auto sources = crl_sources(now);
        SEALGATE_TRY(sources);
        for (const auto& s : *sources) {
            if (s.url == url)
                fetch.issuer = s.issuer;
        }
    }
    if (fetch.last_error.empty())
        fetch.last_error = "failed";
    return store_.put_crl_fetch(fetch);
}

}  // namespace sealgate::admin
