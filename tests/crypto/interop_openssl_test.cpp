// Interop with the openssl CLI (OpenSSL's own `cms` tool as an independent program): what we
// encrypt it decrypts byte for byte, and what it encrypts we decrypt.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "crypto/keygen.hpp"
#include "crypto/smime.hpp"
#include "support.hpp"

namespace sealgate::crypto {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

struct Identity {
    Certificate cert;
    PrivateKey key;
};

Identity make(KeyAlgorithm alg) {
    CertificateRequest req;
    req.email = "domain-cert@partner.example";
    req.algorithm = alg;
    auto r = create_domain_certificate(req);
    if (!r)
        ADD_FAILURE() << r.error().reason;
    return Identity{r->first, r->second};
}

class OpensslPeer : public ::testing::TestWithParam<KeyAlgorithm> {
  protected:
    void SetUp() override {
        id_ = std::make_unique<Identity>(make(GetParam()));
        dir_.write("c.pem", id_->cert.pem());
        dir_.write("k.pem", test::key_pem(id_->key));
    }
    bool rsa() const { return GetParam() != KeyAlgorithm::p256; }
    test::TempDir dir_;
    std::unique_ptr<Identity> id_;
};

TEST_P(OpensslPeer, DecryptsOurCompatAndModernOutput) {
    for (const CmsProfile p : {CmsProfile::compat, CmsProfile::modern}) {
        for (const test::Body& body : test::bodies()) {
            const auto enc = cms_encrypt(body.bytes, {id_->cert}, p);
            ASSERT_TRUE(enc) << enc.error().reason;
            dir_.write("in.bin", body.bytes);
            dir_.write("e.der", enc->ber);
            dir_.run("rm -f out.bin");
            ASSERT_EQ(dir_.run("openssl cms -decrypt -binary -inform DER -in e.der -inkey k.pem "
                               "-recip c.pem -out out.bin"),
                      0)
                << body.name << ": " << dir_.read("cmd.err");
            EXPECT_EQ(dir_.run("cmp -s in.bin out.bin"), 0) << body.name;
        }
    }
}

// The algorithms on the wire, as openssl prints the structure.
TEST_P(OpensslPeer, ModernProfileUsesOaepSha256OrEcdhSha256Kdf) {
    const auto modern = cms_encrypt("x\r\n", {id_->cert}, CmsProfile::modern);
    ASSERT_TRUE(modern);
    dir_.write("m.der", modern->ber);
    const std::string m = dir_.output("openssl cms -cmsout -print -inform DER -in m.der");
    EXPECT_THAT(m, HasSubstr("contentType: id-smime-ct-authEnvelopedData"));
    EXPECT_THAT(m, HasSubstr("aes-256-gcm"));
    if (rsa()) {
        EXPECT_THAT(m, HasSubstr("rsaesOaep"));
        EXPECT_THAT(m, HasSubstr("sha256"));
        EXPECT_THAT(m, Not(HasSubstr("sha1")));
    } else {
        EXPECT_THAT(m, HasSubstr("dhSinglePass-stdDH-sha256kdf-scheme"));
        EXPECT_THAT(m, HasSubstr("id-aes256-wrap"));
    }
    const auto compat = cms_encrypt("x\r\n", {id_->cert}, CmsProfile::compat);
    ASSERT_TRUE(compat);
    dir_.write("c.der", compat->ber);
    const std::string c = dir_.output("openssl cms -cmsout -print -inform DER -in c.der");
    EXPECT_THAT(c, HasSubstr("contentType: pkcs7-envelopedData"));
    EXPECT_THAT(c, HasSubstr("aes-256-cbc"));
    if (rsa()) {
        EXPECT_THAT(c, HasSubstr("algorithm: rsaEncryption"));
    } else {
        EXPECT_THAT(c, HasSubstr("dhSinglePass-stdDH-sha256kdf-scheme"));
    }
}

TEST_P(OpensslPeer, WeDecryptOpensslOutput) {
    struct Variant {
        const char* name;
        const char* options;
        const char* algorithm;
        bool rsa_only;
    };
    const Variant variants[] = {
        {"cbc", "-aes256", "aes256-cbc", false},
        {"gcm", "-aes-256-gcm", "aes256-gcm", false},
        {"aes128", "-aes128", "aes128-cbc", false},
        {"oaep",
         "-aes256 -keyopt rsa_padding_mode:oaep -keyopt rsa_oaep_md:sha256 "
         "-keyopt rsa_mgf1_md:sha256",
         "aes256-cbc", true},
        {"gcm-oaep", "-aes-256-gcm -keyopt rsa_padding_mode:oaep", "aes256-gcm", true},
    };
    for (const test::Body& body : test::bodies()) {
        dir_.write("in.bin", body.bytes);
        for (const Variant& v : variants) {
            if (v.rsa_only && !rsa())
                continue;
            const std::string out = std::string("e-") + v.name + ".der";
            // -keyopt applies to the -recip before it.
            ASSERT_EQ(dir_.run("openssl cms -encrypt -binary -in in.bin -outform DER -out " + out +
                               " -recip c.pem " + v.options),
                      0)
                << v.name << ": " << dir_.read("cmd.err");
            const auto env = Envelope::parse(dir_.read(out));
            ASSERT_TRUE(env) << v.name << ": " << env.error().reason;
            EXPECT_EQ(env->content_algorithm(), v.algorithm) << v.name;
            EXPECT_TRUE(env->addressed_to(id_->cert)) << v.name;
            const auto plain = env->decrypt(id_->key, id_->cert);
            ASSERT_TRUE(plain) << v.name << "/" << body.name << ": " << plain.error().reason;
            EXPECT_TRUE(*plain == body.bytes) << v.name << "/" << body.name;
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Keys, OpensslPeer,
                         ::testing::Values(KeyAlgorithm::rsa2048, KeyAlgorithm::p256),
                         [](const ::testing::TestParamInfo<KeyAlgorithm>& p) {
                             return p.param == KeyAlgorithm::p256 ? std::string("P256")
                                                                  : std::string("RSA");
                         });

}  // namespace
}  // namespace sealgate::crypto
