// The ESMTP session as a pure state machine: bytes in, actions out.
#include "smtp/session.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace sealgate::smtp {
namespace {

class FakePolicy : public Policy {
  public:
    Reply check_recipient(const Envelope&, const Recipient& r) override {
        ++calls;
        if (r.address.starts_with("reject"))
            return Reply::make(550, "5.7.1", "Encryption required");
        if (r.address.starts_with("tempfail"))
            return Reply::make(451, "4.3.0", "Try later");
        return Reply::make(250, "2.1.5", "Ok");
    }
    int calls = 0;
};

// The concatenated wire text of all Send actions.
std::string sent(const Actions& actions) {
    std::string out;
    for (const auto& a : actions)
        if (const auto* s = std::get_if<action::Send>(&a))
            out += s->reply.wire();
    return out;
}

std::vector<int> codes(const Actions& actions) {
    std::vector<int> out;
    for (const auto& a : actions)
        if (const auto* s = std::get_if<action::Send>(&a))
            out.push_back(s->reply.code);
    return out;
}

// A copy, so that it may be taken from a temporary list of actions.
std::optional<action::Deliver> find_deliver(const Actions& actions) {
    for (const auto& a : actions)
        if (const auto d = std::get_if<action::Deliver>(&a))
            return *d;
    return std::nullopt;
}

bool has_close(const Actions& actions) {
    for (const auto& a : actions)
        if (std::holds_alternative<action::Close>(a))
            return true;
    return false;
}

class SessionTest : public ::testing::Test {
  protected:
    explicit SessionTest(SessionConfig c = make_config()) : session(c, policy, "192.0.2.1") {}

    static SessionConfig make_config() {
        SessionConfig c;
        c.hostname = "gw.example";
        c.limits.max_message_size = 100;
        c.limits.max_recipients = 3;
        c.limits.max_bad_commands = 10;
        return c;
    }

    Actions ehlo() {
        session.start();
        return session.receive("EHLO client.example\r\n");
    }

    FakePolicy policy;
    Session session;
};

TEST_F(SessionTest, GreetingAndEhloCapabilities) {
    EXPECT_EQ(sent(session.start()), "220 gw.example ESMTP sealgate\r\n");
    const std::string caps = sent(session.receive("EHLO client.example\r\n"));
    EXPECT_EQ(caps,
              "250-gw.example\r\n250-PIPELINING\r\n250-SIZE 100\r\n250-8BITMIME\r\n"
              "250-ENHANCEDSTATUSCODES\r\n250-SMTPUTF8\r\n250-DSN\r\n"
              "250 XFORWARD NAME ADDR PROTO HELO IDENT SOURCE\r\n");
    EXPECT_EQ(caps.find("STARTTLS"), std::string::npos);  // no TLS context configured
}

TEST_F(SessionTest, FullTransaction) {
    ehlo();
    EXPECT_EQ(sent(session.receive("MAIL FROM:<a@x.example>\r\n")), "250 2.1.0 Ok\r\n");
    EXPECT_EQ(sent(session.receive("RCPT TO:<b@y.example>\r\n")), "250 2.1.5 Ok\r\n");
    EXPECT_EQ(sent(session.receive("DATA\r\n")), "354 End data with <CR><LF>.<CR><LF>\r\n");
    const Actions end = session.receive("Subject: hi\r\n\r\nbody\r\n.\r\n");
    EXPECT_TRUE(codes(end).empty());  // no reply before the app says so
    const auto d = find_deliver(end);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->data, "Subject: hi\r\n\r\nbody\r\n");
    EXPECT_EQ(d->envelope.sender, "a@x.example");
    ASSERT_EQ(d->envelope.recipients.size(), 1u);
    EXPECT_EQ(d->envelope.recipients[0].address, "b@y.example");
    EXPECT_EQ(d->envelope.client_address, "192.0.2.1");
    EXPECT_EQ(d->envelope.helo, "client.example");
    EXPECT_TRUE(session.delivering());
    EXPECT_EQ(sent(session.delivered(Reply::make(250, "2.0.0", "Ok: queued"))),
              "250 2.0.0 Ok: queued\r\n");
    const Actions quit = session.receive("QUIT\r\n");
    EXPECT_EQ(sent(quit), "221 2.0.0 Bye\r\n");
    EXPECT_TRUE(has_close(quit));
    EXPECT_TRUE(session.closed());
}

TEST_F(SessionTest, PipelinedInOneChunkWithQuitAfterData) {
    session.start();
    const Actions a = session.receive(
        "EHLO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nRCPT TO:<reject@z>\r\nDATA\r\n"
        "line\r\n.\r\nQUIT\r\n");
    EXPECT_EQ(codes(a), (std::vector<int>{250, 250, 250, 550, 354}));
    const auto d = find_deliver(a);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->envelope.recipients.size(), 1u);
    EXPECT_FALSE(has_close(a));  // QUIT waits behind the delivery
    const Actions after = session.delivered(Reply::make(451, "4.4.2", "Next hop down"));
    EXPECT_EQ(sent(after), "451 4.4.2 Next hop down\r\n221 2.0.0 Bye\r\n");
    EXPECT_TRUE(has_close(after));
}

TEST_F(SessionTest, CommandSplitAcrossChunks) {
    session.start();
    EXPECT_TRUE(session.receive("EH").empty());
    EXPECT_TRUE(session.receive("LO c").empty());
    EXPECT_TRUE(session.receive("\r").empty());
    EXPECT_EQ(codes(session.receive("\nMAIL FROM:<a@")), (std::vector<int>{250}));  // EHLO
    EXPECT_EQ(sent(session.receive("x>\r\n")), "250 2.1.0 Ok\r\n");
}

TEST_F(SessionTest, DataSplitAcrossChunksEndsOnlyAtCrlfDotCrlf) {
    ehlo();
    session.receive("MAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\n");
    EXPECT_FALSE(find_deliver(session.receive("a\r\n.")));
    EXPECT_FALSE(find_deliver(session.receive("x\r\n.\r")));
    const auto end = session.receive("\n");
    const auto d = find_deliver(end);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->data, "a\r\nx\r\n");
}

TEST_F(SessionTest, DotUnstuffing) {
    ehlo();
    const Actions a = session.receive(
        "MAIL FROM:<>\r\nRCPT TO:<b@y>\r\nDATA\r\n..leading\r\n\r\n...\r\nmid.dle\r\n.\r\n");
    const auto d = find_deliver(a);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->data, ".leading\r\n\r\n..\r\nmid.dle\r\n");
    EXPECT_EQ(d->envelope.sender, "");
}

TEST_F(SessionTest, EmptyMessage) {
    ehlo();
    const auto d =
        find_deliver(session.receive("MAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\n.\r\n"));
    ASSERT_TRUE(d);
    EXPECT_EQ(d->data, "");
}

TEST_F(SessionTest, BareLfInDataIsRefusedAndTheConnectionClosed) {
    ehlo();
    const Actions a = session.receive(
        "MAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\nbad\n.\nstill\r\n.\r\nNOOP\r\n");
    EXPECT_FALSE(find_deliver(a));
    EXPECT_EQ(codes(a), (std::vector<int>{250, 250, 354, 550}));
    EXPECT_TRUE(has_close(a));
    EXPECT_TRUE(session.closed());
}

// SMTP smuggling: "<LF>.<CRLF>" (or "<CR>.<CRLF>") is not the end of the data. A client that
// meant it as one sends its second, forged transaction next; it must never run.
struct Smuggle {
    const char* name;
    const char* data;
};

class SmugglingTest : public SessionTest, public ::testing::WithParamInterface<Smuggle> {};

TEST_P(SmugglingTest, ForgedTransactionNeverRuns) {
    ehlo();
    const std::string stream = std::string("MAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\n") +
                               GetParam().data +
                               "MAIL FROM:<ceo@x>\r\nRCPT TO:<victim@y>\r\nDATA\r\n"
                               "forged\r\n.\r\nQUIT\r\n";
    // Any chunking: one piece, and byte by byte.
    for (const bool bytewise : {false, true}) {
        FakePolicy p;
        Session s(make_config(), p, "192.0.2.1");
        s.start();
        Actions all = s.receive("EHLO c\r\n");
        if (bytewise) {
            for (const char c : stream) {
                Actions a = s.receive(std::string_view(&c, 1));
                all.insert(all.end(), a.begin(), a.end());
            }
        } else {
            all = s.receive(stream);
        }
        EXPECT_FALSE(find_deliver(all)) << GetParam().name;
        EXPECT_TRUE(s.closed()) << GetParam().name;
        EXPECT_EQ(p.calls, 1) << GetParam().name;  // only b@y: the forged RCPT never ran
        const std::string text = sent(all);
        EXPECT_NE(text.find("550 5.6.0"), std::string::npos) << text;
        EXPECT_EQ(text.find("221"), std::string::npos) << text;  // QUIT never ran either
    }
}

INSTANTIATE_TEST_SUITE_P(Endings, SmugglingTest,
                         ::testing::Values(Smuggle{"lf_dot_crlf", "hello\n.\r\n"},
                                           Smuggle{"cr_dot_crlf", "hello\r.\r\n"},
                                           Smuggle{"lf_dot_lf", "hello\n.\n"},
                                           Smuggle{"crlf_dot_lf", "hello\r\n.\n"},
                                           Smuggle{"crlf_dot_cr", "hello\r\n.\r"},
                                           Smuggle{"bare_cr_in_line", "he\rllo\r\n.\r\n"}),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

TEST_F(SessionTest, BareCrInALongLineWithoutLfIsSeen) {
    ehlo();
    session.receive("MAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\n");
    // Longer than the 64 KiB fragment: consumed in pieces before any line end arrives.
    std::string line(70 * 1024, 'x');
    line[1000] = '\r';
    EXPECT_TRUE(session.receive(line).empty());
    const Actions end = session.receive("\r\n.\r\n");
    EXPECT_FALSE(find_deliver(end));
    EXPECT_TRUE(has_close(end));
}

TEST_F(SessionTest, CrLfSplitAtTheFragmentBoundaryIsNotBare) {
    SessionConfig c = make_config();
    c.limits.max_message_size = 1024 * 1024;
    FakePolicy p;
    Session s(c, p, "192.0.2.1");
    s.start();
    s.receive("EHLO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\n");
    const std::string line = std::string(70 * 1024, 'x') + "\r";
    EXPECT_TRUE(s.receive(line).empty());
    const auto d = find_deliver(s.receive("\n.\r\n"));
    ASSERT_TRUE(d);
    EXPECT_EQ(d->data, std::string(70 * 1024, 'x') + "\r\n");
}

// Spellings that Postfix's smtpd resolves to partner.example: never handed to the policy.
class HostileRecipientTest : public SessionTest,
                             public ::testing::WithParamInterface<const char*> {};

TEST_P(HostileRecipientTest, RefusedBeforeThePolicy) {
    ehlo();
    session.receive("MAIL FROM:<a@x.example>\r\n");
    const Actions a = session.receive(std::string("RCPT TO:<") + GetParam() + ">\r\n");
    EXPECT_EQ(sent(a), "501 5.1.3 Error: bad recipient address syntax\r\n") << GetParam();
    EXPECT_EQ(policy.calls, 0);
}

INSTANTIATE_TEST_SUITE_P(Table, HostileRecipientTest,
                         ::testing::Values("bob@partner.example(comment)", "bob@(c)partner.example",
                                           "bob@\"partner.example\"", "bob@partner\\.example",
                                           "bob@partner.example..", "bob@partner..example",
                                           "bob@.partner.example", "bob@-partner.example",
                                           "bob@partner.example@x", "bob@[partner.example]", "bob@",
                                           "bob", "@relay:bob@partner.example(c)"));

TEST_F(SessionTest, RecipientIsPassedOnWithoutSourceRouteOrFinalDot) {
    ehlo();
    const Actions a = session.receive(
        "MAIL FROM:<@relay.example:a@x.example>\r\nRCPT TO:<@r1.example,@r2.example:b@Y.example.>"
        "\r\nRCPT TO:<Postmaster>\r\nDATA\r\nx\r\n.\r\n");
    const auto d = find_deliver(a);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->envelope.sender, "a@x.example");
    ASSERT_EQ(d->envelope.recipients.size(), 2u);
    EXPECT_EQ(d->envelope.recipients[0].address, "b@Y.example");
    EXPECT_EQ(d->envelope.recipients[1].address, "Postmaster");
}

TEST_F(SessionTest, BadSenderSyntax) {
    ehlo();
    EXPECT_EQ(sent(session.receive("MAIL FROM:<a@x.example(comment)>\r\n")),
              "501 5.1.7 Error: bad sender address syntax\r\n");
    EXPECT_EQ(codes(session.receive("MAIL FROM:<>\r\n")), (std::vector<int>{250}));
}

TEST_F(SessionTest, JunkCommandsCloseTheSessionUntilAMessageIsDelivered) {
    SessionConfig c = make_config();
    c.limits.max_junk_commands = 3;
    FakePolicy p;
    Session s(c, p, "192.0.2.1");
    s.start();
    s.receive("EHLO c\r\n");
    EXPECT_EQ(codes(s.receive("NOOP\r\nRSET\r\nVRFY x\r\n")), (std::vector<int>{250, 250, 252}));
    // A delivered message starts the count again (a kept connection says RSET between them).
    s.receive("MAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\nx\r\n.\r\n");
    s.delivered(Reply::make(250, "2.0.0", "Ok"));
    EXPECT_EQ(codes(s.receive("NOOP\r\nHELP\r\nNOOP\r\n")), (std::vector<int>{250, 214, 250}));
    const Actions a = s.receive("NOOP\r\n");
    EXPECT_EQ(sent(a), "250 2.0.0 Ok\r\n421 4.7.0 gw.example Error: too many junk commands\r\n");
    EXPECT_TRUE(has_close(a));
}

TEST_F(SessionTest, UnknownCommandsAreJunkToo) {
    SessionConfig c = make_config();
    c.limits.max_junk_commands = 2;
    FakePolicy p;
    Session s(c, p, "192.0.2.1");
    s.start();
    const Actions a = s.receive("EHLO c\r\nFOO\r\nBAR\r\nBAZ\r\n");
    EXPECT_EQ(codes(a), (std::vector<int>{250, 500, 500, 500, 421}));
    EXPECT_TRUE(has_close(a));
}

TEST(SessionBudget, DataBeyondTheBudgetIsDiscardedAndAnswered452) {
    DataBudget budget(100, 0);
    SessionConfig c;
    c.limits.max_message_size = 1000;
    FakePolicy p;
    Session a(c, p, "192.0.2.1", std::nullopt, &budget);
    Session b(c, p, "192.0.2.2", std::nullopt, &budget);
    a.start();
    b.start();
    a.receive("EHLO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\n");
    a.receive(std::string(40, 'a') + "\r\n");
    // What is counted is what the buffer allocated: at least the data, at most twice it.
    const std::uint64_t held = budget.used();
    EXPECT_GE(held, 42u);
    EXPECT_LE(held, 84u);
    // b runs out: it gives back what it had, keeps nothing and reads on to its end.
    b.receive("EHLO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\n");
    b.receive(std::string(60, 'b') + "\r\n");
    EXPECT_EQ(budget.used(), held);
    EXPECT_EQ(sent(b.receive("more\r\n.\r\n")),
              "452 4.3.1 Error: insufficient system storage, try again later\r\n");
    // a delivers: the session gives its bytes back at Deliver.
    EXPECT_TRUE(find_deliver(a.receive(".\r\n")));
    EXPECT_EQ(budget.used(), 0u);
    a.delivered(Reply::make(250, "2.0.0", "Ok"));
    // DATA while too little is free for the declared SIZE, or nothing at all, is refused.
    budget.force(10);
    EXPECT_EQ(codes(a.receive("MAIL FROM:<a@x> SIZE=91\r\nRCPT TO:<b@y>\r\nDATA\r\nRSET\r\n")),
              (std::vector<int>{250, 250, 452, 250}));
    budget.give(10);
    budget.force(100);
    EXPECT_EQ(codes(a.receive("MAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\n")),
              (std::vector<int>{250, 250, 452}));
    budget.give(100);
    EXPECT_EQ(codes(a.receive("DATA\r\n")), (std::vector<int>{354}));
}

TEST(SessionBudget, ADroppedSessionGivesItsBytesBack) {
    DataBudget budget(1000);
    FakePolicy p;
    {
        Session s(SessionConfig{}, p, "192.0.2.1", std::nullopt, &budget);
        s.start();
        s.receive("EHLO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\n");
        s.receive(std::string(100, 'h') + "\r\n");
        EXPECT_GE(budget.used(), 102u);
    }
    EXPECT_EQ(budget.used(), 0u);
}

TEST_F(SessionTest, BareLfTerminatedCommandsAreTolerated) {
    session.start();
    EXPECT_EQ(codes(session.receive("EHLO c\nNOOP\n")), (std::vector<int>{250, 250}));
}

TEST_F(SessionTest, NeverRepliesToDataBeforeDelivered) {
    ehlo();
    const Actions a = session.receive("MAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\nx\r\n.\r\n");
    EXPECT_TRUE(find_deliver(a));
    // More input while delivering is buffered, not answered.
    EXPECT_TRUE(session.receive("NOOP\r\nRSET\r\n").empty());
    EXPECT_TRUE(session.delivering());
    EXPECT_EQ(codes(session.delivered(Reply::make(250, "2.0.0", "Ok"))),
              (std::vector<int>{250, 250, 250}));
}

TEST_F(SessionTest, DeliveredPassesRefusalThrough) {
    ehlo();
    session.receive("MAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\nx\r\n.\r\n");
    EXPECT_EQ(sent(session.delivered(Reply::make(554, "5.7.1", "Cannot encrypt"))),
              "554 5.7.1 Cannot encrypt\r\n");
    // The transaction is over: a new MAIL is accepted.
    EXPECT_EQ(codes(session.receive("MAIL FROM:<a@x>\r\n")), (std::vector<int>{250}));
}

TEST_F(SessionTest, LineTooLong) {
    ehlo();
    const std::string at_limit = "NOOP " + std::string(510 - 5, 'a') + "\r\n";  // 512 with CRLF
    EXPECT_EQ(codes(session.receive(at_limit)), (std::vector<int>{250}));
    const std::string over = "NOOP " + std::string(511 - 5, 'a') + "\r\n";
    EXPECT_EQ(sent(session.receive(over)), "500 5.5.2 Error: line too long\r\n");
    // A long line arriving in pieces is discarded without buffering and answered at its end.
    EXPECT_TRUE(session.receive(std::string(600, 'b')).empty());
    EXPECT_TRUE(session.receive(std::string(600, 'b')).empty());
    EXPECT_EQ(codes(session.receive("\r\nNOOP\r\n")), (std::vector<int>{500, 250}));
}

TEST_F(SessionTest, SizeExactlyAtLimitIsAccepted) {
    ehlo();
    session.receive("MAIL FROM:<a@x> SIZE=100\r\nRCPT TO:<b@y>\r\nDATA\r\n");
    const std::string body = std::string(98, 'x') + "\r\n";  // 100 bytes
    const auto d = find_deliver(session.receive(body + ".\r\n"));
    ASSERT_TRUE(d);
    EXPECT_EQ(d->data.size(), 100u);
    EXPECT_EQ(d->envelope.size, 100u);
}

TEST_F(SessionTest, OneByteOverLimitIsRefusedAfterDataEnds) {
    ehlo();
    session.receive("MAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\n");
    const std::string body = std::string(99, 'x') + "\r\n";  // 101 bytes
    EXPECT_TRUE(session.receive(body).empty());              // keeps reading
    const Actions a = session.receive(".\r\n");
    EXPECT_FALSE(find_deliver(a));
    EXPECT_EQ(sent(a), "552 5.3.4 Error: message size exceeds fixed limit\r\n");
    EXPECT_FALSE(session.in_data());
}

TEST_F(SessionTest, OversizeLineWithoutLineEndIsDiscarded) {
    ehlo();
    session.receive("MAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\n");
    EXPECT_TRUE(session.receive(std::string(200000, 'x')).empty());
    EXPECT_EQ(codes(session.receive("\r\n.\r\n")), (std::vector<int>{552}));
}

TEST_F(SessionTest, DeclaredSizeOverLimit) {
    ehlo();
    EXPECT_EQ(sent(session.receive("MAIL FROM:<a@x> SIZE=101\r\n")),
              "552 5.3.4 Error: message size exceeds fixed limit\r\n");
    EXPECT_EQ(codes(session.receive("RCPT TO:<b@y>\r\n")), (std::vector<int>{503}));
}

TEST_F(SessionTest, TooManyRecipients) {
    ehlo();
    const Actions a = session.receive(
        "MAIL FROM:<a@x>\r\nRCPT TO:<1@y>\r\nRCPT TO:<2@y>\r\nRCPT TO:<3@y>\r\nRCPT TO:<4@y>\r\n");
    EXPECT_EQ(codes(a), (std::vector<int>{250, 250, 250, 250, 452}));
    EXPECT_NE(sent(a).find("452 4.5.3"), std::string::npos);
    EXPECT_EQ(policy.calls, 3);
}

TEST_F(SessionTest, PolicyTemporaryFailureIsPassedOn) {
    ehlo();
    const Actions a = session.receive("MAIL FROM:<a@x>\r\nRCPT TO:<tempfail@y>\r\nDATA\r\n");
    EXPECT_EQ(sent(a),
              "250 2.1.0 Ok\r\n451 4.3.0 Try later\r\n554 5.5.1 Error: no valid recipients\r\n");
}

TEST_F(SessionTest, BadSequences) {
    session.start();
    EXPECT_EQ(codes(session.receive("MAIL FROM:<a@x>\r\n")), (std::vector<int>{503}));
    session.receive("HELO c\r\n");
    EXPECT_EQ(codes(session.receive("RCPT TO:<b@y>\r\n")), (std::vector<int>{503}));
    EXPECT_EQ(codes(session.receive("DATA\r\n")), (std::vector<int>{503}));
    session.receive("MAIL FROM:<a@x>\r\n");
    EXPECT_EQ(codes(session.receive("MAIL FROM:<a@x>\r\n")), (std::vector<int>{503}));
    EXPECT_EQ(sent(session.receive("DATA\r\n")), "503 5.5.1 Error: need RCPT command\r\n");
}

TEST_F(SessionTest, UnknownCommand) {
    ehlo();
    EXPECT_EQ(sent(session.receive("FROB x\r\n")), "500 5.5.1 Error: command not recognized\r\n");
    EXPECT_EQ(sent(session.receive("STARTTLS\r\n")),
              "502 5.5.1 Error: command not implemented\r\n");
}

TEST_F(SessionTest, SyntaxErrors) {
    session.start();
    EXPECT_EQ(codes(session.receive("EHLO\r\n")), (std::vector<int>{501}));
    session.receive("EHLO c\r\n");
    EXPECT_EQ(codes(session.receive("MAIL FROM:a@x\r\n")), (std::vector<int>{501}));
    EXPECT_EQ(codes(session.receive("MAIL TO:<a@x>\r\n")), (std::vector<int>{501}));
    EXPECT_EQ(codes(session.receive("MAIL FROM:<a@x> SIZE=abc\r\n")), (std::vector<int>{501}));
    EXPECT_EQ(codes(session.receive("MAIL FROM:<a@x> BODY=BINARYMIME\r\n")),
              (std::vector<int>{504}));
}

TEST_F(SessionTest, MoreSyntaxErrors) {
    ehlo();
    EXPECT_EQ(codes(session.receive("MAIL FROM:<a@x> FOO=1\r\n")), (std::vector<int>{555}));
    EXPECT_EQ(codes(session.receive("MAIL FROM:<a@x> SIZE=1 SIZE=2\r\n")), (std::vector<int>{501}));
    EXPECT_EQ(codes(session.receive("MAIL FROM:<a@x>\r\n")), (std::vector<int>{250}));
    EXPECT_EQ(codes(session.receive("RCPT TO:<>\r\n")), (std::vector<int>{501}));
    EXPECT_EQ(codes(session.receive("RCPT TO:<b@y> NOTIFY=NEVER,SUCCESS\r\n")),
              (std::vector<int>{501}));
    EXPECT_EQ(codes(session.receive("RCPT TO:<b@y> ORCPT=nosemicolon\r\n")),
              (std::vector<int>{501}));
    EXPECT_EQ(codes(session.receive("DATA x\r\n")), (std::vector<int>{501}));
    EXPECT_EQ(codes(session.receive("RCPT TO:<b\xc3\xa4@y>\r\n")), (std::vector<int>{553}));
}

TEST_F(SessionTest, TooManyErrorsDisconnects) {
    ehlo();
    Actions a = session.receive("X1\r\nX2\r\nX3\r\nX4\r\nX5\r\nX6\r\nX7\r\nX8\r\nX9\r\n");
    EXPECT_FALSE(has_close(a));
    a = session.receive("X10\r\nNOOP\r\n");
    EXPECT_EQ(codes(a), (std::vector<int>{500, 421}));
    EXPECT_TRUE(has_close(a));
    EXPECT_TRUE(session.receive("NOOP\r\n").empty());
}

TEST_F(SessionTest, DsnParametersAreKept) {
    ehlo();
    const Actions a = session.receive(
        "MAIL FROM:<a@x> RET=HDRS ENVID=QQ+2B314 BODY=8BITMIME SMTPUTF8 SIZE=10\r\n"
        "RCPT TO:<b@y> NOTIFY=success,failure ORCPT=rfc822;b+2Bz@y\r\n"
        "RCPT TO:<c@y> NOTIFY=NEVER\r\nDATA\r\nx\r\n.\r\n");
    const auto d = find_deliver(a);
    ASSERT_TRUE(d);
    const Envelope& e = d->envelope;
    EXPECT_EQ(e.ret, "HDRS");
    EXPECT_EQ(e.envid, "QQ+2B314");
    EXPECT_EQ(xtext_decode(*e.envid), "QQ+314");
    EXPECT_EQ(e.body, Body::EightBitMime);
    EXPECT_TRUE(e.smtputf8);
    EXPECT_EQ(e.size, 10u);
    ASSERT_EQ(e.recipients.size(), 2u);
    EXPECT_EQ(e.recipients[0].notify, "SUCCESS,FAILURE");
    EXPECT_EQ(e.recipients[0].orcpt, "rfc822;b+2Bz@y");
    EXPECT_EQ(e.recipients[1].notify, "NEVER");
    EXPECT_FALSE(e.recipients[1].orcpt);
}

TEST_F(SessionTest, SmtpUtf8AllowsNonAsciiAddresses) {
    ehlo();
    EXPECT_EQ(
        codes(session.receive("MAIL FROM:<j\xc3\xb6rg@x> SMTPUTF8\r\nRCPT TO:<\xc3\xa4@y>\r\n")),
        (std::vector<int>{250, 250}));
}

TEST_F(SessionTest, ParametersNeedEhlo) {
    session.start();
    session.receive("HELO c\r\n");
    EXPECT_EQ(codes(session.receive("MAIL FROM:<a@x> SIZE=1\r\n")), (std::vector<int>{555}));
}

TEST_F(SessionTest, XforwardAttributesAreKeptForOneTransaction) {
    ehlo();
    EXPECT_EQ(sent(session.receive("XFORWARD NAME=mx.example ADDR=198.51.100.7 PROTO=ESMTP\r\n")),
              "250 2.0.0 Ok\r\n");
    session.receive("XFORWARD HELO=mx.example IDENT=123ABC SOURCE=REMOTE\r\n");
    session.receive("XFORWARD ADDR=198.51.100.8\r\n");  // a later value replaces the earlier
    const auto d =
        find_deliver(session.receive("MAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\nx\r\n.\r\n"));
    ASSERT_TRUE(d);
    const auto& xf = d->envelope.xforward;
    ASSERT_EQ(xf.size(), 6u);
    EXPECT_EQ(xf[0], (std::pair<std::string, std::string>{"NAME", "mx.example"}));
    EXPECT_EQ(*d->envelope.xforward_value("ADDR"), "198.51.100.8");
    EXPECT_EQ(*d->envelope.xforward_value("SOURCE"), "REMOTE");
    EXPECT_EQ(*d->envelope.xforward_value("IDENT"), "123ABC");
    session.delivered(Reply::make(250, "2.0.0", "Ok"));
    const auto d2 =
        find_deliver(session.receive("MAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\nx\r\n.\r\n"));
    ASSERT_TRUE(d2);
    EXPECT_TRUE(d2->envelope.xforward.empty());
}

TEST_F(SessionTest, XforwardErrors) {
    ehlo();
    EXPECT_EQ(codes(session.receive("XFORWARD FOO=bar\r\n")), (std::vector<int>{501}));
    EXPECT_EQ(codes(session.receive("XFORWARD NAME\r\n")), (std::vector<int>{501}));
    session.receive("MAIL FROM:<a@x>\r\n");
    EXPECT_EQ(codes(session.receive("XFORWARD NAME=x\r\n")), (std::vector<int>{503}));
}

TEST_F(SessionTest, RsetEndsTransaction) {
    ehlo();
    EXPECT_EQ(
        codes(session.receive("MAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nRSET\r\nRCPT TO:<b@y>\r\n")),
        (std::vector<int>{250, 250, 250, 503}));
    EXPECT_EQ(codes(session.receive("MAIL FROM:<a@x>\r\n")), (std::vector<int>{250}));
}

TEST_F(SessionTest, NoopVrfyHelp) {
    ehlo();
    EXPECT_EQ(codes(session.receive("NOOP\r\nVRFY user\r\nHELP\r\n")),
              (std::vector<int>{250, 252, 214}));
    EXPECT_EQ(codes(session.receive("VRFY\r\n")), (std::vector<int>{501}));
}

TEST_F(SessionTest, TimeoutAndShutdown) {
    ehlo();
    const Actions t = session.timeout();
    EXPECT_EQ(codes(t), (std::vector<int>{421}));
    EXPECT_NE(sent(t).find("4.4.2"), std::string::npos);
    EXPECT_TRUE(has_close(t));
    EXPECT_TRUE(session.shutdown().empty());
}

TEST(SessionRefused, AnswersOnlyQuit) {
    FakePolicy policy;
    Session s({}, policy, "203.0.113.9", Reply::make(554, "5.7.1", "Access denied"));
    EXPECT_EQ(sent(s.start()), "554 5.7.1 Access denied\r\n");
    EXPECT_EQ(codes(s.receive("EHLO x\r\nMAIL FROM:<a@b>\r\n")), (std::vector<int>{503, 503}));
    const Actions q = s.receive("QUIT\r\n");
    EXPECT_EQ(codes(q), (std::vector<int>{221}));
    EXPECT_TRUE(has_close(q));
}

class TlsSessionTest : public ::testing::Test {
  protected:
    static SessionConfig config() {
        SessionConfig c;
        c.hostname = "gw";
        c.tls_available = true;
        return c;
    }
    FakePolicy policy;
    Session session{config(), policy, "127.0.0.1"};
};

TEST_F(TlsSessionTest, StartTlsResetsState) {
    session.start();
    EXPECT_NE(sent(session.receive("EHLO c\r\n")).find("250-STARTTLS"), std::string::npos);
    session.receive("XFORWARD ADDR=1.2.3.4\r\n");
    const Actions a = session.receive("STARTTLS\r\n");
    EXPECT_EQ(sent(a), "220 2.0.0 Ready to start TLS\r\n");
    ASSERT_EQ(a.size(), 2u);
    EXPECT_TRUE(std::holds_alternative<action::StartTls>(a[1]));
    EXPECT_TRUE(session.tls_started().empty());
    EXPECT_TRUE(session.tls());
    // EHLO is required again and STARTTLS is no longer offered.
    EXPECT_EQ(codes(session.receive("MAIL FROM:<a@x>\r\n")), (std::vector<int>{503}));
    const std::string caps = sent(session.receive("EHLO c\r\n"));
    EXPECT_EQ(caps.find("STARTTLS"), std::string::npos);
    EXPECT_EQ(codes(session.receive("STARTTLS\r\n")), (std::vector<int>{503}));
    const auto d =
        find_deliver(session.receive("MAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\n.\r\n"));
    ASSERT_TRUE(d);
    EXPECT_TRUE(d->envelope.tls);
    EXPECT_TRUE(d->envelope.xforward.empty());  // forgotten with the plaintext state
}

TEST_F(TlsSessionTest, PipelinedDataAfterStartTlsIsRejected) {
    session.start();
    session.receive("EHLO c\r\n");
    const Actions a = session.receive("STARTTLS\r\nMAIL FROM:<evil@x>\r\n");
    EXPECT_EQ(codes(a), (std::vector<int>{554}));
    EXPECT_TRUE(has_close(a));
    for (const auto& act : a)
        EXPECT_FALSE(std::holds_alternative<action::StartTls>(act));
}

TEST_F(TlsSessionTest, StartTlsInsideTransactionIsBadSequence) {
    session.start();
    EXPECT_EQ(codes(session.receive("EHLO c\r\nMAIL FROM:<a@x>\r\nSTARTTLS\r\n")),
              (std::vector<int>{250, 250, 503}));
}

}  // namespace
}  // namespace sealgate::smtp
