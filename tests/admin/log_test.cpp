// admin::Service reading: the mail log search with its action words and pages, the audit log
// pages, the test message and the status overview.
#include <gtest/gtest.h>

#include "admin/fixture.hpp"

namespace sealgate::admin {
namespace {

LogRecord copy(int n, CopyAction action, std::string method, std::string sender) {
    LogRecord r;
    r.time = 1700000000 + n;
    r.queue_id = "Q" + std::to_string(n);
    r.message_id = "m" + std::to_string(n) + "@example.com";
    r.sender = std::move(sender);
    r.recipients = {"bob@partner.example"};
    r.direction = Direction::outbound;
    r.action = action;
    r.method = std::move(method);
    return r;
}

std::vector<std::string> queue_ids(const LogPage& page) {
    std::vector<std::string> out;
    for (const auto& r : page.entries)
        out.push_back(r.queue_id);
    return out;
}

using Ids = std::vector<std::string>;

TEST(LogAction, NamesEveryOutcome) {
    EXPECT_EQ(log_action(copy(1, CopyAction::encrypted, "smime", "")), "encrypted-smime");
    EXPECT_EQ(log_action(copy(1, CopyAction::encrypted, "pgp", "")), "encrypted-pgp");
    EXPECT_EQ(log_action(copy(1, CopyAction::decrypted, "pgp", "")), "decrypted-pgp");
    EXPECT_EQ(log_action(copy(1, CopyAction::passed, "", "")), "passed");
    EXPECT_EQ(log_action(copy(1, CopyAction::rejected, "", "")), "refused");
    EXPECT_EQ(log_action(copy(1, CopyAction::deferred, "", "")), "deferred");
}

class AdminLogTest : public AdminTest {
  protected:
    void SetUp() override {
        AdminTest::SetUp();
        ASSERT_OK(real_->append_logs({
            copy(1, CopyAction::encrypted, "smime", "alice@example.com"),
            copy(2, CopyAction::encrypted, "pgp", "carol@example.com"),
            copy(3, CopyAction::rejected, "", "alice@example.com"),
            copy(4, CopyAction::passed, "", "Alice@Example.com"),
            copy(5, CopyAction::encrypted, "smime", "carol@example.com"),
        }));
    }
};

TEST_F(AdminLogTest, SearchIsNewestFirstWithFilters) {
    LogSearch all;
    EXPECT_EQ(queue_ids(value_of(service().search_log(all))), (Ids{"Q5", "Q4", "Q3", "Q2", "Q1"}));
    LogSearch smime;
    smime.action = "encrypted-smime";
    EXPECT_EQ(queue_ids(value_of(service().search_log(smime))), (Ids{"Q5", "Q1"}));
    LogSearch refused;
    refused.action = "refused";
    refused.sender = "ALICE@example.com";
    EXPECT_EQ(queue_ids(value_of(service().search_log(refused))), Ids{"Q3"});
    LogSearch since;
    since.since = 1700000004;
    since.recipient = "Bob@Partner.Example";
    EXPECT_EQ(queue_ids(value_of(service().search_log(since))), (Ids{"Q5", "Q4"}));
    LogSearch one;
    one.message_id = "m2@example.com";
    EXPECT_EQ(queue_ids(value_of(service().search_log(one))), Ids{"Q2"});
}

TEST_F(AdminLogTest, SearchPagesWithTheCursor) {
    LogSearch search;
    search.limit = 2;
    const auto first = value_of(service().search_log(search));
    EXPECT_EQ(queue_ids(first), (Ids{"Q5", "Q4"}));
    ASSERT_NE(first.next_cursor, 0);
    search.cursor = first.next_cursor;
    const auto second = value_of(service().search_log(search));
    EXPECT_EQ(queue_ids(second), (Ids{"Q3", "Q2"}));
    search.cursor = second.next_cursor;
    const auto last = value_of(service().search_log(search));
    EXPECT_EQ(queue_ids(last), Ids{"Q1"});
    EXPECT_EQ(last.next_cursor, 0) << "no older entries";
    // A page that ends exactly at the oldest entry says so too.
    search.cursor = first.next_cursor;
    search.limit = 3;
    EXPECT_EQ(value_of(service().search_log(search)).next_cursor, 0);
}

TEST_F(AdminLogTest, SearchRefusesWhatItCannotMean) {
    LogSearch search;
    search.action = "encrypted";
    const auto word = service().search_log(search);
    ASSERT_FALSE(word);
    EXPECT_EQ(word.error().kind, ErrorKind::bad_input);
    for (const std::size_t limit : {std::size_t{0}, std::size_t{1001}}) {
        LogSearch bad;
        bad.limit = limit;
        const auto r = service().search_log(bad);
        ASSERT_FALSE(r);
        EXPECT_EQ(r.error().kind, ErrorKind::bad_input);
    }
    EXPECT_EQ(audit_count(), 0u) << "reads are not audited";
}

TEST_F(AdminTest, TestMessageIsCheckedAndUnique) {
    const auto a = value_of(service().make_test_message("alice@a.example", "bob@b.example", 100));
    const auto b = value_of(service().make_test_message("alice@a.example", "bob@b.example", 100));
    EXPECT_NE(a.message_id, b.message_id);
    EXPECT_TRUE(a.message_id.starts_with("sealgate-test-100-")) << a.message_id;
    EXPECT_TRUE(a.message_id.ends_with("@a.example")) << a.message_id;
    EXPECT_NE(a.text.find("\r\nMessage-ID: <" + a.message_id + ">\r\n"), std::string::npos);
    EXPECT_TRUE(a.text.starts_with("From: <alice@a.example>\r\nTo: <bob@b.example>\r\n"));
    EXPECT_NE(a.text.find("\r\nDate: Thu, 01 Jan 1970 00:01:40 +0000\r\n"), std::string::npos)
        << a.text;
    EXPECT_TRUE(a.text.ends_with("it arrived.\r\n"));
    for (const auto* bad : {"", "alice", "alice@", "bob@b..example"}) {
        const auto refused = service().make_test_message(bad, "bob@b.example", 100);
        ASSERT_FALSE(refused) << bad;
        EXPECT_EQ(refused.error().kind, ErrorKind::bad_input);
        EXPECT_FALSE(service().make_test_message("alice@a.example", bad, 100)) << bad;
    }
}

TEST_F(AdminLogTest, StatusCountsAndNamesWhatExpires) {
    domain("example.com", EncryptMode::none, true);
    domain("partner.example");
    const auto soon = partner_certificate("domain-cert@partner.example", 10);
    partner_certificate("other@partner.example", 365);
    ASSERT_OK(real_->put_ctl(CtlEntry{soon.sha256, CtlAction::trust, 1}));
    const auto st = value_of(service().status(std::time(nullptr)));
    EXPECT_EQ(st.domains, 2u);
    EXPECT_EQ(st.local_domains, 1u);
    EXPECT_EQ(st.certificates, 2u);
    EXPECT_EQ(st.own_certificates, 0u);
    EXPECT_EQ(st.ctl_entries, 1u);
    EXPECT_EQ(st.roots, 0u);
    ASSERT_EQ(st.expiring.size(), 1u);
    EXPECT_EQ(st.expiring[0].kind, "certificate");
    EXPECT_EQ(st.expiring[0].id, soon.sha256);
    EXPECT_EQ(st.expiring[0].expiry.state, policy::Expiry::State::expiring);
    ASSERT_EQ(st.recent_refusals.size(), 1u);
    EXPECT_EQ(st.recent_refusals[0].queue_id, "Q3");
}

TEST_F(AdminTest, AuditPagesNewestFirstAndFiltersByObject) {
    for (const auto* name : {"a.example", "b.example", "c.example"})
        ASSERT_OK(service().add_domain(name, false));
    DomainChange change;
    change.encrypt_mode = EncryptMode::mandatory;
    ASSERT_OK(service().change_domain("a.example", change, false));

    AuditSearch search;
    search.limit = 3;
    const auto first = value_of(service().audit(search));
    ASSERT_EQ(first.entries.size(), 3u);
    EXPECT_EQ(first.entries[0].action, "domain.update");
    EXPECT_EQ(first.entries[2].object, "b.example");
    ASSERT_NE(first.next_cursor, 0);
    search.cursor = first.next_cursor;
    const auto second = value_of(service().audit(search));
    ASSERT_EQ(second.entries.size(), 1u);
    EXPECT_EQ(second.entries[0].object, "a.example");
    EXPECT_EQ(second.next_cursor, 0);

    AuditSearch a;
    a.object = "a.example";
    const auto of_a = value_of(service().audit(a));
    ASSERT_EQ(of_a.entries.size(), 2u);
    EXPECT_EQ(of_a.entries[0].action, "domain.update");
    EXPECT_EQ(of_a.entries[1].action, "domain.add");

    AuditSearch bad;
    bad.limit = 0;
    EXPECT_FALSE(service().audit(bad));
}

}  // namespace
}  // namespace sealgate::admin
