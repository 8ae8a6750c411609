// app/message_line.hpp: the per-message log line's fields, in both formats.
#include "app/message_line.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace sealgate::app {
namespace {

MessageLine relayed_copy() {
    MessageLine line;
    LogRecord& c = line.copy;
    c.queue_id = "0123456789ABCDEF012345";
    c.message_id = "m1@example.org";
    c.sender = "alice@example.org";
    c.recipients = {"bob@partner.test", "carol@partner.test"};
    c.direction = Direction::outbound;
    c.action = CopyAction::encrypted;
    c.method = "smime";
    c.keys = "ab12,cd34";
    c.algorithm = "aes256-cbc";
    c.signature = "signed; signer=ef56";
    c.tls_level = "may";
    c.tls_protocol = "TLSv1.3";
    c.tls_cipher = "TLS_AES_256_GCM_SHA384";
    c.tls_peer = "";
    c.detail = "next hop: 250 2.0.0 Ok";
    c.node = "gw-1.example.org";
    line.index = 1;
    line.copies = 2;
    line.result = 250;
    line.status = "2.0.0";
    line.duration_ms = 17;
    line.size = 1234;
    return line;
}

TEST(MessageLine, TextLayout) {
    EXPECT_EQ(message_fields(relayed_copy(), LogFormat::text).key_values(),
              "event=message queue=0123456789ABCDEF012345 copy=1 copies=2 msgid=<m1@example.org> "
              "from=<alice@example.org> to=<bob@partner.test>,<carol@partner.test> "
              "direction=outbound action=encrypted method=smime keys=ab12,cd34 alg=aes256-cbc "
              "signature=\"signed; signer=ef56\" tls_level=may tls=TLSv1.3 "
              "cipher=TLS_AES_256_GCM_SHA384 peer=- verified=no result=250 status=2.0.0 "
              "duration_ms=17 size=1234 node=gw-1.example.org detail=\"next hop: 250 2.0.0 Ok\"");
}

TEST(MessageLine, FieldsThatDoNotApplyAreLeftOut) {
    MessageLine line;
    line.copy.queue_id = "Q";
    line.copy.direction = Direction::relay;
    line.copy.action = CopyAction::rejected;
    line.copy.detail = "too many Received: fields";
    line.result = 554;
    EXPECT_EQ(message_fields(line, LogFormat::text).key_values(),
              "event=message queue=Q copy=1 copies=1 msgid=<> from=<> to=\"\" direction=relay "
              "action=rejected result=554 duration_ms=0 size=0 detail=\"too many Received: "
              "fields\"");
}

TEST(MessageLine, JsonHasArraysAndRawAddresses) {
    const auto j = nlohmann::json::parse(message_fields(relayed_copy(), LogFormat::json).json());
    EXPECT_EQ(j["event"], "message");
    EXPECT_EQ(j["queue"], "0123456789ABCDEF012345");
    EXPECT_EQ(j["msgid"], "m1@example.org");
    EXPECT_EQ(j["from"], "alice@example.org");
    EXPECT_EQ(j["to"], nlohmann::json({"bob@partner.test", "carol@partner.test"}));
    EXPECT_EQ(j["keys"], nlohmann::json({"ab12", "cd34"}));
    EXPECT_EQ(j["result"], 250);
    EXPECT_EQ(j["copy"], 1);
    EXPECT_EQ(j["copies"], 2);
    EXPECT_EQ(j["duration_ms"], 17);
    EXPECT_EQ(j["verified"], "no");
    EXPECT_EQ(j["node"], "gw-1.example.org");
}

TEST(MessageLine, HostileMessageIdAndSenderStayOneField) {
    MessageLine line = relayed_copy();
    line.copy.message_id = "x@y> action=passed result=250\r\n2026-01-01 sealgate: forged \"";
    line.copy.sender = "\"a b\\\"\"@example.org";
    const std::string text = message_fields(line, LogFormat::text).key_values();
    EXPECT_EQ(text.find('\n'), std::string::npos);
    EXPECT_EQ(text.find('\r'), std::string::npos);
    EXPECT_NE(text.find(" msgid=\"<x@y> action=passed result=250\\r\\n2026-01-01 sealgate: "
                        "forged \\\">\" from=\"<\\\"a b\\\\\\\"\\\"@example.org>\" "),
              std::string::npos)
        << text;
    const auto j = nlohmann::json::parse(message_fields(line, LogFormat::json).json());
    EXPECT_EQ(j["msgid"], line.copy.message_id);
    EXPECT_EQ(j["from"], line.copy.sender);
    EXPECT_EQ(j["action"], "encrypted");
}

}  // namespace
}  // namespace sealgate::app
