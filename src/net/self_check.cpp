#include "net/self_check.hpp"

#include <ifaddrs.h>
#include <netinet/in.h>

#include <algorithm>
#include <asio/io_context.hpp>

namespace sealgate::net {
namespace {

asio::ip::address plain(const asio::ip::address& a) {
    if (a.is_v6() && a.to_v6().is_v4_mapped())
        return asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6());
    return a;
}

}  // namespace

bool points_at_self(const asio::ip::tcp::endpoint& listen,
                    const std::vector<asio::ip::tcp::endpoint>& next_hop,
                    const std::vector<asio::ip::address>& local) {
    const auto own = plain(listen.address());
    for (const auto& hop : next_hop) {
        if (hop.port() != listen.port())
            continue;
        const auto addr = plain(hop.address());
        if (addr == own)
            return true;
        if (!own.is_unspecified())
            continue;
        // A v4 wildcard takes no IPv6 connections; a v6 one takes both (dual stack, the
        // Linux default) — count both, a false "loop" only asks for an explicit address.
        if (own.is_v4() && !addr.is_v4())
            continue;
        if (addr.is_loopback() || addr.is_unspecified())
            return true;
        if (std::any_of(local.begin(), local.end(),
                        [&](const asio::ip::address& l) { return plain(l) == addr; }))
            return true;
    }
    return false;
}

std::vector<asio::ip::address> local_addresses() {
    std::vector<asio::ip::address> out;
    ifaddrs* list = nullptr;
    if (getifaddrs(&list) != 0)
        return out;
    for (const ifaddrs* i = list; i != nullptr; i = i->ifa_next) {
        if (i->ifa_addr == nullptr)
            continue;
        if (i->ifa_addr->sa_family == AF_INET) {
            sockaddr_in sin{};
            std::copy_n(reinterpret_cast<const unsigned char*>(i->ifa_addr), sizeof sin,
                        reinterpret_cast<unsigned char*>(&sin));
            asio::ip::address_v4::bytes_type b{};
            std::copy_n(reinterpret_cast<const unsigned char*>(&sin.sin_addr), b.size(), b.begin());
            out.emplace_back(asio::ip::address_v4(b));
        } else if (i->ifa_addr->sa_family == AF_INET6) {
            sockaddr_in6 sin6{};
            std::copy_n(reinterpret_cast<const unsigned char*>(i->ifa_addr), sizeof sin6,
                        reinterpret_cast<unsigned char*>(&sin6));
            asio::ip::address_v6::bytes_type b{};
            std::copy_n(reinterpret_cast<const unsigned char*>(&sin6.sin6_addr), b.size(),
                        b.begin());
            out.emplace_back(asio::ip::address_v6(b, sin6.sin6_scope_id));
        }
    }
    freeifaddrs(list);
    return out;
}

Result<std::vector<asio::ip::tcp::endpoint>> resolve_now(const std::string& host,
                                                         std::uint16_t port) {
    asio::io_context io;
    asio::ip::tcp::resolver resolver(io);
    asio::error_code ec;
    const auto results = resolver.resolve(host, std::to_string(port), ec);
    if (ec)
        return fail(Error::temp("cannot resolve " + host + ": " + ec.message()));
    std::vector<asio::ip::tcp::endpoint> out;
    for (const auto& r : results)
        out.push_back(r.endpoint());
    return out;
}

}  // namespace sealgate::net
