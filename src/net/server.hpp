// net/server.hpp — the SMTP listener: sockets, timeouts and TLS around smtp::Session.
//
// One io_context, one coroutine per connection; all protocol decisions are the Session's.
// Contract:
//  - listen() binds HOST:PORT (port 0 picks a free port: see port()); start() accepts.
//  - At most max_connections sessions of permitted clients; a connection beyond that gets
//    421 4.3.2 and is closed at once. At most max_connections_per_ip of them from one address;
//    beyond that 421 4.7.0.
//  - Relay permission is decided at connect: a client outside `permitted` (default: loopback
//    only) is greeted 554 5.7.1 and gets 503 to everything but QUIT (RFC 5321 §3.1), and its
//    connection is closed after refused_deadline (421 4.4.2) if it has not said QUIT by then.
//    Refused clients do not take the slots of permitted ones; at most max_connections of them
//    are kept at a time, those beyond are closed without a word. sealgate is a content filter:
//    only its own MTA should ever talk to it, so refusing early is clearest.
//  - Timeouts: command_timeout while waiting for a command, data_timeout for each read inside
//    DATA; when one passes the client gets 421 4.4.2 and the connection closes. Deadlines,
//    however active the client: session_deadline for the whole connection, data_deadline for
//    one DATA phase (421 4.4.2 "... time limit exceeded"). A delivery in progress is never cut.
//  - Memory: the DATA that all sessions hold, and every message being delivered, is taken from
//    one smtp::DataBudget of max_buffered_bytes (see smtp/budget.hpp): beyond it, 452 4.3.1.
//  - Descriptors: listen() makes sure the process may open what max_connections needs (it
//    raises the soft RLIMIT_NOFILE, or refuses to start, naming both numbers). When accept()
//    fails for want of descriptors anyway, the listener answers the waiting client 421 4.3.2
//    with a descriptor kept in reserve for that, and pauses accepting briefly instead of
//    spinning.
//  - On a Deliver action the connection co_awaits MessageHandler::deliver() and sends its reply
//    (the session never sends 250 by itself). A client that disconnects before the end of DATA
//    causes no delivery. An exception escaping the handler is answered 451 4.3.0.
//  - STARTTLS is offered when a TLS context is configured.
//  - stop(): stop accepting; idle sessions get 421 4.3.2 at once; sessions inside DATA or a
//    delivery finish their transaction first (then 421), for at most shutdown_grace. Then every
//    session still reading from its client (a DATA that has not ended) gets 421 4.3.2 and is
//    closed; a delivery to the next hop in progress is never cut (its client gets the reply
//    the next hop's answer makes: cutting it could only turn a 250 into a duplicate), and ends
//    within the relay's own timeouts; a client that does not take its 421 within cut_grace is
//    closed. stop() completes when every connection is gone.
//  - reconfigure() (SIGHUP): new settings for the connections accepted from then on (session
//    limits and hostname, timeouts, deadlines, connection limits, permitted networks, the
//    STARTTLS certificate); a session in progress keeps those it started with, except the
//    timeouts of its next reads. The address, the port and the DataBudget stay.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include <asio/awaitable.hpp>
#include <asio/io_context.hpp>
#include <asio/ssl/context.hpp>

#include "core/result.hpp"
#include "net/networks.hpp"
#include "smtp/session.hpp"

namespace sealgate::net {

// What the application plugs in: the RCPT-time policy and the delivery of a complete message.
// deliver() returns the final reply to the end of DATA: 250 only once every copy is accepted
// by the next hop, 4xx/5xx otherwise (the 250 rule). Both run on the io_context's thread.
class MessageHandler : public smtp::Policy {
  public:
    virtual asio::awaitable<smtp::Reply> deliver(smtp::Envelope envelope, std::string data) = 0;
};

struct ServerConfig {
    std::string host = "127.0.0.1";
    std::uint16_t port = 10025;
    std::size_t max_connections = 100;
    std::size_t max_connections_per_ip = 50;
    std::chrono::milliseconds command_timeout = std::chrono::minutes(5);
    std::chrono::milliseconds data_timeout = std::chrono::minutes(10);
    std::chrono::milliseconds session_deadline = std::chrono::hours(1);
    std::chrono::milliseconds data_deadline = std::chrono::minutes(30);
    std::chrono::milliseconds refused_deadline = std::chrono::seconds(5);
    std::uint64_t max_buffered_bytes = std::uint64_t{1} << 30;
    std::chrono::milliseconds tls_timeout = std::chrono::minutes(1);
    std::chrono::milliseconds shutdown_grace = std::chrono::seconds(30);
    std::chrono::milliseconds cut_grace = std::chrono::seconds(5);
    smtp::SessionConfig session;              // tls_available follows `tls`
    std::shared_ptr<asio::ssl::context> tls;  // STARTTLS offered when set
    NetworkList permitted = NetworkList::loopback();
};

class Server {
  public:
    // Bind and listen; an error when the address cannot be bound.
    static Result<std::unique_ptr<Server>> listen(asio::io_context& io, ServerConfig config,
                                                  MessageHandler& handler);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    std::uint16_t port() const;
    void start();
    asio::awaitable<void> stop();
    // On the io_context's thread. host, port and max_buffered_bytes of `config` are ignored.
    void reconfigure(ServerConfig config);

    std::size_t active_connections() const;    // permitted and refused clients
    std::size_t accepted_connections() const;  // since start, refused ones included
    std::uint64_t buffered_bytes() const;      // taken from the DataBudget now
    // File descriptors that max_connections needs: a client and a next-hop connection per
    // session, refused clients, the kept next-hop connections and the store.
    static std::uint64_t descriptors_needed(std::size_t max_connections);

    // Opaque state, shared with the connection coroutines so that it outlives a Server
    // destroyed while they finish. Only listen() makes one.
    struct Impl;
    explicit Server(std::shared_ptr<Impl> impl);

  private:
    std::shared_ptr<Impl> impl_;
};

}  // namespace sealgate::net
