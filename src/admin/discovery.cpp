// admin/discovery.cpp — staging and pinning what key discovery found (docs/discovery.md).
//
// discover::lookup (discover/) reads DNS and WKD and judges each record; this file decides what
// the store does with it. Nothing found replaces what is pinned: a new certificate or key is
// staged for review, or under auto-dane pinned in addition to the old one, and a record that
// disappeared or turned bogus changes nothing. Only DNSSEC-secure records qualify for auto-dane:
// an SMIMEA record of usage 3 (DANE-EE: the certificate itself is the trust anchor, RFC 7671
// §5.1) or an OPENPGPKEY record. WKD is authenticated by HTTPS only (the server, not the key) and
// insecure DNS by nothing: both always need an administrator.
#include <algorithm>

#include "address/address.hpp"
#include "admin/internal.hpp"
#include "admin/service.hpp"
#include "crypto/verify.hpp"
#include "openpgp/key.hpp"
#include "policy/admin_rules.hpp"

namespace sealgate::admin {

namespace {

bool contains(const std::vector<std::string>& items, const std::string& item) {
    return std::find(items.begin(), items.end(), item) != items.end();
}

std::string dnssec_text(discover::Dnssec d) {
    return std::string(discover::to_string(d));
}

bool is_discovered(KeySource s) {
    return s == KeySource::dane || s == KeySource::dns || s == KeySource::wkd;
}

// Whether auto-dane may pin the record without review.
bool qualifies_for_auto_dane(const discover::Finding& f) {
    if (f.dnssec != discover::Dnssec::secure)
        return false;
    if (f.source == KeySource::dane)
        return f.method == Method::smime && f.usage == 3;
    return f.source == KeySource::dns && f.method == Method::pgp;
}

std::string kind_text(Method m) {
    return m == Method::smime ? "certificate" : "pgp-key";
}

std::string found_text(const DiscoveredKey& k) {
    std::string text(to_string(k.source));
    if (k.source != KeySource::wkd)
        text += " (DNSSEC " + k.dnssec + ")";
    if (k.source == KeySource::dane)
        text += " usage " + std::to_string(k.usage);
    return text + " at " + k.where;
}

DiscoveredKey key_of(const discover::Finding& f) {
    DiscoveredKey k;
    k.source = f.source;
    k.method = f.method;
    k.address = f.address;
    k.where = f.where;
    k.dnssec = dnssec_text(f.dnssec);
    k.data = f.data;
    k.id = f.id;
    k.ttl = f.ttl;
    k.usage = f.usage;
    return k;
}

// The item the pending views and the CLI show, read from the data (not from what the lookup
// claimed), with the check that the data is what its id says: the thumbprint of the DER, or
// the primary key's fingerprint. `now` judges usability; the CTL and the domain's own pins are
// the pin's to check.
Result<ExchangeItem> checked_item(const DiscoveredKey& k, std::time_t now) {
    ExchangeItem item;
    item.kind = kind_text(k.method);
    item.state = "current";
    item.id = k.id;
    if (k.method == Method::smime) {
        auto cert = crypto::Certificate::from_der(k.data);
        if (!cert)
            return fail(Error::unusable("the discovered certificate does not parse: " +
                                        cert.error().reason));
        if (cert->sha256() != k.id)
            return fail(Error::unusable("the discovered certificate is not " + k.id));
        item.name = cert->subject();
        item.not_before = cert->not_before();
        item.not_after = cert->not_after();
        crypto::TrustContext trust;
        trust.now = now;
        const auto u = crypto::encryption_usability(*cert, crypto::CtlStatus::trusted, trust);
        if (!u.usable)
            return fail(Error::unusable("certificate " + k.id + " is not usable: " + u.reason));
        return item;
    }
    auto info = openpgp::key_info(k.data);
    if (!info)
        return fail(
            Error::unusable("the discovered OpenPGP key does not parse: " + info.error().reason));
    if (info->has_secret)
        return fail(Error::unusable("the discovered OpenPGP key carries secret key material"));
    if (info->primary.fingerprint != k.id)
        return fail(Error::unusable("the discovered OpenPGP key is not " + k.id));
    item.name = detail::primary_uid(*info);
    item.not_before = info->primary.created;
    item.not_after = info->primary.expires;
    auto u = openpgp::encryption_usability(k.data, now);
    SEALGATE_TRY(u);
    if (!u->usable)
        return fail(Error::unusable("OpenPGP key " + k.id + " is not usable: " + u->reason));
    return item;
}

KeyOrigin origin_of(const DiscoveredKey& k, std::time_t now) {
    return KeyOrigin{k.source, k.where, now, k.ttl};
}

}  // namespace

std::string discovery_address(const DomainRecord& domain) {
    return domain.discovery_address.empty() ? "domain-cert@" + domain.name
                                            : domain.discovery_address;
}

std::string_view to_string(StageOutcome o) {
    switch (o) {
        case StageOutcome::staged:
            return "staged";
        case StageOutcome::pinned:
            return "pinned";
        case StageOutcome::already_pinned:
            return "already pinned";
        case StageOutcome::already_pending:
            return "already pending";
        case StageOutcome::unusable:
            return "not usable";
        case StageOutcome::no_key:
            return "nothing to stage";
    }
    return "nothing to stage";
}

Result<ExchangeItem> Service::pin_discovered(const DomainRecord& domain, const DiscoveredKey& k,
                                             std::time_t now, std::vector<std::string>& warnings) {
    auto item = checked_item(k, now);
    SEALGATE_TRY(item);
    const std::string& name = domain.name;
    if (k.method == Method::smime) {
        auto held = store_.find_certificate(k.id);
        SEALGATE_TRY(held);
        if (*held && (*held)->has_private_key)
            return fail(Error::unusable("certificate " + k.id + " is one of our own"));
        auto ctl = store_.find_ctl(k.id);
        SEALGATE_TRY(ctl);
        if (*ctl && (*ctl)->action == CtlAction::block)
            return fail(Error::unusable("certificate " + k.id +
                                        " is blocked on the CTL (a block beats discovery)"));
        // Stored first, with its origin; judged by the same rule as a choice by hand (a
        // certificate for other domains' addresses is refused: discovery cannot insist).
        CertRecord rec{k.id, k.data, false, now};
        rec.origin = origin_of(k, now);
        SEALGATE_TRY(store_.put_certificate(rec));
        SEALGATE_TRY(store_.set_certificate_origin(k.id, rec.origin));
        auto snap = snapshot();
        SEALGATE_TRY(snap);
        const auto verdict = policy::check_smime_binding(**snap, domain, k.id);
        if (verdict.needs_force())
            return fail(Error::unusable("certificate " + k.id + " not pinned for " + name + ": " +
                                        verdict.forced_text()));
        for (auto& w : verdict.warnings())
            warnings.push_back(std::move(w));
        // Then trusted, then chosen: the domain never chooses what is not stored and trusted.
        if (!*ctl)
            SEALGATE_TRY(store_.put_ctl(CtlEntry{k.id, CtlAction::trust, now}));
        auto fresh = store_.find_domain(name);
        SEALGATE_TRY(fresh);
        if (!*fresh)
            return fail(Error::not_found("domain " + name + " was removed meanwhile"));
        if (!contains((*fresh)->smime_certs, k.id)) {
            (*fresh)->smime_certs.push_back(k.id);
            SEALGATE_TRY(store_.put_domain(**fresh));
        }
        return item;
    }
    auto held = store_.find_pgp_key(k.id);
    SEALGATE_TRY(held);
    PgpKeyRecord key;
    if (*held) {
        // Trust and bindings are per key: ours, or a key bound to another domain, is not the
        // partner's DNS or web server's to vouch for.
        if (!(*held)->sealed_secret.empty())
            return fail(Error::unusable("OpenPGP key " + k.id + " is one of our own"));
        for (const auto& other : (*held)->domains)
            if (other != name)
                return fail(Error::unusable("OpenPGP key " + k.id + " is bound to " + other +
                                            " here (unbind it there first)"));
        key = std::move(**held);
        auto merged = openpgp::merge(key.public_key, k.data);
        SEALGATE_TRY(merged);
        key.public_key = std::move(*merged);
    } else {
        key.fingerprint = k.id;
        key.public_key = k.data;
        key.added = now;
    }
    auto verdict = policy::check_pgp_binding(domain, key);
    SEALGATE_TRY(verdict);
    if (verdict->needs_force())
        return fail(Error::unusable("OpenPGP key " + k.id + " not pinned for " + name + ": " +
                                    verdict->forced_text()));
    for (auto& w : verdict->warnings())
        warnings.push_back(std::move(w));
    key.trusted = true;
    if (!contains(key.domains, name))
        key.domains.push_back(name);
    key.origin = origin_of(k, now);
    SEALGATE_TRY(store_.put_pgp_key(key));
    return item;
}

Result<DiscoveryStaging> Service::stage_discovered(std::string_view text,
                                                   const std::vector<discover::Finding>& findings,
                                                   std::time_t now) {
    auto name = address::normalize_domain_pattern(text);
    SEALGATE_TRY(name);
    auto rec = store_.find_domain(*name);
    SEALGATE_TRY(rec);
    if (!*rec)
        return fail(
            Error::not_found("no domain " + *name + " (add it with `sealgate domain add`)"));
    const DomainRecord domain = std::move(**rec);
    if (domain.local)
        return fail(Error::bad_input(*name + " is one of our local domains: discovery is for "
                                             "partner domains"));
    auto keys = store_.list_pgp_keys();
    SEALGATE_TRY(keys);
    auto pending = store_.list_pending();
    SEALGATE_TRY(pending);

    DiscoveryStaging out;
    out.domain = domain.name;
    std::vector<std::string> seen;  // ids of this lookup: one pending change per key
    for (const auto& f : findings) {
        StagedFinding staged;
        staged.finding = f;
        staged.dnssec = dnssec_text(f.dnssec);
        if (f.data.empty()) {
            staged.outcome = StageOutcome::no_key;
            staged.note = dnssec_text(f.dnssec) + (f.reason.empty() ? "" : ": " + f.reason);
            out.findings.push_back(std::move(staged));
            continue;
        }
        if (!f.usable) {
            staged.outcome = StageOutcome::unusable;
            staged.note = f.problem;
            out.findings.push_back(std::move(staged));
            continue;
        }
        const bool pinned =
            f.method == Method::smime
                ? contains(domain.smime_certs, f.id)
                : std::any_of(keys->begin(), keys->end(), [&](const PgpKeyRecord& k) {
                      return k.fingerprint == f.id && k.trusted && contains(k.domains, domain.name);
                  });
        if (pinned) {
            staged.outcome = StageOutcome::already_pinned;
            // A certificate found again by the source it was pinned from: its new time and TTL
            // (a key's are written with the key when it changes; not worth a write each time).
            if (f.method == Method::smime) {
                auto cert = store_.find_certificate(f.id);
                SEALGATE_TRY(cert);
                if (*cert && (*cert)->origin.source == f.source)
                    SEALGATE_TRY(store_.set_certificate_origin(
                        f.id, KeyOrigin{f.source, f.where, now, f.ttl}));
            }
            out.findings.push_back(std::move(staged));
            continue;
        }
        const auto waiting = std::find_if(pending->begin(), pending->end(), [&](const auto& p) {
            return p.kind == PendingKind::discovery && p.state == PendingState::pending &&
                   p.domain == domain.name && p.found.id == f.id;
        });
        if (waiting != pending->end() || contains(seen, f.id)) {
            staged.outcome = StageOutcome::already_pending;
            staged.pending_id = waiting != pending->end() ? waiting->id : 0;
            out.findings.push_back(std::move(staged));
            continue;
        }
        seen.push_back(f.id);
        const DiscoveredKey key = key_of(f);
        if (domain.discovery == DiscoveryMode::auto_dane && qualifies_for_auto_dane(f)) {
            std::vector<std::string> warnings;
            auto item = pin_discovered(domain, key, now, warnings);
            if (item) {
                staged.outcome = StageOutcome::pinned;
                staged.note = detail::list_or_none(warnings, "; ");
                if (warnings.empty())
                    staged.note.clear();
                SEALGATE_TRY(
                    audited("discovery.pin", domain.name,
                            "auto-dane: " + item->kind + " " + f.id + " from " + found_text(key)));
                out.findings.push_back(std::move(staged));
                continue;
            }
            if (item.error().kind == ErrorKind::temporary)
                return fail(std::move(item.error()));
            // Refused as a pin (ours, blocked, another domain's): left to an administrator.
            staged.note = "not pinned: " + item.error().reason;
        }
        // Checked before it is staged, so that the pending list holds only what could be pinned.
        auto item = checked_item(key, now);
        if (!item) {
            if (item.error().kind == ErrorKind::temporary)
                return fail(std::move(item.error()));
            staged.outcome = StageOutcome::unusable;
            staged.note = item.error().reason;
            out.findings.push_back(std::move(staged));
            continue;
        }
        PendingChange change;
        change.kind = PendingKind::discovery;
        change.domain = domain.name;
        change.created = now;
        change.summary =
            "adds " + item->kind + " " + f.id + " (" + item->name + ") from " + found_text(key);
        change.found = key;
        auto id = store_.add_pending(change);
        SEALGATE_TRY(id);
        staged.outcome = StageOutcome::staged;
        staged.pending_id = *id;
        SEALGATE_TRY(audited("discovery.stage", domain.name,
                             "pending change " + std::to_string(*id) + ": " + change.summary));
        out.findings.push_back(std::move(staged));
    }
    // Pins from discovery that this lookup did not find again (the record disappeared, turned
    // bogus or the lookup failed): kept; said, for the log.
    auto found_again = [&](const std::string& id) {
        return std::any_of(findings.begin(), findings.end(),
                           [&](const auto& f) { return f.id == id && !f.data.empty(); });
    };
    for (const auto& sha : domain.smime_certs) {
        auto cert = store_.find_certificate(sha);
        SEALGATE_TRY(cert);
        if (*cert && is_discovered((*cert)->origin.source) && !found_again(sha))
            out.missing.push_back("certificate " + sha + " (" +
                                  std::string(to_string((*cert)->origin.source)) + ")");
    }
    for (const auto& k : *keys)
        if (is_discovered(k.origin.source) && contains(k.domains, domain.name) &&
            !found_again(k.fingerprint))
            out.missing.push_back("OpenPGP key " + k.fingerprint + " (" +
                                  std::string(to_string(k.origin.source)) + ")");
    return out;
}

Result<PendingView> Service::discovered_view(PendingChange change, std::time_t now) {
    PendingView view;
    view.change.domain = change.domain;
    view.change.created = change.created;
    view.change.kind = PendingKind::discovery;
    view.change.found = found_text(change.found);
    auto item = checked_item(change.found, now);
    if (item) {
        view.change.adds.push_back(std::move(*item));
    } else {
        if (item.error().kind == ErrorKind::temporary)
            return fail(std::move(item.error()));
        view.change.warnings.push_back(item.error().reason);
    }
    view.record = std::move(change);
    return view;
}

Result<UpdateChange> Service::approve_discovered(const PendingChange& change, std::time_t now) {
    auto rec = store_.find_domain(change.domain);
    SEALGATE_TRY(rec);
    if (!*rec)
        return fail(Error::not_found("pending change " + std::to_string(change.id) +
                                     ": no domain " + change.domain + " any more"));
    if ((*rec)->local)
        return fail(Error::bad_input(change.domain + " is one of our local domains now"));
    // Checked again before the decision is recorded: it may have expired or been revoked since.
    SEALGATE_TRY(checked_item(change.found, now));
    auto decided = store_.decide_pending(change.id, PendingState::approved, actor_.name, now);
    SEALGATE_TRY(decided);
    if (!*decided)
        return fail(Error::conflict("pending change " + std::to_string(change.id) +
                                    " was decided already (by another administrator)"));
    UpdateChange out;
    out.domain = change.domain;
    out.created = change.created;
    out.kind = PendingKind::discovery;
    out.found = found_text(change.found);
    auto item = pin_discovered(**rec, change.found, now, out.warnings);
    SEALGATE_TRY(item);
    out.adds.push_back(*item);
    SEALGATE_TRY(audited(
        "pending.approve", std::to_string(change.id),
        change.domain + " discovery: " + item->kind + " " + item->id + " from " + out.found));
    return out;
}

}  // namespace sealgate::admin
