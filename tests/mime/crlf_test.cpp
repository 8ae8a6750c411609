#include <gtest/gtest.h>

#include "mime/entity.hpp"

namespace sealgate::mime {
namespace {

TEST(ToCrlf, ConvertsLfAndLoneCr) {
    EXPECT_EQ(to_crlf("a\nb\n"), "a\r\nb\r\n");
    EXPECT_EQ(to_crlf("a\rb\r"), "a\r\nb\r\n");
    EXPECT_EQ(to_crlf("a\r\nb\nc\rd"), "a\r\nb\r\nc\r\nd");
    EXPECT_EQ(to_crlf("\n\n"), "\r\n\r\n");
    EXPECT_EQ(to_crlf("\r\r\n"), "\r\n\r\n");
    EXPECT_EQ(to_crlf("\n\r"), "\r\n\r\n");  // LF then a lone CR: two line breaks
    EXPECT_EQ(to_crlf(""), "");
    EXPECT_EQ(to_crlf("no line end"), "no line end");
}

TEST(ToCrlf, KeepsEightBitAndNulBytes) {
    const std::string in("\xe4\x00\xff\n\x80", 5);
    EXPECT_EQ(to_crlf(in), std::string("\xe4\x00\xff\r\n\x80", 6));
}

TEST(ToCrlf, CanonicalInputIsReturnedWithoutCopy) {
    std::string big;
    for (int i = 0; i < 1000; ++i)
        big += "line of a canonical message\r\n";
    const char* const before = big.data();
    const std::string out = to_crlf(std::move(big));
    EXPECT_EQ(out.data(), before);  // the same buffer moved through
    EXPECT_EQ(out.size(), 29U * 1000);
}

}  // namespace
}  // namespace sealgate::mime
