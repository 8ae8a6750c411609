// Shared helpers for the network tests: a scratch directory, a coroutine test runner on one
// io_context, a throwaway certificate, a raw line-oriented SMTP client, and a scriptable sink.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <asio.hpp>
#include <asio/ssl.hpp>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "support/temp_dir.hpp"

namespace sealgate::net::testing {

using asio::awaitable;
using asio::use_awaitable;

// The shared temporary directory (tests/support/temp_dir.hpp).
using TempDir = sealgate::test::TempDir;

// Run one scenario coroutine on a fresh io_context until everything it started is finished.
// A guard fails the test instead of hanging when something never completes.
template <class F>
void run_scenario(F&& scenario, std::chrono::seconds guard = std::chrono::seconds(60)) {
    asio::io_context io;
    std::exception_ptr error;
    bool done = false;
    asio::steady_timer watchdog(io);
    watchdog.expires_after(guard);
    watchdog.async_wait([&](const asio::error_code& ec) {
        if (!ec)
            io.stop();
    });
    asio::co_spawn(io, scenario(io), [&](std::exception_ptr e) {
        error = e;
        done = true;
        watchdog.cancel();
    });
    io.run();
    EXPECT_TRUE(done) << "scenario did not finish";
    if (error)
        std::rethrow_exception(error);
}

// Poll a condition on the event loop, at most `steps` times, one millisecond apart.
inline awaitable<bool> eventually(std::function<bool()> condition, int steps = 5000) {
    asio::steady_timer t(co_await asio::this_coro::executor);
    for (int i = 0; i < steps; ++i) {
        if (condition())
            co_return true;
        t.expires_after(std::chrono::milliseconds(1));
        co_await t.async_wait(use_awaitable);
    }
    co_return condition();
}

// A loopback port that nothing listens on right now (bound once, then closed).
inline std::uint16_t free_port() {
    asio::io_context io;
    asio::ip::tcp::acceptor a(io, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    return a.local_endpoint().port();
}

// A self-signed P-256 certificate for `name` (CN and DNS subjectAltName), made with the openssl
// CLI; sha256 is its fingerprint, lower-case hex (what `openssl x509 -fingerprint -sha256` shows).
struct TestCert {
    std::string cert;
    std::string key;
    std::string sha256;
};
inline TestCert make_test_cert(const std::filesystem::path& dir,
                               const std::string& name = "localhost") {
    TestCert c{(dir / "cert.pem").string(), (dir / "key.pem").string(), {}};
    const std::string cmd =
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 "
        "-subj /CN=" +
        name + " -addext subjectAltName=DNS:" + name + " -keyout '" + c.key + "' -out '" + c.cert +
        "' >/dev/null 2>&1";
    EXPECT_EQ(std::system(cmd.c_str()), 0);
    const std::string fp = "openssl x509 -noout -fingerprint -sha256 -in '" + c.cert + "'";
    if (FILE* p = popen(fp.c_str(), "r")) {
        char line[256] = {};
        if (std::fgets(line, sizeof line, p) != nullptr) {
            const std::string text(line);
            for (const char ch : text.substr(text.find('=') + 1))
                if (std::isxdigit(static_cast<unsigned char>(ch)))
                    c.sha256 += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        }
        pclose(p);
    }
    EXPECT_EQ(c.sha256.size(), 64u);
    return c;
}

// A raw SMTP client: send bytes, read whole (multi-line) replies.
class RawClient {
  public:
    explicit RawClient(asio::io_context& io) : socket_(io) {}

    awaitable<void> connect(std::uint16_t port) {
        co_await socket_.async_connect({asio::ip::make_address("127.0.0.1"), port}, use_awaitable);
    }
    awaitable<void> send(std::string bytes) {
        co_await asio::async_write(socket_, asio::buffer(bytes), use_awaitable);
    }
    // The next complete reply as wire text, or "" on EOF.
    awaitable<std::string> reply() {
        std::string out;
        while (true) {
            asio::error_code ec;
            auto n = co_await asio::async_read_until(socket_, asio::dynamic_buffer(buffer_), "\r\n",
                                                     asio::redirect_error(use_awaitable, ec));
            if (ec)
                co_return out;
            const std::string line = buffer_.substr(0, n);
            buffer_.erase(0, n);
            out += line;
            if (line.size() < 4 || line[3] == ' ')
                co_return out;
        }
    }
    void close() {
        asio::error_code ec;
        socket_.close(ec);
    }
    asio::ip::tcp::socket& socket() { return socket_; }

  private:
    asio::ip::tcp::socket socket_;
    std::string buffer_;
};

// A tiny scriptable SMTP sink that records what it received.
struct SinkBehaviour {
    std::vector<std::string> ehlo = {"PIPELINING",
                                     "SIZE 1000000",
                                     "8BITMIME",
                                     "DSN",
                                     "SMTPUTF8",
                                     "ENHANCEDSTATUSCODES",
                                     "XFORWARD NAME ADDR PROTO HELO"};
    std::string refuse_rcpt;  // answer 550 5.1.1 to this address
    std::string data_reply = "250 2.0.0 Ok: queued";
    bool drop_in_data = false;           // close the connection inside DATA
    bool close_after_message = false;    // close after answering the end of DATA
    bool silent_after_data = false;      // never answer the end of DATA
    bool closing_after_message = false;  // answer the command after a message 421, then close
    // Offer STARTTLS (RFC 3207) with this server context; refuse_starttls answers it 454.
    std::shared_ptr<asio::ssl::context> tls;
    bool refuse_starttls = false;
};

class Sink {
  public:
    Sink(asio::io_context& io, SinkBehaviour behaviour)
        : acceptor_(io, {asio::ip::make_address("127.0.0.1"), 0}),
          behaviour_(std::move(behaviour)) {}

    std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
    void start() { asio::co_spawn(acceptor_.get_executor(), accept_loop(), asio::detached); }
    void stop() {
        asio::error_code ec;
        acceptor_.close(ec);
        for (auto& s : sockets_)
            s->close(ec);
    }

    std::vector<std::string> lines;     // command lines, without CRLF
    std::vector<std::string> messages;  // DATA as on the wire (still dot-stuffed), without ".\r\n"
    std::vector<bool> over_tls;         // per message: it came inside STARTTLS
    int connections = 0;
    int tls_sessions = 0;  // handshakes that succeeded

  private:
    awaitable<void> accept_loop() {
        while (true) {
            asio::error_code ec;
            auto socket = co_await acceptor_.async_accept(asio::redirect_error(use_awaitable, ec));
            if (ec)
                co_return;
            ++connections;
            auto s = std::make_shared<asio::ip::tcp::socket>(std::move(socket));
            s->set_option(asio::ip::tcp::no_delay(true), ec);
            sockets_.push_back(s);
            asio::co_spawn(acceptor_.get_executor(), serve(s), asio::detached);
        }
    }

    awaitable<void> serve(std::shared_ptr<asio::ip::tcp::socket> s) {
        try {
            std::string buf;
            const bool upgrade = co_await converse(*s, buf, false);
            if (!upgrade) {
                s->close();
                co_return;
            }
            // RFC 3207 §4.2: after the handshake the session starts afresh.
            asio::ssl::stream<asio::ip::tcp::socket&> tls(*s, *behaviour_.tls);
            co_await tls.async_handshake(asio::ssl::stream_base::server, use_awaitable);
            ++tls_sessions;
            buf.clear();
            co_await converse(tls, buf, true);
            s->close();
        } catch (const std::exception&) {
            // the client went away (or broke off the handshake)
        }
    }

    // One SMTP conversation on a plain or TLS stream; true when STARTTLS was accepted and the
    // caller is to upgrade the connection.
    template <class Stream>
    awaitable<bool> converse(Stream& s, std::string& buf, bool in_tls) {
        auto say = [&](std::string text) -> awaitable<void> {
            co_await asio::async_write(s, asio::buffer(text), use_awaitable);
        };
        if (!in_tls)
            co_await say("220 sink ESMTP\r\n");
        int rcpts = 0;
        bool had_message = false;
        while (true) {
            auto n = co_await asio::async_read_until(s, asio::dynamic_buffer(buf), "\r\n",
                                                     use_awaitable);
            const std::string line = buf.substr(0, n - 2);
            buf.erase(0, n);
            lines.push_back(line);
            const std::string verb = line.substr(0, 4);
            if (had_message && behaviour_.closing_after_message) {
                co_await say("421 4.3.2 Service shutting down\r\n");
                co_return false;
            }
            if (verb == "EHLO") {
                auto ehlo = behaviour_.ehlo;
                if (behaviour_.tls && !in_tls)
                    ehlo.push_back("STARTTLS");
                std::string r = "250-sink\r\n";
                for (std::size_t i = 0; i < ehlo.size(); ++i)
                    r += (i + 1 < ehlo.size() ? "250-" : "250 ") + ehlo[i] + "\r\n";
                if (ehlo.empty())
                    r = "250 sink\r\n";
                co_await say(r);
            } else if (verb == "STAR" && behaviour_.tls && !in_tls) {
                if (behaviour_.refuse_starttls) {
                    co_await say("454 4.7.0 TLS not available due to temporary reason\r\n");
                    continue;
                }
                co_await say("220 2.0.0 Ready to start TLS\r\n");
                co_return true;
            } else if (verb == "MAIL") {
                rcpts = 0;
                co_await say("250 2.1.0 Ok\r\n");
            } else if (verb == "RCPT") {
                if (!behaviour_.refuse_rcpt.empty() &&
                    line.find("<" + behaviour_.refuse_rcpt + ">") != std::string::npos) {
                    co_await say("550 5.1.1 No such user\r\n");
                } else {
                    ++rcpts;
                    co_await say("250 2.1.5 Ok\r\n");
                }
            } else if (verb == "DATA") {
                if (rcpts == 0) {
                    co_await say("554 5.5.1 No valid recipients\r\n");
                    continue;
                }
                co_await say("354 go ahead\r\n");
                if (behaviour_.drop_in_data) {
                    co_await asio::async_read(s, asio::dynamic_buffer(buf),
                                              asio::transfer_at_least(1), use_awaitable);
                    co_return false;
                }
                buf.insert(0, "\r\n");  // so that an empty message also ends in CRLF.CRLF
                auto m = co_await asio::async_read_until(s, asio::dynamic_buffer(buf), "\r\n.\r\n",
                                                         use_awaitable);
                messages.push_back(buf.substr(2, m - 2 - 3));
                over_tls.push_back(in_tls);
                buf.erase(0, m);
                if (behaviour_.silent_after_data) {
                    co_await asio::async_read(s, asio::dynamic_buffer(buf),
                                              asio::transfer_at_least(1), use_awaitable);
                    co_return false;  // the client gave up and closed
                }
                co_await say(behaviour_.data_reply + "\r\n");
                had_message = true;
                if (behaviour_.close_after_message)
                    co_return false;
            } else if (verb == "QUIT") {
                co_await say("221 2.0.0 Bye\r\n");
                co_return false;
            } else if (verb == "RSET" || verb == "XFOR" || verb == "HELO" || verb == "NOOP") {
                co_await say("250 2.0.0 Ok\r\n");
            } else {
                co_await say("500 5.5.1 Unknown\r\n");
            }
        }
    }

    asio::ip::tcp::acceptor acceptor_;
    SinkBehaviour behaviour_;
    std::vector<std::shared_ptr<asio::ip::tcp::socket>> sockets_;
};

}  // namespace sealgate::net::testing
