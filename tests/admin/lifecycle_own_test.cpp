// Own generations in the admin service (admin/lifecycle_own.cpp): the successor of a
// certificate and of an OpenPGP key, while what was encrypted to the predecessor still
// decrypts through the key store; retire, PKCS#12, extend and revoke, each audited once; and
// refusals that change nothing.
#include <algorithm>
#include <stdexcept>

#include "crypto/import.hpp"
#include "crypto/smime.hpp"
#include "fixture.hpp"
#include "openpgp/message.hpp"

namespace sealgate::admin {
namespace {

constexpr std::string_view kEntity = "Content-Type: text/plain\r\n\r\nin flight\r\n";

// The value, or the test fails here (CertificateView has no empty value for value_of()).
template <typename T>
T got(Result<T> r) {
    if (!r)
        throw std::runtime_error(r.error().reason);
    return std::move(*r);
}

std::string smime_to(const crypto::Certificate& cert) {
    auto enc = crypto::cms_encrypt(kEntity, {cert}, crypto::CmsProfile::compat);
    EXPECT_TRUE(enc) << enc.error().reason;
    return enc ? enc->ber : std::string();
}

class LifecycleOwnTest : public AdminTest {
  protected:
    CertificateView own_cert() {
        crypto::CertificateRequest req;
        req.email = "domain-cert@example.com";
        req.common_name = "example.com domain";
        req.algorithm = crypto::KeyAlgorithm::p256;
        req.days = 30;
        return got(service().create_certificate(req));
    }
    std::optional<std::string> smime_decrypts_to(const std::string& ber) {
        auto env = crypto::Envelope::parse(ber);
        EXPECT_TRUE(env);
        auto out = value_of(keys_->smime_decrypt(std::move(*env)));
        if (!out)
            return std::nullopt;
        return out->cert_sha256;
    }
    std::optional<std::string> pgp_decrypts_with(const std::string& armored) {
        EXPECT_TRUE(keys_->refresh());  // what the daemon does before each message
        auto out = keys_->pgp_decrypt(armored);
        EXPECT_TRUE(out) << out.error().reason;
        if (!out || !*out)
            return std::nullopt;
        return (*out)->subkey;
    }
    std::string pgp_to(const std::string& fingerprint) {
        auto rec = value_of(store_->find_pgp_key(fingerprint));
        EXPECT_TRUE(rec);
        const std::vector<std::string> keys{rec->public_key};
        auto enc = openpgp::encrypt(kEntity, keys);
        EXPECT_TRUE(enc) << enc.error().reason;
        return enc ? enc->armored : std::string();
    }
};

TEST_F(LifecycleOwnTest, RenewedCertificateDecryptsBesideItsPredecessor) {
    const auto old = own_cert();
    const std::string in_flight = smime_to(old.cert);
    const auto before = audit_count();
    const auto next = got(service().renew_certificate({old.cert.sha256(), false, 100}));
    const auto rec = only_new_audit(before);
    EXPECT_EQ(rec.action, "cert.renew");
    EXPECT_EQ(rec.object, next.cert.sha256());
    EXPECT_NE(rec.change.find(old.cert.sha256()), std::string::npos);

    EXPECT_NE(next.cert.sha256(), old.cert.sha256());
    EXPECT_EQ(next.cert.subject(), old.cert.subject());
    EXPECT_EQ(next.cert.emails(), old.cert.emails());
    EXPECT_NE(next.cert.serial(), old.cert.serial());
    EXPECT_NE(next.cert.key_type(), "");
    EXPECT_TRUE(next.has_private_key);
    EXPECT_TRUE(next.cert.self_signed());
    EXPECT_GT(next.cert.not_after(), old.cert.not_after());

    EXPECT_EQ(smime_decrypts_to(in_flight), old.cert.sha256());
    EXPECT_EQ(smime_decrypts_to(smime_to(next.cert)), next.cert.sha256());
}

TEST_F(LifecycleOwnTest, RenewWithTheSameKeyAndDefaultValidity) {
    const auto old = own_cert();
    const auto next = got(service().renew_certificate({old.cert.sha256(), true, 0}));
    const auto key_of = [](const crypto::Certificate& c) {
        return std::string(c.der()).size() > 0 ? c.key_strength().bits : 0U;
    };
    EXPECT_EQ(key_of(next.cert), key_of(old.cert));
    // As long as the predecessor: 30 days.
    EXPECT_EQ((next.cert.not_after() - next.cert.not_before()) / 86400, 30);
    // The same key decrypts for both: the envelope names the successor only.
    EXPECT_EQ(smime_decrypts_to(smime_to(next.cert)), next.cert.sha256());
}

TEST_F(LifecycleOwnTest, PartnerCertificatesAreNotRenewedOrRetired) {
    auto partner = partner_certificate("domain-cert@partner.example", 30);
    const auto before = audit_count();
    auto renewed = service().renew_certificate({partner.sha256, false, 10});
    ASSERT_FALSE(renewed);
    EXPECT_EQ(renewed.error().kind, ErrorKind::bad_input);
    EXPECT_FALSE(service().retire_certificate(partner.sha256));
    EXPECT_FALSE(service().export_pkcs12(partner.sha256, "long enough password"));
    EXPECT_EQ(audit_count(), before);
    EXPECT_EQ(value_of(service().list_certificates()).size(), 1U);
}

TEST_F(LifecycleOwnTest, RetireKeepsDecryptingAndIsUndone) {
    const auto old = own_cert();
    const std::string in_flight = smime_to(old.cert);
    auto before = audit_count();
    const auto retired = got(service().retire_certificate(old.cert.sha256()));
    EXPECT_TRUE(retired.retired);
    EXPECT_EQ(only_new_audit(before).action, "cert.retire");
    EXPECT_EQ(smime_decrypts_to(in_flight), old.cert.sha256());
    auto again = service().retire_certificate(old.cert.sha256());
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().kind, ErrorKind::conflict);
    const auto listed = value_of(service().list_certificates());
    ASSERT_EQ(listed.size(), 1U);
    EXPECT_TRUE(listed.front().retired);
    before = audit_count();
    EXPECT_FALSE(got(service().retire_certificate(old.cert.sha256(), false)).retired);
    EXPECT_EQ(only_new_audit(before).action, "cert.unretire");
}

TEST_F(LifecycleOwnTest, Pkcs12ReadsBackWithItsPasswordAndIsAudited) {
    const auto own = own_cert();
    auto before = audit_count();
    auto shortpw = service().export_pkcs12(own.cert.sha256(), "short");
    ASSERT_FALSE(shortpw);
    EXPECT_EQ(shortpw.error().kind, ErrorKind::bad_input);
    EXPECT_EQ(audit_count(), before);
    const auto p12 = value_of(service().export_pkcs12(own.cert.sha256(), "a good password"));
    EXPECT_EQ(only_new_audit(before).action, "cert.export-key");
    auto bundle = crypto::read_bundle(p12, std::string("a good password"));
    ASSERT_TRUE(bundle) << bundle.error().reason;
    ASSERT_TRUE(bundle->key);
    EXPECT_EQ(bundle->certificates.front().sha256(), own.cert.sha256());
    EXPECT_TRUE(bundle->key->matches(own.cert));
    EXPECT_FALSE(crypto::read_bundle(p12, std::string("the wrong password")));
}

TEST_F(LifecycleOwnTest, RotatedPgpKeyDecryptsOldAndNew) {
    const auto key = value_of(
        service().create_pgp_key("Gateway <gw@corp.example>", openpgp::KeyAlgorithm::ed25519, 0));
    const std::string in_flight = pgp_to(key.fingerprint);
    const auto old_sub = key.info->subkeys.front().fingerprint;
    auto before = audit_count();
    const auto rotated =
        value_of(service().rotate_pgp_key(key.fingerprint, RotateKind::subkey, 86400 * 365));
    EXPECT_EQ(only_new_audit(before).action, "pgp.rotate");
    EXPECT_EQ(rotated.fingerprint, key.fingerprint);
    ASSERT_EQ(rotated.info->subkeys.size(), 2U);
    const auto new_sub = rotated.info->subkeys.back().fingerprint;
    EXPECT_NE(new_sub, old_sub);
    EXPECT_TRUE(rotated.status.usability.usable) << rotated.status.usability.reason;
    EXPECT_EQ(pgp_decrypts_with(in_flight), old_sub);
    // What partners encrypt to now decrypts too (the newest subkey; one made in the same second
    // as the first ties with it, so which one the encryptor picks is not asserted here).
    EXPECT_TRUE(pgp_decrypts_with(pgp_to(key.fingerprint)));

    // A new key: bound to the same domains, the old one retired, both decrypt.
    domain("example.com", EncryptMode::none, true);
    value_of(service().bind_pgp_domain(key.fingerprint, "example.com", false));
    const auto successor = value_of(service().rotate_pgp_key(key.fingerprint, RotateKind::key, 0));
    EXPECT_NE(successor.fingerprint, key.fingerprint);
    EXPECT_EQ(successor.domains, std::vector<std::string>{"example.com"});
    EXPECT_TRUE(successor.trusted);
    EXPECT_FALSE(successor.retired);
    EXPECT_EQ(successor.primary_uid, "Gateway <gw@corp.example>");
    EXPECT_TRUE(value_of(service().pgp_key(key.fingerprint)).retired);
    EXPECT_EQ(pgp_decrypts_with(in_flight), old_sub);
    EXPECT_TRUE(pgp_decrypts_with(pgp_to(successor.fingerprint)));
}

TEST_F(LifecycleOwnTest, ExtendAndRevokeOwnPgpKey) {
    const auto key = value_of(service().create_pgp_key("Gateway <gw@corp.example>",
                                                       openpgp::KeyAlgorithm::ed25519, 86400 * 10));
    const std::string in_flight = pgp_to(key.fingerprint);
    auto before = audit_count();
    const auto extended = value_of(service().extend_pgp_key(key.fingerprint, 86400 * 400));
    EXPECT_EQ(only_new_audit(before).action, "pgp.extend");
    EXPECT_GT(extended.info->primary.expires, key.info->primary.expires + 86400 * 300);
    EXPECT_GT(extended.info->subkeys.front().expires, key.info->primary.expires + 86400 * 300);

    before = audit_count();
    const auto revoked =
        value_of(service().revoke_pgp_key(key.fingerprint, RevocationReason::superseded));
    EXPECT_EQ(only_new_audit(before).action, "pgp.revoke");
    EXPECT_TRUE(revoked.info->primary.revoked);
    EXPECT_FALSE(revoked.status.usability.usable);
    EXPECT_TRUE(revoked.has_secret);
    EXPECT_TRUE(pgp_decrypts_with(in_flight)) << "superseded keeps decrypting";
    auto twice = service().revoke_pgp_key(key.fingerprint, RevocationReason::retired);
    ASSERT_FALSE(twice);
    EXPECT_EQ(twice.error().kind, ErrorKind::conflict);
}

TEST_F(LifecycleOwnTest, CompromisedKeyLosesItsSecret) {
    const auto key = value_of(
        service().create_pgp_key("Gateway <gw@corp.example>", openpgp::KeyAlgorithm::ed25519, 0));
    const std::string in_flight = pgp_to(key.fingerprint);
    const auto revoked =
        value_of(service().revoke_pgp_key(key.fingerprint, RevocationReason::compromised));
    EXPECT_FALSE(revoked.has_secret);
    EXPECT_FALSE(pgp_decrypts_with(in_flight));
}

TEST_F(LifecycleOwnTest, RevocationReasonsParse) {
    for (const auto r :
         {RevocationReason::superseded, RevocationReason::compromised, RevocationReason::retired})
        EXPECT_EQ(parse_revocation_reason(to_string(r)), r);
    EXPECT_FALSE(parse_revocation_reason("whim"));
    EXPECT_FALSE(parse_revocation_reason(""));
}

}  // namespace
}  // namespace sealgate::admin
