// app/sd_notify.hpp — the service manager's notification protocol (sd_notify(3)), spoken
// directly: one datagram of newline-separated VAR=value lines to the AF_UNIX socket named by
// $NOTIFY_SOCKET (a path, or "@name" for the abstract namespace). No libsystemd: the protocol is
// documented as stable (systemd's "Interface Portability and Stability" promise) and small.
//
// Contract:
//   - from_environment() reads NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID once and removes
//     them from the environment, so that no process started later (the key process, a helper)
//     speaks for this one. Call it before any thread exists (setenv/unsetenv are not
//     thread-safe).
//   - Without NOTIFY_SOCKET (not started by systemd with Type=notify) every call does nothing.
//   - A failed send is reported by send()'s result and otherwise ignored: the service manager's
//     absence never stops mail.
//   - watchdog_interval(): half of WATCHDOG_USEC (sd_watchdog_enabled(3)'s advice) when the
//     watchdog is on for this process (WATCHDOG_PID unset or ours), else zero.
//   - The messages: READY=1 once the listeners are bound; RELOADING=1 with MONOTONIC_USEC
//     (CLOCK_MONOTONIC, as Type=notify-reload expects) before a reload, READY=1 after it;
//     STOPPING=1 when a stop begins; STATUS= a one-line human-readable state (a newline in it
//     is replaced: it would start a new variable).
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace sealgate::app {

class Notifier {
  public:
    static Notifier from_environment();
    Notifier() = default;
    // socket: a path or "@abstract"; empty: notifications off.
    Notifier(std::string socket, std::chrono::microseconds watchdog_interval);

    bool enabled() const { return !socket_.empty(); }
    std::chrono::microseconds watchdog_interval() const { return watchdog_interval_; }

    // Sends the lines as one datagram; false when it could not be sent (or notifications off).
    bool send(std::string_view lines) const;
    bool ready(std::string_view status) const;
    bool reloading(std::string_view status) const;
    bool stopping(std::string_view status) const;
    bool status(std::string_view status) const;
    bool watchdog() const;

  private:
    std::string socket_;
    std::chrono::microseconds watchdog_interval_{0};
};

// "STATUS=<text>\n" with CR and LF in text turned into spaces.
std::string status_line(std::string_view text);

}  // namespace sealgate::app
