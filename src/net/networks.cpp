#include "net/networks.hpp"

#include <charconv>

namespace sealgate::net {
namespace {

asio::ip::address unmapped(const asio::ip::address& a) {
    if (a.is_v6() && a.to_v6().is_v4_mapped())
        return asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6());
    return a;
}

template <class Bytes>
bool prefix_equal(const Bytes& a, const Bytes& b, unsigned prefix) {
    for (std::size_t i = 0; i < a.size() && prefix > 0; ++i) {
        const unsigned bits = prefix >= 8 ? 8 : prefix;
        const auto mask = static_cast<unsigned char>(0xFF << (8 - bits));
        if ((a[i] & mask) != (b[i] & mask))
            return false;
        prefix -= bits;
    }
    return true;
}

}  // namespace

NetworkList NetworkList::loopback() {
    return *parse({"127.0.0.0/8", "::1/128"});
}

Result<NetworkList> NetworkList::parse(const std::vector<std::string>& networks) {
    NetworkList list;
    for (const std::string& entry : networks) {
        const auto slash = entry.find('/');
        asio::error_code ec;
        const auto base = unmapped(asio::ip::make_address(entry.substr(0, slash), ec));
        if (ec)
            return fail(Error::usage("bad network address: " + entry));
        const unsigned max = base.is_v4() ? 32 : 128;
        unsigned prefix = max;
        if (slash != std::string::npos) {
            const char* first = entry.data() + slash + 1;
            const char* last = entry.data() + entry.size();
            const auto [ptr, err] = std::from_chars(first, last, prefix);
            if (err != std::errc{} || ptr != last || first == last || prefix > max)
                return fail(Error::usage("bad network prefix: " + entry));
        }
        list.networks_.push_back({base, prefix});
    }
    return list;
}

bool NetworkList::contains(const asio::ip::address& address) const {
    const auto a = unmapped(address);
    for (const Network& n : networks_) {
        if (a.is_v4() && n.base.is_v4() &&
            prefix_equal(a.to_v4().to_bytes(), n.base.to_v4().to_bytes(), n.prefix))
            return true;
        if (a.is_v6() && n.base.is_v6() &&
            prefix_equal(a.to_v6().to_bytes(), n.base.to_v6().to_bytes(), n.prefix))
            return true;
    }
    return false;
}

bool NetworkList::contains(std::string_view address) const {
    asio::error_code ec;
    const auto a = asio::ip::make_address(std::string(address), ec);
    return !ec && contains(a);
}

}  // namespace sealgate::net
