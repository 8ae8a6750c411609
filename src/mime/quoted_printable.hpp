// mime/quoted_printable.hpp — RFC 2045 §6.7 quoted-printable decoding.
//
// Lenient as §6.7 note (2) suggests for a decoder: "=XX" is the byte XX (either case), "=" at the
// end of a line is a soft line break, anything else (a stray "=") is kept as it is. Used where a
// relay wrapped ASCII content (OpenPGP armor) in quoted-printable.
#pragma once

#include <string>
#include <string_view>

namespace sealgate::mime {

std::string quoted_printable_decode(std::string_view text);

}  // namespace sealgate::mime
