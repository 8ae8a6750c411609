// `sealgate domain ...`: our local domains and the partner domains with their policy.
#include <algorithm>
#include <cstdio>

#include "address/address.hpp"
#include "app/cli.hpp"
#include "core/text.hpp"
#include "policy/admin_rules.hpp"
#include "policy/policy.hpp"

namespace sealgate::app {

namespace {

Result<DomainRecord> existing(Store& store, std::string_view text) {
    auto name = address::normalize_domain_pattern(text);
    SEALGATE_TRY(name);
    auto rec = store.find_domain(*name);
    SEALGATE_TRY(rec);
    if (!*rec)
        return fail(
            Error::not_found("no domain " + *name + " (add it with `sealgate domain add`)"));
    return std::move(**rec);
}

Status show(Cli& cli, const std::string& text) {
    auto ctx = cli.open();
    SEALGATE_TRY(ctx);
    auto name = address::normalize_domain_pattern(text);
    SEALGATE_TRY(name);
    auto snap = (*ctx)->snapshot();
    SEALGATE_TRY(snap);
    const DomainRecord* d = (*snap)->find_domain(*name);
    if (d == nullptr) {
        std::printf("Domain:          %s\n", name->c_str());
        std::printf("Policy:          none (no domain record matches; mail passes unencrypted)\n");
        return ok();
    }
    const std::string from = d->name == *name ? "" : "  (from " + d->name + ")";
    std::printf("Domain:          %s%s\n", name->c_str(),
                d->name == *name ? "" : ("  matched by " + d->name).c_str());
    std::printf("Local:           %s%s\n", d->local ? "yes (inbound mail is decrypted)" : "no",
                from.c_str());
    std::printf("TLS to next hop: %s%s%s\n", std::string(to_string(d->tls)).c_str(),
                d->tls == TlsLevel::none ? " (the next hop's setting applies)" : "", from.c_str());
    if (d->local)
        return ok();
    std::printf("Encrypt mode:    %s%s\n", std::string(to_string(d->encrypt_mode)).c_str(),
                from.c_str());
    std::printf("Methods:         %s%s\n", methods_to_string(d->methods).c_str(), from.c_str());
    std::printf("S/MIME profile:  %s%s\n", std::string(to_string(d->smime_profile)).c_str(),
                from.c_str());
    const policy::KeyMinimum minimum = policy::key_minimum(d);
    std::printf("Min RSA bits:    %u%s\n", minimum.rsa_bits,
                minimum.origin.empty() ? " (default; RSA, DSA and ElGamal keys; ECC by curve)"
                                       : (" (min-rsa-bits of " + minimum.origin + "; default " +
                                          std::to_string(policy::kDefaultMinRsaBits) + ")")
                                             .c_str());
    std::printf("S/MIME certs:    %s\n", d->smime_certs.empty() ? "(none)" : "");
    for (const auto& sha : d->smime_certs) {
        const auto* stored = (*snap)->find_certificate(sha);
        if (stored == nullptr) {
            std::printf("  %s  NOT in the store\n", sha.c_str());
            continue;
        }
        const auto st = policy::certificate_status(**snap, stored->cert, minimum);
        std::printf("  %s  %s (%s)\n", sha.c_str(), st.usability.usable ? "usable" : "NOT usable",
                    st.usability.reason.c_str());
    }
    const auto keys = (*snap)->pgp_keys_for(d->name);
    std::printf("OpenPGP keys:    %s\n", keys.empty() ? "(none)" : "");
    for (const auto* k : keys) {
        const auto u = policy::pgp_key_usability(**snap, *k, minimum);
        std::printf("  %s  %s (%s)\n", k->fingerprint.c_str(), u.usable ? "usable" : "NOT usable",
                    u.reason.c_str());
    }
    // The decision the daemon would take for the next message, by the same function.
    auto t = policy::decide(**snap, "postmaster@localhost", "postmaster@" + *name,
                            policy::Mode::outbound);
    SEALGATE_TRY(t);
    std::printf("Outbound now:    %s (%s)\n", std::string(policy::to_string(t->action)).c_str(),
                t->reason.c_str());
    if (t->action == policy::Action::encrypt) {
        std::vector<std::string> used;
        for (const auto& c : t->certificates)
            used.push_back(c.sha256());
        for (const auto& k : t->pgp_keys)
            used.push_back(k.fingerprint);
        const bool smime = t->method == Method::smime;
        std::printf("Next message:    %s to %s %s%s\n", smime ? "S/MIME" : "OpenPGP",
                    smime ? (used.size() == 1 ? "certificate" : "certificates")
                          : (used.size() == 1 ? "key" : "keys"),
                    join(used, ", ").c_str(),
                    smime ? (t->profile == crypto::CmsProfile::modern ? " (profile modern)"
                                                                      : " (profile compat)")
                          : "");
    } else {
        std::printf("Next message:    %s\n", t->action == policy::Action::refuse
                                                 ? "refused (550 5.7.1), never sent in clear"
                                                 : "sent in clear");
    }
    for (const auto& w : policy::check_domain_coverage(**snap, *d).warnings())
        std::printf("warning: %s\n", w.c_str());
    return ok();
}

Status set(Cli& cli, const std::string& text, const std::string& key,
           const std::vector<std::string>& values, bool force) {
    auto ctx = cli.open();
    SEALGATE_TRY(ctx);
    Store& store = (*ctx)->store();
    auto rec = existing(store, text);
    SEALGATE_TRY(rec);
    std::string shown = join(values, " ");  // what the setting is now, as the store holds it
    const auto one = [&]() -> Result<std::string> {
        if (values.size() != 1)
            return fail(Error::usage(key + " takes one value"));
        return values.front();
    };
    if (key == "encrypt-mode") {
        auto v = one();
        SEALGATE_TRY(v);
        const auto m = parse_encrypt_mode(*v);
        if (!m)
            return fail(Error::bad_input("encrypt-mode: none, opportunistic or mandatory"));
        rec->encrypt_mode = *m;
    } else if (key == "smime-profile") {
        auto v = one();
        SEALGATE_TRY(v);
        const auto p = parse_smime_profile(*v);
        if (!p)
            return fail(Error::bad_input("smime-profile: compat or modern"));
        rec->smime_profile = *p;
    } else if (key == "method") {
        auto v = one();
        SEALGATE_TRY(v);
        const auto m = parse_methods(*v);
        if (!m)
            return fail(Error::bad_input("method: smime, pgp, smime,pgp or pgp,smime"));
        rec->methods = *m;
        shown = methods_to_string(*m);
    } else if (key == "tls") {
        auto v = one();
        SEALGATE_TRY(v);
        const auto level = parse_tls_level(*v);
        if (!level)
            return fail(Error::bad_input("tls: none, may, encrypt or verify"));
        rec->tls = *level;
    } else if (key == "require-tls" || key == "local") {
        auto v = one();
        SEALGATE_TRY(v);
        if (*v != "yes" && *v != "no")
            return fail(Error::bad_input(key + ": yes or no"));
        if (key == "local")
            rec->local = *v == "yes";
        else  // the old spelling of `tls encrypt` / `tls may`
            rec->tls = *v == "yes" ? TlsLevel::encrypt : TlsLevel::may;
    } else if (key == "smime-cert") {
        // The whole list: several certificates are the rotation case (encrypt to each usable).
        std::vector<std::string> certs;
        for (const auto& v : values) {
            if (v == "none")
                continue;
            auto c = lookup_certificate(store, v);
            SEALGATE_TRY(c);
            if (std::find(certs.begin(), certs.end(), c->sha256) == certs.end())
                certs.push_back(c->sha256);
        }
        // The rules judge what this change adds; a certificate bound already was judged then.
        auto snap = (*ctx)->snapshot();
        SEALGATE_TRY(snap);
        policy::Verdict verdict;
        for (const auto& sha : certs) {
            if (std::find(rec->smime_certs.begin(), rec->smime_certs.end(), sha) !=
                rec->smime_certs.end())
                continue;
            auto v = policy::check_smime_binding(**snap, *rec, sha);
            verdict.findings.insert(verdict.findings.end(), v.findings.begin(), v.findings.end());
        }
        SEALGATE_TRY(confirm(verdict, force));
        rec->smime_certs = std::move(certs);
        shown = rec->smime_certs.empty() ? "none" : join(rec->smime_certs, " ");
    } else if (key == "min-rsa-bits") {
        auto v = one();
        SEALGATE_TRY(v);
        auto bits = policy::parse_min_rsa_bits(*v);
        SEALGATE_TRY(bits);
        rec->min_rsa_bits = *bits;
    } else {
        return fail(Error::usage("unknown setting " + key +
                                 " (encrypt-mode, smime-cert, smime-profile, method, tls, "
                                 "require-tls, local, min-rsa-bits)"));
    }
    SEALGATE_TRY(store.put_domain(*rec));
    std::printf("%s: %s = %s\n", rec->name.c_str(), key.c_str(), shown.c_str());
    if (key == "min-rsa-bits") {
        if (auto weak = policy::key_minimum_warning(policy::key_minimum(&*rec)))
            std::printf("warning: %s\n", weak->c_str());
    }
    return ok();
}

}  // namespace

void add_domain_commands(CLI::App& app, Cli& cli) {
    auto* dom = app.add_subcommand("domain", "Local domains and partner domain policy");
    dom->require_subcommand(1);

    auto* add = dom->add_subcommand("add", "Add a domain (partner, or --local for our own)");
    auto name = std::make_shared<std::string>();
    auto local = std::make_shared<bool>(false);
    add->add_option("NAME", *name, "example.com or *.example.com")->required();
    add->add_flag("--local", *local, "One of our own domains: inbound mail is decrypted");
    cli.on(add, [&cli, name, local]() -> Status {
        auto n = address::normalize_domain_pattern(*name);
        SEALGATE_TRY(n);
        auto ctx = cli.open();
        SEALGATE_TRY(ctx);
        auto found = (*ctx)->store().find_domain(*n);
        SEALGATE_TRY(found);
        if (*found)
            return fail(Error::conflict("domain " + *n + " exists already"));
        DomainRecord rec;
        rec.name = *n;
        rec.local = *local;
        SEALGATE_TRY((*ctx)->store().put_domain(rec));
        std::printf("added %s domain %s\n", *local ? "local" : "partner", n->c_str());
        return ok();
    });

    auto* lst = dom->add_subcommand("list", "List domains");
    cli.on(lst, [&cli]() -> Status {
        auto ctx = cli.open();
        SEALGATE_TRY(ctx);
        auto all = (*ctx)->store().list_domains();
        SEALGATE_TRY(all);
        std::printf("%-30s  %-7s  %-13s  %-9s  %s\n", "DOMAIN", "KIND", "ENCRYPT", "METHODS",
                    "CERTS");
        for (const auto& d : *all)
            std::printf("%-30s  %-7s  %-13s  %-9s  %zu\n", d.name.c_str(),
                        d.local ? "local" : "partner",
                        d.local ? "-" : std::string(to_string(d.encrypt_mode)).c_str(),
                        methods_to_string(d.methods).c_str(), d.smime_certs.size());
        return ok();
    });

    auto* shw = dom->add_subcommand("show", "Show the effective policy of a domain");
    auto sname = std::make_shared<std::string>();
    shw->add_option("NAME", *sname)->required();
    cli.on(shw, [&cli, sname] { return show(cli, *sname); });

    auto* rm = dom->add_subcommand("remove", "Remove a domain");
    auto rname = std::make_shared<std::string>();
    rm->add_option("NAME", *rname)->required();
    cli.on(rm, [&cli, rname]() -> Status {
        auto n = address::normalize_domain_pattern(*rname);
        SEALGATE_TRY(n);
        auto ctx = cli.open();
        SEALGATE_TRY(ctx);
        auto removed = (*ctx)->store().remove_domain(*n);
        SEALGATE_TRY(removed);
        if (!*removed)
            return fail(Error::not_found("no domain " + *n));
        std::printf("removed %s\n", n->c_str());
        return ok();
    });

    auto* st = dom->add_subcommand("set", "Change a domain setting");
    auto sn = std::make_shared<std::string>();
    auto key = std::make_shared<std::string>();
    auto values = std::make_shared<std::vector<std::string>>();
    st->add_option("NAME", *sn)->required();
    st->add_option("KEY", *key,
                   "encrypt-mode | smime-cert | smime-profile | method | tls | require-tls | "
                   "local | min-rsa-bits")
        ->required();
    st->add_option("VALUE", *values)->required();
    auto force = std::make_shared<bool>(false);
    st->add_flag("--force", *force,
                 "Bind a certificate even though it is our own or names another domain");
    cli.on(st, [&cli, sn, key, values, force] { return set(cli, *sn, *key, *values, *force); });
}

}  // namespace sealgate::app
