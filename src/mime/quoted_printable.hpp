// mime/quoted_printable.hpp — RFC 2045 §6.7 quoted-printable.
//
// Decoding is lenient as §6.7 note (2) suggests for a decoder: "=XX" is the byte XX (either
// case), "=" at the end of a line is a soft line break, anything else (a stray "=") is kept as it
// is. Used where a relay wrapped ASCII content (OpenPGP armor) in quoted-printable.
//
// Encoding is strict, for text that must survive any transport bit for bit (a signed part sent
// in clear, RFC 3156 §3): CRLF stays a hard line break; every other byte outside 33..126, "=",
// and a space or tab at the end of a line become "=XX" (upper-case hex); an "F" that starts a
// line of "From " becomes "=46" (mailbox formats quote such lines); lines are broken with soft
// line breaks to at most 76 characters.
#pragma once

#include <string>
#include <string_view>

namespace sealgate::mime {

std::string quoted_printable_decode(std::string_view text);
std::string quoted_printable_encode(std::string_view text);

}  // namespace sealgate::mime
