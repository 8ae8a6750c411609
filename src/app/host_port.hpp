// app/host_port.hpp — the HOST:PORT form of every listen and next-hop setting.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace sealgate::app {

struct HostPort {
    std::string host;  // without the brackets of an IPv6 literal ("[::1]:25" -> "::1")
    std::uint16_t port = 0;
};

// "HOST:PORT" split at its last colon; the port is 0-65535 in decimal digits only. Errors are
// Error::usage, prefixed with `what` (the setting's name) when given.
Result<HostPort> parse_host_port(const std::string& text, std::string_view what = {});

}  // namespace sealgate::app
