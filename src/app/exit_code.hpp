// app/exit_code.hpp — the CLI's exit status for each kind of error (the table in
// core/error.hpp). Scripts depend on these: 1 for a refusal that trying again will not change,
// 75 (EX_TEMPFAIL) when trying again later may succeed, 70 (EX_SOFTWARE) for a bug.
#pragma once

#include "core/error.hpp"

namespace sealgate::app {

constexpr int kExitFailure = 1;
constexpr int kExitSoftware = 70;  // sysexits.h EX_SOFTWARE
constexpr int kExitTempFail = 75;  // sysexits.h EX_TEMPFAIL

constexpr int exit_code(ErrorKind kind) {
    switch (kind) {
        case ErrorKind::temporary:
            return kExitTempFail;
        case ErrorKind::internal:
            return kExitSoftware;
        case ErrorKind::bad_input:
        case ErrorKind::usage:
        case ErrorKind::not_found:
        case ErrorKind::conflict:
        case ErrorKind::needs_force:
        case ErrorKind::ambiguous:
        case ErrorKind::unusable:
            break;
    }
    return kExitFailure;
}

}  // namespace sealgate::app
