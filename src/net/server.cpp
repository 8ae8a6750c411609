#include "net/server.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <deque>
#include <exception>
#include <map>
#include <set>

#include <asio.hpp>

#include "net/transport.hpp"

namespace sealgate::net {
namespace {

using Clock = std::chrono::steady_clock;

// Bugs crash: an exception escaping a connection coroutine is rethrown from io_context::run().
void rethrow(const std::exception_ptr& e) {
    if (e)
        std::rethrow_exception(e);
}

// A reply to a client that is not kept: written without waiting (a new connection's send
// buffer is empty), then closed.
void answer_and_close(int fd, const smtp::Reply& reply) {
    const std::string wire = reply.wire();
    [[maybe_unused]] const auto sent =
        ::send(fd, wire.data(), wire.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    ::close(fd);
}

void answer_and_close(asio::ip::tcp::socket& socket, const smtp::Reply& reply) {
    const std::string wire = reply.wire();
    asio::error_code ignored;
    socket.non_blocking(true, ignored);
    socket.write_some(asio::buffer(wire), ignored);
    socket.close(ignored);
}

bool out_of_descriptors(const asio::error_code& ec) {
    return ec == asio::error::no_descriptors ||
           (ec.category() == asio::system_category() && ec.value() == ENFILE);
}

}  // namespace

class Connection;

struct Server::Impl : std::enable_shared_from_this<Server::Impl> {
    Impl(asio::io_context& io, ServerConfig c, MessageHandler& h)
        : config(std::move(c)),
          handler(h),
          acceptor(io),
          drained(io),
          backoff(io),
          budget(config.max_buffered_bytes),
          reserve_fd(::open("/dev/null", O_RDONLY | O_CLOEXEC)) {}
    ~Impl() {
        if (reserve_fd >= 0)
            ::close(reserve_fd);
    }
    Impl(const Impl&) = delete;
    Impl& operator=(const Impl&) = delete;

    asio::awaitable<void> accept_loop();
    void admit(asio::ip::tcp::socket socket, const asio::ip::tcp::endpoint& peer);
    void shed_one();
    void finished(const std::shared_ptr<Connection>& connection);

    ServerConfig config;
    MessageHandler& handler;
    asio::ip::tcp::acceptor acceptor;
    asio::steady_timer drained;  // cancelled when the last connection ends during stop()
    asio::steady_timer backoff;  // accepting paused: out of descriptors
    smtp::DataBudget budget;
    int reserve_fd;  // given up to answer one client when accept() runs out of descriptors
    std::set<std::shared_ptr<Connection>> connections;
    std::size_t permitted_active = 0;
    std::size_t refused_active = 0;
    std::map<std::string, std::size_t, std::less<>> per_address;  // permitted sessions
    std::size_t accepted = 0;
    std::uint16_t port = 0;
    bool stopping = false;
};

// One client connection: feeds the Session and performs its actions.
class Connection : public std::enable_shared_from_this<Connection>, private smtp::Policy {
  public:
    Connection(std::shared_ptr<Server::Impl> server, std::shared_ptr<Transport> transport,
               bool permitted)
        : server_(std::move(server)),
          transport_(std::move(transport)),
          permitted_(permitted),
          session_(server_->config.session, *this, transport_->remote_address(),
                   permitted ? std::nullopt
                             : std::optional(smtp::Reply::make(
                                   554, "5.7.1", "Access denied: relaying not permitted")),
                   &server_->budget) {}

    asio::awaitable<void> run();
    void request_stop();
    // The stop's grace has passed: a session reading from its client gets 421 and ends.
    void cut();
    void force_close() { transport_->close(); }
    bool permitted() const { return permitted_; }
    const std::string& address() const { return transport_->remote_address(); }

  private:
    smtp::Reply check_recipient(const smtp::Envelope& envelope,
                                const smtp::Recipient& recipient) override;
    asio::awaitable<bool> perform(smtp::Actions actions);
    asio::awaitable<bool> flush(std::string& out);

    std::shared_ptr<Server::Impl> server_;
    std::shared_ptr<Transport> transport_;
    const bool permitted_;
    smtp::Session session_;
    bool stopping_ = false;
    bool cut_ = false;
    bool idle_read_ = false;  // waiting for a command, nothing in flight
    bool reading_ = false;    // waiting for the client, whatever the state
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

void Connection::cut() {
    stopping_ = true;
    cut_ = true;
    if (reading_)
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
            // The message stays in memory (in the pipeline, its copies) until delivered.
            const std::uint64_t held = deliver->data.size();
            server_->budget.force(held);
            smtp::Reply reply;
            try {
                reply = co_await server_->handler.deliver(std::move(deliver->envelope),
                                                          std::move(deliver->data));
            } catch (const std::exception&) {
                reply = smtp::Reply::make(451, "4.3.0", "Temporary local problem, try again later");
            }
            server_->budget.give(held);
            for (auto& a : session_.delivered(reply))
                work.push_back(std::move(a));
        } else if (std::holds_alternative<smtp::action::StartTls>(next)) {
            if (!co_await flush(out))
                co_return false;
            // Held for the handshake: a reconfigure() may replace the server's meanwhile.
            const std::shared_ptr<asio::ssl::context> tls = server_->config.tls;
            auto ec = co_await transport_->handshake(*tls, asio::ssl::stream_base::server,
                                                     server_->config.tls_timeout);
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
    const ServerConfig& config = server_->config;
    const auto session_end =
        Clock::now() + (permitted_ ? config.session_deadline : config.refused_deadline);
    std::optional<Clock::time_point> data_end;
    std::string input;
    smtp::Actions greeting = session_.start();
    if (co_await perform(std::move(greeting))) {
        while (!session_.closed()) {
            if ((stopping_ && session_.idle()) || (cut_ && !session_.delivering())) {
                smtp::Actions bye = session_.shutdown();
                co_await perform(std::move(bye));
                break;
            }
            if (!session_.in_data())
                data_end.reset();
            else if (!data_end)
                data_end = Clock::now() + config.data_deadline;
            // The read waits for the idle timeout or the nearer deadline, whichever is first.
            const auto now = Clock::now();
            auto wait = session_.in_data() ? config.data_timeout : config.command_timeout;
            const char* deadline = nullptr;
            const auto bound = [&](Clock::time_point end, const char* what) {
                const auto left = std::chrono::ceil<std::chrono::milliseconds>(end - now);
                if (left < wait) {
                    wait = std::max(left, std::chrono::milliseconds(0));
                    deadline = what;
                }
            };
            bound(session_end, "session");
            if (data_end)
                bound(*data_end, "DATA");
            input.clear();
            idle_read_ = session_.idle();
            reading_ = true;
            asio::error_code ec = asio::error::timed_out;
            if (wait.count() > 0)
                ec = co_await transport_->read_some(input, wait);
            idle_read_ = false;
            reading_ = false;
            if (ec == asio::error::timed_out) {
                smtp::Actions bye =
                    deadline != nullptr ? session_.time_limit(deadline) : session_.timeout();
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
    auto pause = std::chrono::milliseconds(10);
    while (!stopping) {
        asio::error_code ec;
        asio::ip::tcp::endpoint peer;  // from accept() itself: no getpeername() per connection
        auto socket =
            co_await acceptor.async_accept(peer, asio::redirect_error(asio::use_awaitable, ec));
        if (stopping || !acceptor.is_open())
            co_return;
        if (!ec) {
            pause = std::chrono::milliseconds(10);
            ++accepted;
            admit(std::move(socket), peer);
            continue;
        }
        if (ec == asio::error::connection_aborted)
            continue;  // the client gave up before we accepted
        // Out of descriptors (or another resource): the pending connection stays queued and
        // accept() would fail again at once. Answer one waiting client, then pause.
        if (out_of_descriptors(ec))
            shed_one();
        backoff.expires_after(pause);
        co_await backoff.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        pause = std::min(pause * 2, std::chrono::milliseconds(1000));
    }
}

void Server::Impl::shed_one() {
    if (reserve_fd < 0)
        return;
    ::close(reserve_fd);
    const int fd = ::accept4(acceptor.native_handle(), nullptr, nullptr, SOCK_CLOEXEC);
    if (fd >= 0)
        answer_and_close(fd,
                         smtp::Reply::make(421, "4.3.2", "Too many connections, try again later"));
    reserve_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
}

void Server::Impl::admit(asio::ip::tcp::socket socket, const asio::ip::tcp::endpoint& peer) {
    asio::error_code ec;
    std::string address = peer.address().to_string();
    const bool permitted = config.permitted.contains(address);
    if (!permitted) {
        // A refused client costs a greeting and a few seconds at most, and never a slot of a
        // permitted one. A flood of them beyond max_connections is not greeted at all.
        if (refused_active >= config.max_connections) {
            socket.close(ec);
            return;
        }
        ++refused_active;
    } else if (permitted_active >= config.max_connections) {
        answer_and_close(socket,
                         smtp::Reply::make(421, "4.3.2", "Too many connections, try again later"));
        return;
    } else if (auto it = per_address.find(address);
               it != per_address.end() && it->second >= config.max_connections_per_ip) {
        answer_and_close(socket,
                         smtp::Reply::make(421, "4.7.0", "Too many connections from your address"));
        return;
    } else {
        ++permitted_active;
        ++per_address[address];
    }
    auto connection = std::make_shared<Connection>(
        shared_from_this(), Transport::accepted(std::move(socket), std::move(address)), permitted);
    connections.insert(connection);
    asio::co_spawn(acceptor.get_executor(), connection->run(), rethrow);
}

void Server::Impl::finished(const std::shared_ptr<Connection>& connection) {
    if (connections.erase(connection) == 0)
        return;
    if (!connection->permitted()) {
        --refused_active;
    } else {
        --permitted_active;
        if (auto it = per_address.find(connection->address()); it != per_address.end()) {
            if (--it->second == 0)
                per_address.erase(it);
        }
    }
    if (stopping && connections.empty())
        drained.cancel();
}

std::uint64_t Server::descriptors_needed(std::size_t max_connections) {
    // Per session a client and a next-hop connection; as many refused clients at most; the
    // kept next-hop connections, the store, the key files, stdio and what libraries open.
    return 3 * static_cast<std::uint64_t>(max_connections) + 64;
}

Result<std::unique_ptr<Server>> Server::listen(asio::io_context& io, ServerConfig config,
                                               MessageHandler& handler) {
    config.session.tls_available = config.tls != nullptr;
    // A descriptor limit below what max_connections needs would show as clients answered by
    // silence under load: raise the soft limit, or refuse to start.
    const std::uint64_t needed = descriptors_needed(config.max_connections);
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY &&
        limit.rlim_cur < needed) {
        if (limit.rlim_max == RLIM_INFINITY || limit.rlim_max >= needed) {
            limit.rlim_cur = needed;
            ::setrlimit(RLIMIT_NOFILE, &limit);
        }
        if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < needed)
            return fail(Error::usage(
                "max_connections = " + std::to_string(config.max_connections) + " needs " +
                std::to_string(needed) + " file descriptors, but the limit is " +
                std::to_string(limit.rlim_cur) +
                ": raise it (ulimit -n, systemd LimitNOFILE=) or lower [smtp] max_connections"));
    }
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
    impl_->backoff.cancel();
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
    impl->backoff.cancel();
    for (const auto& c : impl->connections)
        c->request_stop();
    if (!impl->connections.empty()) {
        impl->drained.expires_after(impl->config.shutdown_grace);
        co_await impl->drained.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    if (!impl->connections.empty()) {
        // A copy: a connection that ends at once leaves the set.
        const auto left = impl->connections;
        for (const auto& c : left)
            c->cut();
        impl->drained.expires_after(impl->config.cut_grace);
        co_await impl->drained.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    if (!impl->connections.empty()) {
        for (const auto& c : impl->connections)
            c->force_close();
        impl->drained.expires_at(asio::steady_timer::time_point::max());
        co_await impl->drained.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
}

void Server::reconfigure(ServerConfig config) {
    ServerConfig& now = impl_->config;
    config.host = now.host;
    config.port = now.port;
    config.max_buffered_bytes = now.max_buffered_bytes;
    config.session.tls_available = config.tls != nullptr;
    now = std::move(config);
}

std::size_t Server::active_connections() const {
    return impl_->connections.size();
}

std::size_t Server::accepted_connections() const {
    return impl_->accepted;
}

std::uint64_t Server::buffered_bytes() const {
    return impl_->budget.used();
}

}  // namespace sealgate::net
