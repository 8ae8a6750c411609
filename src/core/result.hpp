// core/result.hpp — Result<T>: a value or an Error (tl::expected).
//
// Expected failures on the mail path are returned, not thrown. Lookups that can fail in three
// ways return Result<std::optional<T>>: a value (found), nullopt (not found), an error (failed).
// A failed lookup is never read as "not found".
#pragma once

#include <tl/expected.hpp>

#include "core/error.hpp"

namespace sealgate {

template <class T>
using Result = tl::expected<T, Error>;

using Status = tl::expected<void, Error>;

inline tl::unexpected<Error> fail(Error e) {
    return tl::unexpected<Error>(std::move(e));
}

inline Status ok() {
    return {};
}

}  // namespace sealgate

// Propagate an error from an expression that yields a Result; otherwise continue.
#define SEALGATE_TRY(expr)                                               \
    do {                                                                 \
        auto&& sealgate_try_r_ = (expr);                                 \
        if (!sealgate_try_r_)                                            \
            return ::sealgate::fail(std::move(sealgate_try_r_.error())); \
    } while (0)
