// admin/certificates.cpp — the S/MIME certificates: ours (with the private key, sealed by
// keystore/) and the partners'.
//
// A certificate whose key is too weak under the default minimum is kept on import, with a
// warning: a domain may accept it with its own min-rsa-bits (policy/key_strength.hpp).
#include <map>

#include "admin/internal.hpp"
#include "admin/service.hpp"
#include "core/time.hpp"
#include "crypto/import.hpp"
#include "policy/policy.hpp"
#include "store/lookup.hpp"

namespace sealgate::admin {

namespace {

std::vector<std::string> domains_using(const policy::Snapshot& snap, const std::string& sha) {
    std::vector<std::string> out;
    for (const auto& d : snap.domains())
        for (const auto& c : d.smime_certs)
            if (c == sha)
                out.push_back(d.name);
    return out;
}

// Why an imported certificate is not usable under the default minimum (it is kept: a domain
// may accept it with min-rsa-bits), or "".
std::string import_warning(const crypto::Certificate& cert, bool own) {
    const auto problem = policy::key_strength_problem(cert.key_strength(), policy::KeyMinimum{});
    if (!problem)
        return {};
    const bool says_so = problem->starts_with("key not usable");
    return std::string(says_so ? "" : "not usable: ") + *problem +
           (own ? " (our own certificate: replace it, `sealgate cert create`)" : "");
}

bool matches(const CertificateFilter& filter, const CertificateView& view, std::time_t now) {
    if (filter.own && *filter.own != view.has_private_key)
        return false;
    if (filter.expiring_days) {
        const auto window = static_cast<std::time_t>(*filter.expiring_days) * 24 * 3600;
        if (view.cert.not_after() - now > window)
            return false;
    }
    return true;
}

}  // namespace

namespace detail {

CertificateView certificate_view(const policy::Snapshot& snap,
                                 const policy::StoredCertificate& stored, std::time_t added,
                                 std::time_t now, bool retired) {
    auto domains = domains_using(snap, stored.cert.sha256());
    auto strength = strength_text(snap, domains, [&](const policy::KeyMinimum& minimum) {
        return policy::key_strength_problem(stored.strength, minimum);
    });
    CertificateView view{stored.cert,
                         stored.has_private_key,
                         added,
                         policy::certificate_status(snap, stored.cert),
                         policy::expiry(stored.cert.not_after(), now),
                         std::move(strength),
                         std::move(domains),
                         retired};
    return view;
}

}  // namespace detail

Result<std::vector<CertificateView>> Service::list_certificates(const CertificateFilter& filter) {
    auto records = store_.list_certificates();
    SEALGATE_TRY(records);
    std::map<std::string, const CertRecord*, std::less<>> records_by_sha;
    for (const auto& r : *records)
        records_by_sha.emplace(r.sha256, &r);
    auto snap = snapshot();
    SEALGATE_TRY(snap);
    const std::time_t now = std::time(nullptr);
    std::vector<CertificateView> out;
    for (const auto& [sha, stored] : (*snap)->certificates()) {
        const auto rec = records_by_sha.find(sha);
        const bool known = rec != records_by_sha.end();
        auto view = detail::certificate_view(**snap, stored, known ? rec->second->added : 0, now,
                                             known && rec->second->retired);
        if (matches(filter, view, now))
            out.push_back(std::move(view));
    }
    return out;
}

Result<CertificateView> Service::certificate(std::string_view thumbprint) {
    auto rec = lookup_certificate(store_, thumbprint);
    SEALGATE_TRY(rec);
    auto snap = snapshot();
    SEALGATE_TRY(snap);
    const auto* stored = (*snap)->find_certificate(rec->sha256);
    if (stored == nullptr)
        return fail(Error::temp("certificate vanished while reading"));
    return detail::certificate_view(**snap, *stored, rec->added, std::time(nullptr), rec->retired);
}

Result<std::vector<ImportedCertificate>> Service::import_certificates(
    std::string_view bytes, const std::optional<std::string>& password) {
    auto bundle = crypto::read_bundle(bytes, password);
    SEALGATE_TRY(bundle);
    const std::time_t now = std::time(nullptr);
    std::vector<std::string> thumbprints;
    for (std::size_t i = 0; i < bundle->certificates.size(); ++i) {
        const auto& c = bundle->certificates[i];
        const bool own = i == 0 && bundle->key;
        if (own)
            SEALGATE_TRY(keys_.add_smime_key(c, *bundle->key));
        else
            SEALGATE_TRY(store_.put_certificate(CertRecord{c.sha256(), c.der(), false, now}));
        SEALGATE_TRY(
            audited("cert.import", c.sha256(), c.subject() + (own ? " (with private key)" : "")));
        thumbprints.push_back(c.sha256());
    }
    // The views judge each certificate among all that are stored now.
    auto snap = snapshot();
    SEALGATE_TRY(snap);
    std::vector<ImportedCertificate> out;
    for (std::size_t i = 0; i < thumbprints.size(); ++i) {
        const auto* stored = (*snap)->find_certificate(thumbprints[i]);
        auto record = store_.find_certificate(thumbprints[i]);
        SEALGATE_TRY(record);
        if (stored == nullptr || !*record)
            return fail(Error::temp("certificate vanished while reading"));
        const bool own = i == 0 && bundle->key;
        out.push_back(ImportedCertificate{
            detail::certificate_view(**snap, *stored, (*record)->added, now, (*record)->retired),
            own, import_warning(stored->cert, own)});
    }
    return out;
}

Result<CertificateView> Service::create_certificate(const crypto::CertificateRequest& request) {
    auto made = crypto::create_domain_certificate(request);
    SEALGATE_TRY(made);
    const auto& cert = made->first;
    SEALGATE_TRY(keys_.add_smime_key(cert, made->second));
    SEALGATE_TRY(audited("cert.create", cert.sha256(),
                         cert.subject() + ", " + cert.key_type() + " " +
                             std::to_string(cert.key_bits()) + " bits, until " +
                             format_time(cert.not_after())));
    return certificate(cert.sha256());
}

Result<std::string> Service::export_certificate(std::string_view thumbprint, bool der) {
    auto rec = lookup_certificate(store_, thumbprint);
    SEALGATE_TRY(rec);
    if (der)
        return rec->der;
    auto c = crypto::Certificate::from_der(rec->der);
    SEALGATE_TRY(c);
    return c->pem();
}

Result<std::string> Service::remove_certificate(std::string_view thumbprint, bool force) {
    auto rec = lookup_certificate(store_, thumbprint);
    SEALGATE_TRY(rec);
    if (rec->has_private_key && !force) {
        // Our key of a generation still valid: partners may still encrypt to it, and mail
        // encrypted to it may be in flight; without the key that mail is lost.
        auto own = crypto::Certificate::from_der(rec->der);
        if (own && own->not_after() > std::time(nullptr))
            return fail(Error::needs_force(
                rec->sha256 + ": its private key is valid until " + format_time(own->not_after()) +
                "; mail encrypted to it (in flight, or from a partner not yet updated) would no "
                "longer decrypt (" +
                (rec->retired ? std::string("it is retired already: remove it once it expired")
                              : std::string("retire it with `cert retire` instead")) +
                ")"));
    }
    // What goes with it, for the audit log: its subject, its key, the domains that chose it
    // (the store drops those choices).
    std::vector<std::string> chosen_by;
    auto domains = store_.list_domains();
    SEALGATE_TRY(domains);
    for (const auto& d : *domains)
        for (const auto& sha : d.smime_certs)
            if (sha == rec->sha256)
                chosen_by.push_back(d.name);
    auto cert = crypto::Certificate::from_der(rec->der);
    std::string change = cert ? cert->subject() : "(unreadable certificate)";
    if (rec->has_private_key)
        change += " (with private key)";
    if (!chosen_by.empty())
        change += "; chosen by " + detail::list_or_none(chosen_by);
    auto removed = store_.remove_certificate(rec->sha256);
    SEALGATE_TRY(removed);
    SEALGATE_TRY(audited("cert.remove", rec->sha256, std::move(change)));
    return rec->sha256;
}

}  // namespace sealgate::admin
