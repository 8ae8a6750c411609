// core/log.hpp — the daemon's log line: one event per line on stderr, after the time
// (core/time.hpp format_timestamp) and "sealgate:"; journald or syslog picks it up. The gateway
// and the admin listener write their events with it, so every line of `sealgate serve` reads
// the same. Thread-safe (one fprintf per line).
#pragma once

#include <string>

namespace sealgate {

// "2026-11-29 12:00:05 UTC sealgate: <text>"
void log_line(const std::string& text);

}  // namespace sealgate
