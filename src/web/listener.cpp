#include "web/listener.hpp"

#include <dirent.h>
#include <httplib.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <mutex>
#include <semaphore>
#include <thread>

#include "admin/accounts.hpp"
#include "core/log.hpp"
#include "web/api.hpp"
#include "web/assets.hpp"
#include "web/body.hpp"
#include "web/guarded_server.hpp"
#include "web/pages.hpp"
#include "web/tls_identity.hpp"

namespace sealgate::web {

namespace {

constexpr const char* kWrongLogin = "Wrong user name or password.";
constexpr int kBacklog = 64;
constexpr std::size_t kKeepAliveRequests = 100;
constexpr int kKeepAliveSeconds = 3;

// httplib's own pool queues connections without bound; this one holds at most `max_waiting`
// and makes the accepting thread wait beyond that (so the kernel's accept queue fills and the
// kernel refuses further connections), until `stopping` is set.
class BoundedPool : public httplib::TaskQueue {
  public:
    BoundedPool(std::size_t threads, std::size_t max_waiting,
                std::shared_ptr<std::atomic<bool>> stopping)
        : max_waiting_(max_waiting), stopping_(std::move(stopping)) {
        for (std::size_t i = 0; i < threads; ++i)
            threads_.emplace_back([this] { work(); });
    }
    ~BoundedPool() override = default;

    void enqueue(std::function<void()> fn) override {
        std::unique_lock lock(mutex_);
        while (jobs_.size() >= max_waiting_ && !shutdown_ && !*stopping_)
            space_.wait_for(lock, std::chrono::milliseconds(100));
        jobs_.push_back(std::move(fn));
        ready_.notify_one();
    }

    void shutdown() override {
        {
            const std::lock_guard lock(mutex_);
            shutdown_ = true;
        }
        ready_.notify_all();
        space_.notify_all();
        for (auto& t : threads_)
            t.join();
    }

  private:
    void work() {
        for (;;) {
            std::function<void()> fn;
            {
                std::unique_lock lock(mutex_);
                ready_.wait(lock, [this] { return !jobs_.empty() || shutdown_; });
                if (jobs_.empty())
                    return;
                fn = std::move(jobs_.front());
                jobs_.pop_front();
                space_.notify_one();
            }
            fn();
        }
    }

    const std::size_t max_waiting_;
    std::shared_ptr<std::atomic<bool>> stopping_;
    std::vector<std::thread> threads_;
    std::deque<std::function<void()>> jobs_;
    bool shutdown_ = false;
    std::mutex mutex_;
    std::condition_variable ready_;
    std::condition_variable space_;
};

httplib::Headers security_headers() {
    return {
        {"Content-Security-Policy",
         "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
         "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"},
        {"X-Frame-Options", "DENY"},
        {"X-Content-Type-Options", "nosniff"},
        // Not no-referrer: under it a browser sends "Origin: null" with the login form, and the
        // login could not tell its own page from another site's.
        {"Referrer-Policy", "same-origin"},
        {"Cache-Control", "no-store"},
        {"Strict-Transport-Security", "max-age=31536000"},
    };
}

std::string code_of(int status) {
    switch (status) {
        case 400:
            return "bad_input";
        case 404:
            return "not_found";
        case 405:
            return "method_not_allowed";
        case 411:
            return "length_required";
        case 413:
            return "too_large";
        case 416:
            return "range_not_satisfiable";
        case 415:
            return "unsupported_media_type";
        default:
            return status >= 500 ? "internal" : "error";
    }
}

// The Set-Cookie value of the session cookie (an empty id: the one that removes it).
std::string session_set_cookie(const std::string& id) {
    return std::string(kSessionCookie) + "=" + id + "; HttpOnly; Secure; SameSite=Strict; Path=/" +
           (id.empty() ? "; Max-Age=0" : "");
}

// A reserved login attempt (LoginThrottle::begin) is resolved on every path: one that ends
// before the password was judged (the store failed, an exception) is cancelled.
class Attempt {
  public:
    Attempt(LoginThrottle& throttle, const std::string& name, const std::string& address)
        : throttle_(throttle), name_(name), address_(address) {}
    ~Attempt() {
        if (!resolved_)
            throttle_.cancel(name_, address_);
    }
    Attempt(const Attempt&) = delete;
    Attempt& operator=(const Attempt&) = delete;

    unsigned failed() {
        resolved_ = true;
        return throttle_.failed(name_, address_, Clock::now());
    }
    void succeeded() {
        resolved_ = true;
        throttle_.succeeded(name_, address_);
    }

  private:
    LoginThrottle& throttle_;
    const std::string& name_;
    const std::string& address_;
    bool resolved_ = false;
};

void redirect(httplib::Response& response, const std::string& location) {
    response.status = 303;
    response.set_header("Location", location);
}

void html(httplib::Response& response, int status, const std::string& page) {
    response.status = status;
    response.set_content(page, "text/html; charset=utf-8");
}

// The UI's stylesheets, images and fonts are public (the login page needs its stylesheet);
// its pages and scripts are served to a session only.
bool public_asset(std::string_view file) {
    for (const std::string_view ext : {".css", ".png", ".svg", ".ico", ".woff2"}) {
        if (file.size() >= ext.size() && file.substr(file.size() - ext.size()) == ext)
            return true;
    }
    return false;
}

// The names a browser may use for the listener: its address (unless a wildcard), localhost and
// the gateway's host name.
std::vector<std::string> certificate_hosts(const ListenerConfig& config) {
    std::vector<std::string> hosts;
    const auto add = [&hosts](const std::string& h) {
        if (!h.empty() && std::find(hosts.begin(), hosts.end(), h) == hosts.end())
            hosts.push_back(h);
    };
    if (config.host != "0.0.0.0" && config.host != "::")
        add(config.host);
    add("localhost");
    add(config.hostname);
    return hosts;
}

std::optional<std::uint16_t> port_of(const sockaddr_storage& addr) {
    if (addr.ss_family == AF_INET)
        return ntohs(reinterpret_cast<const sockaddr_in*>(&addr)->sin_port);
    if (addr.ss_family == AF_INET6)
        return ntohs(reinterpret_cast<const sockaddr_in6*>(&addr)->sin6_port);
    return std::nullopt;
}

// At stop, the pool's threads may wait on idle clients (a TLS handshake, a request, a kept-alive
// connection: each up to its timeout) and more connections wait for a thread: shutting down
// every connected socket of the listener's port makes their reads fail at once, and httplib
// closes them as usual. (A socket this process connected elsewhere never has the listening
// port as its local port.)
void shut_down_connections(std::uint16_t port) {
    struct CloseDir {
        void operator()(DIR* d) const { ::closedir(d); }
    };
    const std::unique_ptr<DIR, CloseDir> dir(::opendir("/proc/self/fd"));
    if (!dir)
        return;
    while (const dirent* entry = ::readdir(dir.get())) {
        int fd = -1;
        const std::string_view name = entry->d_name;
        if (std::from_chars(name.data(), name.data() + name.size(), fd).ec != std::errc())
            continue;
        sockaddr_storage local{}, peer{};
        socklen_t local_len = sizeof local, peer_len = sizeof peer;
        if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len) != 0 ||
            port_of(local) != port ||
            ::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_len) != 0)
            continue;
        ::shutdown(fd, SHUT_RDWR);
    }
}

}  // namespace

struct Listener::Impl {
    Impl(const ListenerConfig& cfg, std::unique_ptr<Store> s, std::unique_ptr<keystore::Keys> k,
         TlsIdentity id)
        : config(cfg),
          store(std::move(s)),
          keys(std::move(k)),
          identity(std::move(id)),
          ctx(*store, *keys, Addresses{}, cfg.node) {}

    ListenerConfig config;
    std::unique_ptr<Store> store;
    std::unique_ptr<keystore::Keys> keys;
    mutable std::mutex identity_mutex;  // identity: replace_certificate runs on another thread
    TlsIdentity identity;
    ApiContext ctx;
    Routes routes;
    std::unique_ptr<GuardedServer> server;
    std::shared_ptr<std::atomic<bool>> stopping = std::make_shared<std::atomic<bool>>(false);
    std::counting_semaphore<2> hashing{2};
    std::thread thread;
    std::uint16_t port = 0;

    void handle(const httplib::Request& request, httplib::Response& response);
    void login(const httplib::Request& request, httplib::Response& response);
    void logout(const httplib::Request& request, httplib::Response& response);
    void ui(const httplib::Request& request, httplib::Response& response);
};

namespace {

bool setup_tls(SSL_CTX& ssl, const TlsIdentity& identity) {
    SSL_CTX_set_min_proto_version(&ssl, TLS1_2_VERSION);
    SSL_CTX_set_options(
        &ssl, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
    if (SSL_CTX_use_certificate(&ssl, identity.certificate.get()) != 1 ||
        SSL_CTX_use_PrivateKey(&ssl, identity.key.get()) != 1 ||
        SSL_CTX_check_private_key(&ssl) != 1)
        return false;
    for (const auto& c : identity.chain) {
        if (SSL_CTX_add1_chain_cert(&ssl, c.get()) != 1)
            return false;
    }
    return true;
}

}  // namespace

void Listener::Impl::handle(const httplib::Request& request, httplib::Response& response) {
    const std::string& path = request.path;
    if (path.rfind("/api/", 0) == 0) {
        serve_api(routes, ctx, request, response);
        return;
    }
    const bool get = request.method == "GET" || request.method == "HEAD";
    if (get && config.observe) {
        if (auto answer = config.observe(path)) {
            response.status = answer->status;
            response.set_content(answer->body, answer->content_type);
            return;
        }
    }
    if (path == "/" && get) {
        if (session_caller(ctx, request))
            return redirect(response, "/ui/");
        return html(response, 200, login_page(""));
    }
    if (path == "/login" && request.method == "POST")
        return login(request, response);
    if (path == "/login" && get)
        return redirect(response, "/");
    if (path == "/logout" && request.method == "POST")
        return logout(request, response);
    if (path == "/ui" && get)
        return redirect(response, "/ui/");
    if (path.rfind("/ui/", 0) == 0 && get)
        return ui(request, response);
    write_refusal(response, Refusal{404, "not_found", "no such page: " + path, {}});
}

void Listener::Impl::login(const httplib::Request& request, httplib::Response& response) {
    if (media_type(request.get_header_value("Content-Type")) !=
            "application/x-www-form-urlencoded" ||
        request.target.find('?') != std::string::npos)
        return html(response, 400, login_page("Send the login form as a form post."));
    // A form posted from another site (login CSRF: the victim logged in as the attacker). The
    // browser names the page's origin; a script without one is not a browser being misled.
    if (request.has_header("Origin") &&
        request.get_header_value("Origin") != "https://" + request.get_header_value("Host"))
        return html(response, 403, login_page("Log in from this page."));
    const std::string name = request.get_param_value("username");
    const std::string password = request.get_param_value("password");
    const std::string address = request.remote_addr;
    const auto now = Clock::now();
    // Names that cannot be accounts are logged as such, not as they were sent (log injection).
    const std::string shown = admin::check_account_name(name) ? name : "(not a valid name)";

    if (const long wait = ctx.throttle.begin(name, address, now); wait > 0) {
        log_line("admin: login for " + shown + " from " + address + " refused: throttled (" +
                 std::to_string(wait) + "s)");
        response.set_header("Retry-After", std::to_string(wait));
        return html(response, 429,
                    login_page("Too many failed logins: try again in " + std::to_string(wait) +
                               " seconds."));
    }
    Attempt attempt(ctx.throttle, name, address);

    std::optional<AdminAccount> account;
    if (admin::check_account_name(name)) {
        const std::lock_guard lock(ctx.mutex);
        auto found = store->find_account(name);
        if (!found) {
            log_line("admin: login for " + shown + ": " + found.error().reason);
            return html(response, 503, login_page("The store is not available: try again."));
        }
        account = std::move(*found);
    }
    bool right = false;
    {
        // Outside the store's lock: a hash takes about 0.2 s and 64 MiB.
        hashing.acquire();
        if (account) {
            auto verified = admin::verify_password(account->password_hash, password);
            right = verified && *verified;
        } else {
            admin::verify_nothing(password);
        }
        hashing.release();
    }
    if (!right) {
        const unsigned failures = attempt.failed();
        log_line("admin: failed login for " + shown + " from " + address + " (" +
                 std::to_string(failures) + " in a row)");
        {
            const std::lock_guard lock(ctx.mutex);
            admin::Accounts audit(*store, ctx.actor("anonymous"));
            if (auto st = audit.session_login_failed(shown, address, failures); !st)
                log_line("admin: audit log: " + st.error().reason);
        }
        return html(response, 401, login_page(kWrongLogin));
    }
    attempt.succeeded();
    const auto made = ctx.sessions.create(name, credential_stamp(*account), Clock::now());
    if (!made) {
        log_line("admin: login for " + name + " from " + address +
                 " refused: the session table is full");
        return html(response, 503, login_page("Too many sessions: try again later."));
    }
    {
        // A login that cannot be recorded does not happen.
        const std::lock_guard lock(ctx.mutex);
        admin::Accounts audit(*store, ctx.actor("user:" + name));
        if (auto st = audit.session_login(name, address); !st) {
            ctx.sessions.remove(made->id);
            log_line("admin: login for " + name + " refused: audit log: " + st.error().reason);
            return html(response, 503, login_page("The store is not available: try again."));
        }
    }
    log_line("admin: " + name + " logged in from " + address);
    response.set_header("Set-Cookie", session_set_cookie(made->id));
    redirect(response, "/ui/");
}

void Listener::Impl::logout(const httplib::Request& request, httplib::Response& response) {
    const auto id = session_cookie(request);
    if (id && !id->empty()) {
        if (auto session = ctx.sessions.find(*id, Clock::now())) {
            // The header (a script), or the form field (the UI's button) of a form post; never
            // the query string, which ends up in logs and the history.
            std::string token = request.get_header_value("X-CSRF-Token");
            if (token.empty() && request.target.find('?') == std::string::npos &&
                media_type(request.get_header_value("Content-Type")) ==
                    "application/x-www-form-urlencoded")
                token = request.get_param_value("csrf");
            if (!same_secret(token, session->csrf))
                return write_refusal(response,
                                     Refusal{403, "csrf", "missing or wrong CSRF token", {}});
            ctx.sessions.remove(*id);
            const std::string& address = request.remote_addr;
            log_line("admin: " + session->user + " logged out from " + address);
            const std::lock_guard lock(ctx.mutex);
            admin::Accounts audit(*store, ctx.actor("user:" + session->user));
            if (auto st = audit.session_logout(session->user, address); !st)
                log_line("admin: audit log: " + st.error().reason);
        }
    }
    response.set_header("Set-Cookie", session_set_cookie(""));
    redirect(response, "/");
}

void Listener::Impl::ui(const httplib::Request& request, httplib::Response& response) {
    std::string file = request.path.substr(4);
    if (file.empty())
        file = "index.html";
    if (!public_asset(file) && !session_caller(ctx, request))
        return redirect(response, "/");
    const auto asset = find_asset(file);
    if (!asset)
        return write_refusal(response, Refusal{404, "not_found", "no such file: " + file, {}});
    response.status = 200;
    response.set_content(asset->data.data(), asset->data.size(),
                         std::string(asset->content_type).c_str());
}

Listener::Listener(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Listener::~Listener() {
    stop();
}

std::uint16_t Listener::port() const {
    return impl_->port;
}

std::string Listener::fingerprint() const {
    const std::lock_guard lock(impl_->identity_mutex);
    return fingerprint_text(impl_->identity.certificate);
}

bool Listener::certificate_made() const {
    const std::lock_guard lock(impl_->identity_mutex);
    return impl_->identity.made_now;
}

Result<std::string> Listener::replace_certificate(const std::string& certificate_file,
                                                  const std::string& key_file) {
    if (certificate_file.empty() != key_file.empty())
        return fail(Error::usage("[admin] certificate and key: give both, or neither"));
    Result<TlsIdentity> identity = [&]() -> Result<TlsIdentity> {
        if (!certificate_file.empty())
            return load_tls_identity(certificate_file, key_file);
        // The stored one uses the listener's store and key store, which the API's calls share.
        const std::lock_guard lock(impl_->ctx.mutex);
        return stored_tls_identity(*impl_->store, *impl_->keys, certificate_hosts(impl_->config));
    }();
    SEALGATE_TRY(identity);
    if (!impl_->server->replace_tls(
            [&identity](SSL_CTX& ssl) { return setup_tls(ssl, *identity); }))
        return fail(Error::usage("[admin] the TLS certificate and key do not work together"));
    const std::string shown = fingerprint_text(identity->certificate);
    const std::lock_guard lock(impl_->identity_mutex);
    impl_->identity = std::move(*identity);
    return shown;
}

void Listener::stop() {
    if (!impl_->thread.joinable())
        return;
    *impl_->stopping = true;
    impl_->server->stop();
    shut_down_connections(impl_->port);
    impl_->thread.join();
}

Result<std::unique_ptr<Listener>> Listener::start(const ListenerConfig& config,
                                                  std::unique_ptr<Store> store,
                                                  std::unique_ptr<keystore::Keys> keys) {
    if (config.certificate_file.empty() != config.key_file.empty())
        return fail(Error::usage("[admin] certificate and key: give both, or neither"));
    Result<TlsIdentity> identity =
        config.certificate_file.empty()
            ? stored_tls_identity(*store, *keys, certificate_hosts(config))
            : load_tls_identity(config.certificate_file, config.key_file);
    SEALGATE_TRY(identity);

    auto impl =
        std::make_unique<Impl>(config, std::move(store), std::move(keys), std::move(*identity));
    add_account_routes(impl->routes);
    add_object_routes(impl->routes);
    add_pgp_log_routes(impl->routes);
    add_exchange_routes(impl->routes);
    add_lifecycle_own_routes(impl->routes);
    add_crl_routes(impl->routes);
    add_discovery_routes(impl->routes);

    Impl* self = impl.get();
    EdgeLimits limits;
    limits.max_body = config.max_body;
    limits.per_client = config.max_per_client;
    limits.max_requests = kKeepAliveRequests;
    limits.idle = std::chrono::seconds(kKeepAliveSeconds);
    impl->server = std::make_unique<GuardedServer>(
        [self](SSL_CTX& ssl) { return setup_tls(ssl, self->identity); }, limits);
    GuardedServer& srv = *impl->server;
    if (!srv.is_valid())
        return fail(Error::usage("[admin] the TLS certificate and key do not work together"));

    const auto stopping = impl->stopping;
    const std::size_t threads = config.threads, waiting = config.max_waiting;
    srv.new_task_queue = [threads, waiting, stopping] {
        return new BoundedPool(threads, waiting, stopping);
    };
    srv.set_tcp_nodelay(true);
    // GuardedServer serves the connections; httplib names these in its Keep-Alive header.
    srv.set_keep_alive_max_count(kKeepAliveRequests);
    srv.set_keep_alive_timeout(kKeepAliveSeconds);
    srv.set_payload_max_length(config.max_body);
    srv.set_default_headers(security_headers());
    const auto handler = [self](const httplib::Request& req, httplib::Response& res) {
        self->handle(req, res);
    };
    srv.Get(".*", handler);
    srv.Post(".*", handler);
    srv.Put(".*", handler);
    srv.Patch(".*", handler);
    srv.Delete(".*", handler);
    srv.Options(".*", handler);
    // What httplib refuses itself (a body over the limit, a request it cannot parse) gets the
    // API's error form too.
    srv.set_error_handler(
        httplib::Server::HandlerWithResponse([](const httplib::Request&, httplib::Response& res) {
            if (!res.body.empty())
                return httplib::Server::HandlerResponse::Unhandled;
            const std::string message = res.status == 413   ? "the request body is over the limit"
                                        : res.status == 400 ? "the request cannot be read"
                                        : res.status == 404 ? "no such page"
                                                            : "the request failed";
            res.set_content(error_body(Refusal{res.status, code_of(res.status), message, {}}),
                            "application/json");
            return httplib::Server::HandlerResponse::Handled;
        }));
    srv.set_exception_handler(
        [](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
            std::string what = "unknown exception";
            try {
                std::rethrow_exception(ep);
            } catch (const std::exception& e) {
                what = e.what();
            } catch (...) {
            }
            std::fprintf(stderr, "sealgate: admin: %s %s: %s\n", req.method.c_str(),
                         req.path.c_str(), what.c_str());
            write_refusal(res, Refusal{500, "internal", "internal error", {}});
        });

    const int port =
        config.port == 0
            ? srv.bind_to_any_port(config.host)
            : (srv.bind_to_port(config.host, config.port) ? static_cast<int>(config.port) : -1);
    if (port <= 0 || !srv.set_backlog(kBacklog))
        return fail(Error::usage("admin listener: cannot listen on " + config.host + ":" +
                                 std::to_string(config.port)));
    impl->port = static_cast<std::uint16_t>(port);

    Addresses& a = impl->ctx.addresses;
    a.smtp_listen = config.smtp_listen;
    a.smtp_host = config.smtp_host;
    a.smtp_port = config.smtp_port;
    const bool v6 = config.host.find(':') != std::string::npos;
    a.admin_listen = (v6 ? "[" + config.host + "]" : config.host) + ":" + std::to_string(port);
    a.next_hop = config.next_hop;
    a.next_hop_host = config.next_hop_host;
    a.next_hop_port = config.next_hop_port;
    a.hostname = config.hostname;
    a.policy_generation = config.policy_generation;
    impl->ctx.discover = config.discover;

    impl->thread = std::thread([self] { self->server->listen_after_bind(); });
    return std::unique_ptr<Listener>(new Listener(std::move(impl)));
}

}  // namespace sealgate::web
