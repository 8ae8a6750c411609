#include "smtp/client_protocol.hpp"

#include <gtest/gtest.h>

namespace sealgate::smtp {
namespace {

TEST(ReplyParser, SingleLineWithEnhancedCode) {
    ReplyParser p;
    p.feed("250 2.1.0 Ok\r\n");
    auto r = p.next();
    ASSERT_TRUE(r && *r);
    EXPECT_EQ((*r)->code, 250);
    EXPECT_EQ((*r)->status, "2.1.0");
    EXPECT_EQ((*r)->text(), "Ok");
    EXPECT_TRUE(p.empty());
}

TEST(ReplyParser, MultiLineAcrossChunksAndPipelinedReplies) {
    ReplyParser p;
    p.feed("250-mx.example\r\n250-PIPE");
    auto r = p.next();
    ASSERT_TRUE(r);
    EXPECT_FALSE(*r);  // incomplete
    p.feed("LINING\r\n250 SIZE 1000\r\n354 go ahead\r\n");
    r = p.next();
    ASSERT_TRUE(r && *r);
    EXPECT_EQ((*r)->lines, (std::vector<std::string>{"mx.example", "PIPELINING", "SIZE 1000"}));
    EXPECT_EQ((*r)->status, "");
    r = p.next();
    ASSERT_TRUE(r && *r);
    EXPECT_EQ((*r)->code, 354);
    EXPECT_EQ((*r)->wire(), "354 go ahead\r\n");
}

TEST(ReplyParser, EnhancedCodeOnEveryLineIsStrippedOnce) {
    ReplyParser p;
    p.feed("550-5.7.1 first\r\n550 5.7.1 second\r\n");
    auto r = p.next();
    ASSERT_TRUE(r && *r);
    EXPECT_EQ((*r)->status, "5.7.1");
    EXPECT_EQ((*r)->lines, (std::vector<std::string>{"first", "second"}));
    EXPECT_EQ((*r)->wire(), "550-5.7.1 first\r\n550 5.7.1 second\r\n");
}

TEST(ReplyParser, StatusOfOtherClassIsText) {
    ReplyParser p;
    p.feed("250 5.0.0 odd\r\n221\r\n");
    auto r = p.next();
    ASSERT_TRUE(r && *r);
    EXPECT_EQ((*r)->status, "");
    EXPECT_EQ((*r)->text(), "5.0.0 odd");
    r = p.next();
    ASSERT_TRUE(r && *r);
    EXPECT_EQ((*r)->code, 221);
}

TEST(ReplyParser, MalformedIsAnError) {
    ReplyParser p;
    p.feed("hello\r\n");
    EXPECT_FALSE(p.next());
    ReplyParser q;
    q.feed("250-a\r\n251 b\r\n");
    auto r = q.next();
    ASSERT_FALSE(r);
    EXPECT_TRUE(r.error().temporary());
}

TEST(ReplyParser, OverlongLineIsAnError) {
    ReplyParser p(100);
    p.feed("250 " + std::string(200, 'x'));
    EXPECT_FALSE(p.next());
}

TEST(ReplyParser, CompleteOverlongLineIsAnError) {
    ReplyParser p(100);
    p.feed("250 " + std::string(200, 'x') + "\r\n");
    EXPECT_FALSE(p.next());
}

// A next hop that sends continuation lines for ever: the parser stops at max_reply, whether the
// lines arrive at once or one by one.
TEST(ReplyParser, EndlessMultiLineReplyIsAnError) {
    ReplyParser p(4096, 1000);
    bool failed = false;
    for (int i = 0; i < 100 && !failed; ++i) {
        p.feed("250-continuation line\r\n");
        auto r = p.next();
        if (!r) {
            failed = true;
            EXPECT_EQ(r.error().reason, "reply too long");
            EXPECT_TRUE(r.error().temporary());
        } else {
            EXPECT_FALSE(*r);
        }
    }
    EXPECT_TRUE(failed);

    ReplyParser whole(4096, 1000);
    std::string reply;
    for (int i = 0; i < 60; ++i)
        reply += "250-continuation line\r\n";
    whole.feed(reply + "250 end\r\n");
    EXPECT_FALSE(whole.next());

    ReplyParser fits(4096, 1000);
    fits.feed("250-a\r\n250 b\r\n");
    auto r = fits.next();
    ASSERT_TRUE(r && *r);
    EXPECT_EQ((*r)->lines.size(), 2U);
}

// RFC 5321 §4.2: the first digit is 2 to 5, the second 0 to 5; anything else is not a reply.
TEST(ReplyParser, CodesOutsideTheGrammarAreErrors) {
    for (const char* line : {"100 continue\r\n", "199 ok\r\n", "600 odd\r\n", "999 x\r\n",
                             "000 x\r\n", "260 x\r\n", "290 x\r\n", "5a0 x\r\n"}) {
        ReplyParser p;
        p.feed(line);
        EXPECT_FALSE(p.next()) << line;
    }
    for (const char* line :
         {"220 hi\r\n", "354 go\r\n", "421 bye\r\n", "559 no\r\n", "250 ok\r\n"}) {
        ReplyParser p;
        p.feed(line);
        auto r = p.next();
        EXPECT_TRUE(r && *r) << line;
    }
}

TEST(Ehlo, ParsesCapabilities) {
    const Reply r{250,
                  "",
                  {"mx.example", "PIPELINING", "SIZE 10240000", "8BITMIME", "STARTTLS",
                   "ENHANCEDSTATUSCODES", "smtputf8", "DSN", "XFORWARD NAME ADDR PROTO HELO"}};
    const Capabilities c = parse_ehlo(r);
    EXPECT_TRUE(c.pipelining && c.starttls && c.eightbitmime && c.smtputf8 && c.dsn &&
                c.enhanced_status_codes);
    EXPECT_EQ(c.size, 10240000u);
    EXPECT_EQ(c.xforward, (std::vector<std::string>{"NAME", "ADDR", "PROTO", "HELO"}));
    EXPECT_FALSE(c.xforward_offers("IDENT"));
    const Capabilities none = parse_ehlo(Reply{250, "", {"PIPELINING"}});  // line 1 = hostname
    EXPECT_FALSE(none.pipelining);
}

TEST(Format, MailAndRcptPassOnlyOfferedParameters) {
    Envelope e;
    e.sender = "a@x";
    e.body = Body::EightBitMime;
    e.smtputf8 = true;
    e.ret = "FULL";
    e.envid = "ID+2B1";
    const Recipient r{"b@y", "SUCCESS", "rfc822;b@y"};
    Capabilities all;
    all.size = 0;
    all.eightbitmime = all.smtputf8 = all.dsn = true;
    EXPECT_EQ(format_mail(e, all, 42),
              "MAIL FROM:<a@x> SIZE=42 BODY=8BITMIME SMTPUTF8 RET=FULL ENVID=ID+2B1\r\n");
    EXPECT_EQ(format_rcpt(r, all), "RCPT TO:<b@y> NOTIFY=SUCCESS ORCPT=rfc822;b@y\r\n");
    const Capabilities none;
    EXPECT_EQ(format_mail(e, none, 42), "MAIL FROM:<a@x>\r\n");
    EXPECT_EQ(format_rcpt(r, none), "RCPT TO:<b@y>\r\n");
}

TEST(Format, XforwardOnlyOfferedAttributesAndSplitLongLines) {
    Envelope e;
    e.xforward = {{"NAME", "mx"}, {"ADDR", "1.2.3.4"}, {"IDENT", "Q1"}};
    Capabilities c;
    c.xforward = {"NAME", "ADDR"};
    EXPECT_EQ(format_xforward(e, c),
              (std::vector<std::string>{"XFORWARD NAME=mx ADDR=1.2.3.4\r\n"}));
    e.xforward = {{"NAME", std::string(300, 'n')}, {"ADDR", std::string(300, 'a')}};
    const auto lines = format_xforward(e, c);
    ASSERT_EQ(lines.size(), 2u);
    for (const auto& l : lines)
        EXPECT_LE(l.size(), 512u);
    EXPECT_TRUE(format_xforward(e, Capabilities{}).empty());
}

TEST(DotStuff, StuffsAndTerminates) {
    const auto wire = [](std::string_view data) {
        std::string out;
        for (const auto piece : dot_stuff(data))
            out += piece;
        return out;
    };
    EXPECT_EQ(wire(".a\r\nb\r\n..\r\n"), "..a\r\nb\r\n...\r\n.\r\n");
    EXPECT_EQ(wire("no end"), "no end\r\n.\r\n");
    EXPECT_EQ(wire("ends in LF\n"), "ends in LF\n\r\n.\r\n");
    EXPECT_EQ(wire(""), ".\r\n");
    EXPECT_EQ(wire("."), "..\r\n.\r\n");
    // Without a line that starts with '.', the message goes out as itself, uncopied.
    const std::string plain = "Subject: x\r\n\r\nbody. with. dots.\r\n";
    const auto pieces = dot_stuff(plain);
    ASSERT_EQ(pieces.size(), 2u);
    EXPECT_EQ(pieces[0].data(), plain.data());
    EXPECT_EQ(pieces[0].size(), plain.size());
}

TEST(Xtext, RoundTrip) {
    EXPECT_EQ(xtext_encode("a+b=c d"), "a+2Bb+3Dc+20d");
    EXPECT_EQ(xtext_decode("a+2Bb+3Dc+20d"), "a+b=c d");
    EXPECT_FALSE(xtext_decode("a+2"));
    EXPECT_FALSE(is_xtext("a=b"));
    EXPECT_TRUE(is_xtext("[UNAVAILABLE]"));
}

}  // namespace
}  // namespace sealgate::smtp
