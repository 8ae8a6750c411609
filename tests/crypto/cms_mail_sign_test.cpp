// Mail signatures (crypto/cms_sign.hpp: cms_sign_entity, cms_check_signature) without peers:
// our own round trip, what the SignedData carries, tampering, signer choice among several
// SignerInfos, opaque SignedData, weak digests and structures that are not signatures. The
// peers (openssl, gpgsm, cmsutil) are in interop_signature_test.cpp.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/cms.h>
#include <openssl/x509.h>

#include <ctime>

#include "crypto/cms_sign.hpp"
#include "crypto/keygen.hpp"
#include "crypto/smime.hpp"
#include "crypto/verify.hpp"
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

const std::string kEntity =
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Content-Transfer-Encoding: 8bit\r\n\r\n"
    "Gr\xc3\xbc\xc3\x9f"
    "e aus K\xc3\xb6ln.\r\nA line with trailing space \r\n\r\n";

struct CmsFree {
    void operator()(CMS_ContentInfo* c) const { CMS_ContentInfo_free(c); }
};
using Cms = std::unique_ptr<CMS_ContentInfo, CmsFree>;

Cms parse(const std::string& der) {
    const auto* p = reinterpret_cast<const unsigned char*>(der.data());
    return Cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(der.size())));
}

std::string encode(CMS_ContentInfo* cms) {
    const int n = i2d_CMS_ContentInfo(cms, nullptr);
    std::string der(static_cast<std::size_t>(n), '\0');
    auto* p = reinterpret_cast<unsigned char*>(der.data());
    i2d_CMS_ContentInfo(cms, &p);
    return der;
}

// A SignedData made with OpenSSL's API by several signers in this order, detached or with the
// content inside: what another client could send.
std::string openssl_signed(const std::vector<const Identity*>& signers, const std::string& content,
                           bool detached, const EVP_MD* md = EVP_sha256()) {
    const unsigned int flags = CMS_BINARY | CMS_PARTIAL | (detached ? CMS_DETACHED : 0U);
    Cms cms(CMS_sign(nullptr, nullptr, nullptr, nullptr, flags));
    EXPECT_TRUE(cms);
    for (const Identity* id : signers)
        EXPECT_NE(CMS_add1_signer(cms.get(), id->cert.get(), id->key.get(), md, 0), nullptr);
    BIO* in = BIO_new_mem_buf(content.data(), static_cast<int>(content.size()));
    EXPECT_EQ(CMS_final(cms.get(), in, nullptr, flags), 1);
    BIO_free(in);
    return encode(cms.get());
}

// The SMIMECapabilities signed attribute of the first signer, as algorithm names.
std::vector<std::string> capabilities(const std::string& der) {
    std::vector<std::string> out;
    const Cms cms = parse(der);
    EXPECT_TRUE(cms);
    CMS_SignerInfo* si = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms.get()), 0);
    auto* seq = static_cast<ASN1_STRING*>(
        CMS_signed_get0_data_by_OBJ(si, OBJ_nid2obj(NID_SMIMECapabilities), -3, V_ASN1_SEQUENCE));
    if (seq == nullptr)
        return out;
    const unsigned char* p = ASN1_STRING_get0_data(seq);
    X509_ALGORS* algs = d2i_X509_ALGORS(nullptr, &p, ASN1_STRING_length(seq));
    for (int i = 0; algs != nullptr && i < sk_X509_ALGOR_num(algs); ++i) {
        const ASN1_OBJECT* oid = nullptr;
        int ptype = 0;
        X509_ALGOR_get0(&oid, &ptype, nullptr, sk_X509_ALGOR_value(algs, i));
        out.push_back(std::string(OBJ_nid2sn(OBJ_obj2nid(oid))) +
                      (ptype == V_ASN1_UNDEF ? "" : "+params"));
    }
    sk_X509_ALGOR_pop_free(algs, X509_ALGOR_free);
    return out;
}

class MailSignature : public ::testing::TestWithParam<KeyAlgorithm> {
  protected:
    static void SetUpTestSuite() {
        stranger_ = std::make_unique<Identity>(make(KeyAlgorithm::p256, "someone@else.example"));
    }
    static void TearDownTestSuite() { stranger_.reset(); }
    void SetUp() override {
        id_ = std::make_unique<Identity>(make(GetParam(), "domain-cert@our.example"));
    }
    std::unique_ptr<Identity> id_;
    static std::unique_ptr<Identity> stranger_;
};
std::unique_ptr<Identity> MailSignature::stranger_;

TEST_P(MailSignature, RoundTripWithTheSignerAmongTheCandidates) {
    const std::time_t before = std::time(nullptr);
    const auto sig = cms_sign_entity(id_->cert, id_->key, {}, kEntity, CmsProfile::compat);
    ASSERT_TRUE(sig) << sig.error().reason;
    const auto check = cms_check_signature(*sig, kEntity, {stranger_->cert, id_->cert});
    ASSERT_TRUE(check) << check.error().reason;
    EXPECT_TRUE(check->intact) << check->reason;
    EXPECT_EQ(check->reason, "");
    ASSERT_TRUE(check->signer);
    EXPECT_EQ(check->signer->sha256(), id_->cert.sha256());
    EXPECT_TRUE(check->signer_is_candidate);
    EXPECT_GE(check->signing_time, before - 1);
    EXPECT_LE(check->signing_time, std::time(nullptr) + 1);
    EXPECT_EQ(check->content, "");  // detached: the content is the caller's
}

TEST_P(MailSignature, TheSignatureIsDetachedSha256WithOurAttributes) {
    const auto sig = cms_sign_entity(id_->cert, id_->key, {}, kEntity, CmsProfile::modern);
    ASSERT_TRUE(sig) << sig.error().reason;
    const Cms cms = parse(*sig);
    ASSERT_TRUE(cms);
    EXPECT_EQ(OBJ_obj2nid(CMS_get0_type(cms.get())), NID_pkcs7_signed);
    EXPECT_EQ(CMS_is_detached(cms.get()), 1);
    STACK_OF(CMS_SignerInfo)* infos = CMS_get0_SignerInfos(cms.get());
    ASSERT_EQ(sk_CMS_SignerInfo_num(infos), 1);
    CMS_SignerInfo* si = sk_CMS_SignerInfo_value(infos, 0);
    X509_ALGOR* digest = nullptr;
    CMS_SignerInfo_get0_algs(si, nullptr, nullptr, &digest, nullptr);
    const ASN1_OBJECT* oid = nullptr;
    X509_ALGOR_get0(&oid, nullptr, nullptr, digest);
    EXPECT_EQ(OBJ_obj2nid(oid), NID_sha256);
    for (const int nid : {NID_pkcs9_contentType, NID_pkcs9_messageDigest, NID_pkcs9_signingTime,
                          NID_SMIMECapabilities}) {
        EXPECT_GE(CMS_signed_get_attr_by_NID(si, nid, -1), 0) << OBJ_nid2sn(nid);
    }
    EXPECT_EQ(CMS_signed_get_attr_count(si), 4);
}

TEST_P(MailSignature, CapabilitiesAreTheProfilesAlgorithmsOnly) {
    const auto compat = cms_sign_entity(id_->cert, id_->key, {}, kEntity, CmsProfile::compat);
    ASSERT_TRUE(compat);
    EXPECT_EQ(capabilities(*compat), (std::vector<std::string>{"AES-256-CBC", "AES-128-CBC"}));
    const auto modern = cms_sign_entity(id_->cert, id_->key, {}, kEntity, CmsProfile::modern);
    ASSERT_TRUE(modern);
    EXPECT_EQ(capabilities(*modern),
              (std::vector<std::string>{"id-aes256-GCM", "id-aes128-GCM", "AES-256-CBC"}));
}

TEST_P(MailSignature, TheChainGoesIntoTheSignature) {
    // Any certificate stands in for an intermediate here; the signer's own is not added twice.
    const auto sig = cms_sign_entity(id_->cert, id_->key, {stranger_->cert, id_->cert}, kEntity,
                                     CmsProfile::compat);
    ASSERT_TRUE(sig) << sig.error().reason;
    const Cms cms = parse(*sig);
    STACK_OF(X509)* certs = CMS_get1_certs(cms.get());
    ASSERT_NE(certs, nullptr);
    std::vector<std::string> subjects;
    for (int i = 0; i < sk_X509_num(certs); ++i) {
        const auto c = Certificate::from_der([&] {
            unsigned char* der = nullptr;
            const int n = i2d_X509(sk_X509_value(certs, i), &der);
            std::string s(reinterpret_cast<char*>(der), static_cast<std::size_t>(n));
            OPENSSL_free(der);
            return s;
        }());
        subjects.push_back(c->sha256());
    }
    sk_X509_pop_free(certs, X509_free);
    EXPECT_THAT(subjects,
                ::testing::UnorderedElementsAre(id_->cert.sha256(), stranger_->cert.sha256()));
}

TEST_P(MailSignature, ModifiedContentIsNotIntact) {
    const auto sig = cms_sign_entity(id_->cert, id_->key, {}, kEntity, CmsProfile::compat);
    ASSERT_TRUE(sig);
    std::string changed = kEntity;
    changed[changed.size() - 5] = 'X';
    for (const std::string& content : {changed, kEntity + "\r\n", kEntity.substr(1)}) {
        const auto check = cms_check_signature(*sig, content, {id_->cert});
        ASSERT_TRUE(check) << check.error().reason;
        EXPECT_FALSE(check->intact);
        EXPECT_EQ(check->reason, "the signed content was modified");
        ASSERT_TRUE(check->signer);  // who signed is still known
        EXPECT_TRUE(check->signer_is_candidate);
    }
    // Line endings are part of the signed bytes (CMS_BINARY): LF for CRLF is a change.
    std::string lf = kEntity;
    for (std::size_t p = 0; (p = lf.find("\r\n", p)) != std::string::npos;)
        lf.erase(p, 1);
    EXPECT_FALSE(cms_check_signature(*sig, lf, {id_->cert})->intact);
}

TEST_P(MailSignature, ASignerNotAmongTheCandidatesIsReportedFromTheSignature) {
    const auto sig = cms_sign_entity(id_->cert, id_->key, {}, kEntity, CmsProfile::compat);
    ASSERT_TRUE(sig);
    const auto check = cms_check_signature(*sig, kEntity, {stranger_->cert});
    ASSERT_TRUE(check) << check.error().reason;
    EXPECT_TRUE(check->intact) << check->reason;  // intact; whose it is, the policy judges
    ASSERT_TRUE(check->signer);
    EXPECT_EQ(check->signer->sha256(), id_->cert.sha256());
    EXPECT_FALSE(check->signer_is_candidate);
}

TEST_P(MailSignature, ACandidateWithTheSignersNameButAnotherKeyDoesNotVerify) {
    // A certificate that claims the issuer and serial number of the real signer (a forgery by
    // a stranger's key) is taken as the candidate it names, and the signature fails with it.
    auto forged = make(GetParam(), "domain-cert@our.example");
    X509_set_issuer_name(forged.cert.get(), X509_get_issuer_name(id_->cert.get()));
    X509_set_serialNumber(forged.cert.get(), X509_get_serialNumber(id_->cert.get()));
    const auto sig = cms_sign_entity(id_->cert, id_->key, {}, kEntity, CmsProfile::compat);
    ASSERT_TRUE(sig);
    const auto check = cms_check_signature(*sig, kEntity, {forged.cert});
    ASSERT_TRUE(check) << check.error().reason;
    EXPECT_FALSE(check->intact);
    EXPECT_EQ(check->reason, "the signature does not verify with the signer's key");
    EXPECT_TRUE(check->signer_is_candidate);
}

TEST_P(MailSignature, AKeyThatIsNotTheCertificatesIsRefused) {
    const auto sig = cms_sign_entity(id_->cert, stranger_->key, {}, kEntity, CmsProfile::compat);
    ASSERT_FALSE(sig);
    EXPECT_THAT(sig.error().reason, HasSubstr("does not match"));
}

INSTANTIATE_TEST_SUITE_P(Keys, MailSignature,
                         ::testing::Values(KeyAlgorithm::rsa2048, KeyAlgorithm::p256),
                         [](const auto& p) {
                             return p.param == KeyAlgorithm::p256 ? "P256" : "RSA2048";
                         });

class MailSignatureSigners : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        partner_ = std::make_unique<Identity>(make(KeyAlgorithm::p256, "d@partner.example"));
        other_ = std::make_unique<Identity>(make(KeyAlgorithm::p256, "x@other.example"));
    }
    static void TearDownTestSuite() {
        partner_.reset();
        other_.reset();
    }
    static std::unique_ptr<Identity> partner_;
    static std::unique_ptr<Identity> other_;
};
std::unique_ptr<Identity> MailSignatureSigners::partner_;
std::unique_ptr<Identity> MailSignatureSigners::other_;

TEST_F(MailSignatureSigners, TheFirstCandidateAmongSeveralSignersDecides) {
    const std::string sig = openssl_signed({other_.get(), partner_.get()}, kEntity, true);
    auto check = cms_check_signature(sig, kEntity, {partner_->cert});
    ASSERT_TRUE(check) << check.error().reason;
    EXPECT_TRUE(check->intact) << check->reason;
    EXPECT_EQ(check->signer->sha256(), partner_->cert.sha256());
    EXPECT_TRUE(check->signer_is_candidate);
    // No candidate: the first SignerInfo decides (the first in the encoding: DER sorts the SET).
    const Cms cms = parse(sig);
    CMS_SignerInfo* first = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms.get()), 0);
    const Identity* expected =
        CMS_SignerInfo_cert_cmp(first, other_->cert.get()) == 0 ? other_.get() : partner_.get();
    check = cms_check_signature(sig, kEntity, {});
    ASSERT_TRUE(check);
    ASSERT_TRUE(check->signer);
    EXPECT_EQ(check->signer->sha256(), expected->cert.sha256());
    EXPECT_FALSE(check->signer_is_candidate);
}

TEST_F(MailSignatureSigners, ABrokenSecondSignatureDoesNotHideTheCandidatesGoodOne) {
    // The stranger's SignerInfo gets a wrong signature value; the partner's stays good.
    const std::string sig = openssl_signed({partner_.get(), other_.get()}, kEntity, true);
    Cms cms = parse(sig);
    // SignerInfos is a SET OF: DER sorts it, so the stranger's is found by its certificate.
    CMS_SignerInfo* si = nullptr;
    STACK_OF(CMS_SignerInfo)* infos = CMS_get0_SignerInfos(cms.get());
    for (int i = 0; i < sk_CMS_SignerInfo_num(infos); ++i) {
        if (CMS_SignerInfo_cert_cmp(sk_CMS_SignerInfo_value(infos, i), other_->cert.get()) == 0)
            si = sk_CMS_SignerInfo_value(infos, i);
    }
    ASSERT_NE(si, nullptr);
    ASN1_OCTET_STRING* value = CMS_SignerInfo_get0_signature(si);
    std::string bytes(reinterpret_cast<const char*>(ASN1_STRING_get0_data(value)),
                      static_cast<std::size_t>(ASN1_STRING_length(value)));
    bytes[bytes.size() / 2] ^= 1;
    ASN1_OCTET_STRING_set(value, reinterpret_cast<const unsigned char*>(bytes.data()),
                          static_cast<int>(bytes.size()));
    const std::string broken = encode(cms.get());
    auto check = cms_check_signature(broken, kEntity, {partner_->cert});
    ASSERT_TRUE(check);
    EXPECT_TRUE(check->intact) << check->reason;
    check = cms_check_signature(broken, kEntity, {other_->cert});
    ASSERT_TRUE(check);
    EXPECT_FALSE(check->intact);
    EXPECT_EQ(check->reason, "the signature does not verify with the signer's key");
}

TEST_F(MailSignatureSigners, OpaqueSignedDataYieldsItsContent) {
    const std::string sig = openssl_signed({partner_.get()}, kEntity, false);
    auto check = cms_check_signature(sig, std::nullopt, {partner_->cert});
    ASSERT_TRUE(check) << check.error().reason;
    EXPECT_TRUE(check->intact) << check->reason;
    EXPECT_EQ(check->content, kEntity);
    // Changing the encapsulated content breaks it, and the changed content is still returned.
    std::string changed = sig;
    const auto at = changed.find("K\xc3\xb6ln");
    ASSERT_NE(at, std::string::npos);
    changed[at] = 'k';
    check = cms_check_signature(changed, std::nullopt, {partner_->cert});
    ASSERT_TRUE(check) << check.error().reason;
    EXPECT_FALSE(check->intact);
    EXPECT_EQ(check->reason, "the signed content was modified");
    EXPECT_THAT(check->content, HasSubstr("k\xc3\xb6ln"));
}

TEST_F(MailSignatureSigners, Sha1IsNotAccepted) {
    const std::string sig = openssl_signed({partner_.get()}, kEntity, true, EVP_sha1());
    const auto check = cms_check_signature(sig, kEntity, {partner_->cert});
    ASSERT_TRUE(check) << check.error().reason;
    EXPECT_FALSE(check->intact);
    EXPECT_EQ(check->reason, "signed with SHA-1, which is not accepted");
}

TEST_F(MailSignatureSigners, AnUnknownSignerIsNotIntact) {
    // Without the certificates in the signature (CMS_NOCERTS) and not among the candidates.
    Cms cms(CMS_sign(nullptr, nullptr, nullptr, nullptr, CMS_BINARY | CMS_PARTIAL | CMS_DETACHED));
    ASSERT_NE(CMS_add1_signer(cms.get(), other_->cert.get(), other_->key.get(), EVP_sha256(),
                              CMS_NOCERTS),
              nullptr);
    BIO* in = BIO_new_mem_buf(kEntity.data(), static_cast<int>(kEntity.size()));
    ASSERT_EQ(CMS_final(cms.get(), in, nullptr, CMS_BINARY | CMS_DETACHED), 1);
    BIO_free(in);
    const auto check = cms_check_signature(encode(cms.get()), kEntity, {partner_->cert});
    ASSERT_TRUE(check) << check.error().reason;
    EXPECT_FALSE(check->intact);
    EXPECT_FALSE(check->signer);
    EXPECT_EQ(check->reason, "the signer's certificate is neither in the signature nor known");
}

TEST(MailSignatureInput, Rfc4134SignedDataIsReadAndItsSha1Refused) {
    // RFC 4134 §4.1: opaque SignedData by Alice (DSA, SHA-1) over "This is some sample content."
    const auto check =
        cms_check_signature(read_file(testdata("vectors/rfc4134/4.1.bin")), std::nullopt, {});
    ASSERT_TRUE(check) << check.error().reason;
    EXPECT_EQ(check->content, "This is some sample content.");
    EXPECT_FALSE(check->intact);
    ASSERT_TRUE(check->signer);
    EXPECT_THAT(check->signer->subject(), HasSubstr("AliceDSS"));
}

TEST(MailSignatureInput, Rfc9788C14SignedInsideEnvelopedData) {
    // RFC 9788 Appendix C.1.4: EnvelopedData to the RFC 9216 sample users around an opaque
    // SignedData by Alice (application/pkcs7-mime; smime-type=signed-data, base64).
    const auto env = Envelope::parse(read_file(testdata("vectors/rfc9788/c1.4.der")));
    ASSERT_TRUE(env) << env.error().reason;
    const auto bob = read_bundle(read_file(testdata("vectors/rfc9216/bob.decrypt.key")) +
                                     read_file(testdata("vectors/rfc9216/bob.encrypt.crt")),
                                 std::nullopt);
    ASSERT_TRUE(bob && bob->key) << (bob ? "no key" : bob.error().reason);
    const auto entity = env->decrypt(*bob->key, bob->certificates.front());
    ASSERT_TRUE(entity) << entity.error().reason;
    EXPECT_THAT(*entity, HasSubstr("smime-type=\"signed-data\""));
    const std::string der = test::eml_body_der(*entity);

    const auto alice = Certificate::read(read_file(testdata("vectors/rfc9216/alice.sign.crt")));
    ASSERT_TRUE(alice);
    const auto check = cms_check_signature(der, std::nullopt, {*alice});
    ASSERT_TRUE(check) << check.error().reason;
    EXPECT_TRUE(check->intact) << check->reason;
    EXPECT_TRUE(check->signer_is_candidate);
    EXPECT_EQ(check->signer->sha256(), alice->sha256());
    EXPECT_EQ(check->signing_time, 1613833382);  // 2021-02-20 15:03:02 UTC
    EXPECT_THAT(check->content, ::testing::StartsWith("MIME-Version: 1.0\r\n"));
    EXPECT_THAT(check->content, HasSubstr("smime-signed-enc\r\nmessage."));
    // Without candidates the signer is Alice's certificate from the SignedData itself.
    const auto carried = cms_check_signature(der, std::nullopt, {});
    ASSERT_TRUE(carried);
    EXPECT_TRUE(carried->intact);
    EXPECT_EQ(carried->signer->sha256(), alice->sha256());
    EXPECT_FALSE(carried->signer_is_candidate);

    // Alice's signing certificate chains to the sample LAMPS RSA CA.
    TrustContext trust;
    trust.roots.push_back(*Certificate::read(read_file(testdata("vectors/rfc9216/ca.rsa.crt"))));
    trust.now = check->signing_time;
    const Usability u = signing_usability(*check->signer, CtlStatus::none, trust);
    EXPECT_TRUE(u.usable) << u.reason;
    EXPECT_EQ(u.reason, "chains to CN=Sample LAMPS RSA Certification Authority,OU=LAMPS WG,O=IETF");
}

TEST(MailSignatureInput, WhatIsNotASignatureIsBadInput) {
    const Identity id = make(KeyAlgorithm::p256, "d@partner.example");
    const auto env = cms_encrypt(kEntity, {id.cert}, CmsProfile::compat);
    ASSERT_TRUE(env);
    const auto sig = cms_sign_entity(id.cert, id.key, {}, kEntity, CmsProfile::compat);
    ASSERT_TRUE(sig);
    struct Case {
        std::string der;
        std::optional<std::string_view> content;
        const char* why;
    };
    for (const Case& c : std::vector<Case>{
             {"", kEntity, "not a CMS structure"},
             {"garbage", kEntity, "not a CMS structure"},
             {sig->substr(0, sig->size() / 2), kEntity, "not a CMS structure"},
             {env->ber, kEntity, "not SignedData"},
             {*sig, std::nullopt, "without the signed content"},
         }) {
        const auto check = cms_check_signature(c.der, c.content, {id.cert});
        ASSERT_FALSE(check) << c.why;
        EXPECT_EQ(check.error().kind, ErrorKind::bad_input) << c.why;
        EXPECT_THAT(check.error().reason, HasSubstr(c.why));
    }
}

}  // namespace
}  // namespace sealgate::crypto
