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

// Straightforward reference for the vectorised check and the line-by-line rewrite.
std::string naive_crlf(const std::string& in) {
    std::string out;
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (in[i] == '\r' && i + 1 < in.size() && in[i + 1] == '\n') {
            out += "\r\n";
            ++i;
        } else if (in[i] == '\r' || in[i] == '\n') {
            out += "\r\n";
        } else {
            out += in[i];
        }
    }
    return out;
}

TEST(ToCrlf, OneStrayByteAnywhereInALongInput) {
    std::string canonical;
    while (canonical.size() < 10000)
        canonical += "0123456789abcdefghijklmnopqrstuvwxyz\r\n";
    for (const std::size_t pos : {0, 1, 15, 16, 17, 31, 4095, 4096, 4097, 4113, 9000}) {
        for (const char stray : {'\r', '\n'}) {
            std::string in = canonical;
            in[pos + (pos % 38 >= 36 ? 2 : 0)] = stray;
            EXPECT_EQ(to_crlf(in), naive_crlf(in)) << pos << " " << int(stray);
        }
    }
    std::string tail = canonical;
    tail.back() = 'x';  // ends in a lone CR followed by 'x'
    EXPECT_EQ(to_crlf(tail), naive_crlf(tail));
    tail.pop_back();  // ends in a lone CR
    EXPECT_EQ(to_crlf(tail), canonical);
}

}  // namespace
}  // namespace sealgate::mime
