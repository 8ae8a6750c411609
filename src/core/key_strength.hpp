// core/key_strength.hpp — the facts about a public key that its strength is judged by.
//
// The module that owns a key reads the facts from its library: crypto/ for X.509 keys
// (Certificate::key_strength, OpenSSL), openpgp/ for OpenPGP keys (librnp). The judgement — the
// minimum sizes, the accepted curves, the per-domain override — is policy/key_strength.hpp's.
// This header is only the vocabulary both sides share.
//
// `unusable` is the owning module's verdict that its library cannot use the key at all, whatever
// the policy (an RSA modulus above OpenSSL's OPENSSL_RSA_MAX_MODULUS_BITS): permanent, not a
// matter of minimums, and no override lowers it.
#pragma once

#include <string>

namespace sealgate {

enum class KeyFamily {
    none,     // no key (e.g. no encryption subkey was chosen)
    rsa,      // RSA (also RSA-PSS)
    dsa,      // DSA
    elgamal,  // ElGamal (OpenPGP encryption subkeys)
    ecc,      // elliptic curves: ECDH, ECDSA, EdDSA, X25519
    other,    // anything else the library knows
};

struct KeyStrength {
    KeyFamily family = KeyFamily::none;
    unsigned bits = 0;      // RSA modulus, DSA/ElGamal prime; for ECC the library's field size
    std::string curve;      // ECC: the library's name ("P-256", "NIST P-256", "X25519", ...);
                            // empty for an EC key with explicit parameters
    std::string algorithm;  // other: the library's name of the algorithm
    std::string unusable;   // why the library cannot use this key at all; empty when it can

    // "RSA 1024 bits", "ElGamal 1024 bits", "DSA 2048 bits", "ECC P-256", "ECC (explicit
    // curve parameters)", "SM2 256 bits".
    std::string describe() const;
};

}  // namespace sealgate
