// The CLI's exit status per kind of error (app/exit_code.hpp): scripts depend on every row.
#include "app/exit_code.hpp"

#include <gtest/gtest.h>

namespace sealgate::app {
namespace {

struct Row {
    ErrorKind kind;
    int exit;
};

constexpr Row kTable[] = {
    {ErrorKind::bad_input, 1},  {ErrorKind::usage, 1},     {ErrorKind::not_found, 1},
    {ErrorKind::conflict, 1},   {ErrorKind::ambiguous, 1}, {ErrorKind::unusable, 1},
    {ErrorKind::temporary, 75}, {ErrorKind::internal, 70}, {ErrorKind::needs_force, 1},
};

TEST(ExitCode, EveryKindHasItsStatus) {
    for (const auto& row : kTable)
        EXPECT_EQ(exit_code(row.kind), row.exit) << to_string(row.kind);
}

// The errors made before kinds existed keep their statuses: 75 exactly for a 4xx reply.
TEST(ExitCode, SmtpErrorsKeepTheirStatus) {
    EXPECT_EQ(exit_code(Error::temp("store locked").kind), 75);
    EXPECT_EQ(exit_code(Error::perm(451, "4.7.0", "later", "x").kind), 75);
    EXPECT_EQ(exit_code(Error::perm(421, "4.4.2", "closing", "x").kind), 75);
    EXPECT_EQ(exit_code(Error::perm(550, "5.7.1", "refused", "x").kind), 1);
    EXPECT_EQ(exit_code(Error::perm(501, "5.1.3", "syntax", "x").kind), 1);
    EXPECT_EQ(exit_code(Error::bad_input("truncated").kind), 1);
    EXPECT_EQ(exit_code(Error::usage("bad option").kind), 1);
}

}  // namespace
}  // namespace sealgate::app
