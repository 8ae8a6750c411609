// smtp/trace.hpp — RFC 5321 §4.4 trace information: the Received: field sealgate prepends to
// every copy it relays, the hop count of a message, and queue ids.
//
// received_field() describes one hop in the §4.4 form
//     Received: from <helo> ([<client address>])
//             by <hostname> (sealgate) with <protocol> id <queue id>
//             for <recipient>; <date>
// <protocol> is RFC 3848's SMTP / ESMTP / ESMTPS (and RFC 6531's UTF8SMTP / UTF8SMTPS). The
// `for` clause names the recipient only when the copy has exactly one: a copy seen by several
// recipients must never reveal one of them (a Bcc) to the others. Text that came from the client
// (HELO argument, address) is cleaned so that it cannot break the field's syntax: no control
// characters, parentheses, ';' or '\' (which would move the date or open a comment), at most
// 255 octets. The field ends with CRLF and every line of it stays far below 998 octets.
//
// count_received() counts the Received: fields of the primary header (what Postfix's
// hopcount_limit counts): every loop through a gateway adds one, so a bound on them ends loops.
//
// new_queue_id() is unique across threads, processes and restarts: 14 hex digits of the time in
// microseconds (strictly increasing within the process) and 8 hex digits from the kernel's
// CSPRNG (getrandom(2), fetched 64 at a time per thread); 22 upper-case hex digits that sort by
// time.
#pragma once

#include <cstddef>
#include <ctime>
#include <string>
#include <string_view>

#include "smtp/envelope.hpp"

namespace sealgate::smtp {

// `copy` is the envelope of the copy as relayed: its connection facts (helo, client address,
// esmtp, tls, smtputf8) and its recipients.
std::string received_field(const Envelope& copy, std::string_view hostname,
                           std::string_view queue_id, std::time_t when);

// RFC 5322 §3.3 date-time in UTC: "Sun, 29 Nov 2026 12:00:00 +0000".
std::string rfc5322_date(std::time_t when);

std::size_t count_received(std::string_view message);

std::string new_queue_id();

}  // namespace sealgate::smtp
