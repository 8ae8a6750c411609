// `sealgate publish dns [--domain D]`: the SMIMEA and OPENPGPKEY records of our own domain
// certificates and keys as zone-file lines; `sealgate publish wkd DIR [--domain D]`: the Web Key
// Directory of our own keys, both layouts (docs/discovery.md says how to serve each). Both read
// admin::Service::published_keys and change nothing in the store.
#include <cstdio>
#include <filesystem>
#include <map>

#include "app/cli.hpp"
#include "discover/discover.hpp"
#include "discover/records.hpp"

namespace sealgate::app {

namespace {

Result<std::vector<admin::PublishedKey>> published(Cli& cli, const std::string& domain) {
    auto ctx = cli.open();
    SEALGATE_TRY(ctx);
    auto keys = (*ctx)->admin(cli_actor()).published_keys(domain, std::time(nullptr));
    SEALGATE_TRY(keys);
    if (keys->empty())
        return fail(
            Error::not_found("no own certificate or OpenPGP key in service names an address of " +
                             (domain.empty() ? std::string("our local domains") : domain)));
    return keys;
}

Status publish_dns(Cli& cli, const std::string& domain) {
    auto keys = published(cli, domain);
    SEALGATE_TRY(keys);
    std::string out;
    for (const auto& k : *keys) {
        const bool cert = k.method == Method::smime;
        out += "; " + k.address + (cert ? ": certificate " : ": OpenPGP key ") + k.id + "\n";
        out += (cert ? discover::smimea_zone_line(k.local_part, k.domain, k.data)
                     : discover::openpgpkey_zone_line(k.local_part, k.domain, k.data)) +
               "\n";
    }
    return write_output(out, "");
}

Status make_dirs(const std::filesystem::path& dir) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec)
        return fail(Error::usage("cannot create " + dir.string() + ": " + ec.message()));
    return ok();
}

// draft-koch-openpgp-webkey-service §3.1: per domain, the document root of openpgpkey.DOMAIN
// (advanced: .well-known/openpgpkey/DOMAIN/hu/HASH) and of DOMAIN (direct:
// .well-known/openpgpkey/hu/HASH), each with the policy file (empty: no options) beside hu/.
Status publish_wkd(Cli& cli, const std::string& dir, const std::string& domain) {
    auto keys = published(cli, domain);
    SEALGATE_TRY(keys);
    // domain -> hash -> the keys of that address, concatenated (a WKD reply may hold several).
    std::map<std::string, std::map<std::string, std::string>> files;
    for (const auto& k : *keys)
        if (k.method == Method::pgp)
            files[k.domain][discover::wkd_hash(k.local_part)] += k.data;
    if (files.empty())
        return fail(Error::not_found("no own OpenPGP key in service to publish"));
    const std::filesystem::path root(dir);
    for (const auto& [d, hashes] : files) {
        const auto advanced = root / d / "advanced" / ".well-known" / "openpgpkey" / d;
        const auto direct = root / d / "direct" / ".well-known" / "openpgpkey";
        for (const auto& base : {advanced, direct}) {
            SEALGATE_TRY(make_dirs(base / "hu"));
            SEALGATE_TRY(write_output("", (base / "policy").string()));
            for (const auto& [hash, data] : hashes) {
                SEALGATE_TRY(write_output(data, (base / "hu" / hash).string()));
                std::printf("%s\n", (base / "hu" / hash).c_str());
            }
        }
    }
    return ok();
}

}  // namespace

void add_publish_commands(CLI::App& app, Cli& cli) {
    auto* publish = app.add_subcommand(
        "publish",
        "What partners' gateways discover: our own certificates and keys in DNS and WKD");
    publish->require_subcommand(1);

    auto* dns = publish->add_subcommand(
        "dns",
        "SMIMEA and OPENPGPKEY records of our own certificates and keys, as zone-file lines");
    auto dns_domain = std::make_shared<std::string>();
    dns->add_option("--domain", *dns_domain, "Only this local domain (default: all)");
    cli.on(dns, [&cli, dns_domain] { return publish_dns(cli, *dns_domain); });

    auto* wkd = publish->add_subcommand(
        "wkd", "Write the Web Key Directory of our own OpenPGP keys (advanced and direct layout)");
    auto wkd_dir = std::make_shared<std::string>();
    auto wkd_domain = std::make_shared<std::string>();
    wkd->add_option("dir", *wkd_dir, "The directory to write DOMAIN/advanced and DOMAIN/direct to")
        ->required();
    wkd->add_option("--domain", *wkd_domain, "Only this local domain (default: all)");
    cli.on(wkd, [&cli, wkd_dir, wkd_domain] { return publish_wkd(cli, *wkd_dir, *wkd_domain); });
}

}  // namespace sealgate::app
