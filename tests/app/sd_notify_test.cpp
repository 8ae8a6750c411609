// The sd_notify protocol (app/sd_notify.hpp) against a real AF_UNIX datagram socket, as the
// service manager listens: the datagrams' exact lines, the abstract namespace, the watchdog
// interval from WATCHDOG_USEC/WATCHDOG_PID, and silence without NOTIFY_SOCKET.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "app/sd_notify.hpp"
#include "support/temp_dir.hpp"

namespace sealgate::app {
namespace {

// A bound datagram socket; receive() returns the next datagram (or "" when none is waiting).
class Listener {
  public:
    explicit Listener(const std::string& name) {
        fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::memcpy(addr.sun_path, name.data(), name.size());
        socklen_t len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size());
        if (name.front() == '@')
            addr.sun_path[0] = '\0';
        else
            len += 1;
        bound_ = ::bind(fd_, reinterpret_cast<const sockaddr*>(&addr), len) == 0;
    }
    ~Listener() { ::close(fd_); }
    bool bound() const { return bound_; }
    std::string receive() const {
        char buf[4096];
        const ssize_t n = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
        return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
    }

  private:
    int fd_ = -1;
    bool bound_ = false;
};

TEST(SdNotify, SendsEachStateAsOneDatagram) {
    test::TempDir dir("/tmp/sg-notify-XXXXXX");
    const std::string path = dir.file("notify");
    Listener manager(path);
    ASSERT_TRUE(manager.bound());
    const Notifier n(path, std::chrono::seconds(5));
    ASSERT_TRUE(n.enabled());
    EXPECT_EQ(n.watchdog_interval(), std::chrono::seconds(5));

    ASSERT_TRUE(n.ready("listening on 127.0.0.1:10025"));
    EXPECT_EQ(manager.receive(), "READY=1\nSTATUS=listening on 127.0.0.1:10025\n");
    ASSERT_TRUE(n.watchdog());
    EXPECT_EQ(manager.receive(), "WATCHDOG=1\n");
    ASSERT_TRUE(n.stopping("finishing 2 sessions"));
    EXPECT_EQ(manager.receive(), "STOPPING=1\nSTATUS=finishing 2 sessions\n");

    ASSERT_TRUE(n.reloading("reloading"));
    const std::string reloading = manager.receive();
    ASSERT_TRUE(reloading.starts_with("RELOADING=1\nMONOTONIC_USEC=")) << reloading;
    const auto usec_end = reloading.find('\n', 12);
    const std::string usec = reloading.substr(27, usec_end - 27);
    ASSERT_FALSE(usec.empty());
    EXPECT_EQ(usec.find_first_not_of("0123456789"), std::string::npos) << usec;
    timespec now{};
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    EXPECT_LE(std::stoull(usec), static_cast<unsigned long long>(now.tv_sec) * 1000000ull +
                                     static_cast<unsigned long long>(now.tv_nsec) / 1000ull);
    EXPECT_EQ(reloading.substr(usec_end + 1), "STATUS=reloading\n");
    EXPECT_EQ(manager.receive(), "") << "nothing else was sent";
}

TEST(SdNotify, StatusCannotStartASecondVariable) {
    EXPECT_EQ(status_line("bad\nREADY=1\r\nx"), "STATUS=bad READY=1  x\n");
}

TEST(SdNotify, AbstractNamespace) {
    const std::string name = "@sealgate-test-notify-" + std::to_string(::getpid());
    Listener manager(name);
    ASSERT_TRUE(manager.bound());
    ASSERT_TRUE(Notifier(name, {}).status("up"));
    EXPECT_EQ(manager.receive(), "STATUS=up\n");
}

TEST(SdNotify, WithoutASocketNothingIsSent) {
    const Notifier off;
    EXPECT_FALSE(off.enabled());
    EXPECT_FALSE(off.ready("x"));
    EXPECT_EQ(off.watchdog_interval(), std::chrono::microseconds{0});
    // A relative path is not a notification socket.
    EXPECT_FALSE(Notifier("relative/socket", std::chrono::seconds(1)).enabled());
    // A socket nobody listens on: the send fails, nothing else happens.
    test::TempDir dir("/tmp/sg-notify-XXXXXX");
    EXPECT_FALSE(Notifier(dir.file("absent"), {}).ready("x"));
}

TEST(SdNotify, EnvironmentIsReadOnceAndRemoved) {
    test::TempDir dir("/tmp/sg-notify-XXXXXX");
    const std::string path = dir.file("notify");
    Listener manager(path);
    ASSERT_TRUE(manager.bound());
    ::setenv("NOTIFY_SOCKET", path.c_str(), 1);
    ::setenv("WATCHDOG_USEC", "3000000", 1);
    ::setenv("WATCHDOG_PID", std::to_string(::getpid()).c_str(), 1);
    const Notifier n = Notifier::from_environment();
    EXPECT_TRUE(n.enabled());
    EXPECT_EQ(n.watchdog_interval(), std::chrono::milliseconds(1500)) << "half of WATCHDOG_USEC";
    EXPECT_EQ(std::getenv("NOTIFY_SOCKET"), nullptr);
    EXPECT_EQ(std::getenv("WATCHDOG_USEC"), nullptr);
    EXPECT_EQ(std::getenv("WATCHDOG_PID"), nullptr);
    ASSERT_TRUE(n.ready("up"));
    EXPECT_EQ(manager.receive(), "READY=1\nSTATUS=up\n");

    // The watchdog of another process (WATCHDOG_PID not ours), or a malformed interval: off.
    ::setenv("NOTIFY_SOCKET", path.c_str(), 1);
    ::setenv("WATCHDOG_USEC", "3000000", 1);
    ::setenv("WATCHDOG_PID", "1", 1);
    EXPECT_EQ(Notifier::from_environment().watchdog_interval(), std::chrono::microseconds{0});
    ::setenv("NOTIFY_SOCKET", path.c_str(), 1);
    ::setenv("WATCHDOG_USEC", "3s", 1);
    EXPECT_EQ(Notifier::from_environment().watchdog_interval(), std::chrono::microseconds{0});
    EXPECT_FALSE(Notifier::from_environment().enabled()) << "removed by the first read";
}

}  // namespace
}  // namespace sealgate::app
