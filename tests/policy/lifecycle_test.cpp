// The lifecycle side of policy::decide() (issue 14, part B): a partner's transition without a
// flag day (encrypt to every usable certificate, name the skipped ones and why), a temporary
// (451) refusal when every candidate has a lifecycle problem, on-expired reject, revocation
// hard, the OpenPGP verdict's classification, and the expiry-warning thresholds.
#include <gtest/gtest.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>
#include <string>

#include "crypto/keygen.hpp"
#include "openpgp/key.hpp"
#include "policy/expiry.hpp"
#include "policy/policy.hpp"
#include "policy/snapshot.hpp"
#include "support/files.hpp"
#include "support/store.hpp"
#include "support/temp_dir.hpp"

namespace sealgate::policy {
namespace {

const std::string kSender = "alice@a.example";

// A self-signed P-256 certificate for `email` valid from `from` to `to` seconds around now (an
// expired one: both negative). crypto/keygen makes only certificates valid from now on.
crypto::Certificate certificate_between(const std::string& email, long from, long to) {
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"), EVP_PKEY_free);
    std::unique_ptr<X509, decltype(&X509_free)> x(X509_new(), X509_free);
    EXPECT_TRUE(key && x);
    X509_set_version(x.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x.get()), 7);
    X509_gmtime_adj(X509_getm_notBefore(x.get()), from);
    X509_gmtime_adj(X509_getm_notAfter(x.get()), to);
    X509_NAME* name = X509_get_subject_name(x.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>(email.c_str()), -1, -1, 0);
    X509_set_issuer_name(x.get(), name);
    X509_set_pubkey(x.get(), key.get());
    X509_sign(x.get(), key.get(), EVP_sha256());
    unsigned char* der = nullptr;
    const int n = i2d_X509(x.get(), &der);
    EXPECT_GT(n, 0);
    std::string bytes(reinterpret_cast<char*>(der), static_cast<std::size_t>(n));
    OPENSSL_free(der);
    auto cert = crypto::Certificate::from_der(bytes);
    EXPECT_TRUE(cert);
    return *cert;
}

class Lifecycle : public ::testing::Test {
  protected:
    void SetUp() override {
        store_ = test::open_store(dir_);
        ASSERT_TRUE(store_);
        DomainRecord ours;
        ours.name = "a.example";
        ours.local = true;
        ASSERT_TRUE(store_->put_domain(ours));
        auto made = crypto::create_domain_certificate(
            {"domain-cert@p.example", "", crypto::KeyAlgorithm::p256, 30});
        ASSERT_TRUE(made) << made.error().reason;
        good_ = add(made->first, CtlAction::trust);
        auto made2 = crypto::create_domain_certificate(
            {"domain-cert@p.example", "second", crypto::KeyAlgorithm::p256, 60});
        ASSERT_TRUE(made2) << made2.error().reason;
        good2_ = add(made2->first, CtlAction::trust);
        expired_ = add(certificate_between("domain-cert@p.example", -30 * 86400, -86400),
                       CtlAction::trust);
        expired2_ =
            add(certificate_between("domain-cert@p.example", -20 * 86400, -3600), CtlAction::trust);
        auto untrusted = crypto::create_domain_certificate(
            {"domain-cert@p.example", "untrusted", crypto::KeyAlgorithm::p256, 30});
        ASSERT_TRUE(untrusted);
        untrusted_ = untrusted->first.sha256();
        ASSERT_TRUE(store_->put_certificate(
            CertRecord{untrusted_, std::string(untrusted->first.der()), false, 1}));
    }

    std::string add(const crypto::Certificate& cert, CtlAction ctl) {
        const std::string sha = cert.sha256();
        EXPECT_TRUE(store_->put_certificate(CertRecord{sha, std::string(cert.der()), false, 1}));
        EXPECT_TRUE(store_->put_ctl(CtlEntry{sha, ctl, 1}));
        return sha;
    }

    DomainRecord partner(const std::string& name, std::vector<std::string> certs,
                         ExpiredAction on_expired = ExpiredAction::defer) {
        DomainRecord d;
        d.name = name;
        d.encrypt_mode = EncryptMode::mandatory;
        d.methods = {Method::smime, Method::pgp};
        d.smime_certs = std::move(certs);
        d.on_expired = on_expired;
        EXPECT_TRUE(store_->put_domain(d));
        return d;
    }

    // The revoked key of the interop suite, trusted and bound to `domain`.
    void bind_revoked_key(const std::string& domain) {
        auto parsed = openpgp::parse_keys(
            test::read_file(std::string(SEALGATE_TESTDATA) +
                            "/openpgp/interop-suite/revoked-key-cert-revoked-compromised.pgp"));
        ASSERT_TRUE(parsed && parsed->size() == 1);
        PgpKeyRecord rec;
        rec.fingerprint = parsed->front().fingerprint;
        rec.public_key = parsed->front().public_key;
        rec.trusted = true;
        rec.domains = {domain};
        ASSERT_TRUE(store_->put_pgp_key(rec));
    }

    Treatment decide_for(const std::string& domain) {
        auto snap = Snapshot::load(*store_);
        EXPECT_TRUE(snap) << snap.error().reason;
        auto t = decide(**snap, kSender, "bob@" + domain, Mode::automatic);
        EXPECT_TRUE(t) << t.error().reason;
        return *t;
    }

    test::TempDir dir_;
    std::unique_ptr<SqliteStore> store_;
    std::string good_, good2_, expired_, expired2_, untrusted_;
};

TEST_F(Lifecycle, BothUsableCertificatesAreRecipientsDuringATransition) {
    partner("p.example", {good_, good2_});
    const auto t = decide_for("p.example");
    ASSERT_EQ(t.action, Action::encrypt) << t.reason;
    ASSERT_EQ(t.certificates.size(), 2u);
    EXPECT_EQ(t.certificates[0].sha256(), good_);
    EXPECT_EQ(t.certificates[1].sha256(), good2_);
    EXPECT_EQ(t.reason.find("skipped"), std::string::npos) << t.reason;
}

TEST_F(Lifecycle, TheSkippedCertificateIsNamedWithItsReason) {
    partner("p.example", {expired_, good_, untrusted_});
    const auto t = decide_for("p.example");
    ASSERT_EQ(t.action, Action::encrypt) << t.reason;
    ASSERT_EQ(t.certificates.size(), 1u);
    EXPECT_EQ(t.certificates[0].sha256(), good_);
    EXPECT_NE(
        t.reason.find("skipped S/MIME: certificate " + expired_.substr(0, 16) + ": expired on "),
        std::string::npos)
        << t.reason;
    EXPECT_NE(t.reason.find("certificate " + untrusted_.substr(0, 16) + ": self-signed"),
              std::string::npos)
        << t.reason;
}

TEST_F(Lifecycle, AnEarlierMethodsSkippedKeysAreNamedToo) {
    DomainRecord d = partner("p.example", {expired_});
    d.methods = {Method::smime, Method::pgp};
    ASSERT_TRUE(store_->put_domain(d));
    auto alice = openpgp::parse_keys(
        test::read_file(std::string(SEALGATE_TESTDATA) + "/openpgp/interop-suite/alice.pgp"));
    ASSERT_TRUE(alice && alice->size() == 1);
    ASSERT_TRUE(store_->put_pgp_key(PgpKeyRecord{
        alice->front().fingerprint, alice->front().public_key, "", true, {"p.example"}, 1, false}));
    const auto t = decide_for("p.example");
    ASSERT_EQ(t.action, Action::encrypt) << t.reason;
    EXPECT_EQ(t.method, Method::pgp);
    EXPECT_NE(t.reason.find("skipped S/MIME: certificate " + expired_.substr(0, 16)),
              std::string::npos)
        << t.reason;
}

TEST_F(Lifecycle, OnlyExpiredCertificatesDeferMandatoryMail) {
    partner("p.example", {expired_, expired2_});
    const auto t = decide_for("p.example");
    ASSERT_EQ(t.action, Action::refuse) << t.reason;
    EXPECT_TRUE(t.temporary) << t.reason;
    EXPECT_NE(t.refusal_text.find("try again later"), std::string::npos) << t.refusal_text;
    EXPECT_NE(t.reason.find("expired on"), std::string::npos) << t.reason;
}

TEST_F(Lifecycle, OnExpiredRejectRefusesPermanently) {
    partner("p.example", {expired_}, ExpiredAction::reject);
    const auto t = decide_for("p.example");
    ASSERT_EQ(t.action, Action::refuse) << t.reason;
    EXPECT_FALSE(t.temporary);
    EXPECT_NE(t.reason.find("on-expired reject"), std::string::npos) << t.reason;
    EXPECT_NE(t.refusal_text.find("has expired"), std::string::npos) << t.refusal_text;
}

TEST_F(Lifecycle, ARevokedKeyDefersAndMixesWithExpiry) {
    partner("p.example", {expired_});
    bind_revoked_key("p.example");
    const auto t = decide_for("p.example");
    ASSERT_EQ(t.action, Action::refuse) << t.reason;
    EXPECT_TRUE(t.temporary) << t.reason;
    EXPECT_NE(t.reason.find("revoked"), std::string::npos) << t.reason;
}

TEST_F(Lifecycle, PermanentProblemsStayPermanent) {
    // An untrusted certificate beside an expired one: the administrator must act.
    partner("mixed.example", {expired_, untrusted_});
    auto t = decide_for("mixed.example");
    ASSERT_EQ(t.action, Action::refuse);
    EXPECT_FALSE(t.temporary) << t.reason;
    // Nothing bound at all.
    partner("empty.example", {});
    t = decide_for("empty.example");
    ASSERT_EQ(t.action, Action::refuse);
    EXPECT_FALSE(t.temporary) << t.reason;
    // Blocked on the CTL.
    ASSERT_TRUE(store_->put_ctl(CtlEntry{good_, CtlAction::block, 2}));
    partner("blocked.example", {good_});
    t = decide_for("blocked.example");
    ASSERT_EQ(t.action, Action::refuse);
    EXPECT_FALSE(t.temporary) << t.reason;
}

TEST_F(Lifecycle, OpportunisticMailIsNeverRefused) {
    DomainRecord d = partner("p.example", {expired_});
    d.encrypt_mode = EncryptMode::opportunistic;
    ASSERT_TRUE(store_->put_domain(d));
    const auto t = decide_for("p.example");
    EXPECT_EQ(t.action, Action::pass);
    EXPECT_FALSE(t.temporary);
    EXPECT_NE(t.reason.find("expired on"), std::string::npos) << t.reason;
}

TEST(Revocation, HardMakesAnUncheckedCertificateUnusable) {
    crypto::Usability unchecked{true, "chains to CN=Root", crypto::Problem::none, true};
    const auto hard = under_revocation(unchecked, Revocation::hard);
    EXPECT_FALSE(hard.usable);
    EXPECT_EQ(hard.problem, crypto::Problem::revocation_unknown);
    EXPECT_NE(hard.reason.find("revocation unknown"), std::string::npos);
    const auto soft = under_revocation(unchecked, Revocation::soft);
    EXPECT_TRUE(soft.usable);
    // A checked certificate, and one unusable for another reason, are what they were.
    crypto::Usability checked{true, "chains to CN=Root"};
    EXPECT_TRUE(under_revocation(checked, Revocation::hard).usable);
    crypto::Usability expired{false, "expired on x", crypto::Problem::expired, true};
    EXPECT_EQ(under_revocation(expired, Revocation::hard).problem, crypto::Problem::expired);
}

TEST(PgpKeyState, ExpiryAndRevocationAreClassified) {
    auto made = openpgp::create_key("<k@p.example>", openpgp::KeyAlgorithm::ed25519, 3600);
    ASSERT_TRUE(made) << made.error().reason;
    auto now = openpgp::encryption_usability(made->public_key);
    ASSERT_TRUE(now);
    EXPECT_EQ(pgp_key_state(*now).problem, crypto::Problem::none);
    EXPECT_TRUE(pgp_key_state(*now).usable);
    auto later = openpgp::encryption_usability(made->public_key, std::time(nullptr) + 7200);
    ASSERT_TRUE(later);
    const auto state = pgp_key_state(*later);
    EXPECT_FALSE(state.usable);
    EXPECT_EQ(state.problem, crypto::Problem::expired) << state.reason;

    auto revoked = openpgp::parse_keys(
        test::read_file(std::string(SEALGATE_TESTDATA) +
                        "/openpgp/interop-suite/revoked-key-cert-revoked-compromised.pgp"));
    ASSERT_TRUE(revoked && revoked->size() == 1);
    auto u = openpgp::encryption_usability(revoked->front().public_key);
    ASSERT_TRUE(u);
    EXPECT_EQ(pgp_key_state(*u).problem, crypto::Problem::revoked) << u->reason;
}

TEST(WarningThreshold, ThirtyFourteenSevenOneThenExpired) {
    const std::time_t now = 1'800'000'000;
    const auto at = [&](double days) {
        return warning_threshold(now + static_cast<std::time_t>(days * 86400), now);
    };
    EXPECT_EQ(at(45), 0);
    EXPECT_EQ(at(30.5), 0);
    EXPECT_EQ(at(30), 30);
    EXPECT_EQ(at(20), 30);
    EXPECT_EQ(at(14), 14);
    EXPECT_EQ(at(8), 14);
    EXPECT_EQ(at(7), 7);
    EXPECT_EQ(at(2), 7);
    EXPECT_EQ(at(1), 1);
    EXPECT_EQ(at(0.1), 1);
    EXPECT_EQ(at(0), 1);
    EXPECT_EQ(warning_threshold(now - 1, now), -1);
}

}  // namespace
}  // namespace sealgate::policy
