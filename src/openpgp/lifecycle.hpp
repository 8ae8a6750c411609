// openpgp/lifecycle.hpp — the lifecycle of our own OpenPGP keys: a new encryption subkey, a
// successor key with the same user IDs, new binding signatures with a later expiry, and a
// revocation.
//
// Contract:
//   - Each takes our binary transferable secret key (key.hpp's KeyMaterial::secret_key, not
//     passphrase-protected: keystore/ seals it at rest) and returns the changed key as
//     KeyMaterial (public and secret blob, fingerprint, usability now). The input is not changed.
//   - New signatures are SHA-256 (never SHA-1, see rnp_handle.hpp's pinned policy).
//   - `expiry_seconds` counts from now (0: never); OpenPGP stores it relative to the key's
//     creation time, which is done here. Thread-safe like key.hpp (one ffi per call).
//   - A blob without a secret primary key fails with bad_input.
#pragma once

#include <cstdint>
#include <ctime>
#include <string_view>

#include "core/result.hpp"
#include "openpgp/key.hpp"

namespace sealgate::openpgp {

// A new encryption subkey of the same kind as the newest one (RSA of its size, at least 3072
// bits; Curve25519 ECDH otherwise), bound by the primary key; older subkeys stay (they decrypt
// what was encrypted to them), the newest valid one is what partners encrypt to (key.hpp).
Result<KeyMaterial> add_encryption_subkey(std::string_view secret_key,
                                          std::uint32_t expiry_seconds);

// A new key of the same algorithm as this one's primary, with all of its user IDs that are not
// revoked (the primary user ID first). KeyAlgorithm as create_key().
Result<KeyMaterial> create_successor(std::string_view secret_key, std::uint32_t expiry_seconds);

// New self-signatures for the primary key and binding signatures for each encryption subkey
// that is neither revoked nor expired, with the expiry `expiry_seconds` from now (0: never).
Result<KeyMaterial> set_expiry(std::string_view secret_key, std::uint32_t expiry_seconds,
                               std::time_t now = 0);

// RFC 4880 §5.2.3.23 reason for revocation.
enum class RevocationCode { superseded, compromised, retired };

// A key revocation signature by the primary key itself, with the reason code and text.
Result<KeyMaterial> revoke(std::string_view secret_key, RevocationCode code, std::string_view text);

}  // namespace sealgate::openpgp
