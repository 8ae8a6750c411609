// smtp/client_protocol.hpp — the client half of SMTP, as pure functions for the relay client.
//
// ReplyParser turns received bytes (any chunking) into Replies, joining multi-line replies
// (RFC 5321 §4.2.1) and splitting off the RFC 2034 enhanced status code when the first line
// carries one whose class matches the reply code. parse_ehlo() reads the capabilities the relay
// client acts on. The format_* functions produce command lines with CRLF; they pass on only what
// the server offered (RFC 1869: never send a parameter the server did not announce).
// dot_stuff() prepares message data for the wire (RFC 5321 §4.5.2) and ends it with ".\r\n",
// as pieces to write in order (views of the data and of static strings: the message is not
// copied).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "smtp/envelope.hpp"
#include "smtp/reply.hpp"

namespace sealgate::smtp {

// A reply line longer than max_line, a reply (all its lines) longer than max_reply, and a code
// outside RFC 5321 §4.2's 2yz–5yz with a second digit 0–5 are malformed: a next hop cannot make
// the parser buffer without bound, and nothing but a real SMTP reply reaches the relay's logic.
class ReplyParser {
  public:
    explicit ReplyParser(std::size_t max_line = 4096, std::size_t max_reply = 64 * 1024)
        : max_line_(max_line), max_reply_(max_reply) {}

    void feed(std::string_view bytes) { buffer_.append(bytes); }
    // A complete reply, nullopt when more bytes are needed, or an error for malformed input
    // (the connection is then unusable).
    Result<std::optional<Reply>> next();
    bool empty() const { return buffer_.empty(); }

  private:
    std::size_t max_line_;
    std::size_t max_reply_;
    std::string buffer_;
};

struct Capabilities {
    bool pipelining = false;
    bool starttls = false;
    bool eightbitmime = false;
    bool smtputf8 = false;
    bool dsn = false;
    bool enhanced_status_codes = false;
    std::optional<std::uint64_t> size;  // SIZE limit; 0 means "no fixed limit"
    std::vector<std::string> xforward;  // attribute names offered, upper case
    bool xforward_offers(std::string_view name) const;
};

// Capabilities from a 250 EHLO reply (the first line is the server's greeting, not a keyword).
Capabilities parse_ehlo(const Reply& ehlo);

std::string format_ehlo(std::string_view hostname);
std::string format_helo(std::string_view hostname);
// "MAIL FROM:<sender> [SIZE=n] [BODY=8BITMIME] [SMTPUTF8] [RET=] [ENVID=]\r\n"; size is the
// size of the data actually sent.
std::string format_mail(const Envelope& envelope, const Capabilities& caps, std::uint64_t size);
std::string format_rcpt(const Recipient& recipient, const Capabilities& caps);
// The XFORWARD lines for the attributes the server offers (empty when none), each within the
// 512-byte command limit.
std::vector<std::string> format_xforward(const Envelope& envelope, const Capabilities& caps);

// RFC 5321 §4.5.2 transparency: prefix lines starting with '.', make sure the data ends with
// CRLF, append ".\r\n". The pieces refer to `data`, which must outlive them.
std::vector<std::string_view> dot_stuff(std::string_view data);

}  // namespace sealgate::smtp
