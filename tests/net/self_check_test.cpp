// net/self_check: a next hop that is the gateway's own listener.
#include "net/self_check.hpp"

#include <gtest/gtest.h>

namespace sealgate::net {
namespace {

asio::ip::tcp::endpoint ep(const char* address, std::uint16_t port) {
    return {asio::ip::make_address(address), port};
}

const std::vector<asio::ip::address> kLocal = {asio::ip::make_address("192.0.2.10"),
                                               asio::ip::make_address("2001:db8::10")};

TEST(SelfCheck, SameAddressAndPort) {
    EXPECT_TRUE(points_at_self(ep("127.0.0.1", 10025), {ep("127.0.0.1", 10025)}, kLocal));
    EXPECT_FALSE(points_at_self(ep("127.0.0.1", 10025), {ep("127.0.0.1", 10026)}, kLocal));
    // Another loopback address is not this socket when it listens on one address only.
    EXPECT_FALSE(points_at_self(ep("127.0.0.1", 10025), {ep("127.0.0.2", 10025)}, kLocal));
    EXPECT_FALSE(points_at_self(ep("192.0.2.10", 25), {ep("127.0.0.1", 25)}, kLocal));
}

TEST(SelfCheck, WildcardListenerTakesEveryLocalAddress) {
    const auto any4 = ep("0.0.0.0", 10025);
    EXPECT_TRUE(points_at_self(any4, {ep("127.0.0.1", 10025)}, kLocal));
    EXPECT_TRUE(points_at_self(any4, {ep("127.1.2.3", 10025)}, kLocal));
    EXPECT_TRUE(points_at_self(any4, {ep("0.0.0.0", 10025)}, kLocal));
    EXPECT_TRUE(points_at_self(any4, {ep("192.0.2.10", 10025)}, kLocal));
    EXPECT_FALSE(points_at_self(any4, {ep("192.0.2.99", 10025)}, kLocal));  // another host
    EXPECT_FALSE(points_at_self(any4, {ep("127.0.0.1", 10026)}, kLocal));
    EXPECT_FALSE(points_at_self(any4, {ep("::1", 10025)}, kLocal));  // v4 wildcard: no v6

    const auto any6 = ep("::", 10025);
    EXPECT_TRUE(points_at_self(any6, {ep("::1", 10025)}, kLocal));
    EXPECT_TRUE(points_at_self(any6, {ep("127.0.0.1", 10025)}, kLocal));  // dual stack
    EXPECT_TRUE(points_at_self(any6, {ep("2001:db8::10", 10025)}, kLocal));
    EXPECT_FALSE(points_at_self(any6, {ep("2001:db8::99", 10025)}, kLocal));
}

TEST(SelfCheck, AnyResolvedAddressCountsAndMappedAddressesAreIPv4) {
    EXPECT_TRUE(points_at_self(ep("127.0.0.1", 25),
                               {ep("192.0.2.99", 25), ep("::ffff:127.0.0.1", 25)}, kLocal));
    EXPECT_TRUE(points_at_self(ep("::ffff:127.0.0.1", 25), {ep("127.0.0.1", 25)}, kLocal));
}

TEST(SelfCheck, ThisHostHasALoopbackInterfaceAndResolvesLocalhost) {
    const auto local = local_addresses();
    EXPECT_TRUE(std::any_of(local.begin(), local.end(),
                            [](const asio::ip::address& a) { return a.is_loopback(); }));
    const auto resolved = resolve_now("localhost", 10025);
    ASSERT_TRUE(resolved) << resolved.error().reason;
    EXPECT_TRUE(points_at_self(ep("127.0.0.1", 10025), *resolved, local) ||
                points_at_self(ep("::1", 10025), *resolved, local));
}

}  // namespace
}  // namespace sealgate::net
