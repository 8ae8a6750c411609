// admin/exchange.cpp — the signed update exchange (docs/lifecycle.md): our local
// domain's certificates and keys as a signed bundle for the partners, and a partner's bundle
// verified, shown, staged as a pending change or applied.
//
// Trust is continuity: a bundle for a partner domain counts only when signed by a certificate
// chosen for that domain (its smime-certs, not blocked on the CTL) or by a trusted OpenPGP key
// bound to it. Every certificate and key in it must belong to the domain's addresses
// (exchange::parse checks that, by valid user IDs only), and its sequence must be newer than
// the last one applied for the domain (kept in the store's settings) and not already pending.
// An OpenPGP key we hold that is ours or bound to another domain is refused: trust is per key. A
// bundle that would leave the domain with no certificate and no key is refused: mail must not lose
// its key without the administrator seeing it.
#include <algorithm>

#include "admin/internal.hpp"
#include "admin/service.hpp"
#include "core/text.hpp"
#include "exchange/bundle.hpp"
#include "openpgp/key.hpp"

namespace sealgate::admin {

namespace {

std::string sequence_setting(std::string_view domain) {
    return "exchange.sequence." + std::string(domain);
}
std::string applied_setting(std::string_view domain) {
    return "exchange.last-applied." + std::string(domain);
}

Result<std::uint64_t> read_number(Store& store, const std::string& name) {
    auto value = store.find_setting(name);
    SEALGATE_TRY(value);
    if (!*value)
        return std::uint64_t{0};
    try {
        std::size_t used = 0;
        const auto n = std::stoull(**value, &used);
        if (used != (*value)->size())
            throw std::invalid_argument(name);
        return static_cast<std::uint64_t>(n);
    } catch (const std::exception&) {
        return fail(Error::temp("setting " + name + " is not a number: " + **value));
    }
}

bool contains(const std::vector<std::string>& items, const std::string& item) {
    return std::find(items.begin(), items.end(), item) != items.end();
}

ExchangeItem item_of(const exchange::Entry& entry) {
    ExchangeItem item{std::string(exchange::to_string(entry.kind)),
                      std::string(exchange::to_string(entry.state)),
                      entry.id,
                      {},
                      entry.not_before,
                      entry.not_after};
    if (entry.kind == exchange::EntryKind::certificate) {
        if (auto cert = crypto::Certificate::from_der(entry.data))
            item.name = cert->subject();
    } else if (auto info = openpgp::key_info(entry.data)) {
        item.name = detail::primary_uid(*info);
    }
    return item;
}

bool in_service(exchange::EntryState state) {
    return state == exchange::EntryState::current || state == exchange::EntryState::next;
}

std::string ids_of(const std::vector<ExchangeItem>& items) {
    std::vector<std::string> ids;
    for (const auto& i : items)
        ids.push_back(i.id);
    return detail::list_or_none(ids);
}

std::string summary_of(const UpdateChange& change) {
    std::string text = "adds " + ids_of(change.adds) + "; retires " + ids_of(change.retires);
    if (!change.updates.empty())
        text += "; updates " + ids_of(change.updates);
    return text;
}

// A verified bundle and what it would change.
struct Verified {
    exchange::Bundle bundle;
    DomainRecord domain;
    UpdateChange change;
};

// The valid, unrevoked user IDs of a key all in `domain` (at least one): ours to put in the
// domain's bundle. A user ID without a valid self-signature says nothing.
bool key_of_domain(const openpgp::KeyInfo& info, const std::string& domain) {
    bool found = false;
    for (const auto& uid : info.user_ids) {
        if (!uid.valid || uid.revoked)
            continue;
        const std::string d = exchange::address_domain(uid.text);
        if (d.empty())
            continue;
        if (d != domain)
            return false;
        found = true;
    }
    return found;
}

bool certificate_of_domain(const crypto::Certificate& cert, const std::string& domain) {
    const auto emails = cert.emails();
    return !emails.empty() && std::all_of(emails.begin(), emails.end(), [&](const auto& e) {
        return exchange::address_domain(e) == domain;
    });
}

// Parse, find the domain's trust, verify, and work out the change; nothing is written.
Result<Verified> verify_update(Store& store, std::string_view text, bool check_sequence,
                               std::time_t now) {
    auto bundle = exchange::parse(text);
    SEALGATE_TRY(bundle);
    const exchange::Manifest& m = bundle->manifest;
    auto record = store.find_domain(m.domain);
    SEALGATE_TRY(record);
    if (!*record)
        return fail(Error::not_found("update for " + m.domain +
                                     ": no trust for that domain (it has no domain record)"));
    if ((*record)->local)
        return fail(
            Error::bad_input("update for " + m.domain + ": that is one of our own domains"));
    const DomainRecord& domain = **record;

    // Continuity: a signature by what this domain already trusts. A signature by anything
    // else is not counted; one by a trusted anchor that does not verify refuses the bundle.
    std::string signer;
    for (const auto& sig : bundle->signatures) {
        Status verified = ok();
        if (sig.kind == exchange::SignatureKind::smime) {
            if (!contains(domain.smime_certs, sig.signer))
                continue;
            auto ctl = store.find_ctl(sig.signer);
            SEALGATE_TRY(ctl);
            if (*ctl && (*ctl)->action == CtlAction::block)
                continue;
            auto stored = store.find_certificate(sig.signer);
            SEALGATE_TRY(stored);
            if (!*stored)
                continue;
            auto anchor = crypto::Certificate::from_der((*stored)->der);
            SEALGATE_TRY(anchor);
            verified = exchange::verify_signature(*bundle, sig, *anchor, now);
        } else {
            auto key = store.find_pgp_key(sig.signer);
            SEALGATE_TRY(key);
            if (!*key || !(*key)->trusted || !contains((*key)->domains, m.domain))
                continue;
            // A revoked key (compromised, perhaps) speaks for the domain no more.
            auto info = openpgp::key_info((*key)->public_key);
            if (!info || info->primary.revoked)
                continue;
            verified = exchange::verify_signature(*bundle, sig, (*key)->public_key, now);
        }
        // A trusted signer that is not valid now (expired, not yet valid, its signing subkey
        // expired or revoked, a backdated signature) fails like a bad signature: refused.
        if (!verified)
            return fail(Error::unusable("update for " + m.domain + ": the signature by " +
                                        sig.signer + " does not verify (" +
                                        verified.error().reason + ")"));
        if (signer.empty())
            signer = sig.signer;
    }
    if (signer.empty())
        return fail(Error::unusable("update for " + m.domain +
                                    ": not signed by a certificate or key trusted for " +
                                    m.domain));

    if (check_sequence) {
        // Against what was applied, not what was seen: a rejected change must not lock the
        // partner out. A sequence already waiting as a pending change is a replay too.
        auto applied = read_number(store, applied_setting(m.domain));
        SEALGATE_TRY(applied);
        if (m.sequence <= *applied)
            return fail(Error::conflict("update for " + m.domain + ": sequence " +
                                        std::to_string(m.sequence) +
                                        " is not newer than the last one applied (" +
                                        std::to_string(*applied) + "): a replay or an old bundle"));
        auto pending = store.list_pending();
        SEALGATE_TRY(pending);
        for (const auto& p : *pending)
            if (p.kind == PendingKind::exchange && p.state == PendingState::pending &&
                p.domain == m.domain && p.sequence == m.sequence)
                return fail(Error::conflict(
                    "update for " + m.domain + ": sequence " + std::to_string(m.sequence) +
                    " is already pending as change " + std::to_string(p.id) + ": a replay"));
    }

    UpdateChange change;
    change.domain = m.domain;
    change.sequence = m.sequence;
    change.created = m.created;
    change.signer = signer;
    std::vector<std::string> certs_after = domain.smime_certs;
    std::size_t keys_before = 0;
    auto all_keys = store.list_pgp_keys();
    SEALGATE_TRY(all_keys);
    for (const auto& k : *all_keys)
        if (k.trusted && contains(k.domains, m.domain))
            ++keys_before;
    std::size_t keys_after = keys_before;
    for (const auto& entry : m.entries) {
        ExchangeItem item = item_of(entry);
        if (entry.kind == exchange::EntryKind::certificate) {
            const bool chosen = contains(domain.smime_certs, entry.id);
            if (in_service(entry.state)) {
                auto ctl = store.find_ctl(entry.id);
                SEALGATE_TRY(ctl);
                if (*ctl && (*ctl)->action == CtlAction::block)
                    return fail(Error::unusable("update for " + m.domain + ": certificate " +
                                                entry.id + " is blocked on the CTL"));
                if (entry.not_after <= now)
                    change.warnings.push_back("certificate " + entry.id + " has expired");
                if (!chosen) {
                    change.adds.push_back(std::move(item));
                    certs_after.push_back(entry.id);
                }
            } else if (chosen) {
                change.retires.push_back(std::move(item));
                std::erase(certs_after, entry.id);
            }
            continue;
        }
        auto held = store.find_pgp_key(entry.id);
        SEALGATE_TRY(held);
        // Trust and bindings are per key, not per domain: a key we hold that is ours, or bound
        // to another domain, is not the partner's to vouch for or to add user IDs to.
        if (*held && !(*held)->sealed_secret.empty())
            return fail(Error::unusable("update for " + m.domain + ": OpenPGP key " + entry.id +
                                        " is one of our own keys"));
        if (*held)
            for (const auto& other : (*held)->domains)
                if (other != m.domain)
                    return fail(Error::unusable("update for " + m.domain + ": OpenPGP key " +
                                                entry.id + " is bound to " + other +
                                                " here (unbind it there first)"));
        const bool bound = *held && (*held)->trusted && contains((*held)->domains, m.domain);
        if (in_service(entry.state)) {
            if (!bound) {
                change.adds.push_back(std::move(item));
                ++keys_after;
            } else if (openpgp::merge((*held)->public_key, entry.data).value_or("") !=
                       (*held)->public_key) {
                change.updates.push_back(std::move(item));
            }
        } else if (bound) {
            change.retires.push_back(std::move(item));
            --keys_after;
        }
    }
    const bool had_any = !domain.smime_certs.empty() || keys_before > 0;
    if (had_any && certs_after.empty() && keys_after == 0)
        return fail(Error::bad_input("update for " + m.domain +
                                     ": it would leave the domain with no certificate and no "
                                     "key (refused: choose the domain's keys by hand)"));
    if (!domain.smime_certs.empty() && certs_after.empty())
        change.warnings.push_back(m.domain + " will have no S/MIME certificate left");
    return Verified{std::move(*bundle), domain, std::move(change)};
}

// Write what a verified bundle changes (the caller audits it). Order, fail-closed on a partial
// failure: each certificate is stored, then trusted on the CTL; the domain's choice of
// certificates (additions and retirements) is written last, so a domain never chooses a
// certificate that is not stored and trusted; the applied sequence after everything.
Status apply_update(Store& store, const Verified& v, std::time_t now) {
    DomainRecord domain = v.domain;
    const std::string& name = domain.name;
    for (const auto& entry : v.bundle.manifest.entries) {
        if (entry.kind == exchange::EntryKind::certificate) {
            if (!in_service(entry.state)) {
                std::erase(domain.smime_certs, entry.id);
                continue;
            }
            auto cert = crypto::Certificate::from_der(entry.data);
            SEALGATE_TRY(cert);
            SEALGATE_TRY(store.put_certificate(CertRecord{entry.id, entry.data, false, now}));
            auto ctl = store.find_ctl(entry.id);
            SEALGATE_TRY(ctl);
            // Continuity: the partner's own successor, signed by what we trust already.
            if (!*ctl && cert->self_signed())
                SEALGATE_TRY(store.put_ctl(CtlEntry{entry.id, CtlAction::trust, now}));
            if (!contains(domain.smime_certs, entry.id))
                domain.smime_certs.push_back(entry.id);
            continue;
        }
        auto held = store.find_pgp_key(entry.id);
        SEALGATE_TRY(held);
        PgpKeyRecord key;
        if (*held) {
            // verify_update refused these; checked again where trust is written.
            if (!(*held)->sealed_secret.empty() ||
                std::any_of((*held)->domains.begin(), (*held)->domains.end(),
                            [&](const std::string& d) { return d != name; }))
                return fail(Error::unusable("OpenPGP key " + entry.id +
                                            " is ours or bound to another domain"));
            key = std::move(**held);
            auto merged = openpgp::merge(key.public_key, entry.data);
            SEALGATE_TRY(merged);
            key.public_key = std::move(*merged);
        } else if (in_service(entry.state)) {
            key.fingerprint = entry.id;
            key.public_key = entry.data;
            key.added = now;
        } else {
            continue;  // a retired key we never held
        }
        if (in_service(entry.state)) {
            key.trusted = true;
            if (!contains(key.domains, name))
                key.domains.push_back(name);
        } else {
            std::erase(key.domains, name);
        }
        SEALGATE_TRY(store.put_pgp_key(key));
    }
    SEALGATE_TRY(store.put_domain(domain));
    auto applied = read_number(store, applied_setting(name));
    SEALGATE_TRY(applied);
    return store.put_setting(applied_setting(name),
                             std::to_string(std::max(*applied, v.change.sequence)));
}

}  // namespace

Result<ExportedBundle> Service::export_update(std::string_view domain_name, std::time_t now) {
    auto record = detail::local_domain(store_, domain_name);
    SEALGATE_TRY(record);
    const std::string name = record->name;

    ExportedBundle out;
    out.domain = name;
    exchange::Manifest manifest;
    manifest.domain = name;
    manifest.created = now;
    struct Signer {
        exchange::SignatureKind kind;
        std::string id;
    };
    std::vector<Signer> signers;

    auto certs = store_.list_certificates();
    SEALGATE_TRY(certs);
    for (const auto& rec : *certs) {
        if (!rec.has_private_key)
            continue;
        auto cert = crypto::Certificate::from_der(rec.der);
        if (!cert)
            continue;
        if (!certificate_of_domain(*cert, name)) {
            // A partner refuses a certificate that also names another domain's addresses.
            const auto emails = cert->emails();
            if (std::any_of(emails.begin(), emails.end(),
                            [&](const auto& e) { return exchange::address_domain(e) == name; }))
                out.warnings.push_back("certificate " + rec.sha256 +
                                       " also names addresses "
                                       "outside " +
                                       name + ": left out");
            continue;
        }
        auto entry = exchange::certificate_entry(rec.der);
        SEALGATE_TRY(entry);
        if (rec.retired || cert->not_after() <= now)
            entry->state = exchange::EntryState::retired;
        else if (cert->not_before() > now)
            entry->state = exchange::EntryState::next;
        else
            signers.push_back({exchange::SignatureKind::smime, rec.sha256});
        manifest.entries.push_back(std::move(*entry));
    }
    auto keys = store_.list_pgp_keys();
    SEALGATE_TRY(keys);
    for (const auto& rec : *keys) {
        if (rec.sealed_secret.empty())
            continue;
        auto info = openpgp::key_info(rec.public_key);
        if (!info || !(contains(rec.domains, name) || key_of_domain(*info, name)))
            continue;
        if (!key_of_domain(*info, name)) {
            out.warnings.push_back("OpenPGP key " + rec.fingerprint + " is bound to " + name +
                                   " but has user IDs of other domains: "
                                   "left out");
            continue;
        }
        auto entry = exchange::pgp_key_entry(rec.public_key);
        SEALGATE_TRY(entry);
        auto usable = openpgp::encryption_usability(rec.public_key, now);
        SEALGATE_TRY(usable);
        if (info->primary.revoked)
            entry->state = exchange::EntryState::revoked;
        else if (rec.retired || (info->primary.expires != 0 && info->primary.expires <= now))
            entry->state = exchange::EntryState::retired;
        else if (usable->usable)
            signers.push_back({exchange::SignatureKind::pgp, rec.fingerprint});
        manifest.entries.push_back(std::move(*entry));
    }
    if (manifest.entries.size() > exchange::kMaxEntries)
        return fail(Error::bad_input(name + " has more than " +
                                     std::to_string(exchange::kMaxEntries) +
                                     " own certificates and keys: retire and remove old ones"));
    if (std::none_of(manifest.entries.begin(), manifest.entries.end(),
                     [](const auto& e) { return in_service(e.state); }))
        return fail(Error::not_found("no own certificate or OpenPGP key of " + name +
                                     " is in service (create one: `sealgate cert create`)"));
    if (signers.empty())
        return fail(Error::unusable("no own certificate or OpenPGP key of " + name +
                                    " can sign the update now"));

    auto last = read_number(store_, sequence_setting(name));
    SEALGATE_TRY(last);
    manifest.sequence = *last + 1;
    const std::string bytes = exchange::manifest_bytes(manifest);
    std::vector<exchange::Signature> signatures;
    for (const auto& s : signers) {
        auto sig = s.kind == exchange::SignatureKind::smime ? keys_.smime_sign(s.id, bytes)
                                                            : keys_.pgp_sign(s.id, bytes);
        SEALGATE_TRY(sig);
        signatures.push_back({s.kind, s.id, std::move(*sig)});
        out.signers.push_back(s.id);
    }
    // The number is spent before the bundle leaves: two exports never share a sequence.
    SEALGATE_TRY(store_.put_setting(sequence_setting(name), std::to_string(manifest.sequence)));
    out.sequence = manifest.sequence;
    out.bundle = exchange::make(bytes, signatures);
    std::vector<std::string> listed;
    for (const auto& e : manifest.entries) {
        out.entries.push_back(item_of(e));
        listed.push_back(std::string(exchange::to_string(e.state)) + " " + e.id);
    }
    SEALGATE_TRY(audited("exchange.export", name,
                         "sequence " + std::to_string(manifest.sequence) + ": " +
                             detail::list_or_none(listed) + "; signed by " +
                             detail::list_or_none(out.signers)));
    return out;
}

Result<ImportedBundle> Service::import_update(std::string_view bundle, std::time_t now) {
    auto imported = import_verified(bundle, now);
    if (!imported) {
        // A refused import is audited (the one exception to "a failed change writes nothing"):
        // the administrator must see that someone sent a bad or replayed bundle. The refusal's
        // error is returned even if the audit write fails.
        const std::string domain = exchange::claimed_domain(bundle);
        (void)audited("exchange.refused", domain.empty() ? "(unreadable bundle)" : domain,
                      imported.error().reason);
    }
    return imported;
}

Result<ImportedBundle> Service::import_verified(std::string_view bundle, std::time_t now) {
    auto v = verify_update(store_, bundle, true, now);
    SEALGATE_TRY(v);
    const std::string& name = v->change.domain;
    ImportedBundle out;
    out.change = v->change;
    const std::string summary = summary_of(v->change);
    if (v->domain.accept_signed_updates) {
        SEALGATE_TRY(apply_update(store_, *v, now));
        out.applied = true;
    } else {
        PendingChange pending;
        pending.domain = name;
        pending.sequence = v->change.sequence;
        pending.created = v->change.created;
        pending.signer = v->change.signer;
        pending.summary = summary;
        pending.bundle = std::string(bundle);
        auto id = store_.add_pending(pending);
        SEALGATE_TRY(id);
        out.pending_id = *id;
    }
    SEALGATE_TRY(audited(
        "exchange.import", name,
        "sequence " + std::to_string(v->change.sequence) + " signed by " + v->change.signer + ", " +
            (out.applied ? std::string("applied")
                         : "staged as pending change " + std::to_string(out.pending_id)) +
            ": " + summary));
    return out;
}

Result<std::vector<PendingChange>> Service::list_pending() {
    return store_.list_pending();
}

Result<PendingView> Service::pending(std::int64_t id) {
    auto rec = store_.find_pending(id);
    SEALGATE_TRY(rec);
    if (!*rec)
        return fail(Error::not_found("no pending change " + std::to_string(id)));
    if ((*rec)->kind == PendingKind::discovery)
        return discovered_view(std::move(**rec), std::time(nullptr));
    PendingView view;
    view.record = std::move(**rec);
    // What it changes now (the domain may have changed since it was staged); a change that no
    // longer verifies shows its stored summary with the reason as a warning.
    auto v = verify_update(store_, view.record.bundle, false, std::time(nullptr));
    if (v) {
        view.change = std::move(v->change);
    } else {
        view.change.domain = view.record.domain;
        view.change.sequence = view.record.sequence;
        view.change.created = view.record.created;
        view.change.signer = view.record.signer;
        view.change.warnings.push_back("does not verify now: " + v.error().reason);
    }
    return view;
}

Result<UpdateChange> Service::approve_pending(std::int64_t id, std::time_t now) {
    auto rec = store_.find_pending(id);
    SEALGATE_TRY(rec);
    if (!*rec)
        return fail(Error::not_found("no pending change " + std::to_string(id)));
    if ((*rec)->state != PendingState::pending)
        return fail(Error::conflict("pending change " + std::to_string(id) + " was " +
                                    std::string(to_string((*rec)->state)) + " already"));
    if ((*rec)->kind == PendingKind::discovery)
        return approve_discovered(**rec, now);
    // Verified again: the trust it was staged under may have been withdrawn since.
    auto v = verify_update(store_, (*rec)->bundle, false, now);
    SEALGATE_TRY(v);
    auto applied = read_number(store_, applied_setting(v->change.domain));
    SEALGATE_TRY(applied);
    if (v->change.sequence <= *applied)
        return fail(Error::conflict(
            "pending change " + std::to_string(id) + ": a newer update for " + v->change.domain +
            " (sequence " + std::to_string(*applied) + ") was applied already; reject this one"));
    // Decided first: of two administrators approving (or one rejecting) at once, only the one
    // whose decision the store records applies the change.
    auto decided = store_.decide_pending(id, PendingState::approved, actor_.name, now);
    SEALGATE_TRY(decided);
    if (!*decided)
        return fail(Error::conflict("pending change " + std::to_string(id) +
                                    " was decided already (by another administrator)"));
    SEALGATE_TRY(apply_update(store_, *v, now));
    SEALGATE_TRY(audited("pending.approve", std::to_string(id),
                         v->change.domain + " sequence " + std::to_string(v->change.sequence) +
                             ": " + summary_of(v->change)));
    return std::move(v->change);
}

Result<PendingChange> Service::reject_pending(std::int64_t id, std::time_t now) {
    auto rec = store_.find_pending(id);
    SEALGATE_TRY(rec);
    if (!*rec)
        return fail(Error::not_found("no pending change " + std::to_string(id)));
    auto decided = store_.decide_pending(id, PendingState::rejected, actor_.name, now);
    SEALGATE_TRY(decided);
    if (!*decided)
        return fail(Error::conflict("pending change " + std::to_string(id) + " was " +
                                    std::string(to_string((*rec)->state)) + " already"));
    SEALGATE_TRY(audited("pending.reject", std::to_string(id),
                         (*rec)->kind == PendingKind::discovery
                             ? (*rec)->domain + " discovery: " + (*rec)->found.id
                             : (*rec)->domain + " sequence " + std::to_string((*rec)->sequence)));
    auto after = store_.find_pending(id);
    SEALGATE_TRY(after);
    if (!*after)
        return fail(Error::temp("pending change " + std::to_string(id) + " vanished"));
    return std::move(**after);
}

}  // namespace sealgate::admin
