// address/address.hpp — mail addresses by the grammar, and the one normalisation of domain names.
//
// An SMTP path is parsed per RFC 5321 §4.1.2, extended by RFC 6531 §3.3 under SMTPUTF8:
//
//   Path      = "<" [ A-d-l ":" ] Mailbox ">"        (the brackets are the caller's business)
//   Mailbox   = Local-part "@" ( Domain / address-literal )
//   Local-part = Dot-string / Quoted-string           (atext, qtext += UTF8-non-ascii)
//   Domain    = sub-domain *("." sub-domain)           (sub-domain = LDH label / U-label)
//
// Anything else — a comment "(...)", a quoted or backslash-escaped domain, an empty label
// ("a..b", a leading dot, "b.." at the end), a label starting or ending with '-', a label of
// more than 63 octets, brackets around something that is not an address literal, control
// characters, malformed UTF-8 — is an error. Other MTAs resolve several of those spellings
// (Postfix turns "bob@partner.example(comment)" into bob@partner.example): an address that a
// lenient MTA routes to a domain must never reach the policy as some other domain, so they are
// refused before the policy sees them.
//
// Deliberate leniency: one final '.' on the domain ("partner.example.", the DNS root) is
// accepted, because every MTA routes it to the same domain; a source route ("@a,@b:") is
// checked and dropped (RFC 5321 §C).
//
// Normalisation (normalize_domain): ASCII lower case, the final '.' dropped, U-labels to
// A-labels. U-labels must already be valid IDNA2008 (RFC 5891): in NFC, no upper case, no
// characters that only a UTS #46 mapping would turn into letters (full-width "ｐ"). Such
// spellings are refused rather than mapped, so that sealgate never decides on a domain other
// than the one the next hop will route to. The same function normalises the names of domain
// records (normalize_domain_pattern), so lookups compare like with like.
#pragma once

#include <string>
#include <string_view>

#include "core/result.hpp"

namespace sealgate::address {

// Whether non-ASCII is allowed: only under SMTPUTF8 (RFC 6531), and in stored data from it.
enum class Charset { ascii, utf8 };

struct Mailbox {
    std::string local;    // as written; a quoted string keeps its quotes and escapes
    std::string written;  // the domain as written (without a final '.'), or "[literal]"
    std::string domain;   // normalised: lower-case A-labels; for a literal, as written
    bool literal = false;

    // local@written: the address to pass on, without a source route.
    std::string address() const { return local + "@" + written; }
};

// A Mailbox (no brackets, no source route). The error is 501 5.1.3 with the reason.
Result<Mailbox> parse_mailbox(std::string_view text, Charset charset);

// The inside of a path's brackets: an optional source route, checked and dropped, then a
// Mailbox. The error is 501 5.1.3 with the reason.
Result<Mailbox> parse_path(std::string_view inside, Charset charset);

// A domain name, normalised (see above); the error is 501 5.1.2 with the reason.
Result<std::string> normalize_domain(std::string_view domain, Charset charset);

// The name of a domain record, as the administrator gives it: a domain, or "*." and a domain
// for its subdomains; normalised as above with U-labels allowed (a U-label becomes its A-label),
// so that it compares equal with the recipient domains that are looked up. The error is of
// kind bad_input: "not a domain name: domain \"...\": <why>".
Result<std::string> normalize_domain_pattern(std::string_view text);

// True for well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, at most U+10FFFF).
bool valid_utf8(std::string_view text);

}  // namespace sealgate::address
