// policy/expiry.hpp — when the end of a certificate's validity is worth a warning.
//
// The administrator is warned before a certificate or OpenPGP key (own or partner's) expires,
// from 30 days before its end (inclusive) on. `cert show` and `status` mark it, the daemon logs
// it at the thresholds below (app/expiry_watch.hpp); all ask these functions, so they always
// agree on the window and on the number of days they print.
#pragma once

#include <ctime>

namespace sealgate::policy {

inline constexpr std::time_t kExpiryWarningWindow = 30 * 24 * 3600;

struct Expiry {
    enum class State { valid, expiring, expired };
    State state = State::valid;
    // expiring: whole days left (0 in the last day); otherwise 0.
    std::time_t days_left = 0;

    bool warn() const { return state != State::valid; }
};

// The state at `now` of a validity that ends at `not_after`: expired once `now` is past it,
// expiring within kExpiryWarningWindow of it.
Expiry expiry(std::time_t not_after, std::time_t now);

// The daemon warns once at each of these many days before the end, and once a day after it.
inline constexpr int kWarningThresholds[] = {30, 14, 7, 1};

// The threshold a validity that ends at `not_after` has reached at `now`: the smallest of
// kWarningThresholds with at most that many days left; 0 while more than 30 days are left, -1
// once it has ended.
int warning_threshold(std::time_t not_after, std::time_t now);

}  // namespace sealgate::policy
