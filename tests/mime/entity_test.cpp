#include "mime/entity.hpp"

#include <gtest/gtest.h>

#include <string>

namespace sealgate::mime {
namespace {

Entity parsed(std::string data) {
    auto e = Entity::parse(std::move(data));
    EXPECT_TRUE(e) << e.error().reason;
    return std::move(*e);
}

std::string parse_error(std::string data, const Limits& limits = {}) {
    auto e = Entity::parse(std::move(data), limits);
    EXPECT_FALSE(e);
    return e ? std::string() : e.error().reason;
}

TEST(Entity, SplitsFieldsAndBodyKeepingRawBytes) {
    const std::string msg =
        "From: a@example.org\r\nSubject: one\r\n two\r\nContent-Type: text/plain\r\n\r\nbody\r\n";
    const Entity e = parsed(msg);
    ASSERT_EQ(e.fields().size(), 3U);
    EXPECT_EQ(e.fields()[1].name, "Subject");
    EXPECT_EQ(e.fields()[1].raw, "Subject: one\r\n two\r\n");
    EXPECT_EQ(e.fields()[1].value(), "one two");
    EXPECT_EQ(e.body(), "body\r\n");
    EXPECT_EQ(e.serialize(), msg);
    EXPECT_EQ(e.size(), msg.size());
}

TEST(Entity, ReplaceFieldsKeepsTheBodyAndTheFieldsBytes) {
    Entity e = parsed("A: 1\r\nB: two\r\n  folded\r\n\r\nbody\r\n");
    std::vector<Field> fields = e.fields();
    fields.erase(fields.begin());
    fields.push_back(Entity::make_field("C", "3"));
    fields.push_back(Field{"D", "D: no line end"});
    e.replace_fields(std::move(fields));
    EXPECT_EQ(e.serialize(), "B: two\r\n  folded\r\nC: 3\r\nD: no line end\r\n\r\nbody\r\n");
    EXPECT_EQ(std::move(e).serialize(),
              "B: two\r\n  folded\r\nC: 3\r\nD: no line end\r\n\r\nbody\r\n");
}

TEST(Entity, GetHasAreCaseInsensitive) {
    const Entity e = parsed("SUBJECT:\tx  \r\nsubject: second\r\n\r\n");
    EXPECT_TRUE(e.has("Subject"));
    EXPECT_EQ(e.get("subject"), "x");  // the first one, trimmed
    EXPECT_EQ(e.get("To"), std::nullopt);
    EXPECT_FALSE(e.has("Subjec"));
}

TEST(Entity, AcceptsEightBitValuesAndObsoleteSpaceBeforeColon) {
    const std::string msg =
        "Subject: Gr\xc3\xbc\xc3\x9f"
        "e \xe4\r\nX-Old : v\r\n\r\n";
    const Entity e = parsed(msg);
    EXPECT_EQ(e.get("Subject"),
              "Gr\xc3\xbc\xc3\x9f"
              "e \xe4");
    EXPECT_EQ(e.fields()[1].name, "X-Old");  // RFC 5322 §4.5.3: WSP is not part of the name
    EXPECT_EQ(e.get("x-old"), "v");
    EXPECT_EQ(e.serialize(), msg);
}

TEST(Entity, HeaderOnlyMessages) {
    const Entity with_crlf = parsed("Subject: x\r\nTo: y\r\n");
    EXPECT_EQ(with_crlf.fields().size(), 2U);
    EXPECT_EQ(with_crlf.body(), "");
    EXPECT_EQ(with_crlf.serialize(), "Subject: x\r\nTo: y\r\n");

    const Entity bare = parsed("Subject: x\r\nTo: y");
    EXPECT_EQ(bare.get("To"), "y");
    EXPECT_EQ(bare.serialize(), "Subject: x\r\nTo: y");
    EXPECT_EQ(bare.content_entity(), "\r\n");
}

TEST(Entity, NoFieldsIsAnEntityWithDefaultType) {
    // A MIME body part may have no header at all (RFC 2046 §5.1.1).
    const Entity e = parsed("\r\nonly body");
    EXPECT_TRUE(e.fields().empty());
    EXPECT_EQ(e.body(), "only body");
    EXPECT_EQ(e.serialize(), "\r\nonly body");
}

TEST(Entity, MalformedHeaders) {
    EXPECT_EQ(parse_error(""), "empty message");
    EXPECT_EQ(parse_error("From: a\r\nno colon here\r\n\r\n"), "malformed header line 2: no colon");
    EXPECT_EQ(parse_error(" lead: x\r\n\r\n"),
              "malformed header line 1: continuation before any field");
    EXPECT_EQ(parse_error(std::string("A: b\r\nC: \0\r\n\r\n", 13)),
              "malformed header line 2: NUL byte");
    EXPECT_EQ(parse_error("From sender@example.org Mon Mar  2 10:00:00 2026\r\nA: b\r\n\r\n"),
              "malformed header line 1: mbox \"From \" separator line, not a header field");
    EXPECT_EQ(parse_error(": x\r\n\r\n"), "malformed header line 1: empty field name");
    EXPECT_EQ(parse_error("A\x01"
                          "B: x\r\n\r\n"),
              "malformed header line 1: invalid character in field name");
    EXPECT_EQ(parse_error("A: b\nC: d\n\nbody\n"),
              "malformed header line 1: bare CR or LF (line endings not canonical)");
}

TEST(Entity, HeaderSectionLimits) {
    std::string huge;
    while (huge.size() < 2 * 1024 * 1024)
        huge += "X-Filler: " + std::string(240, 'f') + "\r\n";
    EXPECT_EQ(parse_error(huge + "\r\nbody"), "header section exceeds 1048576 bytes");
    EXPECT_EQ(parse_error("X-Long: " + std::string(2 * 1024 * 1024, 'a') + "\r\n\r\n"),
              "header section exceeds 1048576 bytes");
    Limits small;
    small.max_fields = 2;
    EXPECT_EQ(parse_error("A: 1\r\nB: 2\r\nC: 3\r\n\r\n", small), "header has more than 2 fields");
    small.max_header_bytes = 10;
    EXPECT_EQ(parse_error("A: 1\r\nB: 2\r\n\r\n", small), "header section exceeds 10 bytes");
}

TEST(Entity, RemoveAndRemovePrefix) {
    Entity e = parsed(
        "X-Sealgate-Encrypted: forged\r\nTo: a\r\nx-sealgate-decrypted: forged\r\n"
        "X-Sealgatex: kept? no\r\nReceived: 1\r\nReceived: 2\r\n\r\nb");
    EXPECT_EQ(e.remove_prefix("X-Sealgate-"), 2U);
    EXPECT_EQ(e.remove("received"), 2U);
    EXPECT_EQ(e.remove("received"), 0U);
    EXPECT_EQ(e.serialize(), "To: a\r\nX-Sealgatex: kept? no\r\n\r\nb");
}

TEST(Entity, AppendFoldsLongValuesAt78Columns) {
    Entity e = parsed("To: a\r\n\r\nbody");
    const std::string cert(64, 'a');
    e.append("X-Sealgate-Encrypted", "smime; cert=" + cert + "; alg=aes256-cbc");
    const Field& f = e.fields().back();
    EXPECT_EQ(f.raw, "X-Sealgate-Encrypted: smime;\r\n cert=" + cert + ";\r\n alg=aes256-cbc\r\n");
    EXPECT_EQ(f.value(), "smime; cert=" + cert + "; alg=aes256-cbc");
    std::size_t pos = 0;
    while (pos < f.raw.size()) {
        const std::size_t eol = f.raw.find("\r\n", pos);
        EXPECT_LE(eol - pos, 78U);
        pos = eol + 2;
    }
    EXPECT_EQ(e.body(), "body");
    EXPECT_EQ(e.get("X-Sealgate-Encrypted"), "smime; cert=" + cert + "; alg=aes256-cbc");
}

TEST(Entity, AppendShortValueAndOverlongWord) {
    EXPECT_EQ(Entity::make_field("X-A", "short value").raw, "X-A: short value\r\n");
    const std::string word(100, 'w');
    EXPECT_EQ(Entity::make_field("X-B", word).raw, "X-B: " + word + "\r\n");  // cannot fold
    EXPECT_EQ(Entity::make_field("X-C", "a\r\nInjected: yes").raw, "X-C: a  Injected: yes\r\n");
}

TEST(Entity, AppendAfterFieldWithoutCrlfAndPrepend) {
    Entity e = parsed("Subject: x");
    e.append("X-Info", "1");
    e.prepend("MIME-Version", "1.0");
    EXPECT_EQ(e.serialize(), "MIME-Version: 1.0\r\nSubject: x\r\nX-Info: 1\r\n");
}

TEST(Entity, ContentEntityTakesContentFieldsAndBody) {
    const Entity e = parsed(
        "From: a\r\nContent-Type: text/plain;\r\n\tcharset=iso-8859-1\r\nMIME-Version: 1.0\r\n"
        "content-transfer-encoding: 8bit\r\nContent-Disposition: inline\r\nSubject: s\r\n\r\n"
        "K\xe4se\r\n");
    EXPECT_EQ(
        e.content_entity(),
        "Content-Type: text/plain;\r\n\tcharset=iso-8859-1\r\ncontent-transfer-encoding: 8bit\r\n"
        "Content-Disposition: inline\r\n\r\nK\xe4se\r\n");
    EXPECT_TRUE(is_content_field("CONTENT-ID"));
    EXPECT_FALSE(is_content_field("Content"));
    EXPECT_FALSE(is_content_field("MIME-Version"));
}

TEST(Entity, EncryptAndDecryptRebuildKeepFieldOrder) {
    const std::string original =
        "From: a\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: 8bit\r\nSubject: s\r\n\r\n\xc3\xa4\r\n";
    Entity e = parsed(original);
    const std::string inner = e.content_entity();
    e.set_base64_content("application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m",
                         "attachment; filename=smime.p7m", inner);
    EXPECT_EQ(e.serialize(),
              "From: a\r\nMIME-Version: 1.0\r\n"
              "Content-Type: application/pkcs7-mime; smime-type=enveloped-data;\r\n"
              " name=smime.p7m\r\nContent-Transfer-Encoding: base64\r\n"
              "Content-Disposition: attachment; filename=smime.p7m\r\nSubject: s\r\n\r\n"
              "Q29udGVudC1UeXBlOiB0ZXh0L3BsYWluOyBjaGFyc2V0PXV0Zi04DQpDb250ZW50LVRyYW5zZmVy\r\n"
              "LUVuY29kaW5nOiA4Yml0DQoNCsOkDQo=\r\n");

    auto decrypted = Entity::parse(to_crlf(inner));
    ASSERT_TRUE(decrypted);
    e.replace_content(std::move(*decrypted));
    EXPECT_EQ(e.serialize(), original);
}

TEST(Entity, SetBase64ContentAddsMimeVersionWhenAbsent) {
    Entity e = parsed("From: a\r\n\r\nplain");
    e.set_base64_content("application/octet-stream", "", "xyz");
    EXPECT_EQ(e.serialize(),
              "MIME-Version: 1.0\r\nFrom: a\r\nContent-Type: application/octet-stream\r\n"
              "Content-Transfer-Encoding: base64\r\n\r\neHl6\r\n");
}

TEST(Entity, StreamedBase64ContentEqualsOneShot) {
    const std::string original = "From: a\r\nContent-Type: text/plain\r\n\r\nbody\r\n";
    const std::string payload(10000, '\x9c');
    Entity one_shot = parsed(original);
    one_shot.set_base64_content("application/pkcs7-mime", "attachment", payload);
    Entity streamed = parsed(original);
    // A bound below the real size only costs regrowth: the result is the same.
    for (const std::size_t bound : {payload.size(), std::size_t{10}}) {
        const Status done = streamed.set_base64_content(
            "application/pkcs7-mime", "attachment", bound, [&](Base64Encoder& b64) {
                for (std::size_t at = 0; at < payload.size(); at += 4096)
                    b64.write(std::string_view(payload).substr(at, 4096));
                return ok();
            });
        ASSERT_TRUE(done);
        EXPECT_EQ(streamed.serialize(), one_shot.serialize()) << bound;
    }
}

TEST(Entity, FailedProducerLeavesAnEmptyBodyAndReturnsItsError) {
    Entity e = parsed("From: a\r\nContent-Type: text/plain\r\n\r\nbody\r\n");
    const Status done =
        e.set_base64_content("application/pkcs7-mime", "", 100, [](Base64Encoder& b64) -> Status {
            b64.write("partial");
            return fail(Error::temp("encryption failed"));
        });
    ASSERT_FALSE(done);
    EXPECT_EQ(done.error().reason, "encryption failed");
    EXPECT_EQ(e.body(), "");
}

TEST(Entity, ReplaceContentOnHeaderOnlyMessage) {
    Entity e = parsed("Subject: x");
    e.replace_content({Field{"Content-Type", "Content-Type: text/plain"}}, "b");
    EXPECT_EQ(e.serialize(), "Subject: x\r\nContent-Type: text/plain\r\n\r\nb");
    EXPECT_EQ(e.size(), e.serialize().size());
}

TEST(Entity, TakeContentEntityReusesTheParsedBuffer) {
    std::string msg =
        "From: a\r\nContent-Type: text/plain\r\nTo: b\r\n\r\n" + std::string(100000, 'x');
    const char* const buffer = msg.data();
    Entity e = parsed(std::move(msg));
    const std::string expected = e.content_entity();
    const std::string inner = e.take_content_entity();
    EXPECT_EQ(inner, expected);
    EXPECT_EQ(inner.data(), buffer);  // built in place, the body was not copied
    EXPECT_EQ(e.body(), "");
    EXPECT_EQ(e.fields().size(), 3U);
    e.set_base64_content("application/octet-stream", "", "x");
    EXPECT_EQ(e.serialize(),
              "MIME-Version: 1.0\r\nFrom: a\r\nContent-Type: application/octet-stream\r\n"
              "Content-Transfer-Encoding: base64\r\nTo: b\r\n\r\neA==\r\n");
}

TEST(Entity, TakeContentEntityAfterReplaceAndOnHeaderOnly) {
    Entity e = parsed("Subject: s\r\nContent-Type: a/b");
    EXPECT_EQ(e.take_content_entity(), "Content-Type: a/b\r\n\r\n");
    e.replace_content({Entity::make_field("Content-Type", "c/d")}, "new body");
    EXPECT_EQ(e.take_content_entity(), "Content-Type: c/d\r\n\r\nnew body");
}

TEST(Entity, MovingSerializeEqualsCopyingSerialize) {
    const std::string original = "A: 1\r\nContent-Type: text/plain\r\n\r\nbody";
    Entity plain = parsed(original);
    EXPECT_EQ(std::move(plain).serialize(), original);
    EXPECT_TRUE(plain.fields().empty());  // NOLINT(bugprone-use-after-move): documented state

    Entity e = parsed(original);
    e.set_base64_content("application/pkcs7-mime", "attachment", std::string(5000, 'z'));
    e.append("X-Sealgate-Encrypted", "smime; cert=00; alg=aes256-cbc");
    const std::string copied = e.serialize();
    const char* const body = e.body().data();
    const std::string moved = std::move(e).serialize();
    EXPECT_EQ(moved, copied);
    EXPECT_EQ(moved.data(), body);  // the header went into the room reserved before the body
}

TEST(Entity, ReleaseBodyMovesTheBufferWithoutCopy) {
    std::string msg = "Content-Type: text/plain\r\n\r\n" + std::string(100000, 'x');
    const char* const buffer = msg.data();
    Entity e = parsed(std::move(msg));
    EXPECT_EQ(e.body().data(), buffer + 28);  // parse kept the caller's buffer
    const std::string body = std::move(e).release_body();
    EXPECT_EQ(body.data(), buffer);  // moved down in place
    EXPECT_EQ(body, std::string(100000, 'x'));
}

}  // namespace
}  // namespace sealgate::mime
