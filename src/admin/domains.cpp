// admin/domains.cpp — our local domains and the partner domains with their policy.
//
// A domain is named as the administrator types it and normalised by
// address::normalize_domain_pattern, so "Partner.Example" and "partner.example" are one record.
// Choosing certificates for a partner is judged by policy::check_smime_binding (our own
// certificate, one for another domain: force); a key minimum below the default is a warning.
#include <algorithm>

#include "address/address.hpp"
#include "admin/internal.hpp"
#include "admin/service.hpp"
#include "policy/policy.hpp"
#include "store/lookup.hpp"

namespace sealgate::admin {

namespace {

Result<DomainRecord> existing(Store& store, std::string_view text) {
    auto name = address::normalize_domain_pattern(text);
    SEALGATE_TRY(name);
    auto rec = store.find_domain(*name);
    SEALGATE_TRY(rec);
    if (!*rec)
        return fail(
            Error::not_found("no domain " + *name + " (add it with `sealgate domain add`)"));
    return std::move(**rec);
}

std::string min_bits_text(unsigned bits) {
    return bits == 0 ? "(default)" : std::to_string(bits);
}

// Each setting of a domain record as the audit log names it.
struct Setting {
    const char* name;
    std::string (*text)(const DomainRecord&);
};
constexpr Setting kSettings[] = {
    {"local", [](const DomainRecord& d) { return detail::yes_no(d.local); }},
    {"encrypt_mode", [](const DomainRecord& d) { return std::string(to_string(d.encrypt_mode)); }},
    {"methods", [](const DomainRecord& d) { return methods_to_string(d.methods); }},
    {"smime_certs", [](const DomainRecord& d) { return detail::list_or_none(d.smime_certs, " "); }},
    {"smime_profile",
     [](const DomainRecord& d) { return std::string(to_string(d.smime_profile)); }},
    {"tls", [](const DomainRecord& d) { return std::string(to_string(d.tls)); }},
    {"min_rsa_bits", [](const DomainRecord& d) { return min_bits_text(d.min_rsa_bits); }},
    {"on_expired", [](const DomainRecord& d) { return std::string(to_string(d.on_expired)); }},
    {"revocation", [](const DomainRecord& d) { return std::string(to_string(d.revocation)); }},
    {"accept_signed_updates",
     [](const DomainRecord& d) { return detail::yes_no(d.accept_signed_updates); }},
    {"sign", [](const DomainRecord& d) { return std::string(to_string(d.sign)); }},
    {"require_signature",
     [](const DomainRecord& d) { return detail::yes_no(d.require_signature); }},
    {"on_bad_signature",
     [](const DomainRecord& d) { return std::string(to_string(d.on_bad_signature)); }},
    {"keep_signature", [](const DomainRecord& d) { return detail::yes_no(d.keep_signature); }},
    {"header_protection",
     [](const DomainRecord& d) { return std::string(d.header_protection ? "on" : "off"); }},
    {"discovery", [](const DomainRecord& d) { return std::string(to_string(d.discovery)); }},
    {"discovery_address",
     [](const DomainRecord& d) {
         return d.discovery_address.empty() ? std::string("(default)") : d.discovery_address;
     }},
};

// "local: no; encrypt_mode: none; ...": a whole record, for its addition and removal.
std::string describe(const DomainRecord& d) {
    std::vector<std::string> parts;
    for (const auto& s : kSettings)
        parts.push_back(std::string(s.name) + ": " + s.text(d));
    return detail::change_text(parts);
}

// "encrypt_mode: none -> mandatory; ...": what a change did.
std::string differences(const DomainRecord& before, const DomainRecord& after) {
    std::vector<std::string> parts;
    for (const auto& s : kSettings)
        detail::diff(parts, s.name, s.text(before), s.text(after));
    return detail::change_text(parts);
}

}  // namespace

Result<std::vector<DomainRecord>> Service::list_domains() {
    return store_.list_domains();
}

Result<DomainView> Service::domain(std::string_view text) {
    auto name = address::normalize_domain_pattern(text);
    SEALGATE_TRY(name);
    auto snap = snapshot();
    SEALGATE_TRY(snap);
    const policy::Snapshot& s = **snap;
    DomainView view;
    view.name = *name;
    const DomainRecord* d = s.find_domain(*name);
    if (d == nullptr) {
        view.next.reason = "no domain record matches";
        return view;
    }
    view.record = *d;
    view.minimum = policy::key_minimum(d);
    for (const auto& sha : d->smime_certs) {
        BoundCertificate bound;
        bound.sha256 = sha;
        if (const auto* stored = s.find_certificate(sha)) {
            const auto st =
                policy::certificate_status(s, stored->cert, view.minimum, d->revocation);
            bound.stored = true;
            bound.origin = stored->origin;
            bound.usable = st.usability.usable;
            bound.reason = st.usability.reason;
        } else {
            bound.reason = "not in the store";
        }
        view.smime_certs.push_back(std::move(bound));
    }
    for (const auto* k : s.pgp_keys_for(d->name)) {
        const auto u = policy::pgp_key_usability(s, *k, view.minimum);
        view.pgp_keys.push_back(BoundKey{k->fingerprint, k->origin, u.usable, u.reason});
    }
    if (d->local)
        return view;  // local: inbound mail is decrypted, there is no outbound policy to show
    // The decision the daemon would take for the next message, by the same function.
    auto next =
        policy::decide(s, "postmaster@localhost", "postmaster@" + *name, policy::Mode::outbound);
    SEALGATE_TRY(next);
    view.next = std::move(*next);
    view.warnings = policy::check_domain_coverage(s, *d).warnings();
    return view;
}

Result<DomainRecord> Service::add_domain(std::string_view text, bool local) {
    auto name = address::normalize_domain_pattern(text);
    SEALGATE_TRY(name);
    auto found = store_.find_domain(*name);
    SEALGATE_TRY(found);
    if (*found)
        return fail(Error::conflict("domain " + *name + " exists already"));
    DomainRecord rec;
    rec.name = *name;
    rec.local = local;
    SEALGATE_TRY(store_.put_domain(rec));
    SEALGATE_TRY(audited("domain.add", rec.name, describe(rec)));
    return rec;
}

Result<Changed<DomainRecord>> Service::change_domain(std::string_view text,
                                                     const DomainChange& change, bool force) {
    auto rec = existing(store_, text);
    SEALGATE_TRY(rec);
    const DomainRecord before = *rec;
    if (change.local)
        rec->local = *change.local;
    if (change.encrypt_mode)
        rec->encrypt_mode = *change.encrypt_mode;
    if (change.methods)
        rec->methods = *change.methods;
    if (change.smime_profile)
        rec->smime_profile = *change.smime_profile;
    if (change.tls)
        rec->tls = *change.tls;
    if (change.min_rsa_bits) {
        // The bounds are policy's, and so is the refusal's text: the number goes through the
        // parser that `domain set ... min-rsa-bits` uses.
        const unsigned bits = *change.min_rsa_bits;  // 0: the default
        if (bits != 0)
            SEALGATE_TRY(policy::parse_min_rsa_bits(std::to_string(bits)));
        rec->min_rsa_bits = bits;
    }
    if (change.on_expired)
        rec->on_expired = *change.on_expired;
    if (change.revocation)
        rec->revocation = *change.revocation;
    if (change.accept_signed_updates)
        rec->accept_signed_updates = *change.accept_signed_updates;
    if (change.sign)
        rec->sign = *change.sign;
    if (change.require_signature)
        rec->require_signature = *change.require_signature;
    if (change.on_bad_signature)
        rec->on_bad_signature = *change.on_bad_signature;
    if (change.keep_signature)
        rec->keep_signature = *change.keep_signature;
    if (change.header_protection)
        rec->header_protection = *change.header_protection;
    if (change.discovery)
        rec->discovery = *change.discovery;
    if (change.discovery_address) {
        if (change.discovery_address->empty()) {
            rec->discovery_address.clear();  // the default, domain-cert@DOMAIN
        } else {
            auto box = address::parse_mailbox(*change.discovery_address, address::Charset::ascii);
            if (!box || box->literal || box->domain != rec->name)
                return fail(Error::bad_input("discovery-address: an address in " + rec->name +
                                             " (empty: domain-cert@" + rec->name + ")"));
            rec->discovery_address = box->local + "@" + box->domain;
        }
    }
    if (rec->discovery != DiscoveryMode::off && (rec->local || rec->name.starts_with("*.")))
        return fail(Error::bad_input("discovery: only for a partner domain by its name, not " +
                                     std::string(rec->local ? "a local domain" : "a pattern")));

    Changed<DomainRecord> out;
    if (change.smime_certs) {
        // The whole list: several certificates are the rotation case (encrypt to each usable).
        std::vector<std::string> certs;
        for (const auto& text_cert : *change.smime_certs) {
            auto c = lookup_certificate(store_, text_cert);
            SEALGATE_TRY(c);
            if (std::find(certs.begin(), certs.end(), c->sha256) == certs.end())
                certs.push_back(c->sha256);
        }
        // The rules judge what this change adds (under the settings it makes); a certificate
        // bound already was judged then.
        auto snap = snapshot();
        SEALGATE_TRY(snap);
        policy::Verdict verdict;
        for (const auto& sha : certs) {
            if (std::find(before.smime_certs.begin(), before.smime_certs.end(), sha) !=
                before.smime_certs.end())
                continue;
            auto v = policy::check_smime_binding(**snap, *rec, sha);
            verdict.findings.insert(verdict.findings.end(), v.findings.begin(), v.findings.end());
        }
        SEALGATE_TRY(detail::judge(verdict, force, out.warnings, out.overridden));
        rec->smime_certs = std::move(certs);
    }
    if (change.require_signature && *change.require_signature && !before.require_signature) {
        // Not refused (the certificate or key may be bound next), but said: until one is bound,
        // no signature from the domain can be valid.
        auto snap = snapshot();
        SEALGATE_TRY(snap);
        if (rec->smime_certs.empty() && (*snap)->pgp_keys_for(rec->name).empty())
            out.warnings.push_back(
                "no certificate or OpenPGP key is bound to " + rec->name +
                ": until one is, no signature from it is valid and all its mail is " +
                (rec->on_bad_signature == SignatureAction::refuse ? "refused" : "marked"));
    }
    if (change.min_rsa_bits) {
        if (auto weak = policy::key_minimum_warning(policy::key_minimum(&*rec)))
            out.warnings.push_back(std::move(*weak));
    }

    SEALGATE_TRY(store_.put_domain(*rec));
    SEALGATE_TRY(audited("domain.update", rec->name, differences(before, *rec)));
    out.value = std::move(*rec);
    return out;
}

Result<std::string> Service::remove_domain(std::string_view text) {
    auto name = address::normalize_domain_pattern(text);
    SEALGATE_TRY(name);
    auto found = store_.find_domain(*name);
    SEALGATE_TRY(found);
    auto removed = store_.remove_domain(*name);
    SEALGATE_TRY(removed);
    if (!*removed)
        return fail(Error::not_found("no domain " + *name));
    SEALGATE_TRY(audited("domain.remove", *name, *found ? describe(**found) : std::string()));
    return *name;
}

}  // namespace sealgate::admin
