// The key process's seccomp filter (keyproc/sandbox.hpp), in a forked child each: what kills it
// and what it may still do, with and without a PostgreSQL store to reach.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <functional>

#include "keyproc/sandbox.hpp"

namespace sealgate::keyproc {
namespace {

// The child's fate: its exit status, or -signal when a signal ended it.
int in_child(bool store_connections, const std::function<int()>& body) {
    const pid_t pid = ::fork();
    if (pid == 0) {
        if (!no_new_privs() || !seccomp_filter(store_connections))
            ::_exit(100);
        ::_exit(body());
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFSIGNALED(status) ? -WTERMSIG(status) : WEXITSTATUS(status);
}

int make_socket(int family) {
    const int fd = ::socket(family, SOCK_STREAM, 0);
    return fd >= 0 ? 0 : 1;
}

int bind_unix() {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(sa_family_t));  // autobind
    return 0;
}

int connect_nowhere() {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strcpy(addr.sun_path, "/nonexistent/sealgate-test.sock");
    // Refused by the kernel (no such socket), not by the filter: it returns.
    return ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 ? 2 : 0;
}

TEST(Sandbox, WithoutAStoreServerNoSocketAtAll) {
    EXPECT_EQ(in_child(false, [] { return make_socket(AF_UNIX); }), -SIGSYS);
    EXPECT_EQ(in_child(false, [] { return make_socket(AF_INET); }), -SIGSYS);
    EXPECT_EQ(in_child(false, [] { return 0; }), 0);
}

TEST(Sandbox, APostgreSqlStoreMayBeReachedButNothingServed) {
    EXPECT_EQ(in_child(true, [] { return make_socket(AF_UNIX); }), 0);
    EXPECT_EQ(in_child(true, [] { return make_socket(AF_INET); }), 0);
    EXPECT_EQ(in_child(true, [] { return make_socket(AF_INET6); }), 0);
    EXPECT_EQ(in_child(true, connect_nowhere), 0);
    EXPECT_EQ(in_child(true, [] { return make_socket(AF_NETLINK); }), -SIGSYS);
    EXPECT_EQ(in_child(true, [] { return make_socket(AF_PACKET); }), -SIGSYS);
    EXPECT_EQ(in_child(true, bind_unix), -SIGSYS);
    EXPECT_EQ(in_child(true, [] { return ::listen(0, 1) == 0 ? 0 : 0; }), -SIGSYS);
    EXPECT_EQ(in_child(true, [] { return ::execl("/bin/true", "true", nullptr); }), -SIGSYS);
}

}  // namespace
}  // namespace sealgate::keyproc
