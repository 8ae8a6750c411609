#include "admin/accounts.hpp"

#include <gtest/gtest.h>

#include "support/store.hpp"

namespace sealgate::admin {
namespace {

TEST(Passwords, Argon2idRoundTrip) {
    const auto hash = hash_password("correct horse battery");
    ASSERT_TRUE(hash) << hash.error().reason;
    EXPECT_EQ(hash->rfind("$argon2id$v=19$m=65536,t=3,p=1$", 0), 0u) << *hash;
    EXPECT_EQ(hash->find("correct"), std::string::npos);
    EXPECT_TRUE(*verify_password(*hash, "correct horse battery"));
    EXPECT_FALSE(*verify_password(*hash, "correct horse batterY"));
    EXPECT_FALSE(*verify_password(*hash, ""));
    EXPECT_NE(*hash_password("correct horse battery"), *hash);  // a new salt each time
    EXPECT_FALSE(verify_password("$argon2id$garbage", "x"));
}

TEST(Passwords, Rules) {
    EXPECT_TRUE(check_password("12345678"));
    EXPECT_FALSE(check_password(""));
    EXPECT_FALSE(check_password("1234567"));
    EXPECT_FALSE(check_password(std::string(1025, 'x')));
    EXPECT_FALSE(check_password(std::string("1234\n5678")));
    EXPECT_FALSE(
        check_password(std::string("1234\0"
                                   "5678",
                                   9)));
    EXPECT_FALSE(hash_password("short"));
}

TEST(Names, Rules) {
    for (const char* good : {"alice", "a", "deploy-2.ci_x", "A1"})
        EXPECT_TRUE(check_account_name(good)) << good;
    for (const char* bad : {"", "-x", ".x", "_x", "a b", "a/b", "ä", "a\n"})
        EXPECT_FALSE(check_account_name(bad)) << bad;
    EXPECT_FALSE(check_account_name(std::string(65, 'a')));
}

class AccountsTest : public ::testing::Test {
  protected:
    test::TempDir dir_;
    std::unique_ptr<SqliteStore> store_ = test::open_store(dir_);
};

TEST_F(AccountsTest, UsersAreAuditedAndRefusalsWriteNothing) {
    ASSERT_TRUE(store_);
    Accounts accounts(*store_, Actor{"cli:root", "node-a"});
    ASSERT_TRUE(accounts.add_user("alice", AdminRole::admin, "alice's password"));
    EXPECT_EQ(accounts.add_user("alice", AdminRole::viewer, "another password").error().kind,
              ErrorKind::conflict);
    EXPECT_EQ(accounts.add_user("bob", AdminRole::viewer, "short").error().kind,
              ErrorKind::bad_input);
    EXPECT_EQ(accounts.set_password("nobody", "long enough").error().kind, ErrorKind::not_found);
    ASSERT_TRUE(accounts.set_password("alice", "alice's new password"));
    const auto stored = store_->find_account("alice");
    ASSERT_TRUE(stored && *stored);
    EXPECT_TRUE(*verify_password((*stored)->password_hash, "alice's new password"));
    ASSERT_TRUE(accounts.remove_user("alice"));
    EXPECT_EQ(accounts.remove_user("alice").error().kind, ErrorKind::not_found);

    const auto audit = store_->query_audit(AuditQuery{});
    ASSERT_TRUE(audit);
    std::vector<std::string> seen;
    for (const auto& r : *audit) {
        EXPECT_EQ(r.actor, "cli:root");
        EXPECT_EQ(r.node, "node-a");
        seen.push_back(r.action + " " + r.object);
    }
    EXPECT_EQ(seen, (std::vector<std::string>{"account.add alice", "account.password alice",
                                              "account.remove alice"}));
}

TEST_F(AccountsTest, TokensAreStoredHashedAndAuthenticate) {
    ASSERT_TRUE(store_);
    Accounts accounts(*store_, Actor{"user:alice", "node-a"});
    const auto made = accounts.create_token("deploy", AdminRole::viewer);
    ASSERT_TRUE(made) << made.error().reason;
    EXPECT_EQ(made->secret.size(), 43u);
    EXPECT_EQ(made->token.token_hash.size(), 64u);
    EXPECT_EQ(made->token.token_hash.find(made->secret), std::string::npos);
    EXPECT_EQ(accounts.create_token("deploy", AdminRole::admin).error().kind, ErrorKind::conflict);

    const auto found = accounts.authenticate_token(made->secret, 1000000);
    ASSERT_TRUE(found && *found);
    EXPECT_EQ((*found)->name, "deploy");
    EXPECT_EQ((*found)->role, AdminRole::viewer);
    EXPECT_EQ((*found)->last_used, 1000000);
    // last_used moves at most once an hour.
    ASSERT_TRUE(accounts.authenticate_token(made->secret, 1000000 + 60));
    EXPECT_EQ((*accounts.list_tokens())[0].last_used, 1000000);
    ASSERT_TRUE(accounts.authenticate_token(made->secret, 1000000 + 3600));
    EXPECT_EQ((*accounts.list_tokens())[0].last_used, 1000000 + 3600);

    std::string wrong = made->secret;
    wrong[0] = wrong[0] == 'A' ? 'B' : 'A';
    for (const std::string& bad :
         {wrong, std::string(), made->secret + "x", std::string(43, '!'), made->token.token_hash}) {
        const auto r = accounts.authenticate_token(bad, 1000000);
        ASSERT_TRUE(r);
        EXPECT_FALSE(*r) << bad;
    }
    ASSERT_TRUE(accounts.revoke_token("deploy"));
    EXPECT_FALSE(*accounts.authenticate_token(made->secret, 1000000));
    EXPECT_EQ(accounts.revoke_token("deploy").error().kind, ErrorKind::not_found);
}

}  // namespace
}  // namespace sealgate::admin
