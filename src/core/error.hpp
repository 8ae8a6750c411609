// core/error.hpp — the error value of every interface: a kind, a reason and, on the mail path,
// the SMTP reply.
//
// An Error carries
//   kind    what went wrong, in terms every interface understands (ErrorKind below); each
//           interface maps it to its own form: the CLI to an exit status (app/exit_code.hpp), a
//           REST API to an HTTP status (the table below), the daemon to an SMTP reply;
//   reason  the internal detail, for the log and the CLI's one line on stderr;
//   code, status, public_text  the SMTP reply (reply code, RFC 3463 enhanced status code,
//           public text). They are chosen only by the SMTP constructors (temp, perm, bad_input);
//           an administrator's error (not_found, conflict, needs_force, ambiguous, unusable,
//           internal) has no SMTP reply of its own, and should one ever reach an SMTP client (a
//           bug) it is answered with the defaults below, 451 4.3.0: fail closed, the client keeps
//           the mail.
// Expected failures travel as values (see result.hpp); bugs crash.
//
// The kinds and how each interface answers them:
//
//   kind        meaning                                        CLI exit  HTTP  SMTP
//   ----------  ---------------------------------------------  --------  ----  ------------------
//   bad_input   malformed data: a message, certificate, key     1         400   554 5.6.0 (or the
//               file or CRL; a value that is not what it must              perm() reply: 5.1.x,
//               be (a domain name, a thumbprint)                           5.3.4, 5.5.x, 5.6.x)
//   usage       a command-line or configuration mistake         1         400   500 5.5.2
//   not_found   no such domain, certificate, key, CTL entry     1         404   (451 4.3.0)
//   conflict    exists already / bound already / not bound      1         409   (451 4.3.0)
//   needs_force a change the administrator's rules refuse       1         409   (451 4.3.0)
//               unless insisted on; the reason says why, each
//               interface how to insist (--force, ?force=true)
//   ambiguous   a thumbprint or fingerprint prefix that         1         409   (451 4.3.0)
//               matches several
//   unusable    a certificate or key that cannot be used for    1         422   550 5.7.x (perm()
//               what was asked (or a 5.7.x policy refusal)                 with a 5.7.x status)
//   temporary   store, crypto library, I/O, next hop: try       75        503   4xx (451 4.3.0)
//               again later
//   internal    a broken invariant (a bug): not produced today  70        500   451 4.3.0
//
// CLI exit statuses outside this table: 0 success, 2 no command, CLI11's own codes for a
// command line it cannot parse, 1 for an exception at start-up (main.cpp). 75 is EX_TEMPFAIL
// and 70 EX_SOFTWARE (sysexits.h).
#pragma once

#include <string>
#include <string_view>

namespace sealgate {

enum class ErrorKind {
    bad_input,
    usage,
    not_found,
    conflict,
    needs_force,
    ambiguous,
    unusable,
    temporary,
    internal,
};

std::string_view to_string(ErrorKind kind);

struct Error {
    int code = 451;                // SMTP reply code
    std::string status = "4.3.0";  // RFC 3463 enhanced status code
    std::string public_text = "Temporary local problem, try again later";
    std::string reason;  // internal detail: log and CLI only
    ErrorKind kind = ErrorKind::temporary;

    // Worth trying again: a temporary error (or a bug, which an upgrade may fix). On the mail
    // path these are exactly the 4xx replies: the client keeps the message and retries.
    bool temporary() const { return kind == ErrorKind::temporary || kind == ErrorKind::internal; }

    // A temporary local failure (store, crypto library, I/O): 451 4.3.0.
    static Error temp(std::string reason);
    // A temporary failure with a specific enhanced code and public text.
    static Error temp(std::string status, std::string public_text, std::string reason);
    // An SMTP reply with the public text: a 4xx code is temporary; a 5xx code a permanent
    // refusal, of kind unusable for a security or policy status (5.7.x, RFC 3463 §3.8), else
    // bad_input (the address, the message, the protocol).
    static Error perm(int code, std::string status, std::string public_text, std::string reason);
    // Malformed input data (message, certificate, key file): 554 5.6.0.
    static Error bad_input(std::string reason);
    // A usage or configuration mistake on the command line: 500 5.5.2, should it reach SMTP.
    static Error usage(std::string reason);

    // The administrator's errors: not SMTP matters (see the table above).
    static Error not_found(std::string reason);
    static Error conflict(std::string reason);
    static Error needs_force(std::string reason);
    static Error ambiguous(std::string reason);
    static Error unusable(std::string reason);
    static Error internal(std::string reason);

    // Prefix the reason with context ("cert import: ...") and return the error.
    Error&& with_context(std::string_view context) &&;

    // "451 4.3.0 public text" — the SMTP reply line without CRLF.
    std::string reply() const;
};

}  // namespace sealgate
