// Staging and pinning what key discovery found (admin/discovery.cpp, admin/discover_stage.cpp),
// with synthetic findings: the lookup's network half is discover/'s and tested there; here each
// finding carries a real certificate or key made in the test.
#include <gtest/gtest.h>

#include <algorithm>

#include "admin/discover_stage.hpp"
#include "crypto/keygen.hpp"
#include "fixture.hpp"
#include "openpgp/key.hpp"

namespace sealgate::admin {
namespace {

// The moment of each call: a key made during the test is not valid before it was made.
std::time_t now() {
    return std::time(nullptr);
}

class Discovery : public AdminTest {
  protected:
    void SetUp() override {
        AdminTest::SetUp();
        partner_ = domain("partner.example", EncryptMode::mandatory);
    }

    // An SMIMEA finding for a fresh certificate of `email`.
    discover::Finding smimea(const std::string& email = "domain-cert@partner.example",
                             discover::Dnssec dnssec = discover::Dnssec::secure,
                             unsigned usage = 3) {
        crypto::CertificateRequest req;
        req.email = email;
        req.algorithm = crypto::KeyAlgorithm::p256;
        req.days = 365;
        auto made = crypto::create_domain_certificate(req);
        EXPECT_TRUE(made);
        discover::Finding f;
        f.source = KeySource::dane;
        f.method = Method::smime;
        f.address = "domain-cert@partner.example";
        f.where = "abc._smimecert.partner.example";
        f.dnssec = dnssec;
        f.ttl = 3600;
        f.data = made->first.der();
        f.id = made->first.sha256();
        f.usage = usage;
        f.subject = made->first.subject();
        f.usable = true;
        return f;
    }

    // An OPENPGPKEY (or WKD) finding for a fresh Ed25519/Cv25519 key.
    discover::Finding openpgpkey(KeySource source = KeySource::dns,
                                 discover::Dnssec dnssec = discover::Dnssec::secure) {
        auto made =
            openpgp::create_key("domain-cert@partner.example", openpgp::KeyAlgorithm::ed25519, 0);
        EXPECT_TRUE(made) << made.error().reason;
        discover::Finding f;
        f.source = source;
        f.method = Method::pgp;
        f.address = "domain-cert@partner.example";
        f.where = source == KeySource::wkd
                      ? "https://openpgpkey.partner.example/.well-known/openpgpkey/x"
                      : "abc._openpgpkey.partner.example";
        f.dnssec = dnssec;
        f.ttl = source == KeySource::wkd ? 0 : 600;
        f.data = made->public_key;
        f.id = made->fingerprint;
        f.usable = true;
        return f;
    }

    void set_mode(DiscoveryMode mode) {
        DomainChange change;
        change.discovery = mode;
        ASSERT_OK(service().change_domain("partner.example", change, false));
    }

    DiscoveryStaging stage(const std::vector<discover::Finding>& findings) {
        auto staged = service().stage_discovered("partner.example", findings, now());
        EXPECT_TRUE(staged) << (staged ? "" : staged.error().reason);
        return staged ? *staged : DiscoveryStaging{};
    }

    DomainRecord stored_domain() { return *value_of(real_->find_domain("partner.example")); }

    DomainRecord partner_;
};

TEST_F(Discovery, UsableFindingsAreStagedOncePerKeyAndAudited) {
    const auto cert = smimea();
    const auto key = openpgpkey();
    discover::Finding none;
    none.source = KeySource::wkd;
    none.dnssec = discover::Dnssec::failed;
    none.reason = "HTTP 404";
    discover::Finding weak = smimea();
    weak.usable = false;
    weak.problem = "expired";
    const auto before = audit_count();
    const auto staged = stage({cert, key, none, weak, cert});
    ASSERT_EQ(staged.findings.size(), 5u);
    EXPECT_EQ(staged.findings[0].outcome, StageOutcome::staged);
    EXPECT_EQ(staged.findings[1].outcome, StageOutcome::staged);
    EXPECT_EQ(staged.findings[2].outcome, StageOutcome::no_key);
    EXPECT_EQ(staged.findings[2].note, "failed: HTTP 404");
    EXPECT_EQ(staged.findings[3].outcome, StageOutcome::unusable);
    EXPECT_EQ(staged.findings[3].note, "expired");
    EXPECT_EQ(staged.findings[4].outcome, StageOutcome::already_pending) << "one per key";
    EXPECT_EQ(audit_count(), before + 2);
    EXPECT_EQ(audit_log().back().action, "discovery.stage");

    const auto pending = value_of(real_->list_pending());
    ASSERT_EQ(pending.size(), 2u);
    EXPECT_EQ(pending[0].kind, PendingKind::discovery);
    EXPECT_EQ(pending[0].found.id, cert.id);
    EXPECT_EQ(pending[0].found.dnssec, "secure");
    EXPECT_EQ(pending[0].found.usage, 3u);
    EXPECT_EQ(pending[1].found.source, KeySource::dns);
    // Nothing was pinned: staging is not trusting.
    EXPECT_TRUE(stored_domain().smime_certs.empty());
    EXPECT_FALSE(value_of(real_->find_ctl(cert.id)));
    EXPECT_FALSE(value_of(real_->find_pgp_key(key.id)));

    // The same lookup again stages nothing twice.
    const auto again = stage({cert, key});
    EXPECT_EQ(again.findings[0].outcome, StageOutcome::already_pending);
    EXPECT_EQ(again.findings[0].pending_id, pending[0].id);
    EXPECT_EQ(again.findings[1].outcome, StageOutcome::already_pending);
    EXPECT_EQ(value_of(real_->list_pending()).size(), 2u);
}

TEST_F(Discovery, ApproveImportsTrustsBindsAndRecordsTheSource) {
    const auto cert = smimea();
    const auto key = openpgpkey();
    const auto staged = stage({cert, key});
    const auto cert_id = staged.findings[0].pending_id;
    const auto key_id = staged.findings[1].pending_id;

    auto view = service().pending(cert_id);
    ASSERT_TRUE(view) << view.error().reason;
    EXPECT_EQ(view->change.kind, PendingKind::discovery);
    ASSERT_EQ(view->change.adds.size(), 1u);
    EXPECT_EQ(view->change.adds[0].id, cert.id);
    EXPECT_NE(view->change.found.find("dane (DNSSEC secure) usage 3 at"), std::string::npos)
        << view->change.found;

    const auto before = audit_count();
    auto approved = service().approve_pending(cert_id, now());
    ASSERT_TRUE(approved) << approved.error().reason;
    EXPECT_EQ(only_new_audit(before).action, "pending.approve");
    EXPECT_EQ(stored_domain().smime_certs, std::vector<std::string>{cert.id});
    const auto ctl = value_of(real_->find_ctl(cert.id));
    ASSERT_TRUE(ctl);
    EXPECT_EQ(ctl->action, CtlAction::trust);
    const auto stored = value_of(real_->find_certificate(cert.id));
    ASSERT_TRUE(stored);
    EXPECT_EQ(stored->origin.source, KeySource::dane);
    EXPECT_EQ(stored->origin.where, cert.where);
    EXPECT_EQ(stored->origin.ttl, 3600u);

    ASSERT_OK(service().approve_pending(key_id, now()));
    const auto pgp = value_of(real_->find_pgp_key(key.id));
    ASSERT_TRUE(pgp);
    EXPECT_TRUE(pgp->trusted);
    EXPECT_EQ(pgp->domains, std::vector<std::string>{"partner.example"});
    EXPECT_EQ(pgp->origin.source, KeySource::dns);

    // `domain show` names each key's source, and the domain can now be encrypted to.
    auto shown = value_of(service().domain("partner.example"));
    ASSERT_EQ(shown.smime_certs.size(), 1u);
    EXPECT_EQ(shown.smime_certs[0].origin.source, KeySource::dane);
    EXPECT_TRUE(shown.smime_certs[0].usable) << shown.smime_certs[0].reason;
    ASSERT_EQ(shown.pgp_keys.size(), 1u);
    EXPECT_EQ(shown.pgp_keys[0].origin.source, KeySource::dns);
    EXPECT_EQ(shown.next.action, policy::Action::encrypt);

    // Decided once; found again later, it is pinned already.
    EXPECT_FALSE(service().approve_pending(cert_id, now()));
    const auto again = stage({cert, key});
    EXPECT_EQ(again.findings[0].outcome, StageOutcome::already_pinned);
    EXPECT_EQ(again.findings[1].outcome, StageOutcome::already_pinned);
    EXPECT_TRUE(again.missing.empty());
}

TEST_F(Discovery, RejectOnlyMarks) {
    const auto cert = smimea();
    const auto id = stage({cert}).findings[0].pending_id;
    const auto before = audit_count();
    auto rejected = service().reject_pending(id, now());
    ASSERT_TRUE(rejected) << rejected.error().reason;
    EXPECT_EQ(rejected->state, PendingState::rejected);
    EXPECT_EQ(only_new_audit(before).action, "pending.reject");
    EXPECT_TRUE(stored_domain().smime_certs.empty());
    EXPECT_FALSE(value_of(real_->find_certificate(cert.id)));
    EXPECT_FALSE(value_of(real_->find_ctl(cert.id)));
    // A rejected change does not hold the key back: found again, it is staged again.
    EXPECT_EQ(stage({cert}).findings[0].outcome, StageOutcome::staged);
}

TEST_F(Discovery, AutoDanePinsOnlySecureUsage3SmimeaAndSecureOpenpgpkey) {
    set_mode(DiscoveryMode::auto_dane);
    const auto secure_ee = smimea();
    const auto secure_pkix = smimea("domain-cert@partner.example", discover::Dnssec::secure, 1);
    const auto insecure_ee = smimea("domain-cert@partner.example", discover::Dnssec::insecure);
    const auto secure_key = openpgpkey();
    const auto insecure_key = openpgpkey(KeySource::dns, discover::Dnssec::insecure);
    const auto wkd_key = openpgpkey(KeySource::wkd, discover::Dnssec::not_dns);
    const auto before = audit_count();
    const auto staged =
        stage({secure_ee, secure_pkix, insecure_ee, secure_key, insecure_key, wkd_key});
    ASSERT_EQ(staged.findings.size(), 6u);
    EXPECT_EQ(staged.findings[0].outcome, StageOutcome::pinned);
    EXPECT_EQ(staged.findings[1].outcome, StageOutcome::staged) << "usage 1 needs review";
    EXPECT_EQ(staged.findings[2].outcome, StageOutcome::staged) << "insecure needs review";
    EXPECT_EQ(staged.findings[3].outcome, StageOutcome::pinned);
    EXPECT_EQ(staged.findings[4].outcome, StageOutcome::staged);
    EXPECT_EQ(staged.findings[5].outcome, StageOutcome::staged) << "WKD always needs review";
    const auto log = audit_log();
    EXPECT_EQ(log.size(), before + 6);
    EXPECT_EQ(std::count_if(log.begin(), log.end(),
                            [](const auto& a) { return a.action == "discovery.pin"; }),
              2);
    EXPECT_EQ(stored_domain().smime_certs, std::vector<std::string>{secure_ee.id});
    EXPECT_TRUE(value_of(real_->find_pgp_key(secure_key.id))->trusted);
    EXPECT_FALSE(value_of(real_->find_pgp_key(wkd_key.id)));
    EXPECT_EQ(value_of(real_->list_pending()).size(), 4u);
}

TEST_F(Discovery, UnderReviewSecureRecordsAreStagedToo) {
    set_mode(DiscoveryMode::review);
    const auto staged = stage({smimea(), openpgpkey()});
    EXPECT_EQ(staged.findings[0].outcome, StageOutcome::staged);
    EXPECT_EQ(staged.findings[1].outcome, StageOutcome::staged);
    EXPECT_TRUE(stored_domain().smime_certs.empty());
}

TEST_F(Discovery, AChangedRecordIsStagedAndTheOldPinKept) {
    const auto old_cert = smimea();
    ASSERT_OK(service().approve_pending(stage({old_cert}).findings[0].pending_id, now()));
    set_mode(DiscoveryMode::review);
    // The partner publishes a new certificate in place of the old one.
    const auto new_cert = smimea();
    const auto staged = stage({new_cert});
    EXPECT_EQ(staged.findings[0].outcome, StageOutcome::staged);
    EXPECT_EQ(stored_domain().smime_certs, std::vector<std::string>{old_cert.id})
        << "the pinned certificate stays until the change is approved";
    ASSERT_EQ(staged.missing.size(), 1u) << "the old record is gone: said, kept";
    EXPECT_NE(staged.missing[0].find(old_cert.id), std::string::npos);

    // Under auto-dane a secure usage-3 record is pinned in addition, never instead.
    set_mode(DiscoveryMode::auto_dane);
    const auto newer = smimea();
    EXPECT_EQ(stage({newer}).findings[0].outcome, StageOutcome::pinned);
    EXPECT_EQ(stored_domain().smime_certs, (std::vector<std::string>{old_cert.id, newer.id}));
}

TEST_F(Discovery, BogusOrFailedAnswersChangeNothing) {
    const auto cert = smimea();
    ASSERT_OK(service().approve_pending(stage({cert}).findings[0].pending_id, now()));
    set_mode(DiscoveryMode::auto_dane);
    discover::Finding bogus;
    bogus.source = KeySource::dane;
    bogus.where = cert.where;
    bogus.dnssec = discover::Dnssec::bogus;
    bogus.reason = "signature expired";
    const auto before = audit_count();
    const auto staged = stage({bogus});
    EXPECT_EQ(staged.findings[0].outcome, StageOutcome::no_key);
    EXPECT_EQ(staged.findings[0].note, "bogus: signature expired");
    EXPECT_EQ(staged.missing.size(), 1u);
    EXPECT_EQ(audit_count(), before);
    EXPECT_EQ(stored_domain().smime_certs, std::vector<std::string>{cert.id});
    EXPECT_TRUE(value_of(real_->list_pending()).size() == 1u);
}

TEST_F(Discovery, FindingsThatDoNotHoldWhatTheyClaimAreNotStaged) {
    auto wrong_id = smimea();
    wrong_id.id = std::string(64, 'a');
    auto garbage = openpgpkey();
    garbage.data = "not a key";
    auto wrong_domain = smimea("domain-cert@elsewhere.example");
    set_mode(DiscoveryMode::auto_dane);
    const auto staged = stage({wrong_id, garbage, wrong_domain});
    EXPECT_EQ(staged.findings[0].outcome, StageOutcome::unusable);
    EXPECT_EQ(staged.findings[1].outcome, StageOutcome::unusable);
    // A certificate for another domain is not pinned by auto-dane; it waits for a person.
    EXPECT_EQ(staged.findings[2].outcome, StageOutcome::staged);
    EXPECT_NE(staged.findings[2].note.find("not pinned"), std::string::npos)
        << staged.findings[2].note;
    EXPECT_TRUE(stored_domain().smime_certs.empty());
}

TEST_F(Discovery, ABlockedCertificateIsNeverPinned) {
    const auto cert = smimea();
    const auto id = stage({cert}).findings[0].pending_id;
    ASSERT_OK(real_->put_certificate(CertRecord{cert.id, cert.data, false, 1}));
    ASSERT_OK(real_->put_ctl(CtlEntry{cert.id, CtlAction::block, 1}));
    auto approved = service().approve_pending(id, now());
    ASSERT_FALSE(approved);
    EXPECT_NE(approved.error().reason.find("blocked"), std::string::npos);
    EXPECT_TRUE(stored_domain().smime_certs.empty());
    EXPECT_EQ(value_of(real_->find_ctl(cert.id))->action, CtlAction::block);
}

TEST_F(Discovery, OnlyPartnerDomainsByName) {
    domain("ours.example", EncryptMode::none, true);
    EXPECT_EQ(service().stage_discovered("ours.example", {}, now()).error().kind,
              ErrorKind::bad_input);
    EXPECT_EQ(service().stage_discovered("nobody.example", {}, now()).error().kind,
              ErrorKind::not_found);
    DomainChange on;
    on.discovery = DiscoveryMode::review;
    EXPECT_FALSE(service().change_domain("ours.example", on, false));
    domain("*.partner.example");
    EXPECT_FALSE(service().change_domain("*.partner.example", on, false));
}

TEST_F(Discovery, DomainSettingsAreValidatedAndAudited) {
    DomainChange change;
    change.discovery = DiscoveryMode::auto_dane;
    change.discovery_address = "Keys@Partner.Example";
    const auto before = audit_count();
    auto done = service().change_domain("partner.example", change, false);
    ASSERT_TRUE(done) << done.error().reason;
    EXPECT_EQ(done->value.discovery_address, "Keys@partner.example");
    const auto a = only_new_audit(before);
    EXPECT_NE(a.change.find("discovery: off -> auto-dane"), std::string::npos) << a.change;
    EXPECT_NE(a.change.find("discovery_address: (default) -> Keys@partner.example"),
              std::string::npos)
        << a.change;
    EXPECT_EQ(discovery_address(stored_domain()), "Keys@partner.example");

    DomainChange elsewhere;
    elsewhere.discovery_address = "domain-cert@other.example";
    const auto refused = service().change_domain("partner.example", elsewhere, false);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().kind, ErrorKind::bad_input);
    EXPECT_EQ(stored_domain().discovery_address, "Keys@partner.example") << "nothing changed";

    DomainChange reset;
    reset.discovery_address = "";
    ASSERT_OK(service().change_domain("partner.example", reset, false));
    EXPECT_EQ(discovery_address(stored_domain()), "domain-cert@partner.example");
}

TEST_F(Discovery, DiscoverAndStageLooksUpTheDomainsAddress) {
    DomainChange change;
    change.discovery_address = "keys@partner.example";
    ASSERT_OK(service().change_domain("partner.example", change, false));
    const auto cert = smimea();
    std::string asked;
    const DiscoverLookup lookup = [&](std::string_view address, std::time_t) {
        asked = std::string(address);
        return Result<std::vector<discover::Finding>>(std::vector<discover::Finding>{cert});
    };
    auto run = discover_and_stage(service(), lookup, "Partner.Example", {}, now());
    ASSERT_TRUE(run) << run.error().reason;
    EXPECT_EQ(asked, "keys@partner.example");
    EXPECT_EQ(run->address, "keys@partner.example");
    EXPECT_EQ(run->staging.findings.at(0).outcome, StageOutcome::staged);

    DiscoverOptions other;
    other.address = "someone@partner.example";
    ASSERT_OK(discover_and_stage(service(), lookup, "partner.example", other, now()));
    EXPECT_EQ(asked, "someone@partner.example");
    other.address = "someone@elsewhere.example";
    EXPECT_FALSE(discover_and_stage(service(), lookup, "partner.example", other, now()));

    // A lookup that fails as a whole stages nothing.
    const DiscoverLookup broken = [](std::string_view, std::time_t) {
        return Result<std::vector<discover::Finding>>(fail(Error::bad_input("bad resolver")));
    };
    const auto pending_before = value_of(real_->list_pending()).size();
    EXPECT_FALSE(discover_and_stage(service(), broken, "partner.example", {}, now()));
    EXPECT_EQ(value_of(real_->list_pending()).size(), pending_before);
}

TEST_F(Discovery, AStoreFailureWhileStagingIsAnError) {
    const auto cert = smimea();
    store_->fail_on = "add_pending";
    const auto staged = service().stage_discovered("partner.example", {cert}, now());
    ASSERT_FALSE(staged);
    EXPECT_EQ(staged.error().kind, ErrorKind::temporary);
    EXPECT_TRUE(value_of(real_->list_pending()).empty());
}

}  // namespace
}  // namespace sealgate::admin
