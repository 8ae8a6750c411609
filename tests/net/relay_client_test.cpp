// The RelayClient against a scriptable in-test sink that records what it got.
#include "net/relay_client.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>

#include "net/tls.hpp"
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
    std::vector<bool> over_tls;
    int connections = 0;
    int tls_sessions = 0;
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
        out.over_tls = sink.over_tls;
        out.connections = sink.connections;
        out.tls_sessions = sink.tls_sessions;
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

// --- TLS levels against a sink with a self-signed certificate for "localhost" ----------------

struct TlsFixture {
    TempDir dir;
    TestCert cert = make_test_cert(dir.path());

    SinkBehaviour sink(bool starttls = true) const {
        SinkBehaviour b;
        if (starttls)
            b.tls = *make_server_tls(cert.cert, cert.key);
        return b;
    }
    static RelayConfig at(TlsLevel level, const std::string& ca_file = {}) {
        RelayConfig c;
        c.tls = level;
        c.tls_context = *make_client_tls(ca_file);
        return c;
    }
};

bool sent_mail(const Outcome& o) {
    return std::any_of(o.lines.begin(), o.lines.end(),
                       [](const std::string& l) { return l.rfind("MAIL FROM", 0) == 0; });
}

void expect_refused(const Outcome& o) {
    const auto& r = o.results.at(0);
    EXPECT_FALSE(r.accepted());
    EXPECT_EQ(r.reply.code, 451);
    EXPECT_EQ(r.reply.status, "4.7.5");
    EXPECT_TRUE(r.tls_refused);
    EXPECT_FALSE(sent_mail(o)) << "nothing of the transaction was sent";
    EXPECT_TRUE(o.messages.empty());
}

TEST(RelayTls, NoneNeverSaysStartTls) {
    TlsFixture f;
    const Outcome o = relay(f.sink(), {{envelope(), "x\r\n"}}, TlsFixture::at(TlsLevel::none));
    EXPECT_TRUE(o.results.at(0).accepted());
    EXPECT_FALSE(has_line(o, "STARTTLS"));
    EXPECT_EQ(o.over_tls, std::vector<bool>{false});
    EXPECT_FALSE(o.results[0].tls.active());
}

TEST(RelayTls, MayUsesStartTlsWhenOfferedAndReportsTheSession) {
    TlsFixture f;
    const Outcome o = relay(f.sink(), {{envelope(), "x\r\n"}}, TlsFixture::at(TlsLevel::may));
    const auto& r = o.results.at(0);
    EXPECT_TRUE(r.accepted()) << r.reply.summary();
    EXPECT_EQ(o.over_tls, std::vector<bool>{true});
    EXPECT_TRUE(r.tls.active());
    EXPECT_TRUE(r.tls.protocol == "TLSv1.3" || r.tls.protocol == "TLSv1.2") << r.tls.protocol;
    EXPECT_FALSE(r.tls.cipher.empty());
    EXPECT_EQ(r.tls.peer_sha256, f.cert.sha256);
    EXPECT_FALSE(r.tls.verified) << "may does not verify";
}

TEST(RelayTls, MayGoesInClearWithoutStartTls) {
    TlsFixture f;
    const Outcome o = relay(f.sink(false), {{envelope(), "x\r\n"}}, TlsFixture::at(TlsLevel::may));
    EXPECT_TRUE(o.results.at(0).accepted());
    EXPECT_EQ(o.over_tls, std::vector<bool>{false});
    EXPECT_EQ(o.results[0].tls.summary(), "none");
}

TEST(RelayTls, EncryptFailsWithoutStartTls) {
    TlsFixture f;
    const Outcome o =
        relay(f.sink(false), {{envelope(), "x\r\n"}}, TlsFixture::at(TlsLevel::encrypt));
    expect_refused(o);
    EXPECT_NE(o.results[0].reason.find("does not offer STARTTLS"), std::string::npos)
        << o.results[0].reason;
}

TEST(RelayTls, EncryptFailsWhenStartTlsIsRefused) {
    TlsFixture f;
    SinkBehaviour b = f.sink();
    b.refuse_starttls = true;
    const Outcome o = relay(b, {{envelope(), "x\r\n"}}, TlsFixture::at(TlsLevel::encrypt));
    expect_refused(o);
    EXPECT_NE(o.results[0].reason.find("454"), std::string::npos) << o.results[0].reason;
}

TEST(RelayTls, EncryptTakesAnyCertificate) {
    TlsFixture f;
    const Outcome o = relay(f.sink(), {{envelope(), "x\r\n"}, {envelope(), "y\r\n"}},
                            TlsFixture::at(TlsLevel::encrypt));
    EXPECT_TRUE(o.results.at(0).accepted()) << o.results[0].reply.summary();
    EXPECT_TRUE(o.results.at(1).accepted());
    EXPECT_EQ(o.over_tls, (std::vector<bool>{true, true}));
    EXPECT_EQ(o.tls_sessions, 1) << "the TLS connection is kept and reused";
    EXPECT_EQ(o.results[1].tls.peer_sha256, f.cert.sha256) << "a kept connection reports it too";
    EXPECT_FALSE(o.results[0].tls.verified);
}

TEST(RelayTls, VerifyFailsOnAnUntrustedCertificate) {
    TlsFixture f;
    RelayConfig c = TlsFixture::at(TlsLevel::verify);  // the system store: not our test cert
    c.tls_server_name = "localhost";
    const Outcome o = relay(f.sink(), {{envelope(), "x\r\n"}}, c);
    expect_refused(o);
    const auto& r = o.results[0];
    EXPECT_NE(r.reason.find("not verified"), std::string::npos) << r.reason;
    EXPECT_EQ(r.tls.peer_sha256, f.cert.sha256) << "the log can say which certificate it was";
    EXPECT_FALSE(r.tls.verified);
}

TEST(RelayTls, VerifySucceedsWithTheCaConfiguredAndAMatchingName) {
    TlsFixture f;
    RelayConfig c = TlsFixture::at(TlsLevel::verify, f.cert.cert);
    c.tls_server_name = "localhost";
    const Outcome o = relay(f.sink(), {{envelope(), "x\r\n"}}, c);
    const auto& r = o.results.at(0);
    EXPECT_TRUE(r.accepted()) << r.reply.summary() << " " << r.reason;
    EXPECT_TRUE(r.tls.verified);
    EXPECT_EQ(o.over_tls, std::vector<bool>{true});
}

TEST(RelayTls, VerifyFailsWhenTheNameDoesNotMatch) {
    TlsFixture f;
    // Trusted chain, wrong name: the configured name, else the host (127.0.0.1, an IP the
    // certificate does not list).
    for (const std::string name : {"mx.other.example", ""}) {
        RelayConfig c = TlsFixture::at(TlsLevel::verify, f.cert.cert);
        c.tls_server_name = name;
        const Outcome o = relay(f.sink(), {{envelope(), "x\r\n"}}, c);
        expect_refused(o);
        EXPECT_NE(o.results[0].reason.find("mismatch"), std::string::npos) << o.results[0].reason;
    }
}

TEST(RelayTls, VerifySucceedsWithAPinnedFingerprint) {
    TlsFixture f;
    RelayConfig c = TlsFixture::at(TlsLevel::verify);  // no CA for it, and the name is an IP
    c.tls_fingerprints = {std::string(64, '0'), f.cert.sha256};
    const Outcome o = relay(f.sink(), {{envelope(), "x\r\n"}}, c);
    const auto& r = o.results.at(0);
    EXPECT_TRUE(r.accepted()) << r.reply.summary() << " " << r.reason;
    EXPECT_TRUE(r.tls.verified);
    EXPECT_EQ(r.tls.peer_sha256, f.cert.sha256);
}

TEST(RelayTls, VerifyFailsWithAnotherPin) {
    TlsFixture f;
    RelayConfig c = TlsFixture::at(TlsLevel::verify);
    c.tls_fingerprints = {std::string(64, 'a')};
    const Outcome o = relay(f.sink(), {{envelope(), "x\r\n"}}, c);
    expect_refused(o);
    EXPECT_NE(o.results[0].reason.find("matches no pinned fingerprint"), std::string::npos);
}

TEST(RelayTls, TraceFieldsGoInFrontOfTheDataAndCountInSize) {
    const std::string trace = "Received: from a (b)\r\n\tby c; d\r\n";
    const std::string data = "Subject: x\r\n\r\n.dot\r\n";
    Outcome o;
    const smtp::Envelope e = envelope({"b@y.example"});
    run_scenario([&](asio::io_context& io) -> awaitable<void> {
        Sink sink(io, {});
        sink.start();
        RelayClient client(io.get_executor(), relay_to(sink.port()));
        o.results.push_back(co_await client.send(e, data, trace));
        co_await client.close_idle();
        sink.stop();
        o.lines = sink.lines;
        o.messages = sink.messages;
    });
    EXPECT_TRUE(o.results.at(0).accepted());
    EXPECT_TRUE(
        has_line(o, "MAIL FROM:<a@x.example> SIZE=" + std::to_string(trace.size() + data.size())));
    ASSERT_EQ(o.messages.size(), 1u);
    EXPECT_EQ(o.messages[0], trace + "Subject: x\r\n\r\n..dot\r\n");
}

}  // namespace
}  // namespace sealgate::net
