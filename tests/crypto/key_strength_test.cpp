// The key-strength table for X.509 keys (make-key-table.sh, made with the openssl CLI): what
// Certificate::key_strength() reads, and which keys S/MIME encryption cannot use at all
// (recipient_key_problem, and encryption_usability refusing them with that reason). The minimum
// sizes and accepted curves are the policy's (tests/policy/key_strength_test.cpp).
#include <gtest/gtest.h>

#include <memory>

#include "crypto/smime.hpp"
#include "crypto/verify.hpp"
#include "support.hpp"

namespace sealgate::crypto {
namespace {

class KeyStrengthTable : public ::testing::Test {
  protected:
    static void SetUpTestSuite() { keys_ = std::make_unique<test::KeyTable>(); }
    static void TearDownTestSuite() { keys_.reset(); }
    static TrustContext trust() {
        TrustContext t;
        t.roots.push_back(keys_->cert("ca"));
        return t;
    }
    static std::unique_ptr<test::KeyTable> keys_;
};
std::unique_ptr<test::KeyTable> KeyStrengthTable::keys_;

struct Row {
    const char* name;
    KeyFamily family;
    unsigned bits;
    const char* curve;    // as OpenSSL names it (NIST name where there is one)
    const char* problem;  // recipient_key_problem(): "" when S/MIME can encrypt to the key
};

const Row kRows[] = {
    {"rsa512", KeyFamily::rsa, 512, "", ""},
    {"rsa1024", KeyFamily::rsa, 1024, "", ""},
    {"rsa2048", KeyFamily::rsa, 2048, "", ""},
    {"rsapss2048", KeyFamily::rsa, 2048, "", "an RSA-PSS key is for signatures only"},
    {"dsa1024", KeyFamily::dsa, 1024, "", "key type not supported for S/MIME encryption: DSA"},
    {"p192", KeyFamily::ecc, 192, "P-192", ""},
    {"p224", KeyFamily::ecc, 224, "P-224", ""},
    {"p256", KeyFamily::ecc, 256, "P-256", ""},
    {"p384", KeyFamily::ecc, 384, "P-384", ""},
    {"p521", KeyFamily::ecc, 521, "P-521", ""},
    {"bp256", KeyFamily::ecc, 256, "brainpoolP256r1", ""},
    {"secp256k1", KeyFamily::ecc, 256, "secp256k1", ""},
    {"ecexplicit", KeyFamily::ecc, 256, "", ""},
    {"ed25519", KeyFamily::ecc, 256, "Ed25519",
     "key type not supported for S/MIME encryption: Ed25519"},
    {"x25519", KeyFamily::ecc, 253, "X25519",
     "key type not supported for S/MIME encryption: X25519"},
    {"rsa20000", KeyFamily::rsa, 20000, "",
     "an RSA modulus of 20000 bits is more than OpenSSL uses (at most 16384)"},
};

TEST_F(KeyStrengthTable, FactsAsOpenSslReadsThem) {
    for (const Row& row : kRows) {
        SCOPED_TRACE(row.name);
        const KeyStrength s = keys_->cert(row.name).key_strength();
        EXPECT_EQ(s.family, row.family);
        EXPECT_EQ(s.bits, row.bits);
        EXPECT_EQ(s.curve, row.curve);
        // Only the oversized modulus is a key OpenSSL cannot use at all.
        EXPECT_EQ(s.unusable, std::string(row.name) == "rsa20000" ? row.problem : "");
    }
    EXPECT_EQ(keys_->cert("ecexplicit").key_type(), "EC (explicit parameters)");
    EXPECT_EQ(keys_->cert("rsa1024").key_strength().describe(), "RSA 1024 bits");
    EXPECT_EQ(keys_->cert("p256").key_strength().describe(), "ECC P-256");
}

TEST_F(KeyStrengthTable, KeysSmimeCannotUseAreRefusedOnceWithTheReason) {
    for (const Row& row : kRows) {
        SCOPED_TRACE(row.name);
        const Certificate cert = keys_->cert(row.name);
        EXPECT_EQ(recipient_key_problem(cert), row.problem);
        const Usability u = encryption_usability(cert, CtlStatus::trusted, trust());
        if (*row.problem != '\0') {
            EXPECT_FALSE(u.usable);
            EXPECT_EQ(u.reason, std::string("key not usable: ") + row.problem);
        } else {
            // Strength is not crypto's verdict: a CTL-trusted RSA-512 key is usable here.
            EXPECT_TRUE(u.usable) << u.reason;
        }
    }
    // A CTL block still beats everything.
    EXPECT_EQ(encryption_usability(keys_->cert("rsa20000"), CtlStatus::blocked, trust()).reason,
              "blocked on the certificate trust list");
}

TEST_F(KeyStrengthTable, OversizedModulusFailsPermanentlyNotPerMessage) {
    // Before: OpenSSL's "modulus too large" came back as 451 on every message, for days.
    const auto out = cms_encrypt("Content-Type: text/plain\r\n\r\nhi\r\n",
                                 {keys_->cert("rsa20000")}, CmsProfile::compat);
    ASSERT_FALSE(out);
    EXPECT_FALSE(out.error().temporary());
    EXPECT_EQ(out.error().code, 550);
    EXPECT_EQ(out.error().status, "5.7.1");
    EXPECT_NE(out.error().reason.find("more than OpenSSL uses"), std::string::npos)
        << out.error().reason;
    // The keys S/MIME does use still encrypt.
    for (const char* name : {"rsa1024", "rsa2048", "p256", "p521", "bp256"}) {
        const auto ok = cms_encrypt("Content-Type: text/plain\r\n\r\nhi\r\n", {keys_->cert(name)},
                                    CmsProfile::modern);
        EXPECT_TRUE(ok) << name << ": " << (ok ? "" : ok.error().reason);
    }
}

}  // namespace
}  // namespace sealgate::crypto
