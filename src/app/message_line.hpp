// app/message_line.hpp — the log line of `serve` for each copy of a message: a stable
// interface (docs/logging.md), key=value or, with [log] format = "json", one JSON object.
//
// A message yields one line per copy it was split into (one, unless its recipients need
// different treatments), written once the reply to the client is known, so that every line
// carries the message's result and duration. A message refused before any copy was made gets
// one line per direction of its recipients. Values are escaped by core/log_fields.hpp: nothing
// a client sends (Message-ID, addresses) can end the line or add a field. No secret is ever in
// it: thumbprints and fingerprints name keys, never their material.
#pragma once

#include <cstdint>
#include <string>

#include "core/log_fields.hpp"
#include "model/records.hpp"

namespace sealgate::app {

struct MessageLine {
    LogRecord copy;                // queue id, message-id, addresses, what was done, TLS, detail
    std::size_t index = 1;         // this copy, from 1
    std::size_t copies = 1;        // lines of this message
    int result = 0;                // the reply code to the end of DATA
    std::string status;            // its enhanced status code, e.g. "2.0.0"; may be empty
    std::int64_t duration_ms = 0;  // end of DATA to the reply
    std::uint64_t size = 0;        // bytes received
};

// In the order of docs/logging.md. format: text puts angle brackets around the addresses and
// the Message-ID (so that an empty one shows) and writes `verified` as yes/no.
LogFields message_fields(const MessageLine& line, LogFormat format);

}  // namespace sealgate::app
