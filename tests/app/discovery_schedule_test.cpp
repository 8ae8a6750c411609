// The daemon's key discovery re-checks (app/discovery_schedule.hpp): when a domain is looked up
// again (TTL bounded to 5 min .. 1 day, a failure retried after 5 min doubling to 1 h), and the
// worker itself on a real store with a synthetic lookup: it looks up the domains with discovery
// on (not the others), stages what is new and never removes a pin.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "admin/fixture.hpp"
#include "app/discovery_schedule.hpp"
#include "crypto/keygen.hpp"

namespace sealgate::app {
namespace {

TEST(DiscoveryScheduleTimes, TtlIsBoundedAndFailuresBackOff) {
    const std::time_t now = 1'000'000;
    EXPECT_EQ(next_discovery(now, 0, 3600), now + 3600);
    EXPECT_EQ(next_discovery(now, 0, 10), now + 300) << "at least 5 minutes";
    EXPECT_EQ(next_discovery(now, 0, 7 * 86400), now + 86400) << "at most a day";
    EXPECT_EQ(next_discovery(now, 0, 0), now + 3600) << "no TTL known: an hour";
    EXPECT_EQ(next_discovery(now, 1, 3600), now + 300);
    EXPECT_EQ(next_discovery(now, 2, 3600), now + 600);
    EXPECT_EQ(next_discovery(now, 3, 3600), now + 1200);
    EXPECT_EQ(next_discovery(now, 4, 3600), now + 2400);
    EXPECT_EQ(next_discovery(now, 5, 3600), now + 3600);
    EXPECT_EQ(next_discovery(now, 40, 3600), now + 3600) << "at most an hour";
}

TEST(DiscoveryScheduleTimes, OnlyFailedAndBogusAnswersCountAsFailure) {
    admin::DiscoveryStaging staging;
    std::uint32_t ttl = 99;
    EXPECT_TRUE(discovery_failed(staging, ttl)) << "no answer at all";
    admin::StagedFinding failed;
    failed.finding.dnssec = discover::Dnssec::failed;
    admin::StagedFinding bogus;
    bogus.finding.dnssec = discover::Dnssec::bogus;
    bogus.finding.ttl = 5;
    staging.findings = {failed, bogus};
    EXPECT_TRUE(discovery_failed(staging, ttl));
    EXPECT_EQ(ttl, 0u);
    admin::StagedFinding none;
    none.finding.dnssec = discover::Dnssec::no_record;
    none.finding.ttl = 900;
    admin::StagedFinding found;
    found.finding.dnssec = discover::Dnssec::secure;
    found.finding.ttl = 600;
    staging.findings = {failed, none, found};
    EXPECT_FALSE(discovery_failed(staging, ttl));
    EXPECT_EQ(ttl, 600u);
}

class DiscoveryWorker : public admin::AdminTest {
  protected:
    // Polls `done` until it holds, for at most 30 s (the worker's first pass runs at start).
    template <class Condition>
    bool eventually(Condition done) {
        const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        while (std::chrono::steady_clock::now() < end) {
            if (done())
                return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        return done();
    }

    std::unique_ptr<DiscoverySchedule> start(admin::DiscoverLookup lookup) {
        // A connection of its own to the same file, as in the daemon.
        auto second = SqliteStore::open(dir_.file("s.db"), OpenMode::existing);
        EXPECT_TRUE(second);
        auto master = MasterKey::load(dir_.file("s.db.key"));
        EXPECT_TRUE(master) << master.error().reason;
        auto keys = std::make_unique<keystore::KeyStore>(**second, std::move(*master));
        return DiscoverySchedule::start(std::move(*second), std::move(keys),
                                        admin::Actor{"daemon:discovery", "node-a"},
                                        std::move(lookup));
    }
};

TEST_F(DiscoveryWorker, LooksUpTheDomainsWithDiscoveryOnAndStagesWhatIsNew) {
    domain("partner.example", EncryptMode::mandatory);
    domain("quiet.example", EncryptMode::mandatory);
    admin::DomainChange on;
    on.discovery = DiscoveryMode::review;
    ASSERT_OK(service().change_domain("partner.example", on, false));

    crypto::CertificateRequest req;
    req.email = "domain-cert@partner.example";
    req.algorithm = crypto::KeyAlgorithm::p256;
    req.days = 365;
    auto made = crypto::create_domain_certificate(req);
    ASSERT_TRUE(made);
    discover::Finding f;
    f.source = KeySource::dane;
    f.method = Method::smime;
    f.dnssec = discover::Dnssec::secure;
    f.usage = 3;
    f.ttl = 3600;
    f.where = "x._smimecert.partner.example";
    f.data = made->first.der();
    f.id = made->first.sha256();
    f.usable = true;

    std::mutex asked_mutex;
    std::vector<std::string> asked;
    auto schedule = start([&](std::string_view address, std::time_t) {
        const std::lock_guard lock(asked_mutex);
        asked.emplace_back(address);
        return Result<std::vector<discover::Finding>>(std::vector<discover::Finding>{f});
    });
    ASSERT_TRUE(eventually([&] { return schedule->rounds() >= 1; }));
    schedule.reset();  // stops and joins
    EXPECT_EQ(asked, std::vector<std::string>{"domain-cert@partner.example"})
        << "quiet.example has discovery off";
    const auto pending = value_of(real_->list_pending());
    ASSERT_EQ(pending.size(), 1u);
    EXPECT_EQ(pending[0].kind, PendingKind::discovery);
    EXPECT_EQ(pending[0].found.id, f.id);
    EXPECT_TRUE(value_of(real_->find_domain("partner.example"))->smime_certs.empty())
        << "review: nothing pinned without an administrator";
    EXPECT_EQ(audit_log().back().actor, "daemon:discovery");
}

TEST_F(DiscoveryWorker, AFailingLookupChangesNothing) {
    domain("partner.example", EncryptMode::mandatory);
    admin::DomainChange on;
    on.discovery = DiscoveryMode::auto_dane;
    ASSERT_OK(service().change_domain("partner.example", on, false));
    const auto before = audit_count();
    auto schedule = start([](std::string_view, std::time_t) {
        discover::Finding failed;
        failed.dnssec = discover::Dnssec::failed;
        failed.reason = "timeout";
        return Result<std::vector<discover::Finding>>(std::vector<discover::Finding>{failed});
    });
    ASSERT_TRUE(eventually([&] { return schedule->rounds() >= 1; }));
    schedule.reset();
    EXPECT_TRUE(value_of(real_->list_pending()).empty());
    EXPECT_EQ(audit_count(), before);
}

}  // namespace
}  // namespace sealgate::app
