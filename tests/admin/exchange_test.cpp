// The signed update exchange between two gateways (admin/exchange.cpp): A exports its domain's
// certificates and keys, B imports them — verified against what B trusts for a.example, staged
// or applied, never replayed, never for a domain B has no trust for.
#include <gtest/gtest.h>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "admin/service.hpp"
#include "crypto/cms_sign.hpp"
#include "exchange/bundle.hpp"
#include "keystore/keystore.hpp"
#include "keystore/master_key.hpp"
#include "mime/base64.hpp"
#include "openpgp/key.hpp"
#include "support/failing_store.hpp"
#include "support/result.hpp"
#include "support/store.hpp"
#include "support/temp_dir.hpp"

namespace sealgate::admin {
namespace {

std::time_t now() {
    return std::time(nullptr);
}

struct Gateway {
    Gateway(const test::TempDir& dir, const std::string& name) {
        store = test::open_store(dir, name + ".db");
        auto master = MasterKey::create(dir.file(name + ".db.key"));
        EXPECT_TRUE(master) << master.error().reason;
        keys = std::make_unique<keystore::KeyStore>(*store, std::move(*master));
        service = std::make_unique<Service>(*store, *keys, Actor{"test:" + name, "node-" + name});
    }
    std::unique_ptr<SqliteStore> store;
    std::unique_ptr<keystore::KeyStore> keys;
    std::unique_ptr<Service> service;
};

bool has(const std::vector<std::string>& items, const std::string& item) {
    return std::find(items.begin(), items.end(), item) != items.end();
}

// OpenPGP packets of a binary key blob (old and new format headers), each with its header.
std::vector<std::string> packets(const std::string& blob) {
    std::vector<std::string> out;
    std::size_t i = 0;
    while (i < blob.size()) {
        const auto tag = static_cast<unsigned char>(blob[i]);
        std::size_t header = 0, length = 0;
        auto byte = [&](std::size_t k) { return static_cast<unsigned char>(blob[i + k]); };
        if (tag & 0x40) {
            const unsigned first = byte(1);
            if (first < 192) {
                header = 2, length = first;
            } else if (first < 224) {
                header = 3, length = ((first - 192) << 8) + byte(2) + 192;
            } else {
                header = 6,
                length = (std::size_t{byte(2)} << 24) | (byte(3) << 16) | (byte(4) << 8) | byte(5);
            }
        } else {
            const unsigned type = tag & 3;
            header = type == 0 ? 2 : type == 1 ? 3 : 5;
            for (std::size_t k = 1; k < header; ++k)
                length = (length << 8) | byte(k);
        }
        out.push_back(blob.substr(i, header + length));
        i += header + length;
    }
    return out;
}

std::string packet_tag_of(const std::string& packet) {
    const auto tag = static_cast<unsigned char>(packet[0]);
    return std::to_string((tag & 0x40) ? (tag & 0x3f) : ((tag >> 2) & 0x0f));
}

std::string uid_packet(const std::string& text) {
    return std::string(1, static_cast<char>(0xCD)) + static_cast<char>(text.size()) + text;
}

class ExchangeTest : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_OK(a_.service->add_domain("a.example", true));
        ASSERT_OK(b_.service->add_domain("b.example", true));
        a1_ = create("domain-cert@a.example");
        // B trusts A's first certificate the usual way: imported, on the CTL, chosen.
        ASSERT_OK(b_.service->import_certificates(
            value_of(a_.service->export_certificate(a1_, false)), std::nullopt));
        ASSERT_OK(b_.service->set_ctl(a1_, CtlAction::trust, false));
        ASSERT_OK(b_.service->add_domain("a.example", false));
        DomainChange change;
        change.smime_certs = std::vector<std::string>{a1_};
        change.encrypt_mode = EncryptMode::mandatory;
        ASSERT_OK(b_.service->change_domain("a.example", change, false));
    }

    std::string create(const std::string& email) {
        crypto::CertificateRequest req;
        req.email = email;
        req.algorithm = crypto::KeyAlgorithm::p256;
        req.days = 30;
        auto made = a_.service->create_certificate(req);
        EXPECT_TRUE(made) << (made ? "" : made.error().reason);
        return made ? made->cert.sha256() : std::string();
    }

    // `domain set ... accept-signed-updates` is helper B's part of issue 14: set in the store.
    void accept_signed_updates() {
        auto d = value_of(b_.store->find_domain("a.example"));
        ASSERT_TRUE(d);
        d->accept_signed_updates = true;
        ASSERT_OK(b_.store->put_domain(*d));
    }

    std::vector<std::string> b_certs() {
        return value_of(b_.store->find_domain("a.example"))->smime_certs;
    }

    // A's bundle with one more entry (a public key), signed by a1 alone.
    std::string with_pgp_entry(const std::string& public_key, std::time_t created = now()) {
        auto doc =
            nlohmann::json::parse(value_of(a_.service->export_update("a.example", now())).bundle);
        auto manifest = nlohmann::json::parse(
            value_of(mime::base64_decode(doc["manifest"].get<std::string>())));
        auto entry = value_of(exchange::pgp_key_entry(public_key));
        manifest["created"] = created;
        manifest["entries"].push_back({{"kind", "pgp-key"},
                                       {"state", "current"},
                                       {"id", entry.id},
                                       {"not_before", entry.not_before},
                                       {"not_after", entry.not_after},
                                       {"data", mime::base64_encode(public_key, 0)}});
        return resign(doc, manifest, exchange::SignatureKind::smime, a1_);
    }

    std::string resign(nlohmann::json doc, const nlohmann::json& manifest,
                       exchange::SignatureKind kind, const std::string& signer) {
        const std::string bytes = manifest.dump();
        doc["manifest"] = mime::base64_encode(bytes, 0);
        auto sig = kind == exchange::SignatureKind::smime ? a_.keys->smime_sign(signer, bytes)
                                                          : a_.keys->pgp_sign(signer, bytes);
        doc["signatures"] =
            nlohmann::json::array({{{"type", std::string(exchange::to_string(kind))},
                                    {"signer", signer},
                                    {"signature", mime::base64_encode(value_of(sig), 0)}}});
        return doc.dump();
    }

    test::TempDir dir_;
    Gateway a_{dir_, "a"};
    Gateway b_{dir_, "b"};
    std::string a1_;
};

TEST_F(ExchangeTest, GoodSignatureIsStagedThenApprovedAndTheSuccessorIsTrusted) {
    const std::string a2 = create("domain-cert@a.example");
    auto bundle = a_.service->export_update("a.example", now());
    ASSERT_OK(bundle);
    EXPECT_EQ(bundle->sequence, 1u);
    EXPECT_EQ(bundle->entries.size(), 2u);
    EXPECT_TRUE(has(bundle->signers, a1_));
    EXPECT_TRUE(has(bundle->signers, a2));

    auto imported = b_.service->import_update(bundle->bundle, now());
    ASSERT_OK(imported);
    EXPECT_FALSE(imported->applied);
    ASSERT_GT(imported->pending_id, 0);
    EXPECT_EQ(imported->change.signer, a1_);
    ASSERT_EQ(imported->change.adds.size(), 1u);
    EXPECT_EQ(imported->change.adds[0].id, a2);
    EXPECT_EQ(b_certs(), std::vector<std::string>{a1_});  // staged: nothing changed yet

    auto listed = value_of(b_.service->list_pending());
    ASSERT_EQ(listed.size(), 1u);
    EXPECT_NE(listed[0].summary.find(a2), std::string::npos);
    EXPECT_EQ(listed[0].state, PendingState::pending);

    ASSERT_OK(b_.service->approve_pending(imported->pending_id, now()));
    EXPECT_EQ(b_certs(), (std::vector<std::string>{a1_, a2}));
    auto ctl = value_of(b_.store->find_ctl(a2));
    ASSERT_TRUE(ctl);
    EXPECT_EQ(ctl->action, CtlAction::trust);
    auto view = value_of(b_.service->domain("a.example"));
    ASSERT_EQ(view.smime_certs.size(), 2u);
    EXPECT_TRUE(view.smime_certs[1].usable) << view.smime_certs[1].reason;
    // Decided once.
    auto again = b_.service->approve_pending(imported->pending_id, now());
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().kind, ErrorKind::conflict);
}

TEST_F(ExchangeTest, AcceptSignedUpdatesAppliesAtOnceAndRetiredCertificatesAreDropped) {
    accept_signed_updates();
    const std::string a2 = create("domain-cert@a.example");
    auto first = b_.service->import_update(
        value_of(a_.service->export_update("a.example", now())).bundle, now());
    ASSERT_OK(first);
    EXPECT_TRUE(first->applied);
    EXPECT_EQ(b_certs(), (std::vector<std::string>{a1_, a2}));

    // A retires its first certificate; the next bundle (signed by a2, which B now trusts)
    // takes it out of B's choice for a.example but keeps the certificate.
    ASSERT_OK(a_.store->set_certificate_retired(a1_, true));
    auto second = a_.service->export_update("a.example", now());
    ASSERT_OK(second);
    EXPECT_EQ(second->signers, std::vector<std::string>{a2});
    auto applied = b_.service->import_update(second->bundle, now());
    ASSERT_OK(applied);
    ASSERT_EQ(applied->change.retires.size(), 1u);
    EXPECT_EQ(applied->change.retires[0].id, a1_);
    EXPECT_EQ(b_certs(), std::vector<std::string>{a2});
    EXPECT_TRUE(value_of(b_.store->find_certificate(a1_)));
}

TEST_F(ExchangeTest, BadSignatureIsRefusedAndChangesNothing) {
    create("domain-cert@a.example");
    auto text = value_of(a_.service->export_update("a.example", now())).bundle;
    auto doc = nlohmann::json::parse(text);
    // A signature over other bytes, in the name of the trusted certificate.
    for (auto& sig : doc["signatures"]) {
        if (sig["signer"] == a1_) {
            auto wrong = value_of(a_.keys->smime_sign(a1_, "other bytes"));
            sig["signature"] = mime::base64_encode(wrong, 0);
        }
    }
    auto r = b_.service->import_update(doc.dump(), now());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::unusable);
    EXPECT_NE(r.error().reason.find("does not verify"), std::string::npos) << r.error().reason;
    EXPECT_TRUE(value_of(b_.service->list_pending()).empty());
    EXPECT_EQ(b_certs(), std::vector<std::string>{a1_});
    EXPECT_FALSE(value_of(b_.store->find_setting("exchange.last-applied.a.example")));
    // The refusal is audited, with the domain and the reason.
    AuditQuery q;
    q.last = 100;
    auto audit = value_of(b_.store->query_audit(q));
    EXPECT_TRUE(std::any_of(audit.begin(), audit.end(), [](const AuditRecord& a) {
        return a.action == "exchange.refused" && a.object == "a.example" &&
               a.change.find("does not verify") != std::string::npos;
    }));
}

TEST_F(ExchangeTest, SignedOnlyByWhatBDoesNotTrustIsRefused) {
    ASSERT_OK(a_.store->set_certificate_retired(a1_, true));  // a1 no longer signs
    create("domain-cert@a.example");
    auto r = b_.service->import_update(
        value_of(a_.service->export_update("a.example", now())).bundle, now());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::unusable);
    EXPECT_NE(r.error().reason.find("not signed by a certificate or key trusted for a.example"),
              std::string::npos)
        << r.error().reason;
}

TEST_F(ExchangeTest, SignerBlockedOnTheCtlIsNotEnough) {
    create("domain-cert@a.example");
    ASSERT_OK(b_.service->set_ctl(a1_, CtlAction::block, true));
    auto r = b_.service->import_update(
        value_of(a_.service->export_update("a.example", now())).bundle, now());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::unusable);
    EXPECT_NE(r.error().reason.find("not signed by a certificate or key trusted for a.example"),
              std::string::npos)
        << r.error().reason;
}

TEST_F(ExchangeTest, SignerTrustedOnlyForAnotherDomainIsNotEnough) {
    // The gateway of c.example, which B trusts for c.example, signs a bundle for a.example that
    // brings in a certificate of its own making for a.example's addresses.
    const std::string c1 = create("domain-cert@c.example");
    ASSERT_OK(b_.service->import_certificates(value_of(a_.service->export_certificate(c1, false)),
                                              std::nullopt));
    ASSERT_OK(b_.service->set_ctl(c1, CtlAction::trust, false));
    ASSERT_OK(b_.service->add_domain("c.example", false));
    DomainChange choose;
    choose.smime_certs = std::vector<std::string>{c1};
    ASSERT_OK(b_.service->change_domain("c.example", choose, false));

    create("domain-cert@a.example");
    auto doc =
        nlohmann::json::parse(value_of(a_.service->export_update("a.example", now())).bundle);
    const std::string bytes = value_of(mime::base64_decode(doc["manifest"].get<std::string>()));
    doc["signatures"] = nlohmann::json::array(
        {{{"type", "smime"},
          {"signer", c1},
          {"signature", mime::base64_encode(value_of(a_.keys->smime_sign(c1, bytes)), 0)}}});
    auto r = b_.service->import_update(doc.dump(), now());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::unusable);
    EXPECT_NE(r.error().reason.find("not signed by a certificate or key trusted for a.example"),
              std::string::npos)
        << r.error().reason;
    EXPECT_EQ(b_certs(), std::vector<std::string>{a1_});
}

TEST_F(ExchangeTest, ReplayedSequenceIsRefused) {
    create("domain-cert@a.example");
    auto bundle = value_of(a_.service->export_update("a.example", now())).bundle;
    ASSERT_OK(b_.service->import_update(bundle, now()));
    auto again = b_.service->import_update(bundle, now());
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().kind, ErrorKind::conflict);
    EXPECT_NE(again.error().reason.find("replay"), std::string::npos);
    EXPECT_EQ(value_of(b_.service->list_pending()).size(), 1u);
    // A newer export is taken.
    auto newer = a_.service->export_update("a.example", now());
    ASSERT_OK(newer);
    EXPECT_EQ(newer->sequence, 2u);
    ASSERT_OK(b_.service->import_update(newer->bundle, now()));
}

TEST_F(ExchangeTest, WrongDomainIsRefused) {
    // A bundle for a domain B has no record for: no trust at all.
    ASSERT_OK(b_.service->remove_domain("a.example"));
    auto r = b_.service->import_update(
        value_of(a_.service->export_update("a.example", now())).bundle, now());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::not_found);
    EXPECT_NE(r.error().reason.find("no trust"), std::string::npos);
    // A bundle for B's own local domain.
    auto own = b_.service->export_update("b.example", now());
    ASSERT_FALSE(own);  // b has no own certificate: nothing to export
    EXPECT_EQ(own.error().kind, ErrorKind::not_found);
    // Exporting a partner domain is refused.
    auto partner = a_.service->export_update("nowhere.example", now());
    ASSERT_FALSE(partner);
}

TEST_F(ExchangeTest, BundleThatRetiresEveryCertificateIsRefused) {
    ASSERT_OK(a_.store->set_certificate_retired(a1_, true));
    // A signs with a retired certificate's key by hand (an attacker holding the old key could):
    // a manifest that only retires a1.
    auto text = value_of([&]() -> Result<std::string> {
        create("domain-cert@a.example");  // gives the export something in service
        auto b = a_.service->export_update("a.example", now());
        SEALGATE_TRY(b);
        return b->bundle;
    }());
    auto doc = nlohmann::json::parse(text);
    auto manifest =
        nlohmann::json::parse(value_of(mime::base64_decode(doc["manifest"].get<std::string>())));
    nlohmann::json kept = nlohmann::json::array();
    for (const auto& e : manifest["entries"])
        if (e["id"] == a1_)
            kept.push_back(e);
    manifest["entries"] = kept;
    const std::string bytes = manifest.dump();
    doc["manifest"] = mime::base64_encode(bytes, 0);
    doc["signatures"] = nlohmann::json::array(
        {{{"type", "smime"},
          {"signer", a1_},
          {"signature", mime::base64_encode(value_of(a_.keys->smime_sign(a1_, bytes)), 0)}}});
    auto r = b_.service->import_update(doc.dump(), now());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::bad_input);
    EXPECT_NE(r.error().reason.find("no certificate and no key"), std::string::npos)
        << r.error().reason;
    EXPECT_EQ(b_certs(), std::vector<std::string>{a1_});
}

TEST_F(ExchangeTest, RejectMarksTheChangeAndChangesNothing) {
    create("domain-cert@a.example");
    auto imported = value_of(b_.service->import_update(
        value_of(a_.service->export_update("a.example", now())).bundle, now()));
    auto rejected = b_.service->reject_pending(imported.pending_id, now());
    ASSERT_OK(rejected);
    EXPECT_EQ(rejected->state, PendingState::rejected);
    EXPECT_EQ(rejected->decided_by, "test:b");
    EXPECT_EQ(b_certs(), std::vector<std::string>{a1_});
    EXPECT_FALSE(b_.service->approve_pending(imported.pending_id, now()));
    // Audited.
    AuditQuery q;
    q.last = 100;
    auto audit = value_of(b_.store->query_audit(q));
    EXPECT_TRUE(std::any_of(audit.begin(), audit.end(),
                            [](const AuditRecord& r) { return r.action == "pending.reject"; }));
    EXPECT_TRUE(std::any_of(audit.begin(), audit.end(),
                            [](const AuditRecord& r) { return r.action == "exchange.import"; }));
}

TEST_F(ExchangeTest, OpenPgpKeyTravelsAndIsBoundAndTrusted) {
    auto key = a_.service->create_pgp_key("a.example domain <domain-cert@a.example>",
                                          openpgp::KeyAlgorithm::ed25519, 0);
    ASSERT_OK(key);
    accept_signed_updates();
    auto bundle = value_of(a_.service->export_update("a.example", now()));
    EXPECT_TRUE(has(bundle.signers, key->fingerprint));
    ASSERT_OK(b_.service->import_update(bundle.bundle, now()));
    auto held = value_of(b_.store->find_pgp_key(key->fingerprint));
    ASSERT_TRUE(held);
    EXPECT_TRUE(held->trusted);
    EXPECT_TRUE(has(held->domains, "a.example"));
    EXPECT_TRUE(held->sealed_secret.empty());

    // The next bundle may be signed by the OpenPGP key alone.
    ASSERT_OK(a_.store->set_certificate_retired(a1_, true));
    create("domain-cert@a.example");
    auto next = value_of(a_.service->export_update("a.example", now())).bundle;
    auto doc = nlohmann::json::parse(next);
    nlohmann::json only_pgp = nlohmann::json::array();
    for (const auto& s : doc["signatures"])
        if (s["type"] == "pgp")
            only_pgp.push_back(s);
    doc["signatures"] = only_pgp;
    auto r = b_.service->import_update(doc.dump(), now());
    ASSERT_OK(r);
    EXPECT_EQ(r->change.signer, key->fingerprint);
}

TEST_F(ExchangeTest, ForgedUserIdDoesNotMakeAnotherDomainsKeyTrusted) {
    // B holds y.example's key, untrusted, bound to y.example.
    auto y =
        value_of(openpgp::create_key("bob <bob@y.example>", openpgp::KeyAlgorithm::ed25519, 0));
    ASSERT_OK(b_.service->import_pgp_keys(y.public_key));
    ASSERT_OK(b_.service->add_domain("y.example", false));
    ASSERT_OK(b_.service->bind_pgp_domain(y.fingerprint, "y.example", true));
    // The same key with a user ID packet x@a.example carrying bob's self-signature (invalid).
    const auto parts = packets(y.public_key);
    std::string forged;
    bool swapped = false;
    for (const auto& p : parts) {
        if (packet_tag_of(p) == "13" && !swapped) {
            forged += uid_packet("x@a.example");
            swapped = true;
        } else {
            forged += p;
        }
    }
    ASSERT_TRUE(swapped);
    auto r = b_.service->import_update(with_pgp_entry(forged), now());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::bad_input) << r.error().reason;
    EXPECT_NE(r.error().reason.find("no valid user ID in a.example"), std::string::npos)
        << r.error().reason;
    auto held = value_of(b_.store->find_pgp_key(y.fingerprint));
    ASSERT_TRUE(held);
    EXPECT_FALSE(held->trusted);
    EXPECT_EQ(held->domains, std::vector<std::string>{"y.example"});
}

TEST_F(ExchangeTest, KeyBoundToAnotherDomainOrOursIsRefused) {
    // A key whose only user ID is in a.example, held by B untrusted and bound to y.example (an
    // attacker's key with user IDs in both domains, sent with only the a.example one).
    auto k = value_of(openpgp::create_key("x@a.example", openpgp::KeyAlgorithm::ed25519, 0));
    ASSERT_OK(b_.service->import_pgp_keys(k.public_key));
    ASSERT_OK(b_.service->add_domain("y.example", false));
    ASSERT_OK(b_.service->bind_pgp_domain(k.fingerprint, "y.example", true));
    auto r = b_.service->import_update(with_pgp_entry(k.public_key), now());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::unusable);
    EXPECT_NE(r.error().reason.find("is bound to y.example"), std::string::npos)
        << r.error().reason;
    auto held = value_of(b_.store->find_pgp_key(k.fingerprint));
    EXPECT_FALSE(held->trusted);
    EXPECT_EQ(held->domains, std::vector<std::string>{"y.example"});

    // Our own key (B holds its secret) in A's bundle.
    auto own = value_of(openpgp::create_key("gw@a.example", openpgp::KeyAlgorithm::ed25519, 0));
    ASSERT_OK(b_.service->import_pgp_keys(own.secret_key));
    auto mine = b_.service->import_update(with_pgp_entry(own.public_key), now());
    ASSERT_FALSE(mine);
    EXPECT_NE(mine.error().reason.find("one of our own keys"), std::string::npos)
        << mine.error().reason;
    EXPECT_FALSE(has(value_of(b_.store->find_pgp_key(own.fingerprint))->domains, "a.example"));
}

TEST_F(ExchangeTest, ExpiredCertificateNoLongerSpeaksForTheDomain) {
    // a1 (30 days) is chosen and on B's CTL; its bundle is imported after it has expired.
    create("domain-cert@a.example");
    auto bundle = value_of(a_.service->export_update("a.example", now())).bundle;
    auto r = b_.service->import_update(bundle, now() + 31 * 86400);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::unusable);
    EXPECT_NE(r.error().reason.find("has expired"), std::string::npos) << r.error().reason;
    EXPECT_EQ(b_certs(), std::vector<std::string>{a1_});
}

TEST_F(ExchangeTest, ExpiredOrBackdatedOpenPgpSignerIsRefused) {
    // A's OpenPGP key expires in a day; B trusts it for a.example.
    auto key = value_of(a_.service->create_pgp_key("a <domain-cert@a.example>",
                                                   openpgp::KeyAlgorithm::ed25519, 86400));
    accept_signed_updates();
    ASSERT_OK(b_.service->import_update(
        value_of(a_.service->export_update("a.example", now())).bundle, now()));
    ASSERT_TRUE(value_of(b_.store->find_pgp_key(key.fingerprint))->trusted);

    // A bundle signed (validly, before the expiry) by the key alone, read after it expired.
    auto doc =
        nlohmann::json::parse(value_of(a_.service->export_update("a.example", now())).bundle);
    auto manifest =
        nlohmann::json::parse(value_of(mime::base64_decode(doc["manifest"].get<std::string>())));
    const std::string signed_by_key =
        resign(doc, manifest, exchange::SignatureKind::pgp, key.fingerprint);
    auto late = b_.service->import_update(signed_by_key, now() + 2 * 86400);
    ASSERT_FALSE(late);
    EXPECT_NE(late.error().reason.find("has expired"), std::string::npos) << late.error().reason;

    // A signature older than the bundle it signs (made for a `created` an hour later).
    manifest["created"] = now() + 3600;
    manifest["sequence"] = manifest["sequence"].get<std::uint64_t>() + 1;
    auto backdated = b_.service->import_update(
        resign(doc, manifest, exchange::SignatureKind::pgp, key.fingerprint), now() + 3600);
    ASSERT_FALSE(backdated);
    EXPECT_NE(backdated.error().reason.find("backdated"), std::string::npos)
        << backdated.error().reason;
}

TEST_F(ExchangeTest, ApproveRacingAnotherDecisionAppliesNothing) {
    const std::string a2 = create("domain-cert@a.example");
    auto imported = value_of(b_.service->import_update(
        value_of(a_.service->export_update("a.example", now())).bundle, now()));
    // Another administrator rejects the change between this approve's read and its decision.
    test::FailingStore racing(*b_.store);
    bool raced = false;
    racing.before = [&](std::string_view method) {
        if (method != "decide_pending" || raced)
            return;
        raced = true;
        ASSERT_TRUE(value_of(
            b_.store->decide_pending(imported.pending_id, PendingState::rejected, "other", now())));
    };
    Service service(racing, *b_.keys, Actor{"test:racer", "node-r"});
    auto r = service.approve_pending(imported.pending_id, now());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::conflict);
    EXPECT_EQ(b_certs(), std::vector<std::string>{a1_});
    EXPECT_FALSE(value_of(b_.store->find_ctl(a2)));
}

TEST_F(ExchangeTest, RejectedChangeDoesNotLockThePartnerOut) {
    create("domain-cert@a.example");
    // A numbers its exports; a bundle with sequence 2 is rejected at B.
    ASSERT_OK(a_.service->export_update("a.example", now()));
    auto second = value_of(a_.service->export_update("a.example", now()));
    auto staged = value_of(b_.service->import_update(second.bundle, now()));
    ASSERT_OK(b_.service->reject_pending(staged.pending_id, now()));
    // A's first bundle (sequence 1) is still taken: nothing was applied after it.
    auto first_again = nlohmann::json::parse(second.bundle);
    auto manifest = nlohmann::json::parse(
        value_of(mime::base64_decode(first_again["manifest"].get<std::string>())));
    manifest["sequence"] = 1;
    auto r = b_.service->import_update(
        resign(first_again, manifest, exchange::SignatureKind::smime, a1_), now());
    ASSERT_OK(r);
    ASSERT_OK(b_.service->approve_pending(r->pending_id, now()));
    // Now sequence 1 is applied: it and anything older is a replay.
    auto replay = b_.service->import_update(
        resign(first_again, manifest, exchange::SignatureKind::smime, a1_), now());
    ASSERT_FALSE(replay);
    EXPECT_EQ(replay.error().kind, ErrorKind::conflict);
}

}  // namespace
}  // namespace sealgate::admin
