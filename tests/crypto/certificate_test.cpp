#include "crypto/certificate.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/hex.hpp"
#include "support.hpp"

namespace sealgate::crypto {
namespace {

using test::read_file;
using test::testdata;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

Certificate load(const std::string& rel) {
    auto c = Certificate::read(read_file(testdata(rel)));
    EXPECT_TRUE(c) << rel << ": " << (c ? "" : c.error().reason);
    return *c;
}

TEST(Certificate, Rfc4134BobFromDer) {
    const Certificate c = load("vectors/rfc4134/BobRSASignByCarl.cer");
    EXPECT_EQ(c.subject(), "CN=BobRSA");
    EXPECT_EQ(c.issuer(), "CN=CarlRSA");
    EXPECT_EQ(c.serial(), "46346bc7800056bc11d36e2ecd5d71d0");
    EXPECT_EQ(c.key_type(), "RSA");
    EXPECT_EQ(c.key_bits(), 1024);
    EXPECT_TRUE(c.has_key_usage());
    EXPECT_THAT(c.key_usage(), ElementsAre("keyEncipherment"));
    EXPECT_FALSE(c.has_ext_key_usage());
    EXPECT_THAT(c.emails(), ElementsAre("BobRSA@example.com"));
    EXPECT_FALSE(c.self_signed());
    EXPECT_FALSE(c.is_ca());
    // notBefore=Sep 19 01:09:02 1999 GMT, notAfter=Dec 31 23:59:59 2039 GMT
    EXPECT_EQ(c.not_before(), 937703342);
    EXPECT_EQ(c.not_after(), 2208988799);
}

TEST(Certificate, SelfSignedCa) {
    const Certificate ca = load("vectors/rfc4134/CarlRSASelf.cer");
    EXPECT_TRUE(ca.self_signed());
    EXPECT_TRUE(ca.is_ca());
    const Certificate lamps = load("vectors/rfc9216/ca.rsa.crt");
    EXPECT_TRUE(lamps.self_signed());
    EXPECT_TRUE(lamps.is_ca());
}

TEST(Certificate, Rfc9216BobEncryptFromPem) {
    const Certificate c = load("vectors/rfc9216/bob.encrypt.crt");
    EXPECT_EQ(c.key_type(), "RSA");
    EXPECT_EQ(c.key_bits(), 2048);
    EXPECT_THAT(c.emails(), ElementsAre("bob@smime.example"));
    EXPECT_THAT(c.key_usage(), ElementsAre("keyEncipherment"));
    EXPECT_THAT(c.ext_key_usage(), ElementsAre("emailProtection"));
    EXPECT_THAT(c.subject(), HasSubstr("CN=Bob Babbage"));
}

TEST(Certificate, DerPemRoundTrip) {
    const Certificate c = load("vectors/rfc9216/bob.encrypt.crt");
    const auto from_der = Certificate::from_der(c.der());
    ASSERT_TRUE(from_der);
    EXPECT_EQ(from_der->sha256(), c.sha256());
    const auto from_pem = Certificate::from_pem(c.pem());
    ASSERT_TRUE(from_pem);
    EXPECT_EQ(from_pem->der(), c.der());
}

// The administrator reads the thumbprint to the partner; it must be what openssl shows.
TEST(Certificate, ThumbprintsEqualOpensslFingerprint) {
    test::TempDir dir;
    for (const char* rel : {"vectors/rfc9216/bob.encrypt.crt", "vectors/rfc4134/CarlRSASelf.cer"}) {
        const Certificate c = load(rel);
        dir.write("c.pem", c.pem());
        const std::string sha256 = dir.output("openssl x509 -in c.pem -noout -fingerprint -sha256");
        const std::string sha1 = dir.output("openssl x509 -in c.pem -noout -fingerprint -sha1");
        EXPECT_EQ(sha256, "sha256 Fingerprint=" + hex_colons(c.sha256()) + "\n");
        EXPECT_EQ(sha1, "sha1 Fingerprint=" + hex_colons(c.sha1()) + "\n");
        EXPECT_EQ(c.sha256().size(), 64u);
        EXPECT_EQ(c.sha1().size(), 40u);
        const std::string serial = dir.output("openssl x509 -in c.pem -noout -serial");
        EXPECT_EQ(normalize_hex(serial.substr(7, serial.size() - 8)), c.serial());
    }
}

TEST(Certificate, RejectsGarbageAndTrailingBytes) {
    EXPECT_FALSE(Certificate::from_der("not a certificate"));
    EXPECT_FALSE(
        Certificate::from_pem("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"));
    const Certificate c = load("vectors/rfc4134/BobRSASignByCarl.cer");
    const auto trailing = Certificate::from_der(c.der() + "x");
    ASSERT_FALSE(trailing);
    EXPECT_THAT(trailing.error().reason, HasSubstr("trailing"));
    const auto truncated = Certificate::from_der(c.der().substr(0, 100));
    ASSERT_FALSE(truncated);
    EXPECT_EQ(truncated.error().code, 554);
}

}  // namespace
}  // namespace sealgate::crypto
