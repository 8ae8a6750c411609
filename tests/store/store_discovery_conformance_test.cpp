// Conformance suite for the Store's key discovery side (migration 8, docs/discovery.md): a
// domain's discovery setting and address, where each certificate and OpenPGP key came from, and
// pending changes of kind discovery with what was found. Written against Store& only, like
// store_conformance_test.cpp, and run on both backends.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "store/store.hpp"
#include "store/store_backends.hpp"
#include "support/result.hpp"
#include "support/temp_dir.hpp"

namespace sealgate {
namespace {

using test::StoreFactory;

class StoreDiscoveryConformance : public ::testing::TestWithParam<StoreFactory> {
  protected:
    void SetUp() override {
        store_ = GetParam().make(dir_, 1000);
        ASSERT_NE(store_, nullptr);
    }
    Store& store() { return *store_; }
    std::uint64_t gen() { return value_of(store().generation()); }

    test::TempDir dir_;
    std::unique_ptr<Store> store_;
};

const std::string kSha(64, 'a');
const std::string kFpr(40, 'c');

TEST_P(StoreDiscoveryConformance, DomainDiscoverySettingsRoundTrip) {
    DomainRecord d;
    d.name = "partner.example";
    ASSERT_OK(store().put_domain(d));
    auto back = value_of(store().find_domain("partner.example"));
    ASSERT_TRUE(back);
    EXPECT_EQ(back->discovery, DiscoveryMode::off) << "the default";
    EXPECT_EQ(back->discovery_address, "");

    d.discovery = DiscoveryMode::auto_dane;
    d.discovery_address = "keys@partner.example";
    const auto before = gen();
    ASSERT_OK(store().put_domain(d));
    EXPECT_GT(gen(), before) << "domain settings are policy";
    back = value_of(store().find_domain("partner.example"));
    ASSERT_TRUE(back);
    EXPECT_EQ(back->discovery, DiscoveryMode::auto_dane);
    EXPECT_EQ(back->discovery_address, "keys@partner.example");
    d.discovery = DiscoveryMode::review;
    ASSERT_OK(store().put_domain(d));
    EXPECT_EQ(value_of(store().list_domains()).at(0).discovery, DiscoveryMode::review);
}

TEST_P(StoreDiscoveryConformance, CertificateOriginIsWrittenFirstAndChangedOnPurpose) {
    CertRecord c{kSha, "der", false, 1};
    c.origin = KeyOrigin{KeySource::dane, "x._smimecert.partner.example", 50, 3600};
    ASSERT_OK(store().put_certificate(c));
    auto back = value_of(store().find_certificate(kSha));
    ASSERT_TRUE(back);
    EXPECT_EQ(back->origin.source, KeySource::dane);
    EXPECT_EQ(back->origin.where, "x._smimecert.partner.example");
    EXPECT_EQ(back->origin.found, 50);
    EXPECT_EQ(back->origin.ttl, 3600u);

    // Stored again (an import by hand): the origin stays what it was.
    ASSERT_OK(store().put_certificate(CertRecord{kSha, "der", false, 2}));
    EXPECT_EQ(value_of(store().find_certificate(kSha))->origin.source, KeySource::dane);

    // A re-check records its time and TTL.
    const auto before = gen();
    EXPECT_TRUE(value_of(store().set_certificate_origin(
        kSha, KeyOrigin{KeySource::dane, "x._smimecert.partner.example", 90, 300})));
    EXPECT_GT(gen(), before);
    back = value_of(store().find_certificate(kSha));
    EXPECT_EQ(back->origin.found, 90);
    EXPECT_EQ(back->origin.ttl, 300u);
    EXPECT_FALSE(value_of(store().set_certificate_origin(std::string(64, 'f'), KeyOrigin{})))
        << "no such certificate";

    // A certificate stored without saying is manual.
    ASSERT_OK(store().put_certificate(CertRecord{std::string(64, 'b'), "der2", false, 1}));
    EXPECT_EQ(value_of(store().find_certificate(std::string(64, 'b')))->origin.source,
              KeySource::manual);
    EXPECT_EQ(value_of(store().list_certificates()).at(0).origin.source, KeySource::dane);
}

TEST_P(StoreDiscoveryConformance, PgpKeyOriginRoundTrips) {
    PgpKeyRecord k;
    k.fingerprint = kFpr;
    k.public_key = "key";
    k.trusted = true;
    k.domains = {"partner.example"};
    ASSERT_OK(store().put_pgp_key(k));
    EXPECT_EQ(value_of(store().find_pgp_key(kFpr))->origin.source, KeySource::manual);
    k.origin = KeyOrigin{KeySource::wkd, "https://openpgpkey.partner.example/x", 77, 86400};
    ASSERT_OK(store().put_pgp_key(k));
    const auto back = value_of(store().find_pgp_key(kFpr));
    ASSERT_TRUE(back);
    EXPECT_EQ(back->origin.source, KeySource::wkd);
    EXPECT_EQ(back->origin.where, "https://openpgpkey.partner.example/x");
    EXPECT_EQ(back->origin.found, 77);
    EXPECT_EQ(back->origin.ttl, 86400u);
    EXPECT_EQ(back->domains, std::vector<std::string>{"partner.example"});
}

TEST_P(StoreDiscoveryConformance, DiscoveryPendingChangesKeepWhatWasFound) {
    PendingChange exchange;
    exchange.domain = "partner.example";
    exchange.sequence = 4;
    exchange.signer = kSha;
    exchange.bundle = "bundle";
    const auto first = value_of(store().add_pending(exchange));

    PendingChange c;
    c.kind = PendingKind::discovery;
    c.domain = "partner.example";
    c.created = 100;
    c.summary = "adds certificate " + kSha;
    c.found.source = KeySource::dns;
    c.found.method = Method::pgp;
    c.found.address = "domain-cert@partner.example";
    c.found.where = "abc._openpgpkey.partner.example";
    c.found.dnssec = "secure";
    c.found.data = std::string("key\0bytes", 9);
    c.found.id = kFpr;
    c.found.ttl = 600;
    c.found.usage = 3;
    const auto before = gen();
    const auto second = value_of(store().add_pending(c));
    EXPECT_GT(second, first);
    EXPECT_EQ(gen(), before) << "staging is not policy";

    const auto all = value_of(store().list_pending());
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0].kind, PendingKind::exchange);
    EXPECT_EQ(all[0].bundle, "bundle");
    const auto found = value_of(store().find_pending(second));
    ASSERT_TRUE(found);
    EXPECT_EQ(found->kind, PendingKind::discovery);
    EXPECT_EQ(found->found.source, KeySource::dns);
    EXPECT_EQ(found->found.method, Method::pgp);
    EXPECT_EQ(found->found.address, "domain-cert@partner.example");
    EXPECT_EQ(found->found.where, "abc._openpgpkey.partner.example");
    EXPECT_EQ(found->found.dnssec, "secure");
    EXPECT_EQ(found->found.data, c.found.data);
    EXPECT_EQ(found->found.id, kFpr);
    EXPECT_EQ(found->found.ttl, 600u);
    EXPECT_EQ(found->found.usage, 3u);
    EXPECT_EQ(found->summary, c.summary);
    EXPECT_TRUE(value_of(store().decide_pending(second, PendingState::rejected, "cli:root", 200)));
    EXPECT_EQ(value_of(store().find_pending(second))->state, PendingState::rejected);

    c.found.usage = 256;
    EXPECT_FALSE(store().add_pending(c)) << "SMIMEA usage is one octet";
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreDiscoveryConformance,
                         ::testing::Values(test::kSqlite, test::kPostgres),
                         [](const auto& p) { return p.param.name; });

}  // namespace
}  // namespace sealgate
