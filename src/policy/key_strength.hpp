// policy/key_strength.hpp — is a public key strong enough to encrypt to (and to trust the
// signatures of)?
//
// The one home of the rule; crypto/ and openpgp/ only report the facts (core/key_strength.hpp).
//
//   RSA, DSA, ElGamal   at least the minimum size: 2048 bits by default. A domain may lower (or
//                       raise) it with `domain set DOMAIN min-rsa-bits N` (1024 <= N <= 16384) for
//                       a partner who cannot replace an old key yet; `domain show` warns while
//                       a domain's minimum is below the default.
//   ECC                 only the curves in the table of key_strength.cpp: the named curves
//                       of 128 bits of security or more that OpenSSL (S/MIME: NIST P-256/384/521,
//                       brainpoolP256r1/384r1/512r1) or librnp (OpenPGP: the same, Curve25519
//                       and Ed25519) use. Not accepted: smaller curves (P-192, P-224,
//                       brainpool below 256 bits), explicit curve parameters, and secp256k1
//                       and SM2, which librnp reads but OpenPGP peers do not agree on. The
//                       override does not apply to curves.
//   anything else       not accepted.
//
// A key that its library cannot use at all (KeyStrength::unusable: an RSA modulus above OpenSSL's
// limit, ...) is refused with that reason whatever the minimum: it would fail every message.
//
// For certificates the key is the certificate's; for OpenPGP keys both the primary key (it
// certifies the subkey bindings) and the encryption (sub)key that would be used are judged.
// A key refused here is "not usable" with the reason in `cert show`, `pgp show` and `domain
// show`, and a mandatory domain whose only keys are refused gets 550 5.7.1 at RCPT.
#pragma once

#include <optional>
#include <string>

#include "core/key_strength.hpp"
#include "core/result.hpp"
#include "model/records.hpp"

namespace sealgate::policy {

constexpr unsigned kDefaultMinRsaBits = 2048;
// The bounds of the per-domain override: below 1024 bits RSA is broken in practice (RSA-512 is
// factored in hours); above 16384 no library here uses the key.
constexpr unsigned kLowestMinRsaBits = 1024;
constexpr unsigned kHighestMinRsaBits = 16384;

// The minimum that applies to a domain's keys and where it comes from.
struct KeyMinimum {
    unsigned rsa_bits = kDefaultMinRsaBits;  // RSA, DSA and ElGamal
    std::string origin;                      // empty: the default; else the domain record name
    bool below_default() const { return rsa_bits < kDefaultMinRsaBits; }
};

// The domain record's override, else the default. dom may be null (no domain: the default).
KeyMinimum key_minimum(const DomainRecord* dom);

// What `domain set` and `domain show` (policy/admin_rules.hpp) warn while a domain's minimum is
// below the default; nullopt otherwise.
std::optional<std::string> key_minimum_warning(const KeyMinimum& minimum);

// The curve's name as kAcceptedCurves spells it ("P-256" for OpenSSL's "P-256" and librnp's
// "NIST P-256", "Curve25519" for OpenSSL's "X25519"), or nullopt for a curve not accepted.
std::optional<std::string> accepted_curve(std::string_view library_name);

// Why this key is refused under the minimum, or nullopt when it is strong enough. `part` names
// the key within an OpenPGP key ("primary key", "encryption subkey"); empty for a certificate.
//   "key too weak: RSA 1024 bits is below the minimum of 2048 bits"
//   "key too weak: encryption subkey ElGamal 1024 bits is below the minimum of 1536 bits
//    (min-rsa-bits of partner.example)"
//   "key not accepted: ECC secp256k1 is not an accepted curve"
//   "key not usable: an RSA modulus of 20000 bits is more than OpenSSL uses (at most 16384)"
// A key of family none (no key) is not judged here.
std::optional<std::string> key_strength_problem(const KeyStrength& key, const KeyMinimum& minimum,
                                                std::string_view part = {});

// The parts of an OpenPGP key whose strength is judged (openpgp/key.hpp Usability).
struct PgpKeyStrength {
    KeyStrength primary;
    KeyStrength encryption;  // the encryption (sub)key that would be used; family none if none
};

// The primary key first, then the encryption (sub)key, each named in the reason.
std::optional<std::string> key_strength_problem(const PgpKeyStrength& key,
                                                const KeyMinimum& minimum);

// The value `domain set DOMAIN min-rsa-bits` takes: a number within the bounds, or "default"
// (0: no override). Fails with a usage error naming the bounds.
Result<unsigned> parse_min_rsa_bits(std::string_view text);

}  // namespace sealgate::policy
