// A real Server on 127.0.0.1 port 0 with a fake handler, driven by the RelayClient and by raw
// sockets.
#include "net/server.hpp"

#include <gtest/gtest.h>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <optional>
#include <stdexcept>

#include "net/relay_client.hpp"
#include "net/tls.hpp"
#include "net_test_util.hpp"

namespace sealgate::net {
namespace {

using namespace sealgate::net::testing;

struct Delivery {
    smtp::Envelope envelope;
    std::string data;
};

class FakeHandler : public MessageHandler {
  public:
    explicit FakeHandler(asio::io_context& io) : gate_(io) {}

    smtp::Reply check_recipient(const smtp::Envelope&, const smtp::Recipient& r) override {
        if (r.address.starts_with("reject@"))
            return smtp::Reply::make(550, "5.7.1", "Encryption required but no key");
        return smtp::Reply::make(250, "2.1.5", "Ok");
    }

    awaitable<smtp::Reply> deliver(smtp::Envelope envelope, std::string data) override {
        ++started;
        if (throw_in_deliver)
            throw std::runtime_error("bug in the pipeline");
        if (hold) {
            gate_.expires_at(asio::steady_timer::time_point::max());
            asio::error_code ec;
            co_await gate_.async_wait(asio::redirect_error(use_awaitable, ec));
        }
        deliveries.push_back({std::move(envelope), std::move(data)});
        co_return reply;
    }

    void release() {
        hold = false;
        gate_.cancel();
    }

    bool hold = false;
    bool throw_in_deliver = false;
    int started = 0;
    smtp::Reply reply = smtp::Reply::make(250, "2.0.0", "Ok: delivered");
    std::vector<Delivery> deliveries;

  private:
    asio::steady_timer gate_;
};

ServerConfig test_config() {
    ServerConfig c;
    c.host = "127.0.0.1";
    c.port = 0;
    c.session.hostname = "sealgate.test";
    c.shutdown_grace = std::chrono::seconds(20);
    return c;
}

smtp::Envelope make_test_envelope() {
    smtp::Envelope e;
    e.sender = "a@x.example";
    e.recipients = {{"b@y.example", "SUCCESS,FAILURE", "rfc822;b@y.example"},
                    {"reject@y.example", std::nullopt, std::nullopt}};
    e.ret = "HDRS";
    e.envid = "ID+2B1";
    e.body = smtp::Body::EightBitMime;
    e.xforward = {{"NAME", "mx.example"}, {"ADDR", "198.51.100.7"}, {"IDENT", "Q1"}};
    return e;
}

// A long-lived envelope: no temporaries inside co_await expressions (GCC 12 coroutines).
const smtp::Envelope& test_envelope() {
    static const smtp::Envelope e = make_test_envelope();
    return e;
}

RelayConfig relay_to(std::uint16_t port) {
    RelayConfig c;
    c.host = "127.0.0.1";
    c.port = port;
    c.helo_name = "relay.test";
    return c;
}

TEST(Server, RelayRoundTripKeepsParametersAndReusesTheConnection) {
    std::optional<FakeHandler> handler;
    run_scenario([&](asio::io_context& io) -> awaitable<void> {
        handler.emplace(io);
        auto server = std::move(*Server::listen(io, test_config(), *handler));
        server->start();
        EXPECT_NE(server->port(), 0);
        RelayClient client(io.get_executor(), relay_to(server->port()));
        auto r1 = co_await client.send(test_envelope(), ".dot line\r\nbody \xc3\xa4\r\n");
        auto r2 = co_await client.send(test_envelope(), "second\r\n");
        EXPECT_TRUE(r1.accepted()) << r1.reply.summary();
        EXPECT_EQ(r1.reply.summary(), "250 2.0.0 Ok: delivered");
        EXPECT_EQ(r1.recipients.size(), 2u);
        EXPECT_EQ(r1.recipients.at(1).code, 550);
        EXPECT_EQ(r1.accepted_recipients(), 1u);
        EXPECT_TRUE(r2.accepted());
        EXPECT_EQ(client.connections_opened(), 1u);
        EXPECT_EQ(server->accepted_connections(), 1u);
        co_await client.close_idle();
        co_await server->stop();
        EXPECT_EQ(server->active_connections(), 0u);
    });
    ASSERT_EQ(handler->deliveries.size(), 2u);
    const auto& d = handler->deliveries[0];
    EXPECT_EQ(d.data, ".dot line\r\nbody \xc3\xa4\r\n");
    EXPECT_EQ(handler->deliveries[1].data, "second\r\n");
    EXPECT_EQ(d.envelope.sender, "a@x.example");
    ASSERT_EQ(d.envelope.recipients.size(), 1u);
    EXPECT_EQ(d.envelope.recipients[0].notify, "SUCCESS,FAILURE");
    EXPECT_EQ(d.envelope.recipients[0].orcpt, "rfc822;b@y.example");
    EXPECT_EQ(d.envelope.ret, "HDRS");
    EXPECT_EQ(d.envelope.envid, "ID+2B1");
    EXPECT_EQ(d.envelope.body, smtp::Body::EightBitMime);
    EXPECT_EQ(d.envelope.helo, "relay.test");
    EXPECT_EQ(d.envelope.client_address, "127.0.0.1");
    EXPECT_FALSE(d.envelope.tls);
    ASSERT_NE(d.envelope.xforward_value("IDENT"), nullptr);
    EXPECT_EQ(*d.envelope.xforward_value("ADDR"), "198.51.100.7");
}

TEST(Server, StartTlsBothWays) {
    TempDir dir;
    const TestCert cert = make_test_cert(dir.path());
    std::optional<FakeHandler> handler;
    run_scenario([&](asio::io_context& io) -> awaitable<void> {
        handler.emplace(io);
        auto config = test_config();
        auto tls = make_server_tls(cert.cert, cert.key);
        EXPECT_TRUE(tls);
        if (!tls)
            co_return;
        config.tls = *tls;
        auto server = std::move(*Server::listen(io, config, *handler));
        server->start();
        auto rc = relay_to(server->port());
        rc.tls = TlsLevel::encrypt;
        rc.tls_server_name = "localhost";
        RelayClient client(io.get_executor(), rc);
        auto r1 = co_await client.send(test_envelope(), "secret\r\n");
        auto r2 = co_await client.send(test_envelope(), "secret 2\r\n");
        EXPECT_TRUE(r1.accepted()) << r1.reply.summary();
        EXPECT_TRUE(r2.accepted()) << r2.reply.summary();
        EXPECT_EQ(client.connections_opened(), 1u);
        co_await client.close_idle();
        co_await server->stop();
    });
    ASSERT_EQ(handler->deliveries.size(), 2u);
    EXPECT_TRUE(handler->deliveries[0].envelope.tls);
    EXPECT_EQ(handler->deliveries[1].data, "secret 2\r\n");
}

TEST(Server, UnverifiableNextHopCertificateIsTemporaryTlsFailure) {
    TempDir dir;
    std::filesystem::create_directory(dir.path() / "server");
    std::filesystem::create_directory(dir.path() / "other");
    const TestCert server_cert = make_test_cert(dir.path() / "server");
    const TestCert other_cert = make_test_cert(dir.path() / "other");
    std::optional<FakeHandler> handler;
    std::optional<RelayResult> result;
    run_scenario([&](asio::io_context& io) -> awaitable<void> {
        handler.emplace(io);
        auto config = test_config();
        config.tls = *make_server_tls(server_cert.cert, server_cert.key);
        auto server = std::move(*Server::listen(io, config, *handler));
        server->start();
        auto rc = relay_to(server->port());
        rc.tls = TlsLevel::verify;
        rc.tls_server_name = "localhost";
        rc.tls_context = *make_client_tls(other_cert.cert);  // trusts a different certificate
        RelayClient client(io.get_executor(), rc);
        result = co_await client.send(test_envelope(), "x\r\n");
        co_await server->stop();
    });
    ASSERT_TRUE(result);
    EXPECT_EQ(result->reply.code, 451);
    EXPECT_EQ(result->reply.status, "4.7.5");
    EXPECT_TRUE(result->tls_refused);
    EXPECT_NE(result->reason.find("not verified"), std::string::npos) << result->reason;
    EXPECT_TRUE(handler->deliveries.empty());
}

TEST(Server, ExceptionFromHandlerIsTemporaryFailure) {
    std::optional<FakeHandler> handler;
    std::optional<RelayResult> result;
    run_scenario([&](asio::io_context& io) -> awaitable<void> {
        handler.emplace(io);
        handler->throw_in_deliver = true;
        auto server = std::move(*Server::listen(io, test_config(), *handler));
        server->start();
        RelayClient client(io.get_executor(), relay_to(server->port()));
        result = co_await client.send(test_envelope(), "x\r\n");
        co_await client.close_idle();
        co_await server->stop();
    });
    ASSERT_TRUE(result);
    EXPECT_EQ(result->reply.summary(), "451 4.3.0 Temporary local problem, try again later");
}

TEST(Server, RequiredTlsWithoutStartTlsIsTemporaryFailure) {
    std::optional<FakeHandler> handler;
    run_scenario([&](asio::io_context& io) -> awaitable<void> {
        handler.emplace(io);
        auto server = std::move(*Server::listen(io, test_config(), *handler));
        server->start();
        auto rc = relay_to(server->port());
        rc.tls = TlsLevel::encrypt;
        RelayClient client(io.get_executor(), rc);
        auto r = co_await client.send(test_envelope(), "x\r\n");
        EXPECT_FALSE(r.accepted());
        EXPECT_EQ(r.reply.code, 451);
        EXPECT_EQ(r.reply.status, "4.7.5");
        EXPECT_TRUE(r.tls_refused);
        co_await server->stop();
    });
    EXPECT_TRUE(handler->deliveries.empty());
}

TEST(Server, PipelinedClientWithQuitBehindData) {
    std::optional<FakeHandler> handler;
    std::vector<std::string> replies;
    run_scenario([&](asio::io_context& io) -> awaitable<void> {
        handler.emplace(io);
        auto server = std::move(*Server::listen(io, test_config(), *handler));
        server->start();
        RawClient raw(io);
        co_await raw.connect(server->port());
        replies.push_back(co_await raw.reply());
        co_await raw.send("EHLO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\n");
        for (int i = 0; i < 4; ++i)
            replies.push_back(co_await raw.reply());
        co_await raw.send("..x\r\n.\r\nQUIT\r\n");
        replies.push_back(co_await raw.reply());
        replies.push_back(co_await raw.reply());
        replies.push_back(co_await raw.reply());  // EOF
        co_await server->stop();
    });
    ASSERT_EQ(replies.size(), 8u);
    EXPECT_EQ(replies[0], "220 sealgate.test ESMTP sealgate\r\n");
    EXPECT_NE(replies[1].find("250 XFORWARD"), std::string::npos);
    EXPECT_EQ(replies[4], "354 End data with <CR><LF>.<CR><LF>\r\n");
    EXPECT_EQ(replies[5], "250 2.0.0 Ok: delivered\r\n");
    EXPECT_EQ(replies[6], "221 2.0.0 Bye\r\n");
    EXPECT_EQ(replies[7], "");
    ASSERT_EQ(handler->deliveries.size(), 1u);
    EXPECT_EQ(handler->deliveries[0].data, ".x\r\n");
}

TEST(Server, ClientDisconnectMidDataLeavesNoDelivery) {
    std::optional<FakeHandler> handler;
    run_scenario([&](asio::io_context& io) -> awaitable<void> {
        handler.emplace(io);
        auto server = std::move(*Server::listen(io, test_config(), *handler));
        server->start();
        RawClient raw(io);
        co_await raw.connect(server->port());
        co_await raw.reply();
        co_await raw.send("EHLO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\n");
        for (int i = 0; i < 4; ++i)
            co_await raw.reply();
        co_await raw.send("Subject: half\r\n\r\nsome of the body\r\n");
        raw.close();
        EXPECT_TRUE(co_await eventually([&] { return server->active_connections() == 0; }));
        co_await server->stop();
    });
    EXPECT_EQ(handler->started, 0);
    EXPECT_TRUE(handler->deliveries.empty());
}

TEST(Server, ShutdownLetsDeliveryInFlightFinishAndSends421ToIdleSessions) {
    std::optional<FakeHandler> handler;
    std::optional<RelayResult> result;
    std::string idle_reply;
    bool stopped = false;
    run_scenario([&](asio::io_context& io) -> awaitable<void> {
        handler.emplace(io);
        handler->hold = true;
        auto server = std::move(*Server::listen(io, test_config(), *handler));
        server->start();
        RawClient idle(io);
        co_await idle.connect(server->port());
        co_await idle.reply();
        RelayClient client(io.get_executor(), relay_to(server->port()));
        asio::co_spawn(
            io,
            [&]() -> awaitable<void> {
                result = co_await client.send(test_envelope(), "in flight\r\n");
            },
            asio::detached);
        EXPECT_TRUE(co_await eventually([&] { return handler->started == 1; }));
        asio::co_spawn(
            io,
            [&]() -> awaitable<void> {
                co_await server->stop();
                stopped = true;
            },
            asio::detached);
        idle_reply = co_await idle.reply();  // the idle session is told at once
        EXPECT_FALSE(stopped);               // the delivery is still in flight
        handler->release();
        EXPECT_TRUE(co_await eventually([&] { return stopped && result.has_value(); }));
        // The next connection attempt finds nobody listening.
        RelayClient late(io.get_executor(), relay_to(server->port()));
        auto r = co_await late.send(test_envelope(), "late\r\n");
        EXPECT_EQ(r.reply.code, 451);
    });
    EXPECT_EQ(idle_reply.substr(0, 10), "421 4.3.2 ");
    ASSERT_TRUE(result);
    EXPECT_TRUE(result->accepted()) << result->reply.summary();
    ASSERT_EQ(handler->deliveries.size(), 1u);
    EXPECT_EQ(handler->deliveries[0].data, "in flight\r\n");
}

TEST(Server, ShutdownGracePassedGivesAClientInsideData421) {
    std::optional<FakeHandler> handler;
    std::vector<std::string> replies;
    std::string cut;
    bool stopped = false;
    run_scenario([&](asio::io_context& io) -> awaitable<void> {
        handler.emplace(io);
        auto config = test_config();
        config.shutdown_grace = std::chrono::milliseconds(100);
        auto server = std::move(*Server::listen(io, config, *handler));
        server->start();
        RawClient raw(io);
        co_await raw.connect(server->port());
        co_await raw.reply();
        co_await raw.send("HELO c\r\nMAIL FROM:<a@x.example>\r\nRCPT TO:<b@y.example>\r\n");
        for (int i = 0; i < 3; ++i)
            replies.push_back(co_await raw.reply());
        co_await raw.send("DATA\r\n");
        replies.push_back(co_await raw.reply());
        co_await raw.send("Subject: never ends\r\n\r\nfirst line\r\n");
        asio::co_spawn(
            io,
            [&]() -> awaitable<void> {
                co_await server->stop();
                stopped = true;
            },
            asio::detached);
        cut = co_await raw.reply();  // after the grace: the DATA in progress is cut
        EXPECT_TRUE(co_await eventually([&] { return stopped; }));
    });
    ASSERT_EQ(replies.size(), 4u);
    EXPECT_EQ(replies[3].substr(0, 4), "354 ");
    EXPECT_EQ(cut.substr(0, 10), "421 4.3.2 ");
    EXPECT_EQ(handler->started, 0);
}

TEST(Server, ReconfigureAppliesToTheNextConnection) {
    std::optional<FakeHandler> handler;
    std::string before, after, kept;
    run_scenario([&](asio::io_context& io) -> awaitable<void> {
        handler.emplace(io);
        auto server = std::move(*Server::listen(io, test_config(), *handler));
        server->start();
        RawClient old_session(io);
        co_await old_session.connect(server->port());
        before = co_await old_session.reply();
        auto renamed = test_config();
        renamed.session.hostname = "renamed.test";
        renamed.port = 1;  // ignored: the listener keeps its port
        server->reconfigure(renamed);
        RawClient fresh(io);
        co_await fresh.connect(server->port());
        after = co_await fresh.reply();
        // The session in progress keeps what it started with.
        co_await old_session.send("HELO c\r\n");
        kept = co_await old_session.reply();
        co_await server->stop();
    });
    EXPECT_NE(before.find("sealgate.test"), std::string::npos) << before;
    EXPECT_NE(after.find("renamed.test"), std::string::npos) << after;
    EXPECT_NE(kept.find("sealgate.test"), std::string::npos) << kept;
}

TEST(Server, ClientOutsidePermittedNetworksIsRefusedAtConnect) {
    std::optional<FakeHandler> handler;
    std::vector<std::string> replies;
    std::optional<RelayResult> relayed;
    run_scenario([&](asio::io_context& io) -> awaitable<void> {
        handler.emplace(io);
        auto config = test_config();
        config.permitted = *NetworkList::parse({"10.0.0.0/8"});
        auto server = std::move(*Server::listen(io, config, *handler));
        server->start();
        RawClient raw(io);
        co_await raw.connect(server->port());
        replies.push_back(co_await raw.reply());
        co_await raw.send("EHLO c\r\nQUIT\r\n");
        replies.push_back(co_await raw.reply());
        replies.push_back(co_await raw.reply());
        RelayClient client(io.get_executor(), relay_to(server->port()));
        relayed = co_await client.send(test_envelope(), "x\r\n");
        co_await server->stop();
    });
    ASSERT_EQ(replies.size(), 3u);
    EXPECT_EQ(replies[0].substr(0, 10), "554 5.7.1 ");
    EXPECT_EQ(replies[1].substr(0, 10), "503 5.7.1 ");
    EXPECT_EQ(replies[2], "221 2.0.0 Bye\r\n");
    ASSERT_TRUE(relayed);
    EXPECT_TRUE(relayed->reply.transient()) << relayed->reply.summary();
    EXPECT_TRUE(handler->deliveries.empty());
}

TEST(Server, ConnectionLimit) {
    std::optional<FakeHandler> handler;
    std::string first, second;
    run_scenario([&](asio::io_context& io) -> awaitable<void> {
        handler.emplace(io);
        auto config = test_config();
        config.max_connections = 1;
        auto server = std::move(*Server::listen(io, config, *handler));
        server->start();
        RawClient a(io), b(io);
        co_await a.connect(server->port());
        first = co_await a.reply();
        co_await b.connect(server->port());
        second = co_await b.reply();
        co_await server->stop();
    });
    EXPECT_EQ(first.substr(0, 4), "220 ");
    EXPECT_EQ(second.substr(0, 10), "421 4.3.2 ");
}

TEST(Server, CommandTimeout) {
    std::optional<FakeHandler> handler;
    std::string reply;
    run_scenario([&](asio::io_context& io) -> awaitable<void> {
        handler.emplace(io);
        auto config = test_config();
        config.command_timeout = std::chrono::milliseconds(50);
        auto server = std::move(*Server::listen(io, config, *handler));
        server->start();
        RawClient raw(io);
        co_await raw.connect(server->port());
        co_await raw.reply();
        reply = co_await raw.reply();  // say nothing and wait for the server to give up
        co_await server->stop();
    });
    EXPECT_EQ(reply.substr(0, 10), "421 4.4.2 ");
}

TEST(Server, RefusedClientIsClosedSoonAndTakesNoSlot) {
    std::optional<FakeHandler> handler;
    std::vector<std::string> refused;
    std::string permitted_greeting, after_deadline;
    run_scenario([&](asio::io_context& io) -> awaitable<void> {
        handler.emplace(io);
        auto config = test_config();
        config.max_connections = 2;
        // 127.0.0.2 is refused, 127.0.0.1 permitted.
        config.permitted = *NetworkList::parse({"127.0.0.1/32"});
        config.refused_deadline = std::chrono::milliseconds(100);
        auto server = std::move(*Server::listen(io, config, *handler));
        server->start();
        // Three refused clients that never say QUIT: more than max_connections.
        std::vector<std::unique_ptr<asio::ip::tcp::socket>> hogs;
        for (int i = 0; i < 3; ++i) {
            auto sock = std::make_unique<asio::ip::tcp::socket>(io);
            sock->open(asio::ip::tcp::v4());
            sock->bind({asio::ip::make_address("127.0.0.2"), 0});
            co_await sock->async_connect({asio::ip::make_address("127.0.0.1"), server->port()},
                                         use_awaitable);
            hogs.push_back(std::move(sock));
        }
        // A permitted client still gets in.
        RawClient ok(io);
        co_await ok.connect(server->port());
        permitted_greeting = co_await ok.reply();
        // The refused ones are greeted 554 (the third is beyond the cap: closed unanswered),
        // then cut off after the short deadline.
        for (auto& sock : hogs) {
            std::string got;
            asio::error_code ec;
            while (!ec) {
                char buf[512];
                const auto n = co_await sock->async_read_some(
                    asio::buffer(buf), asio::redirect_error(use_awaitable, ec));
                got.append(buf, n);
            }
            refused.push_back(got);
        }
        co_await server->stop();
    });
    EXPECT_EQ(permitted_greeting.substr(0, 4), "220 ");
    ASSERT_EQ(refused.size(), 3u);
    for (int i = 0; i < 2; ++i) {
        EXPECT_EQ(refused[i].substr(0, 10), "554 5.7.1 ") << refused[i];
        EXPECT_NE(refused[i].find("421 4.4.2 "), std::string::npos) << refused[i];
    }
    EXPECT_EQ(refused[2], "");
}

TEST(Server, ConnectionsPerAddressAreLimited) {
    std::optional<FakeHandler> handler;
    std::string first, second, third;
    run_scenario([&](asio::io_context& io) -> awaitable<void> {
        handler.emplace(io);
        auto config = test_config();
        config.max_connections = 10;
        config.max_connections_per_ip = 1;
        auto server = std::move(*Server::listen(io, config, *handler));
        server->start();
        RawClient a(io), b(io);
        co_await a.connect(server->port());
        first = co_await a.reply();
        co_await b.connect(server->port());
        second = co_await b.reply();
        // When the first leaves, the address may connect again.
        co_await a.send("QUIT\r\n");
        co_await a.reply();
        co_await eventually([&] { return server->active_connections() == 0; });
        RawClient c(io);
        co_await c.connect(server->port());
        third = co_await c.reply();
        co_await server->stop();
    });
    EXPECT_EQ(first.substr(0, 4), "220 ");
    EXPECT_EQ(second.substr(0, 10), "421 4.7.0 ");
    EXPECT_EQ(third.substr(0, 4), "220 ");
}

TEST(Server, SessionDeadlineHoldsAgainstABusyClient) {
    std::optional<FakeHandler> handler;
    std::string replies;
    run_scenario([&](asio::io_context& io) -> awaitable<void> {
        handler.emplace(io);
        auto config = test_config();
        config.session_deadline = std::chrono::milliseconds(300);
        auto server = std::move(*Server::listen(io, config, *handler));
        server->start();
        RawClient raw(io);
        co_await raw.connect(server->port());
        co_await raw.reply();
        // One NOOP every 20 ms: never idle long enough for the command timeout.
        asio::steady_timer t(io);
        for (int i = 0; i < 100; ++i) {
            asio::error_code ec;
            co_await raw.send("NOOP\r\n");
            const std::string r = co_await raw.reply();
            replies += r;
            if (r.empty() || r.starts_with("421"))
                break;
            t.expires_after(std::chrono::milliseconds(20));
            co_await t.async_wait(use_awaitable);
        }
        co_await server->stop();
    });
    EXPECT_NE(replies.find("421 4.4.2 sealgate.test Error: session time limit exceeded"),
              std::string::npos)
        << replies;
}

TEST(Server, DataDeadlineCutsATrickle) {
    std::optional<FakeHandler> handler;
    std::string last;
    run_scenario([&](asio::io_context& io) -> awaitable<void> {
        handler.emplace(io);
        auto config = test_config();
        config.data_deadline = std::chrono::milliseconds(300);
        auto server = std::move(*Server::listen(io, config, *handler));
        server->start();
        RawClient raw(io);
        co_await raw.connect(server->port());
        co_await raw.reply();
        co_await raw.send("EHLO c\r\nMAIL FROM:<a@x.example>\r\nRCPT TO:<b@y.example>\r\nDATA\r\n");
        for (int i = 0; i < 4; ++i)
            co_await raw.reply();
        asio::steady_timer t(io);
        for (int i = 0; i < 100; ++i) {
            asio::error_code ec;
            co_await asio::async_write(raw.socket(), asio::buffer("x", 1),
                                       asio::redirect_error(use_awaitable, ec));
            if (ec)
                break;
            t.expires_after(std::chrono::milliseconds(20));
            co_await t.async_wait(use_awaitable);
        }
        last = co_await raw.reply();
        co_await server->stop();
    });
    EXPECT_EQ(last.substr(0, 10), "421 4.4.2 ") << last;
    EXPECT_NE(last.find("DATA time limit"), std::string::npos) << last;
    EXPECT_TRUE(handler->deliveries.empty());
}

TEST(Server, BufferedDataIsBoundedAcrossSessions) {
    std::optional<FakeHandler> handler;
    std::string second_data, first_end, third_data;
    std::uint64_t peak = 0;
    run_scenario([&](asio::io_context& io) -> awaitable<void> {
        handler.emplace(io);
        auto config = test_config();
        config.max_buffered_bytes = 100 * 1024;
        auto server = std::move(*Server::listen(io, config, *handler));
        server->start();
        RawClient a(io), b(io), c(io);
        const std::string start =
            "EHLO c\r\nMAIL FROM:<a@x.example>\r\nRCPT TO:<b@y.example>\r\nDATA\r\n";
        co_await a.connect(server->port());
        co_await a.reply();
        co_await a.send(start);
        for (int i = 0; i < 4; ++i)
            co_await a.reply();
        // 150 KiB into DATA and no end: beyond the budget, the rest is discarded.
        const std::string line(1000, 'y');
        for (int i = 0; i < 150; ++i)
            co_await a.send(line + "\r\n");
        co_await eventually([&] { return server->buffered_bytes() == 0; }, 500);
        peak = server->buffered_bytes();
        // While a's over-budget message is still open, c may start (a holds nothing now) and
        // holds 60 KB; then fewer than 64 KiB are free, and b is refused at DATA.
        co_await c.connect(server->port());
        co_await c.reply();
        co_await c.send(start);
        for (int i = 0; i < 4; ++i)
            co_await c.reply();
        for (int i = 0; i < 60; ++i)
            co_await c.send(line + "\r\n");
        co_await eventually([&] { return server->buffered_bytes() >= 60 * 1002; }, 2000);
        co_await b.connect(server->port());
        co_await b.reply();
        co_await b.send("EHLO c\r\nMAIL FROM:<a@x.example>\r\nRCPT TO:<b@y.example>\r\nDATA\r\n");
        for (int i = 0; i < 3; ++i)
            co_await b.reply();
        second_data = co_await b.reply();
        co_await a.send(".\r\n");
        first_end = co_await a.reply();
        // c is still in DATA: gone, it does not hold the stop for the whole shutdown grace.
        c.close();
        co_await server->stop();
    });
    EXPECT_EQ(peak, 0u);
    EXPECT_EQ(second_data.substr(0, 10), "452 4.3.1 ") << second_data;
    EXPECT_EQ(first_end.substr(0, 10), "452 4.3.1 ") << first_end;
    EXPECT_TRUE(handler->deliveries.empty());
}

TEST(Server, OutOfDescriptorsIsAnsweredAndDoesNotSpin) {
    std::optional<FakeHandler> handler;
    std::string shed, later;
    run_scenario([&](asio::io_context& io) -> awaitable<void> {
        handler.emplace(io);
        auto server = std::move(*Server::listen(io, test_config(), *handler));
        server->start();
        // Use up every descriptor under a low soft limit: the next accept() fails with EMFILE.
        rlimit saved{};
        ::getrlimit(RLIMIT_NOFILE, &saved);
        rlimit low = saved;
        low.rlim_cur = 512;
        ::setrlimit(RLIMIT_NOFILE, &low);
        std::vector<int> filler;
        for (int fd = ::dup(0); fd >= 0; fd = ::dup(0))
            filler.push_back(fd);
        // The client's own socket needs a descriptor: give back two (one for it, one that the
        // listener's reserve must not be able to take).
        ::close(filler.back());
        filler.pop_back();
        RawClient raw(io);
        co_await raw.connect(server->port());
        shed = co_await raw.reply();
        for (const int fd : filler)
            ::close(fd);
        ::setrlimit(RLIMIT_NOFILE, &saved);
        RawClient fine(io);
        co_await fine.connect(server->port());
        later = co_await fine.reply();
        co_await server->stop();
    });
    EXPECT_EQ(shed.substr(0, 10), "421 4.3.2 ") << shed;
    EXPECT_EQ(later.substr(0, 4), "220 ") << later;
}

TEST(Server, DescriptorLimitIsCheckedAtListen) {
    asio::io_context io;
    FakeHandler handler(io);
    rlimit saved{};
    ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &saved), 0);
    rlimit low = saved;
    low.rlim_cur = 256;
    low.rlim_max = 256;
    // Lowering the hard limit cannot be undone without privilege: do it in a child.
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        ::setrlimit(RLIMIT_NOFILE, &low);
        auto config = test_config();
        config.max_connections = 1000;
        const auto refused = Server::listen(io, config, handler);
        config.max_connections = 50;
        const auto fits = Server::listen(io, config, handler);
        const bool right =
            !refused &&
            refused.error().reason.find("needs 3064 file descriptors") != std::string::npos &&
            refused.error().reason.find("limit is 256") != std::string::npos && fits.has_value();
        ::_exit(right ? 0 : 1);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST(Server, ListenOnBadAddressIsAnError) {
    asio::io_context io;
    FakeHandler handler(io);
    auto config = test_config();
    config.host = "not an address";
    const auto server = Server::listen(io, config, handler);
    ASSERT_FALSE(server);
    EXPECT_NE(server.error().reason.find("not an address"), std::string::npos);
}

TEST(NetworkList, MatchesCidrAndMappedAddresses) {
    const auto list = NetworkList::parse({"192.0.2.0/24", "2001:db8::/32", "198.51.100.7"});
    ASSERT_TRUE(list);
    EXPECT_TRUE(list->contains("192.0.2.200"));
    EXPECT_TRUE(list->contains("::ffff:192.0.2.1"));
    EXPECT_FALSE(list->contains("192.0.3.1"));
    EXPECT_TRUE(list->contains("2001:db8:1::5"));
    EXPECT_TRUE(list->contains("198.51.100.7"));
    EXPECT_FALSE(list->contains("198.51.100.8"));
    EXPECT_FALSE(list->contains("garbage"));
    EXPECT_TRUE(NetworkList::loopback().contains("127.0.0.1"));
    EXPECT_TRUE(NetworkList::loopback().contains("::1"));
    EXPECT_FALSE(NetworkList::loopback().contains("10.0.0.1"));
    EXPECT_FALSE(NetworkList::parse({"10.0.0.0/33"}));
    EXPECT_FALSE(NetworkList::parse({"nonsense/8"}));
}

}  // namespace
}  // namespace sealgate::net
