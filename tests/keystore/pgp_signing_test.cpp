// KeyStore's OpenPGP mail signatures (docs/signing.md): pgp_sign_entity with the cached
// decryption keys, and pgp_decrypt judging the signatures inside a message with given keys.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "keystore/keystore.hpp"
#include "openpgp/key.hpp"
#include "openpgp/signature.hpp"
#include "support/result.hpp"
#include "support/store.hpp"
#include "support/temp_dir.hpp"

namespace sealgate {
namespace {

class KeyStorePgpSigning : public ::testing::Test {
  protected:
    void SetUp() override {
        store_ = test::open_store(dir_);
        ASSERT_TRUE(store_);
        auto master = MasterKey::create(dir_.file("s.db.key"));
        ASSERT_TRUE(master) << master.error().reason;
        keys_ = std::make_unique<keystore::KeyStore>(*store_, std::move(*master));
        ours_ = value_of(
            openpgp::create_key("<domain-cert@our.example>", openpgp::KeyAlgorithm::ed25519, 0));
        PgpKeyRecord rec;
        rec.fingerprint = ours_.fingerprint;
        rec.public_key = ours_.public_key;
        rec.sealed_secret = value_of(keys_->seal_pgp_secret(ours_.fingerprint, ours_.secret_key));
        ASSERT_OK(store_->put_pgp_key(rec));
    }

    test::TempDir dir_;
    std::unique_ptr<SqliteStore> store_;
    std::unique_ptr<keystore::KeyStore> keys_;
    openpgp::KeyMaterial ours_;
};

TEST_F(KeyStorePgpSigning, SignsEntitiesWithTheHeldKey) {
    const std::string entity = "Content-Type: text/plain\r\n\r\nsigned by the gateway\r\n";
    auto sig = keys_->pgp_sign_entity(ours_.fingerprint, entity);
    ASSERT_TRUE(sig) << sig.error().reason;
    EXPECT_EQ(sig->rfind("-----BEGIN PGP SIGNATURE-----", 0), 0U);
    const std::vector<std::string> given{ours_.public_key};
    auto check = openpgp::check_signature(given, entity, *sig);
    ASSERT_TRUE(check) << check.error().reason;
    EXPECT_TRUE(check->valid) << check->reason;
    EXPECT_EQ(check->key, ours_.fingerprint);

    auto other = openpgp::create_key("<x@partner.example>", openpgp::KeyAlgorithm::ed25519, 0);
    ASSERT_TRUE(other);
    auto missing = keys_->pgp_sign_entity(other->fingerprint, entity);
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().kind, ErrorKind::not_found);
}

TEST_F(KeyStorePgpSigning, DecryptReportsTheSignaturesOfTheGivenKeys) {
    // A message that is encrypted only has no signatures, with or without keys given.
    const std::vector<std::string> to_us{ours_.public_key};
    auto enc = openpgp::encrypt("Content-Type: text/plain\r\n\r\nhi\r\n", to_us);
    ASSERT_TRUE(enc);
    auto out = keys_->pgp_decrypt(enc->armored, to_us);
    ASSERT_TRUE(out && out->has_value()) << (out ? "" : out.error().reason);
    EXPECT_EQ((*out)->key, ours_.fingerprint);
    EXPECT_TRUE((*out)->signatures.empty());
    // Garbage still fails as with pgp_decrypt(message).
    EXPECT_FALSE(keys_->pgp_decrypt("not a message", to_us));
}

}  // namespace
}  // namespace sealgate
