// Who signs our mail and whose signature we accept (policy/policy.hpp: signer_for,
// decide()'s Treatment::signer, signature_rule, smime_signer_usability, pgp_signer_usability).
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "crypto/keygen.hpp"
#include "openpgp/key.hpp"
#include "policy/policy.hpp"
#include "policy/snapshot.hpp"
#include "support/store.hpp"
#include "support/temp_dir.hpp"

namespace sealgate::policy {
namespace {

const std::string kSender = "alice@a.example";

class Signing : public ::testing::Test {
  protected:
    void SetUp() override {
        store_ = test::open_store(dir_);
        ASSERT_TRUE(store_);
        ours_.name = "a.example";
        ours_.local = true;
        ASSERT_TRUE(store_->put_domain(ours_));
    }

    // A certificate for `email`: ours (private key held) or a partner's (trusted on the CTL).
    std::string certificate(const std::string& email, bool own, const std::string& cn = "",
                            std::time_t added = 1) {
        auto made = crypto::create_domain_certificate({email, cn, crypto::KeyAlgorithm::p256, 30});
        EXPECT_TRUE(made) << made.error().reason;
        const std::string sha = made->first.sha256();
        EXPECT_TRUE(
            store_->put_certificate(CertRecord{sha, std::string(made->first.der()), own, added}));
        if (!own) {
            EXPECT_TRUE(store_->put_ctl(CtlEntry{sha, CtlAction::trust, 1}));
        }
        return sha;
    }

    std::string pgp_key(const std::string& uid, bool own, bool trusted,
                        std::vector<std::string> domains, std::time_t added = 1) {
        auto made = openpgp::create_key(uid, openpgp::KeyAlgorithm::ed25519, 0);
        EXPECT_TRUE(made) << made.error().reason;
        PgpKeyRecord rec;
        rec.fingerprint = made->fingerprint;
        rec.public_key = made->public_key;
        rec.sealed_secret = own ? "sealed" : "";  // the policy reads only that it is held
        rec.trusted = trusted;
        rec.domains = std::move(domains);
        rec.added = added;
        EXPECT_TRUE(store_->put_pgp_key(rec));
        return rec.fingerprint;
    }

    DomainRecord partner(const std::string& name, EncryptMode mode, SignMode sign,
                         std::vector<std::string> certs = {}) {
        DomainRecord d;
        d.name = name;
        d.encrypt_mode = mode;
        d.sign = sign;
        d.smime_certs = std::move(certs);
        EXPECT_TRUE(store_->put_domain(d));
        return d;
    }

    std::shared_ptr<const Snapshot> snapshot() {
        auto snap = Snapshot::load(*store_);
        EXPECT_TRUE(snap) << snap.error().reason;
        return *snap;
    }

    Treatment decide_for(const std::string& recipient) {
        auto t = decide(*snapshot(), kSender, recipient, Mode::automatic);
        EXPECT_TRUE(t) << t.error().reason;
        return *t;
    }

    test::TempDir dir_;
    std::unique_ptr<SqliteStore> store_;
    DomainRecord ours_;
};

TEST_F(Signing, OurCertificateWithAnAddressInTheDomainSigns) {
    const std::string own = certificate("domain-cert@a.example", true);
    certificate("domain-cert@other.example", true);
    auto s = signer_for(*snapshot(), "a.example", Method::smime);
    ASSERT_TRUE(s) << s.error().reason;
    EXPECT_EQ(s->method, Method::smime);
    EXPECT_EQ(s->id, own);
}

TEST_F(Signing, TheCertificateChosenForTheLocalDomainComesBeforeAnAddressMatch) {
    const std::string by_address = certificate("domain-cert@a.example", true, "by address");
    const std::string chosen = certificate("gateway@elsewhere.example", true, "chosen");
    ours_.smime_certs = {chosen};
    ASSERT_TRUE(store_->put_domain(ours_));
    auto s = signer_for(*snapshot(), "a.example", Method::smime);
    ASSERT_TRUE(s) << s.error().reason;
    EXPECT_EQ(s->id, chosen);
    EXPECT_NE(s->id, by_address);
}

TEST_F(Signing, APartnersCertificateOrARetiredOneNeverSigns) {
    certificate("domain-cert@a.example", false);  // no private key: not ours
    const std::string retired = certificate("domain-cert@a.example", true, "old");
    ASSERT_TRUE(store_->set_certificate_retired(retired, true));
    auto s = signer_for(*snapshot(), "a.example", Method::smime);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().kind, ErrorKind::not_found);
    EXPECT_NE(s.error().reason.find("no usable S/MIME signing certificate for a.example"),
              std::string::npos)
        << s.error().reason;
}

TEST_F(Signing, OurOpenPgpKeySignsByBindingThenByUserId) {
    const std::string by_uid = pgp_key("Gateway <domain-cert@a.example>", true, true, {});
    pgp_key("Gateway <domain-cert@other.example>", true, true, {});
    auto s = signer_for(*snapshot(), "a.example", Method::pgp);
    ASSERT_TRUE(s) << s.error().reason;
    EXPECT_EQ(s->id, by_uid);

    const std::string bound = pgp_key("Gateway <gw@elsewhere.example>", true, true, {"a.example"});
    s = signer_for(*snapshot(), "a.example", Method::pgp);
    ASSERT_TRUE(s) << s.error().reason;
    EXPECT_EQ(s->id, bound);
}

TEST_F(Signing, SignAndEncryptSignsTheEncryptedCopyWithHeaderProtection) {
    const std::string own = certificate("domain-cert@a.example", true);
    const std::string theirs = certificate("domain-cert@p.example", false);
    partner("p.example", EncryptMode::mandatory, SignMode::sign_and_encrypt, {theirs});
    const auto t = decide_for("bob@p.example");
    ASSERT_EQ(t.action, Action::encrypt) << t.reason;
    ASSERT_TRUE(t.signer);
    EXPECT_EQ(t.signer->id, own);
    EXPECT_TRUE(t.header_protection);
}

TEST_F(Signing, HeaderProtectionDoesNotWaitForASignature) {
    const std::string theirs = certificate("domain-cert@p.example", false);
    partner("p.example", EncryptMode::mandatory, SignMode::none, {theirs});
    const auto t = decide_for("bob@p.example");
    ASSERT_EQ(t.action, Action::encrypt) << t.reason;
    EXPECT_FALSE(t.signer);
    EXPECT_TRUE(t.unsigned_reason.empty()) << "no signature asked";
    EXPECT_TRUE(t.header_protection) << "RFC 9788 when encrypting, signed or not";
}

TEST_F(Signing, SignAndEncryptLeavesClearMailUnsigned) {
    certificate("domain-cert@a.example", true);
    partner("p.example", EncryptMode::none, SignMode::sign_and_encrypt);
    const auto t = decide_for("bob@p.example");
    EXPECT_EQ(t.action, Action::pass);
    EXPECT_FALSE(t.signer);
    EXPECT_FALSE(t.header_protection);
    EXPECT_TRUE(t.unsigned_reason.empty());
}

TEST_F(Signing, SignSignsClearMailToo) {
    const std::string own = certificate("domain-cert@a.example", true);
    partner("p.example", EncryptMode::none, SignMode::sign);
    const auto t = decide_for("bob@p.example");
    EXPECT_EQ(t.action, Action::pass);
    ASSERT_TRUE(t.signer);
    EXPECT_EQ(t.signer->id, own);
}

TEST_F(Signing, NoneNeverSigns) {
    certificate("domain-cert@a.example", true);
    const std::string theirs = certificate("domain-cert@p.example", false);
    partner("p.example", EncryptMode::mandatory, SignMode::none, {theirs});
    const auto t = decide_for("bob@p.example");
    ASSERT_EQ(t.action, Action::encrypt) << t.reason;
    EXPECT_FALSE(t.signer);
}

TEST_F(Signing, WithoutASignerTheCopyLeavesUnsignedAndSaysWhy) {
    const std::string theirs = certificate("domain-cert@p.example", false);
    partner("p.example", EncryptMode::mandatory, SignMode::sign_and_encrypt, {theirs});
    const auto t = decide_for("bob@p.example");
    ASSERT_EQ(t.action, Action::encrypt) << t.reason;  // encryption never waits for a signer
    EXPECT_FALSE(t.signer);
    EXPECT_NE(t.unsigned_reason.find("no usable S/MIME signing certificate for a.example"),
              std::string::npos)
        << t.unsigned_reason;
}

TEST_F(Signing, SignedAndUnsignedCopiesDoNotShareACopy) {
    certificate("domain-cert@a.example", true);
    const std::string theirs = certificate("domain-cert@p.example", false);
    partner("p.example", EncryptMode::mandatory, SignMode::sign_and_encrypt, {theirs});
    auto signed_copy = decide_for("bob@p.example");
    auto unsigned_copy = signed_copy;
    unsigned_copy.signer.reset();
    EXPECT_NE(signed_copy.group_key(), unsigned_copy.group_key());
}

TEST_F(Signing, APartnersSignerMustBeBoundAndTrusted) {
    const std::string bound = certificate("domain-cert@p.example", false, "bound");
    const std::string unbound = certificate("domain-cert@p.example", false, "unbound");
    partner("p.example", EncryptMode::mandatory, SignMode::none, {bound});
    const auto snap = snapshot();
    const SignatureRule rule = signature_rule(*snap, "p.example");
    ASSERT_NE(rule.domain, nullptr);
    ASSERT_EQ(rule.smime_signers.size(), 1u);

    EXPECT_TRUE(smime_signer_usability(*snap, rule, snap->find_certificate(bound)->cert).usable);
    const auto u = smime_signer_usability(*snap, rule, snap->find_certificate(unbound)->cert);
    EXPECT_FALSE(u.usable);
    EXPECT_NE(u.reason.find("is not bound to p.example"), std::string::npos) << u.reason;

    ASSERT_TRUE(store_->put_ctl(CtlEntry{bound, CtlAction::block, 2}));
    const auto blocked = snapshot();
    const SignatureRule again = signature_rule(*blocked, "p.example");
    EXPECT_FALSE(
        smime_signer_usability(*blocked, again, blocked->find_certificate(bound)->cert).usable);
}

TEST_F(Signing, AnUnknownSenderDomainHasNoRuleAndNoSigner) {
    const auto snap = snapshot();
    const SignatureRule rule = signature_rule(*snap, "stranger.example");
    EXPECT_EQ(rule.domain, nullptr);
    EXPECT_FALSE(rule.require());
}

TEST_F(Signing, APartnersOpenPgpSignerMustBeBoundAndTrusted) {
    const std::string trusted = pgp_key("P <domain-cert@p.example>", false, true, {"p.example"});
    const std::string untrusted = pgp_key("P <other@p.example>", false, false, {"p.example"});
    const std::string unbound = pgp_key("P <third@p.example>", false, true, {});
    DomainRecord d = partner("p.example", EncryptMode::mandatory, SignMode::none);
    d.require_signature = true;
    ASSERT_TRUE(store_->put_domain(d));
    const auto snap = snapshot();
    const SignatureRule rule = signature_rule(*snap, "p.example");
    EXPECT_EQ(rule.pgp_signers.size(), 2u);
    EXPECT_TRUE(pgp_signer_usability(*snap, rule, trusted).usable)
        << pgp_signer_usability(*snap, rule, trusted).reason;
    EXPECT_NE(pgp_signer_usability(*snap, rule, untrusted).reason.find("not trusted"),
              std::string::npos);
    EXPECT_NE(pgp_signer_usability(*snap, rule, unbound).reason.find("is not bound"),
              std::string::npos);
}

}  // namespace
}  // namespace sealgate::policy
