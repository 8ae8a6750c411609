// app/metrics_listener.hpp — [metrics] listen: plain HTTP for Prometheus and health checks
// (/metrics, /healthz, /readyz; app/observe.hpp answers them), no authentication, so it belongs
// on a loopback address or a monitoring network (default 127.0.0.1:9310).
//
// Contract: cpp-httplib on two threads of its own (the SMTP path never waits for it); GET and
// HEAD of the three paths, 404 for any other path, 405 for another method; a request body is
// refused; 5 s read and write timeouts, keep-alive for 5 s. stop() stops and joins.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "app/observe.hpp"
#include "core/result.hpp"

namespace sealgate::app {

class MetricsListener {
  public:
    // listen: HOST:PORT (port 0: any free port). The observer must outlive the listener.
    static Result<std::unique_ptr<MetricsListener>> start(const std::string& listen,
                                                          const Observer& observer);
    ~MetricsListener();
    MetricsListener(const MetricsListener&) = delete;
    MetricsListener& operator=(const MetricsListener&) = delete;

    std::uint16_t port() const;
    void stop();

    struct Impl;

  private:
    explicit MetricsListener(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace sealgate::app
