// policy/expiry.hpp: the one 30-day expiry-warning window of `cert show` and the daemon.
#include "policy/expiry.hpp"

#include <gtest/gtest.h>

namespace sealgate::policy {
namespace {

constexpr std::time_t kNow = 1795953605;  // 2026-11-29 12:00:05 UTC
constexpr std::time_t kDay = 86400;

TEST(Expiry, Window) {
    struct Row {
        std::time_t not_after;
        Expiry::State state;
        std::time_t days_left;
    };
    const Row rows[] = {
        {kNow + 365 * kDay, Expiry::State::valid, 0},
        {kNow + 30 * kDay + 1, Expiry::State::valid, 0},  // just outside the window
        {kNow + 30 * kDay, Expiry::State::expiring, 30},  // the window is inclusive
        {kNow + 29 * kDay + kDay - 1, Expiry::State::expiring, 29},
        {kNow + kDay, Expiry::State::expiring, 1},
        {kNow + kDay - 1, Expiry::State::expiring, 0},  // the last day
        {kNow, Expiry::State::expiring, 0},             // still valid at its last second
        {kNow - 1, Expiry::State::expired, 0},
        {kNow - 400 * kDay, Expiry::State::expired, 0},
    };
    for (const auto& row : rows) {
        const Expiry e = expiry(row.not_after, kNow);
        EXPECT_EQ(e.state, row.state) << row.not_after - kNow;
        EXPECT_EQ(e.days_left, row.days_left) << row.not_after - kNow;
        EXPECT_EQ(e.warn(), row.state != Expiry::State::valid) << row.not_after - kNow;
    }
}

TEST(Expiry, WindowIsThirtyDays) {
    EXPECT_EQ(kExpiryWarningWindow, 30 * kDay);
}

}  // namespace
}  // namespace sealgate::policy
