// The administrator's guard rails (policy/admin_rules.hpp) on a real snapshot: which change
// needs force, which only warns, and what is fine. The CLI's side (exit status, --force, the
// words on the terminal) is tests/cli/admin_rules.sh.
#include <gtest/gtest.h>

#include "crypto/keygen.hpp"
#include "policy/admin_rules.hpp"
#include "policy/policy.hpp"
#include "store/sqlite_store.hpp"
#include "support/store.hpp"
#include "support/temp_dir.hpp"

namespace sealgate::policy {
namespace {

using Kind = Finding::Kind;

std::vector<Kind> kinds(const Verdict& v) {
    std::vector<Kind> out;
    for (const auto& f : v.findings)
        out.push_back(f.kind);
    return out;
}

class AdminRules : public ::testing::Test {
  protected:
    void SetUp() override {
        store_ = test::open_store(dir_);
        ASSERT_TRUE(store_);
    }

    DomainRecord domain(const std::string& name, EncryptMode mode, bool local = false) {
        DomainRecord d;
        d.name = name;
        d.encrypt_mode = mode;
        d.local = local;
        EXPECT_TRUE(store_->put_domain(d));
        return d;
    }
    // A certificate for `email`, stored with or without (the marker of) its private key.
    std::string certificate(const std::string& email, bool ours) {
        crypto::CertificateRequest req;
        req.email = email;
        req.algorithm = crypto::KeyAlgorithm::p256;
        auto made = crypto::create_domain_certificate(req);
        EXPECT_TRUE(made);
        const auto& c = made->first;
        EXPECT_TRUE(store_->put_certificate(CertRecord{c.sha256(), c.der(), ours, 1}));
        return c.sha256();
    }
    std::shared_ptr<const Snapshot> snapshot() {
        auto snap = Snapshot::load(*store_);
        EXPECT_TRUE(snap) << snap.error().reason;
        return *snap;
    }

    test::TempDir dir_;
    std::unique_ptr<SqliteStore> store_;
};

TEST(EmailDomainMatches, SameParentOrChild) {
    EXPECT_TRUE(email_domain_matches("partner.example", "partner.example"));
    EXPECT_TRUE(email_domain_matches("Partner.Example", "partner.example"));
    EXPECT_TRUE(email_domain_matches("partner.example", "*.partner.example"));
    EXPECT_TRUE(email_domain_matches("mail.partner.example", "partner.example"));
    EXPECT_TRUE(email_domain_matches("partner.example", "sub.partner.example"));
    EXPECT_FALSE(email_domain_matches("other.example", "partner.example"));
    EXPECT_FALSE(email_domain_matches("evilpartner.example", "partner.example"));
    EXPECT_FALSE(email_domain_matches("", "partner.example"));
}

TEST_F(AdminRules, OwnCertificateForAPartnerNeedsForce) {
    const auto d = domain("partner.example", EncryptMode::mandatory);
    const auto own = certificate("domain-cert@partner.example", true);
    const auto v = check_smime_binding(*snapshot(), d, own);
    EXPECT_TRUE(v.needs_force());
    EXPECT_EQ(kinds(v), std::vector<Kind>{Kind::own_key_for_partner});
    EXPECT_NE(v.forced_text().find("one of our own"), std::string::npos) << v.forced_text();
}

TEST_F(AdminRules, CertificateOfAnotherDomainNeedsForce) {
    const auto d = domain("partner.example", EncryptMode::mandatory);
    const auto other = certificate("domain-cert@other.example", false);
    const auto v = check_smime_binding(*snapshot(), d, other);
    EXPECT_EQ(kinds(v), std::vector<Kind>{Kind::email_domain_mismatch});
    EXPECT_TRUE(v.needs_force());
}

TEST_F(AdminRules, PartnersCertificateIsFineAndWarnsInModeNone) {
    const auto strict = domain("partner.example", EncryptMode::mandatory);
    const auto none = domain("*.partner.example", EncryptMode::none);
    const auto cert = certificate("domain-cert@partner.example", false);
    const auto snap = snapshot();
    EXPECT_TRUE(check_smime_binding(*snap, strict, cert).findings.empty());
    const auto v = check_smime_binding(*snap, none, cert);
    EXPECT_FALSE(v.needs_force());
    EXPECT_EQ(kinds(v), std::vector<Kind>{Kind::still_in_clear});
    ASSERT_EQ(v.warnings().size(), 1u);
    EXPECT_NE(v.warnings()[0].find("still go in clear"), std::string::npos);
}

TEST_F(AdminRules, LocalDomainsAreNotJudged) {
    const auto local = domain("example.com", EncryptMode::none, true);
    const auto own = certificate("domain-cert@example.com", true);
    EXPECT_TRUE(check_smime_binding(*snapshot(), local, own).findings.empty());
}

TEST_F(AdminRules, TrustingABlockedCertificateNeedsForce) {
    const std::string blocked(64, 'b');
    const std::string listed(64, 'c');
    ASSERT_TRUE(store_->put_ctl(CtlEntry{blocked, CtlAction::block, 1}));
    ASSERT_TRUE(store_->put_ctl(CtlEntry{listed, CtlAction::trust, 1}));
    const auto snap = snapshot();
    const auto lift = check_ctl_change(*snap, blocked, CtlAction::trust);
    EXPECT_EQ(kinds(lift), std::vector<Kind>{Kind::lifts_block});
    EXPECT_TRUE(lift.needs_force());
    EXPECT_TRUE(check_ctl_change(*snap, blocked, CtlAction::block).findings.empty());
    EXPECT_TRUE(check_ctl_change(*snap, listed, CtlAction::trust).findings.empty());
    EXPECT_TRUE(check_ctl_change(*snap, std::string(64, 'd'), CtlAction::trust).findings.empty());
    EXPECT_TRUE(check_ctl_change(*snap, listed, CtlAction::block).findings.empty());
}

TEST_F(AdminRules, UncoveredSubdomainsAreAWarning) {
    const auto strict = domain("partner.example", EncryptMode::mandatory);
    const auto clear = domain("plain.example", EncryptMode::none);
    auto v = check_domain_coverage(*snapshot(), strict);
    EXPECT_EQ(kinds(v), std::vector<Kind>{Kind::subdomains_uncovered});
    EXPECT_FALSE(v.needs_force());
    EXPECT_NE(v.warnings()[0].find("bob@sub.partner.example gets no policy"), std::string::npos)
        << v.warnings()[0];
    // Mode none: subdomains without policy change nothing.
    EXPECT_TRUE(check_domain_coverage(*snapshot(), clear).findings.empty());
    // A wildcard that encrypts covers them; one in mode none does not.
    domain("*.partner.example", EncryptMode::none);
    v = check_domain_coverage(*snapshot(), strict);
    ASSERT_EQ(v.findings.size(), 1u);
    EXPECT_NE(v.warnings()[0].find("follow *.partner.example, whose encrypt-mode is none"),
              std::string::npos)
        << v.warnings()[0];
    domain("*.partner.example", EncryptMode::opportunistic);
    EXPECT_TRUE(check_domain_coverage(*snapshot(), strict).findings.empty());
}

TEST_F(AdminRules, SubdomainsOfAPartnerUnderALocalWildcardAreAWarning) {
    domain("*.example", EncryptMode::none, true);
    const auto strict = domain("partner.example", EncryptMode::mandatory);
    const auto v = check_domain_coverage(*snapshot(), strict);
    ASSERT_EQ(v.findings.size(), 1u);
    EXPECT_NE(v.warnings()[0].find("one of our local domains"), std::string::npos)
        << v.warnings()[0];
}

// Not an admin rule, but the same kind of one-home rule: the direction a log record names for a
// message refused before its copies were made is the one decide() would take.
TEST_F(AdminRules, RecipientsGroupedByTheDirectionDecideTakes) {
    domain("a.example", EncryptMode::none, true);
    domain("z.example", EncryptMode::mandatory);
    const auto snap = snapshot();
    const std::vector<std::string> rcpts{"bob@a.example", "carol@plain.example", "zed@z.example",
                                         "dave@a.example"};
    const auto groups = by_direction(*snap, "mallory@elsewhere.example", rcpts);
    ASSERT_EQ(groups.size(), 3u);
    EXPECT_EQ(groups[0].first, Direction::inbound);
    EXPECT_EQ(groups[0].second, (std::vector<std::string>{"bob@a.example", "dave@a.example"}));
    EXPECT_EQ(groups[1].first, Direction::relay);
    EXPECT_EQ(groups[2].first, Direction::outbound);
    for (const auto& r : rcpts) {
        auto t = decide(*snap, "mallory@elsewhere.example", r, Mode::automatic);
        ASSERT_TRUE(t) << t.error().reason;
        EXPECT_EQ(t->direction, direction(*snap, "mallory@elsewhere.example", r)) << r;
    }
    // A local sender makes every external recipient outbound.
    EXPECT_EQ(direction(*snap, "alice@a.example", "carol@plain.example"), Direction::outbound);
}

}  // namespace
}  // namespace sealgate::policy
