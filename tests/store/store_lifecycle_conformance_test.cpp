// Conformance suite for the Store's lifecycle side (migration 5): the domain settings of the
// lifecycle, retired certificates and OpenPGP keys, where a CRL came from, the CRL distribution
// points' fetch records and the partners' update bundles staged for approval. Written against
// Store& only, like store_conformance_test.cpp.
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

class StoreLifecycleConformance : public ::testing::TestWithParam<StoreFactory> {
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

TEST_P(StoreLifecycleConformance, DomainLifecycleSettingsRoundTrip) {
    DomainRecord d;
    d.name = "partner.example";
    ASSERT_OK(store().put_domain(d));
    auto back = value_of(store().find_domain("partner.example"));
    ASSERT_TRUE(back);
    EXPECT_EQ(back->on_expired, ExpiredAction::defer) << "the default";
    EXPECT_EQ(back->revocation, Revocation::soft) << "the default";
    EXPECT_FALSE(back->accept_signed_updates);

    d.on_expired = ExpiredAction::reject;
    d.revocation = Revocation::hard;
    d.accept_signed_updates = true;
    const auto before = gen();
    ASSERT_OK(store().put_domain(d));
    EXPECT_GT(gen(), before) << "domain settings are policy";
    back = value_of(store().find_domain("partner.example"));
    ASSERT_TRUE(back);
    EXPECT_EQ(back->on_expired, ExpiredAction::reject);
    EXPECT_EQ(back->revocation, Revocation::hard);
    EXPECT_TRUE(back->accept_signed_updates);
}

// Migration 6 (docs/signing.md): the signature settings are written as the record has them, so
// a new record keeps the DomainRecord defaults (sign-and-encrypt, header protection on).
TEST_P(StoreLifecycleConformance, DomainSignatureSettingsRoundTrip) {
    DomainRecord d;
    d.name = "partner.example";
    ASSERT_OK(store().put_domain(d));
    auto back = value_of(store().find_domain("partner.example"));
    ASSERT_TRUE(back);
    EXPECT_EQ(back->sign, SignMode::sign_and_encrypt) << "the default of a new domain";
    EXPECT_FALSE(back->require_signature);
    EXPECT_EQ(back->on_bad_signature, SignatureAction::refuse);
    EXPECT_FALSE(back->keep_signature);
    EXPECT_TRUE(back->header_protection) << "the default of a new domain";

    d.sign = SignMode::sign;
    d.require_signature = true;
    d.on_bad_signature = SignatureAction::mark;
    d.keep_signature = true;
    d.header_protection = false;
    const auto before = gen();
    ASSERT_OK(store().put_domain(d));
    EXPECT_GT(gen(), before) << "domain settings are policy";
    back = value_of(store().find_domain("partner.example"));
    ASSERT_TRUE(back);
    EXPECT_EQ(back->sign, SignMode::sign);
    EXPECT_TRUE(back->require_signature);
    EXPECT_EQ(back->on_bad_signature, SignatureAction::mark);
    EXPECT_TRUE(back->keep_signature);
    EXPECT_FALSE(back->header_protection);

    d.sign = SignMode::none;
    ASSERT_OK(store().put_domain(d));
    const auto all = value_of(store().list_domains());
    ASSERT_EQ(all.size(), 1u);
    EXPECT_EQ(all[0].sign, SignMode::none);
    EXPECT_EQ(all[0].on_bad_signature, SignatureAction::mark);
}

TEST_P(StoreLifecycleConformance, CertificateRetiredIsSetOnlyOnPurpose) {
    ASSERT_OK(store().put_certificate(CertRecord{kSha, "der", true, 1, false}));
    EXPECT_FALSE(value_of(store().find_certificate(kSha))->retired);

    auto before = gen();
    EXPECT_TRUE(value_of(store().set_certificate_retired(kSha, true)));
    EXPECT_GT(gen(), before) << "retiring is policy";
    EXPECT_TRUE(value_of(store().find_certificate(kSha))->retired);

    // Importing the same certificate again does not bring it back into service.
    ASSERT_OK(store().put_certificate(CertRecord{kSha, "der", true, 2, false}));
    EXPECT_TRUE(value_of(store().find_certificate(kSha))->retired);

    // The same state again changes nothing.
    before = gen();
    EXPECT_TRUE(value_of(store().set_certificate_retired(kSha, true)));
    EXPECT_EQ(gen(), before);

    EXPECT_TRUE(value_of(store().set_certificate_retired(kSha, false)));
    EXPECT_FALSE(value_of(store().find_certificate(kSha))->retired);
    EXPECT_FALSE(value_of(store().set_certificate_retired(std::string(64, 'b'), true)))
        << "no such certificate";
}

TEST_P(StoreLifecycleConformance, PgpKeyRetiredRoundTrips) {
    PgpKeyRecord k;
    k.fingerprint = std::string(40, 'c');
    k.public_key = "pub";
    k.retired = true;
    ASSERT_OK(store().put_pgp_key(k));
    EXPECT_TRUE(value_of(store().find_pgp_key(k.fingerprint))->retired);
    k.retired = false;
    ASSERT_OK(store().put_pgp_key(k));
    EXPECT_FALSE(value_of(store().find_pgp_key(k.fingerprint))->retired);
}

TEST_P(StoreLifecycleConformance, CrlFetchesAreReplacedByUrlAndAreNotPolicy) {
    const auto before = gen();
    ASSERT_OK(
        store().put_crl_fetch(CrlFetch{"http://b.example/ca.crl", "CN=B", 10, 0, "timed out"}));
    ASSERT_OK(store().put_crl_fetch(CrlFetch{"http://a.example/ca.crl", "CN=A", 10, 10, ""}));
    ASSERT_OK(store().put_crl_fetch(CrlFetch{"http://b.example/ca.crl", "CN=B", 20, 20, ""}));
    EXPECT_EQ(gen(), before) << "a fetch record is not policy";
    const auto fetches = value_of(store().list_crl_fetches());
    ASSERT_EQ(fetches.size(), 2u);
    EXPECT_EQ(fetches[0].url, "http://a.example/ca.crl");
    EXPECT_EQ(fetches[1].url, "http://b.example/ca.crl");
    EXPECT_EQ(fetches[1].last_attempt, 20);
    EXPECT_EQ(fetches[1].last_success, 20);
    EXPECT_EQ(fetches[1].last_error, "");
    EXPECT_FALSE(store().put_crl_fetch(CrlFetch{"", "CN=C", 1, 0, ""})) << "a url is needed";
}

TEST_P(StoreLifecycleConformance, PendingChangesAreNumberedAndDecidedOnce) {
    PendingChange c;
    c.domain = "Partner.Example";
    c.sequence = 7;
    c.created = 100;
    c.signer = kSha;
    c.summary = "adds " + std::string(64, 'b');
    c.bundle = std::string("bundle\0bytes", 12);
    const auto before = gen();
    const auto first = value_of(store().add_pending(c));
    c.sequence = 8;
    const auto second = value_of(store().add_pending(c));
    EXPECT_GT(second, first);
    EXPECT_EQ(gen(), before) << "staging is not policy";

    auto found = value_of(store().find_pending(first));
    ASSERT_TRUE(found);
    EXPECT_EQ(found->domain, "partner.example");
    EXPECT_EQ(found->sequence, 7u);
    EXPECT_EQ(found->bundle, c.bundle);
    EXPECT_EQ(found->state, PendingState::pending);

    EXPECT_TRUE(value_of(store().decide_pending(first, PendingState::approved, "cli:root", 200)));
    EXPECT_FALSE(value_of(store().decide_pending(first, PendingState::rejected, "cli:root", 300)))
        << "decided once";
    EXPECT_FALSE(value_of(store().decide_pending(999, PendingState::rejected, "cli:root", 300)));
    EXPECT_FALSE(store().decide_pending(second, PendingState::pending, "cli:root", 300))
        << "pending is not a decision";

    const auto all = value_of(store().list_pending());
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0].id, first);
    EXPECT_EQ(all[0].state, PendingState::approved);
    EXPECT_EQ(all[0].decided, 200);
    EXPECT_EQ(all[0].decided_by, "cli:root");
    EXPECT_EQ(all[1].state, PendingState::pending);
    EXPECT_FALSE(value_of(store().find_pending(999)));
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreLifecycleConformance,
                         ::testing::Values(test::kSqlite, test::kPostgres),
                         [](const auto& p) { return p.param.name; });

}  // namespace
}  // namespace sealgate
