// core/time.hpp — the one way sealgate writes a point in time for people: UTC, ISO 8601 order,
// the zone spelled out. What the CLI prints, what the logs say and what a refusal's reason
// says ("expired on 2026-11-29 12:00 UTC") all come from here. (Dates inside mail, RFC 5322
// §3.3, are smtp::rfc5322_date's.)
#pragma once

#include <ctime>
#include <string>

namespace sealgate {

// "2026-11-29 12:00 UTC": validity periods, CTL and CRL dates, key expiry in the CLI.
std::string format_time(std::time_t t);

// "2026-11-29 12:00:05 UTC": the logs, and OpenPGP key validity reasons.
std::string format_timestamp(std::time_t t);

}  // namespace sealgate
