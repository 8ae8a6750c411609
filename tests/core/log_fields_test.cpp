// core/log_fields.hpp: the escaping that keeps the per-message log line one line with its own
// fields, whatever a client put into a Message-ID or an address.
#include "core/log_fields.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace sealgate {
namespace {

TEST(LogFields, PlainValuesStayBare) {
    EXPECT_EQ(kv_value("abc@example.org"), "abc@example.org");
    EXPECT_EQ(kv_value("<a@b>"), "<a@b>");
    EXPECT_EQ(kv_value("250"), "250");
}

TEST(LogFields, OtherValuesAreQuotedAndEscaped) {
    EXPECT_EQ(kv_value(""), "\"\"");
    EXPECT_EQ(kv_value("a b"), "\"a b\"");
    EXPECT_EQ(kv_value("a=b"), "\"a=b\"");
    EXPECT_EQ(kv_value("say \"hi\""), "\"say \\\"hi\\\"\"");
    EXPECT_EQ(kv_value("back\\slash"), "\"back\\\\slash\"");
    EXPECT_EQ(kv_value("a\r\nb\tc"), "\"a\\r\\nb\\tc\"");
    EXPECT_EQ(kv_value(std::string("nul\0x", 5)), "\"nul\\x00x\"");
    EXPECT_EQ(kv_value("\x7f"), "\"\\x7f\"");
    EXPECT_EQ(kv_value("b\xc3\xbc"), "\"b\\xc3\\xbc\"");
}

// The escaped value has no CR, LF or unescaped quote left: it cannot end the line or the field.
TEST(LogFields, HostileValueCannotForgeAFieldOrALine) {
    const std::string hostile = "<x@y> action=passed\" forged=\"1\r\n2026 sealgate: fake line";
    LogFields f;
    f.add("msgid", hostile).add("result", std::int64_t{250});
    const std::string line = f.key_values();
    EXPECT_EQ(line.find('\n'), std::string::npos);
    EXPECT_EQ(line.find('\r'), std::string::npos);
    EXPECT_EQ(line,
              "msgid=\"<x@y> action=passed\\\" forged=\\\"1\\r\\n2026 sealgate: fake line\" "
              "result=250");
}

TEST(LogFields, JsonStrings) {
    EXPECT_EQ(json_string("a\"b\\c"), "\"a\\\"b\\\\c\"");
    EXPECT_EQ(json_string("\r\n\t\x01\x7f"), "\"\\r\\n\\t\\u0001\\u007f\"");
    // Valid UTF-8 passes (2, 3 and 4 bytes); invalid bytes become U+FFFD.
    EXPECT_EQ(json_string("b\xc3\xbc \xe2\x82\xac \xf0\x9f\x94\x92"),
              "\"b\xc3\xbc \xe2\x82\xac \xf0\x9f\x94\x92\"");
    EXPECT_EQ(json_string("a\xff"
                          "b"),
              "\"a\\ufffdb\"");
    EXPECT_EQ(json_string("\xc3"), "\"\\ufffd\"");                        // truncated sequence
    EXPECT_EQ(json_string("\xc0\xaf"), "\"\\ufffd\\ufffd\"");             // overlong '/'
    EXPECT_EQ(json_string("\xed\xa0\x80"), "\"\\ufffd\\ufffd\\ufffd\"");  // a surrogate
}

TEST(LogFields, JsonObjectParsesBackToTheValues) {
    const std::string hostile = "<x\"@y>\r\n{\"forged\":1}";
    LogFields f;
    f.add("event", "message")
        .add("msgid", hostile)
        .add("to", std::vector<std::string>{"a@b", "c,d@e"})
        .add("copy", std::int64_t{2})
        .add("relayed", true)
        .add("bad", "\xff");
    const std::string text = f.json();
    EXPECT_EQ(text.find('\n'), std::string::npos);
    const auto j = nlohmann::json::parse(text);
    EXPECT_EQ(j["event"], "message");
    EXPECT_EQ(j["msgid"], hostile);
    EXPECT_EQ(j["to"], nlohmann::json({"a@b", "c,d@e"}));
    EXPECT_EQ(j["copy"], 2);
    EXPECT_EQ(j["relayed"], true);
    EXPECT_EQ(j["bad"], "\xef\xbf\xbd");
    EXPECT_EQ(j.size(), 6u);
}

TEST(LogFields, KeyValuesKeepTheOrderAndJoinLists) {
    LogFields f;
    f.add("b", "2").add("a", std::vector<std::string>{"<x@y>", "<z@w>"}).add("ok", false);
    EXPECT_EQ(f.key_values(), "b=2 a=<x@y>,<z@w> ok=false");
    EXPECT_EQ(f.json(), "{\"b\":\"2\",\"a\":[\"<x@y>\",\"<z@w>\"],\"ok\":false}");
}

TEST(LogFields, StringLiteralIsTextNotBool) {
    LogFields f;
    f.add("verified", "no");
    EXPECT_EQ(f.key_values(), "verified=no");
}

TEST(LogFields, Format) {
    LogFormat format = LogFormat::text;
    EXPECT_TRUE(parse_log_format("json", format));
    EXPECT_EQ(format, LogFormat::json);
    EXPECT_TRUE(parse_log_format("text", format));
    EXPECT_EQ(format, LogFormat::text);
    EXPECT_FALSE(parse_log_format("JSON ", format));
    EXPECT_EQ(format, LogFormat::text);
}

}  // namespace
}  // namespace sealgate
