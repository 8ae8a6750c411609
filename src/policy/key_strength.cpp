#include "policy/key_strength.hpp"

#include <array>
#include <charconv>

namespace sealgate::policy {

namespace {

// The accepted curves. `names` are the spellings the libraries report: OpenSSL's NIST name or
// short name (crypto/certificate.cpp), librnp's rnp_key_get_curve().
struct AcceptedCurve {
    std::string_view name;
    std::array<std::string_view, 2> names;
};

constexpr std::array<AcceptedCurve, 8> kAcceptedCurves{{
    {"P-256", {"P-256", "NIST P-256"}},
    {"P-384", {"P-384", "NIST P-384"}},
    {"P-521", {"P-521", "NIST P-521"}},
    {"brainpoolP256r1", {"brainpoolP256r1", ""}},
    {"brainpoolP384r1", {"brainpoolP384r1", ""}},
    {"brainpoolP512r1", {"brainpoolP512r1", ""}},
    {"Curve25519", {"Curve25519", "X25519"}},  // ECDH (OpenPGP; OpenSSL reads it, CMS does not)
    {"Ed25519", {"Ed25519", ""}},              // EdDSA: OpenPGP primary keys
}};

}  // namespace

KeyMinimum key_minimum(const DomainRecord* dom) {
    KeyMinimum m;
    if (dom != nullptr && dom->min_rsa_bits != 0) {
        m.rsa_bits = dom->min_rsa_bits;
        m.origin = dom->name;
    }
    return m;
}

std::optional<std::string> key_minimum_warning(const KeyMinimum& minimum) {
    if (!minimum.below_default())
        return std::nullopt;
    return "min-rsa-bits " + std::to_string(minimum.rsa_bits) + " of " + minimum.origin +
           " is below the default " + std::to_string(kDefaultMinRsaBits) + ": keys down to " +
           std::to_string(minimum.rsa_bits) +
           " bits are used; ask the partner for a new key, then `sealgate domain set " +
           minimum.origin + " min-rsa-bits default`";
}

std::optional<std::string> accepted_curve(std::string_view library_name) {
    for (const auto& c : kAcceptedCurves)
        for (const auto n : c.names)
            if (!n.empty() && n == library_name)
                return std::string(c.name);
    return std::nullopt;
}

std::optional<std::string> key_strength_problem(const KeyStrength& key, const KeyMinimum& minimum,
                                                std::string_view part) {
    const std::string what = (part.empty() ? "" : std::string(part) + " ") + key.describe();
    if (!key.unusable.empty())
        return "key not usable: " + (part.empty() ? "" : std::string(part) + ": ") + key.unusable;
    switch (key.family) {
        case KeyFamily::none:
            return std::nullopt;
        case KeyFamily::rsa:
        case KeyFamily::dsa:
        case KeyFamily::elgamal:
            if (key.bits >= minimum.rsa_bits)
                return std::nullopt;
            return "key too weak: " + what + " is below the minimum of " +
                   std::to_string(minimum.rsa_bits) + " bits" +
                   (minimum.origin.empty() ? "" : " (min-rsa-bits of " + minimum.origin + ")");
        case KeyFamily::ecc:
            if (accepted_curve(key.curve))
                return std::nullopt;
            return "key not accepted: " + what + " is not an accepted curve";
        case KeyFamily::other:
            break;
    }
    return "key not accepted: " + what + " is not an accepted key type";
}

std::optional<std::string> key_strength_problem(const PgpKeyStrength& key,
                                                const KeyMinimum& minimum) {
    if (auto p = key_strength_problem(key.primary, minimum, "primary key"))
        return p;
    return key_strength_problem(key.encryption, minimum, "encryption subkey");
}

Result<unsigned> parse_min_rsa_bits(std::string_view text) {
    if (text == "default")
        return 0U;
    unsigned n = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc() || end != text.data() + text.size() || n < kLowestMinRsaBits ||
        n > kHighestMinRsaBits)
        return fail(Error::bad_input("min-rsa-bits: a number of bits from " +
                                     std::to_string(kLowestMinRsaBits) + " to " +
                                     std::to_string(kHighestMinRsaBits) + ", or default (" +
                                     std::to_string(kDefaultMinRsaBits) + ")"));
    return n;
}

}  // namespace sealgate::policy
