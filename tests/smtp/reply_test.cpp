// smtp::Reply's wire form: RFC 5321 §4.5.3.1.5 line limit and no line breaks from a text.
#include "smtp/reply.hpp"

#include <gtest/gtest.h>

namespace sealgate::smtp {
namespace {

std::vector<std::string> wire_lines(const Reply& r) {
    std::vector<std::string> out;
    const std::string w = r.wire();
    std::size_t pos = 0;
    while (pos < w.size()) {
        const auto end = w.find("\r\n", pos);
        EXPECT_NE(end, std::string::npos) << "every line ends with CRLF";
        if (end == std::string::npos)
            break;
        out.push_back(w.substr(pos, end + 2 - pos));
        pos = end + 2;
    }
    return out;
}

TEST(Reply, ShortRepliesAreUnchanged) {
    EXPECT_EQ(Reply::make(250, "2.0.0", "Ok").wire(), "250 2.0.0 Ok\r\n");
    EXPECT_EQ(Reply::make(220, "", "host ESMTP").wire(), "220 host ESMTP\r\n");
    EXPECT_EQ(Reply::make(250, "", "first\nsecond").wire(), "250-first\r\n250 second\r\n");
}

TEST(Reply, EveryLineIsAtMost512OctetsWithItsCrlf) {
    const std::string long_text(13000, 'x');
    const Reply r = Reply::make(451, "4.4.0", long_text + "\n" + long_text);
    const auto lines = wire_lines(r);
    ASSERT_EQ(lines.size(), 2u);
    for (const auto& line : lines)
        EXPECT_EQ(line.size(), Reply::kMaxLine);
    EXPECT_EQ(lines[0].substr(0, 10), "451-4.4.0 ");
    EXPECT_EQ(lines[1].substr(0, 10), "451 4.4.0 ");
    // A text of exactly the room left fits untouched; one octet more is cut.
    const std::string fits(Reply::kMaxLine - 2 - 10, 'y');
    EXPECT_EQ(Reply::make(451, "4.4.0", fits).wire(), "451 4.4.0 " + fits + "\r\n");
    EXPECT_EQ(Reply::make(451, "4.4.0", fits + "z").wire(), "451 4.4.0 " + fits + "\r\n");
}

TEST(Reply, ACutNeverSplitsAUtf8Character) {
    // "ä" is two octets; placed so that the limit falls between them.
    const std::string text = std::string(Reply::kMaxLine - 2 - 10 - 1, 'a') + "\xC3\xA4" + "tail";
    const std::string w = Reply::make(550, "5.1.1", text).wire();
    EXPECT_LE(w.size(), Reply::kMaxLine);
    EXPECT_EQ(w, "550 5.1.1 " + std::string(Reply::kMaxLine - 2 - 10 - 1, 'a') + "\r\n");
}

TEST(Reply, ControlCharactersInATextCannotStartAnotherLine) {
    Reply r = Reply::make(550, "5.7.1", "x");
    r.lines = {"evil\r250 2.0.0 forged\x01"};
    EXPECT_EQ(r.wire(), "550 5.7.1 evil?250 2.0.0 forged?\r\n");
    EXPECT_EQ(Reply::make(250, "", "tab\there").wire(), "250 tab\there\r\n");
}

TEST(Reply, AnOverlongStatusIsDropped) {
    Reply r = Reply::make(451, std::string(600, '4'), "text");
    EXPECT_EQ(r.wire(), "451 text\r\n");
}

}  // namespace
}  // namespace sealgate::smtp
