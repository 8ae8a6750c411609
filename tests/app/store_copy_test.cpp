// app/store_copy.hpp: a store with a row in every table is copied whole into an empty store of
// each backend, field by field, and verified by counts and checksums; a target that holds
// anything is refused untouched; a checksum sees a change of one field of one record.
#include "app/store_copy.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "store/store_backends.hpp"
#include "support/result.hpp"
#include "support/temp_dir.hpp"

namespace sealgate::app {
namespace {

using test::StoreFactory;

constexpr std::size_t kRetention = 1000000;

std::string bytes(std::string_view text) {
    return std::string(text) + std::string("\x00\xff\x01", 3);  // binary, NUL included
}

LogRecord log_record(int i) {
    LogRecord r;
    r.time = 1700000000 + i;
    r.queue_id = "Q" + std::to_string(i);
    r.message_id = "m" + std::to_string(i) + "@a.example";
    r.sender = "alice@a.example";
    r.recipients = {"bob@b.example", "carol@b.example"};
    r.direction = Direction::outbound;
    r.action = i % 2 ? CopyAction::encrypted : CopyAction::deferred;
    r.method = "smime";
    r.keys = "ab12,cd34";
    r.algorithm = "aes256-cbc";
    r.detail = "next hop: 250 2.0.0 Ok \"quoted\"";
    r.signature = "signed; signer=ef56";
    r.tls_level = "may";
    r.tls_protocol = "TLSv1.3";
    r.tls_cipher = "TLS_AES_256_GCM_SHA384";
    r.tls_peer = std::string(64, 'c');
    r.tls_verified = i % 3 == 0;
    r.node = i % 2 ? "gw-1" : "gw-2";
    return r;
}

// One or more rows in every table, with binary values and a mail log trimmed by retention (its
// ids start above 1).
void fill(Store& s, std::size_t log_records) {
    DomainRecord d;
    d.name = "b.example";
    d.encrypt_mode = EncryptMode::mandatory;
    d.smime_profile = SmimeProfile::modern;
    d.methods = {Method::pgp, Method::smime};
    d.tls = TlsLevel::verify;
    d.smime_certs = {std::string(64, 'a'), std::string(64, 'f')};
    d.min_rsa_bits = 3072;
    d.on_expired = ExpiredAction::reject;
    d.revocation = Revocation::hard;
    d.accept_signed_updates = true;
    d.sign = SignMode::sign;
    d.require_signature = true;
    d.on_bad_signature = SignatureAction::mark;
    d.keep_signature = true;
    d.header_protection = false;
    ASSERT_OK(s.put_domain(d));
    DomainRecord local;
    local.name = "*.a.example";
    local.local = true;
    ASSERT_OK(s.put_domain(local));

    CertRecord own{std::string(64, 'a'), bytes("der-a"), true, 1700000001, true};
    CertRecord partner{std::string(64, 'b'), bytes("der-b"), false, 1700000002, false};
    ASSERT_OK(s.put_certificate(own));
    ASSERT_OK(s.put_certificate(partner));
    ASSERT_OK(s.put_sealed_key(own.sha256, bytes("sealed-a")));
    ASSERT_OK(s.put_ctl(CtlEntry{partner.sha256, CtlAction::block, 1700000003}));
    ASSERT_OK(s.put_root(RootRecord{std::string(64, 'd'), bytes("root")}));
    ASSERT_OK(s.put_crl(CrlRecord{"CN=ca", bytes("crl"), 1700000004, "http://ca.example/c.crl"}));
    ASSERT_OK(s.put_crl_fetch(
        CrlFetch{"http://ca.example/c.crl", "CN=ca", 1700000005, 1700000004, "timeout"}));
    PgpKeyRecord key;
    key.fingerprint = std::string(40, 'e');
    key.public_key = bytes("public");
    key.sealed_secret = bytes("secret");
    key.trusted = true;
    key.domains = {"b.example", "c.example"};
    key.added = 1700000006;
    key.retired = true;
    ASSERT_OK(s.put_pgp_key(key));
    ASSERT_OK(s.put_account(AdminAccount{"alice", AdminRole::admin, "$argon2id$x", 1700000007}));
    ASSERT_OK(s.put_token(
        ApiToken{"deploy", AdminRole::viewer, std::string(64, '9'), 1700000008, 1700000009}));
    ASSERT_OK(s.put_setting("exchange.sequence.b.example", "41"));
    ASSERT_OK(s.put_setting("admin.tls_key", bytes("sealed")));

    PendingChange p;
    p.domain = "b.example";
    p.sequence = 42;
    p.created = 1700000010;
    p.signer = std::string(64, 'b');
    p.summary = "adds 1 certificate";
    p.bundle = bytes("bundle");
    ASSERT_TRUE(value_of(s.add_pending(p)) > 0);
    p.sequence = 43;
    const auto decided = value_of(s.add_pending(p));
    ASSERT_TRUE(
        value_of(s.decide_pending(decided, PendingState::rejected, "cli:root", 1700000011)));

    for (int i = 0; i < 3; ++i)
        ASSERT_OK(
            s.append_audit(AuditRecord{0, 1700000012 + i, "cli:root", "domain.update", "b.example",
                                       "change " + std::to_string(i), i ? "gw-1" : ""}));
    std::vector<LogRecord> batch;
    for (std::size_t i = 0; i < log_records; ++i)
        batch.push_back(log_record(static_cast<int>(i)));
    ASSERT_OK(s.append_logs(batch));
}

struct Direction2 {
    StoreFactory from;
    StoreFactory to;
    friend std::ostream& operator<<(std::ostream& os, const Direction2& d) {
        return os << d.from.name << " to " << d.to.name;
    }
};

class StoreCopy : public ::testing::TestWithParam<Direction2> {
  protected:
    std::unique_ptr<Store> source(std::size_t retention = kRetention) {
        return GetParam().from.make(from_dir_, retention);
    }
    std::unique_ptr<Store> target() { return GetParam().to.make(to_dir_, kRetention); }

    test::TempDir from_dir_;
    test::TempDir to_dir_;
};

TEST_P(StoreCopy, EveryTableArrivesWholeAndVerified) {
    auto from = source(4);  // 6 records written, the 4 newest kept: ids 3..6
    auto to = target();
    ASSERT_TRUE(from && to);
    fill(*from, 6);
    const auto report = value_of(copy_store(*from, *to));
    EXPECT_TRUE(report.verified);
    std::vector<std::string> names;
    std::vector<std::uint64_t> rows;
    for (const auto& t : report.target) {
        names.push_back(t.name);
        rows.push_back(t.rows);
        EXPECT_EQ(t.sha256.size(), 64u);
    }
    EXPECT_EQ(names, (std::vector<std::string>{"domains", "certificates", "sealed_keys", "ctl",
                                               "roots", "crls", "crl_fetches", "pgp_keys",
                                               "admin_accounts", "api_tokens", "settings",
                                               "pending_changes", "audit_log", "mail_log"}));
    EXPECT_EQ(rows, (std::vector<std::uint64_t>{2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4}));

    // Field by field where a backend could lose something: bytes, lists, states, nodes.
    EXPECT_EQ(value_of(to->find_sealed_key(std::string(64, 'a'))), bytes("sealed-a"));
    EXPECT_EQ(value_of(to->find_setting("admin.tls_key")), bytes("sealed"));
    const auto domain = value_of(to->find_domain("b.example"));
    ASSERT_TRUE(domain);
    EXPECT_EQ(domain->smime_certs,
              (std::vector<std::string>{std::string(64, 'a'), std::string(64, 'f')}));
    EXPECT_EQ(domain->min_rsa_bits, 3072u);
    const auto key = value_of(to->find_pgp_key(std::string(40, 'e')));
    ASSERT_TRUE(key);
    EXPECT_EQ(key->sealed_secret, bytes("secret"));
    EXPECT_EQ(key->domains, (std::vector<std::string>{"b.example", "c.example"}));
    const auto pending = value_of(to->list_pending());
    ASSERT_EQ(pending.size(), 2u);
    EXPECT_EQ(pending[1].state, PendingState::rejected);
    EXPECT_EQ(pending[1].decided_by, "cli:root");
    // The logs keep their order and content; the target numbers them from 1.
    const auto log = value_of(to->query_log(test::newest(10)));
    ASSERT_EQ(log.size(), 4u);
    EXPECT_EQ(log.front().id, 1);
    EXPECT_EQ(log.front().queue_id, "Q2");
    EXPECT_EQ(log.back().queue_id, "Q5");
    EXPECT_EQ(log.back().node, "gw-1");
    EXPECT_EQ(log.back().recipients,
              (std::vector<std::string>{"bob@b.example", "carol@b.example"}));
    const auto audit = value_of(to->query_audit(AuditQuery{}));
    ASSERT_EQ(audit.size(), 3u);
    EXPECT_EQ(audit[0].node, "");
    EXPECT_EQ(audit[2].node, "gw-1");
    EXPECT_EQ(audit[2].change, "change 2");
}

TEST_P(StoreCopy, ATargetThatHoldsAnythingIsRefusedUntouched) {
    auto from = source();
    auto to = target();
    ASSERT_TRUE(from && to);
    fill(*from, 2);
    ASSERT_OK(to->put_setting("left.over", "1"));
    const auto before = value_of(table_sums(*to));
    const auto refused = copy_store(*from, *to);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().kind, ErrorKind::conflict);
    EXPECT_NE(refused.error().reason.find("settings has 1 rows"), std::string::npos)
        << refused.error().reason;
    const auto after = value_of(table_sums(*to));
    ASSERT_EQ(after.size(), before.size());
    for (std::size_t i = 0; i < after.size(); ++i)
        EXPECT_EQ(after[i].sha256, before[i].sha256) << after[i].name;
}

// The checksum covers every field: one changed field changes that table's sum and no other.
TEST_P(StoreCopy, AChecksumSeesOneChangedField) {
    auto from = source();
    auto to = target();
    ASSERT_TRUE(from && to);
    fill(*from, 2);
    ASSERT_TRUE(value_of(copy_store(*from, *to)).verified);
    const auto before = value_of(table_sums(*to));
    ASSERT_TRUE(value_of(to->set_certificate_retired(std::string(64, 'b'), true)));
    const auto after = value_of(table_sums(*to));
    ASSERT_EQ(after.size(), before.size());
    for (std::size_t i = 0; i < after.size(); ++i) {
        EXPECT_EQ(after[i].rows, before[i].rows);
        EXPECT_EQ(after[i].sha256 != before[i].sha256, after[i].name == "certificates")
            << after[i].name;
    }
}

// More mail log records than one page of reading (10,000) arrive in order.
TEST_P(StoreCopy, ALongMailLogArrivesInOrder) {
    auto from = source();
    auto to = target();
    ASSERT_TRUE(from && to);
    std::vector<LogRecord> batch;
    for (int i = 0; i < 10050; ++i)
        batch.push_back(log_record(i));
    ASSERT_OK(from->append_logs(batch));
    const auto report = value_of(copy_store(*from, *to));
    EXPECT_TRUE(report.verified);
    EXPECT_EQ(report.target.back().rows, 10050u);
    EXPECT_EQ(value_of(count_log(*to)), 10050u);
    const auto last = value_of(to->query_log(test::newest(1)));
    ASSERT_EQ(last.size(), 1u);
    EXPECT_EQ(last[0].queue_id, "Q10049");
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreCopy,
                         ::testing::Values(Direction2{test::kSqlite, test::kSqlite},
                                           Direction2{test::kSqlite, test::kPostgres},
                                           Direction2{test::kPostgres, test::kSqlite},
                                           Direction2{test::kPostgres, test::kPostgres}),
                         [](const auto& p) {
                             return p.param.from.name + "_to_" + p.param.to.name;
                         });

}  // namespace
}  // namespace sealgate::app
