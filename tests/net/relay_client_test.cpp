// The RelayClient against a scriptable in-test sink that records what it got.
#include "net/relay_client.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>

#include "net_test_util.hpp"

namespace sealgate::net {
namespace {

using namespace sealgate::net::testing;

smtp::Envelope envelope(std::vector<std::string> recipients = {"b@y.example", "c@y.example"}) {
    smtp::Envelope e;
    e.sender = "a@x.example";
    for (auto& r : recipients)
        e.recipients.push_back({std::move(r), std::nullopt, std::nullopt});
    return e;
}

RelayConfig relay_to(std::uint16_t port) {
    RelayConfig c;
    c.port = port;
    c.helo_name = "relay.test";
    return c;
}

struct Outcome {
    std::vector<RelayResult> results;
    std::vector<std::string> lines;
    std::vector<std::string> messages;
    int connections = 0;
    std::size_t opened = 0;
};

// Send each (envelope, data) through one RelayClient to a sink with the given behaviour.
Outcome relay(SinkBehaviour behaviour, std::vector<std::pair<smtp::Envelope, std::string>> copies,
              RelayConfig config = {}) {
    Outcome out;
    run_scenario([&](asio::io_context& io) -> awaitable<void> {
        Sink sink(io, behaviour);
        sink.start();
        config.port = sink.port();
        config.helo_name = "relay.test";
        RelayClient client(io.get_executor(), config);
        for (const auto& [env, data] : copies)
            out.results.push_back(co_await client.send(env, data));
        co_await client.close_idle();
        sink.stop();
        out.lines = sink.lines;
        out.messages = sink.messages;
        out.connections = sink.connections;
        out.opened = client.connections_opened();
    });
    return out;
}

bool has_line(const Outcome& o, const std::string& line) {
    return std::find(o.lines.begin(), o.lines.end(), line) != o.lines.end();
}

TEST(RelayClient, PassesOfferedParametersAndDotStuffs) {
    smtp::Envelope e = envelope({"b@y.example"});
    e.recipients[0].notify = "FAILURE";
    e.recipients[0].orcpt = "rfc822;b@y.example";
    e.ret = "FULL";
    e.envid = "E1";
    e.body = smtp::Body::EightBitMime;
    e.smtputf8 = true;
    e.xforward = {{"NAME", "mx.example"}, {"ADDR", "198.51.100.7"}, {"IDENT", "Q1"}};
    const std::string data = ".starts with dot\r\nmiddle\r\n.\r\nend";
    const Outcome o = relay({}, {{e, data}});
    ASSERT_EQ(o.results.size(), 1u);
    EXPECT_TRUE(o.results[0].accepted()) << o.results[0].reply.summary();
    EXPECT_EQ(o.results[0].reply.summary(), "250 2.0.0 Ok: queued");
    EXPECT_TRUE(has_line(o, "EHLO relay.test"));
    EXPECT_TRUE(has_line(o, "XFORWARD NAME=mx.example ADDR=198.51.100.7"));  // IDENT not offered
    EXPECT_TRUE(has_line(o, "MAIL FROM:<a@x.example> SIZE=" + std::to_string(data.size()) +
                                " BODY=8BITMIME SMTPUTF8 RET=FULL ENVID=E1"));
    EXPECT_TRUE(has_line(o, "RCPT TO:<b@y.example> NOTIFY=FAILURE ORCPT=rfc822;b@y.example"));
    ASSERT_EQ(o.messages.size(), 1u);
    EXPECT_EQ(o.messages[0], "..starts with dot\r\nmiddle\r\n..\r\nend\r\n");
}

TEST(RelayClient, WithoutPipeliningSendsOneCommandAtATimeAndNoExtensions) {
    SinkBehaviour b;
    b.ehlo = {"HELP"};
    smtp::Envelope e = envelope({"b@y.example"});
    e.ret = "FULL";
    e.xforward = {{"NAME", "mx"}};
    const Outcome o = relay(b, {{e, "x\r\n"}});
    EXPECT_TRUE(o.results.at(0).accepted());
    EXPECT_EQ(o.lines, (std::vector<std::string>{"EHLO relay.test", "MAIL FROM:<a@x.example>",
                                                 "RCPT TO:<b@y.example>", "DATA", "QUIT"}));
}

TEST(RelayClient, RefusedRecipientIsReportedAndTheRestDelivered) {
    SinkBehaviour b;
    b.refuse_rcpt = "c@y.example";
    const Outcome o = relay(b, {{envelope(), "x\r\n"}});
    const auto& r = o.results.at(0);
    EXPECT_TRUE(r.accepted());
    ASSERT_EQ(r.recipients.size(), 2u);
    EXPECT_EQ(r.recipients[0].code, 250);
    EXPECT_EQ(r.recipients[1].summary(), "550 5.1.1 No such user");
    EXPECT_EQ(r.accepted_recipients(), 1u);
}

TEST(RelayClient, AllRecipientsRefusedSendsNoData) {
    SinkBehaviour b;
    b.refuse_rcpt = "c@y.example";
    const Outcome o =
        relay(b, {{envelope({"c@y.example"}), "x\r\n"}, {envelope({"b@y.example"}), "y\r\n"}});
    EXPECT_FALSE(o.results.at(0).accepted());
    EXPECT_EQ(o.results.at(0).reply.code, 550);
    EXPECT_TRUE(o.results.at(1).accepted());  // the connection stays usable
    EXPECT_EQ(o.messages, (std::vector<std::string>{"y\r\n"}));
    EXPECT_EQ(o.connections, 1);
}

TEST(RelayClient, DataRefusedTemporarily) {
    SinkBehaviour b;
    b.data_reply = "451 4.3.0 Try again";
    const Outcome o = relay(b, {{envelope(), "x\r\n"}});
    EXPECT_FALSE(o.results.at(0).accepted());
    EXPECT_EQ(o.results.at(0).reply.summary(), "451 4.3.0 Try again");
    EXPECT_EQ(o.results.at(0).accepted_recipients(), 0u);
}

TEST(RelayClient, DataRefusedPermanently) {
    SinkBehaviour b;
    b.data_reply = "554 5.7.1 Content rejected";
    const Outcome o = relay(b, {{envelope(), "x\r\n"}});
    EXPECT_FALSE(o.results.at(0).accepted());
    EXPECT_EQ(o.results.at(0).reply.code, 554);
}

TEST(RelayClient, ConnectionLostMidDataIsTemporaryFailure) {
    SinkBehaviour b;
    b.drop_in_data = true;
    const Outcome o = relay(b, {{envelope(), std::string(200000, 'x') + "\r\n"}});
    const auto& r = o.results.at(0);
    EXPECT_FALSE(r.accepted());
    EXPECT_TRUE(r.reply.transient()) << r.reply.summary();
    for (const auto& rr : r.recipients)
        EXPECT_FALSE(rr.positive());
}

TEST(RelayClient, NoAnswerToEndOfDataIsTemporaryFailure) {
    SinkBehaviour b;
    b.silent_after_data = true;
    RelayConfig c;
    c.data_timeout = std::chrono::milliseconds(50);
    const Outcome o = relay(b, {{envelope(), "x\r\n"}}, c);
    const auto& r = o.results.at(0);
    EXPECT_FALSE(r.accepted());
    EXPECT_EQ(r.reply.code, 451);
    EXPECT_EQ(r.reply.status, "4.4.2");
    EXPECT_EQ(o.messages.size(), 1u);  // the sink had it, but never said so: not accepted
}

TEST(RelayClient, ConnectionRefusedIsTemporaryFailure) {
    std::optional<RelayResult> r;
    // Built outside the coroutine: GCC 12 miscompiles initializer lists inside coroutines.
    const smtp::Envelope e = envelope();
    run_scenario([&](asio::io_context& io) -> awaitable<void> {
        RelayClient client(io.get_executor(), relay_to(free_port()));
        r = co_await client.send(e, "x\r\n");
    });
    ASSERT_TRUE(r);
    EXPECT_EQ(r->reply.code, 451);
    EXPECT_EQ(r->reply.status, "4.4.1");
    EXPECT_EQ(r->recipients.size(), 2u);
}

TEST(RelayClient, ReusesOneConnectionForTwoMessages) {
    const Outcome o = relay({}, {{envelope(), "one\r\n"}, {envelope(), "two\r\n"}});
    EXPECT_TRUE(o.results.at(0).accepted());
    EXPECT_TRUE(o.results.at(1).accepted());
    EXPECT_EQ(o.connections, 1);
    EXPECT_EQ(o.opened, 1u);
    // The kept connection is used at once: no RSET round trip before the transaction.
    EXPECT_FALSE(has_line(o, "RSET"));
    EXPECT_EQ(o.messages, (std::vector<std::string>{"one\r\n", "two\r\n"}));
}

TEST(RelayClient, ReconnectsWhenTheServerClosedTheKeptConnection) {
    SinkBehaviour b;
    b.close_after_message = true;
    const Outcome o = relay(b, {{envelope(), "one\r\n"}, {envelope(), "two\r\n"}});
    EXPECT_TRUE(o.results.at(0).accepted());
    EXPECT_TRUE(o.results.at(1).accepted()) << o.results.at(1).reply.summary();
    EXPECT_EQ(o.connections, 2);
    EXPECT_EQ(o.messages.size(), 2u);
}

TEST(RelayClient, ReconnectsWhenTheKeptConnectionWasClosedWithoutPipelining) {
    SinkBehaviour b;
    b.ehlo = {"8BITMIME"};
    b.close_after_message = true;
    const Outcome o = relay(b, {{envelope(), "one\r\n"}, {envelope(), "two\r\n"}});
    EXPECT_TRUE(o.results.at(1).accepted()) << o.results.at(1).reply.summary();
    EXPECT_EQ(o.connections, 2);
    EXPECT_EQ(o.messages, (std::vector<std::string>{"one\r\n", "two\r\n"}));
}

TEST(RelayClient, StartsAgainWhenTheKeptConnectionAnswers421) {
    for (const bool pipelining : {true, false}) {
        SinkBehaviour b;
        if (!pipelining)
            b.ehlo = {"8BITMIME"};
        b.closing_after_message = true;
        const Outcome o = relay(b, {{envelope(), "one\r\n"}, {envelope(), "two\r\n"}});
        EXPECT_TRUE(o.results.at(1).accepted()) << o.results.at(1).reply.summary();
        EXPECT_EQ(o.connections, 2);
        EXPECT_EQ(o.messages, (std::vector<std::string>{"one\r\n", "two\r\n"}));
    }
}

TEST(RelayClient, AFreshConnectionThatFailsIsNotRetried) {
    SinkBehaviour b;
    b.drop_in_data = true;
    const Outcome o = relay(b, {{envelope(), "one\r\n"}});
    EXPECT_FALSE(o.results.at(0).accepted());
    EXPECT_EQ(o.results.at(0).reply.code, 451);
    EXPECT_EQ(o.connections, 1);
}

}  // namespace
}  // namespace sealgate::net
