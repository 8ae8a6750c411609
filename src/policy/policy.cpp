#include "policy/policy.hpp"

#include "address/address.hpp"
#include "core/text.hpp"
#include "core/time.hpp"

#include <algorithm>
#include <ctime>
#include <optional>

namespace sealgate::policy {

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
    if (signer)
        key += "|signed:" + signer->id;
    if (header_protection)
        key += "|hp";
    // Passed copies carry the reason in their info header: group them by it, so every copy says
    // the truth about its own recipients.
    if (action == Action::pass)
        key += "|" + reason;
    return key;
}

namespace {

// The verdict on a certificate: a CTL block beats everything, the key's strength
// comes next (it is permanent: no trust decision changes it), then crypto's verdict.
crypto::Usability combine(crypto::CtlStatus ctl, const std::optional<std::string>& strength,
                          const crypto::Usability& verdict) {
    if (ctl != crypto::CtlStatus::blocked && strength)
        return {false, *strength, crypto::Problem::other};
    return verdict;
}

}  // namespace

crypto::Usability under_revocation(const crypto::Usability& verdict, Revocation revocation) {
    if (!verdict.usable || !verdict.revocation_unchecked || revocation != Revocation::hard)
        return verdict;
    crypto::Usability out;
    out.reason = "revocation unknown (no current CRL of its issuer; revocation = hard)";
    out.problem = crypto::Problem::revocation_unknown;
    out.revocation_unchecked = true;
    return out;
}

CertificateStatus certificate_status(const Snapshot& snap, const crypto::Certificate& cert,
                                     const KeyMinimum& minimum, Revocation revocation) {
    CertificateStatus st;
    const std::string sha = cert.sha256();
    st.ctl = snap.ctl_status(sha);
    const auto* stored = snap.find_certificate(sha);
    st.strength_problem =
        key_strength_problem(stored != nullptr ? stored->strength : cert.key_strength(), minimum);
    // The verdict of the snapshot (judged at its load), unless the certificate expired since.
    const crypto::Usability* cached = snap.smime_verdict(sha);
    crypto::Usability verdict =
        cached != nullptr ? *cached : crypto::encryption_usability(cert, st.ctl, snap.trust());
    if (verdict.usable && std::time(nullptr) > cert.not_after())
        verdict = {false, "expired on " + format_time(cert.not_after()), crypto::Problem::expired};
    st.usability = under_revocation(combine(st.ctl, st.strength_problem, verdict), revocation);
    return st;
}

namespace {

// A method's attempt for a domain. The counts of refused keys tell a refusal for key strength
// alone from one with other reasons, and one that a renewal or a CRL fetch mends (temporary)
// from one it does not.
struct Attempt {
    bool found = false;
    std::string why_not;   // every candidate skipped, and why (also when another was used)
    int weak_keys = 0;     // refused for the key itself (too weak, unsupported)
    int other_keys = 0;    // refused for another reason (trust, blocked, not in the store, ...)
    int lapsed_keys = 0;   // refused for a lifecycle problem (crypto::Problem) that defers
    int expired_keys = 0;  // of those, expired (on-expired = reject makes them permanent)
};

// Counts a refused candidate by the kind of its problem.
void count_refusal(Attempt& a, bool key_refused, crypto::Problem problem, const DomainRecord& dom) {
    const bool expired = problem == crypto::Problem::expired;
    const bool lapsed = expired || problem == crypto::Problem::revoked ||
                        problem == crypto::Problem::revocation_unknown;
    if (key_refused) {
        ++a.weak_keys;
    } else if (expired && dom.on_expired == ExpiredAction::reject) {
        ++a.expired_keys;
        ++a.other_keys;  // permanent
    } else if (lapsed) {
        ++(expired ? a.expired_keys : a.lapsed_keys);
    } else {
        ++a.other_keys;
    }
}

void join_reasons(Attempt& a, const std::vector<std::string>& reasons) {
    for (std::size_t i = 0; i < reasons.size(); ++i)
        a.why_not += (i ? "; " : "") + reasons[i];
}

Attempt try_smime(const Snapshot& snap, const DomainRecord& dom, Treatment& t) {
    Attempt a;
    std::vector<std::string> reasons;
    const KeyMinimum minimum = key_minimum(&dom);
    for (const auto& sha : dom.smime_certs) {
        const auto* stored = snap.find_certificate(sha);
        if (stored == nullptr) {
            reasons.push_back("certificate " + sha.substr(0, 16) + " is not in the store");
            ++a.other_keys;
            continue;
        }
        const auto st = certificate_status(snap, stored->cert, minimum, dom.revocation);
        const crypto::Usability& verdict = st.usability;
        if (verdict.usable) {
            t.certificates.push_back(stored->cert);
            continue;
        }
        reasons.push_back("certificate " + sha.substr(0, 16) + ": " + verdict.reason);
        // The key itself is the reason: too weak, or one S/MIME cannot encrypt to (both come
        // before every check but a CTL block).
        const bool key_refused =
            st.strength_problem || !crypto::recipient_key_problem(stored->cert).empty();
        count_refusal(a, key_refused && st.ctl != crypto::CtlStatus::blocked, verdict.problem, dom);
    }
    if (!t.certificates.empty()) {
        a.found = true;
        join_reasons(a, reasons);
        t.method = Method::smime;
        t.profile = dom.smime_profile == SmimeProfile::modern ? crypto::CmsProfile::modern
                                                              : crypto::CmsProfile::compat;
        return a;
    }
    if (dom.smime_certs.empty())
        reasons.emplace_back("no S/MIME certificate chosen");
    join_reasons(a, reasons);
    return a;
}

Attempt try_pgp(const Snapshot& snap, const DomainRecord& dom, Treatment& t) {
    Attempt a;
    std::vector<std::string> reasons;
    const KeyMinimum minimum = key_minimum(&dom);
    for (const auto* key : snap.pgp_keys_for(dom.name)) {
        const auto u = pgp_key_usability(snap, *key, minimum);
        if (u.usable) {
            t.pgp_keys.push_back({key->fingerprint, key->public_key});
            continue;
        }
        reasons.push_back("key " + key->fingerprint.substr(0, 16) + ": " + u.reason);
        const auto strength = pgp_strength_problem(snap, *key, minimum);
        count_refusal(a, strength && u.reason == *strength, u.problem, dom);
    }
    if (!t.pgp_keys.empty()) {
        a.found = true;
        join_reasons(a, reasons);
        t.method = Method::pgp;
        return a;
    }
    if (reasons.empty())
        reasons.emplace_back("no OpenPGP key bound");
    join_reasons(a, reasons);
    return a;
}

// The recipient domain's `sign` for a copy decide() settled: who signs it, or why nobody does.
void choose_signer(const Snapshot& snap, std::string_view sender, const DomainRecord& dom,
                   Treatment& t) {
    if (t.action == Action::refuse)
        return;
    // RFC 9788 when encrypting, whether signed or not; in clear only under a signature.
    t.header_protection = dom.header_protection && t.action == Action::encrypt;
    if (dom.sign == SignMode::none)
        return;
    std::vector<Method> methods;
    if (t.action == Action::encrypt)
        methods.push_back(t.method);
    else if (t.action == Action::pass && dom.sign == SignMode::sign)
        methods = dom.methods;
    std::vector<std::string> reasons;
    for (const Method m : methods) {
        auto signer = signer_for(snap, domain_of(sender), m);
        if (signer) {
            t.signer = std::move(*signer);
            break;
        }
        reasons.push_back(signer.error().reason);
    }
    if (!t.signer && !reasons.empty()) {
        for (const auto& r : reasons)
            t.unsigned_reason += (t.unsigned_reason.empty() ? "" : "; ") + r;
    }
    t.header_protection = dom.header_protection && (t.action == Action::encrypt || t.signer);
}

Treatment outbound(const Snapshot& snap, std::string_view sender, std::string_view rdomain) {
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
        choose_signer(snap, sender, *dom, t);
        return t;
    }
    std::string why_not;
    int weak_keys = 0;
    int other_keys = 0;
    int lapsed_keys = 0;
    int expired_keys = 0;
    for (const Method m : dom->methods) {
        Treatment candidate = t;
        const Attempt a =
            m == Method::smime ? try_smime(snap, *dom, candidate) : try_pgp(snap, *dom, candidate);
        const std::string label = m == Method::smime ? "S/MIME: " : "OpenPGP: ";
        if (a.found) {
            candidate.action = Action::encrypt;
            candidate.reason =
                "encryption " + std::string(to_string(dom->encrypt_mode)) + " for " + dom->name;
            // The candidates skipped on the way (an earlier method's, this method's unusable
            // ones): the log says which and why.
            std::string skipped = why_not;
            if (!a.why_not.empty())
                skipped += (skipped.empty() ? "" : "; ") + label + a.why_not;
            if (!skipped.empty())
                candidate.reason += "; skipped " + skipped;
            choose_signer(snap, sender, *dom, candidate);
            return candidate;
        }
        if (!why_not.empty())
            why_not += "; ";
        why_not += label + a.why_not;
        weak_keys += a.weak_keys;
        other_keys += a.other_keys;
        lapsed_keys += a.lapsed_keys;
        expired_keys += a.expired_keys;
    }
    t.reason = "no usable key for " + dom->name + " (" + why_not + ")";
    if (dom->encrypt_mode == EncryptMode::mandatory) {
        t.action = Action::refuse;
        // The sender learns that the partner's key is the problem, not a passing failure.
        if (weak_keys > 0 && other_keys == 0 && lapsed_keys == 0 && expired_keys == 0) {
            t.refusal_text =
                "Encryption to this recipient is required but its key is too weak or unsupported";
        } else if (weak_keys == 0 && other_keys == 0 && lapsed_keys + expired_keys > 0) {
            // Every candidate has a lifecycle problem that a renewal or a CRL fetch mends.
            t.temporary = true;
            t.reason += "; deferred until a usable certificate or key is bound";
            t.refusal_text =
                "Encryption to this recipient is required but its certificate or key is not "
                "usable now (expired, revoked or revocation unknown); try again later";
        } else if (expired_keys > 0 && lapsed_keys == 0 && weak_keys == 0 &&
                   other_keys == expired_keys) {
            t.reason += "; on-expired reject";
            t.refusal_text =
                "Encryption to this recipient is required but its certificate or key has expired";
        }
    }
    choose_signer(snap, sender, *dom, t);
    return t;
}

}  // namespace

std::optional<std::string> pgp_strength_problem(const Snapshot& snap, const PgpKeyRecord& key,
                                                const KeyMinimum& minimum) {
    const PgpKeyStrength* s = snap.pgp_strength(key.fingerprint);
    if (s == nullptr)
        return std::nullopt;  // unreadable: pgp_verdict() says why
    return key_strength_problem(*s, minimum);
}

namespace {

// The order of pgp_key_usability: strength, trust, the key's own state.
crypto::Usability pgp_verdict(const std::optional<std::string>& strength, bool trusted,
                              const crypto::Usability& state) {
    if (strength)
        return {false, *strength, crypto::Problem::other};
    if (!trusted)
        return {false, "not trusted (compare fingerprints, then `sealgate pgp trust`)",
                crypto::Problem::other};
    return state;
}

}  // namespace

crypto::Usability pgp_key_state(const openpgp::Usability& verdict) {
    if (verdict.usable)
        return {true, "encrypt to subkey " + verdict.encryption_key};
    using P = openpgp::Usability::Problem;
    switch (verdict.problem) {
        case P::expired:
            // The primary key's reason names its date; a key whose subkeys all expired says so.
            return {false,
                    verdict.reason.rfind("expired", 0) == 0
                        ? verdict.reason
                        : verdict.reason + " (every encryption subkey has expired)",
                    crypto::Problem::expired};
        case P::revoked:
            return {false, verdict.reason, crypto::Problem::revoked};
        case P::none:
        case P::other:
            break;
    }
    return {false, verdict.reason, crypto::Problem::other};
}

PgpKeyStatus pgp_key_status(const Snapshot& snap, const PgpKeyRecord& key,
                            const KeyMinimum& minimum) {
    PgpKeyStatus st;
    st.state = snap.pgp_verdict(key.fingerprint);
    st.strength_problem = pgp_strength_problem(snap, key, minimum);
    st.usability = pgp_verdict(st.strength_problem, key.trusted, st.state);
    return st;
}

Result<PgpKeyStatus> pgp_key_status(std::string_view public_key, bool trusted,
                                    const KeyMinimum& minimum) {
    auto u = openpgp::encryption_usability(public_key);
    SEALGATE_TRY(u);
    PgpKeyStatus st;
    st.state = pgp_key_state(*u);
    st.strength_problem =
        key_strength_problem(PgpKeyStrength{u->primary_strength, u->encryption_strength}, minimum);
    st.usability = pgp_verdict(st.strength_problem, trusted, st.state);
    return st;
}

std::vector<const DomainRecord*> domains_accepting(
    const Snapshot& snap, const std::vector<std::string>& names,
    const std::function<std::optional<std::string>(const KeyMinimum&)>& problem) {
    std::vector<const DomainRecord*> out;
    for (const auto& name : names) {
        // The record itself, not a wildcard matching the name: its own setting counts.
        const auto* dom = snap.find_domain(name);
        if (dom != nullptr && dom->name == name && dom->min_rsa_bits != 0 &&
            !problem(key_minimum(dom)))
            out.push_back(dom);
    }
    return out;
}

crypto::Usability pgp_key_usability(const Snapshot& snap, const PgpKeyRecord& key,
                                    const KeyMinimum& minimum) {
    return pgp_key_status(snap, key, minimum).usability;
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

Direction direction(const Snapshot& snap, std::string_view sender, std::string_view recipient) {
    // RFC 5321 §4.5.1: <postmaster> without a domain is ours.
    if (is_postmaster(recipient))
        return Direction::inbound;
    const std::string rdomain = domain_of(recipient);
    if (snap.is_local(rdomain))
        return Direction::inbound;
    // A partner domain's policy applies whoever the sender is: a bounce (MAIL FROM:<>) of a
    // decrypted message or a forward from outside must not reach a mandatory domain in clear.
    const DomainRecord* record = snap.find_domain(rdomain);
    if (snap.is_local(domain_of(sender)) ||
        (record != nullptr && record->encrypt_mode != EncryptMode::none))
        return Direction::outbound;
    return Direction::relay;
}

std::vector<std::pair<Direction, std::vector<std::string>>> by_direction(
    const Snapshot& snap, std::string_view sender, const std::vector<std::string>& recipients) {
    std::vector<std::pair<Direction, std::vector<std::string>>> out;
    for (const auto& r : recipients) {
        const Direction d = direction(snap, sender, r);
        auto it = std::find_if(out.begin(), out.end(), [&](const auto& g) { return g.first == d; });
        if (it == out.end())
            it = out.insert(out.end(), {d, {}});
        it->second.push_back(r);
    }
    return out;
}

Result<Treatment> decide(const Snapshot& snap, std::string_view sender, std::string_view recipient,
                         Mode mode) {
    if (mode == Mode::automatic && is_postmaster(recipient)) {
        // Inbound, as direction() says; it has no domain for the checks below.
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
            return outbound(snap, sender, rdomain);
        case Mode::automatic:
            break;
    }
    switch (direction(snap, sender, recipient)) {
        case Direction::inbound:
            return decide(snap, sender, recipient, Mode::inbound);
        case Direction::outbound:
            return outbound(snap, sender, rdomain);
        case Direction::relay:
            break;
    }
    Treatment relay;
    relay.direction = Direction::relay;
    relay.reason = "neither sender nor recipient is local";
    return relay;
}

}  // namespace sealgate::policy
