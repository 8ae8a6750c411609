// The one judgement of a certificate (policy::certificate_status) and of an OpenPGP key
// (policy::pgp_key_status) that `cert show/list`, `pgp import/show/list`, `domain show` and
// decide() all use: the order of the checks, and that the CLI's view and the daemon's decision
// agree.
#include <gtest/gtest.h>

#include "crypto/keygen.hpp"
#include "openpgp/key.hpp"
#include "policy/policy.hpp"
#include "support/store.hpp"
#include "support/temp_dir.hpp"

namespace sealgate::policy {
namespace {

class Usability : public ::testing::Test {
  protected:
    void SetUp() override {
        store_ = test::open_store(dir_);
        ASSERT_TRUE(store_);
        DomainRecord d;
        d.name = "partner.example";
        d.encrypt_mode = EncryptMode::mandatory;
        d.methods = {Method::smime};
        ASSERT_TRUE(store_->put_domain(d));
        domain_ = d;
    }

    crypto::Certificate certificate() {
        crypto::CertificateRequest req;
        req.email = "domain-cert@partner.example";
        req.algorithm = crypto::KeyAlgorithm::p256;
        auto made = crypto::create_domain_certificate(req);
        EXPECT_TRUE(made);
        const auto& c = made->first;
        EXPECT_TRUE(store_->put_certificate(CertRecord{c.sha256(), c.der(), false, 1}));
        return c;
    }

    PgpKeyRecord pgp_key(openpgp::KeyAlgorithm algorithm, bool trusted) {
        auto made = openpgp::create_key("domain-key@partner.example", algorithm, 0);
        EXPECT_TRUE(made) << made.error().reason;
        PgpKeyRecord k;
        k.fingerprint = made->fingerprint;
        k.public_key = made->public_key;
        k.trusted = trusted;
        k.domains = {"partner.example"};
        EXPECT_TRUE(store_->put_pgp_key(k));
        return k;
    }

    std::shared_ptr<const Snapshot> snapshot() {
        auto snap = Snapshot::load(*store_);
        EXPECT_TRUE(snap) << snap.error().reason;
        return *snap;
    }

    // What decide() does for mail to the partner domain now.
    Action outbound_action(const Snapshot& snap) {
        auto t = decide(snap, "alice@a.example", "bob@partner.example", Mode::outbound);
        EXPECT_TRUE(t) << t.error().reason;
        return t ? t->action : Action::pass;
    }

    test::TempDir dir_;
    std::unique_ptr<SqliteStore> store_;
    DomainRecord domain_;
};

// A CTL block beats trust; a self-signed certificate is usable only once trusted on the CTL;
// decide() encrypts exactly when `cert show` says usable.
TEST_F(Usability, CertificateByCtl) {
    const auto cert = certificate();
    domain_.smime_certs = {cert.sha256()};
    ASSERT_TRUE(store_->put_domain(domain_));
    struct Row {
        std::optional<CtlAction> ctl;
        crypto::CtlStatus status;
        bool usable;
        std::string reason;
    };
    const Row rows[] = {
        {std::nullopt, crypto::CtlStatus::none, false,
         "self-signed and not on the certificate trust list"},
        {CtlAction::trust, crypto::CtlStatus::trusted, true, "trusted on the CTL"},
        {CtlAction::block, crypto::CtlStatus::blocked, false,
         "blocked on the certificate trust list"},
    };
    for (const auto& row : rows) {
        if (row.ctl) {
            ASSERT_TRUE(store_->put_ctl(CtlEntry{cert.sha256(), *row.ctl, 1}));
        }
        const auto snap = snapshot();
        const auto st = certificate_status(*snap, cert);
        EXPECT_EQ(st.ctl, row.status);
        EXPECT_EQ(st.usability.usable, row.usable) << st.usability.reason;
        EXPECT_EQ(st.usability.reason, row.reason);
        EXPECT_FALSE(st.strength_problem);
        EXPECT_EQ(outbound_action(*snap), row.usable ? Action::encrypt : Action::refuse);
    }
}

// Trust comes before the key's own state; the state is reported whatever the trust.
TEST_F(Usability, PgpKeyTrust) {
    domain_.methods = {Method::pgp};
    ASSERT_TRUE(store_->put_domain(domain_));
    auto key = pgp_key(openpgp::KeyAlgorithm::ed25519, false);
    for (const bool trusted : {false, true}) {
        key.trusted = trusted;
        ASSERT_TRUE(store_->put_pgp_key(key));
        const auto snap = snapshot();
        const auto* held = snap->find_pgp_key(key.fingerprint);
        ASSERT_NE(held, nullptr);
        const auto st = pgp_key_status(*snap, *held);
        EXPECT_TRUE(st.state.usable);
        EXPECT_TRUE(st.state.reason.starts_with("encrypt to subkey ")) << st.state.reason;
        EXPECT_FALSE(st.strength_problem);
        EXPECT_EQ(st.usability.usable, trusted);
        EXPECT_EQ(st.usability.reason,
                  trusted ? st.state.reason
                          : "not trusted (compare fingerprints, then `sealgate pgp trust`)");
        EXPECT_EQ(pgp_key_usability(*snap, *held).usable, trusted);
        EXPECT_EQ(outbound_action(*snap), trusted ? Action::encrypt : Action::refuse);

        // Judged outside a snapshot (`pgp import`): the same verdict.
        const auto fresh = pgp_key_status(key.public_key, trusted);
        ASSERT_TRUE(fresh) << fresh.error().reason;
        EXPECT_EQ(fresh->usability.usable, st.usability.usable);
        EXPECT_EQ(fresh->usability.reason, st.usability.reason);
        EXPECT_EQ(fresh->state.reason, st.state.reason);
    }
}

// Strength comes first, also before trust, and does not hide the key's state.
TEST_F(Usability, PgpKeyStrengthFirst) {
    const auto key = pgp_key(openpgp::KeyAlgorithm::rsa3072, false);
    const KeyMinimum strict{4096, "partner.example"};
    const auto snap = snapshot();
    const auto* held = snap->find_pgp_key(key.fingerprint);
    ASSERT_NE(held, nullptr);
    const auto st = pgp_key_status(*snap, *held, strict);
    ASSERT_TRUE(st.strength_problem);
    EXPECT_FALSE(st.usability.usable);
    EXPECT_EQ(st.usability.reason, *st.strength_problem);
    EXPECT_TRUE(st.state.usable);
    EXPECT_FALSE(pgp_key_status(*snap, *held).strength_problem);  // the default minimum

    const auto fresh = pgp_key_status(key.public_key, true, strict);
    ASSERT_TRUE(fresh);
    EXPECT_EQ(fresh->strength_problem, st.strength_problem);
    EXPECT_EQ(fresh->usability.reason, *st.strength_problem);
}

// A key refused under the default minimum is still used for a domain record whose own
// min-rsa-bits accepts it; a wildcard record matching the name does not count, nor does a
// record without its own setting.
TEST_F(Usability, DomainsAcceptingAWeakKey) {
    for (const auto& [name, bits] : std::vector<std::pair<std::string, unsigned>>{
             {"old.example", 1024}, {"*.wild.example", 1024}, {"strict.example", 3072}}) {
        DomainRecord d;
        d.name = name;
        d.min_rsa_bits = bits;
        ASSERT_TRUE(store_->put_domain(d));
    }
    const auto snap = snapshot();
    // A 1024-bit key, as key_strength_problem would judge it.
    const auto problem = [](const KeyMinimum& m) -> std::optional<std::string> {
        if (m.rsa_bits > 1024)
            return "RSA 1024 bits, below " + std::to_string(m.rsa_bits);
        return std::nullopt;
    };
    const auto accepting = domains_accepting(
        *snap,
        {"partner.example", "old.example", "sub.wild.example", "strict.example", "gone.example"},
        problem);
    ASSERT_EQ(accepting.size(), 1u);
    EXPECT_EQ(accepting.front()->name, "old.example");
}

TEST(PgpKeyStatus, UnreadableKeyIsAnError) {
    const auto st = pgp_key_status("not a key", true);
    ASSERT_FALSE(st);
    EXPECT_FALSE(st.error().temporary());
}

}  // namespace
}  // namespace sealgate::policy
