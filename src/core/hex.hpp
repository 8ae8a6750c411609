// core/hex.hpp — hexadecimal text for thumbprints and fingerprints.
//
// Thumbprints are shown the way `openssl x509 -fingerprint` shows them (upper-case pairs joined
// by ':'), or grouped in fours for reading aloud the way `gpg --fingerprint` does. On input they
// are accepted with or without separators (':', ' ', '-'), in any case.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sealgate {

// The value of one hex digit (either case), or -1.
int hex_digit(char c);

// Lower-case hex of the bytes, no separators.
std::string to_hex(std::string_view bytes);

// Hex text to bytes; nullopt unless it is an even number of hex digits.
std::optional<std::string> from_hex(std::string_view hex);

// "AB:CD:EF:..." — the form of `openssl x509 -fingerprint`.
std::string hex_colons(std::string_view lower_hex);

// "ABCD EF01 ..." groups of four, two spaces in the middle for 40-digit fingerprints
// (the form of `gpg --fingerprint`).
std::string hex_groups(std::string_view lower_hex);

// Strip ':', ' ', '-' and lower-case the digits; nullopt if anything else than hex remains or
// nothing remains.
std::optional<std::string> normalize_hex(std::string_view text);

}  // namespace sealgate
