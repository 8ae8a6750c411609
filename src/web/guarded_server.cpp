#include "web/guarded_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdint>

namespace sealgate::web {

namespace {

using Clock = std::chrono::steady_clock;

// After a refusal the client may still be sending (a client sends a body of a few MiB before it
// reads the answer): closing with its bytes unread would reset the connection, and the client
// would lose the answer. Read and drop at most this much, this long; memory is not at stake.
constexpr std::size_t kLingerBytes = 4 * 1024 * 1024;
constexpr std::chrono::seconds kLinger{2};

// Set by the pre-routing handler of the request being served on this thread: the connection is
// closed after its answer (its body, if any, was not read).
thread_local bool* t_close_after = nullptr;

// Waits until fd has one of `events` (or an error, or hang-up) before the deadline.
bool wait_fd(int fd, short events, Clock::time_point deadline) {
    for (;;) {
        const auto left =
            std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
        if (left <= 0)
            return false;
        pollfd p{fd, events, 0};
        const int n = ::poll(&p, 1, static_cast<int>(std::min<long long>(left, 60'000)));
        if (n > 0)
            return true;
        if (n < 0 && errno != EINTR)
            return false;
    }
}

// A BIO over the socket that never raises SIGPIPE (OpenSSL's socket BIO uses write(2)): a client
// that resets the connection during an answer must not stop the gateway.
int fd_of(BIO* bio) {
    return static_cast<int>(reinterpret_cast<std::intptr_t>(BIO_get_data(bio)));
}

int bio_write(BIO* bio, const char* data, int size) {
    BIO_clear_retry_flags(bio);
    const ssize_t n = ::send(fd_of(bio), data, static_cast<std::size_t>(size), MSG_NOSIGNAL);
    if (n >= 0)
        return static_cast<int>(n);
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
        BIO_set_retry_write(bio);
    return -1;
}

int bio_read(BIO* bio, char* data, int size) {
    BIO_clear_retry_flags(bio);
    const ssize_t n = ::recv(fd_of(bio), data, static_cast<std::size_t>(size), 0);
    if (n >= 0)
        return static_cast<int>(n);
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
        BIO_set_retry_read(bio);
    return -1;
}

long bio_ctrl(BIO*, int cmd, long, void*) {
    return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

const BIO_METHOD* socket_method() {
    static BIO_METHOD* const method = [] {
        BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "sealgate-socket");
        if (m) {
            BIO_meth_set_write(m, bio_write);
            BIO_meth_set_read(m, bio_read);
            BIO_meth_set_ctrl(m, bio_ctrl);
        }
        return m;
    }();
    return method;
}

struct FreeSsl {
    void operator()(SSL* ssl) const { SSL_free(ssl); }
};

void ip_and_port(const sockaddr_storage& addr, std::string& ip, int& port) {
    char text[INET6_ADDRSTRLEN] = {};
    if (addr.ss_family == AF_INET) {
        const auto& a = reinterpret_cast<const sockaddr_in&>(addr);
        ::inet_ntop(AF_INET, &a.sin_addr, text, sizeof text);
        port = ntohs(a.sin_port);
    } else if (addr.ss_family == AF_INET6) {
        const auto& a = reinterpret_cast<const sockaddr_in6&>(addr);
        ::inet_ntop(AF_INET6, &a.sin6_addr, text, sizeof text);
        port = ntohs(a.sin6_port);
    }
    ip = text;
}

// The client an address counts for: an IPv4 address (also as IPv4-mapped IPv6), or the /64 of
// an IPv6 address (a host usually has a whole /64 to choose from).
std::optional<std::string> client_key(int fd) {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    if (::getpeername(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
        return std::nullopt;
    if (addr.ss_family == AF_INET) {
        const auto& a = reinterpret_cast<const sockaddr_in&>(addr);
        return "4" + std::string(reinterpret_cast<const char*>(&a.sin_addr), 4);
    }
    if (addr.ss_family == AF_INET6) {
        const auto& a = reinterpret_cast<const sockaddr_in6&>(addr);
        const char* bytes = reinterpret_cast<const char*>(a.sin6_addr.s6_addr);
        if (IN6_IS_ADDR_V4MAPPED(&a.sin6_addr))
            return "4" + std::string(bytes + 12, 4);
        return "6" + std::string(bytes, 8);
    }
    return std::nullopt;
}

// One request's view of the connection: reads stop at the byte budget of its phase (request
// line and headers, then body) and at its deadline; writes at the response's deadline.
class TlsStream final : public httplib::Stream {
  public:
    TlsStream(SSL& ssl, int fd, std::size_t head_budget, Clock::time_point read_deadline,
              std::chrono::seconds response)
        : ssl_(ssl),
          fd_(fd),
          budget_(head_budget),
          read_deadline_(read_deadline),
          response_(response) {}

    bool is_readable() const override {
        return SSL_pending(&ssl_) > 0 || wait_fd(fd_, POLLIN, read_deadline_);
    }
    bool is_writable() const override {
        return wait_fd(fd_, POLLOUT, write_deadline_.value_or(Clock::now() + response_));
    }

    ssize_t read(char* ptr, std::size_t size) override {
        if (used_ >= budget_) {
            overrun_ = true;
            return -1;
        }
        size = std::min(size, budget_ - used_);
        for (;;) {
            ERR_clear_error();
            std::size_t n = 0;
            const int r = SSL_read_ex(&ssl_, ptr, size, &n);
            if (r == 1) {
                used_ += n;
                return static_cast<ssize_t>(n);
            }
            const int error = SSL_get_error(&ssl_, r);
            if (error == SSL_ERROR_ZERO_RETURN)
                return 0;
            if (!wait_for(error, read_deadline_))
                return -1;
        }
    }

    ssize_t write(const char* ptr, std::size_t size) override {
        if (size == 0)
            return 0;
        if (!write_deadline_)
            write_deadline_ = Clock::now() + response_;
        for (;;) {
            ERR_clear_error();
            std::size_t n = 0;
            const int r = SSL_write_ex(&ssl_, ptr, size, &n);
            if (r == 1)
                return static_cast<ssize_t>(n);
            if (!wait_for(SSL_get_error(&ssl_, r), *write_deadline_))
                return -1;
        }
    }

    void get_remote_ip_and_port(std::string& ip, int& port) const override {
        sockaddr_storage addr{};
        socklen_t len = sizeof addr;
        if (::getpeername(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
            ip_and_port(addr, ip, port);
    }
    void get_local_ip_and_port(std::string& ip, int& port) const override {
        sockaddr_storage addr{};
        socklen_t len = sizeof addr;
        if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
            ip_and_port(addr, ip, port);
    }
    socket_t socket() const override { return fd_; }

    // The request line and headers have been read: the body's budget starts.
    void start_body(std::size_t budget) {
        budget_ = budget;
        used_ = 0;
    }
    // A read or write failed (timeout, reset): the connection is given up.
    bool failed() const { return failed_; }
    // A read went over the budget: the answer (400 or 413) is the last on the connection.
    bool overrun() const { return overrun_; }

  private:
    bool wait_for(int error, Clock::time_point deadline) {
        const bool ok = (error == SSL_ERROR_WANT_READ && wait_fd(fd_, POLLIN, deadline)) ||
                        (error == SSL_ERROR_WANT_WRITE && wait_fd(fd_, POLLOUT, deadline));
        failed_ = failed_ || !ok;
        return ok;
    }

    SSL& ssl_;
    const int fd_;
    std::size_t budget_;
    std::size_t used_ = 0;
    const Clock::time_point read_deadline_;
    const std::chrono::seconds response_;
    std::optional<Clock::time_point> write_deadline_;
    bool overrun_ = false;
    bool failed_ = false;
};

bool handshake(SSL& ssl, int fd, Clock::time_point deadline) {
    for (;;) {
        ERR_clear_error();
        const int r = SSL_accept(&ssl);
        if (r == 1)
            return true;
        const int error = SSL_get_error(&ssl, r);
        if (!(error == SSL_ERROR_WANT_READ && wait_fd(fd, POLLIN, deadline)) &&
            !(error == SSL_ERROR_WANT_WRITE && wait_fd(fd, POLLOUT, deadline)))
            return false;
    }
}

// Half-closes, then reads and drops what the client still sends, within the linger bounds.
void linger(int fd) {
    ::shutdown(fd, SHUT_WR);
    const auto deadline = Clock::now() + kLinger;
    std::size_t dropped = 0;
    char buf[16384];
    while (dropped < kLingerBytes && wait_fd(fd, POLLIN, deadline)) {
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n > 0)
            dropped += static_cast<std::size_t>(n);
        else if (n == 0 || (errno != EAGAIN && errno != EINTR))
            return;
    }
}

bool is_body_method(const std::string& method) {
    return method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE";
}

}  // namespace

std::optional<Refusal> framing_refusal(const httplib::Request& request, std::size_t max_body) {
    if (request.has_header("Transfer-Encoding"))
        return Refusal{411,
                       "length_required",
                       "Transfer-Encoding is not accepted: send the body with a Content-Length",
                       {}};
    if (request.has_header("Content-Encoding"))
        return Refusal{415,
                       "unsupported_media_type",
                       "Content-Encoding is not accepted: send the body as it is",
                       {}};
    if (request.has_header("Range"))
        return Refusal{
            416, "range_not_satisfiable", "Range is not supported: ask for the whole resource", {}};
    const std::size_t count = request.get_header_value_count("Content-Length");
    if (count == 0) {
        if (is_body_method(request.method) && request.method != "DELETE")
            return Refusal{411, "length_required", "a request body needs a Content-Length", {}};
        return std::nullopt;
    }
    const std::string value = request.get_header_value("Content-Length");
    for (std::size_t i = 1; i < count; ++i) {
        if (request.get_header_value("Content-Length", i) != value)
            return Refusal{400, "bad_input", "conflicting Content-Length headers", {}};
    }
    std::uint64_t length = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), length);
    if (value.empty() || ec != std::errc() || end != value.data() + value.size())
        return Refusal{400, "bad_input", "Content-Length is not a number", {}};
    if (length > max_body)
        return Refusal{
            413,
            "too_large",
            "the request body is over the limit (" + std::to_string(max_body) + " bytes)",
            {}};
    // httplib reads no body for other methods: it would be read as the next request.
    if (length > 0 && !is_body_method(request.method))
        return Refusal{400, "bad_input", "a " + request.method + " request has no body", {}};
    return std::nullopt;
}

GuardedServer::CtxPtr GuardedServer::make_ctx(const std::function<bool(SSL_CTX&)>& setup_tls) {
    CtxPtr ctx(SSL_CTX_new(TLS_server_method()));
    if (ctx && (!socket_method() || !setup_tls(*ctx)))
        ctx.reset();
    return ctx;
}

GuardedServer::GuardedServer(const std::function<bool(SSL_CTX&)>& setup_tls,
                             const EdgeLimits& limits)
    : ctx_(make_ctx(setup_tls)), limits_(limits) {
    const std::size_t max_body = limits.max_body;
    set_pre_routing_handler([max_body](const httplib::Request& req, httplib::Response& res) {
        const auto refusal = framing_refusal(req, max_body);
        if (!refusal)
            return HandlerResponse::Unhandled;
        res.status = refusal->status;
        res.set_content(error_body(*refusal), "application/json");
        res.set_header("Connection", "close");
        if (t_close_after)
            *t_close_after = true;
        return HandlerResponse::Handled;
    });
}

GuardedServer::~GuardedServer() = default;

bool GuardedServer::is_valid() const {
    const std::lock_guard lock(ctx_mutex_);
    return ctx_ != nullptr;
}

bool GuardedServer::replace_tls(const std::function<bool(SSL_CTX&)>& setup_tls) {
    CtxPtr fresh = make_ctx(setup_tls);
    if (!fresh)
        return false;
    const std::lock_guard lock(ctx_mutex_);
    ctx_.swap(fresh);
    return true;  // the old context is freed here unless connections still hold it
}

bool GuardedServer::set_backlog(int backlog) {
    return ::listen(svr_sock_, backlog) == 0;
}

bool GuardedServer::take_slot(const std::string& client) {
    const std::lock_guard lock(clients_mutex_);
    Client& c = clients_[client];
    if (c.connections >= limits_.per_client) {
        if (c.idle.empty())
            return false;
        // Its thread is in wait_for_request, which cannot return (nor close the socket) before
        // it takes the lock: the descriptor is still the connection's.
        Idle* oldest = c.idle.front();
        c.idle.erase(c.idle.begin());
        oldest->ended = true;
        ::shutdown(oldest->fd, SHUT_RDWR);
    }
    ++c.connections;
    return true;
}

void GuardedServer::release_slot(const std::string& client) {
    const std::lock_guard lock(clients_mutex_);
    const auto it = clients_.find(client);
    if (it != clients_.end() && --it->second.connections == 0)
        clients_.erase(it);
}

bool GuardedServer::wait_for_request(SSL& ssl, int fd, const std::string& client) {
    if (SSL_pending(&ssl) > 0)
        return true;
    Idle idle{fd};
    {
        const std::lock_guard lock(clients_mutex_);
        clients_[client].idle.push_back(&idle);
    }
    const bool ready = wait_fd(fd, POLLIN, Clock::now() + limits_.idle);
    const std::lock_guard lock(clients_mutex_);
    if (idle.ended)
        return false;
    auto& list = clients_[client].idle;
    list.erase(std::remove(list.begin(), list.end(), &idle), list.end());
    return ready;
}

bool GuardedServer::process_and_close_socket(socket_t sock) {
    bool served = false;
    const auto client = client_key(sock);
    if (client && take_slot(*client)) {
        const int flags = ::fcntl(sock, F_GETFL);
        std::unique_ptr<SSL, FreeSsl> ssl;
        {
            const std::lock_guard lock(ctx_mutex_);
            ssl.reset(SSL_new(ctx_.get()));  // holds a reference to the context
        }
        BIO* bio = ssl ? BIO_new(socket_method()) : nullptr;
        if (bio && flags >= 0 && ::fcntl(sock, F_SETFL, flags | O_NONBLOCK) == 0) {
            BIO_set_data(bio, reinterpret_cast<void*>(static_cast<std::intptr_t>(sock)));
            BIO_set_init(bio, 1);
            SSL_set_bio(ssl.get(), bio, bio);
            if (handshake(*ssl, sock, Clock::now() + limits_.handshake))
                served = serve(*ssl, sock, *client);
        } else {
            BIO_free(bio);
        }
        release_slot(*client);
    }
    ::shutdown(sock, SHUT_RDWR);
    ::close(sock);
    return served;
}

// The keep-alive loop. True when the connection ended in order (closed by either side between
// requests, or after the last one).
bool GuardedServer::serve(SSL& ssl, int fd, const std::string& client) {
    for (std::size_t n = 1; n <= limits_.max_requests; ++n) {
        if (svr_sock_ == INVALID_SOCKET)
            break;
        if (!wait_for_request(ssl, fd, client))
            break;
        TlsStream stream(ssl, fd, limits_.max_head, Clock::now() + limits_.request,
                         limits_.response);
        bool close_after = false;
        t_close_after = &close_after;
        bool closed = false;
        const bool written =
            process_request(stream, n == limits_.max_requests, closed, [&](httplib::Request& req) {
                req.ssl = &ssl;
                // A Range is refused (the pre-routing handler); httplib would still cut the
                // refusal's body to the ranges.
                req.ranges.clear();
                stream.start_body(limits_.max_body);
            });
        t_close_after = nullptr;
        if (!written || stream.failed())
            return false;
        if (close_after || stream.overrun()) {
            ERR_clear_error();
            SSL_shutdown(&ssl);
            linger(fd);
            return true;
        }
        if (closed)
            break;
    }
    ERR_clear_error();
    SSL_shutdown(&ssl);
    return true;
}

}  // namespace sealgate::web
