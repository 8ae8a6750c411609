#include "discover/records.hpp"

#include <openssl/evp.h>

#include <algorithm>

#include "address/address.hpp"
#include "core/hex.hpp"
#include "crypto/certificate.hpp"
#include "crypto/verify.hpp"
#include "openpgp/key.hpp"

namespace sealgate::discover {

namespace {

std::string base64(std::string_view bytes) {
    std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(bytes.data()),
                                  static_cast<int>(bytes.size()));
    out.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
    return out;
}

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; });
    return out;
}

// Local parts compare exactly, domains without case (RFC 5321 §2.4).
bool same_address(const std::string& a, const std::string& b) {
    const auto at_a = a.rfind('@');
    const auto at_b = b.rfind('@');
    if (at_a == std::string::npos || at_b == std::string::npos)
        return false;
    return a.substr(0, at_a) == b.substr(0, at_b) &&
           lower(a.substr(at_a + 1)) == lower(b.substr(at_b + 1));
}

}  // namespace

Result<SplitAddress> split_address(std::string_view address) {
    const auto at = address.rfind('@');
    if (at == std::string_view::npos || at == 0 || at + 1 == address.size())
        return fail(Error::bad_input("not an address (LOCALPART@DOMAIN): " + std::string(address)));
    const std::string local(address.substr(0, at));
    if (local.size() > 64 || local.find_first_of(" \t\r\n\"<>") != std::string::npos)
        return fail(Error::bad_input("not a local part sealgate looks up: " + local));
    auto domain = address::normalize_domain(address.substr(at + 1), address::Charset::ascii);
    if (!domain)
        return fail(Error::bad_input("not a domain: " + std::string(address.substr(at + 1)) + " (" +
                                     domain.error().reason + ")"));
    return SplitAddress{local, *domain};
}

Result<Smimea> parse_smimea(std::string_view rdata) {
    if (rdata.size() < 4)
        return fail(Error::bad_input("SMIMEA record too short (" + std::to_string(rdata.size()) +
                                     " octets)"));
    Smimea r;
    r.usage = static_cast<unsigned char>(rdata[0]);
    r.selector = static_cast<unsigned char>(rdata[1]);
    r.matching = static_cast<unsigned char>(rdata[2]);
    r.data = std::string(rdata.substr(3));
    return r;
}

std::string smimea_rdata(std::string_view der) {
    return std::string("\x03\x00\x00", 3) + std::string(der);
}

std::string smimea_zone_line(std::string_view local_part, std::string_view domain,
                             std::string_view der) {
    return smimea_name(local_part, domain) + ". IN SMIMEA 3 0 0 " + to_hex(der);
}

std::string openpgpkey_zone_line(std::string_view local_part, std::string_view domain,
                                 std::string_view public_key) {
    return openpgpkey_name(local_part, domain) + ". IN OPENPGPKEY " + base64(public_key);
}

void judge_smimea(const Smimea& record, std::time_t now, Finding& f) {
    f.usage = record.usage;
    f.selector = record.selector;
    f.matching = record.matching;
    f.usable = false;
    if (record.selector != 0 || record.matching != 0) {
        f.id = to_hex(record.data);
        f.problem = record.matching != 0
                        ? "publishes only a hash (matching type " +
                              std::to_string(record.matching) +
                              "): sealgate needs the whole certificate"
                        : "publishes only the public key (selector 1): sealgate needs the whole "
                          "certificate";
        return;
    }
    auto cert = crypto::Certificate::from_der(record.data);
    if (!cert) {
        f.problem = "not a certificate: " + cert.error().reason;
        return;
    }
    f.data = record.data;
    f.id = cert->sha256();
    f.subject = cert->subject();
    f.not_before = cert->not_before();
    f.not_after = cert->not_after();
    if (record.usage == 0 || record.usage == 2) {
        f.problem = "usage " + std::to_string(record.usage) +
                    " names a CA (trust anchor), not the domain's own certificate";
        return;
    }
    if (record.usage != 1 && record.usage != 3) {
        f.problem = "unknown certificate usage " + std::to_string(record.usage);
        return;
    }
    crypto::TrustContext trust;
    trust.now = now;
    const auto verdict = crypto::encryption_usability(*cert, crypto::CtlStatus::trusted, trust);
    f.usable = verdict.usable;
    f.problem = verdict.usable ? "" : verdict.reason;
}

std::vector<Finding> judge_openpgp(std::string_view bytes, bool one_key, std::time_t now,
                                   const Finding& base) {
    std::vector<Finding> out;
    auto keys = openpgp::parse_keys(bytes);
    if (!keys) {
        Finding f = base;
        f.problem = "not an OpenPGP key: " + keys.error().reason;
        out.push_back(std::move(f));
        return out;
    }
    if (keys->size() > kMaxRecords) {
        // Refused as a whole, like a DNS answer with too many records: judging some of them
        // would let the order of the reply choose.
        Finding f = base;
        f.problem = std::to_string(keys->size()) + " keys, more than " +
                    std::to_string(kMaxRecords) + ": refused, none judged";
        out.push_back(std::move(f));
        return out;
    }
    for (const auto& key : *keys) {
        Finding f = base;
        f.id = key.fingerprint;
        f.data = key.public_key;
        auto info = openpgp::key_info(key.public_key);
        bool names_address = false;
        if (info) {
            f.not_before = info->primary.created;
            f.not_after = info->primary.expires;
            std::vector<std::string> uids;
            for (const auto& uid : info->user_ids) {
                uids.push_back(uid.text);
                names_address =
                    names_address || (uid.valid && !uid.revoked &&
                                      same_address(openpgp::uid_address(uid.text), f.address));
            }
            for (std::size_t i = 0; i < uids.size(); ++i)
                f.subject += (i ? "; " : "") + uids[i];
        }
        auto usable = openpgp::encryption_usability(key.public_key, now);
        if (one_key && keys->size() > 1)
            f.problem =
                "the record holds " + std::to_string(keys->size()) + " keys (RFC 7929: one)";
        else if (!info)
            f.problem = "cannot read the key: " + info.error().reason;
        else if (!usable)
            f.problem = "cannot judge the key: " + usable.error().reason;
        else if (!usable->usable)
            f.problem = usable->reason;
        else if (!names_address)
            f.problem = "no valid user ID names " + f.address;
        f.usable = f.problem.empty();
        out.push_back(std::move(f));
    }
    return out;
}

}  // namespace sealgate::discover
