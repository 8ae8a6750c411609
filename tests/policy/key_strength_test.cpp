// The key-strength rule (policy/key_strength.hpp) as a table, and decide() applying it with and
// without a domain's min-rsa-bits override, on certificates made with openssl and OpenPGP keys
// made with gpg.
#include <gtest/gtest.h>

#include <memory>

#include "../crypto/support.hpp"
#include "keystore/keystore.hpp"
#include "pipeline/pipeline.hpp"
#include "policy/admin_rules.hpp"
#include "policy/key_strength.hpp"
#include "policy/policy.hpp"
#include "store/sqlite_store.hpp"
#include "support/store.hpp"

namespace sealgate::policy {
namespace {

KeyStrength key(KeyFamily family, unsigned bits, std::string curve = {}) {
    KeyStrength k;
    k.family = family;
    k.bits = bits;
    k.curve = std::move(curve);
    return k;
}

KeyMinimum override_of(unsigned bits, std::string domain = "partner.example") {
    KeyMinimum m;
    m.rsa_bits = bits;
    m.origin = std::move(domain);
    return m;
}

struct RuleRow {
    KeyStrength key;
    const char* by_default;  // "" when accepted under the default minimum of 2048
    const char* at_1024;     // "" when accepted under min-rsa-bits 1024
};

TEST(KeyStrengthRule, Table) {
    KeyStrength huge = key(KeyFamily::rsa, 20000);
    huge.unusable = "an RSA modulus of 20000 bits is more than OpenSSL uses (at most 16384)";
    KeyStrength sm2 = key(KeyFamily::other, 256);
    sm2.algorithm = "SM2";
    const RuleRow rows[] = {
        {key(KeyFamily::rsa, 512), "key too weak: RSA 512 bits is below the minimum of 2048 bits",
         "key too weak: RSA 512 bits is below the minimum of 1024 bits (min-rsa-bits of "
         "partner.example)"},
        {key(KeyFamily::rsa, 1024), "key too weak: RSA 1024 bits is below the minimum of 2048 bits",
         ""},
        {key(KeyFamily::rsa, 2047), "key too weak: RSA 2047 bits is below the minimum of 2048 bits",
         ""},
        {key(KeyFamily::rsa, 2048), "", ""},
        {key(KeyFamily::rsa, 4096), "", ""},
        {huge,
         "key not usable: an RSA modulus of 20000 bits is more than OpenSSL uses (at most 16384)",
         "key not usable: an RSA modulus of 20000 bits is more than OpenSSL uses (at most 16384)"},
        {key(KeyFamily::dsa, 1024), "key too weak: DSA 1024 bits is below the minimum of 2048 bits",
         ""},
        {key(KeyFamily::dsa, 2048), "", ""},
        {key(KeyFamily::elgamal, 1024),
         "key too weak: ElGamal 1024 bits is below the minimum of 2048 bits", ""},
        {key(KeyFamily::elgamal, 3072), "", ""},
        // Curves: by name, whatever the minimum.
        {key(KeyFamily::ecc, 256, "P-256"), "", ""},
        {key(KeyFamily::ecc, 256, "NIST P-256"), "", ""},
        {key(KeyFamily::ecc, 384, "P-384"), "", ""},
        {key(KeyFamily::ecc, 521, "NIST P-521"), "", ""},
        {key(KeyFamily::ecc, 256, "brainpoolP256r1"), "", ""},
        {key(KeyFamily::ecc, 512, "brainpoolP512r1"), "", ""},
        {key(KeyFamily::ecc, 255, "Curve25519"), "", ""},
        {key(KeyFamily::ecc, 253, "X25519"), "", ""},
        {key(KeyFamily::ecc, 255, "Ed25519"), "", ""},
        {key(KeyFamily::ecc, 224, "P-224"), "key not accepted: ECC P-224 is not an accepted curve",
         "key not accepted: ECC P-224 is not an accepted curve"},
        {key(KeyFamily::ecc, 192, "P-192"), "key not accepted: ECC P-192 is not an accepted curve",
         "key not accepted: ECC P-192 is not an accepted curve"},
        {key(KeyFamily::ecc, 256, "secp256k1"),
         "key not accepted: ECC secp256k1 is not an accepted curve",
         "key not accepted: ECC secp256k1 is not an accepted curve"},
        {key(KeyFamily::ecc, 256, "brainpoolP224r1"),
         "key not accepted: ECC brainpoolP224r1 is not an accepted curve",
         "key not accepted: ECC brainpoolP224r1 is not an accepted curve"},
        {key(KeyFamily::ecc, 256, ""),
         "key not accepted: ECC (explicit curve parameters) is not an accepted curve",
         "key not accepted: ECC (explicit curve parameters) is not an accepted curve"},
        {sm2, "key not accepted: SM2 256 bits is not an accepted key type",
         "key not accepted: SM2 256 bits is not an accepted key type"},
        {key(KeyFamily::none, 0), "", ""},
    };
    for (const RuleRow& row : rows) {
        SCOPED_TRACE(row.key.describe());
        EXPECT_EQ(key_strength_problem(row.key, KeyMinimum{}).value_or(""), row.by_default);
        EXPECT_EQ(key_strength_problem(row.key, override_of(1024)).value_or(""), row.at_1024);
    }
    // A domain may also raise the minimum.
    EXPECT_EQ(key_strength_problem(key(KeyFamily::rsa, 2048), override_of(3072)).value_or(""),
              "key too weak: RSA 2048 bits is below the minimum of 3072 bits (min-rsa-bits of "
              "partner.example)");
    // OpenPGP: the primary key first, then the encryption subkey, each named.
    PgpKeyStrength pgp{key(KeyFamily::dsa, 2048), key(KeyFamily::elgamal, 1024)};
    EXPECT_EQ(key_strength_problem(pgp, KeyMinimum{}).value_or(""),
              "key too weak: encryption subkey ElGamal 1024 bits is below the minimum of 2048 "
              "bits");
    pgp.primary = key(KeyFamily::rsa, 1024);
    EXPECT_EQ(key_strength_problem(pgp, KeyMinimum{}).value_or(""),
              "key too weak: primary key RSA 1024 bits is below the minimum of 2048 bits");
    EXPECT_FALSE(key_strength_problem(pgp, override_of(1024)));
}

TEST(KeyStrengthRule, AcceptedCurveNamesOfBothLibraries) {
    EXPECT_EQ(accepted_curve("P-256"), "P-256");
    EXPECT_EQ(accepted_curve("NIST P-384"), "P-384");
    EXPECT_EQ(accepted_curve("X25519"), "Curve25519");
    EXPECT_EQ(accepted_curve("Curve25519"), "Curve25519");
    EXPECT_EQ(accepted_curve("brainpoolP384r1"), "brainpoolP384r1");
    EXPECT_FALSE(accepted_curve(""));
    EXPECT_FALSE(accepted_curve("prime256v1")) << "OpenSSL's short name is mapped in crypto/";
    EXPECT_FALSE(accepted_curve("SM2 P-256"));
    EXPECT_FALSE(accepted_curve("X448"));
}

TEST(KeyStrengthRule, MinRsaBitsValues) {
    EXPECT_EQ(*parse_min_rsa_bits("default"), 0u);
    EXPECT_EQ(*parse_min_rsa_bits("1024"), 1024u);
    EXPECT_EQ(*parse_min_rsa_bits("3072"), 3072u);
    EXPECT_EQ(*parse_min_rsa_bits("16384"), 16384u);
    for (const char* bad : {"512", "1023", "16385", "", "abc", "1024x", "-1024", " 1024"}) {
        const auto r = parse_min_rsa_bits(bad);
        ASSERT_FALSE(r) << bad;
        EXPECT_EQ(r.error().reason,
                  "min-rsa-bits: a number of bits from 1024 to 16384, or default (2048)");
    }
    EXPECT_EQ(key_minimum(nullptr).rsa_bits, kDefaultMinRsaBits);
    DomainRecord d;
    d.name = "*.partner.example";
    EXPECT_EQ(key_minimum(&d).rsa_bits, 2048u);
    EXPECT_EQ(key_minimum(&d).origin, "");
    d.min_rsa_bits = 1024;
    EXPECT_EQ(key_minimum(&d).rsa_bits, 1024u);
    EXPECT_EQ(key_minimum(&d).origin, "*.partner.example");
    EXPECT_TRUE(key_minimum(&d).below_default());
}

// A store with the partner domain partner.example (mandatory) and the key tables.
class KeyStrengthPolicy : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        certs_ = std::make_unique<crypto::test::KeyTable>();
        pgp_ = std::make_unique<crypto::test::TempDir>();
        const int rc = pgp_->run(std::string("sh '") + SEALGATE_PGP_KEY_TABLE + "' .");
        ASSERT_EQ(rc, 0) << pgp_->read("keys.log");
    }
    static void TearDownTestSuite() {
        certs_.reset();
        pgp_.reset();
    }

    void SetUp() override {
        store_ = sealgate::test::open_store(dir_);
        ASSERT_TRUE(store_);
        const auto root = certs_->cert("ca");
        ASSERT_TRUE(store_->put_root(RootRecord{root.sha256(), root.der()}));
        DomainRecord ours;
        ours.name = "example.com";
        ours.local = true;
        ASSERT_TRUE(store_->put_domain(ours));
    }

    // partner.example, mandatory, with the certificate `name` of the key table as its only key.
    void partner_with_cert(const std::string& name, unsigned min_rsa_bits = 0) {
        const auto c = certs_->cert(name);
        ASSERT_TRUE(store_->put_certificate(CertRecord{c.sha256(), c.der(), false, 0}));
        DomainRecord d;
        d.name = "partner.example";
        d.encrypt_mode = EncryptMode::mandatory;
        d.methods = {Method::smime};
        d.smime_certs = {c.sha256()};
        d.min_rsa_bits = min_rsa_bits;
        ASSERT_TRUE(store_->put_domain(d));
    }

    // partner.example, mandatory, OpenPGP, with the trusted key `name` bound as its only key.
    void partner_with_pgp_key(const std::string& name, unsigned min_rsa_bits = 0) {
        std::string fpr = pgp_->read(name + ".fpr");
        fpr.pop_back();  // newline
        PgpKeyRecord k;
        k.fingerprint = fpr;
        k.public_key = pgp_->read(name + ".pgp");
        k.trusted = true;
        k.domains = {"partner.example"};
        ASSERT_TRUE(store_->put_pgp_key(k));
        DomainRecord d;
        d.name = "partner.example";
        d.encrypt_mode = EncryptMode::mandatory;
        d.methods = {Method::pgp};
        d.min_rsa_bits = min_rsa_bits;
        ASSERT_TRUE(store_->put_domain(d));
    }

    Treatment decide_now(const std::string& rcpt = "bob@partner.example") {
        auto snap = Snapshot::load(*store_);
        EXPECT_TRUE(snap) << snap.error().reason;
        auto t = decide(**snap, "alice@example.com", rcpt, Mode::automatic);
        EXPECT_TRUE(t) << t.error().reason;
        return *t;
    }

    static std::unique_ptr<crypto::test::KeyTable> certs_;
    static std::unique_ptr<crypto::test::TempDir> pgp_;
    crypto::test::TempDir dir_;
    std::unique_ptr<SqliteStore> store_;
};
std::unique_ptr<crypto::test::KeyTable> KeyStrengthPolicy::certs_;
std::unique_ptr<crypto::test::TempDir> KeyStrengthPolicy::pgp_;

struct DecideRow {
    const char* name;
    bool encrypted_by_default;
    bool encrypted_at_1024;
    const char* reason;  // part of the refusal reason by default ("" when encrypted)
};

constexpr const char* kWeakText =
    "Encryption to this recipient is required but its key is too weak or unsupported";

TEST_F(KeyStrengthPolicy, CertificatesWithAndWithoutTheOverride) {
    const DecideRow rows[] = {
        {"rsa512", false, false, "key too weak: RSA 512 bits"},
        {"rsa1024", false, true, "key too weak: RSA 1024 bits is below the minimum of 2048 bits"},
        {"rsa2048", true, true, ""},
        {"p256", true, true, ""},
        {"p384", true, true, ""},
        {"bp256", true, true, ""},
        {"p224", false, false, "key not accepted: ECC P-224"},
        {"secp256k1", false, false, "key not accepted: ECC secp256k1"},
        {"ecexplicit", false, false, "key not accepted: ECC (explicit curve parameters)"},
        {"rsa20000", false, false, "key not usable: an RSA modulus of 20000 bits"},
        {"ed25519", false, false, "key not usable: key type not supported"},
    };
    for (const DecideRow& row : rows) {
        SCOPED_TRACE(row.name);
        for (const unsigned minimum : {0U, 1024U}) {
            partner_with_cert(row.name, minimum);
            const Treatment t = decide_now();
            const bool encrypted = minimum == 0 ? row.encrypted_by_default : row.encrypted_at_1024;
            if (encrypted) {
                EXPECT_EQ(t.action, Action::encrypt) << minimum << ": " << t.reason;
                ASSERT_EQ(t.certificates.size(), 1u);
                EXPECT_EQ(t.certificates[0].sha256(), certs_->cert(row.name).sha256());
            } else {
                EXPECT_EQ(t.action, Action::refuse) << minimum;
                EXPECT_TRUE(t.certificates.empty());
                EXPECT_EQ(t.refusal_text, kWeakText);
                if (minimum == 0) {
                    EXPECT_NE(t.reason.find(row.reason), std::string::npos) << t.reason;
                }
            }
            ASSERT_TRUE(store_->remove_certificate(certs_->cert(row.name).sha256()));
        }
    }
}

TEST_F(KeyStrengthPolicy, OpenPgpKeysWithAndWithoutTheOverride) {
    const DecideRow rows[] = {
        {"rsa1024", false, true, "key too weak: primary key RSA 1024 bits"},
        {"elg1024", false, true,
         "key too weak: encryption subkey ElGamal 1024 bits is below the minimum of 2048 bits"},
        {"dsa1024", false, true, "key too weak: primary key DSA 1024 bits"},
        {"rsa2048", true, true, ""},
        {"ed25519", true, true, ""},
        {"p256", true, true, ""},
        {"bp256", true, true, ""},
        {"secp256k1", false, false, "key not accepted: primary key ECC secp256k1"},
    };
    for (const DecideRow& row : rows) {
        SCOPED_TRACE(row.name);
        for (const unsigned minimum : {0U, 1024U}) {
            partner_with_pgp_key(row.name, minimum);
            const Treatment t = decide_now();
            const bool encrypted = minimum == 0 ? row.encrypted_by_default : row.encrypted_at_1024;
            if (encrypted) {
                EXPECT_EQ(t.action, Action::encrypt) << minimum << ": " << t.reason;
                EXPECT_EQ(t.method, Method::pgp);
                EXPECT_EQ(t.pgp_keys.size(), 1u);
            } else {
                EXPECT_EQ(t.action, Action::refuse) << minimum;
                EXPECT_TRUE(t.pgp_keys.empty());
                EXPECT_EQ(t.refusal_text, kWeakText);
                if (minimum == 0) {
                    EXPECT_NE(t.reason.find(row.reason), std::string::npos) << t.reason;
                }
            }
            std::string fpr = pgp_->read(std::string(row.name) + ".fpr");
            fpr.pop_back();
            ASSERT_TRUE(store_->remove_pgp_key(fpr));
        }
    }
}

TEST_F(KeyStrengthPolicy, StatusShowsTheReasonAndTheOverrideOfTheDomain) {
    partner_with_cert("rsa1024");
    auto snap = Snapshot::load(*store_);
    ASSERT_TRUE(snap);
    const auto cert = certs_->cert("rsa1024");
    // `cert show` (the default): not usable, the strength first, although the path is fine.
    auto st = certificate_status(**snap, cert);
    EXPECT_FALSE(st.usability.usable);
    EXPECT_EQ(st.usability.reason, "key too weak: RSA 1024 bits is below the minimum of 2048 bits");
    EXPECT_EQ(st.strength_problem, st.usability.reason);
    // `domain show` with the domain's override: usable, by the path.
    st = certificate_status(**snap, cert, override_of(1024));
    EXPECT_TRUE(st.usability.usable) << st.usability.reason;
    EXPECT_FALSE(st.strength_problem);
    // A CTL block still beats everything.
    ASSERT_TRUE(store_->put_ctl(CtlEntry{cert.sha256(), CtlAction::block, 0}));
    snap = Snapshot::load(*store_);
    ASSERT_TRUE(snap);
    st = certificate_status(**snap, cert);
    EXPECT_EQ(st.usability.reason, "blocked on the certificate trust list");
    EXPECT_TRUE(st.strength_problem);
}

TEST_F(KeyStrengthPolicy, AdminRulesWarnOfAWeakBindingAndOfTheOverride) {
    partner_with_cert("rsa1024");
    auto snap = Snapshot::load(*store_);
    ASSERT_TRUE(snap);
    const DomainRecord* d = (*snap)->find_domain("partner.example");
    ASSERT_NE(d, nullptr);
    const std::string sha = certs_->cert("rsa1024").sha256();
    auto has = [](const Verdict& v, Finding::Kind kind) {
        for (const auto& f : v.findings)
            if (f.kind == kind)
                return !f.needs_force;  // a warning, never a refusal
        return false;
    };
    EXPECT_TRUE(has(check_smime_binding(**snap, *d, sha), Finding::Kind::weak_key));
    EXPECT_FALSE(has(check_domain_coverage(**snap, *d), Finding::Kind::weak_keys_allowed));

    partner_with_cert("rsa1024", 1024);
    snap = Snapshot::load(*store_);
    ASSERT_TRUE(snap);
    d = (*snap)->find_domain("partner.example");
    EXPECT_FALSE(has(check_smime_binding(**snap, *d, sha), Finding::Kind::weak_key));
    const auto coverage = check_domain_coverage(**snap, *d);
    EXPECT_TRUE(has(coverage, Finding::Kind::weak_keys_allowed));
    EXPECT_EQ(key_minimum_warning(key_minimum(d)).value_or(""),
              "min-rsa-bits 1024 of partner.example is below the default 2048: keys down to "
              "1024 bits are used; ask the partner for a new key, then `sealgate domain set "
              "partner.example min-rsa-bits default`");
    // Raising the minimum is no risk: no warning.
    EXPECT_FALSE(key_minimum_warning(override_of(3072)));

    // The same for an OpenPGP key bound to the domain.
    std::string fpr = pgp_->read("elg1024.fpr");
    fpr.pop_back();
    PgpKeyRecord k;
    k.fingerprint = fpr;
    k.public_key = pgp_->read("elg1024.pgp");
    DomainRecord strict = *d;
    strict.min_rsa_bits = 0;
    auto v = check_pgp_binding(strict, k);
    ASSERT_TRUE(v) << v.error().reason;
    EXPECT_TRUE(has(*v, Finding::Kind::weak_key));
    v = check_pgp_binding(*d, k);
    ASSERT_TRUE(v);
    EXPECT_FALSE(has(*v, Finding::Kind::weak_key));
}

TEST_F(KeyStrengthPolicy, WildcardOverrideAppliesBelowIt) {
    const auto c = certs_->cert("rsa1024");
    ASSERT_TRUE(store_->put_certificate(CertRecord{c.sha256(), c.der(), false, 0}));
    DomainRecord d;
    d.name = "*.partner.example";
    d.encrypt_mode = EncryptMode::mandatory;
    d.smime_certs = {c.sha256()};
    d.min_rsa_bits = 1024;
    ASSERT_TRUE(store_->put_domain(d));
    EXPECT_EQ(decide_now("bob@mx.partner.example").action, Action::encrypt);
    d.min_rsa_bits = 0;
    ASSERT_TRUE(store_->put_domain(d));
    EXPECT_EQ(decide_now("bob@mx.partner.example").action, Action::refuse);
}

TEST_F(KeyStrengthPolicy, OtherReasonsBesideAWeakKeyKeepTheGeneralText) {
    // A weak certificate and an OpenPGP key that is merely untrusted: the refusal is not about
    // key strength alone.
    partner_with_cert("rsa1024");
    std::string fpr = pgp_->read("rsa2048.fpr");
    fpr.pop_back();
    PgpKeyRecord k;
    k.fingerprint = fpr;
    k.public_key = pgp_->read("rsa2048.pgp");
    k.domains = {"partner.example"};
    ASSERT_TRUE(store_->put_pgp_key(k));
    auto d = *store_->find_domain("partner.example");
    d->methods = {Method::smime, Method::pgp};
    ASSERT_TRUE(store_->put_domain(*d));
    const Treatment t = decide_now();
    EXPECT_EQ(t.action, Action::refuse);
    EXPECT_EQ(t.refusal_text, "Encryption to this recipient is required but not possible");
    EXPECT_NE(t.reason.find("key too weak"), std::string::npos) << t.reason;
    EXPECT_NE(t.reason.find("not trusted"), std::string::npos) << t.reason;
}

TEST_F(KeyStrengthPolicy, PipelineNeverEncryptsToTheWeakKey) {
    partner_with_cert("rsa1024");
    auto master = MasterKey::create((dir_ / "s.db.key").string());
    ASSERT_TRUE(master);
    keystore::KeyStore keys(*store_, std::move(*master));
    auto snap = Snapshot::load(*store_);
    ASSERT_TRUE(snap);
    pipeline::Pipeline pipe(*snap, keys);
    const std::string message =
        "From: alice@example.com\r\nTo: bob@partner.example\r\nSubject: s\r\n\r\nsecret\r\n";
    auto copies = pipe.process({"alice@example.com", {"bob@partner.example"}}, message);
    ASSERT_FALSE(copies);
    EXPECT_EQ(copies.error().code, 550);
    EXPECT_EQ(copies.error().status, "5.7.1");
    EXPECT_EQ(copies.error().public_text, kWeakText);

    // With the override the same message goes out encrypted to that certificate.
    partner_with_cert("rsa1024", 1024);
    snap = Snapshot::load(*store_);
    ASSERT_TRUE(snap);
    pipeline::Pipeline again(*snap, keys);
    copies = again.process({"alice@example.com", {"bob@partner.example"}}, message);
    ASSERT_TRUE(copies) << copies.error().reason;
    ASSERT_EQ(copies->size(), 1u);
    EXPECT_EQ((*copies)[0].outcome.action, CopyAction::encrypted);
    EXPECT_EQ((*copies)[0].data.find("secret"), std::string::npos);
}

}  // namespace
}  // namespace sealgate::policy
