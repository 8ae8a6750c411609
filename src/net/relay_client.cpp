#include "net/relay_client.hpp"

#include <openssl/x509_vfy.h>

#include <algorithm>
#include <asio.hpp>

#include "net/tls.hpp"
#include "net/transport.hpp"
#include "smtp/client_protocol.hpp"

// GCC 12 coroutine caveats followed here: results of co_await go into non-const locals, and
// no co_await sits inside a conditional expression or takes a temporary string (both produced
// use-after-free of the callee's frame in tests).

namespace sealgate::net {

struct RelayClient::Connection {
    std::shared_ptr<Transport> transport;
    smtp::ReplyParser parser;
    smtp::Capabilities caps;
    TlsSession tls;
};

namespace {

smtp::Reply temp(std::string status, std::string_view text) {
    return smtp::Reply::make(451, std::move(status), text);
}

smtp::Reply from_error(const Error& e) {
    return smtp::Reply::from_error(e);
}

RelayResult failed(smtp::Reply reply, std::size_t recipients, std::string reason = {}) {
    RelayResult r;
    r.reason = std::move(reason);
    r.recipients.assign(recipients, reply);
    r.reply = std::move(reply);
    return r;
}

RelayResult failed(const Error& e, std::size_t recipients) {
    return failed(from_error(e), recipients, e.reason);
}

// A reply, or a 4xx error when the connection broke or the reply was malformed.
asio::awaitable<Result<smtp::Reply>> read_reply(RelayClient::Connection& c,
                                                std::chrono::milliseconds timeout) {
    while (true) {
        auto next = c.parser.next();
        if (!next)
            co_return fail(next.error());
        if (*next)
            co_return std::move(**next);
        std::string bytes;
        auto ec = co_await c.transport->read_some(bytes, timeout);
        if (ec == asio::error::timed_out)
            co_return fail(Error::temp("4.4.2", "Next hop timed out", ec.message()));
        if (ec)
            co_return fail(Error::temp("4.4.2", "Connection to next hop lost", ec.message()));
        c.parser.feed(bytes);
    }
}

asio::awaitable<Status> write(RelayClient::Connection& c, std::span<const std::string_view> pieces,
                              std::chrono::milliseconds timeout) {
    auto ec = co_await c.transport->write(pieces, timeout);
    if (ec == asio::error::timed_out)
        co_return fail(Error::temp("4.4.2", "Next hop timed out", ec.message()));
    if (ec)
        co_return fail(Error::temp("4.4.2", "Connection to next hop lost", ec.message()));
    co_return ok();
}

asio::awaitable<Status> write(RelayClient::Connection& c, std::string_view bytes,
                              std::chrono::milliseconds timeout) {
    auto writing = write(c, std::span<const std::string_view>(&bytes, 1), timeout);
    co_return co_await std::move(writing);
}

asio::awaitable<Result<smtp::Reply>> command(RelayClient::Connection& c, std::string_view line,
                                             std::chrono::milliseconds timeout) {
    auto w = co_await write(c, line, timeout);
    if (!w)
        co_return fail(w.error());
    co_return co_await read_reply(c, timeout);
}

}  // namespace

std::size_t RelayResult::accepted_recipients() const {
    if (!accepted())
        return 0;
    std::size_t n = 0;
    for (const auto& r : recipients)
        n += r.positive() ? 1u : 0u;
    return n;
}

RelayClient::RelayClient(asio::any_io_executor executor, RelayConfig config)
    : executor_(std::move(executor)), config_(std::move(config)) {
    if (!config_.tls_context && config_.tls != TlsLevel::none) {
        // Without a context open() fails every connection that needs TLS (fail closed).
        if (auto ctx = make_client_tls())
            config_.tls_context = std::move(*ctx);
    }
}

RelayClient::~RelayClient() {
    for (auto& c : idle_)
        c->transport->close();
}

asio::awaitable<void> RelayClient::close_idle() {
    auto idle = std::move(idle_);
    idle_.clear();
    for (auto& c : idle) {
        co_await command(*c, "QUIT\r\n", config_.command_timeout);
        c->transport->close();
    }
}

std::unique_ptr<RelayClient::Connection> RelayClient::take_idle() {
    while (!idle_.empty()) {
        auto c = std::move(idle_.back());
        idle_.pop_back();
        if (c->transport->is_open())
            return c;
    }
    return nullptr;
}

asio::awaitable<Result<std::unique_ptr<RelayClient::Connection>>> RelayClient::open(
    TlsSession& tls, bool& tls_refused) {
    const TlsLevel level = config_.tls;
    // Our own refusal to send: the TLS requirement is not met.
    const auto refuse = [&](std::string reason) {
        tls_refused = true;
        return Error::temp("4.7.5", "TLS to the next hop is required and was not available",
                           std::move(reason));
    };
    auto c = std::make_unique<Connection>();
    c->transport = Transport::client(executor_);
    const auto ec =
        co_await c->transport->connect(config_.host, config_.port, config_.connect_timeout);
    if (ec)
        co_return fail(
            Error::temp("4.4.1", "Next hop not reachable",
                        config_.host + ":" + std::to_string(config_.port) + ": " + ec.message()));
    ++opened_;
    auto greeting = co_await read_reply(*c, config_.command_timeout);
    if (!greeting)
        co_return fail(greeting.error());
    if (greeting->code != 220)
        co_return fail(
            Error::temp("4.4.0", "Next hop refused the connection", greeting->summary()));

    auto hello = [&]() -> asio::awaitable<Status> {
        auto ehlo =
            co_await command(*c, smtp::format_ehlo(config_.helo_name), config_.command_timeout);
        if (!ehlo)
            co_return fail(ehlo.error());
        if (ehlo->positive()) {
            c->caps = smtp::parse_ehlo(*ehlo);
            co_return ok();
        }
        c->caps = {};
        auto helo =
            co_await command(*c, smtp::format_helo(config_.helo_name), config_.command_timeout);
        if (!helo)
            co_return fail(helo.error());
        if (!helo->positive())
            co_return fail(Error::temp("4.4.0", "Next hop refused HELO", helo->summary()));
        co_return ok();
    };
    auto said_hello = co_await hello();
    if (!said_hello)
        co_return fail(said_hello.error());

    if (level != TlsLevel::none && c->caps.starttls) {
        if (!config_.tls_context)
            co_return fail(refuse("no TLS client context"));
        auto r = co_await command(*c, "STARTTLS\r\n", config_.command_timeout);
        if (!r)
            co_return fail(r.error());
        if (r->code == 220) {
            // RFC 3207 §6: nothing may be read before the handshake; bytes here are an attack.
            if (!c->parser.empty()) {
                tls_refused = requires_tls(level);
                co_return fail(Error::temp("4.7.5", "TLS negotiation with next hop failed",
                                           "plaintext bytes after 220 to STARTTLS"));
            }
            std::string name = config_.tls_server_name;
            if (name.empty())
                name = config_.host;
            asio::error_code not_ip;
            asio::ip::make_address(name, not_ip);
            // Named strings, not temporaries, across the co_await (see the top of this file).
            std::string sni;
            if (not_ip)
                sni = name;
            std::string verify_name;
            if (level == TlsLevel::verify)
                verify_name = name;
            auto hs = co_await c->transport->handshake(*config_.tls_context,
                                                       asio::ssl::stream_base::client,
                                                       config_.command_timeout, sni, verify_name);
            if (hs) {
                // Not retried in clear: an attacker who breaks the handshake must not win that.
                tls_refused = requires_tls(level);
                co_return fail(Error::temp("4.7.5", "TLS negotiation with next hop failed",
                                           "TLS handshake with next hop: " + hs.message()));
            }
            c->tls = c->transport->tls_session();
            tls = c->tls;
            if (level == TlsLevel::verify) {
                const bool chain = c->tls.verify_result == X509_V_OK && !c->tls.peer_sha256.empty();
                const auto& pins = config_.tls_fingerprints;
                const bool pinned =
                    !c->tls.peer_sha256.empty() &&
                    std::find(pins.begin(), pins.end(), c->tls.peer_sha256) != pins.end();
                if (!chain && !pinned) {
                    c->transport->close();
                    co_return fail(refuse(
                        "certificate of " + name + " not verified (" + c->tls.verify_error +
                        ") and its SHA-256 " +
                        (c->tls.peer_sha256.empty() ? "-" : c->tls.peer_sha256) +
                        (pins.empty() ? " is not pinned" : " matches no pinned fingerprint")));
                }
                c->tls.verified = true;
                tls.verified = true;
            }
            said_hello = co_await hello();  // RFC 3207 §4.2: forget and ask again
            if (!said_hello)
                co_return fail(said_hello.error());
        } else if (requires_tls(level)) {
            co_return fail(refuse("next hop refused STARTTLS: " + r->summary()));
        }
    }
    if (requires_tls(level) && !c->transport->tls())
        co_return fail(refuse(config_.host + " does not offer STARTTLS"));
    co_return std::move(c);
}

asio::awaitable<RelayResult> RelayClient::send(const smtp::Envelope& envelope,
                                               std::string_view data, std::string_view trace) {
    const std::size_t n = envelope.recipients.size();
    if (n == 0)
        co_return failed(smtp::Reply::make(554, "5.5.1", "No recipients"), 0);

    const auto timeout = config_.command_timeout;
    std::unique_ptr<Connection> c;
    std::vector<std::string> commands;
    std::size_t xforward_count = 0;
    std::vector<smtp::Reply> replies;
    bool broken = false;
    smtp::Reply failure;
    std::string failure_reason;
    auto note_error = [&](const Error& e) {
        broken = true;
        failure = from_error(e);
        failure_reason = e.reason;
    };
    for (;;) {
        c = take_idle();
        const bool kept = c != nullptr;
        if (!c) {
            TlsSession tls;
            bool tls_refused = false;
            auto opened = co_await open(tls, tls_refused);
            if (!opened) {
                RelayResult r = failed(opened.error(), n);
                r.tls = std::move(tls);
                r.tls_refused = tls_refused;
                co_return r;
            }
            c = std::move(*opened);
        }
        const auto& caps = c->caps;

        // The command batch: XFORWARD, MAIL, RCPT..., and DATA when pipelining.
        commands = smtp::format_xforward(envelope, caps);
        xforward_count = commands.size();
        commands.push_back(smtp::format_mail(envelope, caps, trace.size() + data.size()));
        for (const auto& r : envelope.recipients)
            commands.push_back(smtp::format_rcpt(r, caps));
        commands.push_back("DATA\r\n");
        replies.clear();
        broken = false;
        if (caps.pipelining) {
            std::string batch;
            for (const auto& cmd : commands)
                batch += cmd;
            auto w = co_await write(*c, batch, timeout);
            if (!w)
                note_error(w.error());
            for (std::size_t i = 0; i < commands.size() && !broken; ++i) {
                auto r = co_await read_reply(*c, timeout);
                if (!r) {
                    note_error(r.error());
                } else {
                    replies.push_back(std::move(*r));
                }
            }
        } else {
            for (std::size_t i = 0; i < commands.size() && !broken; ++i) {
                // Without pipelining, stop at the first refusal that makes the rest pointless.
                const bool is_data = i + 1 == commands.size();
                if (is_data) {
                    bool any = false;
                    for (std::size_t k = xforward_count + 1; k < replies.size(); ++k)
                        any = any || replies[k].positive();
                    if (!any)
                        break;
                }
                auto r = co_await command(*c, commands[i], timeout);
                if (!r) {
                    note_error(r.error());
                    break;
                }
                replies.push_back(std::move(*r));
                if (i < xforward_count + 1 && !replies.back().positive())
                    break;  // XFORWARD/MAIL
            }
        }
        // A kept connection that the server closed meanwhile: nothing was accepted, start again.
        const bool stale = replies.empty() ? broken : replies.front().code == 421;
        if (kept && stale) {
            c->transport->close();
            continue;
        }
        break;
    }
    if (broken) {
        c->transport->close();
        RelayResult r = failed(failure, n, failure_reason);
        r.tls = c->tls;
        co_return r;
    }

    RelayResult result;
    result.tls = c->tls;
    // XFORWARD refused: a configuration mismatch, never a reason to bounce mail.
    for (std::size_t i = 0; i < xforward_count; ++i) {
        if (!replies[i].positive()) {
            c->transport->close();
            RelayResult r =
                failed(temp("4.5.0", "Next hop refused XFORWARD"), n, replies[i].summary());
            r.tls = c->tls;
            co_return r;
        }
    }
    const smtp::Reply& mail = replies[xforward_count];
    std::size_t accepted = 0;
    for (std::size_t k = 0; k < n; ++k) {
        const std::size_t at = xforward_count + 1 + k;
        const bool have = mail.positive() && at < replies.size();
        result.recipients.push_back(have ? replies[at] : mail);
        accepted += result.recipients.back().positive() ? 1u : 0u;
    }
    const std::size_t data_at = xforward_count + 1 + n;
    const bool data_sent = data_at < replies.size();
    if (!mail.positive() || accepted == 0) {
        result.reply = mail;
        if (mail.positive()) {
            result.reply = result.recipients.front();
            for (const auto& r : result.recipients)
                if (r.transient()) {
                    result.reply = r;
                    break;
                }
        }
        // A server that says 354 without valid recipients gets an empty message to nobody.
        if (data_sent && replies[data_at].code == 354) {
            auto end = co_await command(*c, ".\r\n", config_.data_timeout);
            if (!end)
                c->transport->close();
        }
    } else if (!data_sent) {
        // Not pipelined: DATA was not sent yet... (it is the last command above, so only a
        // refused MAIL/XFORWARD gets here, handled before).
        result.reply = temp("4.3.0", "Internal relay error");
    } else if (replies[data_at].code != 354) {
        result.reply = replies[data_at];
    } else {
        // Trace fields start with a name, never with '.': they need no stuffing.
        auto stuffed = smtp::dot_stuff(data);
        if (!trace.empty())
            stuffed.insert(stuffed.begin(), trace);
        auto w = co_await write(*c, stuffed, config_.data_timeout);
        Result<smtp::Reply> final_reply = fail(Error::temp("unset"));
        if (w) {
            final_reply = co_await read_reply(*c, config_.data_timeout);
        } else {
            final_reply = fail(w.error());
        }
        if (!final_reply) {
            c->transport->close();
            RelayResult r = failed(final_reply.error(), n);
            r.tls = c->tls;
            co_return r;
        }
        result.reply = std::move(*final_reply);
    }
    // 421: the server is closing this connection; anything else leaves it usable.
    const bool reusable = c->transport->is_open() && result.reply.code != 421;
    if (reusable && idle_.size() < config_.max_idle) {
        idle_.push_back(std::move(c));
    } else {
        c->transport->close();
    }
    co_return result;
}

}  // namespace sealgate::net
