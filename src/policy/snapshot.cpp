#include "policy/snapshot.hpp"

#include "address/address.hpp"
#include "core/text.hpp"

#include <algorithm>

#include "openpgp/key.hpp"
#include "policy/policy.hpp"

namespace sealgate::policy {

std::string domain_of(std::string_view address) {
    // By the grammar, with the one normalisation that domain records are written in.
    auto mailbox = address::parse_path(strip_angle_brackets(address), address::Charset::utf8);
    return mailbox ? mailbox->domain : std::string();
}

Result<std::shared_ptr<const Snapshot>> Snapshot::load(Store& store) {
    // The parts are read one after another: a change that lands in between (a domain switched
    // to a new certificate, then the old one removed) would give a torn snapshot. Reading the
    // generation before and after tells; a torn read is done again.
    for (int attempt = 0; attempt < 5; ++attempt) {
        auto snap = load_once(store);
        SEALGATE_TRY(snap);
        auto after = store.generation();
        SEALGATE_TRY(after);
        if (*after == (*snap)->generation())
            return snap;
    }
    return fail(Error::temp("store changes faster than it can be read"));
}

Result<std::shared_ptr<const Snapshot>> Snapshot::load_once(Store& store) {
    auto snap = std::make_shared<Snapshot>();

    auto gen = store.generation();
    SEALGATE_TRY(gen);
    snap->generation_ = *gen;

    auto domains = store.list_domains();
    SEALGATE_TRY(domains);
    snap->domains_ = std::move(*domains);

    auto certs = store.list_certificates();
    SEALGATE_TRY(certs);
    for (const auto& rec : *certs) {
        auto cert = crypto::Certificate::from_der(rec.der);
        if (!cert)
            return fail(Error::temp("store holds an unreadable certificate " + rec.sha256 + ": " +
                                    cert.error().reason));
        snap->trust_.intermediates.push_back(*cert);
        KeyStrength strength = cert->key_strength();
        snap->certs_.emplace(rec.sha256,
                             StoredCertificate{std::move(*cert), rec.has_private_key,
                                               std::move(strength), rec.retired, rec.origin});
    }

    auto ctl = store.list_ctl();
    SEALGATE_TRY(ctl);
    for (const auto& e : *ctl)
        snap->ctl_.emplace(e.sha256, e.action);

    auto roots = store.list_roots();
    SEALGATE_TRY(roots);
    for (const auto& r : *roots) {
        auto cert = crypto::Certificate::from_der(r.der);
        if (!cert)
            return fail(Error::temp("store holds an unreadable root " + r.sha256 + ": " +
                                    cert.error().reason));
        snap->trust_.roots.push_back(std::move(*cert));
    }

    auto crls = store.list_crls();
    SEALGATE_TRY(crls);
    for (const auto& c : *crls) {
        auto crl = crypto::Crl::read(c.der);
        if (!crl)
            return fail(Error::temp("store holds an unreadable CRL of " + c.issuer + ": " +
                                    crl.error().reason));
        snap->trust_.crls.push_back(std::move(*crl));
    }

    auto pgp = store.list_pgp_keys();
    SEALGATE_TRY(pgp);
    snap->pgp_keys_ = std::move(*pgp);

    snap->trust_.now = std::time(nullptr);
    for (const auto& [sha, stored] : snap->certs_) {
        snap->smime_verdicts_.emplace(
            sha, crypto::encryption_usability(stored.cert, snap->ctl_status(sha), snap->trust_));
        // Our own certificate (we hold its key) signs on our own authority: the partner judges
        // its trust. A CTL block still stops it.
        const crypto::CtlStatus listed = snap->ctl_status(sha);
        const bool own = stored.has_private_key && listed != crypto::CtlStatus::blocked;
        snap->smime_signing_verdicts_.emplace(
            sha, crypto::signing_usability(stored.cert, own ? crypto::CtlStatus::trusted : listed,
                                           snap->trust_));
    }
    SEALGATE_TRY(snap->load_pgp_signing());
    for (const auto& k : snap->pgp_keys_) {
        auto u = openpgp::encryption_usability(k.public_key, snap->trust_.now);
        crypto::Usability verdict;
        if (u) {
            verdict = pgp_key_state(*u);
            snap->pgp_strengths_.emplace(
                k.fingerprint, PgpKeyStrength{u->primary_strength, u->encryption_strength});
        } else if (!u.error().temporary()) {
            verdict.reason = "unreadable key: " + u.error().reason;
            verdict.problem = crypto::Problem::other;
        } else {
            return fail(std::move(u.error()).with_context("OpenPGP key " + k.fingerprint));
        }
        snap->pgp_verdicts_.emplace(k.fingerprint, std::move(verdict));
    }
    return std::shared_ptr<const Snapshot>(std::move(snap));
}

Status Snapshot::load_pgp_signing() {
    for (const auto& k : pgp_keys_) {
        const bool ours = !k.sealed_secret.empty();
        if (!ours && k.domains.empty())
            continue;
        auto u = openpgp::signing_usability(k.public_key, trust_.now);
        crypto::Usability verdict;
        if (u) {
            verdict = u->usable ? crypto::Usability{true, "sign with " + u->encryption_key}
                                : pgp_key_state(*u);
        } else if (!u.error().temporary()) {
            verdict = {false, "unreadable key: " + u.error().reason, crypto::Problem::other};
        } else {
            return fail(std::move(u.error()).with_context("OpenPGP key " + k.fingerprint));
        }
        pgp_signing_verdicts_.emplace(k.fingerprint, std::move(verdict));
        if (!ours)
            continue;
        auto info = openpgp::key_info(k.public_key);
        if (!info)
            continue;  // unreadable: the verdict above says so
        std::vector<std::string> domains;
        for (const auto& uid : info->user_ids) {
            const std::string domain = domain_of(openpgp::uid_address(uid.text));
            if (!uid.revoked && !domain.empty() &&
                std::find(domains.begin(), domains.end(), domain) == domains.end())
                domains.push_back(domain);
        }
        pgp_uid_domains_.emplace(k.fingerprint, std::move(domains));
    }
    return ok();
}

const crypto::Usability& Snapshot::smime_signing_verdict(std::string_view sha256) const {
    static const crypto::Usability unknown{false, "certificate not in the store",
                                           crypto::Problem::other};
    const auto it = smime_signing_verdicts_.find(sha256);
    return it == smime_signing_verdicts_.end() ? unknown : it->second;
}

const crypto::Usability& Snapshot::pgp_signing_verdict(std::string_view fingerprint) const {
    static const crypto::Usability unknown{false, "key not judged for signing",
                                           crypto::Problem::other};
    const auto it = pgp_signing_verdicts_.find(fingerprint);
    return it == pgp_signing_verdicts_.end() ? unknown : it->second;
}

const std::vector<std::string>& Snapshot::pgp_uid_domains(std::string_view fingerprint) const {
    static const std::vector<std::string> none;
    const auto it = pgp_uid_domains_.find(fingerprint);
    return it == pgp_uid_domains_.end() ? none : it->second;
}

const DomainRecord* Snapshot::find_domain(std::string_view domain) const {
    const std::string name = ascii_lower(domain);
    const auto by_name = [this](std::string_view n) -> const DomainRecord* {
        for (const auto& d : domains_)
            if (d.name == n)
                return &d;
        return nullptr;
    };
    if (const auto* exact = by_name(name))
        return exact;
    // Walk up: a.b.example.com → *.b.example.com → *.example.com → *.com
    std::string_view rest = name;
    for (auto dot = rest.find('.'); dot != std::string_view::npos; dot = rest.find('.')) {
        rest.remove_prefix(dot + 1);
        if (const auto* wild = by_name("*." + std::string(rest)))
            return wild;
    }
    return nullptr;
}

bool Snapshot::is_local(std::string_view domain) const {
    const auto* d = find_domain(domain);
    return d != nullptr && d->local;
}

const StoredCertificate* Snapshot::find_certificate(std::string_view sha256) const {
    const auto it = certs_.find(std::string(sha256));
    return it == certs_.end() ? nullptr : &it->second;
}

crypto::CtlStatus Snapshot::ctl_status(std::string_view sha256) const {
    const auto it = ctl_.find(sha256);
    if (it == ctl_.end())
        return crypto::CtlStatus::none;
    return it->second == CtlAction::block ? crypto::CtlStatus::blocked : crypto::CtlStatus::trusted;
}

const PgpKeyRecord* Snapshot::find_pgp_key(std::string_view fingerprint) const {
    for (const auto& k : pgp_keys_)
        if (k.fingerprint == fingerprint)
            return &k;
    return nullptr;
}

const crypto::Usability& Snapshot::pgp_verdict(std::string_view fingerprint) const {
    static const crypto::Usability unknown{false, "key not in the snapshot",
                                           crypto::Problem::other};
    const auto it = pgp_verdicts_.find(fingerprint);
    return it == pgp_verdicts_.end() ? unknown : it->second;
}

const crypto::Usability* Snapshot::smime_verdict(std::string_view sha256) const {
    const auto it = smime_verdicts_.find(sha256);
    return it == smime_verdicts_.end() ? nullptr : &it->second;
}

const PgpKeyStrength* Snapshot::pgp_strength(std::string_view fingerprint) const {
    const auto it = pgp_strengths_.find(fingerprint);
    return it == pgp_strengths_.end() ? nullptr : &it->second;
}

std::vector<const PgpKeyRecord*> Snapshot::pgp_keys_for(std::string_view domain_record) const {
    std::vector<const PgpKeyRecord*> out;
    for (const auto& k : pgp_keys_)
        if (std::find(k.domains.begin(), k.domains.end(), domain_record) != k.domains.end())
            out.push_back(&k);
    return out;
}

}  // namespace sealgate::policy
