// pipeline/delivery.hpp — the commit half of a mail transaction, as pure decisions.
//
// pipeline.hpp makes the copies of a message; this stage decides everything around handing them
// to the next hop, in the order the daemon meets the decisions:
//
//   RCPT         admit()            accept 250, refuse 550 5.7.1, or 451 (one recipient)
//   end of DATA  hop_limit()        554 5.4.6 for a message that has looped
//                (pipeline.hpp)     plan the copies, render them one by one
//                unrelayed_reply()  a pipeline error before any copy was relayed
//   per copy     copy_envelope()    the envelope the next hop gets for this copy
//                copy_tls()         the TLS level this copy is relayed at
//                (net/relay_client) relay it
//   at the end   fold()             the per-copy results → the one reply to the end of DATA
//                logged_action()    what the mail log says became of each copy
//
// Contract:
//   - Pure functions: no I/O, no clocks, no asio, no logging. app/gateway.cpp runs the loop that
//     calls them (workers, relay clients, the mail log) and answers what they decide.
//   - The 250 rule: fold() answers 250 only when every copy of the plan was relayed
//     and the next hop accepted each of them with all its recipients. Anything else is 4xx
//     (upstream keeps the message and retries: duplicates are acceptable, loss is not), or 5xx
//     when every copy was refused permanently.
//   - Fail closed: "encryption required but not possible" is decided by
//     admissible(), at RCPT and again when the message is planned (the policy may have changed
//     in between); never delivered in clear.
//   - Reply texts are our own: the next hop's text stays in the mail log; a reply carries at most
//     its code and enhanced status.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "core/tls_level.hpp"
#include "model/records.hpp"
#include "policy/policy.hpp"
#include "policy/snapshot.hpp"
#include "smtp/envelope.hpp"
#include "smtp/reply.hpp"

namespace sealgate::pipeline {

// --- RCPT ------------------------------------------------------------------------------------

// "Encryption required but not possible" (policy::decide's Action::refuse: a mandatory domain
// without a usable key) has one answer, wherever it is met: 550 5.7.1 with the policy's public
// text (Treatment::refusal_text) and the detailed reason for the log. A non-empty `recipient`
// prefixes the reason ("bob@b.example: ...") where one error speaks for many recipients.
Error refusal(const policy::Treatment& treatment, std::string_view recipient = {});
// ok for a treatment that delivers (pass, encrypt, decrypt); refusal() for one that refuses.
// admit() asks it at RCPT, pipeline::Pipeline::plan() again for every recipient.
Status admissible(const policy::Treatment& treatment, std::string_view recipient = {});

struct Admission {
    enum class Verdict {
        accept,   // 250 2.1.5
        refuse,   // 550 5.7.1: the mail log records the refusal (direction, reason)
        error,    // the decision failed: its error's reply (451 4.3.0 for a store failure,
                  // 553 for an address form the policy refuses to read), logged
        backlog,  // the mail log cannot keep up: 451 4.3.0, nothing logged (the log is full)
    };
    Verdict verdict = Verdict::accept;
    smtp::Reply reply;                       // what RCPT is answered
    Direction direction = Direction::relay;  // refuse: the recipient's direction (else relay)
    std::string reason;                      // refuse, error: why, for the log only
};

// RCPT TO for one recipient, in this order: a mail log backlog defers every recipient (451 4.3.0
// "Mail log backlog, try again later") without asking the policy; a decision that failed is
// answered with its error's reply (451 4.3.0 for a store failure); a refusal (admissible()) is
// 550 5.7.1 with the refusal text; anything else is 250 2.1.5 Ok.
Admission admit(const policy::Snapshot& snapshot, std::string_view sender,
                std::string_view recipient, bool log_backlog);
// The same for a decision already made (policy::decide in Mode::automatic), without a backlog.
Admission admit(const Result<policy::Treatment>& decision);

// Inbound mail from a sender domain with require-signature true and on-bad-signature refuse
// that has no valid signature of that domain (docs/signing.md): 550 5.7.1 "A valid signature of
// the sending domain is required", the reason (the X-Sealgate-Signature value) for the log.
// Unlike refusal() this is about the message, not a recipient: RCPT could not have known.
Error signature_refusal(std::string reason);

// --- end of DATA -----------------------------------------------------------------------------

// RFC 5321 §6.3: a loop is detected by counting trace fields. A message that already has `limit`
// Received: fields or more (ours would be one more) is refused 554 5.4.6 before anything else,
// with the counts in the reason; nullopt below the limit.
std::optional<Error> hop_limit(std::size_t received_fields, std::size_t limit);

// A pipeline error before any copy was relayed (planning, or rendering the first copy) is
// answered as what it is, with one exception: RCPT accepted these recipients, so an encryption
// refusal decided now (refusal(), 550 5.7.1: the policy changed since, a certificate expired) is
// answered 451 4.7.1, and the retry meets the 550 at RCPT for the refused recipient only
// instead of bouncing every recipient. A signature_refusal() stays 550: the message itself is
// refused, and a retry would meet the same answer.
smtp::Reply unrelayed_reply(const Error& error);
// The mail log's action for the recipients of such a message: deferred for a temporary error,
// rejected for a permanent one (also when unrelayed_reply() makes a 451 of it).
CopyAction unrelayed_action(const Error& error);

// --- per copy --------------------------------------------------------------------------------

// The envelope of one copy: the original's (sender, MAIL parameters, XFORWARD) with the copy's
// recipients only, in the copy's order, each with the parameters it came with (DSN NOTIFY,
// ORCPT); SIZE is dropped, since the copy's size is not the original's. A copy recipient that is
// not in the original envelope is left out (the pipeline makes copies from those recipients).
smtp::Envelope copy_envelope(const smtp::Envelope& original,
                             const std::vector<std::string>& recipients);

struct CopyTls {
    TlsLevel level = TlsLevel::none;
    bool domain_asked = false;  // a recipient's domain raised it above the next hop's level
};

// The TLS level of one copy: the next hop's own level, raised by the `tls` of each recipient's
// domain record (exact name, else the nearest wildcard) whatever the direction: a bounce, a
// forwarded message and a decrypted inbound copy are held to it as much as outbound mail.
CopyTls copy_tls(const policy::Snapshot& snapshot, TlsLevel next_hop,
                 const std::vector<std::string>& recipients);

// What became of one relayed copy (net::RelayResult, reduced to what the reply depends on).
struct CopyResult {
    smtp::Reply reply;              // the final reply for the copy; ours (4.7.5) when tls_refused
    std::size_t recipients = 0;     // in the copy's envelope
    std::size_t accepted = 0;       // of them, accepted by the next hop
    bool tls_refused = false;       // not sent: the copy's TLS level could not be met
    bool domain_asked_tls = false;  // CopyTls::domain_asked

    // Accepted with every recipient: this copy is delivered.
    bool complete() const { return reply.positive() && accepted == recipients; }
};

// The mail log's action for a relayed copy, once `answer` (fold()) is known: what the pipeline
// did to it when the next hop accepted it (some recipients may still have been refused);
// rejected when the next hop refused it with a 5xx and the message is answered 5xx (the sender
// gets the bounce, nothing will retry); deferred otherwise (the sender's MTA retries).
CopyAction logged_action(const CopyResult& result, CopyAction done, const smtp::Reply& answer);

// --- at the end ------------------------------------------------------------------------------

// The reply to the end of DATA. `results` are the copies relayed, in plan order; `planned` is the
// number of copies in the plan: copies missing from the end of `results` were never relayed
// (the next could not be rendered; when the first cannot, unrelayed_reply() answers instead).
//
// The first failure F is made from the first copy that is not complete(): our TLS refusal is
// 451 4.7.5 ("TLS to the next hop is required [for this domain] and was not available"), a copy
// accepted with only some of its recipients 451 4.3.0 ("Next hop refused some recipients"), any
// other copy its reply. A copy that could not be rendered replaces F with 451 4.3.0 ("Not every
// copy could be prepared").
//
//   no F: every planned copy complete()     250 2.0.0 "Ok: <N> copies relayed as <queue_id>"
//   every planned copy refused with a 5xx   F's code and 5.x.x status (else 5.0.0), "Next hop
//                                           refused the message (<code> <status>)"
//   F is one of our own replies above       F as it is
//   otherwise                               451 with F's status when F is a 4xx with a 4.x.x,
//                                           else 4.4.0: "Next hop did not accept the message
//                                           (<code> <status>); try again later"
//
// <code> <status> are F's, without the next hop's text (which goes to the mail log): through a
// loop of gateways a quoted text nested into kilobytes.
smtp::Reply fold(std::span<const CopyResult> results, std::size_t planned,
                 std::string_view queue_id);

}  // namespace sealgate::pipeline
