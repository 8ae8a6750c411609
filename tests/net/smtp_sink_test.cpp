// Interop: the RelayClient against Postfix's smtp-sink, a real SMTP server implementation.
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <optional>
#include <sstream>

#include "net/relay_client.hpp"
#include "net_test_util.hpp"

extern char** environ;

namespace sealgate::net {
namespace {

using namespace sealgate::net::testing;

constexpr const char* kSmtpSink = "/usr/sbin/smtp-sink";

class SmtpSinkProcess {
  public:
    SmtpSinkProcess(std::uint16_t port, const std::string& dump) {
        const std::string listen = "127.0.0.1:" + std::to_string(port);
        std::vector<std::string> args = {kSmtpSink, "-u", "root", "-D", dump, listen, "10"};
        std::vector<char*> argv;
        for (auto& a : args)
            argv.push_back(a.data());
        argv.push_back(nullptr);
        if (posix_spawn(&pid_, kSmtpSink, nullptr, nullptr, argv.data(), environ) != 0)
            pid_ = -1;
    }
    ~SmtpSinkProcess() {
        if (pid_ <= 0)
            return;
        kill(pid_, SIGTERM);
        int status = 0;
        waitpid(pid_, &status, 0);
    }
    bool started() const { return pid_ > 0; }

  private:
    pid_t pid_ = -1;
};

std::string read_file(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

TEST(SmtpSinkInterop, RelayClientDeliversToPostfixSmtpSink) {
    if (access(kSmtpSink, X_OK) != 0)
        GTEST_SKIP() << "smtp-sink not installed";
    TempDir dir;
    const auto dump = dir.path() / "dump";
    const std::uint16_t port = free_port();
    SmtpSinkProcess sink(port, dump.string());
    ASSERT_TRUE(sink.started());

    std::vector<RelayResult> results;
    std::size_t opened = 0;
    std::string dumped;
    run_scenario([&](asio::io_context& io) -> awaitable<void> {
        // Wait until smtp-sink listens (bounded poll on a connect).
        bool up = co_await eventually([&] {
            asio::ip::tcp::socket s(io);
            asio::error_code ec;
            s.connect({asio::ip::make_address("127.0.0.1"), port}, ec);
            return !ec;
        });
        EXPECT_TRUE(up);
        RelayConfig rc;
        rc.port = port;
        rc.helo_name = "relay.test";
        RelayClient client(io.get_executor(), rc);
        smtp::Envelope e;
        e.sender = "a@x.example";
        e.recipients = {{"b@y.example", "SUCCESS,FAILURE", "rfc822;b@y.example"}};
        e.ret = "HDRS";
        e.envid = "ENV1";
        e.xforward = {{"NAME", "mx.example"}, {"ADDR", "198.51.100.7"}, {"PROTO", "ESMTP"}};
        results.push_back(co_await client.send(e, "Subject: interop\r\n\r\n.hello sink\r\n"));
        results.push_back(co_await client.send(e, "Subject: second\r\n\r\nagain\r\n"));
        opened = client.connections_opened();
        co_await client.close_idle();
        co_await eventually([&] {
            dumped = read_file(dump);
            return dumped.find("again") != std::string::npos;
        });
    });
    ASSERT_EQ(results.size(), 2u);
    EXPECT_TRUE(results[0].accepted()) << results[0].reply.summary();
    EXPECT_TRUE(results[1].accepted()) << results[1].reply.summary();
    EXPECT_EQ(opened, 1u);
    // smtp-sink undid our dot-stuffing: the line starts with a single dot again.
    EXPECT_NE(dumped.find("\n.hello sink"), std::string::npos) << dumped;
    EXPECT_EQ(dumped.find("..hello sink"), std::string::npos) << dumped;
    EXPECT_NE(dumped.find("X-Helo-Args: relay.test"), std::string::npos) << dumped;
    EXPECT_NE(dumped.find("RET=HDRS"), std::string::npos) << dumped;
    EXPECT_NE(dumped.find("NOTIFY=SUCCESS,FAILURE"), std::string::npos) << dumped;
}

}  // namespace
}  // namespace sealgate::net
