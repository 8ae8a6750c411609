// admin::Service on OpenPGP keys: import (new, unchanged), trust, domain bindings with the
// force rule, export and removal, each change with exactly one audit record.
#include <gtest/gtest.h>

#include "admin/fixture.hpp"
#include "openpgp/key.hpp"

namespace sealgate::admin {
namespace {

constexpr std::uint32_t kTwoYears = 2 * 365 * 24 * 3600;

// A partner's key, made here: its public part is what the partner sends.
openpgp::KeyMaterial partner_key(const std::string& uid) {
    auto made = openpgp::create_key(uid, openpgp::KeyAlgorithm::ed25519, kTwoYears);
    EXPECT_TRUE(made) << (made ? "" : made.error().reason);
    return made ? *made : openpgp::KeyMaterial{};
}

TEST_F(AdminTest, ImportedPartnerKeyIsUntrustedAndAudited) {
    const auto key = partner_key("Partner <domain-cert@partner.example>");
    const auto imported = value_of(service().import_pgp_keys(key.public_key));
    ASSERT_EQ(imported.size(), 1u);
    EXPECT_EQ(imported[0].fingerprint, key.fingerprint);
    EXPECT_EQ(imported[0].primary_uid, "Partner <domain-cert@partner.example>");
    EXPECT_EQ(imported[0].what, "new (untrusted: compare fingerprints, then `sealgate pgp trust`)");
    EXPECT_TRUE(imported[0].warning.empty()) << imported[0].warning;
    const auto a = only_new_audit(0);
    EXPECT_EQ(a.action, "pgp.import");
    EXPECT_EQ(a.object, key.fingerprint);

    // The same key again changes nothing and writes nothing.
    const auto again = value_of(service().import_pgp_keys(key.public_key));
    ASSERT_EQ(again.size(), 1u);
    EXPECT_EQ(again[0].what, "unchanged");
    EXPECT_EQ(audit_count(), 1u);

    const auto garbage = service().import_pgp_keys("no key here");
    ASSERT_FALSE(garbage);
    EXPECT_EQ(garbage.error().kind, ErrorKind::bad_input);
    EXPECT_TRUE(garbage.error().reason.starts_with("no OpenPGP key in it"));
    EXPECT_EQ(audit_count(), 1u);

    const auto view = value_of(service().pgp_key(key.fingerprint.substr(0, 8)));
    EXPECT_FALSE(view.trusted);
    EXPECT_FALSE(view.has_secret);
    EXPECT_FALSE(view.status.usability.usable);
    ASSERT_TRUE(view.info.has_value());
}

TEST_F(AdminTest, TrustAndDomainsChangeInOneAuditedUpdate) {
    domain("partner.example", EncryptMode::mandatory);
    const auto key = partner_key("Partner <domain-cert@partner.example>");
    ASSERT_OK(service().import_pgp_keys(key.public_key));
    const auto before = audit_count();

    PgpKeyChange change;
    change.trusted = true;
    change.domains = std::vector<std::string>{"Partner.Example"};
    const auto done = value_of(service().change_pgp_key(key.fingerprint, change, false));
    EXPECT_TRUE(done.value.trusted);
    EXPECT_EQ(done.value.domains, std::vector<std::string>{"partner.example"});
    EXPECT_TRUE(done.value.status.usability.usable) << done.value.status.usability.reason;
    EXPECT_TRUE(done.warnings.empty());
    const auto a = only_new_audit(before);
    EXPECT_EQ(a.action, "pgp.update");
    EXPECT_EQ(a.change, "trust: untrusted -> trusted; domains: (none) -> partner.example");

    // A domain that does not exist: not_found, nothing changed.
    change.domains = std::vector<std::string>{"partner.example", "missing.example"};
    const auto missing = service().change_pgp_key(key.fingerprint, change, false);
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().kind, ErrorKind::not_found);
    EXPECT_EQ(audit_count(), before + 1);
    EXPECT_EQ(value_of(store_->find_pgp_key(key.fingerprint))->domains,
              std::vector<std::string>{"partner.example"});
}

TEST_F(AdminTest, BindingOurOwnKeyToAPartnerNeedsForce) {
    domain("partner.example", EncryptMode::mandatory);
    const auto own = value_of(service().create_pgp_key("Us <domain-cert@partner.example>",
                                                       openpgp::KeyAlgorithm::ed25519, kTwoYears));
    EXPECT_TRUE(own.has_secret);
    EXPECT_TRUE(own.trusted);
    EXPECT_EQ(only_new_audit(0).action, "pgp.create");

    const auto refused = service().bind_pgp_domain(own.fingerprint, "partner.example", false);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().kind, ErrorKind::needs_force);
    EXPECT_EQ(refused.error().reason.find("--force"), std::string::npos)
        << "how to insist is each interface's word";
    EXPECT_EQ(audit_count(), 1u);

    const auto forced =
        value_of(service().bind_pgp_domain(own.fingerprint, "partner.example", true));
    EXPECT_EQ(forced.value.domains, std::vector<std::string>{"partner.example"});
    ASSERT_FALSE(forced.overridden.empty());
    EXPECT_NE(forced.overridden[0].find("is one of our own"), std::string::npos);
    EXPECT_EQ(only_new_audit(1).change, "domains: (none) -> partner.example");

    const auto twice = service().bind_pgp_domain(own.fingerprint, "partner.example", true);
    ASSERT_FALSE(twice);
    EXPECT_EQ(twice.error().kind, ErrorKind::conflict);
    EXPECT_EQ(twice.error().reason,
              "domain partner.example is bound to " + own.fingerprint + " already");

    const auto unbound = value_of(service().unbind_pgp_domain(own.fingerprint, "partner.example"));
    EXPECT_TRUE(unbound.domains.empty());
    EXPECT_EQ(only_new_audit(2).change, "domains: partner.example -> (none)");
    const auto again = service().unbind_pgp_domain(own.fingerprint, "partner.example");
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().kind, ErrorKind::not_found);
    EXPECT_EQ(audit_count(), 3u);
}

TEST_F(AdminTest, ExportingTheSecretKeyIsAuditedThePublicKeyIsNot) {
    const auto own = value_of(service().create_pgp_key("Us <domain-cert@example.com>",
                                                       openpgp::KeyAlgorithm::ed25519, 0));
    const auto before = audit_count();
    const auto pub =
        value_of(service().export_pgp_key(own.fingerprint, false, openpgp::Encoding::armored));
    EXPECT_TRUE(pub.starts_with("-----BEGIN PGP PUBLIC KEY BLOCK-----"));
    EXPECT_EQ(audit_count(), before);
    const auto secret =
        value_of(service().export_pgp_key(own.fingerprint, true, openpgp::Encoding::armored));
    EXPECT_TRUE(secret.starts_with("-----BEGIN PGP PRIVATE KEY BLOCK-----"));
    const auto a = only_new_audit(before);
    EXPECT_EQ(a.action, "pgp.export");
    EXPECT_EQ(a.change, "secret key");

    const auto partner = partner_key("Partner <domain-cert@partner.example>");
    ASSERT_OK(service().import_pgp_keys(partner.public_key));
    const auto none =
        service().export_pgp_key(partner.fingerprint, true, openpgp::Encoding::binary);
    ASSERT_FALSE(none);
    EXPECT_EQ(none.error().kind, ErrorKind::not_found);
    EXPECT_EQ(audit_count(), before + 2);  // the export and the import
}

TEST_F(AdminTest, RemovePgpKeyIsAuditedOnce) {
    domain("partner.example");
    const auto key = partner_key("Partner <domain-cert@partner.example>");
    ASSERT_OK(service().import_pgp_keys(key.public_key));
    PgpKeyChange change;
    change.domains = std::vector<std::string>{"partner.example"};
    ASSERT_OK(service().change_pgp_key(key.fingerprint, change, false));
    EXPECT_EQ(value_of(service().remove_pgp_key(key.fingerprint.substr(0, 10))), key.fingerprint);
    const auto a = only_new_audit(2);
    EXPECT_EQ(a.action, "pgp.remove");
    EXPECT_EQ(a.change, "Partner <domain-cert@partner.example>; bound to partner.example");
    const auto gone = service().remove_pgp_key(key.fingerprint);
    ASSERT_FALSE(gone);
    EXPECT_EQ(gone.error().kind, ErrorKind::not_found);
    EXPECT_EQ(audit_count(), 3u);
}

}  // namespace
}  // namespace sealgate::admin
