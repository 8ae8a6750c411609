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

TEST(Error, KindFollowsTheConstructor) {
    struct Row {
        Error error;
        ErrorKind kind;
        bool temporary;
    };
    const Row rows[] = {
        {Error::temp("x"), ErrorKind::temporary, true},
        {Error::temp("4.7.0", "later", "x"), ErrorKind::temporary, true},
        {Error::perm(421, "4.4.2", "closing", "x"), ErrorKind::temporary, true},
        {Error::perm(550, "5.7.1", "required", "x"), ErrorKind::unusable, false},
        {Error::perm(501, "5.1.3", "syntax", "x"), ErrorKind::bad_input, false},
        {Error::perm(552, "5.3.4", "too big", "x"), ErrorKind::bad_input, false},
        {Error::bad_input("x"), ErrorKind::bad_input, false},
        {Error::usage("x"), ErrorKind::usage, false},
        {Error::not_found("x"), ErrorKind::not_found, false},
        {Error::conflict("x"), ErrorKind::conflict, false},
        {Error::needs_force("x"), ErrorKind::needs_force, false},
        {Error::ambiguous("x"), ErrorKind::ambiguous, false},
        {Error::unusable("x"), ErrorKind::unusable, false},
        {Error::internal("x"), ErrorKind::internal, true},
    };
    for (const auto& row : rows) {
        EXPECT_EQ(row.error.kind, row.kind) << row.error.reply();
        EXPECT_EQ(row.error.temporary(), row.temporary) << to_string(row.kind);
    }
}

// An administrator's error chooses no SMTP reply: should one reach a client, it fails closed.
TEST(Error, AdminErrorsHaveNoReplyOfTheirOwn) {
    for (const Error& e : {Error::not_found("no domain x"), Error::conflict("exists"),
                           Error::ambiguous("2 match"), Error::unusable("revoked")}) {
        EXPECT_EQ(e.reply(), "451 4.3.0 Temporary local problem, try again later");
        EXPECT_FALSE(e.temporary());
    }
    EXPECT_EQ(Error::usage("x").reply(), "500 5.5.2 Usage error");
}

TEST(Error, ContextPrefixesReason) {
    const Error e = Error::bad_input("truncated").with_context("cms");
    EXPECT_EQ(e.reason, "cms: truncated");
    EXPECT_EQ(e.code, 554);
    EXPECT_EQ(e.kind, ErrorKind::bad_input);
    EXPECT_EQ(Error::not_found("x").with_context("cert").kind, ErrorKind::not_found);
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
