// core/time.hpp: the one UTC time formatter of the CLI, the logs and the refusal reasons.
#include "core/time.hpp"

#include <gtest/gtest.h>

namespace sealgate {
namespace {

constexpr std::time_t kWhen = 1795953605;  // 2026-11-29 12:00:05 UTC

TEST(Time, MinutesForPeople) {
    EXPECT_EQ(format_time(kWhen), "2026-11-29 12:00 UTC");
    EXPECT_EQ(format_time(0), "1970-01-01 00:00 UTC");
}

TEST(Time, SecondsForTheLogs) {
    EXPECT_EQ(format_timestamp(kWhen), "2026-11-29 12:00:05 UTC");
    EXPECT_EQ(format_timestamp(0), "1970-01-01 00:00:00 UTC");
}

// Validity periods run to 9999-12-31 (RFC 5280 §4.1.2.5) and past 2038.
TEST(Time, FarFuture) {
    EXPECT_EQ(format_time(253402300799), "9999-12-31 23:59 UTC");
    EXPECT_EQ(format_timestamp(2147483648), "2038-01-19 03:14:08 UTC");
}

}  // namespace
}  // namespace sealgate
