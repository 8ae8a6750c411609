// admin::Service on domains, certificates and the CTL, against a real store: each change that
// succeeds writes exactly one audit record (actor, action, object, old -> new), a change that
// fails writes none, and the policy findings come back as warnings, or refuse without force.
#include <gtest/gtest.h>

#include "admin/fixture.hpp"

namespace sealgate::admin {
namespace {

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

TEST_F(AdminTest, AddDomainIsAuditedByTheActor) {
    const auto rec = value_of(service().add_domain("Partner.Example", false));
    EXPECT_EQ(rec.name, "partner.example");
    EXPECT_FALSE(rec.local);
    const auto a = only_new_audit(0);
    EXPECT_EQ(a.actor, "test:alice");
    EXPECT_EQ(a.node, "node-a");  // the node the actor works on (issue 17)
    EXPECT_EQ(a.action, "domain.add");
    EXPECT_EQ(a.object, "partner.example");
    EXPECT_EQ(a.change,
              "local: no; encrypt_mode: none; methods: smime,pgp; smime_certs: (none); "
              "smime_profile: compat; tls: none; min_rsa_bits: (default); on_expired: defer; "
              "revocation: soft; accept_signed_updates: no; sign: sign-and-encrypt; "
              "require_signature: no; on_bad_signature: refuse; keep_signature: no; "
              "header_protection: on; discovery: off; discovery_address: (default)");
    EXPECT_GT(a.time, 1600000000);
    // A new domain signs what it encrypts and protects headers (docs/signing.md).
    const auto stored = value_of(store_->find_domain("partner.example"));
    ASSERT_TRUE(stored);
    EXPECT_EQ(stored->sign, SignMode::sign_and_encrypt);
    EXPECT_TRUE(stored->header_protection);
    EXPECT_TRUE(value_of(store_->find_domain("partner.example")).has_value());
}

TEST_F(AdminTest, FailedAddsWriteNoAudit) {
    ASSERT_OK(service().add_domain("partner.example", false));
    const auto again = service().add_domain("PARTNER.example", true);
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().kind, ErrorKind::conflict);
    EXPECT_EQ(again.error().reason, "domain partner.example exists already");
    const auto bad = service().add_domain("not a domain", false);
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().kind, ErrorKind::bad_input);
    store_->fail_on = "put_domain";
    const auto broken = service().add_domain("other.example", false);
    ASSERT_FALSE(broken);
    EXPECT_EQ(broken.error().kind, ErrorKind::temporary);
    EXPECT_EQ(audit_count(), 1u);
}

TEST_F(AdminTest, ChangeDomainAuditsOldAndNew) {
    domain("partner.example");
    const auto before = audit_count();
    DomainChange change;
    change.encrypt_mode = EncryptMode::mandatory;
    change.methods = std::vector<Method>{Method::pgp};
    change.tls = TlsLevel::verify;
    const auto done = value_of(service().change_domain("partner.example", change, false));
    EXPECT_EQ(done.value.encrypt_mode, EncryptMode::mandatory);
    EXPECT_TRUE(done.warnings.empty());
    const auto a = only_new_audit(before);
    EXPECT_EQ(a.action, "domain.update");
    EXPECT_EQ(a.object, "partner.example");
    EXPECT_EQ(a.change,
              "encrypt_mode: none -> mandatory; methods: smime,pgp -> pgp; tls: none -> verify");
    // Setting what is there already is still the administrator's change, and says so.
    ASSERT_OK(service().change_domain("partner.example", change, false));
    EXPECT_EQ(only_new_audit(before + 1).change, "(unchanged)");
}

TEST_F(AdminTest, ChangeOfAMissingDomainIsNotFoundAndNotAudited) {
    DomainChange change;
    change.local = true;
    const auto missing = service().change_domain("nowhere.example", change, false);
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().kind, ErrorKind::not_found);
    EXPECT_EQ(missing.error().reason,
              "no domain nowhere.example (add it with `sealgate domain add`)");
    EXPECT_EQ(audit_count(), 0u);
}

TEST_F(AdminTest, KeyMinimumIsBoundedAndWarnsBelowTheDefault) {
    domain("partner.example");
    DomainChange change;
    change.min_rsa_bits = 512;
    const auto low = service().change_domain("partner.example", change, false);
    ASSERT_FALSE(low);
    EXPECT_EQ(low.error().kind, ErrorKind::bad_input);
    EXPECT_TRUE(contains(low.error().reason, "from 1024 to 16384")) << low.error().reason;
    EXPECT_EQ(audit_count(), 0u);

    change.min_rsa_bits = 1024;
    const auto done = value_of(service().change_domain("partner.example", change, false));
    EXPECT_EQ(done.value.min_rsa_bits, 1024u);
    ASSERT_EQ(done.warnings.size(), 1u);
    EXPECT_TRUE(contains(done.warnings[0], "min-rsa-bits 1024 of partner.example is below"));
    EXPECT_TRUE(done.overridden.empty());
    EXPECT_EQ(only_new_audit(0).change, "min_rsa_bits: (default) -> 1024");
}

TEST_F(AdminTest, OwnCertificateForAPartnerNeedsForce) {
    domain("partner.example", EncryptMode::mandatory);
    crypto::CertificateRequest req;
    req.email = "domain-cert@partner.example";
    req.algorithm = crypto::KeyAlgorithm::p256;
    const auto own = service().create_certificate(req);
    ASSERT_TRUE(own) << own.error().reason;
    const std::string sha = own->cert.sha256();
    EXPECT_TRUE(own->has_private_key);
    const auto created = only_new_audit(0);
    EXPECT_EQ(created.action, "cert.create");
    EXPECT_EQ(created.object, sha);

    DomainChange change;
    change.smime_certs = std::vector<std::string>{sha.substr(0, 12)};
    const auto refused = service().change_domain("partner.example", change, false);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().kind, ErrorKind::needs_force);
    EXPECT_TRUE(contains(refused.error().reason, "is one of our own"));
    EXPECT_FALSE(contains(refused.error().reason, "--force")) << "how to insist is the CLI's word";
    EXPECT_EQ(audit_count(), 1u) << "a refused change writes no audit record";
    EXPECT_TRUE(value_of(store_->find_domain("partner.example"))->smime_certs.empty());

    const auto forced = value_of(service().change_domain("partner.example", change, true));
    EXPECT_EQ(forced.value.smime_certs, std::vector<std::string>{sha});
    ASSERT_EQ(forced.warnings.size(), 1u);
    EXPECT_EQ(forced.overridden, forced.warnings);
    EXPECT_EQ(only_new_audit(1).change, "smime_certs: (none) -> " + sha);
}

TEST_F(AdminTest, PartnerCertificateInModeNoneIsAWarningOnly) {
    domain("partner.example");
    const auto partner = partner_certificate("domain-cert@partner.example");
    DomainChange change;
    // The same certificate twice, by prefix and in full: chosen once.
    change.smime_certs = std::vector<std::string>{partner.sha256.substr(0, 10), partner.sha256};
    const auto done = value_of(service().change_domain("partner.example", change, false));
    EXPECT_EQ(done.value.smime_certs, std::vector<std::string>{partner.sha256});
    ASSERT_EQ(done.warnings.size(), 1u);
    EXPECT_TRUE(
        contains(done.warnings[0], "has encrypt-mode none: its mail will still go in clear"));
    EXPECT_TRUE(done.overridden.empty());

    // A prefix that matches nothing: not_found, nothing written.
    change.smime_certs = std::vector<std::string>{"0123456789"};
    const auto unknown = service().change_domain("partner.example", change, false);
    ASSERT_FALSE(unknown);
    EXPECT_EQ(unknown.error().kind, ErrorKind::not_found);
    EXPECT_EQ(audit_count(), 1u);
}

TEST_F(AdminTest, DomainViewShowsBindingsAndTheNextDecision) {
    domain("partner.example", EncryptMode::mandatory);
    const auto partner = partner_certificate("domain-cert@partner.example");
    DomainRecord d = *value_of(store_->find_domain("partner.example"));
    d.smime_certs = {partner.sha256, std::string(64, 'e')};
    ASSERT_OK(store_->put_domain(d));

    const auto view = value_of(service().domain("Partner.Example"));
    EXPECT_EQ(view.name, "partner.example");
    ASSERT_TRUE(view.record.has_value());
    ASSERT_EQ(view.smime_certs.size(), 2u);
    EXPECT_TRUE(view.smime_certs[0].stored);
    EXPECT_FALSE(view.smime_certs[0].usable) << "self-signed and not on the CTL";
    EXPECT_FALSE(view.smime_certs[1].stored);
    EXPECT_EQ(view.next.action, policy::Action::refuse);
    EXPECT_FALSE(view.warnings.empty()) << "subdomains are not covered";

    const auto none = value_of(service().domain("elsewhere.example"));
    EXPECT_FALSE(none.record.has_value());
    EXPECT_EQ(audit_count(), 0u) << "reads are not audited";
}

TEST_F(AdminTest, RemoveDomainIsAuditedWithWhatWasThere) {
    domain("partner.example", EncryptMode::opportunistic);
    EXPECT_EQ(value_of(service().remove_domain("PARTNER.example")), "partner.example");
    const auto a = only_new_audit(0);
    EXPECT_EQ(a.action, "domain.remove");
    EXPECT_TRUE(contains(a.change, "encrypt_mode: opportunistic"));
    const auto again = service().remove_domain("partner.example");
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().kind, ErrorKind::not_found);
    EXPECT_EQ(again.error().reason, "no domain partner.example");
    EXPECT_EQ(audit_count(), 1u);
}

TEST_F(AdminTest, ImportAndRemoveCertificates) {
    crypto::CertificateRequest req;
    req.email = "domain-cert@partner.example";
    req.algorithm = crypto::KeyAlgorithm::p256;
    auto made = crypto::create_domain_certificate(req);
    ASSERT_TRUE(made);
    const std::string sha = made->first.sha256();

    const auto imported = value_of(service().import_certificates(made->first.pem(), std::nullopt));
    ASSERT_EQ(imported.size(), 1u);
    EXPECT_EQ(imported[0].view.cert.sha256(), sha);
    EXPECT_FALSE(imported[0].own);
    EXPECT_TRUE(imported[0].warning.empty()) << imported[0].warning;
    const auto a = only_new_audit(0);
    EXPECT_EQ(a.action, "cert.import");
    EXPECT_EQ(a.object, sha);

    const auto garbage = service().import_certificates("not a certificate", std::nullopt);
    ASSERT_FALSE(garbage);
    EXPECT_EQ(garbage.error().kind, ErrorKind::bad_input);
    EXPECT_EQ(audit_count(), 1u);

    CertificateFilter own;
    own.own = true;
    EXPECT_TRUE(value_of(service().list_certificates(own)).empty());
    own.own = false;
    EXPECT_EQ(value_of(service().list_certificates(own)).size(), 1u);

    domain("partner.example");
    DomainRecord d = *value_of(store_->find_domain("partner.example"));
    d.smime_certs = {sha};
    ASSERT_OK(store_->put_domain(d));
    const auto shown = service().certificate(sha.substr(0, 8));
    ASSERT_TRUE(shown) << shown.error().reason;
    EXPECT_EQ(shown->domains, std::vector<std::string>{"partner.example"});
    EXPECT_EQ(value_of(service().remove_certificate(sha.substr(0, 8))), sha);
    const auto removed = only_new_audit(1);
    EXPECT_EQ(removed.action, "cert.remove");
    EXPECT_TRUE(contains(removed.change, "chosen by partner.example")) << removed.change;
    EXPECT_FALSE(service().remove_certificate(sha));
    EXPECT_EQ(audit_count(), 2u);
}

TEST_F(AdminTest, ExpiringFilterKeepsWhatEndsWithinTheWindow) {
    partner_certificate("a@partner.example", 10);
    partner_certificate("b@partner.example", 365);
    CertificateFilter soon;
    soon.expiring_days = 30;
    const auto expiring = value_of(service().list_certificates(soon));
    ASSERT_EQ(expiring.size(), 1u);
    EXPECT_EQ(expiring[0].cert.emails(), std::vector<std::string>{"a@partner.example"});
    EXPECT_TRUE(expiring[0].expiry.warn());
}

TEST_F(AdminTest, CtlChangesAreAuditedAndLiftingABlockNeedsForce) {
    const auto partner = partner_certificate("domain-cert@partner.example");
    const auto trusted = value_of(service().set_ctl(partner.sha256, CtlAction::trust, false));
    EXPECT_EQ(trusted.value.action, CtlAction::trust);
    EXPECT_EQ(only_new_audit(0).change, "(none) -> trust");
    ASSERT_OK(service().set_ctl(partner.sha256.substr(0, 8), CtlAction::block, false));
    const auto blocked = only_new_audit(1);
    EXPECT_EQ(blocked.action, "ctl.set");
    EXPECT_EQ(blocked.object, partner.sha256);
    EXPECT_EQ(blocked.change, "trust -> block");

    const auto lift = service().set_ctl(partner.sha256, CtlAction::trust, false);
    ASSERT_FALSE(lift);
    EXPECT_EQ(lift.error().kind, ErrorKind::needs_force);
    EXPECT_TRUE(contains(lift.error().reason, "trusting it lifts the block"));
    EXPECT_EQ(audit_count(), 2u);
    EXPECT_EQ(value_of(store_->find_ctl(partner.sha256))->action, CtlAction::block);

    const auto forced = value_of(service().set_ctl(partner.sha256, CtlAction::trust, true));
    EXPECT_EQ(forced.overridden.size(), 1u);
    EXPECT_EQ(only_new_audit(2).change, "block -> trust");

    EXPECT_EQ(value_of(service().remove_ctl(partner.sha256.substr(0, 12))), partner.sha256);
    const auto removed = only_new_audit(3);
    EXPECT_EQ(removed.action, "ctl.remove");
    EXPECT_EQ(removed.change, "was trust");
    EXPECT_FALSE(service().remove_ctl(partner.sha256));
    EXPECT_EQ(audit_count(), 4u);
}

TEST_F(AdminTest, RootsAreAddedAndRemovedWithAnAuditRecordEach) {
    const auto partner = partner_certificate("ca@partner.example");
    const auto added = value_of(service().add_roots(partner.pem));
    ASSERT_EQ(added.size(), 1u);
    EXPECT_EQ(added[0].sha256, partner.sha256);
    EXPECT_FALSE(added[0].is_ca);
    const auto a = only_new_audit(0);
    EXPECT_EQ(a.action, "root.add");
    EXPECT_TRUE(contains(a.change, "(not a CA certificate)"));
    EXPECT_EQ(value_of(service().list_roots()).size(), 1u);
    EXPECT_EQ(value_of(service().remove_root(partner.sha256.substr(0, 9))), partner.sha256);
    EXPECT_EQ(only_new_audit(1).action, "root.remove");
    EXPECT_TRUE(value_of(service().list_roots()).empty());
}

TEST_F(AdminTest, AFailedAuditWriteFailsTheCall) {
    // The change is made (the store has no transaction across both), but the caller hears of
    // the missing record: the contract in admin/service.hpp.
    store_->fail_on = "append_audit";
    const auto added = service().add_domain("partner.example", false);
    ASSERT_FALSE(added);
    EXPECT_EQ(added.error().kind, ErrorKind::temporary);
    EXPECT_EQ(audit_count(), 0u);
}

TEST_F(AdminTest, LifecycleSettingsChangeAndAreAudited) {
    domain("partner.example", EncryptMode::mandatory);
    const auto before = audit_count();
    DomainChange change;
    change.on_expired = ExpiredAction::reject;
    change.revocation = Revocation::hard;
    change.accept_signed_updates = true;
    const auto done = value_of(service().change_domain("partner.example", change, false));
    EXPECT_EQ(done.value.on_expired, ExpiredAction::reject);
    EXPECT_EQ(done.value.revocation, Revocation::hard);
    EXPECT_TRUE(done.value.accept_signed_updates);
    const auto stored = value_of(store_->find_domain("partner.example"));
    ASSERT_TRUE(stored);
    EXPECT_EQ(stored->on_expired, ExpiredAction::reject);
    EXPECT_EQ(stored->revocation, Revocation::hard);
    EXPECT_TRUE(stored->accept_signed_updates);
    EXPECT_EQ(only_new_audit(before).change,
              "on_expired: defer -> reject; revocation: soft -> hard; accept_signed_updates: no "
              "-> yes");
    // Only what is given changes.
    DomainChange back;
    back.on_expired = ExpiredAction::defer;
    const auto again = value_of(service().change_domain("partner.example", back, false));
    EXPECT_EQ(again.value.on_expired, ExpiredAction::defer);
    EXPECT_EQ(again.value.revocation, Revocation::hard);
}

// docs/signing.md: the five settings change one by one, each audited old -> new, and only what
// is given changes.
TEST_F(AdminTest, SignatureSettingsChangeAndAreAudited) {
    auto d = domain("partner.example", EncryptMode::mandatory);
    d.sign = SignMode::none;  // an existing domain after migration 6
    d.header_protection = false;
    ASSERT_OK(real_->put_domain(d));
    const auto cert = partner_certificate("domain-cert@partner.example");
    DomainChange bind;
    bind.smime_certs = std::vector<std::string>{cert.sha256};
    ASSERT_OK(service().change_domain("partner.example", bind, false));
    const auto before = audit_count();

    DomainChange change;
    change.sign = SignMode::sign_and_encrypt;
    change.header_protection = true;
    change.require_signature = true;
    change.on_bad_signature = SignatureAction::mark;
    change.keep_signature = true;
    const auto done = value_of(service().change_domain("partner.example", change, false));
    EXPECT_EQ(done.value.sign, SignMode::sign_and_encrypt);
    EXPECT_TRUE(done.value.header_protection);
    EXPECT_TRUE(done.value.require_signature);
    EXPECT_EQ(done.value.on_bad_signature, SignatureAction::mark);
    EXPECT_TRUE(done.value.keep_signature);
    EXPECT_TRUE(done.warnings.empty()) << "a certificate is bound";
    const auto stored = value_of(store_->find_domain("partner.example"));
    ASSERT_TRUE(stored);
    EXPECT_EQ(stored->sign, SignMode::sign_and_encrypt);
    EXPECT_TRUE(stored->header_protection);
    EXPECT_TRUE(stored->require_signature);
    EXPECT_EQ(stored->on_bad_signature, SignatureAction::mark);
    EXPECT_TRUE(stored->keep_signature);
    EXPECT_EQ(stored->encrypt_mode, EncryptMode::mandatory) << "untouched";
    EXPECT_EQ(only_new_audit(before).change,
              "sign: none -> sign-and-encrypt; require_signature: no -> yes; on_bad_signature: "
              "refuse -> mark; keep_signature: no -> yes; header_protection: off -> on");

    DomainChange one;
    one.sign = SignMode::sign;
    const auto again = value_of(service().change_domain("partner.example", one, false));
    EXPECT_EQ(again.value.sign, SignMode::sign);
    EXPECT_TRUE(again.value.require_signature);
    EXPECT_EQ(again.value.on_bad_signature, SignatureAction::mark);
    EXPECT_EQ(only_new_audit(before + 1).change, "sign: sign-and-encrypt -> sign");
}

// Requiring a signature from a domain with nothing bound is allowed (the binding may come next)
// but says that all its mail fails the check until then; a failed change writes nothing.
TEST_F(AdminTest, RequireSignatureWithNothingBoundWarns) {
    domain("partner.example");
    DomainChange change;
    change.require_signature = true;
    const auto done = value_of(service().change_domain("partner.example", change, false));
    ASSERT_EQ(done.warnings.size(), 1u);
    EXPECT_EQ(done.warnings[0],
              "no certificate or OpenPGP key is bound to partner.example: until one is, no "
              "signature from it is valid and all its mail is refused");
    EXPECT_TRUE(value_of(store_->find_domain("partner.example"))->require_signature);
    EXPECT_EQ(only_new_audit(0).change, "require_signature: no -> yes");

    store_->fail_on = "put_domain";
    DomainChange off;
    off.require_signature = false;
    off.sign = SignMode::none;
    const auto failed = service().change_domain("partner.example", off, false);
    ASSERT_FALSE(failed);
    EXPECT_EQ(failed.error().kind, ErrorKind::temporary);
    EXPECT_EQ(audit_count(), 1u);
    const auto kept = value_of(real_->find_domain("partner.example"));
    EXPECT_TRUE(kept->require_signature);
    EXPECT_EQ(kept->sign, SignMode::sign_and_encrypt);
}

}  // namespace
}  // namespace sealgate::admin
