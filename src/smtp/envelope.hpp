// smtp/envelope.hpp — what an SMTP transaction carries besides the message bytes.
//
// The envelope keeps the ESMTP parameters that must travel with the message to the next hop:
// RFC 1870 SIZE, RFC 6152 BODY=8BITMIME, RFC 6531 SMTPUTF8, RFC 3461 DSN (RET, ENVID, NOTIFY,
// ORCPT) and the Postfix XFORWARD attributes. DSN and XFORWARD values are kept exactly as they
// arrived on the wire (xtext, RFC 3461 §4), already validated, so they can be passed on byte for
// byte; use xtext_decode() to read them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sealgate::smtp {

enum class Body { Unspecified, SevenBit, EightBitMime };

struct Recipient {
    std::string address;                // without angle brackets
    std::optional<std::string> notify;  // "NEVER" or e.g. "SUCCESS,FAILURE" (upper case)
    std::optional<std::string> orcpt;   // "rfc822;user+2Bx@example.com" (xtext, as received)

    bool operator==(const Recipient&) const = default;
};

struct Envelope {
    // Connection facts, set by the network layer and the greeting.
    std::string client_address;  // peer IP address as text
    std::string helo;            // HELO/EHLO argument
    bool esmtp = false;          // EHLO (true) or HELO (false)
    bool tls = false;            // the transaction ran over TLS

    // MAIL FROM and its parameters.
    std::string sender;                 // empty for the null reverse-path "<>"
    std::optional<std::uint64_t> size;  // SIZE= as declared
    Body body = Body::Unspecified;
    bool smtputf8 = false;
    std::optional<std::string> ret;    // "FULL" or "HDRS"
    std::optional<std::string> envid;  // xtext as received

    std::vector<Recipient> recipients;  // accepted recipients only, in order

    // XFORWARD attributes (NAME ADDR PROTO HELO IDENT SOURCE), upper-case names, xtext values
    // as received, in the order first seen.
    std::vector<std::pair<std::string, std::string>> xforward;

    const std::string* xforward_value(std::string_view name) const;
};

// RFC 3461 §4: decode "+XX" hex escapes; nullopt for a malformed escape.
std::optional<std::string> xtext_decode(std::string_view xtext);
// RFC 3461 §4: encode '+', '=', controls, space and non-ASCII as "+XX".
std::string xtext_encode(std::string_view text);
// True when every character is valid xtext (printable ASCII except '=', '+' only as "+XX").
bool is_xtext(std::string_view text);

}  // namespace sealgate::smtp
