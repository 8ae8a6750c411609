// mime/base64.hpp — RFC 4648 base64 for MIME bodies (RFC 2045 §6.8).
//
// Encoding writes lines of 76 characters ending in CRLF (OpenSSL's SMIME writer uses bare LF,
// docs/architecture.md), from one buffer (base64_encode) or from bytes that arrive in pieces
// (Base64Encoder, for output that is produced while it is encoded, such as streamed CMS). Decoding
// skips CR, LF, space and tab, and fails on any other character outside the alphabet, on misplaced
// padding, on data after padding and on a truncated final quantum, with the offset in the reason.
// Non-zero bits in the last character before padding are tolerated (RFC 4648 §3.5 leaves rejecting
// them to the decoder; some mailers produce them).
#pragma once

#include <cstddef>
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

// base64_encode() for bytes that arrive in pieces: after finish(), `out` has gained exactly what
// base64_encode(<all pieces joined>) returns (76 columns, every line ending in CRLF), whatever the
// sizes of the pieces. Nothing but the last incomplete 3-byte group is held back. Reserve room in
// `out` first (base64_encoded_size of the expected total) to append without regrowth.
class Base64Encoder {
  public:
    static constexpr std::size_t kLineLength = 76;  // RFC 2045 §6.8: at most 76 characters

    explicit Base64Encoder(std::string& out) : out_(out) {}
    Base64Encoder(const Base64Encoder&) = delete;
    Base64Encoder& operator=(const Base64Encoder&) = delete;

    void write(std::string_view bytes);
    // The final group (with '=' padding) and the CRLF of the last line; write() must not follow.
    void finish();

  private:
    void put_group(const unsigned char* group);

    std::string& out_;
    unsigned char pending_[3] = {};
    std::size_t pending_size_ = 0;
    std::size_t column_ = 0;  // characters on the current, unfinished line
};

}  // namespace sealgate::mime
