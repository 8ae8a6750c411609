// floor_relay — the floor that sealgate's pass-through path is measured against (issue: "a
// minimal asio relay that you write for the benchmark only"). Not a product: no policy, no
// parsing beyond the SMTP commands, no log, no limits, no TLS, no error recovery worth the name.
//
// What it does is what any SMTP relay must do per message, and no more: greet, answer EHLO
// (PIPELINING, 8BITMIME), MAIL, RCPT, DATA; read the data up to the lone dot, dot-stuffed as it
// came; send it to the next hop over a kept connection (MAIL, RCPT and DATA in one write, then
// the data), and answer the client with the next hop's final reply. One thread, asio
// coroutines, as sealgate's SMTP sides.
//
// usage: floor_relay LISTEN_PORT NEXT_HOP_PORT      (both on 127.0.0.1)
// It prints "listening on 127.0.0.1:PORT" when ready and runs until killed.
#include <asio.hpp>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

namespace {

using asio::awaitable;
using asio::use_awaitable;
using asio::ip::tcp;

struct Line {
    explicit Line(tcp::socket& s) : socket(s) {
        // read_until reads what the buffer has room for: with room for 64 KiB a 10 KB message
        // takes a read or two, as sealgate's own reads (not 512 bytes at a time).
        buffer.reserve(64 * 1024);
    }
    tcp::socket& socket;
    std::string buffer;

    // One line without its CRLF.
    awaitable<std::string> read() {
        const std::size_t n = co_await asio::async_read_until(socket, asio::dynamic_buffer(buffer),
                                                              "\r\n", use_awaitable);
        std::string line = buffer.substr(0, n - 2);
        buffer.erase(0, n);
        co_return line;
    }
    // The message up to and including the lone dot, dot-stuffed as it came.
    awaitable<std::string> data() {
        if (buffer.rfind(".\r\n", 0) == 0) {  // an empty message
            buffer.erase(0, 3);
            co_return ".\r\n";
        }
        const std::size_t n = co_await asio::async_read_until(socket, asio::dynamic_buffer(buffer),
                                                              "\r\n.\r\n", use_awaitable);
        std::string out = buffer.substr(0, n);
        buffer.erase(0, n);
        co_return out;
    }
    // A whole (possibly multi-line) reply; returns its last line.
    awaitable<std::string> reply() {
        for (;;) {
            std::string line = co_await read();
            if (line.size() < 4 || line[3] != '-')
                co_return line;
        }
    }
};

struct Upstream {
    explicit Upstream(tcp::socket s) : socket(std::move(s)), in(socket) {}
    tcp::socket socket;
    Line in;
};

class Relay {
  public:
    Relay(asio::io_context& io, unsigned short next_hop) : io_(io), next_hop_(next_hop) {}

    awaitable<std::unique_ptr<Upstream>> take() {
        if (!idle_.empty()) {
            auto u = std::move(idle_.back());
            idle_.pop_back();
            co_return u;
        }
        tcp::socket s(io_);
        co_await s.async_connect({asio::ip::address_v4::loopback(), next_hop_}, use_awaitable);
        s.set_option(tcp::no_delay(true));
        auto u = std::make_unique<Upstream>(std::move(s));
        co_await u->in.reply();  // greeting
        co_await asio::async_write(u->socket, asio::buffer(std::string("EHLO floor\r\n")),
                                   use_awaitable);
        co_await u->in.reply();
        co_return u;
    }
    void give_back(std::unique_ptr<Upstream> u) { idle_.push_back(std::move(u)); }

    // The next hop's final reply line for one message.
    awaitable<std::string> send(const std::string& from, const std::vector<std::string>& to,
                                const std::string& data) {
        auto u = co_await take();
        std::string head = "MAIL FROM:<" + from + ">\r\n";
        for (const auto& r : to)
            head += "RCPT TO:<" + r + ">\r\n";
        head += "DATA\r\n";
        co_await asio::async_write(u->socket, asio::buffer(head), use_awaitable);
        for (std::size_t i = 0; i < to.size() + 1; ++i)
            co_await u->in.reply();
        const std::string go = co_await u->in.reply();  // 354
        if (go.rfind("354", 0) != 0)
            co_return "451 4.4.0 next hop refused DATA";
        co_await asio::async_write(u->socket, asio::buffer(data), use_awaitable);
        std::string final = co_await u->in.reply();
        give_back(std::move(u));
        co_return final;
    }

  private:
    asio::io_context& io_;
    unsigned short next_hop_;
    std::vector<std::unique_ptr<Upstream>> idle_;
};

awaitable<void> session(tcp::socket socket, Relay& relay) {
    try {
        socket.set_option(tcp::no_delay(true));
        Line in(socket);
        auto say = [&socket](std::string text) -> awaitable<void> {
            co_await asio::async_write(socket, asio::buffer(text), use_awaitable);
        };
        co_await say("220 floor ESMTP\r\n");
        std::string from;
        std::vector<std::string> to;
        for (;;) {
            const std::string line = co_await in.read();
            const std::string verb = line.substr(0, 4);
            if (verb == "EHLO" || verb == "ehlo") {
                co_await say("250-floor\r\n250-PIPELINING\r\n250 8BITMIME\r\n");
            } else if (verb == "HELO" || verb == "helo") {
                co_await say("250 floor\r\n");
            } else if (verb == "MAIL" || verb == "mail") {
                from = line.substr(line.find('<') + 1);
                from.erase(from.find('>'));
                to.clear();
                co_await say("250 2.1.0 Ok\r\n");
            } else if (verb == "RCPT" || verb == "rcpt") {
                std::string r = line.substr(line.find('<') + 1);
                r.erase(r.find('>'));
                to.push_back(std::move(r));
                co_await say("250 2.1.5 Ok\r\n");
            } else if (verb == "DATA" || verb == "data") {
                co_await say("354 End data with <CR><LF>.<CR><LF>\r\n");
                // Up to and including the lone dot, kept dot-stuffed for the next hop.
                const std::string data = co_await in.data();
                const std::string final = co_await relay.send(from, to, data);
                co_await say(final + "\r\n");
            } else if (verb == "RSET" || verb == "rset" || verb == "NOOP" || verb == "noop") {
                co_await say("250 2.0.0 Ok\r\n");
            } else if (verb == "QUIT" || verb == "quit") {
                co_await say("221 2.0.0 Bye\r\n");
                co_return;
            } else {
                co_await say("502 5.5.2 Not implemented\r\n");
            }
        }
    } catch (const std::exception&) {
        // The client or the next hop went away: the connection ends.
    }
}

awaitable<void> listen(tcp::acceptor& acceptor, Relay& relay) {
    for (;;) {
        tcp::socket s = co_await acceptor.async_accept(use_awaitable);
        asio::co_spawn(acceptor.get_executor(), session(std::move(s), relay), asio::detached);
    }
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: floor_relay LISTEN_PORT NEXT_HOP_PORT\n");
        return 2;
    }
    const auto port = static_cast<unsigned short>(std::atoi(argv[1]));
    const auto next_hop = static_cast<unsigned short>(std::atoi(argv[2]));
    asio::io_context io(1);
    tcp::acceptor acceptor(io, {asio::ip::address_v4::loopback(), port});
    Relay relay(io, next_hop);
    asio::co_spawn(io, listen(acceptor, relay), asio::detached);
    std::printf("listening on 127.0.0.1:%u\n", acceptor.local_endpoint().port());
    std::fflush(stdout);
    io.run();
    return 0;
}
