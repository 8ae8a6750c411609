// policy/signing.cpp — who signs our mail, and whose signature we accept (policy.hpp,
// docs/signing.md).
#include <algorithm>

#include "core/text.hpp"
#include "core/time.hpp"
#include "crypto/cms_sign.hpp"
#include "policy/policy.hpp"

namespace sealgate::policy {

namespace {

std::string join(const std::vector<std::string>& parts, std::string_view separator) {
    std::string out;
    for (const auto& p : parts)
        out += (out.empty() ? "" : std::string(separator)) + p;
    return out;
}

bool contains(const std::vector<std::string>& list, std::string_view item) {
    return std::find(list.begin(), list.end(), item) != list.end();
}

// The intermediates of the store between `cert` and its root, issuer by issuer, for the
// partner's path building. Stops at a self-signed certificate, a root or a loop.
std::vector<crypto::Certificate> chain_of(const Snapshot& snap, const crypto::Certificate& cert) {
    std::vector<crypto::Certificate> chain;
    const crypto::Certificate* current = &cert;
    for (int depth = 0; depth < 8 && !current->self_signed(); ++depth) {
        const crypto::Certificate* issuer = nullptr;
        for (const auto& [sha, stored] : snap.certificates()) {
            if (stored.cert.is_ca() && stored.cert.subject() == current->issuer() &&
                sha != current->sha256()) {
                issuer = &stored.cert;
                break;
            }
        }
        if (issuer == nullptr || issuer->self_signed())
            break;
        const bool seen = std::any_of(chain.begin(), chain.end(), [&](const auto& c) {
            return c.sha256() == issuer->sha256();
        });
        if (seen)
            break;
        chain.push_back(*issuer);
        current = &chain.back();
    }
    return chain;
}

Result<Signer> smime_signer(const Snapshot& snap, const std::string& domain,
                            const DomainRecord* record) {
    // Chosen for the domain's record first; only when none of those can sign, by address.
    std::vector<std::string> reasons;
    const auto pick = [&](const auto& accept) -> const StoredCertificate* {
        const StoredCertificate* best = nullptr;
        for (const auto& [sha, stored] : snap.certificates()) {
            if (!stored.has_private_key || stored.retired || !accept(sha, stored))
                continue;
            const auto& verdict = snap.smime_signing_verdict(sha);
            if (!verdict.usable) {
                reasons.push_back("certificate " + sha.substr(0, 16) + ": " + verdict.reason);
                continue;
            }
            if (best == nullptr || stored.cert.not_before() > best->cert.not_before())
                best = &stored;
        }
        return best;
    };
    const StoredCertificate* chosen = nullptr;
    if (record != nullptr)
        chosen = pick([&](const std::string& sha, const StoredCertificate&) {
            return contains(record->smime_certs, sha);
        });
    if (chosen == nullptr)
        chosen = pick([&](const std::string& sha, const StoredCertificate& stored) {
            if (record != nullptr && contains(record->smime_certs, sha))
                return false;  // judged above
            const auto emails = stored.cert.emails();
            return std::any_of(emails.begin(), emails.end(),
                               [&](const auto& e) { return domain_of(e) == domain; });
        });
    if (chosen == nullptr) {
        std::string why = "no usable S/MIME signing certificate for " + domain;
        if (!reasons.empty())
            why += " (" + join(reasons, "; ") + ")";
        return fail(Error::not_found(why));
    }
    return Signer{Method::smime, chosen->cert.sha256(), chain_of(snap, chosen->cert),
                  std::string(crypto::cms_micalg(chosen->cert))};
}

Result<Signer> pgp_signer(const Snapshot& snap, const std::string& domain,
                          const DomainRecord* record) {
    std::vector<std::string> reasons;
    const auto pick = [&](const auto& accept) -> const PgpKeyRecord* {
        const PgpKeyRecord* best = nullptr;
        for (const auto& key : snap.pgp_keys()) {
            if (key.sealed_secret.empty() || key.retired || !accept(key))
                continue;
            const auto& verdict = snap.pgp_signing_verdict(key.fingerprint);
            if (!verdict.usable) {
                reasons.push_back("key " + key.fingerprint.substr(0, 16) + ": " + verdict.reason);
                continue;
            }
            if (best == nullptr || key.added > best->added ||
                (key.added == best->added && key.fingerprint > best->fingerprint))
                best = &key;
        }
        return best;
    };
    const PgpKeyRecord* chosen = nullptr;
    if (record != nullptr)
        chosen = pick([&](const PgpKeyRecord& key) { return contains(key.domains, record->name); });
    if (chosen == nullptr)
        chosen = pick([&](const PgpKeyRecord& key) {
            if (record != nullptr && contains(key.domains, record->name))
                return false;  // judged above
            return contains(snap.pgp_uid_domains(key.fingerprint), domain);
        });
    if (chosen == nullptr) {
        std::string why = "no usable OpenPGP signing key for " + domain;
        if (!reasons.empty())
            why += " (" + join(reasons, "; ") + ")";
        return fail(Error::not_found(why));
    }
    return Signer{Method::pgp, chosen->fingerprint, {}, "pgp-sha256"};
}

}  // namespace

Result<Signer> signer_for(const Snapshot& snap, std::string_view sender_domain, Method method) {
    const std::string domain = ascii_lower(sender_domain);
    if (domain.empty())
        return fail(Error::not_found("the sender has no domain to sign for"));
    const DomainRecord* record = snap.find_domain(domain);
    if (record != nullptr && !record->local)
        record = nullptr;  // a partner's record names the partner's certificates, not ours
    return method == Method::smime ? smime_signer(snap, domain, record)
                                   : pgp_signer(snap, domain, record);
}

SignatureRule signature_rule(const Snapshot& snap, std::string_view sender_domain) {
    SignatureRule rule;
    if (sender_domain.empty())
        return rule;
    rule.domain = snap.find_domain(sender_domain);
    if (rule.domain == nullptr)
        return rule;
    for (const auto& sha : rule.domain->smime_certs)
        if (const auto* stored = snap.find_certificate(sha))
            rule.smime_signers.push_back(stored->cert);
    for (const auto* key : snap.pgp_keys_for(rule.domain->name)) {
        rule.pgp_signers.push_back(key->public_key);
        rule.pgp_signer_ids.push_back(key->fingerprint);
    }
    return rule;
}

crypto::Usability smime_signer_usability(const Snapshot& snap, const SignatureRule& rule,
                                         const crypto::Certificate& signer) {
    if (rule.domain == nullptr)
        return {false, "no certificate is bound to the sender's domain", crypto::Problem::other};
    const std::string sha = signer.sha256();
    if (!contains(rule.domain->smime_certs, sha))
        return {false, "certificate " + sha.substr(0, 16) + " is not bound to " + rule.domain->name,
                crypto::Problem::other};
    const crypto::CtlStatus ctl = snap.ctl_status(sha);
    if (ctl != crypto::CtlStatus::blocked) {
        if (auto weak = key_strength_problem(signer.key_strength(), key_minimum(rule.domain)))
            return {false, *weak, crypto::Problem::other};
    }
    // The verdict of the snapshot (judged at its load), unless the certificate expired since.
    crypto::Usability verdict = snap.smime_signing_verdict(sha);
    if (verdict.usable && std::time(nullptr) > signer.not_after())
        verdict = {false, "expired on " + format_time(signer.not_after()),
                   crypto::Problem::expired};
    return under_revocation(verdict, rule.domain->revocation);
}

crypto::Usability pgp_signer_usability(const Snapshot& snap, const SignatureRule& rule,
                                       std::string_view fingerprint) {
    if (rule.domain == nullptr)
        return {false, "no OpenPGP key is bound to the sender's domain", crypto::Problem::other};
    const PgpKeyRecord* key = snap.find_pgp_key(fingerprint);
    if (key == nullptr || !contains(key->domains, rule.domain->name))
        return {false,
                "key " + std::string(fingerprint.substr(0, 16)) + " is not bound to " +
                    rule.domain->name,
                crypto::Problem::other};
    if (auto weak = pgp_strength_problem(snap, *key, key_minimum(rule.domain)))
        return {false, *weak, crypto::Problem::other};
    if (!key->trusted)
        return {false, "not trusted (compare fingerprints, then `sealgate pgp trust`)",
                crypto::Problem::other};
    return snap.pgp_signing_verdict(fingerprint);
}

}  // namespace sealgate::policy
