#include "openpgp/key.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include "core/hex.hpp"
#include "openpgp/quiet.hpp"
#include "peer.hpp"

namespace sealgate::openpgp {
namespace {

using testing::TempDir;
using testing::testdata;

std::string upper(std::string s) {
    for (char& c : s)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

TEST(Expiry, Parses) {
    EXPECT_EQ(*parse_expiry("never"), 0U);
    EXPECT_EQ(*parse_expiry("0"), 0U);
    EXPECT_EQ(*parse_expiry("2y"), 2U * 365 * 86400);
    EXPECT_EQ(*parse_expiry("3600"), 3600U);
    EXPECT_EQ(*parse_expiry("10d"), 864000U);
    EXPECT_FALSE(parse_expiry(""));
    EXPECT_FALSE(parse_expiry("y"));
    EXPECT_FALSE(parse_expiry("-1"));
    EXPECT_FALSE(parse_expiry("200y"));  // past the 32-bit field
    EXPECT_FALSE(parse_expiry("2x"));
}

TEST(Algorithm, Parses) {
    EXPECT_EQ(parse_key_algorithm("ed25519"), KeyAlgorithm::ed25519);
    EXPECT_EQ(parse_key_algorithm("rsa4096"), KeyAlgorithm::rsa4096);
    EXPECT_FALSE(parse_key_algorithm("dsa"));
}

TEST(CreateKey, Ed25519HasCurve25519EncryptionSubkeyAndMatchesPeers) {
    auto key = create_key("<domain-cert@example.com>", KeyAlgorithm::ed25519, 2 * 365 * 86400);
    ASSERT_TRUE(key) << key.error().reason;
    EXPECT_EQ(key->fingerprint.size(), 40U);
    ASSERT_FALSE(key->secret_key.empty());

    auto info = key_info(key->public_key);
    ASSERT_TRUE(info) << info.error().reason;
    EXPECT_EQ(info->primary.fingerprint, key->fingerprint);
    EXPECT_EQ(info->primary.algorithm, "EDDSA");
    EXPECT_EQ(info->primary.curve, "Ed25519");
    EXPECT_TRUE(info->primary.can_certify);
    EXPECT_TRUE(info->primary.can_sign);
    EXPECT_FALSE(info->primary.can_encrypt);
    EXPECT_EQ(info->primary.expires - info->primary.created, 2 * 365 * 86400);
    ASSERT_EQ(info->subkeys.size(), 1U);
    EXPECT_EQ(info->subkeys[0].algorithm, "ECDH");
    EXPECT_EQ(info->subkeys[0].curve, "Curve25519");
    EXPECT_TRUE(info->subkeys[0].can_encrypt);
    EXPECT_FALSE(info->has_secret);
    ASSERT_EQ(info->user_ids.size(), 1U);
    EXPECT_EQ(info->user_ids[0].text, "<domain-cert@example.com>");

    auto usable = encryption_usability(key->public_key);
    ASSERT_TRUE(usable);
    EXPECT_TRUE(usable->usable) << usable->reason;
    EXPECT_EQ(usable->encryption_key, info->subkeys[0].fingerprint);

    // gpg and sq read the same fingerprint, v4 key, SHA-256 self-signatures, our preferences.
    const TempDir dir;
    dir.put("pub.pgp", key->public_key);
    ASSERT_EQ(dir.run("gpg --batch --import pub.pgp"), 0) << dir.log();
    EXPECT_EQ(dir.gpg_fpr(upper(key->fingerprint)), upper(key->fingerprint));
    ASSERT_EQ(dir.run("sq inspect pub.pgp > inspect.txt"), 0) << dir.log();
    EXPECT_NE(dir.get("inspect.txt").find("Fingerprint: " + upper(key->fingerprint)),
              std::string::npos);
    ASSERT_EQ(dir.run("sq packet dump pub.pgp > dump.txt"), 0) << dir.log();
    const std::string dump = dir.get("dump.txt");
    EXPECT_EQ(dump.find("SHA1"), std::string::npos);
    EXPECT_NE(dump.find("Hash algo: SHA256"), std::string::npos);
    EXPECT_NE(dump.find("Symmetric algo preferences: AES256, AES128"), std::string::npos) << dump;
    EXPECT_NE(dump.find("Version: 4"), std::string::npos);

    // The secret blob is unprotected and holds both secret keys.
    auto secret_info = key_info(key->secret_key);
    ASSERT_TRUE(secret_info);
    EXPECT_TRUE(secret_info->has_secret);
    dir.put("sec.pgp", key->secret_key);
    ASSERT_EQ(dir.run("sq packet dump sec.pgp > sdump.txt"), 0) << dir.log();
    EXPECT_EQ(dir.get("sdump.txt").find("S2K"), std::string::npos);
}

TEST(CreateKey, Rsa3072NeverExpires) {
    auto key = create_key("<d@example.org>", KeyAlgorithm::rsa3072, 0);
    ASSERT_TRUE(key) << key.error().reason;
    auto info = key_info(key->public_key);
    ASSERT_TRUE(info);
    EXPECT_EQ(info->primary.algorithm, "RSA");
    EXPECT_EQ(info->primary.bits, 3072U);
    EXPECT_EQ(info->primary.expires, 0);
    ASSERT_EQ(info->subkeys.size(), 1U);
    EXPECT_EQ(info->subkeys[0].bits, 3072U);
    EXPECT_TRUE(info->subkeys[0].can_encrypt);
    EXPECT_FALSE(info->subkeys[0].can_sign);
}

TEST(CreateKey, RefusesEmptyUid) {
    EXPECT_FALSE(create_key("", KeyAlgorithm::ed25519, 0));
}

TEST(ParseKeys, GarbageFailsWithOneLine) {
    for (const std::string& bad :
         {std::string("hello world"), std::string("\x99\x01", 2), std::string(),
          testdata("interop-suite/revoked-key-sig-t0.pgp")}) {
        auto keys = parse_keys(bad);
        ASSERT_FALSE(keys);
        EXPECT_EQ(keys.error().code, 554);
        EXPECT_FALSE(keys.error().reason.empty());
        EXPECT_EQ(keys.error().reason.find('\n'), std::string::npos);
    }
}

// librnp's internal diagnostics bypass the ffi log fd (see quiet.hpp); QuietStderr keeps them
// off fd 2 and restores it afterwards.
TEST(ParseKeys, QuietStderrSilencesLibrnp) {
    const TempDir dir;
    std::fflush(stderr);
    const int saved = ::dup(2);
    const int capture = ::open(dir.file("stderr.txt").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ASSERT_GE(capture, 0);
    ::dup2(capture, 2);
    ::close(capture);
    {
        const QuietStderr quiet;
        EXPECT_FALSE(parse_keys("definitely not a key"));
        EXPECT_FALSE(parse_keys(std::string("\x99\x01", 2)));
    }
    std::fputs("after\n", stderr);
    std::fflush(stderr);
    ::dup2(saved, 2);
    ::close(saved);
    EXPECT_EQ(dir.get("stderr.txt"), "after\n");
}

TEST(ParseKeys, TruncatedArmorFails) {
    auto key = create_key("<t@example.org>", KeyAlgorithm::ed25519, 0);
    ASSERT_TRUE(key);
    auto armored = export_public(key->public_key, Encoding::armored);
    ASSERT_TRUE(armored);
    EXPECT_EQ(armored->rfind("-----BEGIN PGP PUBLIC KEY BLOCK-----", 0), 0U);
    EXPECT_FALSE(parse_keys(armored->substr(0, armored->size() / 2)));
    auto back = parse_keys(*armored);
    ASSERT_TRUE(back);
    ASSERT_EQ(back->size(), 1U);
    EXPECT_EQ(back->front().public_key, key->public_key);
    EXPECT_TRUE(back->front().secret_key.empty());
}

TEST(ParseKeys, SeveralKeysSecretAndPublic) {
    const std::string both =
        testdata("interop-suite/alice.pgp") + testdata("interop-suite/bob-secret.pgp");
    auto keys = parse_keys(both);
    ASSERT_TRUE(keys) << keys.error().reason;
    ASSERT_EQ(keys->size(), 2U);
    EXPECT_EQ(keys->at(0).fingerprint, "eb85bb5fa33a75e15e944e63f231550c4f47e38e");
    EXPECT_TRUE(keys->at(0).usability.usable) << keys->at(0).usability.reason;
    EXPECT_EQ(keys->at(0).usability.encryption_key, "ea02b24ffd4c1b96616d3df24766f6b9d5f21eb6");
    EXPECT_TRUE(keys->at(0).secret_key.empty());
    EXPECT_FALSE(keys->at(1).secret_key.empty());
    auto armored = export_secret(keys->at(1).secret_key, Encoding::armored);
    ASSERT_TRUE(armored);
    EXPECT_EQ(armored->rfind("-----BEGIN PGP PRIVATE KEY BLOCK-----", 0), 0U);
    EXPECT_FALSE(export_secret(keys->at(0).public_key, Encoding::binary));
}

// The interop-suite keys import, show, and carry the fingerprints gpg and sq compute.
TEST(InteropSuite, KeysShowWithPeerFingerprints) {
    const TempDir dir;
    for (const char* name : {"alice", "bob", "carol", "john", "ricarda"}) {
        SCOPED_TRACE(name);
        const std::string path =
            std::string(SEALGATE_TESTDATA) + "/openpgp/interop-suite/" + name + ".pgp";
        auto keys = parse_keys(testing::read_file(path));
        ASSERT_TRUE(keys) << keys.error().reason;
        ASSERT_EQ(keys->size(), 1U);
        auto info = key_info(keys->front().public_key);
        ASSERT_TRUE(info) << info.error().reason;
        EXPECT_FALSE(info->user_ids.empty());
        EXPECT_EQ(info->primary.fingerprint, keys->front().fingerprint);

        if (std::string(name) == "john") {
            // A v3 key (RFC 4880 §5.5.2): MD5 fingerprint of 32 digits, which gpg 2.2 and sq
            // no longer read. We show it but never encrypt to it.
            EXPECT_EQ(info->primary.fingerprint, "31983246f3e3dccc4362f293e8b0d252");
            auto usable = encryption_usability(keys->front().public_key);
            ASSERT_TRUE(usable);
            EXPECT_FALSE(usable->usable);
            EXPECT_EQ(usable->reason, "unsupported v3 key");
            continue;
        }
        ASSERT_EQ(dir.run("gpg --batch --import '" + path + "'"), 0) << dir.log();
        EXPECT_EQ(dir.gpg_fpr(upper(info->primary.fingerprint)), upper(info->primary.fingerprint));
        ASSERT_EQ(dir.run("sq inspect '" + path + "' > inspect.txt"), 0) << dir.log();
        EXPECT_NE(dir.get("inspect.txt").find("Fingerprint: " + upper(info->primary.fingerprint)),
                  std::string::npos);
        for (const KeyPart& sub : info->subkeys)
            EXPECT_NE(dir.get("inspect.txt").find("Subkey: " + upper(sub.fingerprint)),
                      std::string::npos);
    }
    auto ricarda = key_info(testdata("interop-suite/ricarda.pgp"));
    ASSERT_TRUE(ricarda);
    EXPECT_EQ(hex_groups(ricarda->primary.fingerprint),
              "2ADE 0F8A A059 6BC9 4E50  D2AD 9162 53AB 652E F195");
    EXPECT_EQ(ricarda->primary.bits, 3072U);
    ASSERT_EQ(ricarda->subkeys.size(), 2U);
    EXPECT_TRUE(ricarda->subkeys[0].can_encrypt);
    EXPECT_TRUE(ricarda->subkeys[1].can_sign);
    EXPECT_EQ(ricarda->user_ids[0].text, "Ricarda S. \xC3\x81lvarez <ricarda@openpgp.example>");
}

TEST(InteropSuite, RevokedKeysShowTheirReason) {
    const struct {
        const char* file;
        const char* reason;
    } cases[] = {
        {"revoked-key-cert-revoked-compromised.pgp", "compromised"},
        {"revoked-key-cert-revoked-superseded.pgp", "superseded"},
        {"revoked-key-cert-revoked-key_retired.pgp", "retired"},
        {"revoked-key-cert-revoked-no_subpacket.pgp", "no reason given"},
        {"revoked-key-cert-revoked-unspecified.pgp", "no reason given"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.file);
        auto info = key_info(testdata(std::string("interop-suite/") + c.file));
        ASSERT_TRUE(info) << info.error().reason;
        EXPECT_EQ(info->primary.fingerprint, "f2d150a4fe98925d51e91539684fad62dc038fbb");
        EXPECT_TRUE(info->primary.revoked);
        EXPECT_EQ(info->primary.revocation_reason.rfind(c.reason, 0), 0U)
            << info->primary.revocation_reason;
        auto usable = encryption_usability(testdata(std::string("interop-suite/") + c.file));
        ASSERT_TRUE(usable);
        EXPECT_FALSE(usable->usable);
        EXPECT_EQ(usable->reason.rfind(std::string("revoked (") + c.reason, 0), 0U)
            << usable->reason;
    }
    auto not_revoked = key_info(testdata("interop-suite/revoked-key-cert-not-revoked.pgp"));
    ASSERT_TRUE(not_revoked);
    EXPECT_FALSE(not_revoked->primary.revoked);
    // Its only subkey is sign-only: nothing to encrypt to.
    auto usable = encryption_usability(testdata("interop-suite/revoked-key-cert-not-revoked.pgp"));
    ASSERT_TRUE(usable);
    EXPECT_FALSE(usable->usable);
    EXPECT_EQ(usable->reason, "no valid encryption subkey");
}

TEST(Merge, BareRevocationMakesKeyUnusable) {
    const std::string alice = testdata("interop-suite/alice.pgp");
    auto before = encryption_usability(alice);
    ASSERT_TRUE(before);
    EXPECT_TRUE(before->usable) << before->reason;
    auto merged = merge(alice, testdata("interop-suite/alice-revocation.pgp"));
    ASSERT_TRUE(merged) << merged.error().reason;
    auto after = encryption_usability(*merged);
    ASSERT_TRUE(after);
    EXPECT_FALSE(after->usable);
    EXPECT_EQ(after->reason, "revoked (no reason given)");
    // A revocation of another key, or another key, is not an update of this one.
    EXPECT_FALSE(merge(alice, testdata("interop-suite/bob-revocation.pgp")));
    EXPECT_FALSE(merge(alice, testdata("interop-suite/bob.pgp")));
    EXPECT_FALSE(merge(alice, "garbage"));
}

// Keys made with gpg in the test: each refusal with its reason, and a merge that revokes.
class GpgKeys : public ::testing::Test {
  protected:
    std::string make(const std::string& uid, const std::string& prefix_opts,
                     const std::string& primary_spec, const std::string& sub_spec) {
        EXPECT_EQ(dir.run(TempDir::gpg() + " " + prefix_opts + " --quick-gen-key '" + uid + "' " +
                          primary_spec),
                  0)
            << dir.log();
        const std::string fpr = dir.gpg_fpr(uid);
        if (!sub_spec.empty()) {
            EXPECT_EQ(dir.run(TempDir::gpg() + " " + prefix_opts + " --quick-add-key " + fpr + " " +
                              sub_spec),
                      0)
                << dir.log();
        }
        return fpr;
    }
    std::string export_pub(const std::string& fpr) {
        EXPECT_EQ(dir.run("gpg --batch --export " + fpr + " > out.pgp"), 0) << dir.log();
        return dir.get("out.pgp");
    }
    TempDir dir;
};

TEST_F(GpgKeys, RefusalsCarryReasons) {
    const std::string good =
        make("<good@p.example>", "", "ed25519 cert,sign never", "cv25519 encr 2y");
    auto ok_key = encryption_usability(export_pub(good));
    ASSERT_TRUE(ok_key) << ok_key.error().reason;
    EXPECT_TRUE(ok_key->usable) << ok_key->reason;

    // Revoked subkey (reason 2 = key compromised via --edit-key revkey).
    const std::string revsub =
        make("<revsub@p.example>", "", "ed25519 cert,sign never", "cv25519 encr 2y");
    ASSERT_EQ(dir.run("printf 'key 1\\nrevkey\\ny\\n1\\nleaked\\n\\ny\\nsave\\n' | gpg --batch "
                      "--command-fd 0 --pinentry-mode loopback --passphrase '' --edit-key " +
                      revsub),
              0)
        << dir.log();
    auto r = encryption_usability(export_pub(revsub));
    ASSERT_TRUE(r);
    EXPECT_FALSE(r->usable);
    EXPECT_EQ(r->reason, "no valid encryption subkey");
    EXPECT_EQ(r->problem, Usability::Problem::revoked);
    auto info = key_info(export_pub(revsub));
    ASSERT_TRUE(info);
    ASSERT_EQ(info->subkeys.size(), 1U);
    EXPECT_TRUE(info->subkeys[0].revoked);
    EXPECT_EQ(info->subkeys[0].revocation_reason, "compromised: leaked");

    // Expired key: made in 2020, valid for one year.
    const std::string expired = make("<expired@p.example>", "--faked-system-time 20200101T000000!",
                                     "ed25519 cert,sign 1y", "cv25519 encr 1y");
    r = encryption_usability(export_pub(expired));
    ASSERT_TRUE(r);
    EXPECT_FALSE(r->usable);
    EXPECT_EQ(r->reason.rfind("expired on 2020-12-31", 0), 0U) << r->reason;
    EXPECT_EQ(r->problem, Usability::Problem::expired);

    // Expired subkey under a primary that never expires.
    const std::string expsub = make("<expsub@p.example>", "--faked-system-time 20200101T000000!",
                                    "ed25519 cert,sign never", "cv25519 encr 1y");
    r = encryption_usability(export_pub(expsub));
    ASSERT_TRUE(r);
    EXPECT_FALSE(r->usable);
    EXPECT_EQ(r->reason, "no valid encryption subkey");
    // A lifecycle problem: the policy defers mandatory mail for it (policy/policy.hpp).
    EXPECT_EQ(r->problem, Usability::Problem::expired);
    // ...but it was usable while the subkey lived.
    r = encryption_usability(export_pub(expsub), 1593561600);  // 2020-07-01
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->usable) << r->reason;

    // Sign-only key.
    const std::string signonly = make("<signonly@p.example>", "", "ed25519 cert,sign never", "");
    r = encryption_usability(export_pub(signonly));
    ASSERT_TRUE(r);
    EXPECT_FALSE(r->usable);
    EXPECT_EQ(r->reason, "no valid encryption subkey");
    EXPECT_EQ(r->problem, Usability::Problem::other);
}

TEST_F(GpgKeys, LaterRevocationMergedMakesKeyUnusable) {
    const std::string fpr =
        make("<rev@p.example>", "", "ed25519 cert,sign never", "cv25519 encr 2y");
    const std::string first = export_pub(fpr);
    auto before = encryption_usability(first);
    ASSERT_TRUE(before);
    ASSERT_TRUE(before->usable) << before->reason;
    // gpg's automatic revocation certificate, with the ':' guard removed.
    ASSERT_EQ(dir.run("sed 's/^:-----/-----/' gnupg/openpgp-revocs.d/" + fpr + ".rev > rev.asc"),
              0);
    auto merged = merge(first, dir.get("rev.asc"));
    ASSERT_TRUE(merged) << merged.error().reason;
    auto after = encryption_usability(*merged);
    ASSERT_TRUE(after);
    EXPECT_FALSE(after->usable);
    EXPECT_EQ(after->reason.rfind("revoked (", 0), 0U) << after->reason;

    // The same as a full key update (gpg exports the revoked key).
    ASSERT_EQ(dir.run("gpg --batch --import rev.asc"), 0) << dir.log();
    auto merged2 = merge(first, export_pub(fpr));
    ASSERT_TRUE(merged2) << merged2.error().reason;
    auto after2 = encryption_usability(*merged2);
    ASSERT_TRUE(after2);
    EXPECT_FALSE(after2->usable);
}

TEST_F(GpgKeys, Sha1SelfSignatureAfterCutoffIsInvalidNotSilent) {
    const std::string fpr = make("<sha1@p.example>", "--cert-digest-algo SHA1 --digest-algo SHA1",
                                 "rsa2048 cert,sign never", "rsa2048 encr never");
    const std::string pub = export_pub(fpr);
    auto keys = parse_keys(pub);
    ASSERT_TRUE(keys) << keys.error().reason;  // it imports...
    ASSERT_EQ(keys->size(), 1U);
    EXPECT_FALSE(keys->front().usability.usable);  // ...flagged at import already
    auto r = encryption_usability(pub);
    ASSERT_TRUE(r);
    EXPECT_FALSE(r->usable);  // ...but is reported unusable, with the reason
    EXPECT_EQ(r->reason, "invalid self-signature (SHA-1 self-signature made after 2024-01-19)");
}

}  // namespace
}  // namespace sealgate::openpgp
