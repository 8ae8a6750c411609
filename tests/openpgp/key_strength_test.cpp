// The key-strength table for OpenPGP keys (make-key-table.sh, made with gpg): the primary key
// and the encryption subkey that encryption_usability() picks, with the family, size and curve
// librnp reports. librnp itself accepts every one of these keys and encrypts to the weak ones
// too: judging them is the policy's job (tests/policy/key_strength_test.cpp).
#include <gtest/gtest.h>

#include <memory>

#include "openpgp/key.hpp"
#include "openpgp/message.hpp"
#include "peer.hpp"

namespace sealgate::openpgp {
namespace {

class PgpKeyStrengthTable : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        dir_ = std::make_unique<testing::TempDir>();
        const int rc =
            dir_->run("sh '" + std::string(SEALGATE_TEST_SOURCE_DIR) + "/make-key-table.sh' .");
        ASSERT_EQ(rc, 0) << dir_->log() << dir_->get("keys.log");
    }
    static void TearDownTestSuite() { dir_.reset(); }
    static std::string key(const std::string& name) { return dir_->get(name + ".pgp"); }
    static std::unique_ptr<testing::TempDir> dir_;
};
std::unique_ptr<testing::TempDir> PgpKeyStrengthTable::dir_;

struct Part {
    KeyFamily family;
    unsigned bits;
    const char* curve;  // librnp's name
};

struct Row {
    const char* name;
    Part primary;
    Part encryption;
};

const Row kRows[] = {
    {"rsa1024", {KeyFamily::rsa, 1024, ""}, {KeyFamily::rsa, 1024, ""}},
    {"rsa2048", {KeyFamily::rsa, 2048, ""}, {KeyFamily::rsa, 2048, ""}},
    {"elg1024", {KeyFamily::dsa, 2048, ""}, {KeyFamily::elgamal, 1024, ""}},
    {"dsa1024", {KeyFamily::dsa, 1024, ""}, {KeyFamily::elgamal, 2048, ""}},
    {"ed25519", {KeyFamily::ecc, 255, "Ed25519"}, {KeyFamily::ecc, 255, "Curve25519"}},
    {"p256", {KeyFamily::ecc, 256, "NIST P-256"}, {KeyFamily::ecc, 256, "NIST P-256"}},
    {"bp256", {KeyFamily::ecc, 256, "brainpoolP256r1"}, {KeyFamily::ecc, 256, "brainpoolP256r1"}},
    {"secp256k1", {KeyFamily::ecc, 256, "secp256k1"}, {KeyFamily::ecc, 256, "secp256k1"}},
};

void expect_part(const KeyStrength& s, const Part& p) {
    EXPECT_EQ(s.family, p.family);
    EXPECT_EQ(s.bits, p.bits);
    EXPECT_EQ(s.curve, p.curve);
    EXPECT_EQ(s.unusable, "");
}

TEST_F(PgpKeyStrengthTable, PrimaryAndEncryptionSubkeyAsLibrnpReadsThem) {
    for (const Row& row : kRows) {
        SCOPED_TRACE(row.name);
        auto u = encryption_usability(key(row.name));
        ASSERT_TRUE(u) << u.error().reason;
        EXPECT_TRUE(u->usable) << u->reason;  // librnp's verdict knows nothing of strength
        expect_part(u->primary_strength, row.primary);
        expect_part(u->encryption_strength, row.encryption);
        // The subkey judged is the one encryption uses.
        auto info = key_info(key(row.name));
        ASSERT_TRUE(info);
        ASSERT_EQ(info->subkeys.size(), 1u);
        EXPECT_EQ(u->encryption_key, info->subkeys[0].fingerprint);
        expect_part(info->subkeys[0].strength, row.encryption);
        expect_part(info->primary.strength, row.primary);
    }
}

TEST_F(PgpKeyStrengthTable, LibrnpWouldEncryptToTheWeakOnes) {
    // Why the policy has to judge: librnp 0.16 encrypts to ElGamal-1024 and RSA-1024 silently.
    for (const char* name : {"elg1024", "rsa1024"}) {
        const std::string pub = key(name);
        auto out = encrypt("hello", std::span<const std::string>(&pub, 1));
        ASSERT_TRUE(out) << name << ": " << out.error().reason;
        EXPECT_EQ(out->keys.size(), 1u);
    }
}

TEST_F(PgpKeyStrengthTable, StrengthIsKnownForAnUnusableKeyToo) {
    // The secret key file describes the same primary; a key without an encryption subkey
    // reports family none for it.
    auto u = encryption_usability(dir_->get("dsa1024.sec"));
    ASSERT_TRUE(u) << u.error().reason;
    EXPECT_EQ(u->primary_strength.family, KeyFamily::dsa);
    EXPECT_EQ(u->primary_strength.describe(), "DSA 1024 bits");
    ASSERT_EQ(dir_->run(testing::TempDir::gpg() +
                        " --quick-gen-key '<signonly@keys.example>' "
                        "rsa2048 cert,sign never && " +
                        testing::TempDir::gpg() + " --export '<signonly@keys.example>' > so.pgp"),
              0)
        << dir_->log();
    u = encryption_usability(dir_->get("so.pgp"));
    ASSERT_TRUE(u) << u.error().reason;
    EXPECT_FALSE(u->usable);
    EXPECT_EQ(u->reason, "no valid encryption subkey");
    EXPECT_EQ(u->primary_strength.describe(), "RSA 2048 bits");
    EXPECT_EQ(u->encryption_strength.family, KeyFamily::none);
}

}  // namespace
}  // namespace sealgate::openpgp
