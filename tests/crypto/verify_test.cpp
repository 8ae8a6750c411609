#include "crypto/verify.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "crypto/cms_sign.hpp"
#include "crypto/keygen.hpp"
#include "support.hpp"

namespace sealgate::crypto {
namespace {

using test::read_file;
using test::testdata;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// The RFC 4134 certificates have fixed dates (1999-09-19 01:09:02 .. 2039-12-31 23:59:59 UTC):
// they give exact texts for the validity refusals without making anything that expires.
Certificate rfc4134_bob() {
    return *Certificate::read(read_file(testdata("vectors/rfc4134/BobRSASignByCarl.cer")));
}

TEST(Verify, NotYetValidAndExpiredWithExactDates) {
    const Certificate bob = rfc4134_bob();
    TrustContext t;
    t.now = bob.not_before() - 1;
    Usability u = encryption_usability(bob, CtlStatus::trusted, t);
    EXPECT_FALSE(u.usable);
    EXPECT_EQ(u.reason, "not valid before 1999-09-19 01:09 UTC");
    t.now = bob.not_after() + 1;
    u = encryption_usability(bob, CtlStatus::trusted, t);
    EXPECT_FALSE(u.usable);
    EXPECT_EQ(u.reason, "expired on 2039-12-31 23:59 UTC");
    t.now = bob.not_before() + 86400;
    u = encryption_usability(bob, CtlStatus::trusted, t);
    EXPECT_TRUE(u.usable) << u.reason;
    EXPECT_EQ(u.reason, "trusted on the CTL");
}

TEST(Verify, BlockedBeatsEverything) {
    const Certificate bob = rfc4134_bob();
    TrustContext t;
    t.now = bob.not_after() + 1;  // even expiry is reported after the block
    const Usability u = encryption_usability(bob, CtlStatus::blocked, t);
    EXPECT_FALSE(u.usable);
    EXPECT_EQ(u.reason, "blocked on the certificate trust list");
}

TEST(Verify, SelfSignedNeedsTheCtl) {
    CertificateRequest req;
    req.email = "domain-cert@partner.example";
    req.algorithm = KeyAlgorithm::p256;
    const auto own = create_domain_certificate(req);
    ASSERT_TRUE(own);
    const TrustContext t;  // now = current time
    Usability u = encryption_usability(own->first, CtlStatus::none, t);
    EXPECT_FALSE(u.usable);
    EXPECT_EQ(u.reason, "self-signed and not on the certificate trust list");
    u = encryption_usability(own->first, CtlStatus::trusted, t);
    EXPECT_TRUE(u.usable) << u.reason;
    EXPECT_EQ(u.reason, "trusted on the CTL");
    u = encryption_usability(own->first, CtlStatus::blocked, t);
    EXPECT_FALSE(u.usable);
}

TEST(Verify, SigningUsabilityJudgesValidityFirstThenKeyUsage) {
    // Bob's RFC 4134 certificate allows keyEncipherment only: it encrypts, it cannot sign.
    const Certificate bob = rfc4134_bob();
    TrustContext t;
    t.now = bob.not_after() + 1;
    Usability u = signing_usability(bob, CtlStatus::trusted, t);
    EXPECT_FALSE(u.usable);
    EXPECT_EQ(u.reason, "expired on 2039-12-31 23:59 UTC");
    EXPECT_EQ(u.problem, Problem::expired);
    t.now = bob.not_before() + 86400;
    u = signing_usability(bob, CtlStatus::trusted, t);
    EXPECT_FALSE(u.usable);
    EXPECT_EQ(u.reason, "key usage does not allow signing");
    EXPECT_EQ(u.problem, Problem::other);
    EXPECT_TRUE(encryption_usability(bob, CtlStatus::trusted, t).usable);
    EXPECT_EQ(signing_usability(bob, CtlStatus::blocked, t).reason,
              "blocked on the certificate trust list");
}

TEST(Verify, OurDomainCertificatesCanSign) {
    for (const KeyAlgorithm alg : {KeyAlgorithm::rsa2048, KeyAlgorithm::p256}) {
        CertificateRequest req;
        req.email = "domain-cert@our.example";
        req.algorithm = alg;
        const auto own = create_domain_certificate(req);
        ASSERT_TRUE(own);
        const Usability u = signing_usability(own->first, CtlStatus::trusted, TrustContext{});
        EXPECT_TRUE(u.usable) << u.reason;
        EXPECT_EQ(u.reason, "trusted on the CTL");
        EXPECT_EQ(signing_usability(own->first, CtlStatus::none, TrustContext{}).reason,
                  "self-signed and not on the certificate trust list");
    }
}

class VerifyPki : public ::testing::Test {
  protected:
    // Once per test program: key generation dominates the run time.
    static void SetUpTestSuite() { pki_ = std::make_unique<test::Pki>(); }
    static void TearDownTestSuite() { pki_.reset(); }
    TrustContext trust(bool with_crl) const {
        TrustContext t;
        t.roots.push_back(pki_->cert("ca"));
        t.intermediates.push_back(pki_->cert("inter"));
        if (with_crl)
            t.crls.push_back(pki_->crl());
        return t;
    }
    static std::unique_ptr<test::Pki> pki_;
};
std::unique_ptr<test::Pki> VerifyPki::pki_;

TEST_F(VerifyPki, GoodCertificatesChainToTheRoot) {
    for (const char* name : {"ee", "ec", "viainter"}) {
        for (const bool crl : {false, true}) {
            const Usability u = encryption_usability(pki_->cert(name), CtlStatus::none, trust(crl));
            EXPECT_TRUE(u.usable) << name << ": " << u.reason;
            EXPECT_EQ(u.reason, "chains to CN=Sealgate Test Root,O=Sealgate Test") << name;
        }
    }
}

TEST_F(VerifyPki, WrongKeyUsageAndExtendedKeyUsage) {
    Usability u = encryption_usability(pki_->cert("badku"), CtlStatus::trusted, trust(false));
    EXPECT_FALSE(u.usable);
    EXPECT_EQ(u.reason, "key usage does not allow encryption");
    u = encryption_usability(pki_->cert("badeku"), CtlStatus::none, trust(false));
    EXPECT_FALSE(u.usable);
    EXPECT_EQ(u.reason, "extended key usage does not allow email protection");
}

TEST_F(VerifyPki, UntrustedIssuer) {
    Usability u = encryption_usability(pki_->cert("stranger"), CtlStatus::none, trust(true));
    EXPECT_FALSE(u.usable);
    EXPECT_EQ(u.reason, "no path to a trusted root: unable to get local issuer certificate");
    // Without the intermediate the path breaks too.
    TrustContext t = trust(false);
    t.intermediates.clear();
    u = encryption_usability(pki_->cert("viainter"), CtlStatus::none, t);
    EXPECT_FALSE(u.usable);
    EXPECT_THAT(u.reason, StartsWith("no path to a trusted root: "));
    // A CTL entry makes it usable without a path.
    u = encryption_usability(pki_->cert("stranger"), CtlStatus::trusted, trust(true));
    EXPECT_TRUE(u.usable) << u.reason;
}

TEST_F(VerifyPki, RevokedByCrl) {
    const std::string expected = "revoked (CRL of CN=Sealgate Test Root,O=Sealgate Test)";
    Usability u = encryption_usability(pki_->cert("revoked"), CtlStatus::none, trust(true));
    EXPECT_FALSE(u.usable);
    EXPECT_EQ(u.reason, expected);
    // Trusted on the CTL, but its issuer's CRL still revokes it.
    u = encryption_usability(pki_->cert("revoked"), CtlStatus::trusted, trust(true));
    EXPECT_FALSE(u.usable);
    EXPECT_EQ(u.reason, expected);
    // Without the CRL nothing is known of the revocation.
    u = encryption_usability(pki_->cert("revoked"), CtlStatus::none, trust(false));
    EXPECT_TRUE(u.usable) << u.reason;
    // The DER form of the same CRL works the same.
    TrustContext t = trust(false);
    const auto der = Crl::read(pki_->dir().read("ca.crl.der"));
    ASSERT_TRUE(der);
    t.crls.push_back(*der);
    EXPECT_FALSE(encryption_usability(pki_->cert("revoked"), CtlStatus::none, t).usable);
}

TEST_F(VerifyPki, StaleCrlLeavesRevocationUnchecked) {
    // make-pki.sh issues the CRL for 30 days and the certificates for 365. Past the CRL's
    // nextUpdate the certificate is usable but unchecked (a `revocation = hard` domain refuses
    // it); a certificate the stale CRL lists stays revoked.
    TrustContext t = trust(true);
    t.now = std::time(nullptr) + 60 * 86400;
    const Usability u = encryption_usability(pki_->cert("ee"), CtlStatus::none, t);
    EXPECT_TRUE(u.usable) << u.reason;
    EXPECT_TRUE(u.revocation_unchecked);
    const Usability r = encryption_usability(pki_->cert("revoked"), CtlStatus::none, t);
    EXPECT_FALSE(r.usable);
    EXPECT_EQ(r.problem, Problem::revoked);
}

TEST_F(VerifyPki, CurrentCrlChecksRevocation) {
    const Usability u = encryption_usability(pki_->cert("ee"), CtlStatus::none, trust(true));
    EXPECT_TRUE(u.usable) << u.reason;
    EXPECT_FALSE(u.revocation_unchecked);
}

TEST_F(VerifyPki, SigningUsabilityChainsAndChecksKeyUsageForSigning) {
    for (const char* name : {"ee", "ec", "viainter"}) {
        const Usability u = signing_usability(pki_->cert(name), CtlStatus::none, trust(true));
        EXPECT_TRUE(u.usable) << name << ": " << u.reason;
        EXPECT_EQ(u.reason, "chains to CN=Sealgate Test Root,O=Sealgate Test") << name;
    }
    // digitalSignature alone: signs, does not encrypt.
    Usability u = signing_usability(pki_->cert("badku"), CtlStatus::none, trust(false));
    EXPECT_TRUE(u.usable) << u.reason;
    // keyEncipherment alone: encrypts, does not sign (also with a CTL entry).
    for (const CtlStatus ctl : {CtlStatus::none, CtlStatus::trusted}) {
        u = signing_usability(pki_->cert("encku"), ctl, trust(false));
        EXPECT_FALSE(u.usable);
        EXPECT_EQ(u.reason, "key usage does not allow signing");
    }
    EXPECT_TRUE(encryption_usability(pki_->cert("encku"), CtlStatus::none, trust(false)).usable);
    u = signing_usability(pki_->cert("stranger"), CtlStatus::none, trust(true));
    EXPECT_EQ(u.reason, "no path to a trusted root: unable to get local issuer certificate");
    u = signing_usability(pki_->cert("revoked"), CtlStatus::none, trust(true));
    EXPECT_FALSE(u.usable);
    EXPECT_EQ(u.problem, Problem::revoked);
}

TEST_F(VerifyPki, SigningUsabilityOfKeyTypes) {
    // Ed25519 and RSA-PSS keys sign; X25519 and DSA keys do not (no KU in these certificates).
    const test::KeyTable keys;
    for (const char* name : {"ed25519", "rsapss2048", "p384"}) {
        const Usability u = signing_usability(keys.cert(name), CtlStatus::trusted, TrustContext{});
        EXPECT_TRUE(u.usable) << name << ": " << u.reason;
    }
    Usability u = signing_usability(keys.cert("x25519"), CtlStatus::trusted, TrustContext{});
    EXPECT_EQ(u.reason, "key not usable: key type not supported for S/MIME signatures: X25519");
    u = signing_usability(keys.cert("dsa1024"), CtlStatus::trusted, TrustContext{});
    EXPECT_FALSE(u.usable);
    EXPECT_THAT(u.reason, StartsWith("key not usable: key type not supported for S/MIME"));
}

TEST_F(VerifyPki, MicalgFollowsTheSignerKey) {
    // RFC 8419 §3.1: Ed25519 signatures digest with SHA-512; the multipart/signed says so.
    const test::KeyTable keys;
    EXPECT_EQ(cms_micalg(keys.cert("ed25519")), "sha-512");
    for (const char* name : {"rsapss2048", "p384"})
        EXPECT_EQ(cms_micalg(keys.cert(name)), "sha-256") << name;
}

}  // namespace
}  // namespace sealgate::crypto
