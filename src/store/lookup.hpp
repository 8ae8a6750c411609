// store/lookup.hpp — finding a stored object by what an administrator types.
//
// A certificate's thumbprint (SHA-256, 64 hex digits) or an OpenPGP key's fingerprint (40) is
// given in full or as a prefix of at least 8 hex digits, with or without ':', ' ' or '-', in
// any case (core/hex.hpp normalize_hex). The prefix must select exactly one stored object:
//   text that is not hex (or longer than a fingerprint)  → bad_input;
//   fewer than 8 digits                                   → bad_input;
//   no stored object starts with it                       → not_found;
//   several do                                            → ambiguous ("give more digits").
// The CLI, and the REST API and web UI after it, find objects only through these functions, so
// every interface accepts the same spellings and refuses with the same words.
#pragma once

#include <string>
#include <string_view>

#include "core/result.hpp"
#include "store/store.hpp"

namespace sealgate {

// The shortest prefix that names an object.
inline constexpr std::size_t kMinPrefixDigits = 8;

// A thumbprint or a prefix of one, normalised to lower-case hex without separators.
Result<std::string> parse_thumbprint(std::string_view text);

// The stored certificate that `text` (a thumbprint or a prefix) selects.
Result<CertRecord> lookup_certificate(Store& store, std::string_view text);

// The stored OpenPGP key that `text` (a fingerprint or a prefix) selects.
Result<PgpKeyRecord> lookup_pgp_key(Store& store, std::string_view text);

// The thumbprint of the CTL entry, or of the trusted root, that `text` selects.
Result<std::string> lookup_ctl_entry(Store& store, std::string_view text);
Result<std::string> lookup_root(Store& store, std::string_view text);

// What a new CTL entry is for: a CTL entry may name a certificate that is not stored yet
// (trust by thumbprint in advance), so a full SHA-256 is taken as it is; a shorter prefix must
// select one stored certificate.
Result<std::string> ctl_target(Store& store, std::string_view text);

}  // namespace sealgate
