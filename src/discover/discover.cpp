#include "discover/discover.hpp"

#include <openssl/evp.h>

#include <filesystem>

#include "core/hex.hpp"
#include "discover/internal.hpp"
#include "discover/records.hpp"

namespace sealgate::discover {

namespace detail {

namespace {

std::string digest(const EVP_MD* md, std::string_view data, bool hex) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_Digest(data.data(), data.size(), out, &len, md, nullptr) != 1)
        return {};  // only on a broken OpenSSL; an empty name matches nothing
    const std::string bytes(reinterpret_cast<const char*>(out), len);
    return hex ? to_hex(bytes) : bytes;
}

}  // namespace

std::string sha256(std::string_view data, bool hex) {
    return digest(EVP_sha256(), data, hex);
}
std::string sha1(std::string_view data, bool hex) {
    return digest(EVP_sha1(), data, hex);
}

}  // namespace detail

namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z')
            c = static_cast<char>(c - 'A' + 'a');
    return out;
}

// RFC 8162 §3 / RFC 7929 §3: SHA2-256 of the local part, truncated to 28 octets.
std::string hashed_owner(std::string_view local_part, std::string_view label,
                         std::string_view domain) {
    return detail::sha256(local_part, true).substr(0, 56) + "." + std::string(label) + "." +
           lower(domain);
}

// RFC 3986 unreserved characters stay, everything else is %XX (the l= parameter).
std::string percent_encode(std::string_view s) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~') {
            out += ch;
        } else {
            out += '%';
            out += kHex[c >> 4];
            out += kHex[c & 0xF];
        }
    }
    return out;
}

Status check_options(const Options& o) {
    if (o.dns_timeout.count() <= 0 || o.wkd_timeout.count() <= 0)
        return fail(Error::bad_input("discovery: a timeout must be positive"));
    if (!o.resolver.empty()) {
        const auto at = o.resolver.find('@');
        const std::string ip = o.resolver.substr(0, at);
        const std::string port = at == std::string::npos ? "" : o.resolver.substr(at + 1);
        const bool ip_ok =
            !ip.empty() && ip.find_first_not_of("0123456789abcdefABCDEF.:") == std::string::npos;
        const bool port_ok =
            at == std::string::npos || (!port.empty() && port.size() <= 5 &&
                                        port.find_first_not_of("0123456789") == std::string::npos &&
                                        std::stoul(port) > 0 && std::stoul(port) < 65536);
        if (!ip_ok || !port_ok)
            return fail(Error::bad_input("discovery: resolver \"" + o.resolver +
                                         "\" is not IP or IP@PORT"));
    }
    const std::string anchor = o.trust_anchor.empty() ? kRootAnchor : o.trust_anchor;
    std::error_code ec;
    if (!std::filesystem::is_regular_file(anchor, ec))
        return fail(Error::bad_input(
            "discovery: no trust anchor file " + anchor +
            (o.trust_anchor.empty() ? " (install dns-root-data, or set [discovery] trust_anchor)"
                                    : "")));
    if (!o.wkd_connect_to.empty() && o.wkd_connect_to.find(':') == std::string::npos)
        return fail(Error::bad_input("discovery: wkd_connect_to \"" + o.wkd_connect_to +
                                     "\" is not HOST:PORT"));
    return ok();
}

}  // namespace

std::string_view to_string(Dnssec d) {
    switch (d) {
        case Dnssec::secure:
            return "secure";
        case Dnssec::insecure:
            return "insecure";
        case Dnssec::bogus:
            return "bogus";
        case Dnssec::no_record:
            return "no record";
        case Dnssec::failed:
            return "failed";
        case Dnssec::not_dns:
            break;
    }
    return "-";
}

std::string smimea_name(std::string_view local_part, std::string_view domain) {
    return hashed_owner(local_part, "_smimecert", domain);
}

std::string openpgpkey_name(std::string_view local_part, std::string_view domain) {
    return hashed_owner(local_part, "_openpgpkey", domain);
}

std::string wkd_hash(std::string_view local_part) {
    // z-base-32 (draft-koch-openpgp-webkey-service §3.1): 160 bits, 5 at a time, MSB first.
    static constexpr char kAlphabet[] = "ybndrfg8ejkmcpqxot1uwisza345h769";
    const std::string d = detail::sha1(lower(local_part), false);
    std::string out;
    unsigned buffer = 0;
    int bits = 0;
    for (const char ch : d) {
        buffer = (buffer << 8) | static_cast<unsigned char>(ch);
        bits += 8;
        while (bits >= 5) {
            out += kAlphabet[(buffer >> (bits - 5)) & 0x1F];
            bits -= 5;
        }
    }
    if (bits > 0)
        out += kAlphabet[(buffer << (5 - bits)) & 0x1F];
    return out;
}

std::string wkd_advanced_url(std::string_view local_part, std::string_view domain) {
    const std::string d = lower(domain);
    return "https://openpgpkey." + d + "/.well-known/openpgpkey/" + d + "/hu/" +
           wkd_hash(local_part) + "?l=" + percent_encode(local_part);
}

std::string wkd_direct_url(std::string_view local_part, std::string_view domain) {
    return "https://" + lower(domain) + "/.well-known/openpgpkey/hu/" + wkd_hash(local_part) +
           "?l=" + percent_encode(local_part);
}

Result<std::vector<Finding>> lookup(std::string_view address, const Options& options,
                                    std::time_t now) {
    auto split = split_address(address);
    SEALGATE_TRY(split);
    SEALGATE_TRY(check_options(options));
    std::vector<Finding> out = detail::dns_findings(split->local, split->domain, options, now);
    if (options.wkd) {
        auto wkd = detail::wkd_findings(split->local, split->domain, options, now);
        out.insert(out.end(), std::make_move_iterator(wkd.begin()),
                   std::make_move_iterator(wkd.end()));
    }
    return out;
}

}  // namespace sealgate::discover
