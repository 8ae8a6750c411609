// `sealgate init` and `sealgate cert ...`: the domain certificates and their private keys.
#include <cstdio>
#include <iostream>

#include "app/cli.hpp"
#include "core/hex.hpp"
#include "crypto/import.hpp"
#include "crypto/keygen.hpp"
#include "policy/expiry.hpp"
#include "policy/policy.hpp"

namespace sealgate::app {

namespace {

std::string ctl_text(crypto::CtlStatus s) {
    switch (s) {
        case crypto::CtlStatus::trusted:
            return "trusted";
        case crypto::CtlStatus::blocked:
            return "blocked";
        case crypto::CtlStatus::none:
            break;
    }
    return "not listed";
}

std::vector<std::string> domains_using(const policy::Snapshot& snap, const std::string& sha) {
    std::vector<std::string> out;
    for (const auto& d : snap.domains())
        for (const auto& c : d.smime_certs)
            if (c == sha)
                out.push_back(d.name);
    return out;
}

// The key-strength line of `cert show`: the verdict under the default minimum, and the domains
// using the certificate whose own minimum (min-rsa-bits) accepts it nevertheless.
std::string strength_line(const policy::Snapshot& snap, const crypto::Certificate& cert,
                          const std::vector<std::string>& domains) {
    return strength_text(snap, domains, [&](const policy::KeyMinimum& minimum) {
        return policy::key_strength_problem(cert.key_strength(), minimum);
    });
}

// The warning `cert import` prints after a certificate whose key is refused under the default
// minimum (it is kept: a domain may accept it with min-rsa-bits), or "".
std::string import_warning(const crypto::Certificate& cert, bool own) {
    const auto problem = policy::key_strength_problem(cert.key_strength(), policy::KeyMinimum{});
    if (!problem)
        return {};
    const bool says_so = problem->starts_with("key not usable");
    return "  warning: " + std::string(says_so ? "" : "not usable: ") + *problem +
           (own ? " (our own certificate: replace it, `sealgate cert create`)" : "");
}

Status show(Cli& cli, const std::string& thumbprint) {
    auto ctx = cli.open();
    SEALGATE_TRY(ctx);
    auto rec = lookup_certificate((*ctx)->store(), thumbprint);
    SEALGATE_TRY(rec);
    auto snap = (*ctx)->snapshot();
    SEALGATE_TRY(snap);
    const auto* stored = (*snap)->find_certificate(rec->sha256);
    if (stored == nullptr)
        return fail(Error::temp("certificate vanished while reading"));
    const auto& c = stored->cert;
    const auto st = policy::certificate_status(**snap, c);
    const auto ku = c.key_usage();
    const auto eku = c.ext_key_usage();
    const auto doms = domains_using(**snap, rec->sha256);

    std::printf("Subject:         %s\n", c.subject().c_str());
    std::printf("Issuer:          %s%s\n", c.issuer().c_str(),
                c.self_signed() ? " (self-signed)" : "");
    std::printf("Serial:          %s\n", c.serial().c_str());
    std::printf("Valid from:      %s\n", format_time(c.not_before()).c_str());
    const auto end = policy::expiry(c.not_after(), std::time(nullptr));
    std::printf(
        "Valid until:     %s%s\n", format_time(c.not_after()).c_str(),
        end.state == policy::Expiry::State::expired ? "  (EXPIRED)"
        : end.warn()
            ? ("  (expires in " + std::to_string(end.days_left) + " days: renew now)").c_str()
            : "");
    std::printf("Key:             %s %d bits\n", c.key_type().c_str(), c.key_bits());
    std::printf("Key strength:    %s\n", strength_line(**snap, c, doms).c_str());
    std::printf("Key usage:       %s\n", c.has_key_usage() ? join(ku, ", ").c_str() : "(any)");
    std::printf("Ext. key usage:  %s\n", c.has_ext_key_usage() ? join(eku, ", ").c_str() : "(any)");
    std::printf("Emails:          %s\n", join(c.emails(), ", ").c_str());
    std::printf("SHA-256:         %s\n", hex_colons(c.sha256()).c_str());
    std::printf("                 %s\n", hex_groups(c.sha256()).c_str());
    std::printf("SHA-1:           %s\n", hex_colons(c.sha1()).c_str());
    std::printf("Private key:     %s\n",
                stored->has_private_key ? "held (decrypts inbound mail)" : "none");
    std::printf("CTL:             %s\n", ctl_text(st.ctl).c_str());
    std::printf("Domains:         %s\n", doms.empty() ? "(none)" : join(doms, ", ").c_str());
    if (st.usability.usable)
        std::printf("Encryption:      usable (%s)\n", st.usability.reason.c_str());
    else
        std::printf("Encryption:      NOT usable: %s\n", st.usability.reason.c_str());
    if (stored->has_private_key && st.strength_problem)
        std::printf(
            "warning: our own key is too weak: partners encrypting to it are not safe; "
            "replace it (`sealgate cert create`)\n");
    return ok();
}

Status list(Cli& cli) {
    auto ctx = cli.open();
    SEALGATE_TRY(ctx);
    auto snap = (*ctx)->snapshot();
    SEALGATE_TRY(snap);
    std::printf("%-16s  %-3s  %-10s  %-10s  %s\n", "THUMBPRINT", "KEY", "EXPIRES", "ENCRYPT",
                "SUBJECT / EMAIL");
    for (const auto& [sha, stored] : (*snap)->certificates()) {
        const auto st = policy::certificate_status(**snap, stored.cert);
        const auto emails = stored.cert.emails();
        std::printf("%-16s  %-3s  %-10s  %-10s  %s\n", sha.substr(0, 16).c_str(),
                    stored.has_private_key ? "yes" : "-",
                    format_time(stored.cert.not_after()).substr(0, 10).c_str(),
                    st.usability.usable ? "usable" : "no",
                    emails.empty() ? stored.cert.subject().c_str() : join(emails, ", ").c_str());
    }
    return ok();
}

}  // namespace

void add_init_command(CLI::App& app, Cli& cli) {
    auto* cmd = app.add_subcommand("init", "Create a new store and its master key");
    cli.on(cmd, [&cli]() -> Status {
        auto ctx = Context::create(cli.global);
        SEALGATE_TRY(ctx);
        std::printf(
            "store:      %s\nmaster key: %s (keep it safe: private keys are sealed with it)\n",
            (*ctx)->config().store_path.c_str(), (*ctx)->config().master_key().c_str());
        return ok();
    });
}

void add_cert_commands(CLI::App& app, Cli& cli) {
    auto* cert = app.add_subcommand("cert", "Domain certificates (S/MIME)");
    cert->require_subcommand(1);

    auto* create = cert->add_subcommand("create", "Create a self-signed domain certificate");
    auto req = std::make_shared<crypto::CertificateRequest>();
    auto algo = std::make_shared<std::string>("rsa3072");
    create->add_option("--email", req->email, "Address of the domain certificate")->required();
    create->add_option("--cn", req->common_name, "Common name (default: the email)");
    create->add_option("--key", *algo, "rsa2048|rsa3072|rsa4096|p256")
        ->check(CLI::IsMember({"rsa2048", "rsa3072", "rsa4096", "p256"}));
    create->add_option("--days", req->days, "Validity in days")->check(CLI::Range(1, 36500));
    cli.on(create, [&cli, req, algo]() -> Status {
        req->algorithm = *crypto::parse_key_algorithm(*algo);
        auto ctx = cli.open();
        SEALGATE_TRY(ctx);
        auto made = crypto::create_domain_certificate(*req);
        SEALGATE_TRY(made);
        SEALGATE_TRY((*ctx)->keys().add_smime_key(made->first, made->second));
        std::printf("%s\n", made->first.sha256().c_str());
        return ok();
    });

    auto* import = cert->add_subcommand("import", "Import certificates (PEM, DER, PKCS#12, key)");
    auto file = std::make_shared<std::string>();
    auto pwfile = std::make_shared<std::string>();
    import->add_option("FILE", *file)->required();
    import->add_option("--password-file", *pwfile, "File holding the PKCS#12/key password");
    cli.on(import, [&cli, file, pwfile]() -> Status {
        auto bytes = read_file(*file);
        SEALGATE_TRY(bytes);
        std::optional<std::string> password;
        if (!pwfile->empty()) {
            auto pw = read_file(*pwfile);
            SEALGATE_TRY(pw);
            while (!pw->empty() && (pw->back() == '\n' || pw->back() == '\r'))
                pw->pop_back();
            password = std::move(*pw);
        }
        auto bundle = crypto::read_bundle(*bytes, password);
        if (!bundle)
            return fail(std::move(bundle.error()).with_context(*file));
        auto ctx = cli.open();
        SEALGATE_TRY(ctx);
        for (std::size_t i = 0; i < bundle->certificates.size(); ++i) {
            const auto& c = bundle->certificates[i];
            if (i == 0 && bundle->key) {
                SEALGATE_TRY((*ctx)->keys().add_smime_key(c, *bundle->key));
            } else {
                SEALGATE_TRY((*ctx)->store().put_certificate(
                    CertRecord{c.sha256(), c.der(), false, std::time(nullptr)}));
            }
            const bool own = i == 0 && bundle->key;
            std::printf("%s  %s%s%s\n", c.sha256().c_str(), c.subject().c_str(),
                        own ? "  (with private key)" : "", import_warning(c, own).c_str());
        }
        return ok();
    });

    auto* exp = cert->add_subcommand("export", "Write a certificate (PEM, or DER)");
    auto thumb = std::make_shared<std::string>();
    auto der = std::make_shared<bool>(false);
    auto out = std::make_shared<std::string>();
    exp->add_option("THUMBPRINT", *thumb)->required();
    exp->add_flag("--der", *der, "DER instead of PEM");
    exp->add_option("-o,--output", *out, "Output file (default: standard output)");
    cli.on(exp, [&cli, thumb, der, out]() -> Status {
        auto ctx = cli.open();
        SEALGATE_TRY(ctx);
        auto rec = lookup_certificate((*ctx)->store(), *thumb);
        SEALGATE_TRY(rec);
        if (*der)
            return write_output(rec->der, *out);
        auto c = crypto::Certificate::from_der(rec->der);
        SEALGATE_TRY(c);
        return write_output(c->pem(), *out);
    });

    auto* lst = cert->add_subcommand("list", "List certificates");
    cli.on(lst, [&cli] { return list(cli); });

    auto* shw = cert->add_subcommand("show", "Show a certificate and whether it is usable");
    auto sthumb = std::make_shared<std::string>();
    shw->add_option("THUMBPRINT", *sthumb)->required();
    cli.on(shw, [&cli, sthumb] { return show(cli, *sthumb); });

    auto* rm = cert->add_subcommand("remove", "Remove a certificate (and its private key)");
    auto rthumb = std::make_shared<std::string>();
    rm->add_option("THUMBPRINT", *rthumb)->required();
    cli.on(rm, [&cli, rthumb]() -> Status {
        auto ctx = cli.open();
        SEALGATE_TRY(ctx);
        auto rec = lookup_certificate((*ctx)->store(), *rthumb);
        SEALGATE_TRY(rec);
        auto removed = (*ctx)->store().remove_certificate(rec->sha256);
        SEALGATE_TRY(removed);
        std::printf("removed %s\n", rec->sha256.c_str());
        return ok();
    });
}

}  // namespace sealgate::app
