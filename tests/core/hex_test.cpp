#include "core/hex.hpp"

#include <gtest/gtest.h>

namespace sealgate {
namespace {

TEST(Hex, RoundTrip) {
    const std::string bytes("\x00\x01\xab\xff", 4);
    EXPECT_EQ(to_hex(bytes), "0001abff");
    EXPECT_EQ(from_hex("0001ABff"), bytes);
    EXPECT_FALSE(from_hex("abc"));
    EXPECT_FALSE(from_hex("zz"));
}

TEST(Hex, OpensslColonForm) {
    EXPECT_EQ(hex_colons("0a1bff"), "0A:1B:FF");
    EXPECT_EQ(hex_colons(""), "");
}

TEST(Hex, GpgGroupForm) {
    EXPECT_EQ(hex_groups("0123456789abcdef0123456789abcdef01234567"),
              "0123 4567 89AB CDEF 0123  4567 89AB CDEF 0123 4567");
    EXPECT_EQ(hex_groups("abcdef12"), "ABCD EF12");
}

TEST(Hex, NormalizeAcceptsSeparatorsAndCase) {
    EXPECT_EQ(normalize_hex("AB:cd-EF 01"), "abcdef01");
    EXPECT_FALSE(normalize_hex("ab:cg"));
    EXPECT_FALSE(normalize_hex(":::"));
}

}  // namespace
}  // namespace sealgate
