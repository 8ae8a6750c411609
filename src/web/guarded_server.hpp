// web/guarded_server.hpp — the admin listener's HTTPS server: cpp-httplib's request parsing and
// routing, with TLS and the connection loop of its own so that every connection is bounded.
//
// cpp-httplib 0.11.4 (Debian's) bounds neither what it reads of a request line and headers, nor
// a chunked body, nor the time a client may take (its timeouts are per read), and runs the TLS
// handshake on the same threads with a per-read timeout. Here each connection, on its pool thread:
//   - counts for its client address (IPv4, or the /64 of IPv6), which may have `per_client`
//     connections on threads: beyond that, a new connection ends the client's connection that
//     waits longest for its next request (HTTP lets a server close an idle connection at any
//     time; a browser opens another), or is closed at once when every one is busy (a handshake,
//     a request), so that one source cannot hold every thread;
//   - completes its TLS handshake within `handshake` in total, or is closed;
//   - waits at most `idle` for each request (the first one too), serves at most `max_requests`;
//   - reads each request within `request` from its first byte, at most `max_head` bytes of
//     request line and headers and at most `max_body` bytes of body; a read beyond either fails,
//     httplib answers 400 (or 413) and the connection is closed;
//   - writes each response within `response` from its first byte.
// Before a body is read (a pre-routing handler, as httplib calls it), a request is refused, with
// the API's error form and the connection closed after the answer, when it has a
// Transfer-Encoding (411 `length_required`), a POST, PUT or PATCH without Content-Length (411), a
// Content-Length that is not a number or over `max_body` (400, 413 `too_large`), a
// Content-Encoding (415 `unsupported_media_type`: httplib would inflate it without bound), or a
// Range (416 `range_not_satisfiable`: nothing here is served in parts).
// The server's own handler setters are httplib's; set no pre-routing handler of your own.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <httplib.h>
#include <openssl/ssl.h>

#include "web/reply.hpp"

namespace sealgate::web {

struct EdgeLimits {
    std::size_t max_head = 64 * 1024;
    std::size_t max_body = 1024 * 1024;
    std::size_t max_requests = 100;
    std::size_t per_client = 6;
    std::chrono::seconds handshake{10};
    std::chrono::seconds idle{3};
    std::chrono::seconds request{15};
    std::chrono::seconds response{30};
};

// The refusal of a request by its framing alone (the list above), or nothing.
std::optional<Refusal> framing_refusal(const httplib::Request& request, std::size_t max_body);

class GuardedServer : public httplib::Server {
  public:
    // setup_tls configures a fresh SSL_CTX (certificate, key, protocol versions).
    GuardedServer(const std::function<bool(SSL_CTX&)>& setup_tls, const EdgeLimits& limits);
    ~GuardedServer() override;
    GuardedServer(const GuardedServer&) = delete;
    GuardedServer& operator=(const GuardedServer&) = delete;

    bool is_valid() const override;
    // A new certificate for the connections accepted from now on; those in progress keep the
    // one they started with (each holds a reference to its SSL_CTX). setup_tls configures a
    // fresh SSL_CTX; false when it fails, and the server keeps the one it has.
    bool replace_tls(const std::function<bool(SSL_CTX&)>& setup_tls);
    // httplib listens with a backlog of 5 (CPPHTTPLIB_LISTEN_BACKLOG, fixed when Debian built
    // it): a browser's burst of connections would lose SYNs and wait a second for the retry.
    // listen() on a listening socket sets a new backlog (Linux).
    bool set_backlog(int backlog);

  private:
    bool process_and_close_socket(socket_t sock) override;
    struct Idle {
        int fd;
        bool ended = false;  // by take_slot, for a newer connection of its client
    };
    struct Client {
        std::size_t connections = 0;
        std::vector<Idle*> idle;  // oldest first
    };
    bool serve(SSL& ssl, int fd, const std::string& client);
    bool take_slot(const std::string& client);
    void release_slot(const std::string& client);
    // Between requests: waits for the next one; false when it does not come or take_slot ended
    // the connection.
    bool wait_for_request(SSL& ssl, int fd, const std::string& client);

    struct FreeCtx {
        void operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }
    };
    using CtxPtr = std::unique_ptr<SSL_CTX, FreeCtx>;
    static CtxPtr make_ctx(const std::function<bool(SSL_CTX&)>& setup_tls);
    mutable std::mutex ctx_mutex_;  // guards ctx_: replace_tls runs on the reloading thread
    CtxPtr ctx_;
    const EdgeLimits limits_;
    std::mutex clients_mutex_;
    std::map<std::string, Client> clients_;  // by client key
};

}  // namespace sealgate::web
