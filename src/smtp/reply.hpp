// smtp/reply.hpp — an SMTP reply: code, enhanced status code, text lines, and its wire form.
//
// RFC 5321 §4.2: a reply is a three-digit code followed by text; a multi-line reply repeats the
// code on every line with '-' after it on all but the last. RFC 2034 §4: when the server offers
// ENHANCEDSTATUSCODES, every 2xx/4xx/5xx reply text starts with the enhanced code ("2.0.0").
// A Reply with an empty status is written without one (greeting, EHLO, 354).
// RFC 5321 §4.5.3.1.5: a reply line is at most 512 octets with its CRLF. wire() guarantees that
// for every line whatever its text holds: a longer text is cut (at a UTF-8 character boundary),
// and CR, LF and other control characters in a text become '?' (a text must never end a line or
// start another reply).
// The public text is what the peer sees; the internal reason of a failure belongs in the log,
// not here (see core/error.hpp).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace sealgate::smtp {

struct Reply {
    static constexpr std::size_t kMaxLine = 512;  // octets, CRLF included

    int code = 0;
    std::string status;              // "2.0.0", or empty
    std::vector<std::string> lines;  // at least one line (may be empty text)

    // A one-line reply; a text with '\n' becomes several lines.
    static Reply make(int code, std::string status, std::string_view text);
    // The SMTP answer for an Error (its code, status and public text, never its reason).
    static Reply from_error(const Error& error);

    bool positive() const { return code >= 200 && code < 300; }
    bool intermediate() const { return code >= 300 && code < 400; }
    bool transient() const { return code >= 400 && code < 500; }
    bool permanent() const { return code >= 500 && code < 600; }

    // The lines joined by '\n', without codes.
    std::string text() const;
    // "250-first\r\n250 2.0.0 last\r\n", every line at most kMaxLine octets.
    std::string wire() const;
    // "451 4.3.0 text" — the first line, for logs and test messages.
    std::string summary() const;

    bool operator==(const Reply&) const = default;
};

}  // namespace sealgate::smtp
