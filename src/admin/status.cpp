// admin/status.cpp — the gateway at a glance: how many of each object, what expires within the
// warning window (policy/expiry.hpp: the same window the daemon logs), the latest refusals.
#include <algorithm>

#include "admin/internal.hpp"
#include "admin/service.hpp"
#include "openpgp/key.hpp"
#include "policy/policy.hpp"

namespace sealgate::admin {

Result<StatusView> Service::status(std::time_t now) {
    auto snap = snapshot();
    SEALGATE_TRY(snap);
    const policy::Snapshot& s = **snap;
    StatusView view;
    view.domains = s.domains().size();
    view.local_domains = static_cast<std::size_t>(
        std::count_if(s.domains().begin(), s.domains().end(), [](auto& d) { return d.local; }));
    view.certificates = s.certificates().size();
    for (const auto& [sha, stored] : s.certificates()) {
        view.own_certificates += stored.has_private_key ? 1 : 0;
        const auto expiry = policy::expiry(stored.cert.not_after(), now);
        if (expiry.warn())
            view.expiring.push_back(ExpiringItem{"certificate", sha, stored.cert.subject(),
                                                 stored.cert.not_after(), stored.has_private_key,
                                                 expiry, ""});
    }
    view.pgp_keys = s.pgp_keys().size();
    for (const auto& k : s.pgp_keys()) {
        const bool own = !k.sealed_secret.empty();
        view.own_pgp_keys += own ? 1 : 0;
        const auto info = openpgp::key_info(k.public_key);
        if (!info || info->primary.expires == 0)
            continue;  // an unreadable key shows in the key list with its reason
        const auto expiry = policy::expiry(info->primary.expires, now);
        if (expiry.warn())
            view.expiring.push_back(ExpiringItem{"pgp-key", k.fingerprint,
                                                 detail::primary_uid(*info), info->primary.expires,
                                                 own, expiry, ""});
    }
    std::sort(view.expiring.begin(), view.expiring.end(),
              [](const auto& a, const auto& b) { return a.not_after < b.not_after; });

    auto ctl = store_.list_ctl();
    SEALGATE_TRY(ctl);
    view.ctl_entries = ctl->size();
    auto roots = store_.list_roots();
    SEALGATE_TRY(roots);
    view.roots = roots->size();
    auto crls = store_.list_crls();
    SEALGATE_TRY(crls);
    view.crls = crls->size();

    LogSearch refusals;
    refusals.action = "refused";
    refusals.limit = 10;
    auto page = search_log(refusals);
    SEALGATE_TRY(page);
    view.recent_refusals = std::move(page->entries);
    return view;
}

}  // namespace sealgate::admin
