// Golden files in tests/data/mime: NAME.eml in, NAME.ref (content entity), NAME.enc.ref (outer
// message after encryption), NAME.dec.ref (that message decrypted again) out. The .ref files come
// from make_refs.py, an independent Python model of the same rules.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "mime/base64.hpp"
#include "mime/entity.hpp"

namespace sealgate::mime {
namespace {

namespace fs = std::filesystem;

const fs::path kDir = fs::path(SEALGATE_TESTDATA) / "mime";
constexpr std::string_view kCert =
    "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    EXPECT_TRUE(in) << p;
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::vector<std::string> golden_names() {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(kDir))
        if (entry.path().extension() == ".eml")
            names.push_back(entry.path().stem().string());
    std::sort(names.begin(), names.end());
    return names;
}

// The pipeline's encryption steps 1-5, with the content entity itself standing in for the CMS
// blob (the crypto module is not this module's business).
std::string encrypt_outer(const std::string& eml, std::string* inner_out) {
    auto e = Entity::parse(to_crlf(eml));
    EXPECT_TRUE(e) << e.error().reason;
    e->remove_prefix("X-Sealgate-");
    const std::string copied = e->content_entity();
    const std::string inner = e->take_content_entity();
    EXPECT_EQ(inner, copied);
    e->set_base64_content("application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m",
                          "attachment; filename=smime.p7m", inner);
    e->append("X-Sealgate-Encrypted", "smime; cert=" + std::string(kCert) + "; alg=aes256-cbc");
    *inner_out = inner;
    const std::string copied_out = e->serialize();
    std::string out = std::move(*e).serialize();
    EXPECT_EQ(out, copied_out);
    return out;
}

// Decryption steps: parse, strip X-Sealgate-*, decode the payload, restore the inner entity.
std::string decrypt_outer(std::string outer) {
    auto e = Entity::parse(to_crlf(std::move(outer)));
    EXPECT_TRUE(e) << e.error().reason;
    e->remove_prefix("X-Sealgate-");
    auto ct = parse_content_type(e->get("Content-Type").value_or("text/plain"));
    EXPECT_TRUE(ct && ct->is("application", "pkcs7-mime"));
    auto payload = base64_decode(e->body());
    EXPECT_TRUE(payload) << payload.error().reason;
    auto inner = Entity::parse(to_crlf(std::move(*payload)));
    EXPECT_TRUE(inner) << inner.error().reason;
    e->replace_content(std::move(*inner));
    e->append("X-Sealgate-Decrypted", "smime; cert=" + std::string(kCert));
    return std::move(*e).serialize();
}

TEST(Golden, AllInputsPresent) {
    const auto names = golden_names();
    for (const char* expected :
         {"plain_ascii", "latin1_8bit", "utf8", "multipart_mixed", "folded_headers", "lf_only",
          "no_content_type", "header_only", "rfc4134_5.3"})
        EXPECT_NE(std::find(names.begin(), names.end(), expected), names.end()) << expected;
}

TEST(Golden, SerializeReturnsTheInputBytes) {
    for (const auto& name : golden_names()) {
        const std::string canonical = to_crlf(slurp(kDir / (name + ".eml")));
        auto e = Entity::parse(canonical);
        ASSERT_TRUE(e) << name << ": " << e.error().reason;
        EXPECT_EQ(e->serialize(), canonical) << name;
        EXPECT_EQ(e->size(), canonical.size()) << name;
    }
}

TEST(Golden, ContentEntityAndRebuilds) {
    for (const auto& name : golden_names()) {
        SCOPED_TRACE(name);
        std::string inner;
        const std::string enc = encrypt_outer(slurp(kDir / (name + ".eml")), &inner);
        EXPECT_EQ(inner, slurp(kDir / (name + ".ref")));
        EXPECT_EQ(enc, slurp(kDir / (name + ".enc.ref")));
        const std::string dec = decrypt_outer(enc);
        EXPECT_EQ(dec, slurp(kDir / (name + ".dec.ref")));
        // Decryption restores the inner entity byte for byte.
        auto again = Entity::parse(dec);
        ASSERT_TRUE(again);
        again->remove_prefix("X-Sealgate-");
        EXPECT_EQ(again->content_entity(), inner);
    }
}

TEST(Golden, EightBitBodyIsNotTouched) {
    const std::string eml = slurp(kDir / "latin1_8bit.eml");
    auto e = Entity::parse(to_crlf(eml));
    ASSERT_TRUE(e);
    EXPECT_NE(e->body().find("Gr\xfc\xdf"
                             "e aus M\xfcnchen"),
              std::string_view::npos);
    EXPECT_TRUE(e->body().ends_with("\xa0\xff\r\n"));
}

TEST(Golden, MultipartAttachmentDecodesToTheOriginalBytes) {
    auto e = Entity::parse(to_crlf(slurp(kDir / "multipart_mixed.eml")));
    ASSERT_TRUE(e);
    auto ct = parse_content_type(*e->get("Content-Type"));
    ASSERT_TRUE(ct) << ct.error().reason;
    ASSERT_TRUE(ct->is("multipart", "mixed"));
    auto parts = split_multipart(e->body(), *ct->param("boundary"));
    ASSERT_TRUE(parts) << parts.error().reason;
    ASSERT_EQ(parts->size(), 2U);
    auto text = Entity::parse(std::string((*parts)[0]));
    ASSERT_TRUE(text);
    EXPECT_EQ(text->body(), "See attached.\r\n");
    auto attachment = Entity::parse(std::string((*parts)[1]));
    ASSERT_TRUE(attachment);
    EXPECT_EQ(parse_content_type(*attachment->get("content-type"))->param("name"), "report.bin");
    auto bytes = base64_decode(attachment->body());
    ASSERT_TRUE(bytes) << bytes.error().reason;
    EXPECT_EQ(*bytes, slurp(kDir / "multipart_mixed.attachment.bin"));
}

TEST(Golden, Rfc4134EnvelopedDataBodyDecodesToDer) {
    // RFC 4134 5.3: an S/MIME message written with LF endings and a folded Content-Type.
    auto e = Entity::parse(to_crlf(slurp(kDir / "rfc4134_5.3.eml")));
    ASSERT_TRUE(e);
    auto ct = parse_content_type(*e->get("Content-Type"));
    ASSERT_TRUE(ct) << ct.error().reason;
    EXPECT_TRUE(ct->is("application", "pkcs7-mime"));
    EXPECT_EQ(ct->param("smime-type"), "enveloped-data");
    EXPECT_EQ(ct->param("name"), "smime.p7m");
    auto der = base64_decode(e->body());
    ASSERT_TRUE(der) << der.error().reason;
    // One DER SEQUENCE with a two-byte length that spans exactly the decoded bytes.
    ASSERT_GE(der->size(), 4U);
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>((*der)[i]); };
    EXPECT_EQ(byte(0), 0x30);
    EXPECT_EQ(byte(1), 0x82);
    EXPECT_EQ((std::size_t{byte(2)} << 8 | byte(3)) + 4, der->size());
}

TEST(Golden, MalformedInputsFailWithAClearReason) {
    const std::pair<const char*, const char*> cases[] = {
        {"no_colon.eml", "malformed header line 3: no colon"},
        {"leading_continuation.eml", "malformed header line 1: continuation before any field"},
        {"nul_in_header.eml", "malformed header line 2: NUL byte"},
        {"mbox_from.eml",
         "malformed header line 1: mbox \"From \" separator line, not a header field"},
        {"bad_field_name.eml", "malformed header line 2: invalid character in field name"},
    };
    for (const auto& [file, reason] : cases) {
        auto e = Entity::parse(to_crlf(slurp(kDir / "bad" / file)));
        ASSERT_FALSE(e) << file;
        EXPECT_EQ(e.error().reason, reason) << file;
        EXPECT_EQ(e.error().code, 554) << file;
    }
    auto e = Entity::parse(slurp(kDir / "bad" / "truncated_multipart.eml"));
    ASSERT_TRUE(e);
    auto ct = parse_content_type(*e->get("Content-Type"));
    ASSERT_TRUE(ct);
    auto parts = split_multipart(e->body(), *ct->param("boundary"));
    ASSERT_FALSE(parts);
    EXPECT_EQ(parts.error().reason,
              "multipart: no closing boundary delimiter \"--b1--\" (truncated message?)");
}

}  // namespace
}  // namespace sealgate::mime
