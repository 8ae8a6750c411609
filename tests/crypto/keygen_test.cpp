#include "crypto/keygen.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <ctime>

#include "support.hpp"

namespace sealgate::crypto {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

CertificateRequest request(std::string email, KeyAlgorithm alg, int days = 30) {
    CertificateRequest req;
    req.email = std::move(email);
    req.algorithm = alg;
    req.days = days;
    return req;
}

struct Case {
    KeyAlgorithm alg;
    const char* type;
    int bits;
    const char* usage;  // the second keyUsage bit
};

class Keygen : public ::testing::TestWithParam<Case> {};

TEST_P(Keygen, DomainCertificateHasTheProfile) {
    const Case c = GetParam();
    const std::time_t before = std::time(nullptr);
    const auto r = create_domain_certificate(request("domain-cert@example.com", c.alg));
    ASSERT_TRUE(r) << r.error().reason;
    const auto& [cert, key] = *r;
    EXPECT_EQ(cert.key_type(), c.type);
    EXPECT_EQ(cert.key_bits(), c.bits);
    EXPECT_TRUE(key.matches(cert));
    EXPECT_TRUE(cert.self_signed());
    EXPECT_FALSE(cert.is_ca());
    EXPECT_EQ(cert.subject(), "CN=domain-cert@example.com");
    EXPECT_EQ(cert.issuer(), cert.subject());
    EXPECT_THAT(cert.emails(), ElementsAre("domain-cert@example.com"));
    EXPECT_THAT(cert.key_usage(), ElementsAre("digitalSignature", c.usage));
    EXPECT_THAT(cert.ext_key_usage(), ElementsAre("emailProtection"));
    EXPECT_EQ(cert.serial().size(), 32u);  // 128 bits, top bit set
    EXPECT_NEAR(static_cast<double>(cert.not_before()), static_cast<double>(before - 3600), 60.0);
    EXPECT_NEAR(static_cast<double>(cert.not_after()), static_cast<double>(before + 30 * 86400),
                60.0);

    // Critical KU and basicConstraints, SKI/AKI, SHA-256 signature, as openssl reads them.
    test::TempDir dir;
    dir.write("c.pem", cert.pem());
    const std::string text = dir.output("openssl x509 -in c.pem -noout -text");
    EXPECT_THAT(text, HasSubstr("X509v3 Key Usage: critical"));
    EXPECT_THAT(text, HasSubstr("X509v3 Basic Constraints: critical\n                CA:FALSE"));
    EXPECT_THAT(text, HasSubstr("X509v3 Subject Key Identifier"));
    EXPECT_THAT(text, HasSubstr("X509v3 Authority Key Identifier"));
    EXPECT_THAT(text, ::testing::AnyOf(HasSubstr("Signature Algorithm: sha256WithRSAEncryption"),
                                       HasSubstr("Signature Algorithm: ecdsa-with-SHA256")));
    EXPECT_THAT(text, HasSubstr("email:domain-cert@example.com"));
    // OpenSSL's smimeencrypt purpose knows only keyEncipherment, not ECDH's keyAgreement.
    const std::string purpose = c.alg == KeyAlgorithm::p256 ? "any" : "smimeencrypt";
    EXPECT_EQ(dir.run("openssl verify -CAfile c.pem -purpose " + purpose + " c.pem"), 0)
        << dir.read("cmd.err");

    // openssl encrypts to it and decrypts with our key.
    dir.write("k.pem", test::key_pem(key));
    dir.write("in.txt", "Content-Type: text/plain\r\n\r\nhello\r\n");
    ASSERT_EQ(
        dir.run("openssl cms -encrypt -aes256 -binary -in in.txt -outform DER -out e.der c.pem"), 0)
        << dir.read("cmd.err");
    ASSERT_EQ(
        dir.run("openssl cms -decrypt -binary -inform DER -in e.der -inkey k.pem -recip c.pem "
                "-out out.txt"),
        0)
        << dir.read("cmd.err");
    EXPECT_EQ(dir.read("out.txt"), dir.read("in.txt"));
}

INSTANTIATE_TEST_SUITE_P(
    Algorithms, Keygen,
    ::testing::Values(Case{KeyAlgorithm::rsa2048, "RSA", 2048, "keyEncipherment"},
                      Case{KeyAlgorithm::rsa3072, "RSA", 3072, "keyEncipherment"},
                      Case{KeyAlgorithm::p256, "EC P-256", 256, "keyAgreement"}));

TEST(KeygenDefaults, Rsa3072AndCommonName) {
    CertificateRequest req;
    req.email = "a@b.example";
    req.common_name = "Example Gateway";
    EXPECT_EQ(req.algorithm, KeyAlgorithm::rsa3072);
    const auto r = create_domain_certificate(req);
    ASSERT_TRUE(r) << r.error().reason;
    EXPECT_EQ(r->first.subject(), "CN=Example Gateway");
    EXPECT_EQ(r->first.key_bits(), 3072);
}

TEST(KeygenDefaults, SerialsDiffer) {
    const CertificateRequest req = request("a@b.example", KeyAlgorithm::p256);
    const auto a = create_domain_certificate(req);
    const auto b = create_domain_certificate(req);
    ASSERT_TRUE(a && b);
    EXPECT_NE(a->first.serial(), b->first.serial());
}

TEST(KeygenDefaults, RefusesInjectedOrBrokenEmail) {
    for (const char* bad : {"", "no-at-sign", "a@b,email:evil@x", "two@@at", "sp ace@x.example",
                            "\xc3\xa4@x.example"}) {
        const auto r = create_domain_certificate(request(bad, KeyAlgorithm::p256));
        EXPECT_FALSE(r) << bad;
    }
    EXPECT_FALSE(create_domain_certificate(request("a@b.example", KeyAlgorithm::p256, 0)));
}

// The admin listener's own certificate: ECDSA P-256 for TLS servers, its hosts in
// subjectAltName, as openssl reads it; a browser's "serverAuth" check passes.
TEST(KeygenServer, TlsServerCertificateHasTheProfile) {
    const std::time_t before = std::time(nullptr);
    const auto r = create_server_certificate({"127.0.0.1", "localhost", "gw.example.com"}, 825);
    ASSERT_TRUE(r) << r.error().reason;
    const auto& [cert, key] = *r;
    EXPECT_EQ(cert.key_type(), "EC P-256");
    EXPECT_TRUE(key.matches(cert));
    EXPECT_TRUE(cert.self_signed());
    EXPECT_FALSE(cert.is_ca());
    EXPECT_EQ(cert.subject(), "CN=127.0.0.1");
    EXPECT_THAT(cert.key_usage(), ElementsAre("digitalSignature"));
    EXPECT_THAT(cert.ext_key_usage(), ElementsAre("serverAuth"));
    EXPECT_TRUE(cert.emails().empty());
    EXPECT_NEAR(static_cast<double>(cert.not_after()), static_cast<double>(before + 825 * 86400),
                60.0);
    test::TempDir dir;
    dir.write("c.pem", cert.pem());
    const std::string text = dir.output("openssl x509 -in c.pem -noout -text");
    EXPECT_THAT(text, HasSubstr("IP Address:127.0.0.1, DNS:localhost, DNS:gw.example.com"));
    EXPECT_EQ(dir.run("openssl verify -CAfile c.pem -purpose sslserver c.pem"), 0)
        << dir.read("cmd.err");
    EXPECT_EQ(dir.run("openssl x509 -in c.pem -noout -checkhost localhost | grep -q 'does match'"),
              0);
}

TEST(KeygenServer, RefusesNoHostOrAHostWithOtherCharacters) {
    EXPECT_FALSE(create_server_certificate({}, 825));
    EXPECT_FALSE(create_server_certificate({"gw.example.com,DNS:evil.example"}, 825));
    EXPECT_FALSE(create_server_certificate({"sp ace"}, 825));
    EXPECT_FALSE(create_server_certificate({"localhost"}, 0));
}

TEST(KeygenDefaults, ParseKeyAlgorithm) {
    EXPECT_EQ(parse_key_algorithm("rsa2048"), KeyAlgorithm::rsa2048);
    EXPECT_EQ(parse_key_algorithm("rsa3072"), KeyAlgorithm::rsa3072);
    EXPECT_EQ(parse_key_algorithm("rsa4096"), KeyAlgorithm::rsa4096);
    EXPECT_EQ(parse_key_algorithm("p256"), KeyAlgorithm::p256);
    EXPECT_FALSE(parse_key_algorithm("dsa"));
}

}  // namespace
}  // namespace sealgate::crypto
