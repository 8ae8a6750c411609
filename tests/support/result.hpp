// tests/support/result.hpp — Results in tests: ASSERT_OK and value_of fail the test, with the
// error's reason, instead of crashing on an error.
#pragma once

#include <gtest/gtest.h>

#include <utility>

#include "core/result.hpp"

namespace sealgate {

// Unwrap a Result in a test, failing the test (not crashing) on an error.
template <class T>
T value_of(Result<T> r) {
    EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().reason);
    return r ? std::move(*r) : T{};
}

}  // namespace sealgate

#define ASSERT_OK(expr)                                                    \
    do {                                                                   \
        const auto& r_ = (expr);                                           \
        ASSERT_TRUE(r_.has_value()) << #expr << ": " << r_.error().reason; \
    } while (0)
