#include "crypto/import.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support.hpp"

namespace sealgate::crypto {
namespace {

using test::read_file;
using test::testdata;
using ::testing::HasSubstr;

const std::string kBobCrt = "vectors/rfc9216/bob.encrypt.crt";
const std::string kBobKey = "vectors/rfc9216/bob.decrypt.key";

TEST(Import, Rfc9216Pkcs12WithPassword) {
    for (const auto& [file, pass, email] : {std::tuple{"alice.p12", "alice", "alice@smime.example"},
                                            std::tuple{"bob.p12", "bob", "bob@smime.example"}}) {
        const auto b = read_bundle(read_file(testdata(std::string("vectors/rfc9216/") + file)),
                                   std::string(pass));
        ASSERT_TRUE(b) << file << ": " << b.error().reason;
        ASSERT_TRUE(b->key);
        ASSERT_GE(b->certificates.size(), 2u);
        EXPECT_TRUE(b->key->matches(b->certificates.front()));
        EXPECT_THAT(b->certificates.front().emails(), ::testing::Contains(email));
    }
}

TEST(Import, Pkcs12WrongOrMissingPassword) {
    const std::string p12 = read_file(testdata("vectors/rfc9216/bob.p12"));
    const auto wrong = read_bundle(p12, std::string("alice"));
    ASSERT_FALSE(wrong);
    EXPECT_EQ(wrong.error().reason, "wrong password for PKCS#12");
    const auto missing = read_bundle(p12, std::nullopt);
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().reason, "wrong password for PKCS#12");
}

TEST(Import, Pkcs12WithEmptyPassword) {
    test::TempDir dir;
    std::filesystem::copy_file(testdata(kBobCrt), dir / "c.pem");
    std::filesystem::copy_file(testdata(kBobKey), dir / "k.pem");
    ASSERT_EQ(dir.run("openssl pkcs12 -export -in c.pem -inkey k.pem -passout pass: -out e.p12"),
              0);
    for (const auto& pw : {std::optional<std::string>{}, std::optional<std::string>{""}}) {
        const auto b = read_bundle(dir.read("e.p12"), pw);
        ASSERT_TRUE(b) << b.error().reason;
        ASSERT_TRUE(b->key);
        EXPECT_TRUE(b->key->matches(b->certificates.front()));
    }
}

TEST(Import, PemCertificateChainWithPkcs8KeyPutsEndEntityFirst) {
    // CA first, then the end entity, key last: the end entity must come out first.
    const std::string pem = read_file(testdata("vectors/rfc9216/ca.rsa.crt")) +
                            read_file(testdata(kBobCrt)) + read_file(testdata(kBobKey));
    const auto b = read_bundle(pem, std::nullopt);
    ASSERT_TRUE(b) << b.error().reason;
    ASSERT_EQ(b->certificates.size(), 2u);
    ASSERT_TRUE(b->key);
    EXPECT_THAT(b->certificates.front().emails(), ::testing::Contains("bob@smime.example"));
    EXPECT_TRUE(b->certificates.back().is_ca());
}

TEST(Import, PemCertificatesOnly) {
    const auto b = read_bundle(
        read_file(testdata(kBobCrt)) + read_file(testdata("vectors/rfc9216/alice.encrypt.crt")),
        std::nullopt);
    ASSERT_TRUE(b) << b.error().reason;
    EXPECT_EQ(b->certificates.size(), 2u);
    EXPECT_FALSE(b->key);
}

TEST(Import, DerCertificate) {
    const auto b = read_bundle(read_file(testdata("vectors/rfc4134/BobRSASignByCarl.cer")), {});
    ASSERT_TRUE(b) << b.error().reason;
    ASSERT_EQ(b->certificates.size(), 1u);
    EXPECT_EQ(b->certificates[0].subject(), "CN=BobRSA");
}

TEST(Import, TraditionalAndEncryptedKeys) {
    test::TempDir dir;
    std::filesystem::copy_file(testdata(kBobKey), dir / "k.pem");
    const std::string crt = read_file(testdata(kBobCrt));
    ASSERT_EQ(dir.run("openssl rsa -in k.pem -traditional -out trad.pem"), 0);
    ASSERT_EQ(
        dir.run("openssl pkcs8 -topk8 -in k.pem -v2 aes-256-cbc -passout pass:s3cret -out enc.pem"),
        0);
    ASSERT_EQ(
        dir.run("openssl rsa -in k.pem -traditional -aes256 -passout pass:s3cret -out tradenc.pem"),
        0);
    ASSERT_THAT(dir.read("trad.pem"), HasSubstr("BEGIN RSA PRIVATE KEY"));
    ASSERT_THAT(dir.read("enc.pem"), HasSubstr("BEGIN ENCRYPTED PRIVATE KEY"));

    const auto trad = read_bundle(dir.read("trad.pem") + crt, std::nullopt);
    ASSERT_TRUE(trad) << trad.error().reason;
    EXPECT_TRUE(trad->key);
    for (const char* f : {"enc.pem", "tradenc.pem"}) {
        const auto good = read_bundle(crt + dir.read(f), std::string("s3cret"));
        ASSERT_TRUE(good) << f << ": " << good.error().reason;
        EXPECT_TRUE(good->key->matches(good->certificates.front()));
        const auto wrong = read_bundle(crt + dir.read(f), std::string("nope"));
        ASSERT_FALSE(wrong);
        EXPECT_EQ(wrong.error().reason, "wrong password for the private key");
        const auto none = read_bundle(crt + dir.read(f), std::nullopt);
        ASSERT_FALSE(none);
        EXPECT_EQ(none.error().reason, "the private key is encrypted: a password is needed");
    }
}

TEST(Import, EcKey) {
    test::TempDir dir;
    ASSERT_EQ(dir.run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
                      "-keyout k.pem -out c.pem -days 30 -subj /CN=ec"),
              0);
    ASSERT_EQ(dir.run("openssl ec -in k.pem -out trad.pem"), 0);
    const auto b = read_bundle(dir.read("c.pem") + dir.read("trad.pem"), std::nullopt);
    ASSERT_TRUE(b) << b.error().reason;
    EXPECT_EQ(b->certificates.front().key_type(), "EC P-256");
    EXPECT_EQ(b->certificates.front().key_bits(), 256);
    EXPECT_TRUE(b->key);
}

TEST(Import, KeyMatchingNoCertificate) {
    const auto b = read_bundle(
        read_file(testdata("vectors/rfc9216/alice.encrypt.crt")) + read_file(testdata(kBobKey)),
        std::nullopt);
    ASSERT_FALSE(b);
    EXPECT_EQ(b.error().reason, "private key matches none of the certificates");
}

TEST(Import, Garbage) {
    for (const std::string& junk :
         {std::string("hello world"), std::string(), std::string("\x30\x03\x02\x01\x01", 5)}) {
        const auto b = read_bundle(junk, std::nullopt);
        ASSERT_FALSE(b);
        EXPECT_EQ(b.error().reason, "not a certificate, key or PKCS#12 file");
        EXPECT_EQ(b.error().code, 554);
    }
}

TEST(Import, Pkcs8DerKeyRoundTrip) {
    const auto k =
        PrivateKey::from_pkcs8_der(read_file(testdata("vectors/rfc4134/BobPrivRSAEncrypt.pri")));
    ASSERT_TRUE(k) << k.error().reason;
    const auto cert =
        Certificate::read(read_file(testdata("vectors/rfc4134/BobRSASignByCarl.cer")));
    ASSERT_TRUE(cert);
    EXPECT_TRUE(k->matches(*cert));
    const auto again = PrivateKey::from_pkcs8_der(k->to_pkcs8_der());
    ASSERT_TRUE(again);
    EXPECT_TRUE(again->matches(*cert));
    EXPECT_FALSE(PrivateKey::from_pkcs8_der("junk"));
}

TEST(Crl, PemAndDer) {
    const auto der = Crl::read(read_file(testdata("vectors/rfc4134/CarlRSACRLForAll.crl")));
    ASSERT_TRUE(der) << der.error().reason;
    EXPECT_EQ(der->issuer(), "CN=CarlRSA");
    EXPECT_GT(der->last_update(), 0);
    test::TempDir dir;
    dir.write("c.der", der->der());
    ASSERT_EQ(dir.run("openssl crl -inform DER -in c.der -out c.pem"), 0);
    const auto pem = Crl::read(dir.read("c.pem"));
    ASSERT_TRUE(pem) << pem.error().reason;
    EXPECT_EQ(pem->der(), der->der());
    EXPECT_FALSE(Crl::read("garbage"));
}

}  // namespace
}  // namespace sealgate::crypto
