// admin/pgp.cpp — OpenPGP domain keys: our own (with the secret key, sealed by keystore/) and
// the partners' (public only), their trust flag and the domains they are bound to.
//
// Trust is the administrator's decision: a partner key is imported untrusted and becomes usable
// only once trusted (after comparing the fingerprint read aloud). A key imported or created with
// its secret part is ours and trusted. Importing a key we hold already is the lifecycle case
// (renewed expiry, new subkey, revocation): the update is merged into the held key, whose trust
// and domain bindings stay. A bare revocation certificate is applied to the key it revokes.
// Binding a key to a domain is judged by policy::check_pgp_binding.
#include <algorithm>

#include "address/address.hpp"
#include "admin/internal.hpp"
#include "admin/service.hpp"
#include "core/time.hpp"
#include "policy/policy.hpp"
#include "store/lookup.hpp"

namespace sealgate::admin {

namespace {

// What an update changed, for the one line per key that an import reports.
std::vector<std::string> changes(const openpgp::KeyInfo& before, const openpgp::KeyInfo& after) {
    std::vector<std::string> out;
    if (after.primary.revoked && !before.primary.revoked)
        out.push_back("now revoked (" + after.primary.revocation_reason + ")");
    if (after.primary.expires != before.primary.expires)
        out.push_back(after.primary.expires == 0 ? std::string("no longer expires")
                                                 : "expires " + format_time(after.primary.expires));
    for (const auto& sub : after.subkeys) {
        const auto old =
            std::find_if(before.subkeys.begin(), before.subkeys.end(),
                         [&](const auto& s) { return s.fingerprint == sub.fingerprint; });
        if (old == before.subkeys.end())
            out.push_back("new subkey " + sub.fingerprint);
        else if (sub.revoked && !old->revoked)
            out.push_back("subkey " + sub.fingerprint + " revoked");
        else if (sub.expires != old->expires)
            out.push_back("subkey " + sub.fingerprint + " expires " +
                          (sub.expires == 0 ? std::string("never") : format_time(sub.expires)));
    }
    for (const auto& uid : after.user_ids) {
        const auto old = std::find_if(before.user_ids.begin(), before.user_ids.end(),
                                      [&](const auto& u) { return u.text == uid.text; });
        if (old == before.user_ids.end())
            out.push_back("new user ID " + uid.text);
        else if (uid.revoked && !old->revoked)
            out.push_back("user ID revoked: " + uid.text);
    }
    return out;
}

// The report of one imported key: its user ID, what happened, and why it is not usable (its
// own state first, then its strength: an old v3 key is both). A key too weak under the default
// minimum is kept: a domain may accept it (`domain set ... min-rsa-bits`).
Result<ImportedPgpKey> imported(const PgpKeyRecord& key, std::string what) {
    auto info = openpgp::key_info(key.public_key);
    SEALGATE_TRY(info);
    // Trust is not the matter here (`what` says it): the key's own state and its strength.
    auto st = policy::pgp_key_status(key.public_key, true);
    SEALGATE_TRY(st);
    const bool own = !key.sealed_secret.empty();
    std::vector<std::string> why;
    if (!st->state.usable)
        why.push_back(st->state.reason);
    if (st->strength_problem)
        why.push_back(*st->strength_problem +
                      (own ? " (our own key: replace it, `sealgate pgp create`)" : ""));
    ImportedPgpKey out{key.fingerprint, detail::primary_uid(*info), std::move(what), {}};
    if (!why.empty()) {
        out.warning = "not usable: ";
        for (std::size_t i = 0; i < why.size(); ++i)
            out.warning += (i ? "; " : "") + why[i];
    }
    return out;
}

std::string trust_text(bool trusted) {
    return trusted ? "trusted" : "untrusted";
}

// "trusted: untrusted -> trusted; domains: (none) -> b.example".
std::string differences(const PgpKeyRecord& before, const PgpKeyRecord& after) {
    std::vector<std::string> parts;
    detail::diff(parts, "trust", trust_text(before.trusted), trust_text(after.trusted));
    detail::diff(parts, "domains", detail::list_or_none(before.domains),
                 detail::list_or_none(after.domains));
    return detail::change_text(parts);
}

}  // namespace

namespace detail {

std::string primary_uid(const openpgp::KeyInfo& info) {
    for (const auto& u : info.user_ids)
        if (!u.revoked)
            return u.text;
    return info.user_ids.empty() ? "(no user ID)" : info.user_ids.front().text;
}

PgpKeyView pgp_key_view(const policy::Snapshot& snap, const PgpKeyRecord& key) {
    PgpKeyView view;
    view.fingerprint = key.fingerprint;
    view.has_secret = !key.sealed_secret.empty();
    view.trusted = key.trusted;
    view.retired = key.retired;
    view.domains = key.domains;
    view.added = key.added;
    if (auto info = openpgp::key_info(key.public_key)) {
        view.primary_uid = detail::primary_uid(*info);
        view.info = std::move(*info);
    } else {
        view.unreadable = info.error().reason;
    }
    view.status = policy::pgp_key_status(snap, key);
    view.strength = strength_text(snap, key.domains, [&](const policy::KeyMinimum& minimum) {
        return policy::pgp_strength_problem(snap, key, minimum);
    });
    return view;
}

}  // namespace detail

Result<std::vector<PgpKeyView>> Service::list_pgp_keys(const PgpKeyFilter& filter) {
    auto snap = snapshot();
    SEALGATE_TRY(snap);
    std::vector<PgpKeyView> out;
    // One unreadable blob must not hide the other keys: its view says why (unreadable).
    for (const auto& k : (*snap)->pgp_keys()) {
        if (filter.own && (!k.sealed_secret.empty()) != *filter.own)
            continue;
        out.push_back(detail::pgp_key_view(**snap, k));
    }
    return out;
}

Result<PgpKeyView> Service::pgp_key(std::string_view fingerprint) {
    auto rec = lookup_pgp_key(store_, fingerprint);
    SEALGATE_TRY(rec);
    // The details of one key need it readable: its error, not a view without them.
    auto info = openpgp::key_info(rec->public_key);
    SEALGATE_TRY(info);
    auto snap = snapshot();
    SEALGATE_TRY(snap);
    const PgpKeyRecord* held = (*snap)->find_pgp_key(rec->fingerprint);
    if (held == nullptr)
        return fail(Error::temp("key vanished while reading"));
    return detail::pgp_key_view(**snap, *held);
}

Result<std::vector<ImportedPgpKey>> Service::import_pgp_keys(std::string_view bytes) {
    // Merge an update into a held key; trust and domains stay, a secret is added when we had
    // none. Written (and audited) only when something changed.
    const auto update_held = [&](PgpKeyRecord held, std::string_view update,
                                 const std::string& secret) -> Result<ImportedPgpKey> {
        auto before = openpgp::key_info(held.public_key);
        SEALGATE_TRY(before);
        auto merged = openpgp::merge(held.public_key, update);
        SEALGATE_TRY(merged);
        auto after = openpgp::key_info(*merged);
        SEALGATE_TRY(after);
        auto what = changes(*before, *after);
        const bool changed = *merged != held.public_key;
        held.public_key = std::move(*merged);
        if (!secret.empty() && held.sealed_secret.empty()) {
            auto sealed = keys_.seal_pgp_secret(held.fingerprint, secret);
            SEALGATE_TRY(sealed);
            held.sealed_secret = std::move(*sealed);
            what.emplace_back("secret key added");
        }
        std::string line = changed ? "updated" : "unchanged";
        if (!what.empty()) {
            line = "updated: ";
            for (std::size_t i = 0; i < what.size(); ++i)
                line += (i ? ", " : "") + what[i];
        }
        if (changed || !what.empty()) {
            SEALGATE_TRY(store_.put_pgp_key(held));
            SEALGATE_TRY(audited("pgp.import", held.fingerprint, line));
        }
        return imported(held, std::move(line));
    };

    auto keys = openpgp::parse_keys(bytes);
    if (!keys) {
        // No key in it: perhaps a bare revocation certificate for a key we hold. merge()
        // accepts it only for the key it was issued for.
        auto held = store_.list_pgp_keys();
        SEALGATE_TRY(held);
        for (auto& k : *held) {
            if (openpgp::merge(k.public_key, bytes)) {
                auto one = update_held(std::move(k), bytes, "");
                SEALGATE_TRY(one);
                return std::vector<ImportedPgpKey>{std::move(*one)};
            }
        }
        return fail(Error::bad_input("no OpenPGP key in it, nor a revocation of a held key (" +
                                     keys.error().reason + ")"));
    }
    std::vector<ImportedPgpKey> out;
    for (const auto& km : *keys) {
        auto held = store_.find_pgp_key(km.fingerprint);
        SEALGATE_TRY(held);
        if (*held) {
            auto one = update_held(std::move(**held), km.public_key, km.secret_key);
            SEALGATE_TRY(one);
            out.push_back(std::move(*one));
            continue;
        }
        PgpKeyRecord rec;
        rec.fingerprint = km.fingerprint;
        rec.public_key = km.public_key;
        // A key that comes with its secret part is ours: trusted. A partner's key waits for the
        // administrator to compare fingerprints.
        rec.trusted = !km.secret_key.empty();
        if (!km.secret_key.empty()) {
            auto sealed = keys_.seal_pgp_secret(km.fingerprint, km.secret_key);
            SEALGATE_TRY(sealed);
            rec.sealed_secret = std::move(*sealed);
        }
        SEALGATE_TRY(store_.put_pgp_key(rec));
        const std::string what =
            rec.trusted ? "new, with secret key (trusted)"
                        : "new (untrusted: compare fingerprints, then `sealgate pgp trust`)";
        SEALGATE_TRY(audited("pgp.import", rec.fingerprint, what));
        auto one = imported(rec, what);
        SEALGATE_TRY(one);
        out.push_back(std::move(*one));
    }
    return out;
}

Result<PgpKeyView> Service::create_pgp_key(std::string_view uid, openpgp::KeyAlgorithm algorithm,
                                           std::uint32_t expires_seconds) {
    auto made = openpgp::create_key(uid, algorithm, expires_seconds);
    SEALGATE_TRY(made);
    auto sealed = keys_.seal_pgp_secret(made->fingerprint, made->secret_key);
    SEALGATE_TRY(sealed);
    PgpKeyRecord rec;
    rec.fingerprint = made->fingerprint;
    rec.public_key = made->public_key;
    rec.sealed_secret = std::move(*sealed);
    rec.trusted = true;  // our own key
    SEALGATE_TRY(store_.put_pgp_key(rec));
    SEALGATE_TRY(audited("pgp.create", rec.fingerprint, std::string(uid)));
    return pgp_key(rec.fingerprint);
}

Result<std::string> Service::export_pgp_key(std::string_view fingerprint, bool secret,
                                            openpgp::Encoding encoding) {
    auto rec = lookup_pgp_key(store_, fingerprint);
    SEALGATE_TRY(rec);
    if (!secret)
        return openpgp::export_public(rec->public_key, encoding);
    if (rec->sealed_secret.empty())
        return fail(Error::not_found("no secret key held for " + rec->fingerprint));
    auto key = keys_.unseal_pgp_secret(rec->fingerprint, rec->sealed_secret);
    SEALGATE_TRY(key);
    auto data = openpgp::export_secret(*key, encoding);
    SEALGATE_TRY(data);
    // A secret key leaving the gateway is worth a record, though nothing changed.
    SEALGATE_TRY(audited("pgp.export", rec->fingerprint, "secret key"));
    return data;
}

Result<Changed<PgpKeyView>> Service::change_pgp_key(std::string_view fingerprint,
                                                    const PgpKeyChange& change, bool force) {
    auto rec = lookup_pgp_key(store_, fingerprint);
    SEALGATE_TRY(rec);
    const PgpKeyRecord before = *rec;
    Changed<PgpKeyView> out;
    if (change.trusted)
        rec->trusted = *change.trusted;
    if (change.domains) {
        std::vector<std::string> domains;
        policy::Verdict verdict;
        for (const auto& text : *change.domains) {
            auto name = address::normalize_domain_pattern(text);
            SEALGATE_TRY(name);
            if (std::find(domains.begin(), domains.end(), *name) != domains.end())
                continue;
            auto found = store_.find_domain(*name);
            SEALGATE_TRY(found);
            if (!*found)
                return fail(Error::not_found("no domain " + *name +
                                             " (add it with `sealgate domain add`)"));
            // The rules judge what this change adds; a domain bound already was judged then.
            if (std::find(before.domains.begin(), before.domains.end(), *name) ==
                before.domains.end()) {
                auto v = policy::check_pgp_binding(**found, *rec);
                SEALGATE_TRY(v);
                verdict.findings.insert(verdict.findings.end(), v->findings.begin(),
                                        v->findings.end());
            }
            domains.push_back(std::move(*name));
        }
        SEALGATE_TRY(detail::judge(verdict, force, out.warnings, out.overridden));
        rec->domains = std::move(domains);
    }
    SEALGATE_TRY(store_.put_pgp_key(*rec));
    SEALGATE_TRY(audited("pgp.update", rec->fingerprint, differences(before, *rec)));
    auto view = pgp_key(rec->fingerprint);
    SEALGATE_TRY(view);
    out.value = std::move(*view);
    return out;
}

Result<Changed<PgpKeyView>> Service::bind_pgp_domain(std::string_view fingerprint,
                                                     std::string_view domain, bool force) {
    auto rec = lookup_pgp_key(store_, fingerprint);
    SEALGATE_TRY(rec);
    auto name = address::normalize_domain_pattern(domain);
    SEALGATE_TRY(name);
    auto found = store_.find_domain(*name);
    SEALGATE_TRY(found);
    if (!*found)
        return fail(
            Error::not_found("no domain " + *name + " (add it with `sealgate domain add`)"));
    if (std::find(rec->domains.begin(), rec->domains.end(), *name) != rec->domains.end())
        return fail(
            Error::conflict("domain " + *name + " is bound to " + rec->fingerprint + " already"));
    auto verdict = policy::check_pgp_binding(**found, *rec);
    SEALGATE_TRY(verdict);
    Changed<PgpKeyView> out;
    SEALGATE_TRY(detail::judge(*verdict, force, out.warnings, out.overridden));
    const PgpKeyRecord before = *rec;
    rec->domains.push_back(*name);
    SEALGATE_TRY(store_.put_pgp_key(*rec));
    SEALGATE_TRY(audited("pgp.update", rec->fingerprint, differences(before, *rec)));
    auto view = pgp_key(rec->fingerprint);
    SEALGATE_TRY(view);
    out.value = std::move(*view);
    return out;
}

Result<PgpKeyView> Service::unbind_pgp_domain(std::string_view fingerprint,
                                              std::string_view domain) {
    auto rec = lookup_pgp_key(store_, fingerprint);
    SEALGATE_TRY(rec);
    auto name = address::normalize_domain_pattern(domain);
    SEALGATE_TRY(name);
    const auto at = std::find(rec->domains.begin(), rec->domains.end(), *name);
    if (at == rec->domains.end())
        return fail(Error::not_found("domain " + *name + " is not bound to " + rec->fingerprint));
    const PgpKeyRecord before = *rec;
    rec->domains.erase(at);
    SEALGATE_TRY(store_.put_pgp_key(*rec));
    SEALGATE_TRY(audited("pgp.update", rec->fingerprint, differences(before, *rec)));
    return pgp_key(rec->fingerprint);
}

Result<std::string> Service::remove_pgp_key(std::string_view fingerprint) {
    auto rec = lookup_pgp_key(store_, fingerprint);
    SEALGATE_TRY(rec);
    auto info = openpgp::key_info(rec->public_key);
    std::string change = info ? detail::primary_uid(*info) : "(unreadable key)";
    if (!rec->sealed_secret.empty())
        change += " (with secret key)";
    if (!rec->domains.empty())
        change += "; bound to " + detail::list_or_none(rec->domains);
    auto removed = store_.remove_pgp_key(rec->fingerprint);
    SEALGATE_TRY(removed);
    SEALGATE_TRY(audited("pgp.remove", rec->fingerprint, std::move(change)));
    return rec->fingerprint;
}

}  // namespace sealgate::admin
