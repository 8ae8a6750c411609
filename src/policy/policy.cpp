#include "policy/policy.hpp"

#include "address/address.hpp"
#include "core/text.hpp"

#include <algorithm>
#include <ctime>
#include <optional>

namespace sealgate::policy {

std::string_view to_string(Direction d) {
    switch (d) {
        case Direction::inbound:
            return "inbound";
        case Direction::outbound:
            return "outbound";
        case Direction::relay:
            return "relay";
    }
    return "relay";
}

std::string_view to_string(Action a) {
    switch (a) {
        case Action::pass:
            return "passed";
        case Action::encrypt:
            return "encrypted";
        case Action::decrypt:
            return "decrypted";
        case Action::refuse:
            return "rejected";
    }
    return "passed";
}

std::string Treatment::group_key() const {
    std::string key(to_string(direction));
    key += '|';
    key += to_string(action);
    if (action == Action::encrypt) {
        // Per domain: domains sharing a key may still differ in require-tls.
        key += '|' + domain + '|';
        key += to_string(method);
        key += profile == crypto::CmsProfile::modern ? "|modern" : "|compat";
        for (const auto& c : certificates)
            key += "|" + c.sha256();
        for (const auto& k : pgp_keys)
            key += "|" + k.fingerprint;
    }
    // Passed copies carry the reason in their info header: group them by it, so every copy says
    // the truth about its own recipients.
    if (action == Action::pass)
        key += "|" + reason;
    return key;
}

CertificateStatus certificate_status(const Snapshot& snap, const crypto::Certificate& cert) {
    CertificateStatus st;
    st.ctl = snap.ctl_status(cert.sha256());
    st.usability = crypto::encryption_usability(cert, st.ctl, snap.trust());
    return st;
}

namespace {

// The S/MIME attempt for a domain: every chosen certificate that is usable now.
struct Attempt {
    bool found = false;
    std::string why_not;
};

std::string utc_minutes(std::time_t t) {
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", &tm);
    return buf;
}

Attempt try_smime(const Snapshot& snap, const DomainRecord& dom, Treatment& t) {
    Attempt a;
    std::vector<std::string> reasons;
    for (const auto& sha : dom.smime_certs) {
        const auto* stored = snap.find_certificate(sha);
        if (stored == nullptr) {
            reasons.push_back("certificate " + sha.substr(0, 16) + " is not in the store");
            continue;
        }
        // The verdict of the snapshot, unless the certificate expired since it was loaded.
        crypto::Usability verdict = *snap.smime_verdict(sha);
        if (verdict.usable && std::time(nullptr) > stored->cert.not_after())
            verdict = {false, "expired on " + utc_minutes(stored->cert.not_after())};
        if (verdict.usable)
            t.certificates.push_back(stored->cert);
        else
            reasons.push_back("certificate " + sha.substr(0, 16) + ": " + verdict.reason);
    }
    if (!t.certificates.empty()) {
        a.found = true;
        t.method = Method::smime;
        t.profile = dom.smime_profile == SmimeProfile::modern ? crypto::CmsProfile::modern
                                                              : crypto::CmsProfile::compat;
        return a;
    }
    if (dom.smime_certs.empty())
        reasons.emplace_back("no S/MIME certificate chosen");
    for (std::size_t i = 0; i < reasons.size(); ++i)
        a.why_not += (i ? "; " : "") + reasons[i];
    return a;
}

Attempt try_pgp(const Snapshot& snap, const DomainRecord& dom, Treatment& t) {
    Attempt a;
    std::vector<std::string> reasons;
    for (const auto* key : snap.pgp_keys_for(dom.name)) {
        const auto u = pgp_key_usability(snap, *key);
        if (u.usable)
            t.pgp_keys.push_back({key->fingerprint, key->public_key});
        else
            reasons.push_back("key " + key->fingerprint.substr(0, 16) + ": " + u.reason);
    }
    if (!t.pgp_keys.empty()) {
        a.found = true;
        t.method = Method::pgp;
        return a;
    }
    if (reasons.empty())
        reasons.emplace_back("no OpenPGP key bound");
    for (std::size_t i = 0; i < reasons.size(); ++i)
        a.why_not += (i ? "; " : "") + reasons[i];
    return a;
}

Treatment outbound(const Snapshot& snap, std::string_view rdomain) {
    Treatment t;
    t.direction = Direction::outbound;
    const DomainRecord* dom = snap.find_domain(rdomain);
    if (dom == nullptr) {
        t.reason = "no policy for " + std::string(rdomain);
        return t;
    }
    t.domain = dom->name;
    if (dom->encrypt_mode == EncryptMode::none) {
        t.reason = "encryption mode none for " + dom->name;
        return t;
    }
    std::string why_not;
    for (const Method m : dom->methods) {
        Treatment candidate = t;
        const Attempt a =
            m == Method::smime ? try_smime(snap, *dom, candidate) : try_pgp(snap, *dom, candidate);
        if (a.found) {
            candidate.action = Action::encrypt;
            candidate.reason =
                "encryption " + std::string(to_string(dom->encrypt_mode)) + " for " + dom->name;
            return candidate;
        }
        if (!why_not.empty())
            why_not += "; ";
        why_not += std::string(m == Method::smime ? "S/MIME: " : "OpenPGP: ") + a.why_not;
    }
    t.reason = "no usable key for " + dom->name + " (" + why_not + ")";
    if (dom->encrypt_mode == EncryptMode::mandatory)
        t.action = Action::refuse;
    return t;
}

}  // namespace

crypto::Usability pgp_key_usability(const Snapshot& snap, const PgpKeyRecord& key) {
    if (!key.trusted)
        return {false, "not trusted (compare fingerprints, then `sealgate pgp trust`)"};
    return snap.pgp_verdict(key.fingerprint);
}

namespace {

// Addresses whose final destination is not their domain (the "%" hack, bang paths, a quoted
// local part holding an '@') or that name no domain (address literals): an MTA may route them
// elsewhere than the domain policy sealgate would apply. They are refused, never passed in
// clear. Source routes never get here: the grammar drops them (address/address.hpp).
std::optional<Error> routing_syntax(const address::Mailbox& mailbox) {
    if (mailbox.local.find_first_of("@%!") != std::string::npos)
        return Error::perm(553, "5.1.3", "Routing syntax in recipient addresses is not accepted",
                           "routing syntax in " + mailbox.address());
    if (mailbox.literal)
        return Error::perm(553, "5.1.3", "Address literals are not accepted",
                           "address literal in " + mailbox.address());
    return std::nullopt;
}

bool is_postmaster(std::string_view address) {
    address = strip_angle_brackets(address);
    return ascii_lower(address) == "postmaster";
}

}  // namespace

Result<Treatment> decide(const Snapshot& snap, std::string_view sender, std::string_view recipient,
                         Mode mode) {
    if (mode == Mode::automatic && is_postmaster(recipient)) {
        // RFC 5321 §4.5.1: <postmaster> without a domain is ours.
        Treatment t;
        t.direction = Direction::inbound;
        t.action = Action::decrypt;
        return t;
    }
    auto mailbox = address::parse_path(strip_angle_brackets(recipient), address::Charset::utf8);
    if (mode != Mode::inbound) {
        if (!mailbox)
            return fail(
                Error::perm(501, "5.1.3", "Bad recipient address syntax", mailbox.error().reason));
        if (auto e = routing_syntax(*mailbox))
            return fail(std::move(*e));
    }
    const std::string rdomain = mailbox ? mailbox->domain : std::string();
    switch (mode) {
        case Mode::inbound: {
            Treatment t;
            t.direction = Direction::inbound;
            t.action = Action::decrypt;
            if (const auto* d = snap.find_domain(rdomain))
                t.domain = d->name;
            return t;
        }
        case Mode::outbound:
            return outbound(snap, rdomain);
        case Mode::automatic:
            break;
    }
    if (snap.is_local(rdomain))
        return decide(snap, sender, recipient, Mode::inbound);
    // A partner domain's policy applies whoever the sender is: a bounce (MAIL FROM:<>) of a
    // decrypted message or a forward from outside must not reach a mandatory domain in clear.
    const DomainRecord* record = snap.find_domain(rdomain);
    if (snap.is_local(domain_of(sender)) ||
        (record != nullptr && record->encrypt_mode != EncryptMode::none))
        return outbound(snap, rdomain);
    Treatment relay;
    relay.direction = Direction::relay;
    relay.reason = "neither sender nor recipient is local";
    return relay;
}

}  // namespace sealgate::policy
