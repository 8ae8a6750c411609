// The update bundle: made and read back, and every way a bundle must be refused before anyone
// trusts what it says (tampering, another signer, no signature, bad JSON or base64, entries for
// another domain, too large).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "crypto/cms_sign.hpp"
#include "crypto/keygen.hpp"
#include "exchange/bundle.hpp"
#include "mime/base64.hpp"
#include "openpgp/key.hpp"
#include "openpgp/signature.hpp"
#include "support/result.hpp"

namespace sealgate::exchange {
namespace {

struct Made {
    crypto::Certificate cert;
    crypto::PrivateKey key;
};

Made certificate(const std::string& email) {
    crypto::CertificateRequest req;
    req.email = email;
    req.algorithm = crypto::KeyAlgorithm::p256;
    req.days = 30;
    auto made = crypto::create_domain_certificate(req);
    EXPECT_TRUE(made) << (made ? "" : made.error().reason);
    return {made->first, made->second};
}

class BundleTest : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        a1_ = new Made(certificate("domain-cert@a.example"));
        a2_ = new Made(certificate("domain-cert@a.example"));
        other_ = new Made(certificate("domain-cert@c.example"));
        pgp_ = new openpgp::KeyMaterial(value_of(openpgp::create_key(
            "a.example domain <domain-cert@a.example>", openpgp::KeyAlgorithm::ed25519, 0)));
    }
    static void TearDownTestSuite() {
        delete a1_;
        delete a2_;
        delete other_;
        delete pgp_;
    }

    Manifest manifest(std::uint64_t sequence = 1) {
        Manifest m;
        m.domain = "a.example";
        m.sequence = sequence;
        m.created = 1'700'000'000;
        auto e1 = value_of(certificate_entry(a1_->cert.der()));
        auto e2 = value_of(certificate_entry(a2_->cert.der()));
        e2.state = EntryState::next;
        auto e3 = value_of(pgp_key_entry(pgp_->public_key));
        m.entries = {e1, e2, e3};
        return m;
    }

    // The bundle signed by a1 (S/MIME) and the OpenPGP key.
    std::string signed_bundle(const Manifest& m) {
        const std::string bytes = manifest_bytes(m);
        std::vector<Signature> sigs;
        sigs.push_back({SignatureKind::smime, a1_->cert.sha256(),
                        value_of(crypto::cms_sign_detached(a1_->cert, a1_->key, bytes))});
        sigs.push_back({SignatureKind::pgp, pgp_->fingerprint,
                        value_of(openpgp::sign_detached(pgp_->secret_key, bytes))});
        return make(bytes, sigs);
    }

    static Made* a1_;
    static Made* a2_;
    static Made* other_;
    static openpgp::KeyMaterial* pgp_;
};

Made* BundleTest::a1_ = nullptr;
Made* BundleTest::a2_ = nullptr;
Made* BundleTest::other_ = nullptr;
openpgp::KeyMaterial* BundleTest::pgp_ = nullptr;

TEST_F(BundleTest, RoundTripKeepsEveryEntryAndBothSignaturesVerify) {
    const Manifest m = manifest(7);
    auto bundle = parse(signed_bundle(m));
    ASSERT_OK(bundle);
    EXPECT_EQ(bundle->manifest.domain, "a.example");
    EXPECT_EQ(bundle->manifest.sequence, 7u);
    EXPECT_EQ(bundle->manifest.created, 1'700'000'000);
    ASSERT_EQ(bundle->manifest.entries.size(), 3u);
    EXPECT_EQ(bundle->manifest.entries[0].id, a1_->cert.sha256());
    EXPECT_EQ(bundle->manifest.entries[1].state, EntryState::next);
    EXPECT_EQ(bundle->manifest.entries[2].kind, EntryKind::pgp_key);
    EXPECT_EQ(bundle->manifest.entries[2].id, pgp_->fingerprint);
    EXPECT_EQ(bundle->manifest.entries[1].data, a2_->cert.der());
    ASSERT_EQ(bundle->signatures.size(), 2u);
    ASSERT_OK(verify_signature(*bundle, bundle->signatures[0], a1_->cert, std::time(nullptr)));
    ASSERT_OK(
        verify_signature(*bundle, bundle->signatures[1], pgp_->public_key, std::time(nullptr)));
}

TEST_F(BundleTest, TamperedManifestFailsBothSignatures) {
    const Manifest m = manifest();
    auto text = signed_bundle(m);
    auto doc = nlohmann::json::parse(text);
    // The same manifest with a later sequence, re-encoded: the signatures cover the old bytes.
    Manifest changed = m;
    changed.sequence = 99;
    doc["manifest"] = mime::base64_encode(manifest_bytes(changed), 0);
    auto bundle = parse(doc.dump());
    ASSERT_OK(bundle);
    auto smime = verify_signature(*bundle, bundle->signatures[0], a1_->cert, std::time(nullptr));
    ASSERT_FALSE(smime);
    EXPECT_EQ(smime.error().kind, ErrorKind::unusable);
    auto pgp =
        verify_signature(*bundle, bundle->signatures[1], pgp_->public_key, std::time(nullptr));
    ASSERT_FALSE(pgp);
    EXPECT_EQ(pgp.error().kind, ErrorKind::unusable);
}

TEST_F(BundleTest, SignatureByAnotherCertificateOrKeyDoesNotVerify) {
    auto bundle = value_of(parse(signed_bundle(manifest())));
    EXPECT_FALSE(verify_signature(bundle, bundle.signatures[0], a2_->cert, std::time(nullptr)));
    EXPECT_FALSE(verify_signature(bundle, bundle.signatures[0], other_->cert, std::time(nullptr)));
    auto stranger =
        value_of(openpgp::create_key("x <x@a.example>", openpgp::KeyAlgorithm::ed25519, 0));
    auto r =
        verify_signature(bundle, bundle.signatures[1], stranger.public_key, std::time(nullptr));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::unusable);
    // The kinds must match: an S/MIME signature is not checked against an OpenPGP key.
    EXPECT_FALSE(
        verify_signature(bundle, bundle.signatures[0], pgp_->public_key, std::time(nullptr)));
}

TEST_F(BundleTest, UnsignedBundleIsRefused) {
    auto r = parse(make(manifest_bytes(manifest()), {}));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::bad_input);
    EXPECT_NE(r.error().reason.find("not signed"), std::string::npos);
}

TEST_F(BundleTest, MalformedInputIsRefusedWithAReason) {
    const std::string good = signed_bundle(manifest());
    auto doc = nlohmann::json::parse(good);
    std::vector<std::string> bad = {
        "",
        "not json",
        "[1,2]",
        good.substr(0, good.size() / 2),
        R"({"format":"sealgate-update-bundle/2","manifest":"e30=","signatures":[]})",
    };
    auto with = [&](const char* name, nlohmann::json value) {
        auto d = doc;
        d[name] = std::move(value);
        return d.dump();
    };
    bad.push_back(with("manifest", "!!not base64!!"));
    bad.push_back(with("manifest", mime::base64_encode("{\"format\":1}", 0)));
    bad.push_back(with("manifest", mime::base64_encode("not json", 0)));
    bad.push_back(with("extra", 1));
    bad.push_back(with("signatures", "none"));
    // The same name twice: readers differ on which one counts.
    bad.push_back("{\"format\":\"sealgate-update-bundle/1\"," + good.substr(1));
    auto sig = doc["signatures"][0];
    sig["signature"] = "%%%";
    bad.push_back(with("signatures", nlohmann::json::array({sig})));
    // An entry whose data is not what its id says.
    Manifest m = manifest();
    m.entries[0].id = a2_->cert.sha256();
    m.entries[1].state = EntryState::current;
    m.entries.erase(m.entries.begin() + 1);
    bad.push_back(with("manifest", mime::base64_encode(manifest_bytes(m), 0)));
    // Sequence 0.
    bad.push_back(with("manifest", mime::base64_encode(manifest_bytes(manifest(0)), 0)));
    for (const auto& text : bad) {
        auto r = parse(text);
        EXPECT_FALSE(r) << text.substr(0, 120);
        if (!r) {
            EXPECT_EQ(r.error().kind, ErrorKind::bad_input) << r.error().reason;
        }
    }
}

TEST_F(BundleTest, EntryForAnotherDomainsAddressIsRefused) {
    Manifest m = manifest();
    m.entries.push_back(value_of(certificate_entry(other_->cert.der())));
    auto r = parse(make(manifest_bytes(m), {{SignatureKind::smime, a1_->cert.sha256(), "x"}}));
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().reason.find("not in a.example"), std::string::npos) << r.error().reason;

    auto key = value_of(
        openpgp::create_key("c <domain-cert@c.example>", openpgp::KeyAlgorithm::ed25519, 0));
    Manifest k = manifest();
    k.entries.push_back(value_of(pgp_key_entry(key.public_key)));
    auto rk = parse(make(manifest_bytes(k), {{SignatureKind::smime, a1_->cert.sha256(), "x"}}));
    ASSERT_FALSE(rk);
    EXPECT_NE(rk.error().reason.find("not in a.example"), std::string::npos) << rk.error().reason;
}

TEST_F(BundleTest, SecretKeyInAnEntryIsRefused) {
    EXPECT_FALSE(pgp_key_entry(pgp_->secret_key));
}

TEST_F(BundleTest, HugeBundleIsRefusedBeforeParsing) {
    std::string huge(kMaxBundleBytes + 1, ' ');
    auto r = parse(huge);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().reason.find("larger than"), std::string::npos);
}

TEST(AddressDomain, OfAddressesAndUserIds) {
    EXPECT_EQ(address_domain("domain-cert@A.Example"), "a.example");
    EXPECT_EQ(address_domain("A domain <x@b.example>"), "b.example");
    EXPECT_EQ(address_domain("no address"), "");
    EXPECT_EQ(address_domain("x@"), "");
}

}  // namespace
}  // namespace sealgate::exchange
