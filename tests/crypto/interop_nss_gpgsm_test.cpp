// Interop with the two other independent S/MIME implementations on Debian: GnuPG's gpgsm and
// NSS's cmsutil (Thunderbird's CMS code). Both read only the compat profile (interop-peers.sh:
// neither decrypts OAEP nor AuthEnvelopedData), and gpgsm refuses a self-signed end entity, so
// these tests use the CA-issued certificate of make-pki.sh.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "crypto/smime.hpp"
#include "support.hpp"

namespace sealgate::crypto {
namespace {

class Peers : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_TRUE(pki_.dir().read("pki.ok").size() > 0);
        cert_ = std::make_unique<Certificate>(pki_.cert("ee"));
        key_ = std::make_unique<PrivateKey>(pki_.key("ee"));
    }
    const test::TempDir& dir() const { return pki_.dir(); }

    // Our compat encryption of every body, written as <name>.der beside <name>.in. The 10 MB
    // body has its content in some 2,500 BER pieces with indefinite lengths around them.
    void write_our_encryptions() const {
        for (const test::Body& body : test::bodies()) {
            const auto enc = cms_encrypt(body.bytes, {*cert_}, CmsProfile::compat);
            ASSERT_TRUE(enc) << enc.error().reason;
            dir().write(std::string(body.name) + ".in", body.bytes);
            dir().write(std::string(body.name) + ".der", enc->ber);
        }
    }
    // Their output (BER with indefinite lengths from gpgsm) decrypts with our code.
    void expect_we_decrypt(const std::string& file, const std::string& expected,
                           const std::string& algorithm) const {
        const auto env = Envelope::parse(dir().read(file));
        ASSERT_TRUE(env) << file << ": " << env.error().reason;
        EXPECT_EQ(env->content_algorithm(), algorithm) << file;
        EXPECT_TRUE(env->addressed_to(*cert_)) << file;
        const auto plain = env->decrypt(*key_, *cert_);
        ASSERT_TRUE(plain) << file << ": " << plain.error().reason;
        EXPECT_TRUE(*plain == expected) << file;
    }

    test::Pki pki_;
    std::unique_ptr<Certificate> cert_;
    std::unique_ptr<PrivateKey> key_;
};

TEST_F(Peers, Gpgsm) {
    // An isolated GNUPGHOME inside the test directory; its agent is stopped at the end.
    const std::string env = "GNUPGHOME=\"$PWD/gnupg\" ";
    ASSERT_EQ(
        dir().run("mkdir -m 700 gnupg && echo allow-loopback-pinentry > gnupg/gpg-agent.conf"), 0);
    // gpgsm as the sender needs the root marked trusted. The agent reads trustlist.txt when it
    // starts, so it is written first (SHA-1 fingerprint, no colons).
    ASSERT_EQ(dir().run("openssl x509 -in ca.crt -noout -fingerprint -sha1 | "
                        "sed 's/.*=//; s/://g; s/$/ S relax/' > gnupg/trustlist.txt"),
              0);
    struct AgentStop {
        const test::TempDir& d;
        ~AgentStop() { d.run("GNUPGHOME=\"$PWD/gnupg\" gpgconf --kill gpg-agent"); }
    } stop{dir()};
    const std::string pass = "--batch --pinentry-mode loopback --passphrase-fd 0 ";
    // The root first: gpgsm exits 2 when it imports a certificate whose issuer it lacks, even
    // if the issuer comes later in the same file.
    ASSERT_EQ(dir().run(env + "gpgsm --batch --import ca.crt"), 0) << dir().read("cmd.err");
    // gpgsm 2.2 reads only the legacy PKCS#12 PBEs.
    ASSERT_EQ(dir().run("echo test | " + env + "gpgsm " + pass +
                        "--import ee-legacy.p12 > import.log 2>&1"),
              0)
        << dir().read("import.log");
    ASSERT_THAT(dir().read("import.log"), ::testing::HasSubstr("secret keys imported: 1"));

    write_our_encryptions();
    for (const test::Body& body : test::bodies()) {
        const std::string n = body.name;
        ASSERT_EQ(dir().run("echo test | " + env + "gpgsm " + pass + "--decrypt " + n + ".der > " +
                            n + ".gpgsm"),
                  0)
            << n << ": " << dir().read("cmd.err");
        EXPECT_EQ(dir().run("cmp -s " + n + ".in " + n + ".gpgsm"), 0) << n;
    }

    // Offline: no CRL checks.
    for (const test::Body& body : test::bodies(false)) {
        const std::string n = body.name;
        ASSERT_EQ(dir().run(env +
                            "gpgsm --batch --disable-crl-checks --cipher-algo AES256 --encrypt "
                            "-r domain-cert@partner.example --output " +
                            n + ".from-gpgsm " + n + ".in"),
                  0)
            << n << ": " << dir().read("cmd.err");
        expect_we_decrypt(n + ".from-gpgsm", body.bytes, "aes256-cbc");
    }
}

TEST_F(Peers, NssCmsutil) {
    ASSERT_EQ(dir().run("mkdir nssdb && certutil -N -d sql:nssdb --empty-password"), 0)
        << dir().read("cmd.err");
    ASSERT_EQ(dir().run("pk12util -i ee-legacy.p12 -d sql:nssdb -W test > /dev/null"), 0)
        << dir().read("cmd.err");
    ASSERT_EQ(dir().run("certutil -A -d sql:nssdb -n testca -t C,C,C -i ca.crt"), 0);

    write_our_encryptions();
    for (const test::Body& body : test::bodies()) {
        const std::string n = body.name;
        ASSERT_EQ(
            dir().run("cmsutil -D -d sql:nssdb -i " + n + ".der -o " + n + ".nss > /dev/null"), 0)
            << n << ": " << dir().read("cmd.err");
        EXPECT_EQ(dir().run("cmp -s " + n + ".in " + n + ".nss"), 0) << n;
    }
    for (const test::Body& body : test::bodies(false)) {
        const std::string n = body.name;
        ASSERT_EQ(dir().run("cmsutil -E -d sql:nssdb -r domain-cert@partner.example -i " + n +
                            ".in -o " + n + ".from-nss > /dev/null"),
                  0)
            << n << ": " << dir().read("cmd.err");
        expect_we_decrypt(n + ".from-nss", body.bytes, "aes128-cbc");
    }
}

}  // namespace
}  // namespace sealgate::crypto
