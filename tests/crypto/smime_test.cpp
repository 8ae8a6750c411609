#include "crypto/smime.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "crypto/keygen.hpp"
#include "support.hpp"

namespace sealgate::crypto {
namespace {

using test::read_file;
using test::testdata;
using ::testing::HasSubstr;

struct Identity {
    Certificate cert;
    PrivateKey key;
};

Identity make(KeyAlgorithm alg, const std::string& email) {
    CertificateRequest req;
    req.email = email;
    req.algorithm = alg;
    auto r = create_domain_certificate(req);
    if (!r)
        ADD_FAILURE() << r.error().reason;
    return Identity{r->first, r->second};
}

// Key generation is the slow part: one RSA and one EC identity per test program.
const Identity& rsa() {
    static const Identity id = make(KeyAlgorithm::rsa2048, "rsa@partner.example");
    return id;
}
const Identity& ec() {
    static const Identity id = make(KeyAlgorithm::p256, "ec@partner.example");
    return id;
}

struct ProfileCase {
    CmsProfile profile;
    bool use_ec;
    const char* algorithm;
    const char* key_management;
};

class RoundTrip : public ::testing::TestWithParam<ProfileCase> {};

TEST_P(RoundTrip, EveryBodyComesBackByteForByte) {
    const ProfileCase c = GetParam();
    const Identity& id = c.use_ec ? ec() : rsa();
    for (const test::Body& body : test::bodies()) {
        const auto enc = cms_encrypt(body.bytes, {id.cert}, c.profile);
        ASSERT_TRUE(enc) << body.name << ": " << enc.error().reason;
        EXPECT_EQ(enc->algorithm, c.algorithm);
        EXPECT_EQ(enc->key_management, c.key_management);
        EXPECT_EQ(enc->auth_enveloped, c.profile == CmsProfile::modern);
        const auto env = Envelope::parse(enc->der);
        ASSERT_TRUE(env) << env.error().reason;
        EXPECT_EQ(env->auth_enveloped(), c.profile == CmsProfile::modern);
        EXPECT_EQ(env->content_algorithm(), c.algorithm);
        EXPECT_TRUE(env->addressed_to(id.cert));
        EXPECT_FALSE(env->addressed_to(c.use_ec ? rsa().cert : ec().cert));
        const auto plain = env->decrypt(id.key, id.cert);
        ASSERT_TRUE(plain) << body.name << ": " << plain.error().reason;
        EXPECT_TRUE(*plain == body.bytes) << body.name;  // no 10 MB diff on failure
    }
}

INSTANTIATE_TEST_SUITE_P(
    Profiles, RoundTrip,
    ::testing::Values(ProfileCase{CmsProfile::compat, false, "aes256-cbc", "rsa"},
                      ProfileCase{CmsProfile::modern, false, "aes256-gcm", "rsa-oaep"},
                      ProfileCase{CmsProfile::compat, true, "aes256-cbc", "ecdh"},
                      ProfileCase{CmsProfile::modern, true, "aes256-gcm", "ecdh"}));

TEST(Smime, TwoRecipientsBothDecrypt) {
    const std::string entity = test::bodies(false)[1].bytes;
    for (const CmsProfile p : {CmsProfile::compat, CmsProfile::modern}) {
        const auto enc = cms_encrypt(entity, {rsa().cert, ec().cert}, p);
        ASSERT_TRUE(enc) << enc.error().reason;
        EXPECT_THAT(enc->key_management, HasSubstr(","));
        const auto env = Envelope::parse(enc->der);
        ASSERT_TRUE(env);
        for (const Identity* id : {&rsa(), &ec()}) {
            EXPECT_TRUE(env->addressed_to(id->cert));
            const auto plain = env->decrypt(id->key, id->cert);
            ASSERT_TRUE(plain) << plain.error().reason;
            EXPECT_EQ(*plain, entity);
        }
    }
}

TEST(Smime, NoRecipientsIsAnError) {
    EXPECT_FALSE(cms_encrypt("x", {}, CmsProfile::compat));
}

TEST(Smime, WrongKeyFails) {
    const Identity other = make(KeyAlgorithm::rsa2048, "other@partner.example");
    for (const CmsProfile p : {CmsProfile::compat, CmsProfile::modern}) {
        const auto enc = cms_encrypt("secret\r\n", {rsa().cert}, p);
        ASSERT_TRUE(enc);
        const auto env = Envelope::parse(enc->der);
        ASSERT_TRUE(env);
        EXPECT_FALSE(env->addressed_to(other.cert));
        const auto wrong_cert = env->decrypt(other.key, other.cert);
        ASSERT_FALSE(wrong_cert);
        EXPECT_THAT(wrong_cert.error().reason, HasSubstr("S/MIME decryption failed"));
        // The right certificate but a key that is not its own.
        EXPECT_FALSE(env->decrypt(other.key, rsa().cert));
    }
}

TEST(Smime, TruncatedOrForeignDerFails) {
    const auto enc = cms_encrypt("secret\r\n", {rsa().cert}, CmsProfile::modern);
    ASSERT_TRUE(enc);
    for (const std::size_t n :
         {std::size_t{0}, std::size_t{10}, enc->der.size() / 2, enc->der.size() - 1}) {
        const auto env = Envelope::parse(std::string_view(enc->der).substr(0, n));
        ASSERT_FALSE(env) << n;
        EXPECT_THAT(env.error().reason, HasSubstr("not a CMS structure"));
    }
    // RFC 4134 4.1 is SignedData: a CMS structure, but nothing to decrypt.
    const auto signed_data = Envelope::parse(read_file(testdata("vectors/rfc4134/4.1.bin")));
    ASSERT_FALSE(signed_data);
    EXPECT_THAT(signed_data.error().reason, HasSubstr("not (Auth)EnvelopedData"));
}

TEST(Smime, FlippedByteInGcmCiphertextFails) {
    const std::string entity = test::bodies(false)[2].bytes;
    const auto enc = cms_encrypt(entity, {rsa().cert}, CmsProfile::modern);
    ASSERT_TRUE(enc);
    // The encrypted content sits before the 16-byte tag at the end; flip one byte in it.
    std::string der = enc->der;
    der[der.size() - 40] = static_cast<char>(der[der.size() - 40] ^ 0x01);
    const auto env = Envelope::parse(der);
    ASSERT_TRUE(env) << env.error().reason;
    const auto plain = env->decrypt(rsa().key, rsa().cert);
    EXPECT_FALSE(plain);
    // The tag itself.
    der = enc->der;
    der[der.size() - 1] = static_cast<char>(der[der.size() - 1] ^ 0x80);
    const auto env2 = Envelope::parse(der);
    ASSERT_TRUE(env2);
    EXPECT_FALSE(env2->decrypt(rsa().key, rsa().cert));
}

TEST(Smime, Rfc4134Example53TripleDes) {
    const std::string der = test::eml_body_der(read_file(testdata("vectors/rfc4134/5.3.eml")));
    const auto env = Envelope::parse(der);
    ASSERT_TRUE(env) << env.error().reason;
    EXPECT_EQ(env->content_algorithm(), "des-ede3-cbc");
    EXPECT_FALSE(env->auth_enveloped());
    const auto key =
        PrivateKey::from_pkcs8_der(read_file(testdata("vectors/rfc4134/BobPrivRSAEncrypt.pri")));
    const auto cert =
        Certificate::read(read_file(testdata("vectors/rfc4134/BobRSASignByCarl.cer")));
    ASSERT_TRUE(key && cert);
    EXPECT_TRUE(env->addressed_to(*cert));
    const auto plain = env->decrypt(*key, *cert);
    ASSERT_TRUE(plain) << plain.error().reason;
    EXPECT_EQ(*plain, "This is some sample content.");
}

TEST(Smime, Rfc9788C14ToRfc9216Bob) {
    const auto env = Envelope::parse(read_file(testdata("vectors/rfc9788/c1.4.der")));
    ASSERT_TRUE(env) << env.error().reason;
    EXPECT_EQ(env->content_algorithm(), "aes128-cbc");
    const auto bob = read_bundle(read_file(testdata("vectors/rfc9216/bob.decrypt.key")) +
                                     read_file(testdata("vectors/rfc9216/bob.encrypt.crt")),
                                 std::nullopt);
    ASSERT_TRUE(bob) << bob.error().reason;
    const Certificate& cert = bob->certificates.front();
    EXPECT_TRUE(env->addressed_to(cert));
    const auto plain = env->decrypt(*bob->key, cert);
    ASSERT_TRUE(plain) << plain.error().reason;
    // The plaintext is the signed inner entity (application/pkcs7-mime; smime-type=signed-data).
    EXPECT_EQ(*plain, read_file(testdata("vectors/rfc9788/c1.4.signed")));
}

}  // namespace
}  // namespace sealgate::crypto
