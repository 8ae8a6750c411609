#include "net/transport.hpp"

#include <openssl/ssl.h>

namespace sealgate::net {

std::shared_ptr<Transport> Transport::accepted(asio::ip::tcp::socket socket,
                                               std::string remote_address) {
    return std::make_shared<Transport>(std::move(socket), std::move(remote_address));
}

std::shared_ptr<Transport> Transport::client(const asio::any_io_executor& executor) {
    return std::make_shared<Transport>(asio::ip::tcp::socket(executor), std::string());
}

Transport::Transport(asio::ip::tcp::socket socket, std::string remote_address)
    : plain_(std::move(socket)),
      timer_(plain_.get_executor()),
      remote_address_(std::move(remote_address)) {
    asio::error_code ec;
    if (plain_.is_open())
        plain_.set_option(asio::ip::tcp::no_delay(true), ec);
}

asio::ip::tcp::socket& Transport::lowest() {
    return tls_ ? tls_->next_layer() : plain_;
}

const asio::ip::tcp::socket& Transport::lowest() const {
    return tls_ ? tls_->next_layer() : plain_;
}

void Transport::arm(std::chrono::milliseconds timeout) {
    const std::uint64_t generation = ++generation_;
    timed_out_ = false;
    timer_.expires_after(timeout);
    timer_.async_wait([weak = weak_from_this(), generation](const asio::error_code& ec) {
        if (ec)
            return;
        const auto self = weak.lock();
        if (!self || self->generation_ != generation)
            return;  // a later operation owns it
        self->timed_out_ = true;
        asio::error_code ignored;
        self->lowest().cancel(ignored);
    });
}

asio::error_code Transport::disarm(asio::error_code ec) {
    ++generation_;
    timer_.cancel();
    if (timed_out_)
        return asio::error::timed_out;
    return ec;
}

asio::awaitable<asio::error_code> Transport::connect(const std::string& host, std::uint16_t port,
                                                     std::chrono::milliseconds timeout) {
    asio::error_code ec;
    asio::ip::tcp::resolver resolver(plain_.get_executor());
    auto endpoints = co_await resolver.async_resolve(host, std::to_string(port),
                                                     asio::redirect_error(asio::use_awaitable, ec));
    if (ec)
        co_return ec;
    arm(timeout);
    co_await asio::async_connect(plain_, endpoints, asio::redirect_error(asio::use_awaitable, ec));
    ec = disarm(ec);
    if (ec)
        co_return ec;
    asio::error_code ignored;
    plain_.set_option(asio::ip::tcp::no_delay(true), ignored);
    const auto endpoint = plain_.remote_endpoint(ignored);
    if (!ignored)
        remote_address_ = endpoint.address().to_string();
    co_return ec;
}

asio::awaitable<asio::error_code> Transport::read_some(std::string& out,
                                                       std::chrono::milliseconds timeout) {
    asio::error_code ec;
    arm(timeout);
    std::size_t n = 0;
    if (tls_) {
        n = co_await tls_->async_read_some(asio::buffer(buffer_),
                                           asio::redirect_error(asio::use_awaitable, ec));
    } else {
        n = co_await plain_.async_read_some(asio::buffer(buffer_),
                                            asio::redirect_error(asio::use_awaitable, ec));
    }
    ec = disarm(ec);
    out.append(buffer_.data(), n);
    co_return ec;
}

asio::awaitable<asio::error_code> Transport::write(std::string_view data,
                                                   std::chrono::milliseconds timeout) {
    asio::error_code ec;
    arm(timeout);
    if (tls_) {
        co_await asio::async_write(*tls_, asio::buffer(data),
                                   asio::redirect_error(asio::use_awaitable, ec));
    } else {
        co_await asio::async_write(plain_, asio::buffer(data),
                                   asio::redirect_error(asio::use_awaitable, ec));
    }
    co_return disarm(ec);
}

asio::awaitable<asio::error_code> Transport::write(std::span<const std::string_view> pieces,
                                                   std::chrono::milliseconds timeout) {
    std::vector<asio::const_buffer> buffers;
    buffers.reserve(pieces.size());
    for (const auto piece : pieces)
        buffers.emplace_back(piece.data(), piece.size());
    asio::error_code ec;
    arm(timeout);
    if (tls_) {
        co_await asio::async_write(*tls_, buffers, asio::redirect_error(asio::use_awaitable, ec));
    } else {
        co_await asio::async_write(plain_, buffers, asio::redirect_error(asio::use_awaitable, ec));
    }
    co_return disarm(ec);
}

asio::awaitable<asio::error_code> Transport::handshake(asio::ssl::context& context,
                                                       asio::ssl::stream_base::handshake_type type,
                                                       std::chrono::milliseconds timeout,
                                                       const std::string& server_name,
                                                       const std::string& verify_name) {
    tls_ = std::make_unique<asio::ssl::stream<asio::ip::tcp::socket>>(std::move(plain_), context);
    if (type == asio::ssl::stream_base::client && !server_name.empty()) {
        // SSL_set_tlsext_host_name is a macro with a C cast; this is what it expands to.
        SSL_ctrl(tls_->native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                 const_cast<char*>(server_name.c_str()));
    }
    if (type == asio::ssl::stream_base::client && !verify_name.empty() &&
        !set_verify_name(tls_->native_handle(), verify_name))
        co_return asio::error::invalid_argument;
    asio::error_code ec;
    arm(timeout);
    co_await tls_->async_handshake(type, asio::redirect_error(asio::use_awaitable, ec));
    co_return disarm(ec);
}

TlsSession Transport::tls_session() const {
    return tls_ ? describe_session(tls_->native_handle()) : TlsSession{};
}

void Transport::cancel() {
    asio::error_code ignored;
    lowest().cancel(ignored);
}

void Transport::close() {
    asio::error_code ignored;
    lowest().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    lowest().close(ignored);
    timer_.cancel();
}

bool Transport::is_open() const {
    return lowest().is_open();
}

}  // namespace sealgate::net
