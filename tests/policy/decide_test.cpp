// policy::decide() as a table: domain records (mode, methods, key minimum) × the state of the
// certificates and OpenPGP keys chosen for them × the direction and mode → the action, the method
// and the reason. All in process: certificates made by crypto/, OpenPGP keys from the OpenPGP
// interop suite (tests/data/openpgp/interop-suite), one SQLite store holding one domain per row.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "crypto/keygen.hpp"
#include "openpgp/key.hpp"
#include "policy/policy.hpp"
#include "policy/snapshot.hpp"
#include "store/sqlite_store.hpp"
#include "support/files.hpp"
#include "support/store.hpp"
#include "support/temp_dir.hpp"

namespace sealgate::policy {
namespace {

const std::string kSender = "alice@a.example";  // a.example is our local domain
const std::string kDefaultRefusal = "Encryption to this recipient is required but not possible";
// A lifecycle problem only (expired, revoked, revocation unknown): 451, tried again.
const std::string kLifecycleRefusal =
    "Encryption to this recipient is required but its certificate or key is not usable now "
    "(expired, revoked or revocation unknown); try again later";
const std::string kWeakRefusal =
    "Encryption to this recipient is required but its key is too weak or unsupported";

// The states a domain's S/MIME certificate can be in.
enum class Cert {
    good,       // trusted on the CTL (P-256)
    good2,      // a second trusted one (rotation)
    untrusted,  // self-signed, not on the CTL
    blocked,    // blocked on the CTL
    missing,    // chosen by thumbprint, not in the store
    rsa2048,    // trusted, RSA-2048: too weak under a minimum of 4096
};
// The states of an OpenPGP key bound to a domain.
enum class Key {
    alice,    // trusted, Ed25519/Cv25519: usable
    carol,    // DSA/ElGamal 3072, not trusted
    bob,      // trusted, RSA-3072: too weak under a minimum of 4096
    revoked,  // trusted, revoked (key compromised)
};

struct Row {
    std::string domain;  // the record, and the recipient's domain
    EncryptMode mode;
    std::vector<Method> methods;
    std::vector<Cert> certs;
    std::vector<Key> keys;
    unsigned min_rsa_bits = 0;
    SmimeProfile profile = SmimeProfile::compat;
    // Expected:
    Action action;
    Method method = Method::smime;  // action == encrypt
    std::vector<Cert> recipients;   // action == encrypt, S/MIME: the certificates encrypted to
    std::string reason;             // a part of Treatment::reason
    std::string refusal = kDefaultRefusal;
};

const std::vector<Method> kBoth{Method::smime, Method::pgp};
const std::vector<Method> kPgpFirst{Method::pgp, Method::smime};
const std::vector<Method> kSmime{Method::smime};
const std::vector<Method> kPgp{Method::pgp};

// The table, one row per record (clang-format would put each field on a line of its own):
// domain record, mode, methods, certificates, keys, min-rsa-bits, S/MIME profile;
// expected action, method, certificates encrypted to, part of the reason[, refusal text].
// clang-format off
const std::vector<Row> kRows = {
    // none: never encrypted, whatever the keys.
    {"none-keys.example", EncryptMode::none, kBoth, {Cert::good}, {Key::alice}, 0, {},
     Action::pass, {}, {}, "encryption mode none for none-keys.example"},
    {"none-empty.example", EncryptMode::none, kBoth, {}, {}, 0, {},
     Action::pass, {}, {}, "encryption mode none for none-empty.example"},
    // opportunistic: the first method (in the domain's order) with a usable key, else passed.
    {"opp-smime.example", EncryptMode::opportunistic, kBoth, {Cert::good}, {}, 0, {},
     Action::encrypt, Method::smime, {Cert::good}, "encryption opportunistic for"},
    {"opp-pgp.example", EncryptMode::opportunistic, kBoth, {}, {Key::alice}, 0, {},
     Action::encrypt, Method::pgp, {}, "encryption opportunistic for"},
    {"opp-both.example", EncryptMode::opportunistic, kBoth, {Cert::good}, {Key::alice}, 0, {},
     Action::encrypt, Method::smime, {Cert::good}, "encryption opportunistic for"},
    {"opp-pgp-first.example", EncryptMode::opportunistic, kPgpFirst, {Cert::good}, {Key::alice}, 0, {},
     Action::encrypt, Method::pgp, {}, "encryption opportunistic for"},
    {"opp-fallback.example", EncryptMode::opportunistic, kBoth, {Cert::untrusted}, {Key::alice}, 0, {},
     Action::encrypt, Method::pgp, {}, "encryption opportunistic for"},
    {"opp-smime-only.example", EncryptMode::opportunistic, kSmime, {}, {Key::alice}, 0, {},
     Action::pass, {}, {}, "(S/MIME: no S/MIME certificate chosen)"},
    {"opp-pgp-only.example", EncryptMode::opportunistic, kPgp, {Cert::good}, {}, 0, {},
     Action::pass, {}, {}, "(OpenPGP: no OpenPGP key bound)"},
    {"opp-untrusted.example", EncryptMode::opportunistic, kBoth, {Cert::untrusted}, {}, 0, {},
     Action::pass, {}, {}, "no usable key for opp-untrusted.example"},
    {"opp-weak.example", EncryptMode::opportunistic, kBoth, {Cert::rsa2048}, {Key::bob}, 4096, {},
     Action::pass, {}, {}, "no usable key for opp-weak.example"},
    {"opp-empty.example", EncryptMode::opportunistic, kBoth, {}, {}, 0, {},
     Action::pass, {}, {}, "S/MIME: no S/MIME certificate chosen; OpenPGP: no OpenPGP key bound"},
    // mandatory: the same, else refused at RCPT (550 5.7.1).
    {"man-smime.example", EncryptMode::mandatory, kBoth, {Cert::good}, {}, 0, {},
     Action::encrypt, Method::smime, {Cert::good}, "encryption mandatory for man-smime.example"},
    {"man-modern.example", EncryptMode::mandatory, kBoth, {Cert::good}, {}, 0, SmimeProfile::modern,
     Action::encrypt, Method::smime, {Cert::good}, "encryption mandatory"},
    {"man-pgp.example", EncryptMode::mandatory, kBoth, {}, {Key::alice}, 0, {},
     Action::encrypt, Method::pgp, {}, "encryption mandatory for man-pgp.example"},
    {"man-rotation.example", EncryptMode::mandatory, kSmime, {Cert::good, Cert::good2}, {}, 0, {},
     Action::encrypt, Method::smime, {Cert::good, Cert::good2}, "encryption mandatory"},
    {"man-some-usable.example", EncryptMode::mandatory, kSmime, {Cert::blocked, Cert::good, Cert::missing}, {}, 0, {},
     Action::encrypt, Method::smime, {Cert::good}, "encryption mandatory"},
    {"man-fallback.example", EncryptMode::mandatory, kBoth, {Cert::blocked}, {Key::alice}, 0, {},
     Action::encrypt, Method::pgp, {}, "encryption mandatory"},
    {"man-untrusted.example", EncryptMode::mandatory, kSmime, {Cert::untrusted}, {}, 0, {},
     Action::refuse, {}, {}, "no usable key for man-untrusted.example (S/MIME: certificate "},
    {"man-blocked.example", EncryptMode::mandatory, kSmime, {Cert::blocked}, {}, 0, {},
     Action::refuse, {}, {}, "no usable key for man-blocked.example"},
    {"man-missing.example", EncryptMode::mandatory, kSmime, {Cert::missing}, {}, 0, {},
     Action::refuse, {}, {}, "is not in the store"},
    {"man-key-untrusted.example", EncryptMode::mandatory, kPgp, {}, {Key::carol}, 0, {},
     Action::refuse, {}, {}, "not trusted"},
    {"man-key-revoked.example", EncryptMode::mandatory, kPgp, {}, {Key::revoked}, 0, {},
     Action::refuse, {}, {}, "revoked", kLifecycleRefusal},
    {"man-empty.example", EncryptMode::mandatory, kBoth, {}, {}, 0, {},
     Action::refuse, {}, {}, "S/MIME: no S/MIME certificate chosen; OpenPGP: no OpenPGP key bound"},
    {"man-smime-only.example", EncryptMode::mandatory, kSmime, {}, {Key::alice}, 0, {},
     Action::refuse, {}, {}, "(S/MIME: no S/MIME certificate chosen)"},
    // Every key refused for its strength alone: the public text says so ...
    {"man-weak.example", EncryptMode::mandatory, kBoth, {Cert::rsa2048}, {Key::bob}, 4096, {},
     Action::refuse, {}, {}, "no usable key for man-weak.example", kWeakRefusal},
    {"man-weak-cert.example", EncryptMode::mandatory, kSmime, {Cert::rsa2048}, {}, 4096, {},
     Action::refuse, {}, {}, "certificate ", kWeakRefusal},
    // ... one of them for another reason: the general text.
    {"man-weak-and-other.example", EncryptMode::mandatory, kBoth, {Cert::untrusted}, {Key::bob}, 4096, {},
     Action::refuse, {}, {}, "no usable key", kDefaultRefusal},
    // The same keys are strong enough under the default minimum.
    {"man-strong.example", EncryptMode::mandatory, kSmime, {Cert::rsa2048}, {}, 0, {},
     Action::encrypt, Method::smime, {Cert::rsa2048}, "encryption mandatory"},
    {"man-strong-key.example", EncryptMode::mandatory, kPgp, {}, {Key::bob}, 0, {},
     Action::encrypt, Method::pgp, {}, "encryption mandatory"},
};
// clang-format on

class Decide : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        dir_ = std::make_unique<test::TempDir>();
        auto store = test::open_store(*dir_);
        ASSERT_TRUE(store);

        DomainRecord ours;
        ours.name = "a.example";
        ours.local = true;
        ASSERT_TRUE(store->put_domain(ours));

        const auto make_cert = [&](Cert c, crypto::KeyAlgorithm alg, const std::string& email) {
            auto made = crypto::create_domain_certificate({email, "", alg, 30});
            ASSERT_TRUE(made) << made.error().reason;
            const auto& cert = made->first;
            thumbprints_[c] = cert.sha256();
            ASSERT_TRUE(store->put_certificate(CertRecord{cert.sha256(), cert.der(), false, 1}));
        };
        make_cert(Cert::good, crypto::KeyAlgorithm::p256, "domain-cert@good.example");
        make_cert(Cert::good2, crypto::KeyAlgorithm::p256, "domain-cert@good2.example");
        make_cert(Cert::untrusted, crypto::KeyAlgorithm::p256, "domain-cert@untrusted.example");
        make_cert(Cert::blocked, crypto::KeyAlgorithm::p256, "domain-cert@blocked.example");
        make_cert(Cert::rsa2048, crypto::KeyAlgorithm::rsa2048, "domain-cert@rsa.example");
        thumbprints_[Cert::missing] = std::string(64, 'e');
        for (const Cert c : {Cert::good, Cert::good2, Cert::rsa2048})
            ASSERT_TRUE(store->put_ctl(CtlEntry{thumbprints_[c], CtlAction::trust, 1}));
        ASSERT_TRUE(store->put_ctl(CtlEntry{thumbprints_[Cert::blocked], CtlAction::block, 1}));

        // The OpenPGP keys, each bound to the rows that name it.
        const std::map<Key, std::pair<std::string, bool>> key_files = {
            {Key::alice, {"alice.pgp", true}},
            {Key::carol, {"carol.pgp", false}},
            {Key::bob, {"bob.pgp", true}},
            {Key::revoked, {"revoked-key-cert-revoked-compromised.pgp", true}},
        };
        for (const auto& [key, file] : key_files) {
            auto parsed = openpgp::parse_keys(test::read_file(
                std::string(SEALGATE_TESTDATA) + "/openpgp/interop-suite/" + file.first));
            ASSERT_TRUE(parsed && parsed->size() == 1) << file.first;
            PgpKeyRecord rec;
            rec.fingerprint = parsed->front().fingerprint;
            rec.public_key = parsed->front().public_key;
            rec.trusted = file.second;
            for (const auto& row : kRows)
                for (const Key k : row.keys)
                    if (k == key)
                        rec.domains.push_back(row.domain);
            ASSERT_TRUE(store->put_pgp_key(rec));
        }

        for (const auto& row : kRows) {
            DomainRecord d;
            d.name = row.domain;
            d.encrypt_mode = row.mode;
            d.methods = row.methods;
            d.smime_profile = row.profile;
            d.min_rsa_bits = row.min_rsa_bits;
            for (const Cert c : row.certs)
                d.smime_certs.push_back(thumbprints_[c]);
            ASSERT_TRUE(store->put_domain(d));
        }
        // The extra records of the direction table below.
        DomainRecord wildcard;
        wildcard.name = "*.wild.example";
        wildcard.encrypt_mode = EncryptMode::mandatory;
        ASSERT_TRUE(store->put_domain(wildcard));

        auto snap = Snapshot::load(*store);
        ASSERT_TRUE(snap) << snap.error().reason;
        snap_ = *snap;
    }
    static void TearDownTestSuite() {
        snap_.reset();
        dir_.reset();
    }
    void SetUp() override { ASSERT_NE(snap_, nullptr) << "the suite's store could not be set up"; }

    static const Snapshot& snap() { return *snap_; }

    static std::unique_ptr<test::TempDir> dir_;
    static std::shared_ptr<const Snapshot> snap_;
    static std::map<Cert, std::string> thumbprints_;
};
std::unique_ptr<test::TempDir> Decide::dir_;
std::shared_ptr<const Snapshot> Decide::snap_;
std::map<Cert, std::string> Decide::thumbprints_;

TEST_F(Decide, DomainRecordsTimesKeyStatesGiveTheAction) {
    for (const auto& row : kRows) {
        SCOPED_TRACE(row.domain);
        const std::string rcpt = "bob@" + row.domain;
        for (const Mode mode : {Mode::automatic, Mode::outbound}) {
            auto t = decide(snap(), kSender, rcpt, mode);
            ASSERT_TRUE(t) << t.error().reason;
            EXPECT_EQ(t->direction, Direction::outbound);
            EXPECT_EQ(t->domain, row.domain);
            EXPECT_EQ(to_string(t->action), to_string(row.action)) << t->reason;
            EXPECT_NE(t->reason.find(row.reason), std::string::npos)
                << "reason: " << t->reason << "\nexpected a part: " << row.reason;
            if (row.action == Action::refuse) {
                EXPECT_EQ(t->refusal_text, row.refusal);
                EXPECT_EQ(t->temporary, row.refusal == kLifecycleRefusal);
            }
            if (row.action != Action::encrypt) {
                EXPECT_TRUE(t->certificates.empty());
                EXPECT_TRUE(t->pgp_keys.empty());
                continue;
            }
            EXPECT_EQ(t->method, row.method);
            std::vector<std::string> got;
            for (const auto& c : t->certificates)
                got.push_back(c.sha256());
            std::vector<std::string> want;
            for (const Cert c : row.recipients)
                want.push_back(thumbprints_[c]);
            EXPECT_EQ(got, want);
            if (row.method == Method::pgp) {
                EXPECT_TRUE(t->certificates.empty());
                ASSERT_EQ(t->pgp_keys.size(), 1u);
            } else {
                EXPECT_TRUE(t->pgp_keys.empty());
                EXPECT_EQ(t->profile, row.profile == SmimeProfile::modern
                                          ? crypto::CmsProfile::modern
                                          : crypto::CmsProfile::compat);
            }
        }
    }
}

// A partner's policy applies whoever sends: a bounce (MAIL FROM:<>) or a forward from outside
// must not reach a mandatory or opportunistic domain in clear. Only a mode-none or unknown
// domain is relayed for an outside sender.
TEST_F(Decide, OutsideSendersGetThePartnersPolicyOrARelay) {
    const struct {
        std::string sender, rcpt;
        Direction direction;
        Action action;
    } rows[] = {
        {"", "bob@man-smime.example", Direction::outbound, Action::encrypt},
        {"x@outside.example", "bob@man-empty.example", Direction::outbound, Action::refuse},
        {"x@outside.example", "bob@opp-pgp.example", Direction::outbound, Action::encrypt},
        {"x@outside.example", "bob@opp-empty.example", Direction::outbound, Action::pass},
        {"x@outside.example", "bob@none-keys.example", Direction::relay, Action::pass},
        {"x@outside.example", "bob@unknown.example", Direction::relay, Action::pass},
        {"", "bob@unknown.example", Direction::relay, Action::pass},
    };
    for (const auto& r : rows) {
        SCOPED_TRACE(r.sender + " -> " + r.rcpt);
        auto t = decide(snap(), r.sender, r.rcpt, Mode::automatic);
        ASSERT_TRUE(t) << t.error().reason;
        EXPECT_EQ(t->direction, r.direction);
        EXPECT_EQ(to_string(t->action), to_string(r.action)) << t->reason;
        EXPECT_EQ(direction(snap(), r.sender, r.rcpt), r.direction);
    }
}

TEST_F(Decide, LocalRecipientsAndPostmasterAreInbound) {
    for (const std::string rcpt : {"bob@a.example", "<bob@A.Example>", "postmaster", "<Postmaster>",
                                   "postmaster@a.example"}) {
        for (const std::string& sender :
             {kSender, std::string("x@outside.example"), std::string()}) {
            SCOPED_TRACE(sender + " -> " + rcpt);
            auto t = decide(snap(), sender, rcpt, Mode::automatic);
            ASSERT_TRUE(t) << t.error().reason;
            EXPECT_EQ(t->direction, Direction::inbound);
            EXPECT_EQ(t->action, Action::decrypt);
        }
    }
}

TEST_F(Decide, NoRecordForAnOutboundRecipientPassesWithTheReason) {
    auto t = decide(snap(), kSender, "bob@unknown.example", Mode::automatic);
    ASSERT_TRUE(t) << t.error().reason;
    EXPECT_EQ(t->direction, Direction::outbound);
    EXPECT_EQ(t->action, Action::pass);
    EXPECT_EQ(t->domain, "");
    EXPECT_EQ(t->reason, "no policy for unknown.example");
}

// "*.wild.example" applies below wild.example, not to wild.example itself.
TEST_F(Decide, AWildcardRecordAppliesToSubdomainsOnly) {
    for (const std::string rcpt : {"bob@sub.wild.example", "bob@deep.sub.wild.example"}) {
        SCOPED_TRACE(rcpt);
        auto t = decide(snap(), kSender, rcpt, Mode::automatic);
        ASSERT_TRUE(t) << t.error().reason;
        EXPECT_EQ(t->domain, "*.wild.example");
        EXPECT_EQ(t->action, Action::refuse);
    }
    auto t = decide(snap(), kSender, "bob@wild.example", Mode::automatic);
    ASSERT_TRUE(t) << t.error().reason;
    EXPECT_EQ(t->action, Action::pass);
    EXPECT_EQ(t->reason, "no policy for wild.example");
}

// Names compare case-insensitively; the recipient may come in angle brackets.
TEST_F(Decide, TheRecipientsSpellingDoesNotChangeTheDecision) {
    for (const std::string rcpt : {"bob@man-empty.example", "<bob@man-empty.example>",
                                   "Bob@MAN-EMPTY.Example", "bob@man-empty.example."}) {
        SCOPED_TRACE(rcpt);
        auto t = decide(snap(), kSender, rcpt, Mode::automatic);
        ASSERT_TRUE(t) << t.error().reason;
        EXPECT_EQ(t->domain, "man-empty.example");
        EXPECT_EQ(t->action, Action::refuse);
    }
}

// The offline filters force a direction: `decrypt` decides inbound for every recipient,
// `encrypt` outbound, also for a local one.
TEST_F(Decide, AForcedModeOverridesTheDirection) {
    auto in = decide(snap(), kSender, "bob@man-empty.example", Mode::inbound);
    ASSERT_TRUE(in) << in.error().reason;
    EXPECT_EQ(in->direction, Direction::inbound);
    EXPECT_EQ(in->action, Action::decrypt);
    EXPECT_EQ(in->domain, "man-empty.example");

    auto out = decide(snap(), kSender, "bob@a.example", Mode::outbound);
    ASSERT_TRUE(out) << out.error().reason;
    EXPECT_EQ(out->direction, Direction::outbound);
    EXPECT_EQ(out->action, Action::pass);
    EXPECT_EQ(out->reason, "encryption mode none for a.example");
}

// Addresses whose destination is not their domain are refused, never passed in clear; an
// address that is not one is a syntax error. Inbound (decrypt) does not judge the address.
TEST_F(Decide, RoutingSyntaxAndBadAddressesAreRefused) {
    const struct {
        std::string rcpt;
        int code;
        std::string status;
    } rows[] = {
        {"bob%man-smime.example@relay.example", 553, "5.1.3"},
        {"relay!bob@man-smime.example", 553, "5.1.3"},
        {"bob@[192.0.2.1]", 553, "5.1.3"},
        {"not an address", 501, "5.1.3"},
        {"bob@", 501, "5.1.3"},
    };
    for (const auto& r : rows) {
        SCOPED_TRACE(r.rcpt);
        for (const Mode mode : {Mode::automatic, Mode::outbound}) {
            auto t = decide(snap(), kSender, r.rcpt, mode);
            ASSERT_FALSE(t) << to_string(t->action);
            EXPECT_EQ(t.error().code, r.code);
            EXPECT_EQ(t.error().status, r.status);
        }
        auto in = decide(snap(), kSender, r.rcpt, Mode::inbound);
        ASSERT_TRUE(in) << in.error().reason;
        EXPECT_EQ(in->action, Action::decrypt);
    }
}

// Recipients with the same treatment share a copy; the group key tells different ones apart.
TEST_F(Decide, GroupKeysSeparateWhatMustNotShareACopy) {
    const auto key = [&](const std::string& rcpt) {
        auto t = decide(snap(), kSender, rcpt, Mode::automatic);
        EXPECT_TRUE(t) << t.error().reason;
        return t ? t->group_key() : std::string();
    };
    EXPECT_EQ(key("bob@man-smime.example"), key("carol@man-smime.example"));
    // Same certificate, another domain (its require-tls may differ) or profile: another copy.
    EXPECT_NE(key("bob@man-smime.example"), key("bob@opp-smime.example"));
    EXPECT_NE(key("bob@man-smime.example"), key("bob@man-modern.example"));
    // Passed copies carry their reason in the info header: grouped by it.
    EXPECT_NE(key("bob@unknown.example"), key("bob@none-keys.example"));
    EXPECT_EQ(key("bob@unknown.example"), key("carol@unknown.example"));
    EXPECT_NE(key("bob@a.example"), key("bob@unknown.example"));
}

}  // namespace
}  // namespace sealgate::policy
