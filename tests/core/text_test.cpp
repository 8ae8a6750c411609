#include "core/text.hpp"

#include <gtest/gtest.h>

namespace sealgate {
namespace {

TEST(Text, AsciiLowerLeavesEightBitBytes) {
    EXPECT_EQ(ascii_lower("Message-ID: <A@B.Example>"), "message-id: <a@b.example>");
    EXPECT_EQ(ascii_lower("B\xc3\x9c"
                          "CHER"),
              "b\xc3\x9c"
              "cher");
    EXPECT_EQ(ascii_lower('Z'), 'z');
    EXPECT_EQ(ascii_lower('@'), '@');
}

TEST(Text, StripAngleBrackets) {
    EXPECT_EQ(strip_angle_brackets("<a@b>"), "a@b");
    EXPECT_EQ(strip_angle_brackets("a@b"), "a@b");
    EXPECT_EQ(strip_angle_brackets("<>"), "");
    EXPECT_EQ(strip_angle_brackets(""), "");
}

TEST(Text, CollapseSpaceMakesOneLine) {
    EXPECT_EQ(
        collapse_space("server closed the connection unexpectedly\n\tThis probably means the "
                       "server terminated abnormally\n\tbefore or while processing the request.\n"),
        "server closed the connection unexpectedly This probably means the server "
        "terminated abnormally before or while processing the request.");
    EXPECT_EQ(collapse_space("  a \r\n b  "), "a b");
    EXPECT_EQ(collapse_space(""), "");
}

}  // namespace
}  // namespace sealgate
