// `sealgate domain ...`: our local domains and the partner domains with their policy.
// Each command parses, calls admin::Service (admin/domains.cpp holds the rules) and prints.
#include <cstdio>

#include "app/cli.hpp"
#include "policy/key_strength.hpp"
#include "policy/policy.hpp"

namespace sealgate::app {

namespace {

constexpr const char* kSettingNames =
    "encrypt-mode, smime-cert, smime-profile, method, tls, require-tls, local, min-rsa-bits, "
    "on-expired, revocation, accept-signed-updates, sign, require-signature, on-bad-signature, "
    "keep-signature, header-protection, discovery, discovery-address";

// "source: dane at <where>, found <time>, TTL 3600 s" for a discovered key; "source: manual".
std::string origin_line(const KeyOrigin& o) {
    std::string line = "    source: " + std::string(to_string(o.source));
    if (o.source == KeySource::dane || o.source == KeySource::dns || o.source == KeySource::wkd)
        line += " at " + o.where + ", found " + format_time(o.found) + ", TTL " +
                std::to_string(o.ttl) + " s";
    return line;
}

Status show(Cli& cli, const std::string& text) {
    auto ctx = cli.open();
    SEALGATE_TRY(ctx);
    auto view = (*ctx)->admin(cli_actor()).domain(text);
    SEALGATE_TRY(view);
    const std::string& name = view->name;
    if (!view->record) {
        std::printf("Domain:          %s\n", name.c_str());
        std::printf("Policy:          none (no domain record matches; mail passes unencrypted)\n");
        return ok();
    }
    const DomainRecord& d = *view->record;
    const std::string from = d.name == name ? "" : "  (from " + d.name + ")";
    std::printf("Domain:          %s%s\n", name.c_str(),
                d.name == name ? "" : ("  matched by " + d.name).c_str());
    std::printf("Local:           %s%s\n", d.local ? "yes (inbound mail is decrypted)" : "no",
                from.c_str());
    std::printf("TLS to next hop: %s%s%s\n", std::string(to_string(d.tls)).c_str(),
                d.tls == TlsLevel::none ? " (the next hop's setting applies)" : "", from.c_str());
    if (d.local)
        return ok();
    std::printf("Encrypt mode:    %s%s\n", std::string(to_string(d.encrypt_mode)).c_str(),
                from.c_str());
    std::printf("Methods:         %s%s\n", methods_to_string(d.methods).c_str(), from.c_str());
    std::printf("S/MIME profile:  %s%s\n", std::string(to_string(d.smime_profile)).c_str(),
                from.c_str());
    const policy::KeyMinimum& minimum = view->minimum;
    std::printf("Min RSA bits:    %u%s\n", minimum.rsa_bits,
                minimum.origin.empty() ? " (default; RSA, DSA and ElGamal keys; ECC by curve)"
                                       : (" (min-rsa-bits of " + minimum.origin + "; default " +
                                          std::to_string(policy::kDefaultMinRsaBits) + ")")
                                             .c_str());
    std::printf("On expired:      %s%s%s\n", std::string(to_string(d.on_expired)).c_str(),
                d.on_expired == ExpiredAction::defer
                    ? " (mandatory mail to only expired keys: 451, retried)"
                    : " (mandatory mail to only expired keys: 550, bounced)",
                from.c_str());
    std::printf("Revocation:      %s%s%s\n", std::string(to_string(d.revocation)).c_str(),
                d.revocation == Revocation::hard
                    ? " (a CA certificate without a current CRL is not used: 451)"
                    : " (a CA certificate without a current CRL is used)",
                from.c_str());
    std::printf("Signed updates:  %s%s\n",
                d.accept_signed_updates ? "accepted at once" : "staged for approval", from.c_str());
    // Signatures and header protection (docs/signing.md), by the words `domain set` takes.
    std::printf(
        "Sign:            %s%s%s\n", std::string(to_string(d.sign)).c_str(),
        d.sign == SignMode::none ? " (mail to it is not signed)"
        : d.sign == SignMode::sign
            ? " (every message to it is signed: inside the encryption, or signed-only)"
            : " (what is encrypted to it is signed inside the encryption; clear mail is not)",
        from.c_str());
    std::printf("Header protect:  %s%s%s\n", d.header_protection ? "on" : "off",
                d.header_protection
                    ? " (RFC 9788: Subject and addresses inside the encryption, Subject [...] "
                      "outside)"
                    : " (the header travels as it is)",
                from.c_str());
    std::printf("Require sig:     %s%s%s\n", d.require_signature ? "true" : "false",
                d.require_signature ? " (mail from it must carry a valid signature of its own)"
                                    : " (signatures from it are checked and shown, not required)",
                from.c_str());
    std::printf("On bad sig:      %s%s%s\n", std::string(to_string(d.on_bad_signature)).c_str(),
                d.on_bad_signature == SignatureAction::refuse
                    ? " (when required: 550 5.7.1)"
                    : " (when required: delivered, Subject marked [NOT VERIFIED])",
                from.c_str());
    std::printf("Keep signature:  %s%s%s\n", d.keep_signature ? "true" : "false",
                d.keep_signature ? " (delivered as signed)"
                                 : " (removed before delivery; the result in X-Sealgate-Signature)",
                from.c_str());
    std::printf("Discovery:       %s%s%s\n", std::string(to_string(d.discovery)).c_str(),
                d.discovery == DiscoveryMode::off ? " (the daemon does not look keys up)"
                : d.discovery == DiscoveryMode::review
                    ? " (what the daemon finds is staged: `sealgate pending`)"
                    : " (DNSSEC-secure SMIMEA usage 3 / OPENPGPKEY pinned at once, the rest "
                      "staged)",
                from.c_str());
    std::printf("Discovery addr:  %s%s\n", admin::discovery_address(d).c_str(),
                d.discovery_address.empty() ? " (default)" : "");
    std::printf("S/MIME certs:    %s\n", view->smime_certs.empty() ? "(none)" : "");
    for (const auto& c : view->smime_certs) {
        if (!c.stored) {
            std::printf("  %s  NOT in the store\n", c.sha256.c_str());
            continue;
        }
        std::printf("  %s  %s (%s)\n", c.sha256.c_str(), c.usable ? "usable" : "NOT usable",
                    c.reason.c_str());
        std::printf("%s\n", origin_line(c.origin).c_str());
    }
    std::printf("OpenPGP keys:    %s\n", view->pgp_keys.empty() ? "(none)" : "");
    for (const auto& k : view->pgp_keys) {
        std::printf("  %s  %s (%s)\n", k.fingerprint.c_str(), k.usable ? "usable" : "NOT usable",
                    k.reason.c_str());
        std::printf("%s\n", origin_line(k.origin).c_str());
    }
    const policy::Treatment& t = view->next;
    std::printf("Outbound now:    %s (%s)\n", std::string(policy::to_string(t.action)).c_str(),
                t.reason.c_str());
    if (t.action == policy::Action::encrypt) {
        std::vector<std::string> used;
        for (const auto& c : t.certificates)
            used.push_back(c.sha256());
        for (const auto& k : t.pgp_keys)
            used.push_back(k.fingerprint);
        const bool smime = t.method == Method::smime;
        std::printf("Next message:    %s to %s %s%s\n", smime ? "S/MIME" : "OpenPGP",
                    smime ? (used.size() == 1 ? "certificate" : "certificates")
                          : (used.size() == 1 ? "key" : "keys"),
                    join(used, ", ").c_str(),
                    smime ? (t.profile == crypto::CmsProfile::modern ? " (profile modern)"
                                                                     : " (profile compat)")
                          : "");
    } else {
        std::printf("Next message:    %s\n", t.action != policy::Action::refuse ? "sent in clear"
                                             : t.temporary
                                                 ? "deferred (451 4.7.1), never sent in clear"
                                                 : "refused (550 5.7.1), never sent in clear");
    }
    for (const auto& w : view->warnings)
        std::printf("warning: %s\n", w.c_str());
    return ok();
}

// A switch of `domain set`: true/false, yes/no and on/off alike; nullopt on anything else.
std::optional<bool> parse_switch(const std::string& v) {
    if (v == "true" || v == "yes" || v == "on")
        return true;
    if (v == "false" || v == "no" || v == "off")
        return false;
    return std::nullopt;
}

// `domain set NAME KEY VALUE...`: the value parsed into a change of that one setting.
Result<admin::DomainChange> parse_setting(const std::string& key,
                                          const std::vector<std::string>& values) {
    const auto one = [&]() -> Result<std::string> {
        if (values.size() != 1)
            return fail(Error::usage(key + " takes one value"));
        return values.front();
    };
    admin::DomainChange change;
    if (key == "smime-cert") {
        // The whole list; "none" (alone or among them) adds nothing.
        std::vector<std::string> certs;
        for (const auto& v : values)
            if (v != "none")
                certs.push_back(v);
        change.smime_certs = std::move(certs);
        return change;
    }
    auto v = one();
    if (key == "encrypt-mode") {
        SEALGATE_TRY(v);
        change.encrypt_mode = parse_encrypt_mode(*v);
        if (!change.encrypt_mode)
            return fail(Error::bad_input("encrypt-mode: none, opportunistic or mandatory"));
    } else if (key == "smime-profile") {
        SEALGATE_TRY(v);
        change.smime_profile = parse_smime_profile(*v);
        if (!change.smime_profile)
            return fail(Error::bad_input("smime-profile: compat or modern"));
    } else if (key == "method") {
        SEALGATE_TRY(v);
        change.methods = parse_methods(*v);
        if (!change.methods)
            return fail(Error::bad_input("method: smime, pgp, smime,pgp or pgp,smime"));
    } else if (key == "tls") {
        SEALGATE_TRY(v);
        change.tls = parse_tls_level(*v);
        if (!change.tls)
            return fail(Error::bad_input("tls: none, may, encrypt or verify"));
    } else if (key == "require-tls" || key == "local") {
        SEALGATE_TRY(v);
        if (*v != "yes" && *v != "no")
            return fail(Error::bad_input(key + ": yes or no"));
        if (key == "local")
            change.local = *v == "yes";
        else  // the old spelling of `tls encrypt` / `tls may`
            change.tls = *v == "yes" ? TlsLevel::encrypt : TlsLevel::may;
    } else if (key == "min-rsa-bits") {
        SEALGATE_TRY(v);
        auto bits = policy::parse_min_rsa_bits(*v);
        SEALGATE_TRY(bits);
        change.min_rsa_bits = *bits;
    } else if (key == "on-expired") {
        SEALGATE_TRY(v);
        change.on_expired = parse_expired_action(*v);
        if (!change.on_expired)
            return fail(Error::bad_input("on-expired: defer or reject"));
    } else if (key == "revocation") {
        SEALGATE_TRY(v);
        change.revocation = parse_revocation(*v);
        if (!change.revocation)
            return fail(Error::bad_input("revocation: soft or hard"));
    } else if (key == "accept-signed-updates") {
        SEALGATE_TRY(v);
        if (*v != "true" && *v != "false" && *v != "yes" && *v != "no")
            return fail(Error::bad_input("accept-signed-updates: true or false"));
        change.accept_signed_updates = *v == "true" || *v == "yes";
    } else if (key == "sign") {
        SEALGATE_TRY(v);
        change.sign = parse_sign_mode(*v);
        if (!change.sign)
            return fail(Error::bad_input("sign: none, sign or sign-and-encrypt"));
    } else if (key == "on-bad-signature") {
        SEALGATE_TRY(v);
        change.on_bad_signature = parse_signature_action(*v);
        if (!change.on_bad_signature)
            return fail(Error::bad_input("on-bad-signature: refuse or mark"));
    } else if (key == "require-signature" || key == "keep-signature") {
        SEALGATE_TRY(v);
        const auto on = parse_switch(*v);
        if (!on)
            return fail(Error::bad_input(key + ": true or false"));
        (key == "require-signature" ? change.require_signature : change.keep_signature) = *on;
    } else if (key == "header-protection") {
        SEALGATE_TRY(v);
        change.header_protection = parse_switch(*v);
        if (!change.header_protection)
            return fail(Error::bad_input("header-protection: on or off"));
    } else if (key == "discovery") {
        SEALGATE_TRY(v);
        change.discovery = parse_discovery_mode(*v);
        if (!change.discovery)
            return fail(Error::bad_input("discovery: off, review or auto-dane"));
    } else if (key == "discovery-address") {
        SEALGATE_TRY(v);
        change.discovery_address = *v == "default" ? std::string() : *v;
    } else {
        return fail(Error::usage("unknown setting " + key + " (" + kSettingNames + ")"));
    }
    return change;
}

Status set(Cli& cli, const std::string& text, const std::string& key,
           const std::vector<std::string>& values, bool force) {
    auto ctx = cli.open();
    SEALGATE_TRY(ctx);
    auto change = parse_setting(key, values);
    SEALGATE_TRY(change);
    auto done = (*ctx)->admin(cli_actor()).change_domain(text, *change, force);
    SEALGATE_TRY(done);
    const DomainRecord& rec = done->value;
    std::string shown = join(values, " ");  // what the setting is now, as the store holds it
    if (key == "method")
        shown = methods_to_string(rec.methods);
    else if (key == "smime-cert")
        shown = rec.smime_certs.empty() ? "none" : join(rec.smime_certs, " ");
    else if (key == "accept-signed-updates")
        shown = rec.accept_signed_updates ? "true" : "false";
    else if (key == "require-signature")
        shown = rec.require_signature ? "true" : "false";
    else if (key == "keep-signature")
        shown = rec.keep_signature ? "true" : "false";
    else if (key == "header-protection")
        shown = rec.header_protection ? "on" : "off";
    else if (key == "discovery-address")
        shown = admin::discovery_address(rec) + (rec.discovery_address.empty() ? " (default)" : "");
    // The rules' findings on what is bound come before the confirmation, the warning about a
    // key minimum after it.
    if (key != "min-rsa-bits")
        print_warnings(done->warnings, done->overridden);
    std::printf("%s: %s = %s\n", rec.name.c_str(), key.c_str(), shown.c_str());
    if (key == "min-rsa-bits")
        print_warnings(done->warnings, done->overridden);
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
        auto ctx = cli.open();
        SEALGATE_TRY(ctx);
        auto rec = (*ctx)->admin(cli_actor()).add_domain(*name, *local);
        SEALGATE_TRY(rec);
        std::printf("added %s domain %s\n", rec->local ? "local" : "partner", rec->name.c_str());
        return ok();
    });

    auto* lst = dom->add_subcommand("list", "List domains");
    cli.on(lst, [&cli]() -> Status {
        auto ctx = cli.open();
        SEALGATE_TRY(ctx);
        auto all = (*ctx)->admin(cli_actor()).list_domains();
        SEALGATE_TRY(all);
        std::printf("%-30s  %-7s  %-13s  %-9s  %-5s  %-16s  %-10s  %s\n", "DOMAIN", "KIND",
                    "ENCRYPT", "METHODS", "CERTS", "SIGN", "ON-EXPIRED", "REVOCATION");
        for (const auto& d : *all)
            std::printf("%-30s  %-7s  %-13s  %-9s  %-5zu  %-16s  %-10s  %s\n", d.name.c_str(),
                        d.local ? "local" : "partner",
                        d.local ? "-" : std::string(to_string(d.encrypt_mode)).c_str(),
                        methods_to_string(d.methods).c_str(), d.smime_certs.size(),
                        d.local ? "-" : std::string(to_string(d.sign)).c_str(),
                        d.local ? "-" : std::string(to_string(d.on_expired)).c_str(),
                        d.local ? "-" : std::string(to_string(d.revocation)).c_str());
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
        auto ctx = cli.open();
        SEALGATE_TRY(ctx);
        auto removed = (*ctx)->admin(cli_actor()).remove_domain(*rname);
        SEALGATE_TRY(removed);
        std::printf("removed %s\n", removed->c_str());
        return ok();
    });

    auto* st = dom->add_subcommand("set", "Change a domain setting");
    auto sn = std::make_shared<std::string>();
    auto key = std::make_shared<std::string>();
    auto values = std::make_shared<std::vector<std::string>>();
    st->add_option("NAME", *sn)->required();
    st->add_option("KEY", *key,
                   "encrypt-mode | smime-cert | smime-profile | method | tls | require-tls | "
                   "local | min-rsa-bits | on-expired | revocation | accept-signed-updates | "
                   "sign | require-signature | on-bad-signature | keep-signature | "
                   "header-protection (docs/signing.md) | discovery | discovery-address "
                   "(docs/discovery.md)")
        ->required();
    st->add_option("VALUE", *values)->required();
    auto force = std::make_shared<bool>(false);
    st->add_flag("--force", *force,
                 "Bind a certificate even though it is our own or names another domain");
    cli.on(st, [&cli, sn, key, values, force] { return set(cli, *sn, *key, *values, *force); });
}

}  // namespace sealgate::app
