#include <gtest/gtest.h>

#include "mime/entity.hpp"

namespace sealgate::mime {
namespace {

TEST(ContentType, TypeSubtypeAndParametersCaseInsensitive) {
    const auto ct = parse_content_type("Text/PLAIN; CharSet=UTF-8; format=flowed");
    ASSERT_TRUE(ct) << ct.error().reason;
    EXPECT_EQ(ct->type, "text");
    EXPECT_EQ(ct->subtype, "plain");
    EXPECT_TRUE(ct->is("TEXT", "Plain"));
    EXPECT_FALSE(ct->is("text", "html"));
    EXPECT_EQ(ct->param("charset"), "UTF-8");  // values keep their case
    EXPECT_EQ(ct->param("CHARSET"), "UTF-8");
    EXPECT_EQ(ct->param("format"), "flowed");
    EXPECT_EQ(ct->param("name"), std::nullopt);
}

TEST(ContentType, PgpMimeEncrypted) {
    // RFC 3156 §4, as the unfolded value of a folded field.
    const auto ct = parse_content_type(
        "multipart/encrypted; protocol=\"application/pgp-encrypted\";\r\n"
        "\tboundary=\"foo-bar=_baz\"");
    ASSERT_TRUE(ct) << ct.error().reason;
    EXPECT_TRUE(ct->is("multipart", "encrypted"));
    EXPECT_EQ(ct->param("protocol"), "application/pgp-encrypted");
    EXPECT_EQ(ct->param("boundary"), "foo-bar=_baz");
}

TEST(ContentType, QuotedStringsWithEscapesAndComments) {
    const auto ct = parse_content_type(
        "(lead) application/pkcs7-mime (c1 (nested) \\) ) ; smime-type = enveloped-data "
        "(comment); name=\"sm\\\"ime;p7m\"");
    ASSERT_TRUE(ct) << ct.error().reason;
    EXPECT_TRUE(ct->is("application", "pkcs7-mime"));
    EXPECT_EQ(ct->param("smime-type"), "enveloped-data");
    EXPECT_EQ(ct->param("name"), "sm\"ime;p7m");
}

TEST(ContentType, MissingAndEmptyParametersTolerated) {
    EXPECT_TRUE(parse_content_type("text/html")->params.empty());
    EXPECT_TRUE(parse_content_type("text/html;")->params.empty());
    const auto ct = parse_content_type("text/html;; charset=\"\"");
    ASSERT_TRUE(ct);
    EXPECT_EQ(ct->param("charset"), "");
}

TEST(ContentType, LenientUnquotedValues) {
    const auto ct =
        parse_content_type("multipart/mixed; boundary=----=_Part_1_2.3; name=my file.pdf");
    ASSERT_TRUE(ct) << ct.error().reason;
    EXPECT_EQ(ct->param("boundary"), "----=_Part_1_2.3");
    EXPECT_EQ(ct->param("name"), "my file.pdf");
}

TEST(ContentType, FirstOfDuplicateParametersWins) {
    EXPECT_EQ(parse_content_type("a/b; x=1; X=2")->param("x"), "1");
}

TEST(ContentType, UnparsableValuesAreErrors) {
    EXPECT_EQ(parse_content_type("").error().reason, "Content-Type: empty value");
    EXPECT_EQ(parse_content_type("  (only a comment) ").error().reason,
              "Content-Type: empty value");
    EXPECT_EQ(parse_content_type("text").error().reason, "Content-Type: no '/' after media type");
    EXPECT_EQ(parse_content_type("text/").error().reason, "Content-Type: no media subtype");
    EXPECT_EQ(parse_content_type("/plain").error().reason, "Content-Type: no media type");
    EXPECT_EQ(parse_content_type("text/plain charset=x").error().reason,
              "Content-Type: unexpected 'c' after media type");
    EXPECT_EQ(parse_content_type("text/plain; charset").error().reason,
              "Content-Type: parameter 'charset' has no value");
    EXPECT_EQ(parse_content_type("text/plain; =x").error().reason,
              "Content-Type: invalid parameter name");
    EXPECT_EQ(parse_content_type("text/plain; name=\"open").error().reason,
              "Content-Type: unterminated quoted string");
    EXPECT_EQ(parse_content_type("text/plain (open").error().reason,
              "Content-Type: unterminated comment");
    EXPECT_EQ(parse_content_type("text/plain; a=\"x\" y").error().reason,
              "Content-Type: unexpected 'y' after parameter");
}

}  // namespace
}  // namespace sealgate::mime
