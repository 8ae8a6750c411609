// admin::Service::published_keys: what `sealgate publish dns|wkd` writes for our own domains.
#include <algorithm>

#include "admin/internal.hpp"
#include "admin/service.hpp"
#include "core/text.hpp"
#include "crypto/certificate.hpp"
#include "exchange/bundle.hpp"
#include "openpgp/key.hpp"

namespace sealgate::admin {

namespace {

std::string local_part(const std::string& address) {
    return address.substr(0, address.rfind('@'));
}

}  // namespace

Result<std::vector<PublishedKey>> Service::published_keys(std::string_view domain,
                                                          std::time_t now) {
    std::vector<std::string> domains;
    if (!domain.empty()) {
        auto record = detail::local_domain(store_, domain);
        SEALGATE_TRY(record);
        domains.push_back(record->name);
    } else {
        auto all = store_.list_domains();
        SEALGATE_TRY(all);
        for (const auto& d : *all)
            if (d.local && !d.name.starts_with("*."))
                domains.push_back(d.name);
    }
    const auto ours = [&](const std::string& address) {
        const std::string d = exchange::address_domain(address);
        return std::find(domains.begin(), domains.end(), d) != domains.end() ? d : std::string();
    };

    std::vector<PublishedKey> out;
    auto certs = store_.list_certificates();
    SEALGATE_TRY(certs);
    for (const auto& rec : *certs) {
        if (!rec.has_private_key || rec.retired)
            continue;
        auto cert = crypto::Certificate::from_der(rec.der);
        if (!cert || cert->not_before() > now || cert->not_after() <= now)
            continue;
        for (const auto& email : cert->emails()) {
            const std::string d = ours(email);
            if (!d.empty())
                out.push_back({Method::smime, d, email, local_part(email), rec.sha256, rec.der});
        }
    }
    auto keys = store_.list_pgp_keys();
    SEALGATE_TRY(keys);
    for (const auto& rec : *keys) {
        if (rec.sealed_secret.empty() || rec.retired)
            continue;
        auto usable = openpgp::encryption_usability(rec.public_key, now);
        auto info = openpgp::key_info(rec.public_key);
        if (!usable || !usable->usable || !info)
            continue;
        auto exported = openpgp::export_public(rec.public_key, openpgp::Encoding::binary);
        SEALGATE_TRY(exported);
        for (const auto& uid : info->user_ids) {
            if (!uid.valid || uid.revoked)
                continue;
            const std::string address = openpgp::uid_address(uid.text);
            const std::string d = ours(address);
            if (!d.empty())
                out.push_back(
                    {Method::pgp, d, address, local_part(address), rec.fingerprint, *exported});
        }
    }
    return out;
}

}  // namespace sealgate::admin
