// How long the gateway decides on the policy it has while the store cannot be read
// (app/store_watch.hpp, [store] max_stale), what it says about an outage, and the mail log
// writer (app/log_writer.hpp) on a store that fails and comes back: no record lost, no record
// silently dropped, each episode reported once.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "app/log_writer.hpp"
#include "app/store_watch.hpp"
#include "support/failing_store.hpp"
#include "support/store.hpp"

namespace sealgate::app {
namespace {

using namespace std::chrono_literals;
using Clock = StoreWatch::Clock;

class Watch : public ::testing::Test {
  protected:
    StoreWatch watch{60s, [this](const std::string& line) { reports.push_back(line); }};
    std::vector<std::string> reports;
    const Clock::time_point t0 = Clock::now();
    const std::time_t wall = 1796040000;  // 2026-11-30 12:00:00 UTC
};

TEST_F(Watch, AFreshPolicyIsUsedAndReportsNothing) {
    watch.read_ok(t0);
    watch.read_ok(t0 + 1s);
    EXPECT_FALSE(watch.refusal(t0 + 2s));
    EXPECT_TRUE(watch.ready(t0 + 2s).ok);
    EXPECT_EQ(watch.ready(t0 + 2s).detail, "");
    EXPECT_TRUE(reports.empty());
}

TEST_F(Watch, AnOutageIsReportedOnceAndThePolicyUsedUntilMaxStale) {
    watch.read_ok(t0);
    for (int s = 1; s <= 60; ++s)
        watch.read_failed(t0 + std::chrono::seconds(s), wall + s, "connection refused");
    ASSERT_EQ(reports.size(), 1u);
    EXPECT_EQ(reports[0],
              "store unreachable since 2026-11-30 12:00:01 UTC: connection refused; deciding on "
              "the policy read 1 s ago for at most [store] max_stale = 60 s");
    // 60 s after the last good read: still within max_stale.
    EXPECT_FALSE(watch.refusal(t0 + 60s));
    const auto ready = watch.ready(t0 + 60s);
    EXPECT_TRUE(ready.ok);
    EXPECT_EQ(ready.detail,
              "unreachable for 59 s; deciding on the policy read 60 s ago (max_stale 60 s)");
    EXPECT_TRUE(watch.in_outage());
}

TEST_F(Watch, PastMaxStaleEveryRecipientGets451AndReadyzIsDown) {
    watch.read_ok(t0);
    for (int s = 1; s <= 70; ++s)
        watch.read_failed(t0 + std::chrono::seconds(s), wall + s, "connection refused");
    const auto refused = watch.refusal(t0 + 61s);
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->code, 451);
    EXPECT_EQ(refused->status, "4.3.0");
    EXPECT_EQ(refused->public_text, "Policy store unreachable, try again later");
    EXPECT_TRUE(refused->temporary());
    EXPECT_EQ(refused->reason,
              "the policy was last read from the store 61 s ago, past [store] max_stale = 60 s");
    EXPECT_FALSE(watch.ready(t0 + 61s).ok);
    EXPECT_EQ(watch.ready(t0 + 61s).detail, refused->reason);
    // The outage once, crossing max_stale once: not once per poll.
    ASSERT_EQ(reports.size(), 2u);
    EXPECT_EQ(reports[1],
              "store unreachable for 60 s, policy read 61 s ago is past [store] max_stale = 60 s: "
              "new mail gets 451 4.3.0 until the store can be read (connection refused)");
}

TEST_F(Watch, ItRecoversByItselfAtTheFirstGoodReadAndSaysSoOnce) {
    watch.read_ok(t0);
    for (int s = 1; s <= 90; ++s)
        watch.read_failed(t0 + std::chrono::seconds(s), wall + s, "connection refused");
    ASSERT_TRUE(watch.refusal(t0 + 91s));
    watch.read_ok(t0 + 91s);
    EXPECT_FALSE(watch.refusal(t0 + 91s));
    EXPECT_TRUE(watch.ready(t0 + 91s).ok);
    EXPECT_FALSE(watch.in_outage());
    watch.read_ok(t0 + 92s);
    ASSERT_EQ(reports.size(), 3u);
    EXPECT_EQ(reports[2], "store reachable again after 90 s; taking mail again");
    // A second outage is a new one: reported again, with a fresh window.
    watch.read_failed(t0 + 100s, wall + 100, "timeout");
    EXPECT_FALSE(watch.refusal(t0 + 150s));
    ASSERT_EQ(reports.size(), 4u);
    EXPECT_EQ(reports[3].rfind("store unreachable since 2026-11-30 12:01:40 UTC: timeout", 0), 0u);
}

TEST_F(Watch, AnOutageReasonIsOneLine) {
    watch.read_ok(t0);
    watch.read_failed(t0 + 1s, wall, "no connection\n\tto the server\n");
    ASSERT_EQ(reports.size(), 1u);
    EXPECT_NE(reports[0].find(": no connection to the server; deciding"), std::string::npos);
}

TEST_F(Watch, AShortOutageEndsWithoutARefusal) {
    watch.read_ok(t0);
    watch.read_failed(t0 + 1s, wall, "x");
    watch.read_failed(t0 + 2s, wall, "x");
    watch.read_ok(t0 + 3s);
    ASSERT_EQ(reports.size(), 2u);
    EXPECT_EQ(reports[1], "store reachable again after 2 s");
}

// The first read (Gateway::start) must succeed before anything is decided: without one there is
// no policy to call stale, and nothing is refused for it.
TEST_F(Watch, NothingIsStaleBeforeTheFirstRead) {
    EXPECT_FALSE(watch.refusal(t0 + 1h));
    EXPECT_TRUE(watch.ready(t0 + 1h).ok);
}

LogRecord record(int n) {
    LogRecord r;
    r.time = 1796040000 + n;
    r.queue_id = "Q" + std::to_string(n);
    r.sender = "a@example.com";
    r.recipients = {"b@example.net"};
    r.action = CopyAction::passed;
    r.node = "node-1";
    return r;
}

// The mail log writer on a store whose writes fail for a while: every record is written once
// the store takes writes again, and the episode is reported once when it starts and once when
// it ends — never silently dropped.
TEST(MailLogWriterOnAFailingStore, KeepsEveryRecordAndReportsTheEpisodeOnce) {
    test::TempDir dir;
    auto real = test::open_store(dir);
    ASSERT_TRUE(real);
    auto failing = std::make_unique<test::FailingStore>(*real);
    test::FailingStore& store = *failing;
    store.fail_on = "append_logs";
    int calls = 0;  // writer thread only
    store.before = [&store, &calls](std::string_view name) {
        if (name == "append_logs" && ++calls == 3)
            store.fail_on.clear();  // the store comes back at the third try
    };
    std::mutex mutex;
    std::vector<std::string> reports;
    {
        MailLogWriter writer(std::move(failing), 100, [&](const std::string& line) {
            const std::lock_guard lock(mutex);
            reports.push_back(line);
        });
        for (int i = 0; i < 5; ++i)
            ASSERT_TRUE(writer.submit(record(i)));
        // Poll the store (another connection) until the records arrive.
        auto reader = SqliteStore::open(dir.file("s.db"), OpenMode::existing);
        ASSERT_TRUE(reader) << reader.error().reason;
        std::vector<LogRecord> stored;
        for (int i = 0; i < 300 && stored.size() < 5; ++i) {
            std::this_thread::sleep_for(20ms);
            auto got = (*reader)->query_log(LogQuery{});
            ASSERT_TRUE(got) << got.error().reason;
            stored = *got;
        }
        ASSERT_EQ(stored.size(), 5u);
        for (int i = 0; i < 5; ++i) {
            EXPECT_EQ(stored[i].queue_id, "Q" + std::to_string(i));
            EXPECT_EQ(stored[i].node, "node-1");
        }
        EXPECT_EQ(writer.waiting(), 0u);
    }
    ASSERT_EQ(reports.size(), 2u);
    EXPECT_EQ(reports[0],
              "mail log write failed, keeping the records and trying again: injected failure in "
              "append_logs");
    EXPECT_EQ(reports[1], "mail log written again (5 records were waiting)");
}

// While the store takes no writes the queue fills; a full queue refuses the record (the gateway
// answers new mail 451 then: full()), it does not drop an older one.
TEST(MailLogWriterOnAFailingStore, AFullQueueRefusesNewRecordsAndKeepsTheOld) {
    test::TempDir dir;
    auto real = test::open_store(dir);
    ASSERT_TRUE(real);
    auto failing = std::make_unique<test::FailingStore>(*real);
    test::FailingStore& store = *failing;
    store.fail_on = "append_logs";
    std::atomic<bool> back{false};
    store.before = [&store, &back](std::string_view) {
        if (back)
            store.fail_on.clear();  // on the writer's thread, like every call of the store
    };
    {
        MailLogWriter writer(std::move(failing), 3, [](const std::string&) {});
        EXPECT_TRUE(writer.submit(record(1)));
        EXPECT_TRUE(writer.submit(record(2)));
        EXPECT_TRUE(writer.submit(record(3)));
        EXPECT_TRUE(writer.full());
        EXPECT_FALSE(writer.submit(record(4)));
        EXPECT_EQ(writer.waiting(), 3u);
        back = true;  // the destructor writes what waits
    }
    auto stored = real->query_log(LogQuery{});
    ASSERT_TRUE(stored) << stored.error().reason;
    ASSERT_EQ(stored->size(), 3u);
    EXPECT_EQ((*stored)[2].queue_id, "Q3");
}

}  // namespace
}  // namespace sealgate::app
