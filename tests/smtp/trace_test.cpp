// smtp/trace: our Received: field (RFC 5321 §4.4), hop counting, queue ids.
#include "smtp/trace.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <regex>
#include <set>

namespace sealgate::smtp {
namespace {

constexpr std::time_t kWhen = 1795953605;  // Sun, 29 Nov 2026 12:00:05 +0000

Envelope copy_to(std::vector<std::string> recipients) {
    Envelope e;
    e.helo = "mx.a.example";
    e.client_address = "192.0.2.7";
    e.esmtp = true;
    e.sender = "alice@a.example";
    for (auto& r : recipients)
        e.recipients.push_back({std::move(r), std::nullopt, std::nullopt});
    return e;
}

TEST(Received, OneRecipientIsNamed) {
    EXPECT_EQ(
        received_field(copy_to({"bob@b.example"}), "gw.a.example", "0123456789ABCDEF012345", kWhen),
        "Received: from mx.a.example ([192.0.2.7])\r\n"
        "\tby gw.a.example (sealgate) with ESMTP id 0123456789ABCDEF012345\r\n"
        "\tfor <bob@b.example>; Sun, 29 Nov 2026 12:00:05 +0000\r\n");
}

TEST(Received, SeveralRecipientsAreNeverNamed) {
    // A copy seen by several recipients must not reveal any of them (one may be a Bcc).
    const std::string f =
        received_field(copy_to({"bob@b.example", "secret-bcc@b.example"}), "gw", "Q", kWhen);
    EXPECT_EQ(f.find("for"), std::string::npos) << f;
    EXPECT_EQ(f.find("bcc"), std::string::npos) << f;
    EXPECT_EQ(f,
              "Received: from mx.a.example ([192.0.2.7])\r\n\tby gw (sealgate) with ESMTP id Q; "
              "Sun, 29 Nov 2026 12:00:05 +0000\r\n");
}

TEST(Received, ProtocolNamesFollowRfc3848) {
    Envelope e = copy_to({"bob@b.example"});
    e.tls = true;
    EXPECT_NE(received_field(e, "gw", "Q", kWhen).find(" with ESMTPS id "), std::string::npos);
    e.smtputf8 = true;
    EXPECT_NE(received_field(e, "gw", "Q", kWhen).find(" with UTF8SMTPS id "), std::string::npos);
    e.tls = false;
    e.smtputf8 = false;
    e.esmtp = false;
    EXPECT_NE(received_field(e, "gw", "Q", kWhen).find(" with SMTP id "), std::string::npos);
}

TEST(Received, IPv6ClientIsAnAddressLiteral) {
    Envelope e = copy_to({"bob@b.example"});
    e.client_address = "2001:db8::1";
    EXPECT_EQ(received_field(e, "gw", "Q", kWhen)
                  .rfind("Received: from mx.a.example "
                         "([IPv6:2001:db8::1])\r\n",
                         0),
              0u);
}

TEST(Received, ClientTextCannotBreakTheField) {
    Envelope e = copy_to({"bob@b.example"});
    e.helo = "evil (x); Sun, 01 Jan 2000 00:00:00 +0000\r\nX-Injected: yes" + std::string(400, 'h');
    const std::string f = received_field(e, "gw", "Q", kWhen);
    EXPECT_EQ(f.find("X-Injected: yes\r\n"), std::string::npos);
    EXPECT_EQ(std::count(f.begin(), f.end(), ';'), 1) << f;  // only the one before the date
    EXPECT_EQ(std::count(f.begin(), f.end(), '('), 2) << f;  // (address) and (sealgate)
    std::size_t pos = 0;
    while (pos < f.size()) {
        const auto eol = f.find("\r\n", pos);
        ASSERT_NE(eol, std::string::npos);
        EXPECT_LE(eol - pos, 998u);
        pos = eol + 2;
    }
    EXPECT_TRUE(f.ends_with("; Sun, 29 Nov 2026 12:00:05 +0000\r\n")) << f;
}

TEST(Received, UncleanRecipientIsLeftOut) {
    Envelope e = copy_to({"\"a b\"@b.example"});
    EXPECT_EQ(received_field(e, "gw", "Q", kWhen).find("for "), std::string::npos);
}

TEST(HopCount, CountsReceivedFieldsOfThePrimaryHeaderOnly) {
    const std::string m =
        "Received: from a\r\n\tby b; date\r\n"
        "RECEIVED: from c; date\r\n"
        "Received : obsolete syntax; date\r\n"
        "X-Received: not a trace field\r\n"
        "Receivedx: no\r\n"
        "Subject: Received: no\r\n"
        "\r\n"
        "Received: in the body is not counted\r\n";
    EXPECT_EQ(count_received(m), 3u);
    EXPECT_EQ(count_received("Subject: x\r\n\r\n"), 0u);
    EXPECT_EQ(count_received(""), 0u);
    EXPECT_EQ(count_received("Received: a\nReceived: b\n\nReceived: c\n"), 2u);  // bare LF
}

TEST(HopCount, OurOwnFieldIsCounted) {
    const std::string f = received_field(copy_to({"b@b.example"}), "gw", "Q", kWhen);
    EXPECT_EQ(count_received(f + f + "Subject: x\r\n\r\nbody\r\n"), 2u);
}

TEST(QueueId, FormatIsTwentyTwoHexDigitsSortedByTime) {
    const std::regex format("[0-9A-F]{22}");
    std::string previous;
    for (int i = 0; i < 1000; ++i) {
        const std::string id = new_queue_id();
        EXPECT_TRUE(std::regex_match(id, format)) << id;
        // The first 14 digits are the time in microseconds, strictly increasing.
        if (!previous.empty()) {
            EXPECT_LT(previous.substr(0, 14), id.substr(0, 14));
        }
        previous = id;
    }
}

TEST(QueueId, UniqueAcrossProcessesStartedTogether) {
    // Two processes that make ids in the same microseconds still differ by the random part.
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    constexpr int kEach = 20000;
    new_queue_id();  // the parent holds random values when it forks: the child must not reuse them
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        close(fds[0]);
        std::string all;
        for (int i = 0; i < kEach; ++i)
            all += new_queue_id();
        const bool written =
            write(fds[1], all.data(), all.size()) == static_cast<ssize_t>(all.size());
        _exit(written ? 0 : 1);
    }
    close(fds[1]);
    std::set<std::string> ids;
    std::vector<std::string> first_of_parent;
    for (int i = 0; i < kEach; ++i) {
        const std::string id = new_queue_id();
        if (i < 64)
            first_of_parent.push_back(id);
        ids.insert(id);
    }
    std::string theirs;
    char buf[65536];
    ssize_t n = 0;
    while ((n = read(fds[0], buf, sizeof buf)) > 0)
        theirs.append(buf, static_cast<std::size_t>(n));
    close(fds[0]);
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    ASSERT_EQ(theirs.size(), static_cast<std::size_t>(kEach) * 22);
    for (std::size_t i = 0; i < theirs.size(); i += 22)
        ids.insert(theirs.substr(i, 22));
    EXPECT_EQ(ids.size(), static_cast<std::size_t>(2 * kEach));
    // The random parts themselves differ: the child did not go on with the values its parent
    // had drawn before the fork (64 of 2^32 each: a chance overlap is about 1 in a million).
    std::set<std::string> child_random;
    for (std::size_t i = 0; i < 64 * 22; i += 22)
        child_random.insert(theirs.substr(i + 14, 8));
    int shared = 0;
    for (const auto& id : first_of_parent)
        shared += child_random.count(id.substr(14)) ? 1 : 0;
    EXPECT_EQ(shared, 0);
}

TEST(Date, Rfc5322InUtc) {
    EXPECT_EQ(rfc5322_date(0), "Thu, 01 Jan 1970 00:00:00 +0000");
    EXPECT_EQ(rfc5322_date(kWhen), "Sun, 29 Nov 2026 12:00:05 +0000");
}

}  // namespace
}  // namespace sealgate::smtp
