// KeyStore::smime_sign_entity: mail signatures with the keys held for decryption.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "crypto/cms_sign.hpp"
#include "crypto/keygen.hpp"
#include "keystore/keystore.hpp"
#include "support/store.hpp"
#include "support/temp_dir.hpp"

namespace sealgate::keystore {
namespace {

using ::testing::HasSubstr;

const std::string kEntity = "Content-Type: text/plain\r\n\r\nSigned by the gateway.\r\n";

std::pair<crypto::Certificate, crypto::PrivateKey> make(const std::string& email) {
    crypto::CertificateRequest req;
    req.email = email;
    req.algorithm = crypto::KeyAlgorithm::p256;
    auto r = crypto::create_domain_certificate(req);
    EXPECT_TRUE(r) << r.error().reason;
    return *r;
}

class SmimeSignEntity : public ::testing::Test {
  protected:
    void SetUp() override {
        store_ = test::open_store(dir_);
        ASSERT_TRUE(store_);
        auto master = MasterKey::create(dir_.file("s.db.key"));
        ASSERT_TRUE(master) << master.error().reason;
        keys_ = std::make_unique<KeyStore>(*store_, std::move(*master));
    }
    test::TempDir dir_;
    std::unique_ptr<SqliteStore> store_;
    std::unique_ptr<KeyStore> keys_;
};

TEST_F(SmimeSignEntity, SignsWithTheHeldKeyOfThatCertificate) {
    const auto ours = make("domain-cert@our.example");
    const auto other = make("domain-cert@other.example");
    ASSERT_TRUE(keys_->add_smime_key(ours.first, ours.second));
    ASSERT_TRUE(keys_->add_smime_key(other.first, other.second));
    const auto chain = std::vector<crypto::Certificate>{other.first};
    const auto sig =
        keys_->smime_sign_entity(ours.first.sha256(), kEntity, chain, crypto::CmsProfile::modern);
    ASSERT_TRUE(sig) << sig.error().reason;
    const auto check = crypto::cms_check_signature(*sig, kEntity, {ours.first});
    ASSERT_TRUE(check) << check.error().reason;
    EXPECT_TRUE(check->intact) << check->reason;
    EXPECT_TRUE(check->signer_is_candidate);
    // The cached keys follow the store: a key added after the first signature signs as well.
    const auto later = make("domain-cert@later.example");
    ASSERT_TRUE(keys_->add_smime_key(later.first, later.second));
    const auto sig2 =
        keys_->smime_sign_entity(later.first.sha256(), kEntity, {}, crypto::CmsProfile::compat);
    ASSERT_TRUE(sig2) << sig2.error().reason;
    EXPECT_TRUE(crypto::cms_check_signature(*sig2, kEntity, {later.first})->intact);
}

TEST_F(SmimeSignEntity, NoKeyHeldIsNotFound) {
    const auto ours = make("domain-cert@our.example");
    const auto partner = make("domain-cert@partner.example");
    ASSERT_TRUE(keys_->add_smime_key(ours.first, ours.second));
    // A partner's certificate is stored without a private key.
    ASSERT_TRUE(store_->put_certificate(
        CertRecord{partner.first.sha256(), partner.first.der(), false, std::time(nullptr)}));
    for (const std::string& sha : {partner.first.sha256(), std::string(64, '0')}) {
        const auto sig = keys_->smime_sign_entity(sha, kEntity, {}, crypto::CmsProfile::compat);
        ASSERT_FALSE(sig);
        EXPECT_EQ(sig.error().kind, ErrorKind::not_found);
        EXPECT_THAT(sig.error().reason, HasSubstr("no private key held"));
    }
}

}  // namespace
}  // namespace sealgate::keystore
