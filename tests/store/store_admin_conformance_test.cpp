// Conformance suite for the Store's administration side: the mail log search (filters and
// paging), the audit log, admin accounts, API tokens and settings. Written against Store& only,
// like store_conformance_test.cpp; none of these writes may bump the generation.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "store/store.hpp"
#include "store/store_backends.hpp"
#include "support/result.hpp"
#include "support/temp_dir.hpp"

namespace sealgate {
namespace {

using test::StoreFactory;

class StoreAdminConformance : public ::testing::TestWithParam<StoreFactory> {
  protected:
    void SetUp() override {
        store_ = GetParam().make(dir_, 100000);
        ASSERT_NE(store_, nullptr);
    }
    Store& store() { return *store_; }
    std::uint64_t gen() { return value_of(store().generation()); }

    // The queue ids of what query finds, in the order returned.
    std::vector<std::string> queue_ids(const LogQuery& query) {
        std::vector<std::string> out;
        for (const auto& r : value_of(store().query_log(query)))
            out.push_back(r.queue_id);
        return out;
    }

    test::TempDir dir_;
    std::unique_ptr<Store> store_;
};

using Ids = std::vector<std::string>;

// Six copies: Q1..Q6 at times 1001..1006, with different senders, recipients and outcomes.
void fill_log(Store& store) {
    const auto record = [](int n, std::string sender, std::vector<std::string> recipients,
                           CopyAction action, std::string method) {
        LogRecord r;
        r.time = 1000 + n;
        r.queue_id = "Q" + std::to_string(n);
        r.message_id = "<m" + std::to_string(n) + "@x>";
        r.sender = std::move(sender);
        r.recipients = std::move(recipients);
        r.direction = Direction::outbound;
        r.action = action;
        r.method = std::move(method);
        return r;
    };
    ASSERT_OK(store.append_logs({
        record(1, "Alice@Example.com", {"bob@partner.example"}, CopyAction::encrypted, "smime"),
        record(2, "carol@example.com", {"Bob@Partner.Example", "dave@other.example"},
               CopyAction::encrypted, "pgp"),
        record(3, "alice@example.com", {"eve@other.example"}, CopyAction::passed, ""),
        record(4, "alice@example.com.evil", {"bob@partner.example.evil"}, CopyAction::rejected, ""),
        record(5, "carol@example.com", {"dave@other.example", "bob@partner.example"},
               CopyAction::encrypted, "smime"),
        record(6, "alice@example.com", {"bob@partner.example"}, CopyAction::deferred, "smime"),
    }));
}

TEST_P(StoreAdminConformance, LogFiltersBySenderInAnyCase) {
    fill_log(store());
    LogQuery q;
    q.sender = "ALICE@example.COM";
    EXPECT_EQ(queue_ids(q), (Ids{"Q1", "Q3", "Q6"}));  // exact: not Q4's longer address
    q.sender = "nobody@example.com";
    EXPECT_TRUE(queue_ids(q).empty());
}

TEST_P(StoreAdminConformance, LogFiltersByAnyOfTheRecipients) {
    fill_log(store());
    LogQuery q;
    q.recipient = "bob@partner.example";
    EXPECT_EQ(queue_ids(q), (Ids{"Q1", "Q2", "Q5", "Q6"}));  // first or later, any case
    q.recipient = "dave@other.example";
    EXPECT_EQ(queue_ids(q), (Ids{"Q2", "Q5"}));
    // A record with several recipients comes back once, with all of them, in their order.
    const auto found = value_of(store().query_log(q));
    ASSERT_EQ(found.size(), 2u);
    EXPECT_EQ(found[0].recipients,
              (std::vector<std::string>{"Bob@Partner.Example", "dave@other.example"}));
}

TEST_P(StoreAdminConformance, LogFiltersByActionAndMethod) {
    fill_log(store());
    LogQuery q;
    q.action = CopyAction::encrypted;
    EXPECT_EQ(queue_ids(q), (Ids{"Q1", "Q2", "Q5"}));
    q.method = "smime";
    EXPECT_EQ(queue_ids(q), (Ids{"Q1", "Q5"}));
    q.method = "pgp";
    EXPECT_EQ(queue_ids(q), Ids{"Q2"});
    q.action = CopyAction::rejected;
    EXPECT_TRUE(queue_ids(q).empty());
    q.method.clear();
    EXPECT_EQ(queue_ids(q), Ids{"Q4"});
    LogQuery by_method;
    by_method.method = "smime";
    EXPECT_EQ(queue_ids(by_method), (Ids{"Q1", "Q5", "Q6"}));
}

TEST_P(StoreAdminConformance, LogFiltersBySinceAndCombines) {
    fill_log(store());
    LogQuery q;
    q.since = 1005;  // at or after
    EXPECT_EQ(queue_ids(q), (Ids{"Q5", "Q6"}));
    q.since = 1002;
    q.sender = "carol@example.com";
    q.recipient = "bob@partner.example";
    q.action = CopyAction::encrypted;
    q.method = "smime";
    EXPECT_EQ(queue_ids(q), Ids{"Q5"});
    q.message_id = "<m2@x>";
    EXPECT_TRUE(queue_ids(q).empty());
}

TEST_P(StoreAdminConformance, LogPagesWithBeforeId) {
    fill_log(store());
    LogQuery q;
    q.last = 2;
    const auto page1 = value_of(store().query_log(q));
    ASSERT_EQ(page1.size(), 2u);
    EXPECT_EQ(page1[0].queue_id, "Q5");
    EXPECT_EQ(page1[1].queue_id, "Q6");
    q.before_id = page1.front().id;  // the oldest of the page
    EXPECT_EQ(queue_ids(q), (Ids{"Q3", "Q4"}));
    q.before_id = value_of(store().query_log(q)).front().id;
    EXPECT_EQ(queue_ids(q), (Ids{"Q1", "Q2"}));
    q.before_id = value_of(store().query_log(q)).front().id;
    EXPECT_TRUE(queue_ids(q).empty());
    // With a filter, a page holds only matching records.
    LogQuery alice;
    alice.sender = "alice@example.com";
    alice.last = 1;
    alice.before_id = page1[1].id;  // below Q6
    EXPECT_EQ(queue_ids(alice), Ids{"Q3"});
}

AuditRecord audit(std::time_t time, std::string action, std::string object, std::string change) {
    AuditRecord r;
    r.time = time;
    r.actor = "cli:root";
    r.action = std::move(action);
    r.object = std::move(object);
    r.change = std::move(change);
    r.node = "gw-" + std::to_string(time);
    return r;
}

TEST_P(StoreAdminConformance, AuditKeepsRecordsInOrderWithoutBumpingTheGeneration) {
    const auto before = gen();
    ASSERT_OK(store().append_audit(audit(10, "domain.add", "partner.example", "local: no")));
    ASSERT_OK(store().append_audit(
        audit(11, "domain.update", "partner.example", "encrypt_mode: none -> mandatory")));
    ASSERT_OK(store().append_audit(audit(0, "ctl.set", std::string(64, 'a'), "trust")));
    EXPECT_EQ(gen(), before) << "the audit log is not policy";

    const auto all = value_of(store().query_audit(AuditQuery{}));
    ASSERT_EQ(all.size(), 3u);
    EXPECT_LT(all[0].id, all[1].id);
    EXPECT_LT(all[1].id, all[2].id);
    EXPECT_EQ(all[0].time, 10);
    EXPECT_EQ(all[0].actor, "cli:root");
    EXPECT_EQ(all[0].action, "domain.add");
    EXPECT_EQ(all[0].object, "partner.example");
    EXPECT_EQ(all[0].change, "local: no");
    EXPECT_EQ(all[0].node, "gw-10");
    EXPECT_EQ(all[1].node, "gw-11");
    EXPECT_EQ(all[1].change, "encrypt_mode: none -> mandatory");
    EXPECT_GT(all[2].time, 1600000000) << "time 0 is stored as now";
}

TEST_P(StoreAdminConformance, AuditFiltersByObjectAndPages) {
    for (int i = 1; i <= 5; ++i)
        ASSERT_OK(store().append_audit(audit(i, "domain.update", i % 2 ? "odd.example" : "even",
                                             "change " + std::to_string(i))));
    AuditQuery q;
    q.object = "odd.example";
    auto odd = value_of(store().query_audit(q));
    ASSERT_EQ(odd.size(), 3u);
    EXPECT_EQ(odd[0].change, "change 1");
    EXPECT_EQ(odd[2].change, "change 5");
    q.object = "ODD.example";  // exact
    EXPECT_TRUE(value_of(store().query_audit(q)).empty());

    AuditQuery page;
    page.last = 2;
    const auto newest = value_of(store().query_audit(page));
    ASSERT_EQ(newest.size(), 2u);
    EXPECT_EQ(newest[0].change, "change 4");
    EXPECT_EQ(newest[1].change, "change 5");
    page.before_id = newest[0].id;
    const auto older = value_of(store().query_audit(page));
    ASSERT_EQ(older.size(), 2u);
    EXPECT_EQ(older[0].change, "change 2");
    EXPECT_EQ(older[1].change, "change 3");
    page.object = "odd.example";
    const auto odd_older = value_of(store().query_audit(page));
    ASSERT_EQ(odd_older.size(), 2u);
    EXPECT_EQ(odd_older[0].change, "change 1");
    EXPECT_EQ(odd_older[1].change, "change 3");
    page.last = 0;
    EXPECT_TRUE(value_of(store().query_audit(page)).empty());
}

TEST_P(StoreAdminConformance, AccountsArePutFoundListedAndRemoved) {
    const auto before = gen();
    EXPECT_FALSE(value_of(store().find_account("alice")).has_value());
    ASSERT_OK(store().put_account(AdminAccount{"alice", AdminRole::admin, "$argon2id$a", 100}));
    ASSERT_OK(store().put_account(AdminAccount{"bob", AdminRole::viewer, "$argon2id$b", 0}));
    auto alice = value_of(store().find_account("alice"));
    ASSERT_TRUE(alice.has_value());
    EXPECT_EQ(alice->role, AdminRole::admin);
    EXPECT_EQ(alice->password_hash, "$argon2id$a");
    EXPECT_EQ(alice->created, 100);
    EXPECT_FALSE(value_of(store().find_account("Alice")).has_value()) << "names are exact";

    ASSERT_OK(store().put_account(AdminAccount{"alice", AdminRole::viewer, "$argon2id$c", 100}));
    alice = value_of(store().find_account("alice"));
    ASSERT_TRUE(alice.has_value());
    EXPECT_EQ(alice->role, AdminRole::viewer);
    EXPECT_EQ(alice->password_hash, "$argon2id$c");

    const auto all = value_of(store().list_accounts());
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0].name, "alice");
    EXPECT_EQ(all[1].name, "bob");
    EXPECT_GT(all[1].created, 1600000000) << "created 0 is stored as now";

    EXPECT_TRUE(value_of(store().remove_account("alice")));
    EXPECT_FALSE(value_of(store().remove_account("alice")));
    EXPECT_EQ(value_of(store().list_accounts()).size(), 1u);
    EXPECT_EQ(gen(), before) << "accounts are not policy";
}

TEST_P(StoreAdminConformance, TokensAreFoundByTheirHashOnly) {
    const auto before = gen();
    const std::string hash1(64, 'a');
    const std::string hash2(64, 'b');
    ASSERT_OK(store().put_token(ApiToken{"deploy", AdminRole::admin, hash1, 100, 0}));
    ASSERT_OK(store().put_token(ApiToken{"monitor", AdminRole::viewer, hash2, 100, 0}));
    EXPECT_FALSE(value_of(store().find_token_by_hash(std::string(64, 'c'))).has_value());
    auto deploy = value_of(store().find_token_by_hash(std::string(64, 'A')));  // hex, any case
    ASSERT_TRUE(deploy.has_value());
    EXPECT_EQ(deploy->name, "deploy");
    EXPECT_EQ(deploy->role, AdminRole::admin);
    EXPECT_EQ(deploy->token_hash, hash1);
    EXPECT_EQ(deploy->last_used, 0);

    // Recording a use replaces the token by its name.
    deploy->last_used = 200;
    ASSERT_OK(store().put_token(*deploy));
    EXPECT_EQ(value_of(store().find_token_by_hash(hash1))->last_used, 200);

    // Another token's hash is refused and changes nothing.
    EXPECT_FALSE(store().put_token(ApiToken{"clash", AdminRole::admin, hash2, 100, 0}));
    EXPECT_FALSE(store().put_token(ApiToken{"monitor", AdminRole::admin, hash1, 100, 0}));
    const auto all = value_of(store().list_tokens());
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0].name, "deploy");
    EXPECT_EQ(all[1].name, "monitor");
    EXPECT_EQ(all[1].role, AdminRole::viewer);
    EXPECT_EQ(all[1].token_hash, hash2);

    EXPECT_TRUE(value_of(store().remove_token("deploy")));
    EXPECT_FALSE(value_of(store().remove_token("deploy")));
    EXPECT_FALSE(value_of(store().find_token_by_hash(hash1)).has_value());
    EXPECT_EQ(gen(), before) << "tokens are not policy";
}

TEST_P(StoreAdminConformance, SettingsKeepBytes) {
    const auto before = gen();
    EXPECT_FALSE(value_of(store().find_setting("admin.tls_cert")).has_value());
    const std::string sealed("\x00\xff sealed\x01", 10);
    ASSERT_OK(store().put_setting("admin.tls_key", sealed));
    ASSERT_OK(store().put_setting("admin.tls_cert", "-----BEGIN CERTIFICATE-----"));
    EXPECT_EQ(value_of(store().find_setting("admin.tls_key")), sealed);
    ASSERT_OK(store().put_setting("admin.tls_cert", "replaced"));
    EXPECT_EQ(value_of(store().find_setting("admin.tls_cert")), "replaced");
    const auto all = value_of(store().list_settings());  // by name, bytes kept
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0].name, "admin.tls_cert");
    EXPECT_EQ(all[0].value, "replaced");
    EXPECT_EQ(all[1].name, "admin.tls_key");
    EXPECT_EQ(all[1].value, sealed);
    EXPECT_EQ(gen(), before) << "settings are not policy";
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreAdminConformance,
                         ::testing::Values(test::kSqlite, test::kPostgres),
                         [](const auto& p) { return p.param.name; });

}  // namespace
}  // namespace sealgate
