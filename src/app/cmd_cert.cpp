// `sealgate init` and `sealgate cert ...`: the domain certificates and their private keys.
// Each `cert` command parses, calls admin::Service (admin/certificates.cpp) and prints.
#include <cstdio>

#include <memory>

#include "app/cli.hpp"
#include "app/store_open.hpp"
#include "core/hex.hpp"
#include "crypto/keygen.hpp"

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

Status show(Cli& cli, const std::string& thumbprint) {
    auto ctx = cli.open();
    SEALGATE_TRY(ctx);
    auto view = (*ctx)->admin(cli_actor()).certificate(thumbprint);
    SEALGATE_TRY(view);
    const auto& c = view->cert;
    const auto& st = view->status;
    const auto& end = view->expiry;
    const auto ku = c.key_usage();
    const auto eku = c.ext_key_usage();
    const auto& doms = view->domains;

    std::printf("Subject:         %s\n", c.subject().c_str());
    std::printf("Issuer:          %s%s\n", c.issuer().c_str(),
                c.self_signed() ? " (self-signed)" : "");
    std::printf("Serial:          %s\n", c.serial().c_str());
    std::printf("Valid from:      %s\n", format_time(c.not_before()).c_str());
    std::printf(
        "Valid until:     %s%s\n", format_time(c.not_after()).c_str(),
        end.state == policy::Expiry::State::expired ? "  (EXPIRED)"
        : end.warn()
            ? ("  (expires in " + std::to_string(end.days_left) + " days: renew now)").c_str()
            : "");
    std::printf("Key:             %s %d bits\n", c.key_type().c_str(), c.key_bits());
    std::printf("Key strength:    %s\n", view->strength.c_str());
    std::printf("Key usage:       %s\n", c.has_key_usage() ? join(ku, ", ").c_str() : "(any)");
    std::printf("Ext. key usage:  %s\n", c.has_ext_key_usage() ? join(eku, ", ").c_str() : "(any)");
    std::printf("Emails:          %s\n", join(c.emails(), ", ").c_str());
    std::printf("SHA-256:         %s\n", hex_colons(c.sha256()).c_str());
    std::printf("                 %s\n", hex_groups(c.sha256()).c_str());
    std::printf("SHA-1:           %s\n", hex_colons(c.sha1()).c_str());
    std::printf("Private key:     %s\n",
                view->has_private_key ? "held (decrypts inbound mail)" : "none");
    if (view->has_private_key)
        std::printf("Generation:      %s\n",
                    view->retired ? "retired (no longer offered to partners; still decrypts)"
                                  : "in service (offered to partners)");
    std::printf("CTL:             %s\n", ctl_text(st.ctl).c_str());
    std::printf("Domains:         %s\n", doms.empty() ? "(none)" : join(doms, ", ").c_str());
    if (st.usability.usable)
        std::printf("Encryption:      usable (%s)\n", st.usability.reason.c_str());
    else if (view->has_private_key)
        // Our own certificate: partners encrypt to it, we do not; it needs no CTL entry here.
        std::printf("Encryption:      own certificate (partners encrypt to it; we decrypt)\n");
    else
        std::printf("Encryption:      NOT usable: %s\n", st.usability.reason.c_str());
    if (view->has_private_key && st.strength_problem)
        std::printf(
            "warning: our own key is too weak: partners encrypting to it are not safe; "
            "replace it (`sealgate cert create`)\n");
    return ok();
}

Status list(Cli& cli) {
    auto ctx = cli.open();
    SEALGATE_TRY(ctx);
    auto all = (*ctx)->admin(cli_actor()).list_certificates();
    SEALGATE_TRY(all);
    // The first four columns are those of older versions; ENCRYPT says "own" for our own
    // certificates (partners encrypt to them: not a refusal). FROM and STATE tell generations
    // apart; SUBJECT / EMAIL stays last.
    std::printf("%-16s  %-3s  %-10s  %-10s  %-10s  %-12s  %-20s  %s\n", "THUMBPRINT", "KEY",
                "EXPIRES", "ENCRYPT", "FROM", "STATE", "DOMAINS", "SUBJECT / EMAIL");
    for (const auto& v : *all) {
        const auto emails = v.cert.emails();
        const char* state = !v.has_private_key ? "partner" : v.retired ? "own,retired" : "own";
        const std::string encrypt = v.status.usability.usable ? "usable"
                                    : v.has_private_key       ? "own"
                                                              : "no";
        std::printf(
            "%-16s  %-3s  %-10s  %-10s  %-10s  %-12s  %-20s  %s\n",
            v.cert.sha256().substr(0, 16).c_str(), v.has_private_key ? "yes" : "-",
            format_time(v.cert.not_after()).substr(0, 10).c_str(), encrypt.c_str(),
            format_time(v.cert.not_before()).substr(0, 10).c_str(), state,
            v.domains.empty() ? "-" : join(v.domains, ",").c_str(),
            (v.cert.subject() + (emails.empty() ? std::string() : " / " + join(emails, ", ")))
                .c_str());
    }
    return ok();
}

void add_cert_lifecycle_commands(CLI::App& cert, Cli& cli) {
    auto* ren = cert.add_subcommand(
        "renew", "Issue the successor of our self-signed certificate (prints its SHA-256)");
    auto rthumb = std::make_shared<std::string>();
    auto reuse = std::make_shared<bool>(false);
    auto fresh = std::make_shared<bool>(false);
    auto days = std::make_shared<unsigned>(0);
    ren->add_option("THUMBPRINT", *rthumb)->required();
    auto* reuse_opt =
        ren->add_flag("--reuse-key", *reuse, "Keep the key pair (default: a new one)");
    ren->add_flag("--new-key", *fresh, "A new key pair (the default)")->excludes(reuse_opt);
    ren->add_option("--days", *days, "Validity in days (default: as long as the predecessor)")
        ->check(CLI::Range(1, 36500));
    cli.on(ren, [&cli, rthumb, reuse, days]() -> Status {
        auto ctx = cli.open();
        SEALGATE_TRY(ctx);
        admin::RenewRequest req{*rthumb, *reuse, *days};
        auto made = (*ctx)->admin(cli_actor()).renew_certificate(req);
        SEALGATE_TRY(made);
        std::printf("%s\n", made->cert.sha256().c_str());
        return ok();
    });

    auto* ret = cert.add_subcommand(
        "retire", "Stop offering our certificate to partners (it keeps decrypting)");
    auto tthumb = std::make_shared<std::string>();
    auto undo = std::make_shared<bool>(false);
    ret->add_option("THUMBPRINT", *tthumb)->required();
    ret->add_flag("--undo", *undo, "Take it back into service");
    cli.on(ret, [&cli, tthumb, undo]() -> Status {
        auto ctx = cli.open();
        SEALGATE_TRY(ctx);
        auto done = (*ctx)->admin(cli_actor()).retire_certificate(*tthumb, !*undo);
        SEALGATE_TRY(done);
        std::printf("%s %s\n", done->retired ? "retired" : "in service",
                    done->cert.sha256().c_str());
        return ok();
    });
}

}  // namespace

void add_init_command(CLI::App& app, Cli& cli) {
    auto* cmd = app.add_subcommand("init", "Create a new store and its master key");
    cli.on(cmd, [&cli]() -> Status {
        auto ctx = Context::create(cli.global);
        SEALGATE_TRY(ctx);
        auto where = store_location((*ctx)->config());
        SEALGATE_TRY(where);
        std::printf(
            "store:      %s\nmaster key: %s (%s; keep it safe: private keys are sealed "
            "with it%s)\n",
            describe(*where).c_str(), (*ctx)->config().master_key().c_str(),
            (*ctx)->key_created() ? "new" : "the existing file",
            where->postgresql() ? ", and copy it to every other node" : "");
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
        auto made = (*ctx)->admin(cli_actor()).create_certificate(*req);
        SEALGATE_TRY(made);
        std::printf("%s\n", made->cert.sha256().c_str());
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
        auto ctx = cli.open();
        SEALGATE_TRY(ctx);
        auto imported = (*ctx)->admin(cli_actor()).import_certificates(*bytes, password);
        if (!imported)
            return fail(std::move(imported.error()).with_context(*file));
        for (const auto& i : *imported)
            std::printf("%s  %s%s%s\n", i.view.cert.sha256().c_str(), i.view.cert.subject().c_str(),
                        i.own ? "  (with private key)" : "",
                        i.warning.empty() ? "" : ("  warning: " + i.warning).c_str());
        return ok();
    });

    auto* exp = cert->add_subcommand(
        "export", "Write a certificate (PEM, or DER), or ours with its key (--pkcs12)");
    auto thumb = std::make_shared<std::string>();
    auto der = std::make_shared<bool>(false);
    auto pkcs12 = std::make_shared<bool>(false);
    auto epw = std::make_shared<std::string>();
    auto out = std::make_shared<std::string>();
    exp->add_option("THUMBPRINT", *thumb)->required();
    exp->add_flag("--der", *der, "DER instead of PEM");
    exp->add_flag("--pkcs12", *pkcs12,
                  "Our certificate with its private key as PKCS#12 (needs -o and --password-file)");
    exp->add_option("--password-file", *epw, "File holding the PKCS#12 password (8+ characters)");
    exp->add_option("-o,--output", *out, "Output file (default: standard output)");
    cli.on(exp, [&cli, thumb, der, pkcs12, epw, out]() -> Status {
        if (*pkcs12) {
            if (*der)
                return fail(Error::bad_input("--pkcs12 and --der exclude each other"));
            if (out->empty() || *out == "-")
                return fail(
                    Error::bad_input("--pkcs12 needs -o FILE (a private key is not "
                                     "written to standard output)"));
            if (epw->empty())
                return fail(Error::bad_input("--pkcs12 needs --password-file FILE"));
            auto pw = read_file(*epw);
            SEALGATE_TRY(pw);
            while (!pw->empty() && (pw->back() == '\n' || pw->back() == '\r'))
                pw->pop_back();
            auto ctx = cli.open();
            SEALGATE_TRY(ctx);
            auto data = (*ctx)->admin(cli_actor()).export_pkcs12(*thumb, *pw);
            SEALGATE_TRY(data);
            return write_secret_output(*data, *out);
        }
        if (!epw->empty())
            return fail(Error::bad_input("--password-file goes with --pkcs12"));
        auto ctx = cli.open();
        SEALGATE_TRY(ctx);
        auto data = (*ctx)->admin(cli_actor()).export_certificate(*thumb, *der);
        SEALGATE_TRY(data);
        return write_output(*data, *out);
    });

    add_cert_lifecycle_commands(*cert, cli);

    auto* lst = cert->add_subcommand("list", "List certificates");
    auto cexpiring = std::make_shared<std::optional<unsigned>>();
    lst->add_option("--expiring", *cexpiring,
                    "Only those that expire within DAYS or have expired, own first");
    cli.on(lst, [&cli, cexpiring] {
        return *cexpiring ? list_expiring(cli, **cexpiring, {"certificate"}) : list(cli);
    });

    auto* shw = cert->add_subcommand("show", "Show a certificate and whether it is usable");
    auto sthumb = std::make_shared<std::string>();
    shw->add_option("THUMBPRINT", *sthumb)->required();
    cli.on(shw, [&cli, sthumb] { return show(cli, *sthumb); });

    auto* rm = cert->add_subcommand("remove", "Remove a certificate (and its private key)");
    auto rthumb = std::make_shared<std::string>();
    auto rforce = std::make_shared<bool>(false);
    rm->add_option("THUMBPRINT", *rthumb)->required();
    rm->add_flag("--force", *rforce, "Also an own certificate whose key is still valid");
    cli.on(rm, [&cli, rthumb, rforce]() -> Status {
        auto ctx = cli.open();
        SEALGATE_TRY(ctx);
        auto removed = (*ctx)->admin(cli_actor()).remove_certificate(*rthumb, *rforce);
        SEALGATE_TRY(removed);
        std::printf("removed %s\n", removed->c_str());
        return ok();
    });
}

}  // namespace sealgate::app
