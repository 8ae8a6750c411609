#include "app/sd_notify.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <ctime>

namespace sealgate::app {

namespace {

// WATCHDOG_USEC is a decimal count of microseconds; anything else leaves the watchdog off.
std::chrono::microseconds parse_usec(const char* text) {
    if (text == nullptr || *text == '\0')
        return std::chrono::microseconds{0};
    char* end = nullptr;
    errno = 0;
    const unsigned long long v = std::strtoull(text, &end, 10);
    if (errno != 0 || *end != '\0' || text[0] == '-')
        return std::chrono::microseconds{0};
    return std::chrono::microseconds{static_cast<long long>(v)};
}

std::uint64_t monotonic_usec() {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1000000u +
           static_cast<std::uint64_t>(ts.tv_nsec) / 1000u;
}

}  // namespace

std::string status_line(std::string_view text) {
    std::string line = "STATUS=";
    for (const char c : text)
        line += (c == '\n' || c == '\r') ? ' ' : c;
    return line + "\n";
}

Notifier Notifier::from_environment() {
    const char* socket = std::getenv("NOTIFY_SOCKET");
    std::string path = socket != nullptr ? socket : "";
    auto interval = parse_usec(std::getenv("WATCHDOG_USEC")) / 2;
    if (const char* pid = std::getenv("WATCHDOG_PID"); pid != nullptr && *pid != '\0') {
        char* end = nullptr;
        const long value = std::strtol(pid, &end, 10);
        if (*end != '\0' || value != static_cast<long>(::getpid()))
            interval = std::chrono::microseconds{0};  // the watchdog is someone else's
    }
    ::unsetenv("NOTIFY_SOCKET");
    ::unsetenv("WATCHDOG_USEC");
    ::unsetenv("WATCHDOG_PID");
    return Notifier(std::move(path), interval);
}

Notifier::Notifier(std::string socket, std::chrono::microseconds watchdog_interval)
    : socket_(std::move(socket)),
      watchdog_interval_(socket_.empty() ? std::chrono::microseconds{0} : watchdog_interval) {
    // A relative path or anything else is not a notification socket (sd_notify(3) accepts an
    // absolute path or "@" for the abstract namespace).
    if (!socket_.empty() && socket_.front() != '/' && socket_.front() != '@') {
        socket_.clear();
        watchdog_interval_ = std::chrono::microseconds{0};
    }
}

bool Notifier::send(std::string_view lines) const {
    if (socket_.empty())
        return false;
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (socket_.size() >= sizeof addr.sun_path)
        return false;
    std::memcpy(addr.sun_path, socket_.data(), socket_.size());
    socklen_t len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + socket_.size());
    if (socket_.front() == '@')
        addr.sun_path[0] = '\0';  // abstract: no terminating NUL counted
    else
        len += 1;
    const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    const ssize_t sent = ::sendto(fd, lines.data(), lines.size(), MSG_NOSIGNAL,
                                  reinterpret_cast<const sockaddr*>(&addr), len);
    ::close(fd);
    return sent == static_cast<ssize_t>(lines.size());
}

bool Notifier::ready(std::string_view status) const {
    return send("READY=1\n" + status_line(status));
}

bool Notifier::reloading(std::string_view status) const {
    return send("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(monotonic_usec()) + "\n" +
                status_line(status));
}

bool Notifier::stopping(std::string_view status) const {
    return send("STOPPING=1\n" + status_line(status));
}

bool Notifier::status(std::string_view status) const {
    return send(status_line(status));
}

bool Notifier::watchdog() const {
    return send("WATCHDOG=1\n");
}

}  // namespace sealgate::app
