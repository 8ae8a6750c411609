#include "app/change_listener.hpp"

#include <algorithm>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>
#include <chrono>
#include <optional>

#include "app/store_watch.hpp"
#include "core/text.hpp"
#include "store/pg_connection.hpp"

namespace sealgate::app {

namespace {

constexpr auto kFirstRetry = std::chrono::milliseconds(100);
constexpr auto kMaxRetry = std::chrono::milliseconds(1000);

// libpq owns the socket: the descriptor only watches it, and gives it back before libpq closes
// it (PQfinish, PQreset), however the frame ends.
struct Watched {
    asio::posix::stream_descriptor descriptor;
    ~Watched() { descriptor.release(); }
};

}  // namespace

ChangeListener::ChangeListener(std::string conninfo, std::string password, OnChange on_change,
                               Report report)
    : conninfo_(std::move(conninfo)),
      password_(std::move(password)),
      on_change_(std::move(on_change)),
      report_(std::move(report)) {}

asio::awaitable<void> ChangeListener::run(std::function<bool()> stop) {
    const auto executor = co_await asio::this_coro::executor;
    asio::steady_timer timer(executor);
    auto backoff = std::chrono::milliseconds(kFirstRetry);
    bool failing = false;  // an episode was reported, its end is not yet
    bool connected_once = false;
    while (!stop()) {
        auto conn = pg::Connection::connect(conninfo_, password_);
        Status listening = conn ? conn->exec(std::string("LISTEN ") + kChannel)
                                : Status(fail(std::move(conn.error())));
        if (!listening) {
            if (!failing)
                report_(
                    "change listener: cannot listen for changes, trying again (the store is "
                    "polled every second meanwhile): " +
                    collapse_space(listening.error().reason));
            failing = true;
            timer.expires_after(backoff);
            std::error_code ec;
            co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
            backoff = std::min(backoff * 2, kMaxRetry);
            continue;
        }
        if (failing)
            report_(
                "change listener: listening again; reloading in full (notices sent "
                "meanwhile are lost)");
        failing = false;
        backoff = kFirstRetry;
        // Notices sent before this LISTEN never arrive: reload whatever the generation says.
        on_change_(connected_once ? "change listener reconnected" : "change listener connected");
        connected_once = true;

        Watched watched{asio::posix::stream_descriptor(executor, conn->socket())};
        std::string lost;
        while (lost.empty()) {
            std::error_code ec;
            co_await watched.descriptor.async_wait(asio::posix::descriptor_base::wait_read,
                                                   asio::redirect_error(asio::use_awaitable, ec));
            if (stop())
                co_return;
            if (ec) {
                lost = ec.message();
                break;
            }
            if (auto st = conn->consume_input(); !st) {
                lost = st.error().reason;
                break;
            }
            if (conn->broken()) {
                lost = "the connection is broken";
                break;
            }
            const auto notes = conn->notifications();
            if (!notes.empty()) {
                notices_ += notes.size();
                on_change_("store changed (generation " + notes.back().payload + ")");
            }
        }
        report_(
            "change listener: connection lost, reconnecting (the store is polled every "
            "second meanwhile): " +
            collapse_space(lost));
        failing = true;
    }
}

}  // namespace sealgate::app
