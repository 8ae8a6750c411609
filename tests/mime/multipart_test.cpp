#include <gtest/gtest.h>

#include "mime/entity.hpp"

namespace sealgate::mime {
namespace {

TEST(Multipart, PartsExcludeTheCrlfBeforeEachDelimiter) {
    const std::string body =
        "preamble\r\n--b\r\nContent-Type: text/plain\r\n\r\none\r\n--b\r\n\r\ntwo\r\n\r\n--b--\r\n"
        "epilogue\r\n";
    const auto parts = split_multipart(body, "b");
    ASSERT_TRUE(parts) << parts.error().reason;
    ASSERT_EQ(parts->size(), 2U);
    EXPECT_EQ((*parts)[0], "Content-Type: text/plain\r\n\r\none");
    EXPECT_EQ((*parts)[1], "\r\ntwo\r\n");  // the part's own final line break stays in the part
}

TEST(Multipart, PgpMimeShape) {
    // RFC 3156 §4 example layout.
    const std::string body =
        "--foo\r\nContent-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n\r\n"
        "--foo\r\nContent-Type: application/octet-stream\r\n\r\n-----BEGIN PGP MESSAGE-----\r\n"
        "x\r\n-----END PGP MESSAGE-----\r\n\r\n--foo--\r\n";
    const auto parts = split_multipart(body, "foo");
    ASSERT_TRUE(parts);
    ASSERT_EQ(parts->size(), 2U);
    auto control = Entity::parse(std::string((*parts)[0]));
    ASSERT_TRUE(control);
    EXPECT_EQ(control->get("content-type"), "application/pgp-encrypted");
    EXPECT_EQ(control->body(), "Version: 1\r\n");
    auto data = Entity::parse(std::string((*parts)[1]));
    ASSERT_TRUE(data);
    EXPECT_TRUE(data->body().starts_with("-----BEGIN PGP MESSAGE-----\r\n"));
    EXPECT_TRUE(data->body().ends_with("-----END PGP MESSAGE-----\r\n"));
}

TEST(Multipart, TransportPaddingAndLookalikeLines) {
    // "--bx", "--b x" and "--b--x" are not delimiters of boundary "b"; "--b \t" and "--b-- \t"
    // are (transport padding).
    const std::string body =
        "--b \t\r\nA\r\n--bx\r\n--b x\r\n--b--x\r\nB\r\n--b-- \t\r\nepilogue\r\n";
    const auto parts = split_multipart(body, "b");
    ASSERT_TRUE(parts) << parts.error().reason;
    ASSERT_EQ(parts->size(), 1U);
    EXPECT_EQ((*parts)[0], "A\r\n--bx\r\n--b x\r\n--b--x\r\nB");
}

TEST(Multipart, EmptyPartsAndCloseAtEndOfData) {
    const auto parts = split_multipart("--b\r\n--b\r\n\r\n--b--", "b");
    ASSERT_TRUE(parts) << parts.error().reason;
    ASSERT_EQ(parts->size(), 2U);
    EXPECT_EQ((*parts)[0], "");
    EXPECT_EQ((*parts)[1], "");
}

TEST(Multipart, DelimiterMustStartALine) {
    const auto parts = split_multipart("text --b\r\n--b\r\nX\r\n--b--\r\n", "b");
    ASSERT_TRUE(parts);
    ASSERT_EQ(parts->size(), 1U);
    EXPECT_EQ((*parts)[0], "X");
}

TEST(Multipart, Errors) {
    EXPECT_EQ(split_multipart("--b\r\nA\r\n--b\r\nB\r\n", "b").error().reason,
              "multipart: no closing boundary delimiter \"--b--\" (truncated message?)");
    EXPECT_EQ(split_multipart("--b\r\nA\r\n--b", "b").error().reason,
              "multipart: no closing boundary delimiter \"--b--\" (truncated message?)");
    EXPECT_EQ(split_multipart("no delimiters here\r\n", "b").error().reason,
              "multipart: no opening boundary delimiter \"--b\"");
    EXPECT_EQ(split_multipart("--bx\r\n", "b").error().reason,
              "multipart: no opening boundary delimiter \"--b\"");
    EXPECT_EQ(split_multipart("--\r\n--\r\n", "").error().reason, "multipart: empty boundary");
}

}  // namespace
}  // namespace sealgate::mime
