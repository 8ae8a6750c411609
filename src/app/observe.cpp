#include "app/observe.hpp"

#include <algorithm>
#include <asio/connect.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read_until.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <ctime>
#include <memory>

#include "metrics/metrics.hpp"
#include "metrics/text.hpp"
#include "openpgp/key.hpp"

namespace sealgate::app {

namespace {

constexpr auto kStoreStale = std::chrono::seconds(5);
constexpr auto kProbeInterval = std::chrono::seconds(2);
constexpr auto kProbeTimeout = std::chrono::milliseconds(1500);
constexpr auto kSampleInterval = std::chrono::seconds(1);

// Wait `d`, or less once `stop` says so (checked every 100 ms).
asio::awaitable<void> pause(asio::steady_timer& timer, std::chrono::milliseconds d,
                            const std::function<bool()>& stop) {
    const auto until = std::chrono::steady_clock::now() + d;
    while (!stop() && std::chrono::steady_clock::now() < until) {
        timer.expires_after(std::min<std::chrono::steady_clock::duration>(
            std::chrono::milliseconds(100), until - std::chrono::steady_clock::now()));
        std::error_code ec;
        co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
}

// Connect, read the first greeting line, say QUIT. An empty string when it was a 220.
asio::awaitable<std::string> greeting(std::string host, std::uint16_t port) {
    auto executor = co_await asio::this_coro::executor;
    // Shared with the deadline's handler, which may run after this coroutine has returned.
    struct Probe {
        explicit Probe(const asio::any_io_executor& ex) : resolver(ex), socket(ex) {}
        asio::ip::tcp::resolver resolver;
        asio::ip::tcp::socket socket;
        bool timed_out = false;
    };
    const auto probe = std::make_shared<Probe>(executor);
    asio::steady_timer deadline(executor, kProbeTimeout);
    deadline.async_wait([probe](const std::error_code& ec) {
        if (ec)
            return;
        probe->timed_out = true;
        probe->resolver.cancel();
        std::error_code ignored;
        probe->socket.close(ignored);
    });
    const auto failed = [&](const std::string& what, const std::error_code& ec) {
        deadline.cancel();
        return what + ": " + (probe->timed_out ? std::string("timed out") : ec.message());
    };
    std::error_code ec;
    auto endpoints = co_await probe->resolver.async_resolve(
        host, std::to_string(port), asio::redirect_error(asio::use_awaitable, ec));
    if (ec)
        co_return failed("resolve " + host, ec);
    co_await asio::async_connect(probe->socket, endpoints,
                                 asio::redirect_error(asio::use_awaitable, ec));
    if (ec)
        co_return failed("connect", ec);
    std::string line;
    co_await asio::async_read_until(probe->socket, asio::dynamic_buffer(line, 4096), "\r\n",
                                    asio::redirect_error(asio::use_awaitable, ec));
    if (ec)
        co_return failed("greeting", ec);
    deadline.cancel();
    const std::string first = line.substr(0, line.find("\r\n"));
    if (first.rfind("220", 0) != 0)
        co_return "greeting: " + first.substr(0, 200);
    co_await asio::async_write(probe->socket, asio::buffer(std::string_view("QUIT\r\n")),
                               asio::redirect_error(asio::use_awaitable, ec));
    std::error_code ignored;
    probe->socket.close(ignored);
    co_return std::string();
}

}  // namespace

std::optional<Observer::Answer> Observer::answer(std::string_view path) const {
    if (path == "/healthz")
        return Answer{200, "text/plain; charset=utf-8", "ok\n"};
    if (path == "/metrics")
        return Answer{200, std::string(metrics::kContentType), metrics::process().render()};
    if (path != "/readyz")
        return std::nullopt;
    const auto checks = readiness();
    bool ready = true;
    std::string lines;
    for (const auto& c : checks) {
        ready = ready && c.ok;
        lines += c.name + ": " + (c.ok ? "ok" : "down") + (c.detail.empty() ? "" : ": ") +
                 c.detail + "\n";
    }
    return Answer{ready ? 200 : 503, "text/plain; charset=utf-8",
                  (ready ? "ready\n" : "not ready\n") + lines};
}

std::vector<Observer::Check> Observer::readiness() const {
    std::vector<Check> out;
    std::function<Status()> key_check;
    {
        const std::lock_guard lock(mutex_);
        const auto now = std::chrono::steady_clock::now();
        if (!store_at_)
            out.push_back({"store", false, store_why_});
        else if (now - *store_at_ > kStoreStale)
            out.push_back({"store", false,
                           "not polled for " +
                               std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                                                  now - *store_at_)
                                                  .count()) +
                               " s"});
        else
            out.push_back({"store", store_ok_, store_why_});  // during an outage too
        key_check = key_check_;
    }
    if (key_check) {
        const Status st = key_check();
        out.push_back({"keys", static_cast<bool>(st), st ? "" : st.error().reason});
    } else {
        out.push_back({"keys", true, "in process"});
    }
    const std::lock_guard lock(mutex_);
    out.push_back({"serving", !stopping_, stopping_ ? "stopping" : ""});
    for (const auto& [name, hop] : hops_) {
        const std::string where = hop.host + ":" + std::to_string(hop.port);
        const bool up = hop.probed && hop.ok;
        out.push_back({name, up, up ? where : where + ": " + hop.why});
    }
    return out;
}

void Observer::store_polled(bool ok, const std::string& why) {
    const std::lock_guard lock(mutex_);
    store_at_ = std::chrono::steady_clock::now();
    store_ok_ = ok;
    store_why_ = why;
}

void Observer::set_key_check(std::function<Status()> check) {
    const std::lock_guard lock(mutex_);
    key_check_ = std::move(check);
}

void Observer::set_stopping() {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
}

void Observer::set_next_hop(const std::string& check, const std::string& host, std::uint16_t port) {
    const std::lock_guard lock(mutex_);
    const auto it = hops_.find(check);
    if (it != hops_.end() && it->second.host == host && it->second.port == port)
        return;
    hops_[check] = Hop{host, port};
}

void Observer::forget_next_hop(const std::string& check) {
    const std::lock_guard lock(mutex_);
    hops_.erase(check);
}

asio::awaitable<void> Observer::probe_next_hop(std::function<bool()> stop) {
    asio::steady_timer timer(co_await asio::this_coro::executor);
    while (!stop()) {
        std::map<std::string, Hop> hops;
        {
            const std::lock_guard lock(mutex_);
            hops = hops_;
        }
        const auto started = std::chrono::steady_clock::now();
        for (const auto& [name, hop] : hops) {
            const std::string why = co_await greeting(hop.host, hop.port);
            // A SIGHUP may have changed the next hop meanwhile: this result is not its.
            const std::lock_guard lock(mutex_);
            const auto now = hops_.find(name);
            if (now == hops_.end() || now->second.host != hop.host || now->second.port != hop.port)
                continue;
            now->second.probed = true;
            now->second.ok = why.empty();
            now->second.why = why;
        }
        const auto spent = std::chrono::steady_clock::now() - started;
        const auto rest = kProbeInterval - spent;
        if (rest > std::chrono::steady_clock::duration::zero())
            co_await pause(timer, std::chrono::duration_cast<std::chrono::milliseconds>(rest),
                           stop);
    }
}

asio::awaitable<void> Observer::sample(net::Server& server, std::function<bool()> stop) {
    asio::steady_timer timer(co_await asio::this_coro::executor);
    auto& m = metrics::process();
    while (!stop()) {
        m.smtp_sessions.set(static_cast<std::int64_t>(server.active_connections()));
        m.smtp_sessions_total.set(static_cast<std::int64_t>(server.accepted_connections()));
        m.buffered_bytes.set(static_cast<std::int64_t>(server.buffered_bytes()));
        co_await pause(timer, kSampleInterval, stop);
    }
}

void Observer::policy_loaded(const policy::Snapshot& snapshot) {
    std::vector<metrics::Expiry> list;
    for (const auto& [sha256, stored] : snapshot.certificates())
        list.push_back({metrics::Expiry::Kind::certificate, sha256, stored.has_private_key,
                        stored.cert.not_after()});
    std::map<std::string, std::time_t> seen;
    for (const auto& key : snapshot.pgp_keys()) {
        // A renewal keeps the fingerprint and changes the key: remembered per blob.
        const std::string cache_key =
            key.fingerprint + ":" + std::to_string(std::hash<std::string>{}(key.public_key));
        std::time_t expires = 0;
        if (const auto known = pgp_expiry_.find(cache_key); known != pgp_expiry_.end()) {
            expires = known->second;
        } else if (auto info = openpgp::key_info(key.public_key)) {
            expires = info->primary.expires;
        }
        seen[cache_key] = expires;
        if (expires != 0)
            list.push_back({metrics::Expiry::Kind::pgp_key, key.fingerprint,
                            !key.sealed_secret.empty(), expires});
    }
    pgp_expiry_ = std::move(seen);
    metrics::process().set_expiries(std::move(list));
}

}  // namespace sealgate::app
