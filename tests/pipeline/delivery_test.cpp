// The delivery stage (pipeline/delivery.hpp) as tables: RCPT admission, the loop limit, the
// answer to a pipeline error, each copy's envelope and TLS level, and the fold of the copies'
// results into the one reply to the end of DATA. The texts are compared byte for byte: they are
// what upstream MTAs log and what administrators search for.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "keystore/keystore.hpp"
#include "pipeline/delivery.hpp"
#include "pipeline/pipeline.hpp"
#include "store/sqlite_store.hpp"
#include "support/store.hpp"
#include "support/temp_dir.hpp"

namespace sealgate::pipeline {
namespace {

using Verdict = Admission::Verdict;

std::string line(const smtp::Reply& r) {
    return r.summary();
}

// --- admission -------------------------------------------------------------------------------

policy::Treatment treatment(policy::Action action, Direction direction = Direction::outbound) {
    policy::Treatment t;
    t.action = action;
    t.direction = direction;
    t.reason = "because of " + std::string(policy::to_string(action));
    return t;
}

struct AdmissionRow {
    const char* name;
    Result<policy::Treatment> decision;
    Verdict verdict;
    std::string reply;
    std::string reason;
};

TEST(DeliveryAdmission, EveryDecisionHasOneAnswer) {
    policy::Treatment custom = treatment(policy::Action::refuse, Direction::relay);
    custom.refusal_text = "Keys for this domain are too weak";
    const std::vector<AdmissionRow> rows = {
        {"pass", treatment(policy::Action::pass), Verdict::accept, "250 2.1.5 Ok", ""},
        {"encrypt", treatment(policy::Action::encrypt), Verdict::accept, "250 2.1.5 Ok", ""},
        {"decrypt", treatment(policy::Action::decrypt, Direction::inbound), Verdict::accept,
         "250 2.1.5 Ok", ""},
        {"refuse", treatment(policy::Action::refuse), Verdict::refuse,
         "550 5.7.1 Encryption to this recipient is required but not possible",
         "because of rejected"},
        {"refuse with the policy's text", custom, Verdict::refuse,
         "550 5.7.1 Keys for this domain are too weak", "because of rejected"},
        {"store failure", fail(Error::temp("store: locked")), Verdict::error,
         "451 4.3.0 Temporary local problem, try again later", "store: locked"},
        {"address form refused", fail(Error::perm(553, "5.1.3", "Routing syntax", "bob%x@y")),
         Verdict::error, "553 5.1.3 Routing syntax", "bob%x@y"},
    };
    for (const auto& row : rows) {
        const Admission a = admit(row.decision);
        EXPECT_EQ(a.verdict, row.verdict) << row.name;
        EXPECT_EQ(line(a.reply), row.reply) << row.name;
        EXPECT_EQ(a.reason, row.reason) << row.name;
    }
    // A refusal names the recipient's direction for its mail log record.
    EXPECT_EQ(admit(custom).direction, Direction::relay);
    EXPECT_EQ(admit(treatment(policy::Action::refuse)).direction, Direction::outbound);
}

TEST(DeliveryAdmission, RefusalIsOneError) {
    const auto t = treatment(policy::Action::refuse);
    const Error e = refusal(t);
    EXPECT_EQ(e.code, 550);
    EXPECT_EQ(e.status, "5.7.1");
    EXPECT_EQ(e.public_text, t.refusal_text);
    EXPECT_EQ(e.reason, "because of rejected");
    EXPECT_EQ(refusal(t, "bob@b.example").reason, "bob@b.example: because of rejected");
    EXPECT_FALSE(admissible(t));
    EXPECT_EQ(admissible(t, "bob@b.example").error().reason, "bob@b.example: because of rejected");
    for (const auto action :
         {policy::Action::pass, policy::Action::encrypt, policy::Action::decrypt})
        EXPECT_TRUE(admissible(treatment(action))) << policy::to_string(action);
}

// With a real policy snapshot: a partner that must be encrypted to but has no certificate, one
// that need not, our own domain, and the mail log's backlog.
class DeliveryWithPolicy : public ::testing::Test {
  protected:
    void SetUp() override {
        store_ = test::open_store(dir_);
        ASSERT_TRUE(store_);
        put("a.example", EncryptMode::none, TlsLevel::none, true);
        put("mandatory.example", EncryptMode::mandatory, TlsLevel::none);
        put("lax.example", EncryptMode::opportunistic, TlsLevel::none);
        put("enc.example", EncryptMode::none, TlsLevel::encrypt);
        put("strict.example", EncryptMode::none, TlsLevel::verify);
        put("*.wild.example", EncryptMode::none, TlsLevel::encrypt);
        auto snap = policy::Snapshot::load(*store_);
        ASSERT_TRUE(snap) << snap.error().reason;
        snap_ = *snap;
    }

    void put(std::string name, EncryptMode mode, TlsLevel tls, bool local = false) {
        DomainRecord d;
        d.name = std::move(name);
        d.encrypt_mode = mode;
        d.tls = tls;
        d.local = local;
        ASSERT_TRUE(store_->put_domain(d));
    }

    test::TempDir dir_;
    std::unique_ptr<SqliteStore> store_;
    std::shared_ptr<const policy::Snapshot> snap_;
};

struct RcptRow {
    const char* recipient;
    bool backlog;
    Verdict verdict;
    std::string reply;
    Direction direction;
};

TEST_F(DeliveryWithPolicy, AdmissionEveryCase) {
    const std::string refused =
        "550 5.7.1 Encryption to this recipient is required but not possible";
    const std::string backlog = "451 4.3.0 Mail log backlog, try again later";
    const std::vector<RcptRow> rows = {
        {"bob@mandatory.example", false, Verdict::refuse, refused, Direction::outbound},
        {"bob@lax.example", false, Verdict::accept, "250 2.1.5 Ok", Direction::relay},
        {"bob@elsewhere.example", false, Verdict::accept, "250 2.1.5 Ok", Direction::relay},
        {"carol@a.example", false, Verdict::accept, "250 2.1.5 Ok", Direction::relay},
        // The policy cannot read this address: its own error, never "no policy".
        {"bob%mandatory.example@a.example", false, Verdict::error,
         "553 5.1.3 Routing syntax in recipient addresses is not accepted", Direction::relay},
        // A backlog defers everyone, the refused recipient too (the policy is not asked).
        {"bob@mandatory.example", true, Verdict::backlog, backlog, Direction::relay},
        {"bob@lax.example", true, Verdict::backlog, backlog, Direction::relay},
    };
    for (const auto& row : rows) {
        const Admission a = admit(*snap_, "alice@a.example", row.recipient, row.backlog);
        EXPECT_EQ(a.verdict, row.verdict) << row.recipient << " backlog=" << row.backlog;
        EXPECT_EQ(a.direction, row.direction) << row.recipient;
        EXPECT_EQ(line(a.reply), row.reply) << row.recipient;
        EXPECT_EQ(a.reason.empty(), row.verdict == Verdict::accept || row.backlog)
            << row.recipient << ": " << a.reason;
    }
}

// The refusal at RCPT and the refusal when the message is planned (the policy may have changed
// in between) are the same answer.
TEST_F(DeliveryWithPolicy, PlanRefusesAsAdmissionDoes) {
    auto master = MasterKey::create(dir_.file("s.db.key"));
    ASSERT_TRUE(master) << master.error().reason;
    keystore::KeyStore keys(*store_, std::move(*master));
    Pipeline pipe(snap_, keys);
    auto plan = pipe.plan({"alice@a.example", {"bob@lax.example", "bob@mandatory.example"}},
                          "From: alice@a.example\r\nSubject: x\r\n\r\nbody\r\n");
    ASSERT_FALSE(plan);
    const Admission a = admit(*snap_, "alice@a.example", "bob@mandatory.example", false);
    EXPECT_EQ(smtp::Reply::from_error(plan.error()), a.reply);
    EXPECT_EQ(plan.error().reason, "bob@mandatory.example: " + a.reason);
    // After RCPT accepted the recipient, that refusal is answered 451 4.7.1 (see below).
    EXPECT_EQ(line(unrelayed_reply(plan.error())),
              "451 4.7.1 Encryption policy changed; try again later");
    EXPECT_EQ(unrelayed_action(plan.error()), CopyAction::rejected);
}

// --- end of DATA -----------------------------------------------------------------------------

TEST(DeliveryHopLimit, RefusedAtTheLimitNotBelow) {
    EXPECT_FALSE(hop_limit(0, 50));
    EXPECT_FALSE(hop_limit(49, 50));
    for (const std::size_t hops : {50u, 51u, 400u}) {
        const auto e = hop_limit(hops, 50);
        ASSERT_TRUE(e) << hops;
        EXPECT_EQ(smtp::Reply::from_error(*e).summary(),
                  "554 5.4.6 Too many hops; is mail looping?");
        EXPECT_EQ(e->reason, "too many hops: " + std::to_string(hops) +
                                 " Received: fields, limit 50 (mail loop?)");
        EXPECT_EQ(unrelayed_action(*e), CopyAction::rejected);
    }
}

struct UnrelayedRow {
    Error error;
    std::string reply;
    CopyAction action;
};

TEST(DeliveryUnrelayed, PipelineErrorsBeforeAnyCopy) {
    const std::vector<UnrelayedRow> rows = {
        // A refusal decided after RCPT: the retry meets the 550 at RCPT for that recipient only.
        {Error::perm(550, "5.7.1", "Encryption to this recipient is required but not possible",
                     "b: no key"),
         "451 4.7.1 Encryption policy changed; try again later", CopyAction::rejected},
        {Error::temp("keystore: locked"), "451 4.3.0 Temporary local problem, try again later",
         CopyAction::deferred},
        {Error::temp("4.7.0", "Key not available", "pgp: cannot load"),
         "451 4.7.0 Key not available", CopyAction::deferred},
        {Error::bad_input("not MIME"), "554 5.6.0 Message content cannot be processed",
         CopyAction::rejected},
        // Only exactly 550 5.7.1 is the policy's refusal.
        {Error::perm(550, "5.7.0", "Other", "r"), "550 5.7.0 Other", CopyAction::rejected},
        {Error::perm(554, "5.7.1", "Other", "r"), "554 5.7.1 Other", CopyAction::rejected},
    };
    for (const auto& row : rows) {
        EXPECT_EQ(line(unrelayed_reply(row.error)), row.reply) << row.error.reason;
        EXPECT_EQ(unrelayed_action(row.error), row.action) << row.error.reason;
    }
}

// --- per copy --------------------------------------------------------------------------------

smtp::Envelope original_envelope() {
    smtp::Envelope e;
    e.client_address = "192.0.2.1";
    e.helo = "mx.example";
    e.esmtp = true;
    e.tls = true;
    e.sender = "alice@a.example";
    e.size = 12345;
    e.body = smtp::Body::EightBitMime;
    e.smtputf8 = true;
    e.ret = "HDRS";
    e.envid = "id+2B1";
    e.recipients = {{"bob@b.example", "SUCCESS,FAILURE", "rfc822;bob@b.example"},
                    {"carol@c.example", std::nullopt, std::nullopt},
                    {"dave@b.example", "NEVER", std::nullopt}};
    e.xforward = {{"NAME", "client.example"}, {"ADDR", "192.0.2.1"}};
    return e;
}

TEST(DeliveryEnvelope, CopyRecipientsInCopyOrderWithTheirParameters) {
    const smtp::Envelope original = original_envelope();
    struct Row {
        std::vector<std::string> copy;
        std::vector<std::size_t> expected;  // indexes into the original recipients
    };
    const std::vector<Row> rows = {
        {{"bob@b.example", "carol@c.example", "dave@b.example"}, {0, 1, 2}},
        {{"dave@b.example", "bob@b.example"}, {2, 0}},
        {{"carol@c.example"}, {1}},
        {{"stranger@x.example", "carol@c.example"}, {1}},  // not in the envelope: left out
        {{}, {}},
    };
    for (const auto& row : rows) {
        const smtp::Envelope out = copy_envelope(original, row.copy);
        std::vector<smtp::Recipient> want;
        for (const auto i : row.expected)
            want.push_back(original.recipients[i]);
        EXPECT_EQ(out.recipients, want) << row.copy.size();
        // Everything else is the original's, but SIZE: the copy is not the same size.
        EXPECT_FALSE(out.size);
        EXPECT_EQ(out.client_address, original.client_address);
        EXPECT_EQ(out.helo, original.helo);
        EXPECT_EQ(out.esmtp, original.esmtp);
        EXPECT_EQ(out.tls, original.tls);
        EXPECT_EQ(out.sender, original.sender);
        EXPECT_EQ(out.body, original.body);
        EXPECT_EQ(out.smtputf8, original.smtputf8);
        EXPECT_EQ(out.ret, original.ret);
        EXPECT_EQ(out.envid, original.envid);
        EXPECT_EQ(out.xforward, original.xforward);
    }
}

struct TlsRow {
    TlsLevel next_hop;
    std::vector<std::string> recipients;
    TlsLevel level;
    bool domain_asked;
};

TEST_F(DeliveryWithPolicy, CopyTlsIsTheStrongestAsked) {
    const std::vector<TlsRow> rows = {
        {TlsLevel::may, {"bob@elsewhere.example"}, TlsLevel::may, false},
        {TlsLevel::may, {"bob@lax.example"}, TlsLevel::may, false},  // a domain without `tls`
        {TlsLevel::may, {"bob@enc.example"}, TlsLevel::encrypt, true},
        {TlsLevel::may, {"BOB@ENC.EXAMPLE"}, TlsLevel::encrypt, true},
        {TlsLevel::may, {"bob@mx.wild.example"}, TlsLevel::encrypt, true},  // wildcard record
        {TlsLevel::may,
         {"bob@lax.example", "bob@strict.example", "x@enc.example"},
         TlsLevel::verify,
         true},
        {TlsLevel::none, {"bob@elsewhere.example"}, TlsLevel::none, false},
        {TlsLevel::none, {"bob@enc.example"}, TlsLevel::encrypt, true},
        // Inbound copies too: our own domain's record is read like any other.
        {TlsLevel::may, {"carol@a.example"}, TlsLevel::may, false},
        // The next hop's own level is never lowered, and meeting it is not the domain's asking.
        {TlsLevel::encrypt, {"bob@enc.example"}, TlsLevel::encrypt, false},
        {TlsLevel::verify, {"bob@enc.example"}, TlsLevel::verify, false},
        {TlsLevel::encrypt, {"bob@strict.example"}, TlsLevel::verify, true},
        {TlsLevel::may, {}, TlsLevel::may, false},
    };
    for (const auto& row : rows) {
        const CopyTls tls = copy_tls(*snap_, row.next_hop, row.recipients);
        const std::string what = std::string(to_string(row.next_hop)) + " " +
                                 (row.recipients.empty() ? "-" : row.recipients.front());
        EXPECT_EQ(tls.level, row.level) << what;
        EXPECT_EQ(tls.domain_asked, row.domain_asked) << what;
    }
}

// --- the fold --------------------------------------------------------------------------------

// The next hop's own text: it must never reach the upstream client.
constexpr std::string_view kNextHopText = "NEXT-HOP-TEXT";

CopyResult accepted(std::size_t n = 1) {
    return {smtp::Reply::make(250, "2.0.0", kNextHopText), n, n, false, false};
}
CopyResult partly(std::size_t n, std::size_t k) {
    return {smtp::Reply::make(250, "2.0.0", kNextHopText), n, k, false, false};
}
CopyResult replied(int code, std::string status) {
    return {smtp::Reply::make(code, std::move(status), kNextHopText), 1, 0, false, false};
}
CopyResult tls_refused(bool domain) {
    return {
        smtp::Reply::make(451, "4.7.5", "TLS to the next hop is required and was not available"), 1,
        0, true, domain};
}

struct FoldRow {
    const char* name;
    std::vector<CopyResult> results;
    std::size_t planned;
    std::string reply;
};

TEST(DeliveryFold, EveryRow) {
    const std::string tls_text = "451 4.7.5 TLS to the next hop is required and was not available";
    const std::string tls_domain_text =
        "451 4.7.5 TLS to the next hop is required for this domain and was not available";
    // Our own 4.3.0 replies are answered as they are: the next hop did accept (some of) it.
    const std::string partial_text = "451 4.3.0 Next hop refused some recipients; try again later";
    const std::string unprepared_text =
        "451 4.3.0 Not every copy could be prepared; try again later";
    const auto later = [](std::string status, std::string code) {
        return "451 " + status + " Next hop did not accept the message (" + code +
               "); try again later";
    };
    const std::vector<FoldRow> rows = {
        // 250 only when every planned copy was accepted with all its recipients.
        {"one copy", {accepted()}, 1, "250 2.0.0 Ok: 1 copy relayed as Q1"},
        {"two copies", {accepted(2), accepted(1)}, 2, "250 2.0.0 Ok: 2 copies relayed as Q1"},
        // Partial acceptance: the refused recipients would be lost by a 250.
        {"some recipients refused", {partly(2, 1)}, 1, partial_text},
        {"accepted, then partly", {accepted(), partly(3, 2)}, 2, partial_text},
        {"no recipient accepted in a 250", {partly(2, 0)}, 1, partial_text},
        // Every copy refused permanently: 5xx in our words, with the first one's code.
        {"permanent",
         {replied(554, "5.7.1")},
         1,
         "554 5.7.1 Next hop refused the message (554 5.7.1)"},
        {"every copy permanent",
         {replied(554, "5.6.0"), replied(550, "5.1.1")},
         2,
         "554 5.6.0 Next hop refused the message (554 5.6.0)"},
        {"permanent without status",
         {replied(550, "")},
         1,
         "550 5.0.0 Next hop refused the message (550)"},
        {"permanent with a 4.x.x status",
         {replied(550, "4.1.1")},
         1,
         "550 5.0.0 Next hop refused the message (550 4.1.1)"},
        // A permanent refusal of some copies only: 4xx (the others arrived; nothing bounces).
        {"accepted, then permanent",
         {accepted(), replied(554, "5.7.1")},
         2,
         later("4.4.0", "554 5.7.1")},
        {"permanent, then accepted",
         {replied(554, "5.7.1"), accepted()},
         2,
         later("4.4.0", "554 5.7.1")},
        {"permanent, then temporary",
         {replied(554, "5.7.1"), replied(451, "4.3.0")},
         2,
         later("4.4.0", "554 5.7.1")},
        {"partly, then permanent", {partly(2, 1), replied(554, "5.7.1")}, 2, partial_text},
        // Temporary failures keep their enhanced status when it is a 4.x.x.
        {"temporary", {replied(451, "4.4.1")}, 1, later("4.4.1", "451 4.4.1")},
        {"421", {replied(421, "4.4.2")}, 1, later("4.4.2", "421 4.4.2")},
        {"temporary without status", {replied(452, "")}, 1, later("4.4.0", "452")},
        {"temporary with a 5.x.x status", {replied(451, "5.0.0")}, 1, later("4.4.0", "451 5.0.0")},
        {"temporary, then permanent",
         {replied(451, "4.3.0"), replied(554, "5.7.1")},
         2,
         later("4.3.0", "451 4.3.0")},
        {"accepted, then temporary",
         {accepted(), replied(452, "4.2.2")},
         2,
         later("4.2.2", "452 4.2.2")},
        // Our own TLS refusal is answered as it is, when it is the first failure.
        {"our TLS refusal", {tls_refused(false)}, 1, tls_text},
        {"our TLS refusal for a domain", {tls_refused(true)}, 1, tls_domain_text},
        {"accepted, then our TLS refusal", {accepted(), tls_refused(true)}, 2, tls_domain_text},
        {"our TLS refusal, then permanent",
         {tls_refused(false), replied(554, "5.7.1")},
         2,
         tls_text},
        {"our TLS refusals", {tls_refused(true), tls_refused(false)}, 2, tls_domain_text},
        {"temporary, then our TLS refusal",
         {replied(451, "4.4.1"), tls_refused(true)},
         2,
         later("4.4.1", "451 4.4.1")},
        {"permanent, then our TLS refusal",
         {replied(554, "5.7.1"), tls_refused(false)},
         2,
         later("4.4.0", "554 5.7.1")},
        // A copy that could not be rendered after others were relayed: never 250, never 5xx.
        {"rendering failed after one", {accepted()}, 2, unprepared_text},
        {"rendering failed after two", {accepted(), accepted()}, 3, unprepared_text},
        {"permanent, then rendering failed", {replied(554, "5.7.1")}, 2, unprepared_text},
        {"our TLS refusal, then rendering failed", {tls_refused(true)}, 2, unprepared_text},
    };
    for (const auto& row : rows) {
        const smtp::Reply reply = fold(row.results, row.planned, "Q1");
        EXPECT_EQ(line(reply), row.reply) << row.name;
        EXPECT_EQ(reply.text().find(kNextHopText), std::string::npos) << row.name;
    }
}

// The 250 rule and the 5xx rule over every sequence of up to three copies (and every copy count
// a rendering failure can leave): 250 exactly when every planned copy is complete, 5xx exactly
// when every planned copy was refused permanently, 4xx otherwise, never the next hop's text.
TEST(DeliveryFold, TheTwoFiftyRuleOverEverySequence) {
    const std::vector<CopyResult> kinds = {
        accepted(2),           partly(2, 1),     replied(554, "5.7.1"), replied(550, ""),
        replied(451, "4.4.1"), replied(421, ""), tls_refused(false),    tls_refused(true)};
    std::size_t checked = 0;
    std::vector<CopyResult> seq;
    const auto check = [&](std::size_t planned) {
        bool all_complete = seq.size() == planned;
        bool all_permanent = seq.size() == planned && planned > 0;
        for (const auto& r : seq) {
            all_complete = all_complete && r.complete();
            all_permanent = all_permanent && r.reply.permanent();
        }
        const smtp::Reply reply = fold(seq, planned, "Q");
        ++checked;
        EXPECT_EQ(reply.positive(), all_complete) << line(reply);
        EXPECT_EQ(reply.permanent(), all_permanent) << line(reply);
        if (!all_complete && !all_permanent) {
            EXPECT_EQ(reply.code, 451) << line(reply);
            EXPECT_TRUE(reply.status.starts_with("4.")) << line(reply);
        }
        EXPECT_EQ(reply.text().find(kNextHopText), std::string::npos) << line(reply);
        EXPECT_LE(reply.wire().size(), smtp::Reply::kMaxLine);
    };
    const std::function<void(std::size_t)> grow = [&](std::size_t depth) {
        for (std::size_t planned = seq.size(); planned <= seq.size() + 1; ++planned)
            check(planned);
        if (depth == 3)
            return;
        for (const auto& k : kinds) {
            seq.push_back(k);
            grow(depth + 1);
            seq.pop_back();
        }
    };
    grow(0);
    EXPECT_EQ(checked, 2u * (1 + 8 + 64 + 512));
}

TEST(DeliveryFold, LoggedAction) {
    const auto ok = smtp::Reply::make(250, "2.0.0", "Ok");
    const auto later = smtp::Reply::make(451, "4.4.0", "later");
    const auto bounced = smtp::Reply::make(554, "5.7.1", "refused");
    const struct {
        CopyResult result;
        CopyAction done;
        smtp::Reply answer;
        CopyAction logged;
    } rows[] = {
        {accepted(), CopyAction::encrypted, ok, CopyAction::encrypted},
        {accepted(), CopyAction::passed, ok, CopyAction::passed},
        {accepted(), CopyAction::decrypted, ok, CopyAction::decrypted},
        // The copy went out as the pipeline made it, whatever became of the others.
        {accepted(), CopyAction::encrypted, later, CopyAction::encrypted},
        // Accepted with some recipients refused: the copy went out as the pipeline made it.
        {partly(2, 1), CopyAction::encrypted, later, CopyAction::encrypted},
        {replied(451, "4.4.1"), CopyAction::encrypted, later, CopyAction::deferred},
        // Refused permanently: rejected when the sender gets the 5xx, deferred when the message
        // is answered 4xx (another copy was accepted, or failed only for now) and comes back.
        {replied(554, "5.7.1"), CopyAction::passed, bounced, CopyAction::rejected},
        {replied(554, "5.7.1"), CopyAction::encrypted, later, CopyAction::deferred},
        {replied(451, "4.4.1"), CopyAction::encrypted, bounced, CopyAction::deferred},
        {tls_refused(true), CopyAction::encrypted, later, CopyAction::deferred},
    };
    for (const auto& row : rows)
        EXPECT_EQ(logged_action(row.result, row.done, row.answer), row.logged)
            << line(row.result.reply) << " / " << line(row.answer);
}

}  // namespace
}  // namespace sealgate::pipeline
