// RFC 9788 header protection (pipeline/header_protection.hpp): the payload and outer header that
// protect_headers() makes, byte for byte, and restore_headers() on messages built like the RFC's
// appendix samples and like an attacker would build them.
#include "pipeline/header_protection.hpp"

#include <gtest/gtest.h>

#include <string>

namespace sealgate::pipeline {
namespace {

using mime::Entity;

Entity parsed(std::string data) {
    auto e = Entity::parse(mime::to_crlf(std::move(data)));
    EXPECT_TRUE(e) << e.error().reason;
    return e ? std::move(*e) : Entity();
}

std::size_t count(const Entity& e, std::string_view name) {
    std::size_t n = 0;
    for (const auto& f : e.fields())
        n += f.is(name) ? 1 : 0;
    return n;
}

// A message as a client hands it to the gateway: trace field, addressing fields, a folded
// encoded-word Subject, Keywords, the MIME fields and one unrelated field after them.
const std::string kMessage =
    "Received: from mua.a.example by mx.a.example; Sun, 6 Dec 2026 12:00:00 +0000\r\n"
    "Date: Sun, 06 Dec 2026 12:00:00 +0000\r\n"
    "From: Alice <alice@a.example>\r\n"
    "To: Bob <bob@b.example>\r\n"
    "Cc: carol@b.example\r\n"
    "Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?= from the\r\n"
    " quarterly review\r\n"
    "Message-ID: <hp-1@a.example>\r\n"
    "Keywords: budget\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: text/plain; charset=\"utf-8\"\r\n"
    "Content-Transfer-Encoding: 8bit\r\n"
    "X-Mailer: test\r\n"
    "\r\n"
    "Gr\xc3\xbc\xc3\x9f"
    "e\r\n";

TEST(HeaderProtection, ProtectedNamesAreTheUserFacingOnes) {
    for (const char* name :
         {"Subject", "From", "Sender", "Reply-To", "To", "Cc", "Date", "Message-ID", "In-Reply-To",
          "References", "Keywords", "Comments", "subject", "MESSAGE-ID"})
        EXPECT_TRUE(is_protected_field(name)) << name;
    // Bcc must never be copied into a payload that every recipient reads.
    for (const char* name : {"Bcc", "Received", "Return-Path", "DKIM-Signature", "Content-Type",
                             "MIME-Version", "HP-Outer", "X-Sealgate-Signature", "Subject2", ""})
        EXPECT_FALSE(is_protected_field(name)) << name;
}

TEST(HeaderProtection, CipherPayloadCarriesCopiesAndWhatTheOutsideShows) {
    Entity m = parsed(kMessage);
    const std::string payload = protect_headers(m, HpMode::cipher);
    EXPECT_EQ(payload,
              "Content-Type: text/plain; charset=\"utf-8\"; hp=\"cipher\"\r\n"
              "Content-Transfer-Encoding: 8bit\r\n"
              "Date: Sun, 06 Dec 2026 12:00:00 +0000\r\n"
              "From: Alice <alice@a.example>\r\n"
              "To: Bob <bob@b.example>\r\n"
              "Cc: carol@b.example\r\n"
              "Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?= from the\r\n"
              " quarterly review\r\n"
              "Message-ID: <hp-1@a.example>\r\n"
              "Keywords: budget\r\n"
              "HP-Outer: Date: Sun, 06 Dec 2026 12:00:00 +0000\r\n"
              "HP-Outer: From: Alice <alice@a.example>\r\n"
              "HP-Outer: To: Bob <bob@b.example>\r\n"
              "HP-Outer: Cc: carol@b.example\r\n"
              "HP-Outer: Subject: [...]\r\n"
              "HP-Outer: Message-ID: <hp-1@a.example>\r\n"
              "\r\n"
              "Gr\xc3\xbc\xc3\x9f"
              "e\r\n");
    // hcp_baseline outside: Subject obscured in place, Keywords gone, the rest as it was; the
    // Content-* fields stay for the caller to replace, the body was taken.
    EXPECT_EQ(m.serialize(),
              "Received: from mua.a.example by mx.a.example; Sun, 6 Dec 2026 12:00:00 +0000\r\n"
              "Date: Sun, 06 Dec 2026 12:00:00 +0000\r\n"
              "From: Alice <alice@a.example>\r\n"
              "To: Bob <bob@b.example>\r\n"
              "Cc: carol@b.example\r\n"
              "Subject: [...]\r\n"
              "Message-ID: <hp-1@a.example>\r\n"
              "MIME-Version: 1.0\r\n"
              "Content-Type: text/plain; charset=\"utf-8\"\r\n"
              "Content-Transfer-Encoding: 8bit\r\n"
              "X-Mailer: test\r\n"
              "\r\n");
}

TEST(HeaderProtection, ClearPayloadLeavesTheOutsideAlone) {
    Entity m = parsed(kMessage);
    const std::string payload = protect_headers(m, HpMode::clear);
    Entity p = parsed(payload);
    EXPECT_EQ(p.fields()[0].raw, "Content-Type: text/plain; charset=\"utf-8\"; hp=\"clear\"\r\n");
    EXPECT_EQ(count(p, "HP-Outer"), 0U);
    EXPECT_EQ(p.get("Subject"), "=?UTF-8?Q?Gr=C3=BC=C3=9Fe?= from the quarterly review");
    EXPECT_EQ(p.get("Keywords"), "budget");
    EXPECT_EQ(count(p, "Received"), 0U);
    EXPECT_EQ(count(p, "X-Mailer"), 0U);
    EXPECT_EQ(count(p, "MIME-Version"), 0U);
    const std::string header = kMessage.substr(0, kMessage.find("\r\n\r\n") + 4);
    EXPECT_EQ(m.serialize(), header);
}

TEST(HeaderProtection, MissingContentTypeBecomesTheDefaultWithHp) {
    Entity m = parsed("From: a@a.example\r\nSubject: s\r\n\r\nhello\r\n");
    EXPECT_EQ(protect_headers(m, HpMode::cipher),
              "Content-Type: text/plain; charset=us-ascii; hp=\"cipher\"\r\n"
              "From: a@a.example\r\n"
              "Subject: s\r\n"
              "HP-Outer: From: a@a.example\r\n"
              "HP-Outer: Subject: [...]\r\n"
              "\r\nhello\r\n");
    EXPECT_EQ(m.serialize(), "From: a@a.example\r\nSubject: [...]\r\n\r\n");
}

TEST(HeaderProtection, HpJoinsTheContentTypeWithoutTouchingItsParameters) {
    struct Case {
        const char* field;
        const char* expected;
    };
    const Case cases[] = {
        // folded parameters, a comment, odd spacing: kept byte for byte
        {"Content-Type: multipart/mixed;\r\n boundary=\"b;1\" (a; comment)\r\n",
         "Content-Type: multipart/mixed;\r\n boundary=\"b;1\" (a; comment); hp=\"cipher\"\r\n"},
        // a trailing ';' already separates
        {"Content-Type: text/plain; charset=utf-8;\r\n",
         "Content-Type: text/plain; charset=utf-8; hp=\"cipher\"\r\n"},
        // past 78 columns: hp on a continuation line of its own
        {"Content-Type: text/plain; charset=utf-8; format=flowed; delsp=yes; name=x.txt\r\n",
         "Content-Type: text/plain; charset=utf-8; format=flowed; delsp=yes; name=x.txt;\r\n"
         " hp=\"cipher\"\r\n"},
        // an hp it had is replaced, never doubled
        {"Content-Type: text/plain; hp=\"clear\"; charset=utf-8\r\n",
         "Content-Type: text/plain; charset=utf-8; hp=\"cipher\"\r\n"},
    };
    for (const auto& c : cases) {
        Entity m = parsed(std::string(c.field) + "Subject: s\r\n\r\nx\r\n");
        Entity p = parsed(protect_headers(m, HpMode::cipher));
        EXPECT_EQ(p.fields()[0].raw, c.expected);
        auto type = mime::parse_content_type(p.fields()[0].value());
        ASSERT_TRUE(type) << c.expected;
        EXPECT_EQ(type->param("hp"), "cipher");
    }
}

TEST(HeaderProtection, DuplicatedFieldsAreCopiedAsTheyCame) {
    Entity m = parsed(
        "Subject: one\r\nSubject: two\r\nComments: c1\r\nComments: c2\r\nTo: x@b.example\r\n\r\n");
    Entity p = parsed(protect_headers(m, HpMode::cipher));
    EXPECT_EQ(count(p, "Subject"), 2U);
    EXPECT_EQ(count(p, "Comments"), 2U);
    EXPECT_EQ(count(m, "Comments"), 0U);
    EXPECT_EQ(m.serialize(), "Subject: [...]\r\nSubject: [...]\r\nTo: x@b.example\r\n\r\n");
    // Both obscured Subjects and the To are recorded as they show outside.
    EXPECT_EQ(count(p, "HP-Outer"), 3U);
}

// The sending and the receiving half together give back the message the client wrote.
TEST(HeaderProtection, CipherRoundTripRestoresTheMessageByteForByte) {
    Entity m = parsed(kMessage);
    Entity p = parsed(protect_headers(m, HpMode::cipher));
    auto r = restore_headers(m, p, false);
    ASSERT_TRUE(r) << r.error().reason;
    EXPECT_TRUE(r->present);
    EXPECT_TRUE(r->restored);
    EXPECT_EQ(r->mode, HpMode::cipher);
    EXPECT_TRUE(r->mismatches.empty()) << r->mismatches.front();
    EXPECT_EQ(count(p, "HP-Outer"), 0U);
    EXPECT_EQ(count(p, "Subject"), 0U);
    m.replace_content(std::move(p));
    EXPECT_EQ(std::move(m).serialize(), kMessage);
}

TEST(HeaderProtection, SignedOnlyRoundTripNeedsAValidSignature) {
    for (const bool valid : {true, false}) {
        Entity m = parsed(kMessage);
        Entity p = parsed(protect_headers(m, HpMode::clear));
        auto r = restore_headers(m, p, valid);
        ASSERT_TRUE(r) << r.error().reason;
        EXPECT_TRUE(r->present);
        EXPECT_EQ(r->restored, valid);
        EXPECT_EQ(r->mode, HpMode::clear);
        EXPECT_TRUE(r->mismatches.empty());
        // Either way the payload no longer claims protection.
        EXPECT_EQ(p.fields()[0].raw, "Content-Type: text/plain; charset=\"utf-8\"\r\n");
        m.replace_content(std::move(p));
        EXPECT_EQ(std::move(m).serialize(), kMessage);
    }
}

// RFC 9788 Appendix C-like structure from another sender: hp="cipher" with HP-Outer, the outer
// Subject obscured, a legacy display element in the body (left as it is).
const std::string kForeignOuter =
    "Received: from mx.b.example by mx.a.example; Sun, 6 Dec 2026 12:00:01 +0000\r\n"
    "Message-ID: <lamps-1@b.example>\r\n"
    "Subject: [...]\r\n"
    "From: Bob <bob@b.example>\r\n"
    "To: Alice <alice@a.example>\r\n"
    "Date: Sun, 06 Dec 2026 11:59:00 +0000\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: application/pkcs7-mime; smime-type=\"enveloped-data\"; name=smime.p7m\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "MIAGCSqGSIb3DQEHA6CAMIACAQAxggFOMIIBSgIBADAyMCUxFjAUBgNVBAoTDUJv\r\n";
const std::string kForeignPayload =
    "Content-Type: multipart/alternative; boundary=\"c\"; hp=\"cipher\"\r\n"
    "Message-ID: <lamps-1@b.example>\r\n"
    "Subject: Quarterly figures\r\n"
    "From: Bob <bob@b.example>\r\n"
    "To: Alice <alice@a.example>\r\n"
    "Date: Sun, 06 Dec 2026 11:59:00 +0000\r\n"
    "HP-Outer: Date: Sun, 06 Dec 2026 11:59:00 +0000\r\n"
    "HP-Outer: From: Bob <bob@b.example>\r\n"
    "HP-Outer: To: Alice <alice@a.example>\r\n"
    "HP-Outer: Subject: [...]\r\n"
    "HP-Outer: Message-ID: <lamps-1@b.example>\r\n"
    "\r\n"
    "--c\r\n"
    "Content-Type: text/plain; charset=\"us-ascii\"; hp-legacy-display=\"1\"\r\n"
    "\r\n"
    "Subject: Quarterly figures\r\n"
    "\r\n"
    "The figures.\r\n"
    "--c--\r\n";

TEST(HeaderProtection, ForeignCipherMessageIsRestoredWithoutMismatch) {
    Entity m = parsed(kForeignOuter);
    Entity p = parsed(kForeignPayload);
    const std::string body(p.body());
    auto r = restore_headers(m, p, false);
    ASSERT_TRUE(r) << r.error().reason;
    EXPECT_TRUE(r->restored);
    EXPECT_TRUE(r->mismatches.empty());
    EXPECT_EQ(m.get("Subject"), "Quarterly figures");
    EXPECT_EQ(count(m, "Subject"), 1U);
    EXPECT_EQ(count(m, "HP-Outer"), 0U);
    EXPECT_EQ(p.body(), body);  // the legacy display element stays
    m.replace_content(std::move(p));
    EXPECT_EQ(std::move(m).serialize(),
              "Received: from mx.b.example by mx.a.example; Sun, 6 Dec 2026 12:00:01 +0000\r\n"
              "Message-ID: <lamps-1@b.example>\r\n"
              "Subject: Quarterly figures\r\n"
              "From: Bob <bob@b.example>\r\n"
              "To: Alice <alice@a.example>\r\n"
              "Date: Sun, 06 Dec 2026 11:59:00 +0000\r\n"
              "MIME-Version: 1.0\r\n"
              "Content-Type: multipart/alternative; boundary=\"c\"\r\n"
              "\r\n" +
                  body);
}

TEST(HeaderProtection, ObscuredSubjectWithoutHpOuterIsAMismatch) {
    std::string payload = kForeignPayload;
    payload.erase(payload.find("HP-Outer: Subject: [...]\r\n"), 26);
    Entity m = parsed(kForeignOuter);
    Entity p = parsed(payload);
    auto r = restore_headers(m, p, false);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->mismatches, std::vector<std::string>{"Subject"});
    EXPECT_EQ(m.get("Subject"), "Quarterly figures");  // the protected value wins
}

TEST(HeaderProtection, OuterValuesThatDifferAreReportedAndReplaced) {
    std::string outer = kForeignOuter;
    outer.replace(outer.find("From: Bob <bob@b.example>"), 25, "From: CEO <ceo@a.example>");
    outer.insert(outer.find("MIME-Version"), "Cc: eve@evil.example\r\n");
    Entity m = parsed(outer);
    Entity p = parsed(kForeignPayload);
    auto r = restore_headers(m, p, false);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->mismatches, (std::vector<std::string>{"From", "Cc"}));
    EXPECT_EQ(m.get("From"), "Bob <bob@b.example>");
    // The protected set is authoritative: an outer-only Cc is not part of the message.
    EXPECT_FALSE(m.has("Cc"));
}

TEST(HeaderProtection, FoldingAndCaseOfNamesDoNotMakeAMismatch) {
    Entity m =
        parsed("SUBJECT: [...]\r\nfrom: Bob\r\n  <bob@b.example>\r\nTo: a@a.example\r\n\r\nx");
    Entity p = parsed(
        "Content-Type: text/plain; HP=Cipher\r\nFrom: Bob <bob@b.example>\r\n"
        "subject: =?ISO-8859-1?Q?K=E4se?=\r\n =?ISO-8859-1?Q?_und_Brot?=\r\nTO: a@a.example\r\n"
        "hp-outer: subject:[...]\r\nHP-Outer: FROM: Bob <bob@b.example>\r\n"
        "HP-Outer: To: a@a.example\r\n\r\nx");
    auto r = restore_headers(m, p, false);
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->restored);
    EXPECT_TRUE(r->mismatches.empty()) << r->mismatches.front();
    // The protected Subject comes out with its folding and encoded words as they were.
    EXPECT_EQ(m.fields()[0].raw,
              "subject: =?ISO-8859-1?Q?K=E4se?=\r\n =?ISO-8859-1?Q?_und_Brot?=\r\n");
    EXPECT_EQ(p.fields()[0].raw, "Content-Type: text/plain\r\n");
}

TEST(HeaderProtection, OnlyUserFacingFieldsLeaveThePayload) {
    Entity m = parsed(kForeignOuter);
    Entity p = parsed(
        "Content-Type: text/plain; hp=\"cipher\"\r\n"
        "Received: from forged.example by mx.a.example\r\n"
        "Return-Path: <forged@evil.example>\r\n"
        "DKIM-Signature: v=1; d=a.example; b=forged\r\n"
        "Authentication-Results: mx.a.example; dkim=pass\r\n"
        "X-Sealgate-Signature: valid; signer=forged; method=smime\r\n"
        "X-Sealgate-Decrypted: forged\r\n"
        "Bcc: boss@a.example\r\n"
        "Delivered-To: alice@a.example\r\n"
        "MIME-Version: 1.0\r\n"
        "Subject: hello\r\n"
        "\r\nx");
    auto r = restore_headers(m, p, false);
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->restored);
    for (const char* name : {"Return-Path", "DKIM-Signature", "Authentication-Results",
                             "X-Sealgate-Signature", "X-Sealgate-Decrypted", "Bcc", "Delivered-To"})
        EXPECT_FALSE(m.has(name)) << name;
    EXPECT_EQ(count(m, "Received"), 1U);
    EXPECT_EQ(m.get("Subject"), "hello");
    m.replace_content(std::move(p));
    const std::string out = std::move(m).serialize();
    EXPECT_EQ(out.find("forged"), std::string::npos) << out;
}

// A CR/LF cannot turn a protected value into a field of its own: the parser makes an attempt
// with a continuation line part of the value, and one without a field the payload keeps.
TEST(HeaderProtection, LineBreaksInValuesCannotInjectFields) {
    Entity m = parsed("From: a@b.example\r\nSubject: [...]\r\n\r\nx");
    Entity p = parsed(
        "Content-Type: text/plain; hp=cipher\r\n"
        "Subject: hi\r\n X-Sealgate-Signature: valid\r\n"
        "From: a@b.example\nX-Sealgate-Signature: valid; bare LF\r\n"
        "\r\nx");
    auto r = restore_headers(m, p, false);
    ASSERT_TRUE(r);
    m.replace_content(std::move(p));
    Entity again = parsed(std::move(m).serialize());
    EXPECT_FALSE(again.has("X-Sealgate-Signature"));
    EXPECT_EQ(again.get("Subject"), "hi X-Sealgate-Signature: valid");
    EXPECT_EQ(again.get("From"), "a@b.example");
}

TEST(HeaderProtection, DuplicatedProtectedFieldsRestoreTheFirstAndAreReported) {
    Entity m = parsed("From: a@b.example\r\nSubject: [...]\r\n\r\nx");
    Entity p = parsed(
        "Content-Type: text/plain; hp=cipher\r\n"
        "From: a@b.example\r\nFrom: ceo@a.example\r\nSubject: s\r\n"
        "Keywords: k1\r\nKeywords: k2\r\nHP-Outer: Subject: [...]\r\nHP-Outer: From: "
        "a@b.example\r\n"
        "\r\nx");
    auto r = restore_headers(m, p, false);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->mismatches, std::vector<std::string>{"From"});
    EXPECT_EQ(count(m, "From"), 1U);
    EXPECT_EQ(m.get("From"), "a@b.example");
    EXPECT_EQ(count(m, "Keywords"), 2U);  // RFC 5322 allows several
}

TEST(HeaderProtection, AmbiguousOrUnknownHpProtectsNothingAndIsRemoved) {
    const char* types[] = {
        "text/plain; hp=\"clear\"; hp=\"cipher\"",  // two readings
        "text/plain; hp=\"secret\"",                // no such value
        "text/plain; hp*=cipher",                   // RFC 2231 form: the parser and editor differ
        "text/plain; hp=cipher; (open",             // the parser refuses the field
    };
    for (const char* type : types) {
        Entity m = parsed(kForeignOuter);
        const std::string outer = m.serialize();
        Entity p = parsed(std::string("Content-Type: ") + type +
                          "\r\nSubject: forged\r\nFrom: ceo@a.example\r\n\r\nx");
        auto r = restore_headers(m, p, true);
        ASSERT_TRUE(r) << type;
        EXPECT_FALSE(r->present) << type;
        EXPECT_FALSE(r->restored) << type;
        EXPECT_EQ(m.serialize(), outer) << type;
        EXPECT_EQ(p.fields()[0].raw.find("hp"), std::string::npos) << p.fields()[0].raw;
    }
    // An hp in a second Content-Type field: ambiguous too.
    Entity m = parsed(kForeignOuter);
    Entity p = parsed(
        "Content-Type: text/plain\r\nContent-Type: text/plain; hp=cipher\r\nSubject: f\r\n\r\n");
    auto r = restore_headers(m, p, true);
    ASSERT_TRUE(r);
    EXPECT_FALSE(r->present);
    EXPECT_EQ(m.get("Subject"), "[...]");
    EXPECT_EQ(p.fields()[1].raw, "Content-Type: text/plain\r\n");
}

TEST(HeaderProtection, PayloadWithoutHpChangesNothing) {
    Entity m = parsed(kForeignOuter);
    const std::string outer = m.serialize();
    const std::string payload =
        "Content-Type: text/plain; charset=utf-8\r\nSubject: inner\r\nHP-Outer: Subject: x\r\n"
        "\r\nx";
    Entity p = parsed(payload);
    auto r = restore_headers(m, p, true);
    ASSERT_TRUE(r);
    EXPECT_FALSE(r->present);
    EXPECT_EQ(m.serialize(), outer);
    EXPECT_EQ(p.serialize(), payload);
    Entity untyped = parsed("Subject: inner\r\n\r\nx");
    ASSERT_TRUE(restore_headers(m, untyped, true));
    EXPECT_EQ(m.serialize(), outer);
}

TEST(HeaderProtection, ClearIgnoresHpOuterAndReportsAnObscuredSubject) {
    // hp="clear" obscures nothing: an HP-Outer in it explains nothing.
    Entity m = parsed("From: a@b.example\r\nSubject: [...]\r\n\r\nx");
    Entity p = parsed(
        "Content-Type: text/plain; hp=clear\r\nFrom: a@b.example\r\nSubject: real\r\n"
        "Keywords: k\r\nHP-Outer: Subject: [...]\r\n\r\nx");
    auto r = restore_headers(m, p, true);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->mismatches, (std::vector<std::string>{"Subject", "Keywords"}));
    EXPECT_EQ(m.get("Subject"), "real");
    EXPECT_EQ(m.get("Keywords"), "k");
    EXPECT_EQ(count(p, "HP-Outer"), 0U);
}

TEST(HeaderProtection, FieldRemovedOutsideAgainstItsHpOuterIsReported) {
    Entity m = parsed("From: a@b.example\r\nSubject: [...]\r\n\r\nx");
    Entity p = parsed(
        "Content-Type: text/plain; hp=cipher\r\nFrom: a@b.example\r\nTo: c@a.example\r\n"
        "Subject: s\r\nHP-Outer: From: a@b.example\r\nHP-Outer: To: c@a.example\r\n"
        "HP-Outer: Subject: [...]\r\n\r\nx");
    auto r = restore_headers(m, p, false);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->mismatches, std::vector<std::string>{"To"});
    // Restored after the last field put back, before nothing else.
    EXPECT_EQ(m.serialize(), "From: a@b.example\r\nSubject: s\r\nTo: c@a.example\r\n\r\nx");
}

TEST(HeaderProtection, NoProtectedFieldOutsideGoesBeforeTheContentFields) {
    Entity m = parsed("Received: x\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nx");
    Entity p = parsed("Content-Type: text/plain; hp=cipher\r\nSubject: s\r\nFrom: f\r\n\r\nx");
    auto r = restore_headers(m, p, false);
    ASSERT_TRUE(r);
    EXPECT_EQ(m.serialize(),
              "Received: x\r\nMIME-Version: 1.0\r\nSubject: s\r\nFrom: f\r\n"
              "Content-Type: text/plain\r\n\r\nx");
}

TEST(HeaderProtection, HugeRestoredHeaderIsRefusedAndChangesNothing) {
    // Each half fits mime::Limits, together they would not: refused before any change.
    std::string received;
    while (received.size() < 600 * 1024)
        received += "Received: from relay.example by mx.a.example; padding padding padding\r\n";
    Entity m = parsed(received + "Subject: [...]\r\n\r\nx");
    std::string subject = "Subject: x";
    while (subject.size() < 600 * 1024)
        subject += "\r\n yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy";
    const std::string payload = "Content-Type: text/plain; hp=cipher\r\n" + subject + "\r\n\r\nx";
    Entity p = parsed(payload);
    const std::string outer = m.serialize();
    auto r = restore_headers(m, p, false);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::bad_input);
    EXPECT_NE(r.error().reason.find("header protection"), std::string::npos);
    EXPECT_EQ(m.serialize(), outer);
    EXPECT_EQ(p.serialize(), payload);
}

TEST(HeaderProtection, HeaderOnlyMessagesWork) {
    Entity m = parsed("Subject: s\r\nTo: t@b.example");
    const std::string payload = protect_headers(m, HpMode::cipher);
    EXPECT_EQ(payload,
              "Content-Type: text/plain; charset=us-ascii; hp=\"cipher\"\r\n"
              "Subject: s\r\nTo: t@b.example\r\n"
              "HP-Outer: Subject: [...]\r\nHP-Outer: To: t@b.example\r\n\r\n");
    Entity p = parsed(payload);
    auto r = restore_headers(m, p, false);
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->mismatches.empty());
    EXPECT_EQ(m.get("Subject"), "s");
    EXPECT_EQ(m.get("To"), "t@b.example");
}

TEST(HeaderProtection, DateAndMessageIdAddedOnTheWayStayOtherOuterOnlyFieldsGo) {
    // The sender protected a message without Date and Message-ID; its MTA added them after.
    Entity m = parsed(
        "Received: x\r\nMessage-ID: <mta-1@b.example>\r\nSubject: [...]\r\nFrom: b@b.example\r\n"
        "Reply-To: eve@evil.example\r\nDate: Sun, 06 Dec 2026 11:59:00 +0000\r\n\r\nx");
    Entity p = parsed(
        "Content-Type: text/plain; hp=cipher\r\nSubject: s\r\nFrom: b@b.example\r\n"
        "HP-Outer: Subject: [...]\r\nHP-Outer: From: b@b.example\r\n\r\nx");
    auto r = restore_headers(m, p, false);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->mismatches, (std::vector<std::string>{"Reply-To", "Date", "Message-ID"}));
    EXPECT_EQ(m.serialize(),
              "Received: x\r\nMessage-ID: <mta-1@b.example>\r\nSubject: s\r\nFrom: b@b.example\r\n"
              "Date: Sun, 06 Dec 2026 11:59:00 +0000\r\n\r\nx");
}

TEST(HeaderProtection, HpInACommentOrAQuotedValueIsNoHp) {
    for (const std::string type : {"text/plain (hp=cipher)", "text/plain; name=\"a; hp=cipher\"",
                                   "text/plain; xhp=cipher", "text/plain; name=\"x; hp=cipher"}) {
        Entity m = parsed(kForeignOuter);
        const std::string outer = m.serialize();
        const std::string payload = "Content-Type: " + type + "\r\nSubject: forged\r\n\r\nx";
        Entity p = parsed(payload);
        auto r = restore_headers(m, p, true);
        ASSERT_TRUE(r) << type;
        EXPECT_FALSE(r->present) << type;
        EXPECT_EQ(m.serialize(), outer) << type;
        EXPECT_EQ(p.serialize(), payload) << type;
    }
}

TEST(HeaderProtection, ThousandsOfFieldsAreHandledFieldByField) {
    // Many outer Subjects and many HP-Outer entries: every outer Subject is one that HP-Outer
    // records, the restored header has the payload's one Subject and every Received.
    std::string outer;
    std::string payload = "Content-Type: text/plain; hp=cipher\r\nSubject: real\r\n";
    for (int i = 0; i < 4000; ++i) {
        outer += "Received: hop " + std::to_string(i) + "\r\n";
        outer += "Subject: [" + std::to_string(i) + "]\r\n";
        payload += "HP-Outer: Subject: [" + std::to_string(i) + "]\r\n";
    }
    Entity m = parsed(outer + "\r\nx");
    Entity p = parsed(payload + "\r\nx");
    auto r = restore_headers(m, p, false);
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->mismatches.empty());
    EXPECT_EQ(count(m, "Subject"), 1U);
    EXPECT_EQ(count(m, "Received"), 4000U);
    EXPECT_EQ(m.fields()[1].raw, "Subject: real\r\n");
    EXPECT_EQ(count(p, "HP-Outer"), 0U);
}

// A quote inside a bare value opens nothing (mime::parse_content_type reads it so, and so does
// the byte-level editor): what sealgate protects, sealgate restores.
TEST(HeaderProtection, StrayQuoteInABareValueStillRoundTrips) {
    for (const HpMode mode : {HpMode::cipher, HpMode::clear}) {
        Entity m = parsed("Content-Type: text/plain; charset=utf-8\"x\r\nSubject: s\r\n\r\nx");
        Entity p = parsed(protect_headers(m, mode));
        EXPECT_EQ(p.fields()[0].raw,
                  mode == HpMode::cipher
                      ? "Content-Type: text/plain; charset=utf-8\"x; hp=\"cipher\"\r\n"
                      : "Content-Type: text/plain; charset=utf-8\"x; hp=\"clear\"\r\n");
        auto r = restore_headers(m, p, true);
        ASSERT_TRUE(r);
        EXPECT_TRUE(r->restored);
        EXPECT_EQ(m.get("Subject"), "s");
        EXPECT_EQ(p.fields()[0].raw, "Content-Type: text/plain; charset=utf-8\"x\r\n");
    }
}

// RFC 6532 header fields with raw UTF-8, tabs in folding, an empty Cc: byte for byte through
// both halves, and HP-Outer records the outside with its 8-bit bytes as they are.
TEST(HeaderProtection, EightBitAndOddFoldingRoundTrip) {
    const std::string msg =
        "From: J\xc3\xb6rg M\xc3\xbcller <j\xc3\xb6rg@a.example>\r\n"
        "To: b@b.example,\r\n\tc@b.example\r\n"
        "Cc:\r\n"
        "Subject: \xc3\x9c"
        "bersicht\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\nx\r\n";
    Entity m = parsed(msg);
    Entity p = parsed(protect_headers(m, HpMode::cipher));
    EXPECT_EQ(p.get("HP-Outer"), "From: J\xc3\xb6rg M\xc3\xbcller <j\xc3\xb6rg@a.example>");
    auto r = restore_headers(m, p, false);
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->mismatches.empty()) << r->mismatches.front();
    m.replace_content(std::move(p));
    EXPECT_EQ(std::move(m).serialize(), msg);
}

// The protected set is authoritative even for From: a payload without one leaves none.
TEST(HeaderProtection, PayloadWithoutFromLeavesNoFrom) {
    Entity m = parsed("From: ceo@a.example\r\nSubject: [...]\r\n\r\nx");
    Entity p = parsed("Content-Type: text/plain; hp=cipher\r\nSubject: s\r\n\r\nx");
    auto r = restore_headers(m, p, false);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->mismatches, (std::vector<std::string>{"From", "Subject"}));
    EXPECT_FALSE(m.has("From"));
}

}  // namespace
}  // namespace sealgate::pipeline
