// net/probe.hpp — can a TCP connection to HOST:PORT be opened now? For the status page's "next
// hop reachable": a connect and an immediate close, no protocol spoken.
//
// Blocking, bounded by `timeout` for the connect (name resolution is the system's and may take
// longer for a name; an address literal resolves at once). Each address of the name is tried in
// turn until one connects.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace sealgate::net {

bool tcp_reachable(const std::string& host, std::uint16_t port, std::chrono::milliseconds timeout);

}  // namespace sealgate::net
