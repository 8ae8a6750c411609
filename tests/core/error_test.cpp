#include "core/error.hpp"

#include <gtest/gtest.h>

#include "core/result.hpp"

namespace sealgate {
namespace {

TEST(Error, TemporaryFollowsReplyCode) {
    EXPECT_TRUE(Error::temp("store locked").temporary());
    EXPECT_FALSE(Error::perm(550, "5.7.1", "Encryption required", "no cert").temporary());
    EXPECT_EQ(Error::temp("x").reply(), "451 4.3.0 Temporary local problem, try again later");
}

TEST(Error, ContextPrefixesReason) {
    const Error e = Error::bad_input("truncated").with_context("cms");
    EXPECT_EQ(e.reason, "cms: truncated");
    EXPECT_EQ(e.code, 554);
}

Result<int> half(int x) {
    if (x % 2)
        return fail(Error::bad_input("odd"));
    return x / 2;
}

Result<int> quarter(int x) {
    auto h = half(x);
    SEALGATE_TRY(h);
    return half(*h);
}

TEST(Result, TryPropagates) {
    EXPECT_EQ(*quarter(8), 2);
    EXPECT_EQ(quarter(6).error().reason, "odd");
    EXPECT_EQ(quarter(5).error().reason, "odd");
}

}  // namespace
}  // namespace sealgate
