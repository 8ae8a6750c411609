// A real Server on 127.0.0.1 port 0 with a fake handler, driven by the RelayClient and by raw
// sockets.
#include "net/server.hpp"

#include <gtest/gtest.h>

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
