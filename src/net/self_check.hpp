// net/self_check.hpp — is the next hop this very listener? Then every message would loop
// through the gateway until the hop limit ends it, holding a connection per round: serve
// refuses to start (and a SIGHUP refuses such a next hop) instead.
//
// points_at_self() is true when one of the next hop's addresses is served by the listening
// socket: same port, and the same address, or — for a wildcard listener (0.0.0.0, ::) — any
// address of this host: loopback (127.0.0.0/8, ::1), the unspecified address (a connect to
// 0.0.0.0 reaches the local host) or one of `local` (the interfaces' addresses). IPv4-mapped
// IPv6 addresses count as the IPv4 address (a dual-stack :: listener takes IPv4 too).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <asio/ip/address.hpp>
#include <asio/ip/tcp.hpp>

#include "core/result.hpp"

namespace sealgate::net {

bool points_at_self(const asio::ip::tcp::endpoint& listen,
                    const std::vector<asio::ip::tcp::endpoint>& next_hop,
                    const std::vector<asio::ip::address>& local);

// The addresses of this host's interfaces (getifaddrs); empty when they cannot be read.
std::vector<asio::ip::address> local_addresses();

// Blocking name resolution, for start-up checks only.
Result<std::vector<asio::ip::tcp::endpoint>> resolve_now(const std::string& host,
                                                         std::uint16_t port);

}  // namespace sealgate::net
