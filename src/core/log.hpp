// core/log.hpp — the daemon's log line: one event per line on stderr, after the time
// (core/time.hpp format_timestamp) and "sealgate:"; journald or syslog picks it up. The gateway
// and the admin listener write their events with it, so every line of `sealgate serve` reads
// the same. Thread-safe (one fprintf per line).
//
// With set_log_format(json) ([log] format = "json") every line is one JSON object instead:
// {"time":"2026-11-29T12:00:05Z","text":"<text>"} for log_line(), and for log_event() "time"
// followed by the event's fields (core/log_fields.hpp; docs/logging.md).
#pragma once

#include <string>
#include <string_view>

#include "core/log_fields.hpp"

namespace sealgate {

// "2026-11-29 12:00:05 UTC sealgate: <text>"
void log_line(const std::string& text);

// "2026-11-29 12:00:05 UTC sealgate: <prefix><key=value ...>", or the JSON object.
void log_event(std::string_view prefix, const LogFields& fields);

// For the whole process; set once at start (before threads), text by default.
void set_log_format(LogFormat format);
LogFormat log_format();

}  // namespace sealgate
