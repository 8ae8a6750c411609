// Conformance suite for the Store interface. Written against Store& only: a new backend joins by
// adding one factory to store_backends.hpp and to INSTANTIATE_TEST_SUITE_P at the end.
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

#include "store/store.hpp"
#include "store/store_backends.hpp"
#include "support/result.hpp"
#include "support/temp_dir.hpp"

namespace sealgate {
namespace {

using test::newest;
using test::StoreFactory;

class StoreConformance : public ::testing::TestWithParam<StoreFactory> {
  protected:
    void SetUp() override {
        store_ = GetParam().make(dir_, 100000);
        ASSERT_NE(store_, nullptr);
    }
    Store& store() { return *store_; }
    std::uint64_t gen() { return value_of(store().generation()); }

    test::TempDir dir_;
    std::unique_ptr<Store> store_;
};

// A DER-like blob with NUL and high bytes: the store must keep bytes, not text.
const std::string kDer("\x30\x82\x00\x0a\xff\x00\x01binary\x00", 15);
const std::string kSha1 = std::string(64, 'a');
const std::string kSha2 = "ab" + std::string(62, '0');
const std::string kSha3 = "b0" + std::string(62, '1');

DomainRecord partner() {
    DomainRecord d;
    d.name = "Partner.Example";
    d.encrypt_mode = EncryptMode::mandatory;
    d.smime_profile = SmimeProfile::modern;
    d.methods = {Method::pgp, Method::smime};
    d.tls = TlsLevel::verify;
    d.smime_certs = {kSha3, kSha1, kSha2};  // deliberately not sorted: order is the choice
    return d;
}

TEST_P(StoreConformance, DomainLookupNotFoundThenFound) {
    const auto missing = store().find_domain("partner.example");
    ASSERT_OK(missing);
    EXPECT_FALSE(missing->has_value());

    ASSERT_OK(store().put_domain(partner()));
    const auto found = value_of(store().find_domain("PARTNER.example"));
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->name, "partner.example");  // stored lower-case
    EXPECT_FALSE(found->local);
    EXPECT_EQ(found->encrypt_mode, EncryptMode::mandatory);
    EXPECT_EQ(found->smime_profile, SmimeProfile::modern);
    EXPECT_EQ(found->methods, (std::vector<Method>{Method::pgp, Method::smime}));
    EXPECT_EQ(found->tls, TlsLevel::verify);
    EXPECT_EQ(found->smime_certs, (std::vector<std::string>{kSha3, kSha1, kSha2}));
}

TEST_P(StoreConformance, DomainPutReplacesAndKeepsCertOrder) {
    ASSERT_OK(store().put_domain(partner()));
    auto d = partner();
    d.name = "partner.example";
    d.encrypt_mode = EncryptMode::opportunistic;
    d.smime_certs = {kSha2, "AB" + std::string(62, 'C')};
    d.methods = {Method::smime};
    ASSERT_OK(store().put_domain(d));
    const auto found = value_of(store().find_domain("partner.example"));
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->encrypt_mode, EncryptMode::opportunistic);
    EXPECT_EQ(found->methods, std::vector<Method>{Method::smime});
    EXPECT_EQ(found->smime_certs, (std::vector<std::string>{kSha2, "ab" + std::string(62, 'c')}));
    EXPECT_EQ(value_of(store().list_domains()).size(), 1u);
}

TEST_P(StoreConformance, DomainListAndRemove) {
    DomainRecord local;
    local.name = "example.com";
    local.local = true;
    DomainRecord wildcard;
    wildcard.name = "*.Example.com";
    ASSERT_OK(store().put_domain(partner()));
    ASSERT_OK(store().put_domain(local));
    ASSERT_OK(store().put_domain(wildcard));
    const auto all = value_of(store().list_domains());
    ASSERT_EQ(all.size(), 3u);
    EXPECT_EQ(all[0].name, "*.example.com");
    EXPECT_EQ(all[1].name, "example.com");
    EXPECT_TRUE(all[1].local);
    EXPECT_EQ(all[2].name, "partner.example");
    EXPECT_EQ(all[2].smime_certs.size(), 3u);

    EXPECT_EQ(value_of(store().remove_domain("PARTNER.EXAMPLE")), true);
    EXPECT_EQ(value_of(store().remove_domain("partner.example")), false);
    EXPECT_FALSE(value_of(store().find_domain("partner.example")).has_value());
    // Re-creating the domain must not resurrect the old certificate choice.
    DomainRecord again;
    again.name = "partner.example";
    again.smime_certs = {};
    ASSERT_OK(store().put_domain(again));
    EXPECT_TRUE(value_of(store().find_domain("partner.example"))->smime_certs.empty());
}

TEST_P(StoreConformance, DomainKeyMinimumIsSetReplacedAndCleared) {
    auto d = partner();
    ASSERT_OK(store().put_domain(d));
    EXPECT_EQ(value_of(store().find_domain("partner.example"))->min_rsa_bits, 0u) << "default";
    d.min_rsa_bits = 1024;
    ASSERT_OK(store().put_domain(d));
    EXPECT_EQ(value_of(store().find_domain("partner.example"))->min_rsa_bits, 1024u);
    EXPECT_EQ(value_of(store().list_domains()).front().min_rsa_bits, 1024u);
    d.min_rsa_bits = 3072;
    ASSERT_OK(store().put_domain(d));
    EXPECT_EQ(value_of(store().find_domain("partner.example"))->min_rsa_bits, 3072u);
    d.min_rsa_bits = 0;
    ASSERT_OK(store().put_domain(d));
    EXPECT_EQ(value_of(store().find_domain("partner.example"))->min_rsa_bits, 0u);
    // Removing the domain takes its override: a new record starts at the default.
    d.min_rsa_bits = 1024;
    ASSERT_OK(store().put_domain(d));
    ASSERT_EQ(value_of(store().remove_domain("partner.example")), true);
    DomainRecord again;
    again.name = "partner.example";
    ASSERT_OK(store().put_domain(again));
    EXPECT_EQ(value_of(store().find_domain("partner.example"))->min_rsa_bits, 0u);
}

TEST_P(StoreConformance, CertificateInsertKeepsDerAndUpgradesPrivateKeyFlag) {
    EXPECT_FALSE(value_of(store().find_certificate(kSha1)).has_value());
    ASSERT_OK(store().put_certificate(CertRecord{kSha1, kDer, false, 1000}));
    auto found = value_of(store().find_certificate(std::string(64, 'A')));
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->sha256, kSha1);
    EXPECT_EQ(found->der, kDer);
    EXPECT_FALSE(found->has_private_key);
    EXPECT_EQ(found->added, 1000);

    ASSERT_OK(store().put_certificate(CertRecord{kSha1, "other", true, 2000}));
    found = value_of(store().find_certificate(kSha1));
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->der, kDer);
    EXPECT_TRUE(found->has_private_key);
    EXPECT_EQ(found->added, 1000);

    ASSERT_OK(store().put_certificate(CertRecord{kSha1, kDer, false, 3000}));
    EXPECT_TRUE(value_of(store().find_certificate(kSha1))->has_private_key);  // never downgraded
}

TEST_P(StoreConformance, CertificateAddedDefaultsToNow) {
    const auto before = std::time(nullptr);
    ASSERT_OK(store().put_certificate(CertRecord{kSha1, kDer, false, 0}));
    const auto found = value_of(store().find_certificate(kSha1));
    ASSERT_TRUE(found.has_value());
    EXPECT_GE(found->added, before);
}

TEST_P(StoreConformance, CertificatePrefixSearchAndList) {
    for (const auto& sha : {kSha1, kSha2, kSha3})
        ASSERT_OK(store().put_certificate(CertRecord{sha, kDer, false, 1}));
    ASSERT_OK(store().put_certificate(CertRecord{"a9" + std::string(62, 'f'), kDer, false, 1}));

    const auto a = value_of(store().find_certificates_by_prefix("a"));
    ASSERT_EQ(a.size(), 3u);  // a9..., aa..., ab...: ordered by thumbprint
    EXPECT_EQ(a[0].sha256, "a9" + std::string(62, 'f'));
    EXPECT_EQ(a[1].sha256, kSha1);
    EXPECT_EQ(a[2].sha256, kSha2);
    EXPECT_EQ(value_of(store().find_certificates_by_prefix("AB")).size(), 1u);
    EXPECT_EQ(value_of(store().find_certificates_by_prefix("a9")).size(), 1u);
    EXPECT_EQ(value_of(store().find_certificates_by_prefix(kSha3)).size(), 1u);
    EXPECT_TRUE(value_of(store().find_certificates_by_prefix("c")).empty());
    EXPECT_TRUE(value_of(store().find_certificates_by_prefix("%")).empty());
    EXPECT_TRUE(value_of(store().find_certificates_by_prefix("a_")).empty());
    EXPECT_EQ(value_of(store().find_certificates_by_prefix("")).size(), 4u);
    EXPECT_EQ(value_of(store().list_certificates()).size(), 4u);
}

TEST_P(StoreConformance, SealedKeyNeedsItsCertificate) {
    EXPECT_FALSE(store().put_sealed_key(kSha1, "sealed").has_value());
    ASSERT_OK(store().put_certificate(CertRecord{kSha1, kDer, false, 1}));
    EXPECT_FALSE(value_of(store().find_sealed_key(kSha1)).has_value());
    const std::string sealed("\x01\x00sealed\xff", 9);
    ASSERT_OK(store().put_sealed_key(std::string(64, 'A'), sealed));
    EXPECT_EQ(value_of(store().find_sealed_key(kSha1)), sealed);
    EXPECT_TRUE(value_of(store().find_certificate(kSha1))->has_private_key);
    ASSERT_OK(store().put_sealed_key(kSha1, "resealed"));
    EXPECT_EQ(value_of(store().find_sealed_key(kSha1)), std::string("resealed"));
}

TEST_P(StoreConformance, RemoveCertificateTakesSealedKeyAndDomainReferences) {
    ASSERT_OK(store().put_certificate(CertRecord{kSha1, kDer, true, 1}));
    ASSERT_OK(store().put_certificate(CertRecord{kSha2, kDer, false, 1}));
    ASSERT_OK(store().put_sealed_key(kSha1, "sealed"));
    auto d = partner();
    d.smime_certs = {kSha2, kSha1, kSha3};
    ASSERT_OK(store().put_domain(d));

    EXPECT_EQ(value_of(store().remove_certificate(std::string(64, 'A'))), true);
    EXPECT_FALSE(value_of(store().find_certificate(kSha1)).has_value());
    EXPECT_FALSE(value_of(store().find_sealed_key(kSha1)).has_value());
    EXPECT_EQ(value_of(store().find_domain(d.name))->smime_certs,
              (std::vector<std::string>{kSha2, kSha3}));
    EXPECT_EQ(value_of(store().remove_certificate(kSha1)), false);
    EXPECT_TRUE(value_of(store().find_certificate(kSha2)).has_value());
}

TEST_P(StoreConformance, CtlPutFindReplaceRemove) {
    EXPECT_FALSE(value_of(store().find_ctl(kSha1)).has_value());
    ASSERT_OK(store().put_ctl(CtlEntry{std::string(64, 'A'), CtlAction::trust, 5}));
    auto e = value_of(store().find_ctl(kSha1));
    ASSERT_TRUE(e.has_value());
    EXPECT_EQ(e->sha256, kSha1);
    EXPECT_EQ(e->action, CtlAction::trust);
    EXPECT_EQ(e->added, 5);
    ASSERT_OK(store().put_ctl(CtlEntry{kSha1, CtlAction::block, 6}));
    e = value_of(store().find_ctl(kSha1));
    ASSERT_TRUE(e.has_value());
    EXPECT_EQ(e->action, CtlAction::block);
    ASSERT_OK(store().put_ctl(CtlEntry{kSha2, CtlAction::trust, 7}));
    const auto all = value_of(store().list_ctl());
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0].sha256, kSha1);
    EXPECT_EQ(all[1].sha256, kSha2);
    EXPECT_EQ(value_of(store().remove_ctl(kSha1)), true);
    EXPECT_EQ(value_of(store().remove_ctl(kSha1)), false);
    EXPECT_EQ(value_of(store().list_ctl()).size(), 1u);
}

TEST_P(StoreConformance, RootsPutListRemove) {
    ASSERT_OK(store().put_root(RootRecord{kSha2, kDer}));
    ASSERT_OK(store().put_root(RootRecord{std::string(64, 'A'), "root-a"}));
    ASSERT_OK(store().put_root(RootRecord{kSha2, "root-b"}));  // same thumbprint: replaced
    const auto roots = value_of(store().list_roots());
    ASSERT_EQ(roots.size(), 2u);
    EXPECT_EQ(roots[0].sha256, kSha1);
    EXPECT_EQ(roots[0].der, "root-a");
    EXPECT_EQ(roots[1].der, "root-b");
    EXPECT_EQ(value_of(store().remove_root(kSha2)), true);
    EXPECT_EQ(value_of(store().remove_root(kSha2)), false);
    EXPECT_EQ(value_of(store().list_roots()).size(), 1u);
}

TEST_P(StoreConformance, CrlReplacesPerIssuer) {
    ASSERT_OK(store().put_crl(CrlRecord{"CN=Root A", "crl-a1", 1, ""}));
    ASSERT_OK(store().put_crl(CrlRecord{"CN=Root B", kDer, 2, ""}));
    ASSERT_OK(store().put_crl(CrlRecord{"CN=Root A", "crl-a2", 3, "http://crl.example/a.crl"}));
    const auto crls = value_of(store().list_crls());
    ASSERT_EQ(crls.size(), 2u);
    EXPECT_EQ(crls[0].issuer, "CN=Root A");
    EXPECT_EQ(crls[0].der, "crl-a2");
    EXPECT_EQ(crls[0].added, 3);
    EXPECT_EQ(crls[0].source, "http://crl.example/a.crl");
    EXPECT_EQ(crls[1].source, "");
    EXPECT_EQ(crls[1].issuer, "CN=Root B");
    EXPECT_EQ(crls[1].der, kDer);
}

PgpKeyRecord pgp_key(std::string fpr) {
    PgpKeyRecord k;
    k.fingerprint = std::move(fpr);
    k.public_key = kDer;
    k.trusted = false;
    k.domains = {"Partner.Example", "b.example", "a.example"};
    k.added = 42;
    return k;
}

TEST_P(StoreConformance, PgpKeyRoundTripWithOrderedDomains) {
    const std::string fpr = "0123456789ABCDEF0123456789ABCDEF01234567";
    const std::string fpr_lower = "0123456789abcdef0123456789abcdef01234567";
    EXPECT_FALSE(value_of(store().find_pgp_key(fpr)).has_value());
    ASSERT_OK(store().put_pgp_key(pgp_key(fpr)));
    auto k = value_of(store().find_pgp_key(fpr));
    ASSERT_TRUE(k.has_value());
    EXPECT_EQ(k->fingerprint, fpr_lower);
    EXPECT_EQ(k->public_key, kDer);
    EXPECT_TRUE(k->sealed_secret.empty());
    EXPECT_FALSE(k->trusted);
    EXPECT_EQ(k->added, 42);
    EXPECT_EQ(k->domains, (std::vector<std::string>{"partner.example", "b.example", "a.example"}));

    auto changed = pgp_key(fpr_lower);
    changed.trusted = true;
    changed.sealed_secret = std::string("\x01\x00secret", 8);
    changed.domains = {"c.example"};
    ASSERT_OK(store().put_pgp_key(changed));
    k = value_of(store().find_pgp_key(fpr_lower));
    ASSERT_TRUE(k.has_value());
    EXPECT_TRUE(k->trusted);
    EXPECT_EQ(k->sealed_secret, changed.sealed_secret);
    EXPECT_EQ(k->domains, std::vector<std::string>{"c.example"});
}

TEST_P(StoreConformance, PgpKeyPrefixListRemove) {
    const std::string f1 = "aa" + std::string(38, '1');
    const std::string f2 = "ab" + std::string(38, '2');
    const std::string f3 = "ba" + std::string(38, '3');
    for (const auto& f : {f3, f1, f2})
        ASSERT_OK(store().put_pgp_key(pgp_key(f)));
    const auto a = value_of(store().find_pgp_keys_by_prefix("A"));
    ASSERT_EQ(a.size(), 2u);
    EXPECT_EQ(a[0].fingerprint, f1);
    EXPECT_EQ(a[1].fingerprint, f2);
    EXPECT_EQ(a[0].domains.size(), 3u);
    EXPECT_EQ(value_of(store().find_pgp_keys_by_prefix("ab2")).size(), 1u);
    EXPECT_TRUE(value_of(store().find_pgp_keys_by_prefix("c")).empty());
    EXPECT_TRUE(value_of(store().find_pgp_keys_by_prefix("x")).empty());
    const auto all = value_of(store().list_pgp_keys());
    ASSERT_EQ(all.size(), 3u);
    EXPECT_EQ(all[2].fingerprint, f3);
    EXPECT_EQ(value_of(store().remove_pgp_key(f1)), true);
    EXPECT_EQ(value_of(store().remove_pgp_key(f1)), false);
    EXPECT_EQ(value_of(store().list_pgp_keys()).size(), 2u);
    // Re-adding without domains must not resurrect the removed key's bindings.
    auto bare = pgp_key(f1);
    bare.domains.clear();
    ASSERT_OK(store().put_pgp_key(bare));
    EXPECT_TRUE(value_of(store().find_pgp_key(f1))->domains.empty());
}

LogRecord log_record(int n, std::string message_id) {
    LogRecord r;
    r.time = 1700000000 + n;
    r.queue_id = "Q" + std::to_string(n);
    r.message_id = std::move(message_id);
    r.sender = "alice@example.com";
    r.recipients = {"bob@partner.example", "carol@partner.example"};
    r.direction = Direction::outbound;
    r.action = CopyAction::encrypted;
    r.method = "smime";
    r.keys = kSha1;
    r.algorithm = "aes256-cbc";
    r.detail = "250 2.0.0 Ok: queued as " + std::to_string(n);
    r.tls_level = "verify";
    r.tls_protocol = "TLSv1.3";
    r.tls_cipher = "TLS_AES_256_GCM_SHA384";
    r.tls_peer = kSha2;
    r.tls_verified = n % 2 == 0;
    r.signature = "signed; signer=" + kSha1 + "; method=smime";
    r.node = "gw" + std::to_string(n % 2 + 1);
    return r;
}

TEST_P(StoreConformance, LogQueryReturnsNewestOldestFirst) {
    for (int i = 1; i <= 10; ++i)
        ASSERT_OK(store().append_log(log_record(i, i % 2 ? "<odd@x>" : "<even@x>")));
    const auto last3 = value_of(store().query_log(newest(3, "")));
    ASSERT_EQ(last3.size(), 3u);
    EXPECT_EQ(last3[0].queue_id, "Q8");
    EXPECT_EQ(last3[2].queue_id, "Q10");
    EXPECT_LT(last3[0].id, last3[1].id);
    EXPECT_EQ(last3[2].time, 1700000010);
    EXPECT_EQ(last3[2].recipients,
              (std::vector<std::string>{"bob@partner.example", "carol@partner.example"}));
    EXPECT_EQ(last3[2].sender, "alice@example.com");
    EXPECT_EQ(last3[2].direction, Direction::outbound);
    EXPECT_EQ(last3[2].action, CopyAction::encrypted);
    EXPECT_EQ(last3[2].method, "smime");
    EXPECT_EQ(last3[2].keys, kSha1);
    EXPECT_EQ(last3[2].algorithm, "aes256-cbc");
    EXPECT_EQ(last3[2].detail, "250 2.0.0 Ok: queued as 10");
    EXPECT_EQ(last3[2].tls_level, "verify");
    EXPECT_EQ(last3[2].tls_protocol, "TLSv1.3");
    EXPECT_EQ(last3[2].tls_cipher, "TLS_AES_256_GCM_SHA384");
    EXPECT_EQ(last3[2].tls_peer, kSha2);
    EXPECT_TRUE(last3[2].tls_verified);
    EXPECT_FALSE(last3[1].tls_verified);
    EXPECT_EQ(last3[2].signature, "signed; signer=" + kSha1 + "; method=smime");
    EXPECT_EQ(last3[2].node, "gw1");
    EXPECT_EQ(last3[1].node, "gw2");

    const auto odd = value_of(store().query_log(newest(2, "<odd@x>")));
    ASSERT_EQ(odd.size(), 2u);
    EXPECT_EQ(odd[0].queue_id, "Q7");
    EXPECT_EQ(odd[1].queue_id, "Q9");
    EXPECT_EQ(value_of(store().query_log(newest(50, ""))).size(), 10u);
    EXPECT_TRUE(value_of(store().query_log(newest(50, "<none@x>"))).empty());
    EXPECT_TRUE(value_of(store().query_log(newest(0, ""))).empty());
}

TEST_P(StoreConformance, LogRetentionKeepsNewest) {
    test::TempDir dir;
    const auto small = GetParam().make(dir, 5);
    ASSERT_NE(small, nullptr);
    for (int i = 1; i <= 12; ++i)
        ASSERT_OK(small->append_log(log_record(i, "<m@x>")));
    const auto all = value_of(small->query_log(newest(100, "")));
    ASSERT_EQ(all.size(), 5u);
    EXPECT_EQ(all.front().queue_id, "Q8");
    EXPECT_EQ(all.back().queue_id, "Q12");
    EXPECT_EQ(all.front().recipients.size(), 2u);
}

TEST_P(StoreConformance, LogBatchIsStoredInOrder) {
    ASSERT_OK(store().append_log(log_record(1, "<single@x>")));
    std::vector<LogRecord> batch;
    for (int i = 2; i <= 6; ++i)
        batch.push_back(log_record(i, "<batch@x>"));
    batch[1].recipients = {"dave@partner.example"};
    ASSERT_OK(store().append_logs(batch));
    ASSERT_OK(store().append_logs({}));  // an empty batch is no write and no error

    const auto all = value_of(store().query_log(newest(50, "")));
    ASSERT_EQ(all.size(), 6u);
    for (std::size_t i = 0; i < all.size(); ++i)
        EXPECT_EQ(all[i].queue_id, "Q" + std::to_string(i + 1));
    EXPECT_EQ(all[2].recipients, std::vector<std::string>{"dave@partner.example"});
    EXPECT_EQ(all[5].recipients,
              (std::vector<std::string>{"bob@partner.example", "carol@partner.example"}));
    EXPECT_EQ(all[5].time, 1700000006);
    EXPECT_EQ(all[5].detail, "250 2.0.0 Ok: queued as 6");
    EXPECT_EQ(value_of(store().query_log(newest(50, "<batch@x>"))).size(), 5u);
}

TEST_P(StoreConformance, LogRetentionAppliesToABatch) {
    test::TempDir dir;
    const auto small = GetParam().make(dir, 5);
    ASSERT_NE(small, nullptr);
    std::vector<LogRecord> batch;
    for (int i = 1; i <= 8; ++i)
        batch.push_back(log_record(i, "<m@x>"));
    ASSERT_OK(small->append_logs(batch));
    const auto all = value_of(small->query_log(newest(100, "")));
    ASSERT_EQ(all.size(), 5u);
    EXPECT_EQ(all.front().queue_id, "Q4");
    EXPECT_EQ(all.back().queue_id, "Q8");
    EXPECT_EQ(all.front().recipients.size(), 2u);
}

TEST_P(StoreConformance, GenerationIncreasesOnEveryWriteButNotOnLog) {
    std::uint64_t last = gen();
    const auto bumped = [&](const char* what) {
        const auto now = gen();
        EXPECT_GT(now, last) << what << " did not bump the generation";
        last = now;
    };
    ASSERT_OK(store().put_domain(partner()));
    bumped("put_domain");
    ASSERT_OK(store().put_certificate(CertRecord{kSha1, kDer, false, 1}));
    bumped("put_certificate");
    ASSERT_OK(store().put_certificate(CertRecord{kSha1, kDer, true, 1}));
    bumped("put_certificate (upgrade)");
    ASSERT_OK(store().put_sealed_key(kSha1, "sealed"));
    bumped("put_sealed_key");
    ASSERT_OK(store().put_ctl(CtlEntry{kSha1, CtlAction::trust, 1}));
    bumped("put_ctl");
    ASSERT_OK(store().put_root(RootRecord{kSha2, kDer}));
    bumped("put_root");
    ASSERT_OK(store().put_crl(CrlRecord{"CN=A", kDer, 1, ""}));
    bumped("put_crl");
    ASSERT_OK(store().put_pgp_key(pgp_key(std::string(40, 'c'))));
    bumped("put_pgp_key");

    ASSERT_OK(store().append_log(log_record(1, "<m@x>")));
    EXPECT_EQ(gen(), last) << "append_log must not bump the generation";
    ASSERT_OK(store().append_logs({log_record(2, "<m@x>"), log_record(3, "<m@x>")}));
    EXPECT_EQ(gen(), last) << "append_logs must not bump the generation";

    EXPECT_TRUE(value_of(store().remove_ctl(kSha1)));
    bumped("remove_ctl");
    EXPECT_TRUE(value_of(store().remove_root(kSha2)));
    bumped("remove_root");
    EXPECT_TRUE(value_of(store().remove_pgp_key(std::string(40, 'c'))));
    bumped("remove_pgp_key");
    EXPECT_TRUE(value_of(store().remove_certificate(kSha1)));
    bumped("remove_certificate");
    EXPECT_TRUE(value_of(store().remove_domain("partner.example")));
    bumped("remove_domain");
}

// --- backends -------------------------------------------------------------------------------

INSTANTIATE_TEST_SUITE_P(Backends, StoreConformance,
                         ::testing::Values(test::kSqlite, test::kPostgres),
                         [](const auto& p) { return p.param.name; });

}  // namespace
}  // namespace sealgate
