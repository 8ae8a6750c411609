// Mail signatures with the independent S/MIME implementations on Debian (interop-peers.sh):
// what cms_sign_entity makes verifies in `openssl cms -verify` (as a whole multipart/signed
// message and as a detached DER signature), `gpgsm --verify` and NSS `cmsutil -D`; what
// `openssl cms -sign`, `gpgsm --sign` and `cmsutil -S` make checks intact in
// cms_check_signature, and its signer is judged by signing_usability (expired, keyUsage without
// digitalSignature). The signers are make-pki.sh's CA-issued certificates: gpgsm and NSS judge
// the path too.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "crypto/cms_sign.hpp"
#include "crypto/keygen.hpp"
#include "crypto/verify.hpp"
#include "support.hpp"

namespace sealgate::crypto {
namespace {

using ::testing::HasSubstr;

const std::string kEntity =
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Content-Transfer-Encoding: 8bit\r\n\r\n"
    "Gr\xc3\xbc\xc3\x9f"
    "e aus K\xc3\xb6ln.\r\n"
    "From the start of a line, a dot:\r\n.\r\nand trailing white space \t\r\n\r\n";

std::string base64_lines(const std::string& der) {
    std::string b64(4 * ((der.size() + 2) / 3) + 1, '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(b64.data()),
                                  reinterpret_cast<const unsigned char*>(der.data()),
                                  static_cast<int>(der.size()));
    b64.resize(static_cast<std::size_t>(n));
    std::string out;
    for (std::size_t i = 0; i < b64.size(); i += 76)
        out += b64.substr(i, 76) + "\r\n";
    return out;
}

// The whole message as docs/signing.md puts it on the wire (RFC 8551 §3.5.3): part 1 the entity
// as signed, part 2 the signature.
std::string multipart_signed(const std::string& entity, const std::string& signature) {
    const std::string b = "=_sealgate_sig_1";
    return "From: sender@our.example\r\nTo: someone@partner.example\r\nSubject: signed\r\n"
           "MIME-Version: 1.0\r\n"
           "Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; "
           "micalg=sha-256;\r\n boundary=\"" +
           b + "\"\r\n\r\nThis is a cryptographically signed message in MIME format.\r\n\r\n--" +
           b + "\r\n" + entity + "\r\n--" + b +
           "\r\nContent-Type: application/pkcs7-signature; name=smime.p7s\r\n"
           "Content-Transfer-Encoding: base64\r\n"
           "Content-Disposition: attachment; filename=smime.p7s\r\n\r\n" +
           base64_lines(signature) + "\r\n--" + b + "--\r\n";
}

class SignaturePeers : public ::testing::Test {
  protected:
    // Once per program: the PKI's keys dominate the run time.
    static void SetUpTestSuite() { pki_ = std::make_unique<test::Pki>(); }
    static void TearDownTestSuite() { pki_.reset(); }
    void SetUp() override {
        ASSERT_TRUE(pki_->dir().read("pki.ok").size() > 0);
        for (const char* f :
             {"ca.crt", "inter.crt", "ee.crt", "ee.key", "ec.crt", "ec.key", "viainter.crt",
              "viainter.key", "encku.crt", "encku.key", "ee-legacy.p12"}) {
            dir_.write(f, pki_->dir().read(f));
        }
        dir_.write("e.bin", kEntity);
        std::string changed = kEntity;
        changed.replace(changed.find("K\xc3\xb6ln"), 1, "k");
        dir_.write("t.bin", changed);
    }
    TrustContext trust() const {
        TrustContext t;
        t.roots.push_back(pki_->cert("ca"));
        return t;
    }
    // Our signature by make-pki.sh's `name`, as s.der, and the whole message as m.eml.
    void sign(const std::string& name, const std::vector<Certificate>& chain,
              CmsProfile profile = CmsProfile::compat) const {
        const auto sig =
            cms_sign_entity(pki_->cert(name), pki_->key(name), chain, kEntity, profile);
        ASSERT_TRUE(sig) << name << ": " << sig.error().reason;
        dir_.write("s.der", *sig);
        dir_.write("m.eml", multipart_signed(kEntity, *sig));
    }
    // Their signature (`file`, detached over kEntity or with it inside) checks intact with the
    // signer among the candidates, and its signer is usable for signing.
    void expect_intact(const std::string& file, const std::string& name, bool opaque) const {
        const Certificate signer = pki_->cert(name);
        const std::string der = dir_.read(file);
        const auto check = cms_check_signature(
            der, opaque ? std::nullopt : std::optional<std::string_view>(kEntity),
            {pki_->cert("ec"), signer});
        ASSERT_TRUE(check) << file << ": " << check.error().reason;
        EXPECT_TRUE(check->intact) << file << ": " << check->reason;
        ASSERT_TRUE(check->signer) << file;
        EXPECT_EQ(check->signer->sha256(), signer.sha256()) << file;
        EXPECT_TRUE(check->signer_is_candidate) << file;
        EXPECT_GT(check->signing_time, 0) << file;
        EXPECT_EQ(check->content, opaque ? kEntity : "") << file;
        TrustContext t = trust();
        t.intermediates.push_back(pki_->cert("inter"));
        EXPECT_TRUE(signing_usability(*check->signer, CtlStatus::none, t).usable) << file;
        if (opaque)
            return;
        // The same signature over modified content is not intact.
        std::string changed = kEntity;
        changed.replace(changed.find("K\xc3\xb6ln"), 1, "k");
        const auto bad = cms_check_signature(der, changed, {signer});
        ASSERT_TRUE(bad) << file;
        EXPECT_FALSE(bad->intact) << file;
        EXPECT_EQ(bad->reason, "the signed content was modified") << file;
    }

    static std::unique_ptr<test::Pki> pki_;
    test::TempDir dir_;
};
std::unique_ptr<test::Pki> SignaturePeers::pki_;

// gpgsm in an isolated home with make-pki.sh's root trusted, and its agent stopped at the end.
class Gpgsm {
  public:
    explicit Gpgsm(const test::TempDir& dir) : dir_(dir) {
        EXPECT_EQ(dir_.run("mkdir -m 700 gnupg && echo allow-loopback-pinentry > "
                           "gnupg/gpg-agent.conf"),
                  0);
        // The agent reads trustlist.txt when it starts (SHA-1 fingerprint, no colons).
        EXPECT_EQ(dir_.run("openssl x509 -in ca.crt -noout -fingerprint -sha1 | "
                           "sed 's/.*=//; s/://g; s/$/ S relax/' > gnupg/trustlist.txt"),
                  0);
        EXPECT_EQ(dir_.run(env() + "gpgsm --batch --import ca.crt"), 0) << dir_.read("cmd.err");
    }
    ~Gpgsm() { dir_.run(env() + "gpgconf --kill gpg-agent"); }
    static std::string env() { return "GNUPGHOME=\"$PWD/gnupg\" "; }
    // Offline: no CRL checks. The status lines go to stdout.
    std::string verify(const std::string& args) const {
        dir_.run(env() + "gpgsm --batch --disable-crl-checks --status-fd 1 --verify " + args +
                 " > verify.out");
        return dir_.read("verify.out");
    }

  private:
    const test::TempDir& dir_;
};

TEST_F(SignaturePeers, OpensslVerifiesOurMultipartSignedMessage) {
    for (const CmsProfile profile : {CmsProfile::compat, CmsProfile::modern}) {
        for (const char* name : {"ee", "ec"}) {
            sign(name, {}, profile);
            dir_.run("rm -f out.bin");
            // Not -binary here: OpenSSL 3.0 then splits a multipart whose delimiters are
            // preceded by CRLF (as RFC 2046 §5.1.1 has them) leaving the CR in part 1, and the
            // digest fails; as mail, the part is read as canonical text, which it is.
            ASSERT_EQ(dir_.run("openssl cms -verify -in m.eml -CAfile ca.crt "
                               "-purpose smimesign -out out.bin"),
                      0)
                << name << ": " << dir_.read("cmd.err");
            EXPECT_EQ(dir_.run("cmp -s e.bin out.bin"), 0) << name;
            // The detached DER form with the content beside it.
            EXPECT_EQ(dir_.run("openssl cms -verify -binary -inform DER -in s.der -content e.bin "
                               "-CAfile ca.crt -purpose smimesign -out /dev/null"),
                      0)
                << name << ": " << dir_.read("cmd.err");
            EXPECT_NE(dir_.run("openssl cms -verify -binary -inform DER -in s.der -content t.bin "
                               "-CAfile ca.crt -out /dev/null"),
                      0)
                << name << ": modified content verified";
        }
    }
    // What openssl reads of the signed attributes: our capabilities, not its default list.
    sign("ee", {}, CmsProfile::modern);
    const std::string print = dir_.output("openssl cms -cmsout -print -inform DER -in s.der");
    EXPECT_THAT(print, HasSubstr("aes-256-gcm"));
    EXPECT_THAT(print, HasSubstr("aes-128-gcm"));
    EXPECT_THAT(print, HasSubstr("aes-256-cbc"));
    EXPECT_THAT(print, ::testing::Not(HasSubstr("des-ede3-cbc")));
    EXPECT_THAT(print, ::testing::Not(HasSubstr("rc2-cbc")));
}

TEST_F(SignaturePeers, TheChainInOurSignatureLetsOpensslBuildThePath) {
    // The signer is issued by the intermediate; openssl knows only the root.
    sign("viainter", {pki_->cert("inter")});
    EXPECT_EQ(dir_.run("openssl cms -verify -in m.eml -CAfile ca.crt -out /dev/null"), 0)
        << dir_.read("cmd.err");
    sign("viainter", {});
    EXPECT_NE(dir_.run("openssl cms -verify -in m.eml -CAfile ca.crt -out /dev/null"), 0);
    EXPECT_THAT(dir_.read("cmd.err"), HasSubstr("unable to get local issuer certificate"));
}

TEST_F(SignaturePeers, GpgsmVerifiesOurSignatures) {
    const Gpgsm gpgsm(dir_);
    for (const char* name : {"ee", "ec"}) {
        sign(name, {});
        std::string status = gpgsm.verify("s.der e.bin");
        EXPECT_THAT(status, HasSubstr("[GNUPG:] GOODSIG")) << name << "\n" << status;
        EXPECT_THAT(status, HasSubstr("[GNUPG:] VALIDSIG")) << name;
        status = gpgsm.verify("s.der t.bin");
        EXPECT_THAT(status, ::testing::Not(HasSubstr("GOODSIG"))) << name;
        EXPECT_THAT(status, HasSubstr("[GNUPG:] BADSIG")) << name << "\n" << status;
    }
    sign("viainter", {pki_->cert("inter")});
    const std::string status = gpgsm.verify("s.der e.bin");
    EXPECT_THAT(status, HasSubstr("[GNUPG:] GOODSIG")) << status;
    EXPECT_THAT(status, HasSubstr("[GNUPG:] TRUST_FULLY")) << status;
}

TEST_F(SignaturePeers, NssCmsutilVerifiesOurSignatures) {
    ASSERT_EQ(dir_.run("mkdir nssdb && certutil -N -d sql:nssdb --empty-password"), 0)
        << dir_.read("cmd.err");
    ASSERT_EQ(dir_.run("certutil -A -d sql:nssdb -n testca -t C,C,C -i ca.crt"), 0);
    const std::string decode = "cmsutil -D -d sql:nssdb -i s.der -n -h 2 -c ";
    for (const char* name : {"ee", "ec", "viainter"}) {
        sign(name, {pki_->cert("inter")});
        EXPECT_THAT(dir_.output(decode + "e.bin"), HasSubstr("signer0.status=GoodSignature"))
            << name << ": " << dir_.read("cmd.err");
        EXPECT_THAT(dir_.output(decode + "t.bin"), HasSubstr("signer0.status=DigestMismatch"))
            << name;
    }
}

TEST_F(SignaturePeers, OpensslSignaturesCheckIntact) {
    const std::string sign = "openssl cms -sign -binary -in e.bin -outform DER ";
    struct Case {
        std::string file, signer, args;
        bool opaque;
    };
    for (const Case& c : std::vector<Case>{
             {"o1.der", "ee", "-signer ee.crt -inkey ee.key", false},
             {"o2.der", "ec", "-signer ec.crt -inkey ec.key -md sha512", false},
             {"o3.der", "ee", "-signer ee.crt -inkey ee.key -keyopt rsa_padding_mode:pss", false},
             {"o4.der", "ee", "-signer ee.crt -inkey ee.key -noattr", false},
             {"o5.der", "viainter", "-signer viainter.crt -inkey viainter.key -certfile inter.crt",
              false},
             {"o6.der", "ee", "-signer ee.crt -inkey ee.key -nodetach", true},
             {"o7.der", "ec", "-signer ec.crt -inkey ec.key -nodetach -stream", true},
         }) {
        ASSERT_EQ(dir_.run(sign + c.args + " -out " + c.file), 0)
            << c.file << ": " << dir_.read("cmd.err");
        if (c.args.find("-noattr") != std::string::npos) {
            // No signed attributes: no signing time, still a valid signature.
            const auto check = cms_check_signature(dir_.read(c.file), kEntity, {pki_->cert("ee")});
            ASSERT_TRUE(check) << check.error().reason;
            EXPECT_TRUE(check->intact) << check->reason;
            EXPECT_EQ(check->signing_time, 0);
            std::string changed = kEntity;
            changed[0] = 'c';
            const auto bad = cms_check_signature(dir_.read(c.file), changed, {pki_->cert("ee")});
            ASSERT_TRUE(bad);
            EXPECT_FALSE(bad->intact);
            EXPECT_EQ(bad->reason, "the signature does not verify over the content");
            continue;
        }
        expect_intact(c.file, c.signer, c.opaque);
    }
}

TEST_F(SignaturePeers, GpgsmSignaturesCheckIntact) {
    const Gpgsm gpgsm(dir_);
    const std::string pass = "--batch --pinentry-mode loopback --passphrase-fd 0 ";
    ASSERT_EQ(dir_.run("echo test | " + Gpgsm::env() + "gpgsm " + pass +
                       "--import ee-legacy.p12 > import.log 2>&1"),
              0)
        << dir_.read("import.log");
    // The signer by its SHA-1 fingerprint: other make-pki.sh certificates share its address.
    const std::string fpr =
        dir_.output("openssl x509 -in ee.crt -noout -fingerprint -sha1 | sed 's/.*=//; s/://g'");
    const std::string user = "-u " + fpr.substr(0, fpr.find('\n')) + " ";
    const std::string gpg =
        "echo test | " + Gpgsm::env() + "gpgsm " + pass + "--disable-crl-checks " + user;
    ASSERT_EQ(dir_.run(gpg + "--detach-sign --output g1.der e.bin"), 0) << dir_.read("cmd.err");
    expect_intact("g1.der", "ee", false);
    // gpgsm writes BER with indefinite lengths.
    ASSERT_EQ(dir_.run(gpg + "--sign --output g2.der e.bin"), 0) << dir_.read("cmd.err");
    expect_intact("g2.der", "ee", true);
}

TEST_F(SignaturePeers, NssSignaturesCheckIntact) {
    ASSERT_EQ(dir_.run("mkdir nssdb && certutil -N -d sql:nssdb --empty-password"), 0);
    ASSERT_EQ(dir_.run("pk12util -i ee-legacy.p12 -d sql:nssdb -W test > /dev/null"), 0)
        << dir_.read("cmd.err");
    ASSERT_EQ(dir_.run("certutil -A -d sql:nssdb -n testca -t C,C,C -i ca.crt"), 0);
    // -G: with a signingTime attribute (cmsutil adds none by default); -P: SMIMECapabilities.
    const std::string sign = "cmsutil -S -d sql:nssdb -N partner -H SHA256 -G -P -i e.bin ";
    ASSERT_EQ(dir_.run(sign + "-T -o n1.der"), 0) << dir_.read("cmd.err");
    expect_intact("n1.der", "ee", false);
    ASSERT_EQ(dir_.run(sign + "-o n2.der"), 0) << dir_.read("cmd.err");
    expect_intact("n2.der", "ee", true);
}

TEST_F(SignaturePeers, ASignerNotAmongTheCandidates) {
    ASSERT_EQ(dir_.run("openssl cms -sign -binary -in e.bin -outform DER -signer ee.crt "
                       "-inkey ee.key -out s.der"),
              0);
    const auto check = cms_check_signature(dir_.read("s.der"), kEntity, {pki_->cert("ec")});
    ASSERT_TRUE(check) << check.error().reason;
    EXPECT_TRUE(check->intact) << check->reason;
    ASSERT_TRUE(check->signer);
    EXPECT_EQ(check->signer->sha256(), pki_->cert("ee").sha256());
    EXPECT_FALSE(check->signer_is_candidate);
    // Without its certificate in the signature (-nocerts) the signer stays unknown.
    ASSERT_EQ(dir_.run("openssl cms -sign -binary -in e.bin -outform DER -signer ee.crt "
                       "-inkey ee.key -nocerts -out s.der"),
              0);
    const auto unknown = cms_check_signature(dir_.read("s.der"), kEntity, {pki_->cert("ec")});
    ASSERT_TRUE(unknown);
    EXPECT_FALSE(unknown->intact);
    EXPECT_FALSE(unknown->signer);
}

TEST_F(SignaturePeers, KeyUsageWithoutDigitalSignatureIsAnUnusableSigner) {
    // openssl signs with a certificate whose keyUsage is keyEncipherment alone; the signature
    // is intact, the signer is not usable for signing.
    ASSERT_EQ(dir_.run("openssl cms -sign -binary -in e.bin -outform DER -signer encku.crt "
                       "-inkey encku.key -out s.der"),
              0)
        << dir_.read("cmd.err");
    const auto check = cms_check_signature(dir_.read("s.der"), kEntity, {pki_->cert("encku")});
    ASSERT_TRUE(check) << check.error().reason;
    EXPECT_TRUE(check->intact) << check->reason;
    const Usability u = signing_usability(*check->signer, CtlStatus::none, trust());
    EXPECT_FALSE(u.usable);
    EXPECT_EQ(u.reason, "key usage does not allow signing");
}

TEST_F(SignaturePeers, AnExpiredSignerIsIntactButNotUsable) {
    // A certificate valid in 2020 only (made here: the openssl CLI of Debian 12 has no
    // -not_before), with which openssl signs today.
    CertificateRequest req;
    req.email = "old@partner.example";
    req.algorithm = KeyAlgorithm::p256;
    auto made = create_domain_certificate(req);
    ASSERT_TRUE(made);
    X509* x = made->first.get();
    ASSERT_EQ(ASN1_TIME_set_string(X509_getm_notBefore(x), "20200101000000Z"), 1);
    ASSERT_EQ(ASN1_TIME_set_string(X509_getm_notAfter(x), "20201231000000Z"), 1);
    ASSERT_GT(X509_sign(x, made->second.get(), EVP_sha256()), 0);
    const auto old = Certificate::from_der(made->first.der());
    ASSERT_TRUE(old);
    dir_.write("old.crt", old->pem());
    dir_.write("old.key", test::key_pem(made->second));
    ASSERT_EQ(dir_.run("openssl cms -sign -binary -in e.bin -outform DER -signer old.crt "
                       "-inkey old.key -out s.der"),
              0)
        << dir_.read("cmd.err");
    const auto check = cms_check_signature(dir_.read("s.der"), kEntity, {*old});
    ASSERT_TRUE(check) << check.error().reason;
    EXPECT_TRUE(check->intact) << check->reason;
    EXPECT_TRUE(check->signer_is_candidate);
    const Usability u = signing_usability(*check->signer, CtlStatus::trusted, TrustContext{});
    EXPECT_FALSE(u.usable);
    EXPECT_EQ(u.reason, "expired on 2020-12-31 00:00 UTC");
    EXPECT_EQ(u.problem, Problem::expired);
}

}  // namespace
}  // namespace sealgate::crypto
