// keyproc/client.hpp — the serve process's side of the key process: the Supervisor that starts,
// watches and restarts it, and the Client that implements keystore::Keys over a channel.
//
// Process model (docs/keys-process.md): `sealgate serve` starts the key process before any
// thread exists (posix_spawn of /proc/self/exe with the hidden subcommand `key-process`, the
// control socket as fd 3). The key process alone loads the master key and unseals private
// keys; serve never does.
//
// Contract:
//   - Supervisor::start() spawns it and waits until it reports ready (master key loaded, store
//     open) or its reason for not starting, which becomes the start-up error of serve.
//   - A key process that dies (EOF on the control socket, its pid reaped) is restarted by the
//     watcher thread: at once after a long run, with a doubling backoff (100 ms .. 2 s) while it
//     crash-loops, so it is back within 3 s; one log line per death. Until it is back,
//     open_channel() fails with Error::temp.
//   - up(): for the readiness check (observe): is a key process running and ready right now.
//   - Client: one per thread. Each request opens a channel first if it has none (a socketpair
//     whose other end goes to the key process over the control socket). A channel that fails
//     (the key process died, a timeout, an unreadable reply) is closed and the request fails with
//     Error::temp "4.7.0" — 451 on the mail path, never plaintext; the next request opens a new
//     one.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/result.hpp"
#include "keyproc/channel.hpp"
#include "keystore/keys.hpp"

namespace sealgate::keyproc {

struct SupervisorOptions {
    // The key process's command line after the program: e.g. {"--config", C, "key-process"}.
    // The program is /proc/self/exe; "--control-fd 3" is appended.
    std::vector<std::string> args;
    // Bound of a request or reply body (max_body_for of [limits] max_message_size).
    std::size_t max_body = 0;
    // How long a client waits for one reply before it gives the channel up.
    std::chrono::milliseconds reply_timeout{60000};
    // One line per event (death, restart); stderr when empty.
    std::function<void(const std::string&)> log;
    // Called after every round trip of a client (any thread): the operation's name, how long it
    // took, whether the key process answered (an error of the operation is an answer). For the
    // metrics (observe: sealgate_key_requests_total and its latency histogram); may be empty.
    std::function<void(std::string_view op, std::chrono::nanoseconds took, bool answered)>
        on_round_trip;
};

class Supervisor : public std::enable_shared_from_this<Supervisor> {
  public:
    static Result<std::shared_ptr<Supervisor>> start(SupervisorOptions options);
    // Stops the watcher and the key process (SIGTERM, then reaped).
    ~Supervisor();
    Supervisor(const Supervisor&) = delete;
    Supervisor& operator=(const Supervisor&) = delete;

    // Readiness (observe's /readyz): a key process is running and has reported ready.
    bool up() const { return up_.load(); }
    // The pid of the running key process (0 when none): for tests and the log.
    pid_t pid() const { return pid_.load(); }
    // Counts the key processes started: a channel from an older one is dead.
    std::uint64_t generation() const { return generation_.load(); }
    // A new channel to the key process, or Error::temp when it is not up.
    Result<Fd> open_channel();
    const SupervisorOptions& options() const { return options_; }
    // A Keys for one thread, talking over channels of this supervisor.
    std::unique_ptr<keystore::Keys> client();

  private:
    explicit Supervisor(SupervisorOptions options);
    // Spawn one key process and wait for its ready message.
    Status spawn();
    void watch();
    void log(const std::string& line) const;

    SupervisorOptions options_;
    std::mutex mutex_;  // control_, spawning
    Fd control_;
    std::atomic<pid_t> pid_{0};
    std::atomic<bool> up_{false};
    std::atomic<std::uint64_t> generation_{0};
    std::atomic<bool> stopping_{false};
    std::condition_variable stop_cv_;
    std::thread watcher_;
};

}  // namespace sealgate::keyproc
