// smtp/session.hpp — the ESMTP server side as a pure state machine (no sockets, no clocks).
//
// The network layer feeds bytes exactly as they arrive (any chunking, pipelined commands) and
// events (TLS up, delivery finished, timeout, shutdown); the session answers with a list of
// Actions to perform in order: send a reply, deliver a completed message, start TLS, close.
//
// Contract:
//  - Commands are dispatched through one table (verb → handler), OpenSMTPD style. Supported:
//    EHLO HELO MAIL RCPT DATA RSET NOOP QUIT VRFY HELP STARTTLS XFORWARD. EHLO offers
//    PIPELINING, SIZE, 8BITMIME, ENHANCEDSTATUSCODES, SMTPUTF8, DSN, STARTTLS (only when TLS is
//    configured and not yet active) and XFORWARD (when enabled).
//  - Command lines end in CRLF; a bare LF is tolerated on command lines. A line longer than
//    limits.max_line (including CRLF) is discarded up to its end and answered 500 5.5.2.
//  - DATA ends only at CRLF "." CRLF: "<LF>.<CRLF>" and "<CR>.<CRLF>" are data. Leading dots
//    are unstuffed (RFC 5321 §4.5.2). A bare LF or a bare CR anywhere in DATA is REFUSED: the
//    data is read to its real end, answered 550 5.6.0, never delivered, and the connection is
//    closed, so that nothing a client sent after what it may have meant as the end runs as a
//    command (SMTP smuggling). Postfix (our intended client) always sends CRLF; RFC 5321 §2.3.8
//    forbids bare CR and LF.
//  - MAIL and RCPT paths are parsed by the grammar (address/address.hpp): a path that is not
//    one (a comment, a quoted domain, an empty label, ...) gets 501 5.1.7 (MAIL) or 501 5.1.3
//    (RCPT) and never reaches the Policy. A source route is dropped; "<postmaster>" is taken
//    as it is (RFC 5321 §4.5.1).
//  - Size: a declared SIZE= above limits.max_message_size gets 552 5.3.4 at MAIL; data above the
//    limit (the unstuffed bytes, line ends included) is read and discarded to the end of DATA,
//    then answered 552 5.3.4. Exactly max_message_size bytes are accepted.
//  - RCPT: syntax first, then limits.max_recipients (452 4.5.3), then Policy::check_recipient;
//    its reply goes to the client unchanged and only a 2xx adds the recipient.
//  - End of DATA emits Deliver and the session waits: further input is buffered, not read, until
//    delivered(reply) is called with the final reply. The session never invents a 250 for DATA.
//  - STARTTLS: 220, then StartTls; bytes pipelined after the STARTTLS line are an injection
//    attempt (RFC 3207 §6, CVE-2011-0411): answered 554 5.5.1 and the session closes instead.
//    After tls_started() everything learned before is forgotten: EHLO is required again.
//  - Errors: 500 5.5.1 unknown command, 500 5.5.2 line too long, 501 5.5.4 / 5.1.x syntax,
//    502 5.5.1 STARTTLS without TLS configured, 503 5.5.1 bad sequence, 504 5.5.4 unsupported
//    parameter value, 555 5.5.4 unknown MAIL/RCPT parameter (RFC 5321 §4.1.1.11). Every error
//    reply counts; after limits.max_bad_commands of them: 421 4.7.0 and close.
//  - Junk: NOOP, RSET, VRFY, HELP and error replies count as junk; after
//    limits.max_junk_commands of them without a message delivered in between: 421 4.7.0 and
//    close. A finished delivery starts the count again (a kept connection says RSET between
//    messages).
//  - Memory: with a DataBudget (smtp/budget.hpp), the data a session keeps is taken from it.
//    DATA while too little of it is free (DataBudget::may_start, with the declared SIZE) gets
//    452 4.3.1; a message that would exceed it is read to
//    its end, discarded and answered 452 4.3.1. The budget is given back when the transaction
//    ends, and at Deliver (the network layer accounts for the message while it is delivered).
//  - A refused client (Config::refuse set, e.g. not in the permitted networks) is greeted with
//    that reply and, as RFC 5321 §3.1 demands, gets 503 to everything but QUIT.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "smtp/budget.hpp"
#include "smtp/envelope.hpp"
#include "smtp/reply.hpp"

namespace sealgate::smtp {

struct Limits {
    std::size_t max_line = 512;  // RFC 5321 §4.5.3.1.4, CRLF included
    std::uint64_t max_message_size = 50 * 1024 * 1024;
    std::size_t max_recipients = 1000;
    unsigned max_bad_commands = 20;
    // NOOP, RSET, VRFY, HELP and errors between two messages (Postfix's
    // smtpd_junk_command_limit): a client that only keeps its connection busy loses it.
    unsigned max_junk_commands = 100;
};

struct SessionConfig {
    std::string hostname = "localhost";
    Limits limits;
    bool tls_available = false;  // a TLS context is configured: offer STARTTLS
    bool xforward = true;        // offer and accept Postfix XFORWARD
};

// Asked at RCPT time whether a recipient is accepted (e.g. 550 5.7.1 for a mandatory-encryption
// domain without a key, 451 4.3.0 when the store fails). Called on the session's thread.
class Policy {
  public:
    virtual ~Policy() = default;
    virtual Reply check_recipient(const Envelope& envelope, const Recipient& recipient) = 0;
};

namespace action {
struct Send {
    Reply reply;
};
struct Deliver {
    Envelope envelope;
    std::string data;  // unstuffed message, CRLF line ends, without the final ".\r\n"
};
struct StartTls {};
struct Close {};
}  // namespace action

using Action = std::variant<action::Send, action::Deliver, action::StartTls, action::Close>;
using Actions = std::vector<Action>;

class Session {
  public:
    // client_address is recorded in every envelope; refuse, when set, is the greeting that
    // refuses the client (e.g. 554 5.7.1).
    Session(SessionConfig config, Policy& policy, std::string client_address,
            std::optional<Reply> refuse = std::nullopt, DataBudget* budget = nullptr);
    ~Session();
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    Actions start();  // the greeting
    Actions receive(std::string_view bytes);
    Actions delivered(const Reply& reply);  // the final answer to the DATA last delivered
    Actions tls_started();                  // the TLS handshake after StartTls succeeded
    Actions timeout();                      // 421 4.4.2 and close
    // A deadline of the network layer passed (what: "session", "DATA"): 421 4.4.2 and close.
    Actions time_limit(std::string_view what);
    Actions shutdown();  // 421 4.3.2 and close

    bool closed() const { return state_ == State::Closed; }
    bool in_data() const { return state_ == State::Data; }
    bool delivering() const { return state_ == State::Delivering; }
    // Nothing in progress that a shutdown would cut: not in DATA, not delivering.
    bool idle() const { return !in_data() && !delivering() && state_ != State::TlsPending; }
    bool tls() const { return tls_; }
    // Received bytes not yet processed (a partial line, or input held while delivering).
    std::size_t buffered() const { return buffer_.size(); }

  private:
    enum class State { Fresh, Ready, Mail, Data, Delivering, TlsPending, Closed };
    using Handler = void (Session::*)(std::string_view args, Actions& out);
    struct Command {
        std::string_view verb;
        Handler handler;
    };
    static const Command kCommands[];

    void process(Actions& out);
    bool process_command_line(Actions& out);
    bool process_data(Actions& out);
    void append_data(std::string_view fragment);
    void end_of_data(Actions& out);
    void dispatch(std::string_view line, Actions& out);
    void reply(Actions& out, int code, std::string status, std::string_view text);
    void error(Actions& out, int code, std::string status, std::string_view text);
    void junk(Actions& out);
    void release_data();
    void close(Actions& out, int code, std::string status, std::string_view text);
    void reset_transaction();
    bool params_allowed() const { return envelope_.esmtp; }

    void cmd_helo(std::string_view args, Actions& out);
    void cmd_ehlo(std::string_view args, Actions& out);
    void cmd_mail(std::string_view args, Actions& out);
    void cmd_rcpt(std::string_view args, Actions& out);
    void cmd_data(std::string_view args, Actions& out);
    void cmd_rset(std::string_view args, Actions& out);
    void cmd_noop(std::string_view args, Actions& out);
    void cmd_quit(std::string_view args, Actions& out);
    void cmd_vrfy(std::string_view args, Actions& out);
    void cmd_help(std::string_view args, Actions& out);
    void cmd_starttls(std::string_view args, Actions& out);
    void cmd_xforward(std::string_view args, Actions& out);

    const SessionConfig config_;
    Policy& policy_;
    const std::string client_address_;
    const std::optional<Reply> refuse_;
    DataBudget* const budget_;

    State state_ = State::Fresh;
    bool tls_ = false;
    std::string buffer_;  // received, not yet processed from pos_ on
    std::size_t pos_ = 0;
    bool discarding_line_ = false;
    unsigned bad_commands_ = 0;
    unsigned junk_commands_ = 0;

    Envelope envelope_;
    bool rcpt_attempted_ = false;
    std::string data_;
    std::uint64_t data_size_ = 0;
    bool data_line_start_ = true;    // at the start of a line (for dot-unstuffing)
    bool data_after_crlf_ = true;    // the previous line ended in CRLF (or DATA just began)
    bool data_bad_newline_ = false;  // a bare LF or bare CR was seen
    bool data_over_budget_ = false;  // the DataBudget ran out: discarding to the end
    std::uint64_t reserved_ = 0;     // bytes of data_'s capacity taken from the budget
};

}  // namespace sealgate::smtp
