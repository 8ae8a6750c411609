#include "net/server.hpp"

#include <deque>
#include <exception>
#include <set>

#include <asio.hpp>

#include "net/transport.hpp"

namespace sealgate::net {
namespace {

// Bugs crash: an exception escaping a connection coroutine is rethrown from io_context::run().
void rethrow(const std::exception_ptr& e) {
    if (e)
        std::rethrow_exception(e);
}

}  // namespace

class Connection;

struct Server::Impl : std::enable_shared_from_this<Server::Impl> {
    Impl(asio::io_context& io, ServerConfig c, MessageHandler& h)
        : config(std::move(c)), handler(h), acceptor(io), drained(io) {}

    asio::awaitable<void> accept_loop();
    asio::awaitable<void> refuse(std::shared_ptr<Transport> transport);
    void finished(const std::shared_ptr<Connection>& connection);

    ServerConfig config;
    MessageHandler& handler;
    asio::ip::tcp::acceptor acceptor;
    asio::steady_timer drained;  // cancelled when the last connection ends during stop()
    std::set<std::shared_ptr<Connection>> connections;
    std::size_t accepted = 0;
    std::uint16_t port = 0;
    bool stopping = false;
};

// One client connection: feeds the Session and performs its actions.
class Connection : public std::enable_shared_from_this<Connection>, private smtp::Policy {
  public:
    Connection(std::shared_ptr<Server::Impl> server, std::shared_ptr<Transport> transport)
        : server_(std::move(server)),
          transport_(std::move(transport)),
          session_(server_->config.session, *this, transport_->remote_address(),
                   refusal(*server_, *transport_)) {}

    asio::awaitable<void> run();
    void request_stop();
    void force_close() { transport_->close(); }

  private:
    static std::optional<smtp::Reply> refusal(const Server::Impl& server, const Transport& t) {
        if (server.config.permitted.contains(t.remote_address()))
            return std::nullopt;
        return smtp::Reply::make(554, "5.7.1", "Access denied: relaying not permitted");
    }

    smtp::Reply check_recipient(const smtp::Envelope& envelope,
                                const smtp::Recipient& recipient) override;
    asio::awaitable<bool> perform(smtp::Actions actions);
    asio::awaitable<bool> flush(std::string& out);

    std::shared_ptr<Server::Impl> server_;
    std::shared_ptr<Transport> transport_;
    smtp::Session session_;
    bool stopping_ = false;
    bool idle_read_ = false;  // waiting for a command, nothing in flight
};

smtp::Reply Connection::check_recipient(const smtp::Envelope& envelope,
                                        const smtp::Recipient& recipient) {
    // The session edge: an exception from application code must not take the process down
    // mid-conversation; the client retries later.
    try {
        return server_->handler.check_recipient(envelope, recipient);
    } catch (const std::exception&) {
        return smtp::Reply::make(451, "4.3.0", "Temporary local problem, try again later");
    }
}

void Connection::request_stop() {
    stopping_ = true;
    if (idle_read_)
        transport_->cancel();
}

asio::awaitable<bool> Connection::flush(std::string& out) {
    if (out.empty())
        co_return true;
    auto ec = co_await transport_->write(out, server_->config.command_timeout);
    out.clear();
    co_return !ec;
}

asio::awaitable<bool> Connection::perform(smtp::Actions actions) {
    std::deque<smtp::Action> work(std::make_move_iterator(actions.begin()),
                                  std::make_move_iterator(actions.end()));
    std::string out;  // replies are collected and written together (pipelining)
    while (!work.empty()) {
        smtp::Action next = std::move(work.front());
        work.pop_front();
        if (auto* send = std::get_if<smtp::action::Send>(&next)) {
            out += send->reply.wire();
        } else if (auto* deliver = std::get_if<smtp::action::Deliver>(&next)) {
            if (!co_await flush(out))
                co_return false;
            smtp::Reply reply;
            try {
                reply = co_await server_->handler.deliver(std::move(deliver->envelope),
                                                          std::move(deliver->data));
            } catch (const std::exception&) {
                reply = smtp::Reply::make(451, "4.3.0", "Temporary local problem, try again later");
            }
            for (auto& a : session_.delivered(reply))
                work.push_back(std::move(a));
        } else if (std::holds_alternative<smtp::action::StartTls>(next)) {
            if (!co_await flush(out))
                co_return false;
            auto ec = co_await transport_->handshake(
                *server_->config.tls, asio::ssl::stream_base::server, server_->config.tls_timeout);
            if (ec)
                co_return false;
            for (auto& a : session_.tls_started())
                work.push_back(std::move(a));
        } else {
            co_await flush(out);
            co_return false;  // Close
        }
    }
    co_return co_await flush(out);
}

asio::awaitable<void> Connection::run() {
    std::string input;
    smtp::Actions greeting = session_.start();
    if (co_await perform(std::move(greeting))) {
        while (!session_.closed()) {
            if (stopping_ && session_.idle()) {
                smtp::Actions bye = session_.shutdown();
                co_await perform(std::move(bye));
                break;
            }
            input.clear();
            idle_read_ = session_.idle();
            const auto timeout =
                session_.in_data() ? server_->config.data_timeout : server_->config.command_timeout;
            auto ec = co_await transport_->read_some(input, timeout);
            idle_read_ = false;
            if (ec == asio::error::timed_out) {
                smtp::Actions bye = session_.timeout();
                co_await perform(std::move(bye));
                break;
            }
            if (ec == asio::error::operation_aborted && stopping_)
                continue;  // 421 above
            if (ec)
                break;  // the client went away; an unfinished DATA is simply dropped
            smtp::Actions actions = session_.receive(input);
            if (!co_await perform(std::move(actions)))
                break;
        }
    }
    transport_->close();
    server_->finished(shared_from_this());
}

asio::awaitable<void> Server::Impl::accept_loop() {
    const auto self = shared_from_this();  // keep the state alive while accepting
    while (!stopping) {
        asio::error_code ec;
        auto socket = co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
        if (ec) {
            if (stopping || !acceptor.is_open())
                co_return;
            continue;
        }
        ++accepted;
        auto transport = Transport::accepted(std::move(socket));
        if (connections.size() >= config.max_connections) {
            asio::co_spawn(acceptor.get_executor(), refuse(std::move(transport)), rethrow);
            continue;
        }
        auto connection = std::make_shared<Connection>(self, std::move(transport));
        connections.insert(connection);
        asio::co_spawn(acceptor.get_executor(), connection->run(), rethrow);
    }
}

asio::awaitable<void> Server::Impl::refuse(std::shared_ptr<Transport> transport) {
    const std::string reply =
        smtp::Reply::make(421, "4.3.2", "Too many connections, try again later").wire();
    co_await transport->write(reply, config.command_timeout);
    transport->close();
}

void Server::Impl::finished(const std::shared_ptr<Connection>& connection) {
    connections.erase(connection);
    if (stopping && connections.empty())
        drained.cancel();
}

Result<std::unique_ptr<Server>> Server::listen(asio::io_context& io, ServerConfig config,
                                               MessageHandler& handler) {
    config.session.tls_available = config.tls != nullptr;
    auto impl = std::make_shared<Impl>(io, std::move(config), handler);
    asio::error_code ec;
    const auto address = asio::ip::make_address(impl->config.host, ec);
    if (ec)
        return fail(Error::usage("listen address " + impl->config.host + ": " + ec.message()));
    const asio::ip::tcp::endpoint endpoint(address, impl->config.port);
    const std::string where = impl->config.host + ":" + std::to_string(impl->config.port);
    impl->acceptor.open(endpoint.protocol(), ec);
    if (!ec)
        impl->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec)
        impl->acceptor.bind(endpoint, ec);
    if (!ec)
        impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec)
        return fail(Error::usage("cannot listen on " + where + ": " + ec.message()));
    impl->port = impl->acceptor.local_endpoint().port();
    return std::make_unique<Server>(std::move(impl));
}

Server::Server(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() {
    // Without a graceful stop(): close everything; coroutines still queued finish on their own.
    impl_->stopping = true;
    asio::error_code ignored;
    impl_->acceptor.close(ignored);
    for (const auto& c : impl_->connections)
        c->force_close();
}

std::uint16_t Server::port() const {
    return impl_->port;
}

void Server::start() {
    asio::co_spawn(impl_->acceptor.get_executor(), impl_->accept_loop(), rethrow);
}

asio::awaitable<void> Server::stop() {
    const auto impl = impl_;
    impl->stopping = true;
    asio::error_code ec;
    impl->acceptor.close(ec);
    for (const auto& c : impl->connections)
        c->request_stop();
    if (!impl->connections.empty()) {
        impl->drained.expires_after(impl->config.shutdown_grace);
        co_await impl->drained.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    if (!impl->connections.empty()) {
        for (const auto& c : impl->connections)
            c->force_close();
        impl->drained.expires_at(asio::steady_timer::time_point::max());
        co_await impl->drained.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
}

std::size_t Server::active_connections() const {
    return impl_->connections.size();
}

std::size_t Server::accepted_connections() const {
    return impl_->accepted;
}

}  // namespace sealgate::net
