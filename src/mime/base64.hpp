// mime/base64.hpp — RFC 4648 base64 for MIME bodies (RFC 2045 §6.8).
//
// Encoding writes lines of 76 characters ending in CRLF (OpenSSL's SMIME writer uses bare LF,
// DESIGN.md §8). Decoding skips CR, LF, space and tab, and fails on any other character outside
// the alphabet, on misplaced padding, on data after padding and on a truncated final quantum, with
// the offset in the reason. Non-zero bits in the last character before padding are tolerated
// (RFC 4648 §3.5 leaves rejecting them to the decoder; some mailers produce them).
#pragma once

#include <string>
#include <string_view>

#include "core/result.hpp"

namespace sealgate::mime {

// line_length 0 writes one unbroken line without CRLF; any other length ends every line,
// including the last, with CRLF.
std::string base64_encode(std::string_view bytes, std::size_t line_length = 76);
// The same, appended to out: lets the caller reserve room once for a whole message body.
void base64_encode_append(std::string& out, std::string_view bytes, std::size_t line_length = 76);
// Exact number of characters base64_encode() returns for n bytes.
std::size_t base64_encoded_size(std::size_t n, std::size_t line_length = 76);
Result<std::string> base64_decode(std::string_view text);

}  // namespace sealgate::mime
