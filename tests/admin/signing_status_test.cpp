// admin::Service::status's signing warnings (docs/signing.md): a local domain that has no signer
// (policy::signer_for) for the methods of a partner domain that asks for signatures is named,
// with the partners whose mail leaves unsigned; nothing is said while no partner asks, or once a
// signer exists.
#include <gtest/gtest.h>

#include <ctime>

#include "admin/fixture.hpp"

namespace sealgate::admin {
namespace {

class SigningStatusTest : public AdminTest {
  protected:
    std::vector<std::string> warnings() {
        return value_of(service().status(std::time(nullptr))).warnings;
    }
    void partner(const std::string& name, EncryptMode mode, SignMode sign,
                 std::vector<Method> methods = {Method::smime, Method::pgp}) {
        auto d = domain(name, mode);
        d.sign = sign;
        d.methods = std::move(methods);
        ASSERT_OK(real_->put_domain(d));
    }
};

TEST_F(SigningStatusTest, NoPartnerAskingNoWarning) {
    domain("example.com", EncryptMode::none, true);
    partner("plain.example", EncryptMode::mandatory, SignMode::none);
    // sign-and-encrypt signs what is encrypted: with encrypt-mode none, nothing.
    partner("clear.example", EncryptMode::none, SignMode::sign_and_encrypt);
    EXPECT_TRUE(warnings().empty());
}

TEST_F(SigningStatusTest, ALocalDomainWithoutSignerIsNamedWithThePartners) {
    domain("example.com", EncryptMode::none, true);
    partner("p.example", EncryptMode::mandatory, SignMode::sign_and_encrypt);
    partner("s.example", EncryptMode::none, SignMode::sign);
    partner("clear.example", EncryptMode::none, SignMode::sign_and_encrypt);
    EXPECT_EQ(warnings(), std::vector<std::string>{
                              "local domain example.com: no signing certificate or key (mail to "
                              "p.example (sign=sign-and-encrypt), s.example (sign=sign) leaves "
                              "unsigned)"});
}

TEST_F(SigningStatusTest, AnOwnCertificateSignsForTheDomainButNotForOpenPgpPartners) {
    domain("example.com", EncryptMode::none, true);
    domain("other.example", EncryptMode::none, true);
    partner("p.example", EncryptMode::mandatory, SignMode::sign_and_encrypt);
    partner("q.example", EncryptMode::opportunistic, SignMode::sign, {Method::pgp});
    crypto::CertificateRequest req;
    req.email = "domain-cert@example.com";
    req.algorithm = crypto::KeyAlgorithm::p256;
    req.days = 30;
    ASSERT_OK(service().create_certificate(req));
    // example.com signs S/MIME now: p.example (either method) is served; q.example takes only
    // OpenPGP. other.example has nothing.
    EXPECT_EQ(warnings(), (std::vector<std::string>{
                              "local domain example.com: no signing OpenPGP key (mail to "
                              "q.example (sign=sign) leaves unsigned)",
                              "local domain other.example: no signing certificate or key (mail "
                              "to p.example (sign=sign-and-encrypt), q.example (sign=sign) leaves "
                              "unsigned)"}));
    const auto key = value_of(service().create_pgp_key("Example <domain-cert@example.com>",
                                                       openpgp::KeyAlgorithm::ed25519, 0));
    ASSERT_OK(service().bind_pgp_domain(key.fingerprint, "example.com", false));
    const auto now = warnings();
    ASSERT_EQ(now.size(), 1u);
    EXPECT_EQ(now[0].rfind("local domain other.example: ", 0), 0u) << now[0];
}

TEST_F(SigningStatusTest, ManyPartnersAreCounted) {
    domain("example.com", EncryptMode::none, true);
    for (const auto* name : {"a.example", "b.example", "c.example", "d.example", "e.example"})
        partner(name, EncryptMode::none, SignMode::sign);
    EXPECT_EQ(warnings(), std::vector<std::string>{
                              "local domain example.com: no signing certificate or key (mail to "
                              "a.example (sign=sign), b.example (sign=sign), c.example "
                              "(sign=sign) and 2 more leaves unsigned)"});
}

}  // namespace
}  // namespace sealgate::admin
