// Policy decisions and the pipeline, in process: a real SQLite store in a temp directory, real
// certificates and keys, and a FailingStore for error injection.
#include <gtest/gtest.h>

#include "crypto/keygen.hpp"
#include "keystore/keystore.hpp"
#include "keystore/no_keys.hpp"
#include "pipeline/pipeline.hpp"
#include "policy/policy.hpp"
#include "store/sqlite_store.hpp"
#include "support/failing_store.hpp"
#include "support/store.hpp"
#include "support/temp_dir.hpp"

namespace sealgate {
namespace {

const std::string kMessage =
    "From: alice@a.example\r\nTo: bob@b.example, carol@c.example\r\nSubject: hi\r\n"
    "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=iso-8859-1\r\n"
    "Content-Transfer-Encoding: 8bit\r\n\r\nGr\xfc\xdf"
    "e\r\n";

class PipelineTest : public ::testing::Test {
  protected:
    void SetUp() override {
        store_ = test::open_store(dir_);
        ASSERT_TRUE(store_);
        auto master = MasterKey::create(dir_.file("s.db.key"));
        ASSERT_TRUE(master) << master.error().reason;
        keys_ = std::make_unique<keystore::KeyStore>(*store_, std::move(*master));

        // Our own domain with its certificate (decrypts) and the partner b.example.
        DomainRecord a;
        a.name = "a.example";
        a.local = true;
        ASSERT_TRUE(store_->put_domain(a));
        auto ours = crypto::create_domain_certificate(
            {"domain-cert@a.example", "", crypto::KeyAlgorithm::p256, 30});
        ASSERT_TRUE(ours);
        ASSERT_TRUE(keys_->add_smime_key(ours->first, ours->second));
        ours_ = ours->first.sha256();
        // The partner's certificate: in a real setup only the certificate; here the same store
        // holds the key too so that the test can decrypt what it encrypted.
        auto partner = crypto::create_domain_certificate(
            {"domain-cert@b.example", "", crypto::KeyAlgorithm::rsa2048, 30});
        ASSERT_TRUE(partner);
        partner_ = partner->first.sha256();
        ASSERT_TRUE(keys_->add_smime_key(partner->first, partner->second));
        DomainRecord b;
        b.name = "b.example";
        b.encrypt_mode = EncryptMode::mandatory;
        b.smime_certs = {partner_};
        ASSERT_TRUE(store_->put_domain(b));
    }

    std::shared_ptr<const policy::Snapshot> snapshot(Store& store) {
        auto s = policy::Snapshot::load(store);
        EXPECT_TRUE(s) << (s ? "" : s.error().reason);
        return s ? *s : nullptr;
    }

    test::TempDir dir_;
    std::unique_ptr<SqliteStore> store_;
    std::unique_ptr<keystore::KeyStore> keys_;
    std::string ours_, partner_;
};

TEST_F(PipelineTest, MandatoryWithoutTrustIsRefusedNeverPassed) {
    auto snap = snapshot(*store_);
    auto t = policy::decide(*snap, "alice@a.example", "bob@b.example", policy::Mode::automatic);
    ASSERT_TRUE(t);
    EXPECT_EQ(t->action, policy::Action::refuse);
    EXPECT_NE(t->reason.find("self-signed"), std::string::npos) << t->reason;

    pipeline::Pipeline pipe(snap, *keys_);
    auto copies = pipe.process({"alice@a.example", {"bob@b.example"}}, kMessage);
    ASSERT_FALSE(copies);
    EXPECT_EQ(copies.error().code, 550);
    EXPECT_EQ(copies.error().status, "5.7.1");
}

TEST_F(PipelineTest, WildcardAppliesBelowTheDomainOnly) {
    DomainRecord w;
    w.name = "*.c.example";
    w.encrypt_mode = EncryptMode::mandatory;
    ASSERT_TRUE(store_->put_domain(w));
    auto snap = snapshot(*store_);
    ASSERT_NE(snap->find_domain("mx.c.example"), nullptr);
    EXPECT_EQ(snap->find_domain("deep.mx.c.example")->name, "*.c.example");
    EXPECT_EQ(snap->find_domain("c.example"), nullptr);
    EXPECT_EQ(snap->find_domain("B.EXAMPLE")->name, "b.example");
}

TEST_F(PipelineTest, GroupsCopiesAndKeepsBccApart) {
    ASSERT_TRUE(store_->put_ctl(CtlEntry{partner_, CtlAction::trust}));
    auto snap = snapshot(*store_);
    pipeline::Pipeline pipe(snap, *keys_);
    // bob and dave (Bcc) at the partner, carol at an unknown domain.
    auto copies = pipe.process(
        {"alice@a.example", {"bob@b.example", "carol@c.example", "dave@b.example"}}, kMessage);
    ASSERT_TRUE(copies) << copies.error().reason;
    ASSERT_EQ(copies->size(), 3u);
    EXPECT_EQ((*copies)[0].recipients, std::vector<std::string>{"bob@b.example"});
    EXPECT_EQ((*copies)[0].outcome.action, CopyAction::encrypted);
    EXPECT_EQ((*copies)[1].recipients, std::vector<std::string>{"carol@c.example"});
    EXPECT_EQ((*copies)[1].outcome.action, CopyAction::passed);
    EXPECT_NE((*copies)[1].data.find("Gr\xfc\xdf"
                                     "e"),
              std::string::npos);
    EXPECT_EQ((*copies)[2].recipients, std::vector<std::string>{"dave@b.example"});
    EXPECT_EQ((*copies)[2].outcome.action, CopyAction::encrypted);
    EXPECT_EQ((*copies)[0].data.find("Gr\xfc\xdf"
                                     "e"),
              std::string::npos)
        << "plaintext leaked";
}

TEST_F(PipelineTest, PlanRendersOneCopyAtATime) {
    ASSERT_TRUE(store_->put_ctl(CtlEntry{partner_, CtlAction::trust}));
    auto snap = snapshot(*store_);
    pipeline::Pipeline pipe(snap, *keys_);
    auto plan = pipe.plan(
        {"alice@a.example", {"bob@b.example", "carol@c.example", "dave@b.example"}}, kMessage);
    ASSERT_TRUE(plan) << plan.error().reason;
    ASSERT_EQ(plan->copies(), 3u);
    EXPECT_EQ(plan->recipients(2), std::vector<std::string>{"dave@b.example"});
    std::vector<CopyAction> actions;
    for (std::size_t i = 0; i < 3; ++i) {
        auto copy = pipe.render(*plan);
        ASSERT_TRUE(copy) << copy.error().reason;
        actions.push_back(copy->outcome.action);
    }
    EXPECT_EQ(actions, (std::vector<CopyAction>{CopyAction::encrypted, CopyAction::passed,
                                                CopyAction::encrypted}));
    EXPECT_FALSE(pipe.render(*plan)) << "a fourth copy does not exist";
}

// What the daemon's SMTP thread renders itself (app/gateway.cpp): only plans whose copies all
// leave in clear, on keys that refuse every operation.
TEST_F(PipelineTest, OnlyInClearPlansNeedNoKeys) {
    ASSERT_TRUE(store_->put_ctl(CtlEntry{partner_, CtlAction::trust}));
    auto snap = snapshot(*store_);
    keystore::NoKeys none;
    pipeline::Pipeline here(snap, none);

    auto clear = here.plan({"alice@a.example", {"carol@c.example", "erin@d.example"}}, kMessage);
    ASSERT_TRUE(clear) << clear.error().reason;
    EXPECT_TRUE(clear->in_clear());
    auto copy = here.render(*clear);
    ASSERT_TRUE(copy) << copy.error().reason;
    EXPECT_EQ(copy->outcome.action, CopyAction::passed);

    auto mixed = here.plan({"alice@a.example", {"carol@c.example", "bob@b.example"}}, kMessage);
    ASSERT_TRUE(mixed) << mixed.error().reason;
    EXPECT_FALSE(mixed->in_clear()) << "bob@b.example is encrypted";
    auto inbound = here.plan({"x@z.example", {"alice@a.example"}}, kMessage);
    ASSERT_TRUE(inbound) << inbound.error().reason;
    EXPECT_FALSE(inbound->in_clear()) << "inbound mail may be decrypted";

    // Rendered on NoKeys all the same, an encrypted inbound message is deferred, never passed.
    pipeline::Pipeline pipe(snap, *keys_);
    auto enc = pipe.process({"alice@a.example", {"bob@b.example"}}, kMessage);
    ASSERT_TRUE(enc) << enc.error().reason;
    auto dec =
        here.process({"x@b.example", {"bob@b.example"}}, enc->front().data, policy::Mode::inbound);
    ASSERT_FALSE(dec);
    EXPECT_TRUE(dec.error().temporary()) << dec.error().reason;
    EXPECT_EQ(dec.error().code, 451);
}

TEST_F(PipelineTest, EncryptThenDecryptRestoresTheMessage) {
    ASSERT_TRUE(store_->put_ctl(CtlEntry{partner_, CtlAction::trust}));
    auto snap = snapshot(*store_);
    pipeline::Pipeline pipe(snap, *keys_);
    auto enc =
        pipe.process({"alice@a.example", {"bob@b.example"}}, kMessage, policy::Mode::outbound);
    ASSERT_TRUE(enc) << enc.error().reason;
    ASSERT_EQ(enc->size(), 1u);
    EXPECT_NE(enc->front().data.find("smime-type=enveloped-data"), std::string::npos);
    auto dec =
        pipe.process({"x@a.example", {"bob@b.example"}}, enc->front().data, policy::Mode::inbound);
    ASSERT_TRUE(dec) << dec.error().reason;
    EXPECT_EQ(dec->front().outcome.action, CopyAction::decrypted);
    EXPECT_EQ(dec->front().outcome.keys, partner_);
    // The original, byte for byte, plus the info header at the end of the header section.
    std::string expected = kMessage;
    const auto info = dec->front().data.find("X-Sealgate-Decrypted:");
    ASSERT_NE(info, std::string::npos);
    const auto info_end = dec->front().data.find("\r\n\r\n", info);
    std::string got = dec->front().data;
    got.erase(info, info_end + 2 - info);
    EXPECT_EQ(got, expected);
}

TEST_F(PipelineTest, SpoofedInfoHeadersAreRemoved) {
    auto snap = snapshot(*store_);
    pipeline::Pipeline pipe(snap, *keys_);
    auto out = pipe.process({"x@z.example", {"alice@a.example"}},
                            "X-Sealgate-Decrypted: smime; cert=forged\r\n" + kMessage);
    ASSERT_TRUE(out);
    EXPECT_EQ(out->front().data.find("forged"), std::string::npos);
}

// Addresses that an MTA would route elsewhere than the domain after the last '@', or that only
// look different, must meet the partner's policy, never "no policy".
TEST_F(PipelineTest, AddressFormsCannotDodgeThePolicy) {
    DomainRecord idn;
    idn.name = "xn--bcher-kva.example";  // bücher.example
    idn.encrypt_mode = EncryptMode::mandatory;
    ASSERT_TRUE(store_->put_domain(idn));
    auto snap = snapshot(*store_);
    const auto action = [&](std::string_view sender, std::string_view rcpt) {
        auto t = policy::decide(*snap, sender, rcpt, policy::Mode::automatic);
        return t ? std::string(policy::to_string(t->action))
                 : "error " + std::to_string(t.error().code);
    };
    // b.example is mandatory without a trusted certificate: refused, whatever the spelling.
    EXPECT_EQ(action("alice@a.example", "bob@b.example"), "rejected");
    EXPECT_EQ(action("alice@a.example", "<Bob@B.Example.>"), "rejected");
    // The U-label of a mandatory domain recorded by its A-label (SMTPUTF8).
    EXPECT_EQ(action("alice@a.example",
                     "bob@b\xc3\xbc"
                     "cher.example"),
              "rejected");
    // Upper-case non-ASCII is no valid U-label (IDNA2008): refused as syntax, never mapped to
    // a domain that the next hop might not route to.
    EXPECT_EQ(action("alice@a.example",
                     "bob@B\xc3\x9c"
                     "CHER.example"),
              "error 501");
    // Spellings that a lenient MTA resolves to b.example: refused as syntax.
    EXPECT_EQ(action("alice@a.example", "bob@b.example(comment)"), "error 501");
    EXPECT_EQ(action("alice@a.example", "bob@b.example.."), "error 501");
    EXPECT_EQ(action("alice@a.example", "bob@\"b.example\""), "error 501");
    // Not UTF-8: no valid domain, an error, never "no policy".
    EXPECT_EQ(action("alice@a.example",
                     "bob@b\xfc"
                     "cher.example"),
              "error 501");
    // Routing syntax and address literals are refused outright.
    EXPECT_EQ(action("alice@a.example", "bob%b.example@a.example"), "error 553");
    EXPECT_EQ(action("alice@a.example", "\"bob@b.example\"@a.example"), "error 553");
    EXPECT_EQ(action("alice@a.example", "b.example!bob@a.example"), "error 553");
    EXPECT_EQ(action("alice@a.example", "bob@[192.0.2.10]"), "error 553");
    // A sender that is not local (a bounce, a forward) meets the partner's policy too.
    EXPECT_EQ(action("", "bob@b.example"), "rejected");
    EXPECT_EQ(action("someone@elsewhere.example", "bob@b.example"), "rejected");
    EXPECT_EQ(action("someone@elsewhere.example", "carol@c.example"), "passed");
    // RFC 5321 §4.5.1: <postmaster> is ours.
    EXPECT_EQ(action("someone@elsewhere.example", "<Postmaster>"), "decrypted");
}

// A store that cannot be read must never turn into "no policy": every part of the snapshot
// that fails makes the whole load fail with a temporary error.
TEST_F(PipelineTest, StoreFailureIsTemporaryNeverNoPolicy) {
    test::FailingStore failing(*store_);
    for (const char* method : {"generation", "list_domains", "list_certificates", "list_ctl",
                               "list_roots", "list_crls", "list_pgp_keys"}) {
        failing.fail_on = method;
        auto snap = policy::Snapshot::load(failing);
        ASSERT_FALSE(snap) << method;
        EXPECT_TRUE(snap.error().temporary()) << method;
        EXPECT_EQ(snap.error().code, 451) << method;
    }
}

TEST_F(PipelineTest, KeystoreFailureDefersInboundMail) {
    ASSERT_TRUE(store_->put_ctl(CtlEntry{partner_, CtlAction::trust}));
    auto snap = snapshot(*store_);
    pipeline::Pipeline pipe(snap, *keys_);
    auto enc =
        pipe.process({"alice@a.example", {"bob@b.example"}}, kMessage, policy::Mode::outbound);
    ASSERT_TRUE(enc);
    test::FailingStore failing(*store_);
    failing.fail_on = "find_sealed_key";
    auto master = MasterKey::load(dir_.file("s.db.key"));
    ASSERT_TRUE(master);
    keystore::KeyStore broken(failing, std::move(*master));
    pipeline::Pipeline pipe2(snap, broken);
    auto dec =
        pipe2.process({"x@z.example", {"bob@b.example"}}, enc->front().data, policy::Mode::inbound);
    ASSERT_FALSE(dec);
    EXPECT_TRUE(dec.error().temporary());
}

}  // namespace
}  // namespace sealgate
