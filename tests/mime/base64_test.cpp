#include "mime/base64.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>

namespace sealgate::mime {
namespace {

// Deterministic bytes covering all 256 values.
std::string pattern(std::size_t n) {
    std::string s(n, '\0');
    for (std::size_t i = 0; i < n; ++i)
        s[i] = static_cast<char>((i * 151 + 7) & 0xFF);
    return s;
}

TEST(Base64, Rfc4648TestVectors) {
    // RFC 4648 §10.
    EXPECT_EQ(base64_encode(""), "");
    EXPECT_EQ(base64_encode("f"), "Zg==\r\n");
    EXPECT_EQ(base64_encode("fo"), "Zm8=\r\n");
    EXPECT_EQ(base64_encode("foo"), "Zm9v\r\n");
    EXPECT_EQ(base64_encode("foob"), "Zm9vYg==\r\n");
    EXPECT_EQ(base64_encode("fooba"), "Zm9vYmE=\r\n");
    EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy\r\n");
    EXPECT_EQ(*base64_decode("Zm9vYmFy"), "foobar");
    EXPECT_EQ(*base64_decode("Zm9vYmE="), "fooba");
    EXPECT_EQ(*base64_decode("Zm9vYg=="), "foob");
    EXPECT_EQ(*base64_decode(""), "");
}

TEST(Base64, EncodeWrapsAt76WithCrlf) {
    const std::string enc = base64_encode(pattern(200));  // 268 characters: 3 full lines + 40
    std::size_t pos = 0;
    std::size_t lines = 0;
    while (pos < enc.size()) {
        const std::size_t eol = enc.find("\r\n", pos);
        ASSERT_NE(eol, std::string::npos) << "last line lacks its CRLF";
        EXPECT_LE(eol - pos, 76U);
        EXPECT_EQ(enc.substr(pos, eol - pos).find('\n'), std::string::npos);
        pos = eol + 2;
        ++lines;
    }
    EXPECT_EQ(lines, 4U);
    EXPECT_EQ(enc.size(), 268U + 4 * 2);
}

TEST(Base64, EncodeExactLineHasNoEmptyLineAfter) {
    // 57 bytes make exactly one 76-character line.
    const std::string enc = base64_encode(pattern(57));
    EXPECT_EQ(enc.size(), 78U);
    EXPECT_TRUE(enc.ends_with("\r\n"));
    EXPECT_FALSE(enc.ends_with("\r\n\r\n"));
    // 58 bytes: the padded final group starts the second line.
    const std::string enc2 = base64_encode(pattern(58));
    EXPECT_EQ(enc2.substr(78), enc2.substr(76 + 2, 4) + "\r\n");
    EXPECT_EQ(enc2.size(), 78U + 6U);
}

TEST(Base64, EncodeOtherLineLengths) {
    EXPECT_EQ(base64_encode("foobar", 0), "Zm9vYmFy");
    EXPECT_EQ(base64_encode("foobar", 4), "Zm9v\r\nYmFy\r\n");
    EXPECT_EQ(base64_encode("foobar", 3), "Zm9\r\nvYm\r\nFy\r\n");
}

TEST(Base64, AppendAndEncodedSize) {
    std::string out = "prefix:";
    base64_encode_append(out, "foobar", 4);
    EXPECT_EQ(out, "prefix:Zm9v\r\nYmFy\r\n");
    for (std::size_t n = 0; n < 200; n += 7)
        for (const std::size_t line : {std::size_t{76}, std::size_t{5}, std::size_t{0}})
            EXPECT_EQ(base64_encoded_size(n, line), base64_encode(pattern(n), line).size())
                << n << " " << line;
}

// The streaming encoder gives base64_encode()'s output whatever the pieces: empty pieces, single
// bytes, pieces that end inside a 3-byte group or a line, and pieces of many lines (4 KB, as
// OpenSSL writes streamed CMS). Piece sizes come from a fixed-seed generator.
TEST(Base64, EncoderMatchesOneShotEncodingForAnySplit) {
    std::mt19937 rng(20261129);
    for (std::size_t n = 0; n < 1200; n += (n < 240 ? 1 : 37)) {
        const std::string bytes = pattern(n);
        for (const std::size_t max_piece : {std::size_t{1}, std::size_t{5}, std::size_t{60},
                                            std::size_t{200}, std::size_t{4100}}) {
            std::string out = "prefix:";
            Base64Encoder b64(out);
            for (std::size_t at = 0; at < n;) {
                const std::size_t piece =
                    std::min<std::size_t>(n - at, rng() % (max_piece + 1));  // 0 included
                b64.write(std::string_view(bytes).substr(at, piece));
                at += piece;
            }
            b64.finish();
            ASSERT_EQ(out, "prefix:" + base64_encode(bytes))
                << n << " bytes, pieces <= " << max_piece;
        }
    }
}

TEST(Base64, EncoderFinishWithoutInputWritesNothing) {
    std::string out;
    Base64Encoder b64(out);
    b64.write("");
    b64.finish();
    EXPECT_EQ(out, "");
}

TEST(Base64, RoundTripAllLengths) {
    for (std::size_t n = 0; n < 300; ++n) {
        const std::string bytes = pattern(n);
        for (const std::size_t line :
             {std::size_t{76}, std::size_t{64}, std::size_t{0}, std::size_t{5}}) {
            auto dec = base64_decode(base64_encode(bytes, line));
            ASSERT_TRUE(dec) << n << ": " << dec.error().reason;
            ASSERT_EQ(*dec, bytes) << "length " << n << " line " << line;
        }
    }
}

TEST(Base64, DecodeSkipsLineStructure) {
    EXPECT_EQ(*base64_decode("Zm9v\r\nYmFy\r\n"), "foobar");
    EXPECT_EQ(*base64_decode(" Zm 9v\tYm\nFy "), "foobar");
    EXPECT_EQ(*base64_decode("Zm9vYg=\r\n=\r\n"), "foob");
    EXPECT_EQ(*base64_decode("\r\n"), "");
}

TEST(Base64, DecodeToleratesNonZeroPadBitsAndLfLines) {
    EXPECT_EQ(*base64_decode("Zh=="), "f");  // 'h' leaves bits set that padding discards
    std::string lf = base64_encode(pattern(1000));
    std::erase(lf, '\r');
    EXPECT_EQ(*base64_decode(lf), pattern(1000));
}

TEST(Base64, DecodeRejectsInvalidCharacter) {
    const auto r = base64_decode("Zm9v\r\nYm!y\r\n");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().reason, "base64: invalid character 0x21 at offset 8");
    EXPECT_EQ(r.error().code, 554);
    EXPECT_FALSE(base64_decode("Zm9v-_8="));  // base64url alphabet is not MIME base64
    EXPECT_FALSE(base64_decode(std::string("Zm\0v", 4)));
}

TEST(Base64, DecodeRejectsTruncatedQuantum) {
    const auto r = base64_decode("Zm9vYmF");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().reason, "base64: truncated final quantum (3 characters)");
    EXPECT_FALSE(base64_decode("Z"));
    EXPECT_FALSE(base64_decode("Zm9vY\r\n"));
}

TEST(Base64, DecodeRejectsBadPadding) {
    EXPECT_EQ(base64_decode("Z===").error().reason, "base64: misplaced padding at offset 1");
    EXPECT_EQ(base64_decode("====").error().reason, "base64: misplaced padding at offset 0");
    EXPECT_EQ(base64_decode("Zg==Zg==").error().reason, "base64: data after padding at offset 4");
    EXPECT_EQ(base64_decode("Zg=").error().reason, "base64: incomplete padding at end of data");
    EXPECT_EQ(base64_decode("Zm8==").error().reason, "base64: too much padding at offset 4");
}

}  // namespace
}  // namespace sealgate::mime
