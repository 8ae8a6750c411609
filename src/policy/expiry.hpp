// policy/expiry.hpp — when the end of a certificate's validity is worth a warning.
//
// The administrator is warned before a partner's certificate expires, from 30 days before its
// end (inclusive) on. `cert show` marks it, the daemon logs it (once a day per certificate
// chosen for a domain); both ask this function, so they always agree on the window and on the
// number of days they print.
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

}  // namespace sealgate::policy
