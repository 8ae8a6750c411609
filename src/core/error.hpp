// core/error.hpp — the error value of the mail path.
//
// An Error knows how it is answered in SMTP (reply code, enhanced status code, public text) and
// why it happened (internal reason, for the log and the CLI). Whether it is temporary follows from
// the reply code: 4xx tells the client to keep the message and retry, 5xx is a permanent refusal.
// Expected failures travel as values (see result.hpp); bugs crash.
#pragma once

#include <string>

namespace sealgate {

struct Error {
    int code = 451;                // SMTP reply code
    std::string status = "4.3.0";  // RFC 3463 enhanced status code
    std::string public_text = "Temporary local problem, try again later";
    std::string reason;  // internal detail: log and CLI only

    bool temporary() const { return code >= 400 && code < 500; }

    // A temporary local failure (store, crypto library, I/O): 451 4.3.0.
    static Error temp(std::string reason);
    // A temporary failure with a specific enhanced code and public text.
    static Error temp(std::string status, std::string public_text, std::string reason);
    // A permanent policy refusal: 550 (or the given code) with the public text.
    static Error perm(int code, std::string status, std::string public_text, std::string reason);
    // Malformed input data (message, certificate, key file): 554 5.6.0.
    static Error bad_input(std::string reason);
    // A usage or configuration mistake on the command line: not an SMTP matter.
    static Error usage(std::string reason);

    // Prefix the reason with context ("cert import: ...") and return the error.
    Error&& with_context(std::string_view context) &&;

    // "451 4.3.0 public text" — the SMTP reply line without CRLF.
    std::string reply() const;
};

}  // namespace sealgate
