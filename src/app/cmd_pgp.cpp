// `sealgate pgp ...`: OpenPGP domain keys — our own (with the secret key, sealed by keystore/)
// and the partners' (public only), their trust flag and the domains they are bound to.
//
// Trust is the administrator's decision: a partner key is imported untrusted and becomes usable
// only after `pgp trust` (compare the fingerprint read aloud first). A key imported or created
// with its secret part is ours and trusted. Importing a key we hold already is the lifecycle
// case (renewed expiry, new subkey, revocation): the update is merged into the held key, whose
// trust and domain bindings stay. A bare revocation certificate is applied to the key it
// revokes. Each command parses, calls admin::Service (admin/pgp.cpp holds the rules) and prints.

#include <cstdio>
#include <memory>

#include "app/cli.hpp"
#include "core/hex.hpp"
#include "openpgp/key.hpp"

namespace sealgate::app {

namespace {

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

Status import(Cli& cli, const std::string& file) {
    auto bytes = read_file(file);
    SEALGATE_TRY(bytes);
    auto ctx = cli.open();
    SEALGATE_TRY(ctx);
    auto imported = (*ctx)->admin(cli_actor()).import_pgp_keys(*bytes);
    if (!imported)
        return fail(std::move(imported.error()).with_context(file));
    // "<fingerprint>  <user id>  <what happened>[  warning: not usable: <reason>]"
    for (const auto& k : *imported)
        std::printf("%s  %s  %s%s\n", k.fingerprint.c_str(), k.primary_uid.c_str(), k.what.c_str(),
                    k.warning.empty() ? "" : ("  warning: " + k.warning).c_str());
    return ok();
}

Status show(Cli& cli, const std::string& text) {
    auto ctx = cli.open();
    SEALGATE_TRY(ctx);
    auto view = (*ctx)->admin(cli_actor()).pgp_key(text);
    SEALGATE_TRY(view);
    const auto& info = view->info;
    if (!info)  // pgp_key() fails for a key it cannot read: a bug if it did not
        return fail(Error::internal("pgp show: " + view->unreadable));
    const auto& st = view->status;
    const auto& u = st.usability;
    for (const auto& uid : info->user_ids)
        std::printf("User ID:         %s%s\n", uid.text.c_str(),
                    uid.revoked ? "  (revoked)" : (uid.valid ? "" : "  (not valid)"));
    std::printf("Fingerprint:     %s\n", hex_groups(view->fingerprint).c_str());
    std::printf("                 %s\n", view->fingerprint.c_str());
    std::printf("Primary key:     %s\n", describe_part(info->primary).c_str());
    for (const auto& sub : info->subkeys) {
        std::printf("Subkey:          %s\n", sub.fingerprint.c_str());
        std::printf("                 %s\n", describe_part(sub).c_str());
    }
    std::printf("Secret key:      %s\n",
                view->has_secret ? "held (decrypts inbound mail)" : "none");
    std::printf("Trust:           %s\n", view->trusted ? "trusted" : "not trusted");
    if (view->has_secret)
        std::printf("Generation:      %s\n",
                    view->retired ? "retired (no longer offered to partners; still decrypts)"
                                  : "in service (offered to partners)");
    std::printf("Domains:         %s\n",
                view->domains.empty() ? "(none)" : join(view->domains, ", ").c_str());
    std::printf("Key strength:    %s\n", view->strength.c_str());
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
    if (view->has_secret && st.strength_problem)
        std::printf(
            "warning: our own key is too weak: partners encrypting to it are not safe; "
            "replace it (`sealgate pgp create`)\n");
    return ok();
}

Status list(Cli& cli) {
    auto ctx = cli.open();
    SEALGATE_TRY(ctx);
    auto all = (*ctx)->admin(cli_actor()).list_pgp_keys();
    SEALGATE_TRY(all);
    // The first five columns and USER ID (last) are those of older versions; CREATED, EXPIRES
    // and STATE (own, own,retired, own,revoked, partner) tell generations apart.
    std::printf("%-40s  %-6s  %-7s  %-6s  %-20s  %-10s  %-10s  %-12s  %s\n", "FINGERPRINT",
                "SECRET", "TRUST", "USABLE", "DOMAINS", "CREATED", "EXPIRES", "STATE", "USER ID");
    for (const auto& k : *all) {
        std::string state = k.has_secret ? "own" : "partner";
        if (k.retired)
            state += ",retired";
        if (k.info && k.info->primary.revoked)
            state += ",revoked";
        const std::string created =
            k.info ? format_time(k.info->primary.created).substr(0, 10) : "?";
        const std::string expires = !k.info ? "?"
                                    : k.info->primary.expires == 0
                                        ? "never"
                                        : format_time(k.info->primary.expires).substr(0, 10);
        std::printf(
            "%-40s  %-6s  %-7s  %-6s  %-20s  %-10s  %-10s  %-12s  %s\n", k.fingerprint.c_str(),
            k.has_secret ? "yes" : "-", k.trusted ? "trusted" : "-",
            k.status.usability.usable ? "yes" : "no",
            k.domains.empty() ? "-" : join(k.domains, ",").c_str(), created.c_str(),
            expires.c_str(), state.c_str(),
            k.info ? k.primary_uid.c_str() : ("(unreadable: " + k.unreadable + ")").c_str());
    }
    return ok();
}

Status set_trust(Cli& cli, const std::string& text, bool trusted) {
    auto ctx = cli.open();
    SEALGATE_TRY(ctx);
    admin::PgpKeyChange change;
    change.trusted = trusted;
    auto done = (*ctx)->admin(cli_actor()).change_pgp_key(text, change, false);
    SEALGATE_TRY(done);
    std::printf("%s %s\n", trusted ? "trusted" : "untrusted", done->value.fingerprint.c_str());
    return ok();
}

Status bind_domain(Cli& cli, const std::string& text, const std::string& domain, bool add,
                   bool force) {
    auto ctx = cli.open();
    SEALGATE_TRY(ctx);
    auto service = (*ctx)->admin(cli_actor());
    admin::PgpKeyView view;
    if (add) {
        auto done = service.bind_pgp_domain(text, domain, force);
        SEALGATE_TRY(done);
        print_warnings(done->warnings, done->overridden);
        view = std::move(done->value);
    } else {
        auto done = service.unbind_pgp_domain(text, domain);
        SEALGATE_TRY(done);
        view = std::move(*done);
    }
    std::printf("%s: domains %s\n", view.fingerprint.c_str(),
                view.domains.empty() ? "(none)" : join(view.domains, ", ").c_str());
    return ok();
}

// `pgp rotate`, `pgp extend`, `pgp revoke`: our own key's generations (admin/lifecycle_own.cpp).
void add_pgp_lifecycle_commands(CLI::App& pgp, Cli& cli) {
    auto* rot = pgp.add_subcommand(
        "rotate", "A new encryption subkey for our key (or, with --new-key, a new key)");
    auto rfpr = std::make_shared<std::string>();
    auto new_key = std::make_shared<bool>(false);
    auto rexp = std::make_shared<std::string>("2y");
    rot->add_option("FINGERPRINT", *rfpr)->required();
    rot->add_flag("--new-key", *new_key,
                  "A whole new key with the same user IDs and domains (the old one is retired)");
    rot->add_option("--expires", *rexp, "2y, 18m, 3w, 10d or never (from now)");
    cli.on(rot, [&cli, rfpr, new_key, rexp]() -> Status {
        auto secs = openpgp::parse_expiry(*rexp);
        SEALGATE_TRY(secs);
        auto ctx = cli.open();
        SEALGATE_TRY(ctx);
        const auto kind = *new_key ? admin::RotateKind::key : admin::RotateKind::subkey;
        auto done = (*ctx)->admin(cli_actor()).rotate_pgp_key(*rfpr, kind, *secs);
        SEALGATE_TRY(done);
        // The key that now encrypts: the same fingerprint, or the successor's.
        std::printf("%s\n", done->fingerprint.c_str());
        const openpgp::KeyPart* newest = nullptr;
        if (done->info)
            for (const auto& sub : done->info->subkeys)
                if (sub.can_encrypt && (newest == nullptr || sub.created >= newest->created))
                    newest = &sub;
        if (newest != nullptr)
            std::printf("newest subkey %s\n", newest->fingerprint.c_str());
        return ok();
    });

    auto* ext = pgp.add_subcommand("extend", "New binding signatures with a later expiry");
    auto efpr = std::make_shared<std::string>();
    auto eexp = std::make_shared<std::string>();
    ext->add_option("FINGERPRINT", *efpr)->required();
    ext->add_option("--expires", *eexp, "1y, 18m, 3w, 10d or never (from now)")->required();
    cli.on(ext, [&cli, efpr, eexp]() -> Status {
        auto secs = openpgp::parse_expiry(*eexp);
        SEALGATE_TRY(secs);
        auto ctx = cli.open();
        SEALGATE_TRY(ctx);
        auto done = (*ctx)->admin(cli_actor()).extend_pgp_key(*efpr, *secs);
        SEALGATE_TRY(done);
        const auto exp = done->info ? done->info->primary.expires : 0;
        std::printf("%s expires %s\n", done->fingerprint.c_str(),
                    exp == 0 ? "never" : format_time(exp).c_str());
        return ok();
    });

    auto* rev = pgp.add_subcommand(
        "revoke", "Revoke our key (partners import the revocation with the key or bundle)");
    auto vfpr = std::make_shared<std::string>();
    auto reason = std::make_shared<std::string>();
    rev->add_option("FINGERPRINT", *vfpr)->required();
    rev->add_option("--reason", *reason, "superseded|compromised|retired")
        ->required()
        ->check(CLI::IsMember({"superseded", "compromised", "retired"}));
    cli.on(rev, [&cli, vfpr, reason]() -> Status {
        const auto why = admin::parse_revocation_reason(*reason);
        if (!why)
            return fail(Error::bad_input("--reason must be superseded, compromised or retired"));
        auto ctx = cli.open();
        SEALGATE_TRY(ctx);
        auto done = (*ctx)->admin(cli_actor()).revoke_pgp_key(*vfpr, *why);
        SEALGATE_TRY(done);
        std::printf("revoked %s (%s)%s\n", done->fingerprint.c_str(), reason->c_str(),
                    done->has_secret ? "; it still decrypts mail encrypted to it"
                                     : "; its secret key is deleted");
        return ok();
    });
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
        auto made = (*ctx)->admin(cli_actor()).create_pgp_key(*uid, *a, *secs);
        SEALGATE_TRY(made);
        std::printf("%s\n", made->fingerprint.c_str());
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
        const auto enc = *armor ? openpgp::Encoding::armored : openpgp::Encoding::binary;
        auto data = (*ctx)->admin(cli_actor()).export_pgp_key(*efpr, *secret, enc);
        SEALGATE_TRY(data);
        return *secret ? write_secret_output(*data, *out) : write_output(*data, *out);
    });

    add_pgp_lifecycle_commands(*pgp, cli);

    auto* lst = pgp->add_subcommand("list", "List OpenPGP keys");
    auto pexpiring = std::make_shared<std::optional<unsigned>>();
    lst->add_option("--expiring", *pexpiring,
                    "Only keys and encryption subkeys that expire within DAYS or have expired, "
                    "own first");
    cli.on(lst, [&cli, pexpiring] {
        return *pexpiring ? list_expiring(cli, **pexpiring, {"pgp-key", "pgp-subkey"}) : list(cli);
    });

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
        auto removed = (*ctx)->admin(cli_actor()).remove_pgp_key(*xfpr);
        SEALGATE_TRY(removed);
        std::printf("removed %s\n", removed->c_str());
        return ok();
    });
}

}  // namespace sealgate::app
