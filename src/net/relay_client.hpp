// net/relay_client.hpp — SMTP client to one next hop, with kept-alive connections.
//
// send() delivers one copy (envelope + message data) and answers with the final reply and one
// reply per recipient. Contract:
//  - accepted() only when the reply to the end of DATA was 2xx. Refused recipients are reported
//    per recipient; when every recipient was refused the result carries a recipient's reply
//    (a temporary one if there was any).
//  - Every failure of the connection itself (resolve, connect refused, timeout, TLS failure,
//    malformed reply, connection lost mid-DATA) is a 4xx result, never 2xx, never 5xx:
//    the upstream MTA keeps the message and retries.
//  - Connections are reused: after a transaction the connection goes back to a small pool
//    (max_idle) and the next send() starts its transaction on it at once (no RSET round
//    trip). When a kept connection turns out to be closed (the server's idle timeout: the
//    connection is lost, or 421, before the first command is answered) nothing was accepted,
//    and the transaction starts again on another kept connection or a new one. Concurrent
//    send()s use separate connections.
//  - TLS at the configured level (core/tls_level.hpp): none never says STARTTLS; may uses it
//    when offered; encrypt and verify demand it, and verify accepts the certificate only when
//    OpenSSL verified its chain to the CA file (or the system store) and its name (tls_server_name,
//    else host), or when its SHA-256 is one of tls_fingerprints. A requirement that is not met
//    (no STARTTLS, STARTTLS refused, failed handshake, certificate not verified) is our refusal
//    to send: 451 4.7.5 with tls_refused set and the reason; nothing of the message was sent. A
//    failed handshake is never retried in plain text. Every result says what the connection
//    was (tls: protocol, cipher, peer certificate fingerprint, verified), for the mail log.
//  - MAIL/RCPT/DATA (and XFORWARD) are sent in one write when PIPELINING is offered
//    (RFC 2920). Parameters travel only when offered: SIZE, BODY, SMTPUTF8, DSN's RET/ENVID/
//    NOTIFY/ORCPT, XFORWARD attributes. Data is dot-stuffed; 8-bit data is sent as is even when
//    8BITMIME is not offered (no downgrade: byte-exactness, docs/architecture.md).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/ssl/context.hpp>

#include "core/result.hpp"
#include "core/tls_level.hpp"
#include "net/tls.hpp"
#include "smtp/envelope.hpp"
#include "smtp/reply.hpp"

namespace sealgate::net {

struct RelayConfig {
    std::string host = "127.0.0.1";
    std::uint16_t port = 10026;
    std::string helo_name = "localhost";
    TlsLevel tls = TlsLevel::may;
    // null: make_client_tls() with the system CA store (net/tls.hpp).
    std::shared_ptr<asio::ssl::context> tls_context;
    // SNI and the name a verified certificate must match; empty: host (SNI only for a name,
    // not for an IP address).
    std::string tls_server_name;
    // TlsLevel::verify: SHA-256 fingerprints (lower-case hex) of next-hop certificates accepted
    // without a verified chain.
    std::vector<std::string> tls_fingerprints;
    std::chrono::milliseconds connect_timeout = std::chrono::seconds(30);
    std::chrono::milliseconds command_timeout = std::chrono::minutes(5);
    std::chrono::milliseconds data_timeout = std::chrono::minutes(10);
    // Kept connections. A new one is opened only when every kept one is busy, so this bounds
    // what stays open after a burst, not the concurrency. Postfix delivers to a content filter
    // with up to 20 connections (default_destination_concurrency_limit); with fewer kept, a
    // steady load of that many closes and reopens connections to the reinjection smtpd.
    std::size_t max_idle = 20;
};

struct RelayResult {
    smtp::Reply reply;                    // the final answer for this copy
    std::vector<smtp::Reply> recipients;  // one per envelope recipient, in order
    std::string reason;                   // why a local failure happened: for the log only
    TlsSession tls;                       // the connection the copy went over (or was refused on)
    bool tls_refused = false;             // we did not send: the TLS requirement was not met

    bool accepted() const { return reply.positive(); }
    std::size_t accepted_recipients() const;
};

class RelayClient {
  public:
    RelayClient(asio::any_io_executor executor, RelayConfig config);
    ~RelayClient();
    RelayClient(const RelayClient&) = delete;
    RelayClient& operator=(const RelayClient&) = delete;

    // `trace` (header fields ending in CRLF, e.g. our Received: field) goes out in front of
    // `data` without copying the message; both must outlive the call.
    asio::awaitable<RelayResult> send(const smtp::Envelope& envelope, std::string_view data,
                                      std::string_view trace = {});

    // Say QUIT on and close the pooled connections.
    asio::awaitable<void> close_idle();

    std::size_t connections_opened() const { return opened_; }
    std::size_t idle_connections() const { return idle_.size(); }

    struct Connection;

  private:
    std::unique_ptr<Connection> take_idle();
    // `tls` and `tls_refused` say what the connection turned out to be, also when it failed.
    asio::awaitable<Result<std::unique_ptr<Connection>>> open(TlsSession& tls, bool& tls_refused);

    asio::any_io_executor executor_;
    RelayConfig config_;
    std::vector<std::unique_ptr<Connection>> idle_;
    std::size_t opened_ = 0;
};

}  // namespace sealgate::net
