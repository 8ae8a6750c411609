#include "policy/expiry.hpp"

namespace sealgate::policy {

Expiry expiry(std::time_t not_after, std::time_t now) {
    const std::time_t left = not_after - now;
    if (left < 0)
        return {Expiry::State::expired, 0};
    if (left <= kExpiryWarningWindow)
        return {Expiry::State::expiring, left / 86400};
    return {};
}

int warning_threshold(std::time_t not_after, std::time_t now) {
    const std::time_t left = not_after - now;
    if (left < 0)
        return -1;
    int reached = 0;
    for (const int days : kWarningThresholds)
        if (left <= static_cast<std::time_t>(days) * 86400)
            reached = days;
    return reached;
}

}  // namespace sealgate::policy
