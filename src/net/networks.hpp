// net/networks.hpp — the client networks allowed to relay through sealgate.
//
// A list of CIDR networks ("127.0.0.0/8", "::1/128", "192.0.2.10" = a single host). An IPv4
// address seen as IPv4-mapped IPv6 ("::ffff:192.0.2.1") is matched against the IPv4 networks.
// The default is loopback only: sealgate sits behind Postfix on the same host.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <asio/ip/address.hpp>

#include "core/result.hpp"

namespace sealgate::net {

class NetworkList {
  public:
    static NetworkList loopback();
    // Error (naming the bad entry) when an entry is not an address or CIDR network.
    static Result<NetworkList> parse(const std::vector<std::string>& networks);

    bool contains(const asio::ip::address& address) const;
    bool contains(std::string_view address) const;  // false for unparsable text

  private:
    struct Network {
        asio::ip::address base;
        unsigned prefix;
    };
    std::vector<Network> networks_;
};

}  // namespace sealgate::net
