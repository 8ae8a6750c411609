// tests/admin/local_http.hpp — a tiny HTTP/1.0 server on 127.0.0.1 (an ephemeral port) for the
// fetch and CRL refresh tests: one thread, one connection at a time, answers each GET from a
// table of path → (status, body) that the test changes between requests, and counts the GETs.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

namespace sealgate::test {

class LocalHttp {
  public:
    LocalHttp() {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = 0;
        const int one = 1;
        ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
            ::listen(fd_, 8) != 0)
            return;
        socklen_t len = sizeof addr;
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
        port_ = ntohs(addr.sin_port);
        thread_ = std::thread([this] { run(); });
    }
    ~LocalHttp() {
        stop_ = true;
        if (thread_.joinable())
            thread_.join();
        ::close(fd_);
    }
    LocalHttp(const LocalHttp&) = delete;
    LocalHttp& operator=(const LocalHttp&) = delete;

    std::uint16_t port() const { return port_; }
    std::string url(const std::string& path) const {
        return "http://127.0.0.1:" + std::to_string(port_) + path;
    }
    void serve(const std::string& path, int status, std::string body) {
        const std::lock_guard lock(mutex_);
        pages_[path] = {status, std::move(body)};
    }
    int gets(const std::string& path) {
        const std::lock_guard lock(mutex_);
        return gets_[path];
    }

  private:
    void run() {
        while (!stop_) {
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, 50) <= 0)
                continue;
            const int c = ::accept(fd_, nullptr, nullptr);
            if (c < 0)
                continue;
            answer(c);
            ::close(c);
        }
    }
    void answer(int c) {
        std::string request;
        char buf[4096];
        while (request.find("\r\n\r\n") == std::string::npos) {
            pollfd p{c, POLLIN, 0};
            if (::poll(&p, 1, 2000) <= 0)
                return;
            const ssize_t n = ::read(c, buf, sizeof buf);
            if (n <= 0)
                return;
            request.append(buf, static_cast<std::size_t>(n));
        }
        const auto sp = request.find(' ');
        const auto path = request.substr(sp + 1, request.find(' ', sp + 1) - sp - 1);
        std::pair<int, std::string> page{404, "not found"};
        {
            const std::lock_guard lock(mutex_);
            ++gets_[path];
            if (auto it = pages_.find(path); it != pages_.end())
                page = it->second;
        }
        std::string out = "HTTP/1.0 " + std::to_string(page.first) +
                          " X\r\nContent-Type: application/octet-stream\r\nContent-Length: " +
                          std::to_string(page.second.size()) + "\r\n\r\n" + page.second;
        std::size_t sent = 0;
        while (sent < out.size()) {
            const ssize_t n = ::send(c, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
            if (n <= 0)
                return;
            sent += static_cast<std::size_t>(n);
        }
    }

    int fd_ = -1;
    std::uint16_t port_ = 0;
    std::atomic<bool> stop_{false};
    std::thread thread_;
    std::mutex mutex_;
    std::map<std::string, std::pair<int, std::string>> pages_;
    std::map<std::string, int> gets_;
};

}  // namespace sealgate::test
