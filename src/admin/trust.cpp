// admin/trust.cpp — what makes a partner certificate trusted, blocked or revoked: the
// certificate trust list (CTL), the trusted roots and the CRLs.
//
// A CTL entry may name a certificate that is not stored yet (trust by thumbprint in advance:
// store/lookup.hpp ctl_target). Trusting a blocked certificate lifts the block and needs force
// (policy::check_ctl_change).
#include "admin/internal.hpp"
#include "admin/service.hpp"
#include "core/time.hpp"
#include "crypto/import.hpp"
#include "store/lookup.hpp"

namespace sealgate::admin {

namespace {

Result<RootView> root_view(const RootRecord& root) {
    auto c = crypto::Certificate::from_der(root.der);
    SEALGATE_TRY(c);
    return RootView{root.sha256, c->subject(), c->not_after(), c->is_ca()};
}

CrlView crl_view(const crypto::Crl& crl, std::time_t now) {
    const std::time_t next = crl.next_update();
    return CrlView{crl.issuer(), crl.last_update(), next, crl.stale(now), "", 0};
}

}  // namespace

Result<std::vector<CtlEntry>> Service::list_ctl() {
    return store_.list_ctl();
}

Result<Changed<CtlEntry>> Service::set_ctl(std::string_view thumbprint, CtlAction action,
                                           bool force) {
    auto sha = ctl_target(store_, thumbprint);
    SEALGATE_TRY(sha);
    auto snap = snapshot();
    SEALGATE_TRY(snap);
    Changed<CtlEntry> out;
    SEALGATE_TRY(detail::judge(policy::check_ctl_change(**snap, *sha, action), force, out.warnings,
                               out.overridden));
    auto before = store_.find_ctl(*sha);
    SEALGATE_TRY(before);
    out.value = CtlEntry{*sha, action, std::time(nullptr)};
    SEALGATE_TRY(store_.put_ctl(out.value));
    const std::string old = *before ? std::string(to_string((*before)->action)) : "(none)";
    SEALGATE_TRY(audited("ctl.set", *sha, old + " -> " + std::string(to_string(action))));
    return out;
}

Result<std::string> Service::remove_ctl(std::string_view thumbprint) {
    auto sha = lookup_ctl_entry(store_, thumbprint);
    SEALGATE_TRY(sha);
    auto before = store_.find_ctl(*sha);
    SEALGATE_TRY(before);
    auto removed = store_.remove_ctl(*sha);
    SEALGATE_TRY(removed);
    SEALGATE_TRY(audited("ctl.remove", *sha,
                         *before ? "was " + std::string(to_string((*before)->action)) : ""));
    return *sha;
}

Result<std::vector<RootView>> Service::list_roots() {
    auto roots = store_.list_roots();
    SEALGATE_TRY(roots);
    std::vector<RootView> out;
    for (const auto& r : *roots) {
        auto view = root_view(r);
        SEALGATE_TRY(view);
        out.push_back(std::move(*view));
    }
    return out;
}

Result<std::vector<RootView>> Service::add_roots(std::string_view bytes) {
    auto bundle = crypto::read_bundle(bytes, std::nullopt);
    SEALGATE_TRY(bundle);
    if (bundle->key)
        return fail(Error::bad_input(
            "a private key came with the certificates: a root needs the certificate only"));
    std::vector<RootView> out;
    for (const auto& c : bundle->certificates) {
        SEALGATE_TRY(store_.put_root(RootRecord{c.sha256(), c.der()}));
        SEALGATE_TRY(audited("root.add", c.sha256(),
                             c.subject() + (c.is_ca() ? "" : " (not a CA certificate)")));
        out.push_back(RootView{c.sha256(), c.subject(), c.not_after(), c.is_ca()});
    }
    return out;
}

Result<std::string> Service::remove_root(std::string_view thumbprint) {
    auto sha = lookup_root(store_, thumbprint);
    SEALGATE_TRY(sha);
    auto removed = store_.remove_root(*sha);
    SEALGATE_TRY(removed);
    SEALGATE_TRY(audited("root.remove", *sha, ""));
    return *sha;
}

Result<std::vector<CrlView>> Service::list_crls() {
    auto crls = store_.list_crls();
    SEALGATE_TRY(crls);
    const std::time_t now = std::time(nullptr);
    std::vector<CrlView> out;
    for (const auto& r : *crls) {
        auto c = crypto::Crl::read(r.der);
        SEALGATE_TRY(c);
        auto view = crl_view(*c, now);
        view.issuer = r.issuer;
        view.source = r.source;
        view.added = r.added;
        out.push_back(std::move(view));
    }
    return out;
}

Result<CrlView> Service::import_crl(std::string_view bytes) {
    auto c = crypto::Crl::read(bytes);
    SEALGATE_TRY(c);
    // A CRL of an issuer we hold the certificate of must verify against it; one of an issuer we
    // do not know is believed (it can only take trust away: crypto/verify.cpp).
    auto issuer = detail::crl_issuer(store_, *c);
    SEALGATE_TRY(issuer);
    if (*issuer == detail::CrlIssuer::does_not_verify)
        return fail(
            Error::bad_input("the CRL does not verify against the certificate of " + c->issuer()));
    const std::time_t now = std::time(nullptr);
    SEALGATE_TRY(store_.put_crl(CrlRecord{c->issuer(), c->der(), now, ""}));
    SEALGATE_TRY(audited("crl.import", c->issuer(), "updated " + format_time(c->last_update())));
    auto view = crl_view(*c, now);
    view.added = now;
    return view;
}

}  // namespace sealgate::admin
