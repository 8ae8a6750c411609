#include "core/key_strength.hpp"

namespace sealgate {

std::string KeyStrength::describe() const {
    const std::string size = " " + std::to_string(bits) + " bits";
    switch (family) {
        case KeyFamily::none:
            return "no key";
        case KeyFamily::rsa:
            return "RSA" + size;
        case KeyFamily::dsa:
            return "DSA" + size;
        case KeyFamily::elgamal:
            return "ElGamal" + size;
        case KeyFamily::ecc:
            return curve.empty() ? "ECC (explicit curve parameters)" : "ECC " + curve;
        case KeyFamily::other:
            return (algorithm.empty() ? std::string("unknown key type") : algorithm) + size;
    }
    return "unknown key type";
}

}  // namespace sealgate
