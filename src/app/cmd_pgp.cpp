// `sealgate pgp ...`: OpenPGP domain keys — our own (with the secret key, sealed by keystore/)
// and the partners' (public only), their trust flag and the domains they are bound to.
//
// Trust is the administrator's decision: a partner key is imported untrusted and becomes usable
// only after `pgp trust` (compare the fingerprint read aloud first). A key imported or created
// with its secret part is ours and trusted. Importing a key we hold already is the lifecycle
// case (renewed expiry, new subkey, revocation): the update is merged into the held key, whose
// trust and domain bindings stay. A bare revocation certificate is applied to the key it
// revokes.

#include <algorithm>
#include <cstdio>
#include <memory>

#include "address/address.hpp"
#include "app/cli.hpp"
#include "core/hex.hpp"
#include "core/text.hpp"
#include "openpgp/key.hpp"
#include "policy/policy.hpp"

namespace sealgate::app {

namespace {

// The key-strength line of `pgp show`: the verdict under the default minimum, and the bound
// domains whose own minimum (min-rsa-bits) accepts the key nevertheless.
std::string strength_line(const policy::Snapshot& snap, const PgpKeyRecord& key) {
    return strength_text(snap, key.domains, [&](const policy::KeyMinimum& minimum) {
        return policy::pgp_strength_problem(snap, key, minimum);
    });
}

std::string primary_uid(const openpgp::KeyInfo& info) {
    for (const auto& u : info.user_ids)
        if (!u.revoked)
            return u.text;
    return info.user_ids.empty() ? "(no user ID)" : info.user_ids.front().text;
}

std::string flags(const openpgp::KeyPart& p) {
    std::vector<std::string> f;
    if (p.can_certify)
        f.emplace_back("certify");
    if (p.can_sign)
        f.emplace_back("sign");
    if (p.can_encrypt)
        f.emplace_back("encrypt");
    if (p.can_authenticate)
        f.emplace_back("authenticate");
    return f.empty() ? "none" : join(f, ",");
}

std::string describe_part(const openpgp::KeyPart& p) {
    std::string s = p.algorithm;
    if (!p.curve.empty())
        s += " " + p.curve;
    else if (p.bits != 0)
        s += " " + std::to_string(p.bits);
    s += ", created " + format_time(p.created);
    s += ", expires " + (p.expires == 0 ? std::string("never") : format_time(p.expires));
    s += ", " + flags(p);
    if (p.revoked)
        s += ", REVOKED (" + p.revocation_reason + ")";
    else if (!p.valid)
        s += ", not valid";
    return s;
}

// What an update changed, for the one line that `pgp import` prints per key.
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

// "<fingerprint>  <user id>  <what happened>[  warning: not usable: <reason>]". A key too weak
// under the default minimum is kept (a domain may accept it: `domain set ... min-rsa-bits`),
// with the warning.
Status report(const std::string& public_key, const std::string& fingerprint,
              const std::string& what, bool own) {
    auto info = openpgp::key_info(public_key);
    SEALGATE_TRY(info);
    // Trust is not the matter here (the line says it): the key's own state and its strength.
    auto st = policy::pgp_key_status(public_key, true);
    SEALGATE_TRY(st);
    // Both reasons when both apply (an old v3 key is weak too): the key's own state first.
    std::vector<std::string> why;
    if (!st->state.usable)
        why.push_back(st->state.reason);
    if (st->strength_problem)
        why.push_back(*st->strength_problem +
                      (own ? " (our own key: replace it, `sealgate pgp create`)" : ""));
    const std::string warning = why.empty() ? "" : "  warning: not usable: " + join(why, "; ");
    std::printf("%s  %s  %s%s\n", fingerprint.c_str(), primary_uid(*info).c_str(), what.c_str(),
                warning.c_str());
    return ok();
}

// Merge an update into a held key; trust and domains stay, a secret is added when we had none.
Status update_held(Context& ctx, PgpKeyRecord held, const std::string& update,
                   const std::string& secret) {
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
        auto sealed = ctx.keys().seal_pgp_secret(held.fingerprint, secret);
        SEALGATE_TRY(sealed);
        held.sealed_secret = std::move(*sealed);
        what.emplace_back("secret key added");
    }
    if (changed || !what.empty())
        SEALGATE_TRY(ctx.store().put_pgp_key(held));
    std::string line;
    if (!what.empty())
        line = "updated: " + join(what, ", ");
    else
        line = changed ? "updated" : "unchanged";
    return report(held.public_key, held.fingerprint, line, !held.sealed_secret.empty());
}

Status import(Cli& cli, const std::string& file) {
    auto bytes = read_file(file);
    SEALGATE_TRY(bytes);
    auto ctx = cli.open();
    SEALGATE_TRY(ctx);
    Store& store = (*ctx)->store();
    auto keys = openpgp::parse_keys(*bytes);
    if (!keys) {
        // No key in the file: perhaps a bare revocation certificate for a key we hold. merge()
        // accepts it only for the key it was issued for.
        auto held = store.list_pgp_keys();
        SEALGATE_TRY(held);
        for (auto& k : *held)
            if (openpgp::merge(k.public_key, *bytes))
                return update_held(**ctx, k, *bytes, "");
        return fail(Error::bad_input(file +
                                     ": no OpenPGP key in it, nor a revocation of a held key (" +
                                     keys.error().reason + ")"));
    }
    for (const auto& km : *keys) {
        auto held = store.find_pgp_key(km.fingerprint);
        SEALGATE_TRY(held);
        if (*held) {
            SEALGATE_TRY(update_held(**ctx, std::move(**held), km.public_key, km.secret_key));
            continue;
        }
        PgpKeyRecord rec;
        rec.fingerprint = km.fingerprint;
        rec.public_key = km.public_key;
        // A key that comes with its secret part is ours: trusted. A partner's key waits for the
        // administrator to compare fingerprints.
        rec.trusted = !km.secret_key.empty();
        if (!km.secret_key.empty()) {
            auto sealed = (*ctx)->keys().seal_pgp_secret(km.fingerprint, km.secret_key);
            SEALGATE_TRY(sealed);
            rec.sealed_secret = std::move(*sealed);
        }
        SEALGATE_TRY(store.put_pgp_key(rec));
        SEALGATE_TRY(report(rec.public_key, rec.fingerprint,
                            rec.trusted ? "new, with secret key (trusted)"
                                        : "new (untrusted: compare fingerprints, then "
                                          "`sealgate pgp trust`)",
                            !rec.sealed_secret.empty()));
    }
    return ok();
}

Status show(Cli& cli, const std::string& text) {
    auto ctx = cli.open();
    SEALGATE_TRY(ctx);
    auto rec = lookup_pgp_key((*ctx)->store(), text);
    SEALGATE_TRY(rec);
    auto info = openpgp::key_info(rec->public_key);
    SEALGATE_TRY(info);
    auto snap = (*ctx)->snapshot();
    SEALGATE_TRY(snap);
    const PgpKeyRecord* held = (*snap)->find_pgp_key(rec->fingerprint);
    if (held == nullptr)
        return fail(Error::temp("key vanished while reading"));
    const auto st = policy::pgp_key_status(**snap, *held);
    const auto& u = st.usability;
    for (const auto& uid : info->user_ids)
        std::printf("User ID:         %s%s\n", uid.text.c_str(),
                    uid.revoked ? "  (revoked)" : (uid.valid ? "" : "  (not valid)"));
    std::printf("Fingerprint:     %s\n", hex_groups(rec->fingerprint).c_str());
    std::printf("                 %s\n", rec->fingerprint.c_str());
    std::printf("Primary key:     %s\n", describe_part(info->primary).c_str());
    for (const auto& sub : info->subkeys) {
        std::printf("Subkey:          %s\n", sub.fingerprint.c_str());
        std::printf("                 %s\n", describe_part(sub).c_str());
    }
    std::printf("Secret key:      %s\n",
                rec->sealed_secret.empty() ? "none" : "held (decrypts inbound mail)");
    std::printf("Trust:           %s\n", rec->trusted ? "trusted" : "not trusted");
    std::printf("Domains:         %s\n",
                held->domains.empty() ? "(none)" : join(held->domains, ", ").c_str());
    std::printf("Key strength:    %s\n", strength_line(**snap, *held).c_str());
    const auto& verdict = st.state;
    if (u.usable) {
        std::printf("Encryption:      usable (%s)\n", u.reason.c_str());
    } else {
        // Strength and trust come first, but an administrator about to trust (or keep) a
        // revoked or expired key must see that too.
        const bool also = !verdict.usable && u.reason != verdict.reason;
        std::printf("Encryption:      NOT usable: %s%s\n", u.reason.c_str(),
                    also ? ("; also " + verdict.reason).c_str() : "");
    }
    if (!held->sealed_secret.empty() && st.strength_problem)
        std::printf(
            "warning: our own key is too weak: partners encrypting to it are not safe; "
            "replace it (`sealgate pgp create`)\n");
    return ok();
}

Status list(Cli& cli) {
    auto ctx = cli.open();
    SEALGATE_TRY(ctx);
    auto snap = (*ctx)->snapshot();
    SEALGATE_TRY(snap);
    std::printf("%-40s  %-6s  %-7s  %-6s  %-20s  %s\n", "FINGERPRINT", "SECRET", "TRUST", "USABLE",
                "DOMAINS", "USER ID");
    for (const auto& k : (*snap)->pgp_keys()) {
        // One unreadable blob must not hide the other keys: it is listed with the reason.
        const auto info = openpgp::key_info(k.public_key);
        const auto u = policy::pgp_key_usability(**snap, k);
        std::printf("%-40s  %-6s  %-7s  %-6s  %-20s  %s\n", k.fingerprint.c_str(),
                    k.sealed_secret.empty() ? "-" : "yes", k.trusted ? "trusted" : "-",
                    u.usable ? "yes" : "no", k.domains.empty() ? "-" : join(k.domains, ",").c_str(),
                    info ? primary_uid(*info).c_str()
                         : ("(unreadable: " + info.error().reason + ")").c_str());
    }
    return ok();
}

Status set_trust(Cli& cli, const std::string& text, bool trusted) {
    auto ctx = cli.open();
    SEALGATE_TRY(ctx);
    auto rec = lookup_pgp_key((*ctx)->store(), text);
    SEALGATE_TRY(rec);
    rec->trusted = trusted;
    SEALGATE_TRY((*ctx)->store().put_pgp_key(*rec));
    std::printf("%s %s\n", trusted ? "trusted" : "untrusted", rec->fingerprint.c_str());
    return ok();
}

Status bind_domain(Cli& cli, const std::string& text, const std::string& domain, bool add,
                   bool force) {
    auto ctx = cli.open();
    SEALGATE_TRY(ctx);
    Store& store = (*ctx)->store();
    auto rec = lookup_pgp_key(store, text);
    SEALGATE_TRY(rec);
    auto normal = address::normalize_domain_pattern(domain);
    SEALGATE_TRY(normal);
    const std::string& name = *normal;
    auto& doms = rec->domains;
    const auto at = std::find(doms.begin(), doms.end(), name);
    if (add) {
        auto found = store.find_domain(name);
        SEALGATE_TRY(found);
        if (!*found)
            return fail(
                Error::not_found("no domain " + name + " (add it with `sealgate domain add`)"));
        if (at != doms.end())
            return fail(Error::conflict("domain " + name + " is bound to " + rec->fingerprint +
                                        " already"));
        auto verdict = policy::check_pgp_binding(**found, *rec);
        SEALGATE_TRY(verdict);
        SEALGATE_TRY(confirm(*verdict, force));
        doms.push_back(name);
    } else {
        if (at == doms.end())
            return fail(
                Error::not_found("domain " + name + " is not bound to " + rec->fingerprint));
        doms.erase(at);
    }
    SEALGATE_TRY(store.put_pgp_key(*rec));
    std::printf("%s: domains %s\n", rec->fingerprint.c_str(),
                doms.empty() ? "(none)" : join(doms, ", ").c_str());
    return ok();
}

}  // namespace

void add_pgp_commands(CLI::App& app, Cli& cli) {
    auto* pgp = app.add_subcommand("pgp", "OpenPGP domain keys (ours and the partners')");
    pgp->require_subcommand(1);

    auto* create = pgp->add_subcommand("create", "Create our OpenPGP domain key");
    auto uid = std::make_shared<std::string>();
    auto algo = std::make_shared<std::string>("ed25519");
    auto expires = std::make_shared<std::string>("2y");
    create->add_option("--uid", *uid, "User ID, e.g. \"Example <domain-cert@example.com>\"")
        ->required();
    create->add_option("--algo", *algo, "ed25519|rsa3072|rsa4096")
        ->check(CLI::IsMember({"ed25519", "rsa3072", "rsa4096"}));
    create->add_option("--expires", *expires, "2y, 18m, 3w, 10d or never");
    cli.on(create, [&cli, uid, algo, expires]() -> Status {
        const auto a = openpgp::parse_key_algorithm(*algo);
        if (!a)
            return fail(Error::bad_input("unknown algorithm " + *algo));
        auto secs = openpgp::parse_expiry(*expires);
        SEALGATE_TRY(secs);
        auto ctx = cli.open();
        SEALGATE_TRY(ctx);
        auto made = openpgp::create_key(*uid, *a, *secs);
        SEALGATE_TRY(made);
        auto sealed = (*ctx)->keys().seal_pgp_secret(made->fingerprint, made->secret_key);
        SEALGATE_TRY(sealed);
        PgpKeyRecord rec;
        rec.fingerprint = made->fingerprint;
        rec.public_key = made->public_key;
        rec.sealed_secret = std::move(*sealed);
        rec.trusted = true;  // our own key
        SEALGATE_TRY((*ctx)->store().put_pgp_key(rec));
        std::printf("%s\n", rec.fingerprint.c_str());
        return ok();
    });

    auto* imp = pgp->add_subcommand("import", "Import keys, key updates or a revocation");
    auto file = std::make_shared<std::string>();
    imp->add_option("FILE", *file, "Armored or binary key file (- for standard input)")->required();
    cli.on(imp, [&cli, file] { return import(cli, *file); });

    auto* exp = pgp->add_subcommand("export", "Write a public key (or, with --secret, ours)");
    auto efpr = std::make_shared<std::string>();
    auto secret = std::make_shared<bool>(false);
    auto armor = std::make_shared<bool>(false);
    auto out = std::make_shared<std::string>();
    exp->add_option("FINGERPRINT", *efpr)->required();
    exp->add_flag("--secret", *secret, "The secret key (unprotected: handle with care)");
    exp->add_flag("--armor", *armor, "ASCII armor instead of binary");
    exp->add_option("-o,--output", *out, "Output file (default: standard output)");
    cli.on(exp, [&cli, efpr, secret, armor, out]() -> Status {
        auto ctx = cli.open();
        SEALGATE_TRY(ctx);
        auto rec = lookup_pgp_key((*ctx)->store(), *efpr);
        SEALGATE_TRY(rec);
        const auto enc = *armor ? openpgp::Encoding::armored : openpgp::Encoding::binary;
        if (!*secret) {
            auto data = openpgp::export_public(rec->public_key, enc);
            SEALGATE_TRY(data);
            return write_output(*data, *out);
        }
        if (rec->sealed_secret.empty())
            return fail(Error::not_found("no secret key held for " + rec->fingerprint));
        auto key = (*ctx)->keys().unseal_pgp_secret(rec->fingerprint, rec->sealed_secret);
        SEALGATE_TRY(key);
        auto data = openpgp::export_secret(*key, enc);
        SEALGATE_TRY(data);
        return write_secret_output(*data, *out);
    });

    auto* lst = pgp->add_subcommand("list", "List OpenPGP keys");
    cli.on(lst, [&cli] { return list(cli); });

    auto* shw = pgp->add_subcommand("show", "Show a key and whether it is usable");
    auto sfpr = std::make_shared<std::string>();
    shw->add_option("FINGERPRINT", *sfpr)->required();
    cli.on(shw, [&cli, sfpr] { return show(cli, *sfpr); });

    auto* tr = pgp->add_subcommand("trust", "Trust a key (after comparing its fingerprint)");
    auto tfpr = std::make_shared<std::string>();
    tr->add_option("FINGERPRINT", *tfpr)->required();
    cli.on(tr, [&cli, tfpr] { return set_trust(cli, *tfpr, true); });

    auto* untr = pgp->add_subcommand("untrust", "Withdraw trust from a key");
    auto ufpr = std::make_shared<std::string>();
    untr->add_option("FINGERPRINT", *ufpr)->required();
    cli.on(untr, [&cli, ufpr] { return set_trust(cli, *ufpr, false); });

    auto* addd = pgp->add_subcommand("add-domain", "Bind a key to a domain");
    auto afpr = std::make_shared<std::string>();
    auto adom = std::make_shared<std::string>();
    addd->add_option("FINGERPRINT", *afpr)->required();
    addd->add_option("DOMAIN", *adom)->required();
    auto aforce = std::make_shared<bool>(false);
    addd->add_flag("--force", *aforce,
                   "Bind the key even though it is our own or names another domain");
    cli.on(addd,
           [&cli, afpr, adom, aforce] { return bind_domain(cli, *afpr, *adom, true, *aforce); });

    auto* rmd = pgp->add_subcommand("remove-domain", "Unbind a key from a domain");
    auto rfpr = std::make_shared<std::string>();
    auto rdom = std::make_shared<std::string>();
    rmd->add_option("FINGERPRINT", *rfpr)->required();
    rmd->add_option("DOMAIN", *rdom)->required();
    cli.on(rmd, [&cli, rfpr, rdom] { return bind_domain(cli, *rfpr, *rdom, false, false); });

    auto* rm = pgp->add_subcommand("remove", "Remove a key (and its secret key)");
    auto xfpr = std::make_shared<std::string>();
    rm->add_option("FINGERPRINT", *xfpr)->required();
    cli.on(rm, [&cli, xfpr]() -> Status {
        auto ctx = cli.open();
        SEALGATE_TRY(ctx);
        auto rec = lookup_pgp_key((*ctx)->store(), *xfpr);
        SEALGATE_TRY(rec);
        auto removed = (*ctx)->store().remove_pgp_key(rec->fingerprint);
        SEALGATE_TRY(removed);
        std::printf("removed %s\n", rec->fingerprint.c_str());
        return ok();
    });
}

}  // namespace sealgate::app
