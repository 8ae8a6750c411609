#include "policy/admin_rules.hpp"
#include "policy/key_strength.hpp"

#include <algorithm>

#include "core/text.hpp"
#include "openpgp/key.hpp"

namespace sealgate::policy {

namespace {

std::string record_domain(std::string_view record_name) {
    std::string d = ascii_lower(record_name);
    if (d.starts_with("*."))
        d.erase(0, 2);
    return d;
}

bool below(std::string_view name, std::string_view parent) {
    return name.size() > parent.size() + 1 && name.ends_with(parent) &&
           name[name.size() - parent.size() - 1] == '.';
}

// The address in a user ID ("Name <a@b>" or a bare "a@b"); empty when there is none.
std::string uid_email(std::string_view uid) {
    const auto open = uid.rfind('<');
    const auto close = uid.rfind('>');
    if (open != std::string_view::npos && close != std::string_view::npos && open < close)
        return std::string(uid.substr(open + 1, close - open - 1));
    if (uid.find('@') != std::string_view::npos && uid.find(' ') == std::string_view::npos)
        return std::string(uid);
    return {};
}

std::string joined(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& i : items)
        out += (out.empty() ? "" : ", ") + i;
    return out;
}

// The findings every binding of a key to a partner domain shares. `what` names the key
// ("certificate 3f2a…", "OpenPGP key 9f8e…").
void check_binding(Verdict& v, const DomainRecord& domain, const std::string& what, bool ours,
                   const std::vector<std::string>& emails) {
    if (ours)
        v.findings.push_back({Finding::Kind::own_key_for_partner, true,
                              what + " is one of our own (we hold its private key): mail to " +
                                  domain.name + " would be encrypted to us, and " + domain.name +
                                  " could not read it"});
    const bool match = std::any_of(emails.begin(), emails.end(), [&](const std::string& e) {
        return email_domain_matches(domain_of(e), domain.name);
    });
    if (!match)
        v.findings.push_back(
            {Finding::Kind::email_domain_mismatch, true,
             emails.empty()
                 ? what + " names no email address: nothing shows that it belongs to " + domain.name
                 : what + " is for " + joined(emails) + ", not for " + domain.name + ": mail to " +
                       domain.name + " would be encrypted for another domain"});
    if (domain.encrypt_mode == EncryptMode::none)
        v.findings.push_back({Finding::Kind::still_in_clear, false,
                              domain.name +
                                  " has encrypt-mode none: its mail will still go in clear "
                                  "(set encrypt-mode opportunistic or mandatory to use " +
                                  what + ")"});
}

}  // namespace

bool Verdict::needs_force() const {
    return std::any_of(findings.begin(), findings.end(),
                       [](const Finding& f) { return f.needs_force; });
}

std::string Verdict::forced_text() const {
    std::vector<std::string> texts;
    for (const auto& f : findings)
        if (f.needs_force)
            texts.push_back(f.text);
    std::string out;
    for (const auto& t : texts)
        out += (out.empty() ? "" : "; ") + t;
    return out;
}

std::vector<std::string> Verdict::warnings() const {
    std::vector<std::string> out;
    for (const auto& f : findings)
        if (!f.needs_force)
            out.push_back(f.text);
    return out;
}

bool email_domain_matches(std::string_view email_domain, std::string_view record_name) {
    const std::string e = ascii_lower(email_domain);
    const std::string r = record_domain(record_name);
    if (e.empty() || r.empty())
        return false;
    return e == r || below(e, r) || below(r, e);
}

Verdict check_smime_binding(const Snapshot& snap, const DomainRecord& domain,
                            std::string_view sha256) {
    Verdict v;
    const StoredCertificate* stored = snap.find_certificate(sha256);
    // A local domain's mail is decrypted, never encrypted to a chosen certificate.
    if (domain.local || stored == nullptr)
        return v;
    const std::string what = "certificate " + std::string(sha256.substr(0, 16));
    check_binding(v, domain, what, stored->has_private_key, stored->cert.emails());
    if (auto weak = key_strength_problem(stored->strength, key_minimum(&domain)))
        v.findings.push_back({Finding::Kind::weak_key, false,
                              what + ": " + *weak + ": not usable for " + domain.name});
    return v;
}

Result<Verdict> check_pgp_binding(const DomainRecord& domain, const PgpKeyRecord& key) {
    Verdict v;
    if (domain.local)
        return v;
    auto info = openpgp::key_info(key.public_key);
    SEALGATE_TRY(info);
    std::vector<std::string> emails;
    for (const auto& uid : info->user_ids)
        if (auto e = uid_email(uid.text); !e.empty())
            emails.push_back(std::move(e));
    const std::string what = "OpenPGP key " + key.fingerprint.substr(0, 16);
    check_binding(v, domain, what, !key.sealed_secret.empty(), emails);
    auto u = openpgp::encryption_usability(key.public_key);
    SEALGATE_TRY(u);
    const PgpKeyStrength strength{u->primary_strength, u->encryption_strength};
    if (auto weak = key_strength_problem(strength, key_minimum(&domain)))
        v.findings.push_back({Finding::Kind::weak_key, false,
                              what + ": " + *weak + ": not usable for " + domain.name});
    return v;
}

Verdict check_ctl_change(const Snapshot& snap, std::string_view sha256, CtlAction action) {
    Verdict v;
    if (action == CtlAction::trust && snap.ctl_status(sha256) == crypto::CtlStatus::blocked)
        v.findings.push_back(
            {Finding::Kind::lifts_block, true,
             "certificate " + std::string(sha256.substr(0, 16)) +
                 " is blocked on the CTL: trusting it lifts the block (a block marks a "
                 "certificate that must not be used: compromised, withdrawn or not the "
                 "partner's)"});
    return v;
}

Verdict check_domain_coverage(const Snapshot& snap, const DomainRecord& domain) {
    Verdict v;
    if (domain.local)
        return v;
    if (auto weak = key_minimum_warning(key_minimum(&domain)))
        v.findings.push_back({Finding::Kind::weak_keys_allowed, false, std::move(*weak)});
    if (domain.encrypt_mode == EncryptMode::none || domain.name.starts_with("*."))
        return v;
    // The lookup the daemon makes for a subdomain: "_" is no label a domain record can have,
    // so only the wildcard records above the domain can answer.
    const DomainRecord* sub = snap.find_domain("_." + domain.name);
    const std::string example = "bob@sub." + domain.name;
    if (sub == nullptr)
        v.findings.push_back({Finding::Kind::subdomains_uncovered, false,
                              "no domain record covers the subdomains of " + domain.name +
                                  ": mail to " + example +
                                  " gets no policy and goes in clear (add *." + domain.name +
                                  " if the partner uses subdomains)"});
    else if (sub->local)
        v.findings.push_back({Finding::Kind::subdomains_uncovered, false,
                              "the subdomains of " + domain.name + " match " + sub->name +
                                  ", one of our local domains: mail to " + example +
                                  " is taken as inbound and relayed in clear (add *." +
                                  domain.name + " if the partner uses subdomains)"});
    else if (sub->encrypt_mode == EncryptMode::none)
        v.findings.push_back({Finding::Kind::subdomains_uncovered, false,
                              "the subdomains of " + domain.name + " follow " + sub->name +
                                  ", whose encrypt-mode is none: mail to " + example +
                                  " goes in clear (add *." + domain.name +
                                  " if the partner uses subdomains)"});
    return v;
}

}  // namespace sealgate::policy
