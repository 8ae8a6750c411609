// openpgp/signature.hpp — detached OpenPGP signatures over bytes (RFC 4880 §5.2, a binary
// document signature, SHA-256), as the signed update bundle (exchange/) carries them.
//
// Contract:
//   - sign_detached() signs with the signing-capable (sub)key of the first primary key in an
//     unprotected secret key blob (keystore/ unseals it and calls this; nothing is kept).
//   - verify_detached() loads only `public_key` and succeeds only when every signature in
//     `signature` was made by that key (its primary or a subkey), is valid at `now` (0: the
//     current time) and covers exactly `data`. A signature by any other key, a modified
//     document, an expired or revoked signing key: Error::unusable. Garbage: Error::bad_input.
//   - Each call creates its own librnp context: thread-safe, for the admin path only.
#pragma once

#include <ctime>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace sealgate::openpgp {

// Binary detached signature.
Result<std::string> sign_detached(std::string_view secret_key, std::string_view data);

Status verify_detached(std::string_view public_key, std::string_view data,
                       std::string_view signature, std::time_t now = 0);

}  // namespace sealgate::openpgp
