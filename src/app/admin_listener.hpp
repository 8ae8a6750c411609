// app/admin_listener.hpp — `serve`'s admin listener (web/listener.hpp), wired from the
// configuration: [admin] listen or --admin-listen, [admin] certificate and key, and where the
// SMTP listener and the next hop are (for the status page and the test message).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "app/config.hpp"
#include "app/context.hpp"
#include "app/observe.hpp"
#include "core/result.hpp"
#include "web/listener.hpp"

namespace sealgate::app {

// Starts the listener on `listen` (HOST:PORT) and prints where it is and the SHA-256 of its
// certificate. smtp_host/smtp_port: the SMTP listener as bound; policy_generation: the
// gateway's (Gateway::loaded_generation); observer: answers /metrics, /healthz, /readyz (it
// must outlive the listener; null: not served).
Result<std::unique_ptr<web::Listener>> start_admin_listener(
    const Context& ctx, const Config& cfg, const std::string& listen, const std::string& smtp_host,
    std::uint16_t smtp_port, std::function<std::uint64_t()> policy_generation,
    const Observer* observer = nullptr);

}  // namespace sealgate::app
