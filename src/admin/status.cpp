// admin/status.cpp — the gateway at a glance: how many of each object, what expires within the
// warning window (policy/expiry.hpp: the same window the daemon logs), the latest refusals, the
// local domains that cannot sign what partners ask to be signed; and what expires within a
// number of days (`status`, `cert list --expiring`, `pgp list --expiring`, the daemon's daily
// check: app/expiry_watch.hpp).
#include <algorithm>

#include "admin/internal.hpp"
#include "admin/service.hpp"
#include "openpgp/key.hpp"
#include "policy/policy.hpp"

namespace sealgate::admin {

namespace {

// Does a partner domain's `sign` ask for signatures on any mail? sign-and-encrypt signs only
// what is encrypted, and with encrypt-mode none nothing is; with no method nothing can be.
bool asks_for_signatures(const DomainRecord& d) {
    if (d.local || d.sign == SignMode::none || d.methods.empty())
        return false;
    return d.sign == SignMode::sign || d.encrypt_mode != EncryptMode::none;
}

// "local domain example.com: no signing certificate or key (mail to partner.example
// (sign=sign-and-encrypt) leaves unsigned)", per local domain that has a signer (policy::
// signer_for, the daemon's own choice) for none of the methods of some partner that asks for
// signatures. A lookup that fails otherwise than not_found fails the status: never read as "no
// signer".
Result<std::vector<std::string>> signing_warnings(const policy::Snapshot& s) {
    std::vector<const DomainRecord*> asking;
    for (const auto& d : s.domains())
        if (asks_for_signatures(d))
            asking.push_back(&d);
    std::vector<std::string> out;
    if (asking.empty())
        return out;
    constexpr std::size_t kNamed = 3;  // partners named in one warning; the rest counted
    for (const auto& local : s.domains()) {
        if (!local.local)
            continue;
        std::vector<Method> missing;
        for (const auto m : {Method::smime, Method::pgp}) {
            auto signer = policy::signer_for(s, local.name, m);
            if (signer)
                continue;
            if (signer.error().kind != ErrorKind::not_found)
                return fail(std::move(signer).error());
            missing.push_back(m);
        }
        std::vector<std::string> partners;
        for (const auto* p : asking) {
            const bool unsigned_mail =
                std::all_of(p->methods.begin(), p->methods.end(), [&](Method m) {
                    return std::find(missing.begin(), missing.end(), m) != missing.end();
                });
            if (unsigned_mail)
                partners.push_back(p->name + " (sign=" + std::string(to_string(p->sign)) + ")");
        }
        if (partners.empty())
            continue;
        std::string names;
        for (std::size_t i = 0; i < partners.size() && i < kNamed; ++i)
            names += (i == 0 ? "" : ", ") + partners[i];
        if (partners.size() > kNamed)
            names += " and " + std::to_string(partners.size() - kNamed) + " more";
        const char* what = missing.size() == 2           ? "certificate or key"
                           : missing[0] == Method::smime ? "certificate"
                                                         : "OpenPGP key";
        out.push_back("local domain " + local.name + ": no signing " + what + " (mail to " + names +
                      " leaves unsigned)");
    }
    return out;
}

}  // namespace

Result<std::vector<ExpiringItem>> Service::expiring(std::time_t now, unsigned days) {
    auto snap = snapshot();
    SEALGATE_TRY(snap);
    const policy::Snapshot& s = **snap;
    // Retired own certificates are superseded on purpose: their end is no news.
    auto records = store_.list_certificates();
    SEALGATE_TRY(records);
    const std::time_t window = static_cast<std::time_t>(days) * 24 * 3600;
    const auto within = [&](std::time_t end) { return end != 0 && end - now <= window; };
    std::vector<ExpiringItem> out;
    for (const auto& rec : *records) {
        const auto* stored = s.find_certificate(rec.sha256);
        if (stored == nullptr || rec.retired || !within(stored->cert.not_after()))
            continue;
        out.push_back(ExpiringItem{"certificate", rec.sha256, stored->cert.subject(),
                                   stored->cert.not_after(), stored->has_private_key,
                                   policy::expiry(stored->cert.not_after(), now), ""});
    }
    for (const auto& k : s.pgp_keys()) {
        if (k.retired)
            continue;
        const bool own = !k.sealed_secret.empty();
        const auto info = openpgp::key_info(k.public_key);
        if (!info)
            continue;  // an unreadable key shows in the key list with its reason
        const std::string uid = detail::primary_uid(*info);
        if (within(info->primary.expires)) {
            out.push_back(ExpiringItem{"pgp-key", k.fingerprint, uid, info->primary.expires, own,
                                       policy::expiry(info->primary.expires, now), ""});
            continue;  // its subkeys end with it
        }
        // The encryption subkey whose end ends encryption to the key: an older one that a
        // newer subkey outlives is no news.
        const auto outlived = [&](const openpgp::KeyPart& sub) {
            return std::any_of(info->subkeys.begin(), info->subkeys.end(), [&](const auto& o) {
                return &o != &sub && o.can_encrypt && !o.revoked &&
                       (o.expires == 0 || o.expires > sub.expires);
            });
        };
        for (const auto& sub : info->subkeys) {
            if (!sub.can_encrypt || sub.revoked || !within(sub.expires) || outlived(sub))
                continue;
            out.push_back(ExpiringItem{"pgp-subkey", sub.fingerprint, uid, sub.expires, own,
                                       policy::expiry(sub.expires, now), k.fingerprint});
        }
    }
    // Own first: their end breaks the partners' mail to us. Then the soonest first.
    std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
        if (a.own != b.own)
            return a.own;
        return a.not_after < b.not_after;
    });
    return out;
}

Result<StatusView> Service::status(std::time_t now) {
    auto snap = snapshot();
    SEALGATE_TRY(snap);
    const policy::Snapshot& s = **snap;
    StatusView view;
    view.domains = s.domains().size();
    view.local_domains = static_cast<std::size_t>(
        std::count_if(s.domains().begin(), s.domains().end(), [](auto& d) { return d.local; }));
    view.certificates = s.certificates().size();
    for (const auto& [sha, stored] : s.certificates())
        view.own_certificates += stored.has_private_key ? 1 : 0;
    view.pgp_keys = s.pgp_keys().size();
    for (const auto& k : s.pgp_keys())
        view.own_pgp_keys += k.sealed_secret.empty() ? 0U : 1U;
    auto expiring_items =
        expiring(now, static_cast<unsigned>(policy::kExpiryWarningWindow / (24 * 3600)));
    SEALGATE_TRY(expiring_items);
    view.expiring = std::move(*expiring_items);

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

    auto warnings = signing_warnings(s);
    SEALGATE_TRY(warnings);
    view.warnings = std::move(*warnings);
    return view;
}

}  // namespace sealgate::admin
