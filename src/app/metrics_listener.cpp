#include "app/metrics_listener.hpp"

#include <httplib.h>

#include <thread>

#include "app/host_port.hpp"

namespace sealgate::app {

struct MetricsListener::Impl {
    httplib::Server server;
    std::thread thread;
    std::uint16_t port = 0;
};

namespace {

constexpr int kThreads = 2;
constexpr int kTimeoutSeconds = 5;

}  // namespace

MetricsListener::MetricsListener(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

MetricsListener::~MetricsListener() {
    stop();
}

std::uint16_t MetricsListener::port() const {
    return impl_->port;
}

void MetricsListener::stop() {
    if (!impl_->thread.joinable())
        return;
    impl_->server.stop();
    impl_->thread.join();
}

Result<std::unique_ptr<MetricsListener>> MetricsListener::start(const std::string& listen,
                                                                const Observer& observer) {
    auto where = parse_host_port(listen, "[metrics] listen");
    SEALGATE_TRY(where);
    const std::string& host = where->host;
    const int wanted = where->port;

    auto impl = std::make_unique<Impl>();
    httplib::Server& srv = impl->server;
    srv.new_task_queue = [] { return new httplib::ThreadPool(kThreads); };
    srv.set_tcp_nodelay(true);
    srv.set_read_timeout(kTimeoutSeconds, 0);
    srv.set_write_timeout(kTimeoutSeconds, 0);
    srv.set_keep_alive_timeout(kTimeoutSeconds);
    srv.set_payload_max_length(0);
    const Observer* obs = &observer;
    srv.Get(".*", [obs](const httplib::Request& req, httplib::Response& res) {
        const auto answer = obs->answer(req.path);
        if (!answer) {
            res.status = 404;
            res.set_content("no such page: /metrics, /healthz, /readyz\n",
                            "text/plain; charset=utf-8");
            return;
        }
        res.status = answer->status;
        res.set_content(answer->body, answer->content_type);
    });
    const auto refuse = [](const httplib::Request&, httplib::Response& res) {
        res.status = 405;
        res.set_header("Allow", "GET, HEAD");
        res.set_content("GET or HEAD only\n", "text/plain; charset=utf-8");
    };
    srv.Post(".*", refuse);
    srv.Put(".*", refuse);
    srv.Patch(".*", refuse);
    srv.Delete(".*", refuse);
    srv.Options(".*", refuse);
    const int port =
        wanted == 0 ? srv.bind_to_any_port(host) : (srv.bind_to_port(host, wanted) ? wanted : -1);
    if (port <= 0)
        return fail(Error::usage("[metrics] listen: cannot listen on " + listen));
    impl->port = static_cast<std::uint16_t>(port);
    Impl* raw = impl.get();
    impl->thread = std::thread([raw] { raw->server.listen_after_bind(); });
    return std::unique_ptr<MetricsListener>(new MetricsListener(std::move(impl)));
}

}  // namespace sealgate::app
