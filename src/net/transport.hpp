// net/transport.hpp — one TCP connection, plain or upgraded to TLS in place (STARTTLS).
//
// The thin byte pipe under both the server sessions and the relay client: read what is there,
// write everything, upgrade to TLS, each with a deadline. Failures are returned as
// asio::error_code (never thrown); a deadline that passes yields asio::error::timed_out.
// cancel() makes a pending operation finish with operation_aborted (used by graceful stop).
// Always owned by a shared_ptr: the deadline timer's handler holds a weak reference.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include <asio.hpp>
#include <asio/ssl.hpp>

#include "net/tls.hpp"

namespace sealgate::net {

class Transport : public std::enable_shared_from_this<Transport> {
  public:
    using Clock = std::chrono::steady_clock;

    // A connection accepted from `remote_address` (what accept() said: no getpeername()).
    static std::shared_ptr<Transport> accepted(asio::ip::tcp::socket socket,
                                               std::string remote_address);
    // An unconnected transport for connect().
    static std::shared_ptr<Transport> client(const asio::any_io_executor& executor);

    asio::awaitable<asio::error_code> connect(const std::string& host, std::uint16_t port,
                                              std::chrono::milliseconds timeout);
    // Append whatever arrives (at least one byte) to out.
    asio::awaitable<asio::error_code> read_some(std::string& out,
                                                std::chrono::milliseconds timeout);
    asio::awaitable<asio::error_code> write(std::string_view data,
                                            std::chrono::milliseconds timeout);
    // The pieces in order, as one gather write (nothing is copied into one buffer).
    asio::awaitable<asio::error_code> write(std::span<const std::string_view> pieces,
                                            std::chrono::milliseconds timeout);
    // Upgrade to TLS. For a client, server_name (when not empty) is sent as SNI, and
    // verify_name (when not empty) is the name the certificate is checked against (the result
    // is in tls_session().verify_result; see net/tls.hpp).
    asio::awaitable<asio::error_code> handshake(asio::ssl::context& context,
                                                asio::ssl::stream_base::handshake_type type,
                                                std::chrono::milliseconds timeout,
                                                const std::string& server_name = {},
                                                const std::string& verify_name = {});

    void cancel();
    void close();
    bool is_open() const;
    bool tls() const { return tls_ != nullptr; }
    // Protocol, cipher and peer certificate of the TLS session; inactive in clear.
    TlsSession tls_session() const;
    const std::string& remote_address() const { return remote_address_; }

    Transport(asio::ip::tcp::socket socket, std::string remote_address);

  private:
    asio::ip::tcp::socket& lowest();
    const asio::ip::tcp::socket& lowest() const;
    void arm(std::chrono::milliseconds timeout);
    asio::error_code disarm(asio::error_code ec);

    asio::ip::tcp::socket plain_;
    std::unique_ptr<asio::ssl::stream<asio::ip::tcp::socket>> tls_;
    asio::steady_timer timer_;
    std::uint64_t generation_ = 0;  // which operation the armed deadline belongs to
    bool timed_out_ = false;
    std::string remote_address_;
    std::array<char, 16 * 1024> buffer_{};
};

}  // namespace sealgate::net
