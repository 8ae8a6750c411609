// app/change_listener.hpp — a node learns of another node's change at once: LISTEN on the
// PostgreSQL store's change channel (docs/cluster.md, "How changes reach every node").
//
// Every policy write on PostgreSQL notifies the channel `sealgate_changes` in its transaction
// (store/pg_store.hpp), delivered when it commits. The listener keeps a connection of its own
// (pg::Connection, store/pg_connection.hpp) that does nothing but LISTEN, and waits for it on
// the gateway's io loop through libpq's socket (asio::posix::stream_descriptor): no thread, no
// polling.
//
// Contract:
//   - run() connects, LISTENs and calls on_change(): a full reload, because notices sent while
//     no listener was connected are lost for good; that holds for the first connection and for
//     every reconnect. Then each time notices arrive it calls on_change() once for them (the
//     gateway reloads at once; request_reload() coalesces a burst).
//   - A connection that cannot be made or is lost is tried again with a backoff from 100 ms,
//     doubling, capped at 1 s. The episode is reported once ("change listener: ... lost"), and
//     once when it listens again; never per try. Meanwhile the gateway's once-a-second poll
//     sees changes: the listener makes changes faster, never makes them seen.
//   - On the io loop only. run() returns when `stop` says so at its next wake-up; a loop that
//     is stopped just drops it (the descriptor is released to libpq before the connection is
//     closed, never closed twice).
//   - notices() counts the notices received (tests, the log).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include <asio/awaitable.hpp>

namespace sealgate::app {

class ChangeListener {
  public:
    using OnChange = std::function<void(const std::string& why)>;
    using Report = std::function<void(const std::string&)>;

    // conninfo: either libpq form; password: empty, or the one read from [store] password_file.
    ChangeListener(std::string conninfo, std::string password, OnChange on_change, Report report);

    asio::awaitable<void> run(std::function<bool()> stop);
    std::uint64_t notices() const { return notices_; }

    // The channel every policy write notifies (store/pg_store.hpp notifies it).
    static constexpr const char* kChannel = "sealgate_changes";

  private:
    std::string conninfo_;
    std::string password_;
    OnChange on_change_;
    Report report_;
    std::uint64_t notices_ = 0;
};

}  // namespace sealgate::app
