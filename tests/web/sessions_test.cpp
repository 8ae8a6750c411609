#include "web/sessions.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <set>
#include <thread>
#include <vector>

namespace sealgate::web {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

const Clock::time_point t0{hours(1000)};

Sessions::Created made_ok(Sessions& s, const std::string& user, Clock::time_point now,
                          const std::string& stamp = "stamp") {
    auto made = s.create(user, stamp, now);
    if (!made)
        throw std::runtime_error("session refused");
    return std::move(*made);
}

TEST(Sessions, IdsAndCsrfTokensAreRandomAndLong) {
    Sessions s;
    std::set<std::string> seen;
    for (int i = 0; i < 50; ++i) {
        const auto made = made_ok(s, "user" + std::to_string(i), t0);
        EXPECT_EQ(made.id.size(), 43u);
        EXPECT_EQ(made.session.csrf.size(), 43u);
        EXPECT_NE(made.id, made.session.csrf);
        EXPECT_TRUE(seen.insert(made.id).second);
    }
}

TEST(Sessions, KeepTheStampOfTheLogin) {
    Sessions s;
    const auto made = made_ok(s, "alice", t0, "the stamp");
    EXPECT_EQ(s.find(made.id, t0)->stamp, "the stamp");
}

TEST(Sessions, IdleTimeoutMovesWithUse) {
    Sessions s;
    const auto made = made_ok(s, "alice", t0);
    ASSERT_TRUE(s.find(made.id, t0 + minutes(29)));
    ASSERT_TRUE(s.find(made.id, t0 + minutes(58)));  // 29 minutes after the last use
    EXPECT_FALSE(s.find(made.id, t0 + minutes(58) + minutes(30) + seconds(1)));
    EXPECT_FALSE(s.find(made.id, t0 + minutes(59)));  // gone for good
}

TEST(Sessions, AbsoluteTimeoutEvenWhenUsed) {
    Sessions s;
    const auto made = made_ok(s, "alice", t0);
    auto t = t0;
    while (t < t0 + hours(12) - minutes(20)) {
        t += minutes(20);
        ASSERT_TRUE(s.find(made.id, t));
    }
    EXPECT_FALSE(s.find(made.id, t0 + hours(12) + seconds(1)));
}

TEST(Sessions, RemoveAndRemoveUser) {
    Sessions s;
    const auto a1 = made_ok(s, "alice", t0);
    const auto a2 = made_ok(s, "alice", t0);
    const auto b = made_ok(s, "bob", t0);
    s.remove(a1.id);
    EXPECT_FALSE(s.find(a1.id, t0));
    EXPECT_TRUE(s.find(a2.id, t0));
    s.remove_user("alice");
    EXPECT_FALSE(s.find(a2.id, t0));
    EXPECT_EQ(s.find(b.id, t0)->user, "bob");
    EXPECT_FALSE(s.find("", t0));
    EXPECT_FALSE(s.find(std::string(1000, 'a'), t0));
}

TEST(Sessions, TenPerAccountTheOldestOfThatAccountGoes) {
    Sessions s;
    const auto bob = made_ok(s, "bob", t0);
    std::vector<std::string> alice;
    for (std::size_t i = 0; i < Sessions::kPerAccount; ++i)
        alice.push_back(made_ok(s, "alice", t0 + seconds(static_cast<long>(i))).id);
    // The oldest was used last: still the one that goes (by login time, not by use).
    ASSERT_TRUE(s.find(alice.front(), t0 + seconds(20)));
    const auto newest = made_ok(s, "alice", t0 + seconds(30));
    EXPECT_FALSE(s.find(alice.front(), t0 + seconds(30)));
    for (std::size_t i = 1; i < alice.size(); ++i)
        EXPECT_TRUE(s.find(alice[i], t0 + seconds(30))) << i;
    EXPECT_TRUE(s.find(newest.id, t0 + seconds(30)));
    EXPECT_TRUE(s.find(bob.id, t0 + seconds(30)));
    EXPECT_EQ(s.size(), Sessions::kPerAccount + 1);
}

TEST(Sessions, AtTheMaximumANewLoginIsRefusedNoOtherSessionEnds) {
    Sessions s;
    std::vector<std::string> ids;
    // Logged in a millisecond apart: the first of each account is its oldest.
    for (std::size_t i = 0; i < Sessions::kMax; ++i)
        ids.push_back(made_ok(s, "user" + std::to_string(i / Sessions::kPerAccount),
                              t0 + std::chrono::milliseconds(i))
                          .id);
    EXPECT_FALSE(s.create("mallory", "stamp", t0 + seconds(2)));
    EXPECT_EQ(s.size(), Sessions::kMax);
    for (const auto& id : ids)
        ASSERT_TRUE(s.find(id, t0 + seconds(2)));
    // An account at its own limit replaces its own oldest.
    EXPECT_TRUE(s.create("user0", "stamp", t0 + seconds(3)));
    EXPECT_FALSE(s.find(ids.front(), t0 + seconds(3)));
    EXPECT_TRUE(s.find(ids.back(), t0 + seconds(3)));
    // Expired sessions make room.
    EXPECT_TRUE(s.create("mallory", "stamp", t0 + minutes(40)));
    EXPECT_EQ(s.size(), 1u);
}

TEST(CredentialStamp, ChangesWithPasswordHashRoleAndCreation) {
    const AdminAccount a{"alice", AdminRole::admin, "$argon2id$v=19$m=65536,t=3,p=1$AAAA$BBBB",
                         1700000000};
    EXPECT_EQ(credential_stamp(a), credential_stamp(a));
    EXPECT_EQ(credential_stamp(a).size(), 32u);
    AdminAccount b = a;
    b.password_hash.back() = 'C';
    EXPECT_NE(credential_stamp(a), credential_stamp(b));
    b = a;
    b.role = AdminRole::viewer;
    EXPECT_NE(credential_stamp(a), credential_stamp(b));
    b = a;
    b.created += 1;
    EXPECT_NE(credential_stamp(a), credential_stamp(b));
}

TEST(SameSecret, EqualOnlyWhenEqual) {
    EXPECT_TRUE(same_secret("abc", "abc"));
    EXPECT_TRUE(same_secret("", ""));
    EXPECT_FALSE(same_secret("abc", "abd"));
    EXPECT_FALSE(same_secret("abc", "abcd"));
    EXPECT_FALSE(same_secret("", "a"));
}

// Whether an attempt would be heard now, without leaving one reserved.
long probe(LoginThrottle& t, const std::string& name, const std::string& address,
           Clock::time_point now) {
    const long wait = t.begin(name, address, now);
    if (wait == 0)
        t.cancel(name, address);
    return wait;
}

unsigned fail(LoginThrottle& t, const std::string& name, const std::string& address,
              Clock::time_point now) {
    if (t.begin(name, address, now) != 0)
        throw std::runtime_error("attempt not granted");
    return t.failed(name, address, now);
}

TEST(LoginThrottle, ThreeFreeFailuresPerNameThenADoublingDelay) {
    LoginThrottle t;
    for (int i = 0; i < 2; ++i) {
        fail(t, "carol", "10.0.0.1", t0);
        EXPECT_EQ(probe(t, "carol", "10.0.0.1", t0), 0);
    }
    EXPECT_EQ(fail(t, "carol", "10.0.0.1", t0), 3u);
    EXPECT_EQ(probe(t, "carol", "10.0.0.1", t0), 5);
    EXPECT_EQ(probe(t, "carol", "10.0.0.2", t0), 5);  // the name, from anywhere
    EXPECT_EQ(probe(t, "alice", "10.0.0.1", t0), 0);  // the address is not blocked yet
    EXPECT_EQ(probe(t, "carol", "10.0.0.1", t0 + seconds(5)), 0);
    fail(t, "carol", "10.0.0.1", t0 + seconds(5));
    EXPECT_EQ(probe(t, "carol", "10.0.0.1", t0 + seconds(5)), 10);
    fail(t, "carol", "10.0.0.1", t0 + seconds(15));
    EXPECT_EQ(probe(t, "carol", "10.0.0.1", t0 + seconds(15)), 20);
    for (int i = 0; i < 20; ++i) {
        // Beyond the free attempts one at a time: granted only when the block has passed.
        const auto at = t0 + seconds(35) + hours(i);
        fail(t, "carol", "10.0.0." + std::to_string(10 + i), at);
    }
    const auto late = t0 + seconds(35) + hours(19);
    EXPECT_EQ(probe(t, "carol", "10.0.0.99", late), 15 * 60);  // capped
    ASSERT_EQ(t.begin("carol", "10.0.0.99", late + minutes(15)), 0);
    t.succeeded("carol", "10.0.0.99");
    EXPECT_EQ(probe(t, "carol", "10.0.0.99", late + minutes(15)), 0);
}

TEST(LoginThrottle, TenFreeFailuresPerAddress) {
    LoginThrottle t;
    for (int i = 0; i < 9; ++i)
        fail(t, "user" + std::to_string(i), "10.0.0.1", t0);
    EXPECT_EQ(probe(t, "someone", "10.0.0.1", t0), 0);
    fail(t, "user9", "10.0.0.1", t0);
    EXPECT_EQ(probe(t, "someone", "10.0.0.1", t0), 5);
    EXPECT_EQ(probe(t, "someone", "10.0.0.2", t0), 0);
    ASSERT_EQ(t.begin("someone", "10.0.0.1", t0 + seconds(5)), 0);
    t.succeeded("someone", "10.0.0.1");  // a success does not clear the address
    fail(t, "other", "10.0.0.1", t0 + seconds(5));
    EXPECT_EQ(probe(t, "someone", "10.0.0.1", t0 + seconds(5)), 10);
}

TEST(LoginThrottle, FailuresAreForgottenAfterAnHour) {
    LoginThrottle t;
    for (int i = 0; i < 3; ++i)
        fail(t, "carol", "10.0.0.1", t0);
    const auto later = t0 + hours(1) + minutes(1);
    EXPECT_EQ(fail(t, "carol", "10.0.0.1", later), 1u);
    EXPECT_EQ(probe(t, "carol", "10.0.0.1", later), 0);
}

TEST(LoginThrottle, PendingAttemptsCountAgainstTheFreeOnes) {
    LoginThrottle t;
    fail(t, "carol", "10.0.0.1", t0);
    ASSERT_EQ(t.begin("carol", "10.0.0.1", t0), 0);  // pending: 1 failed + 1 pending < 3
    ASSERT_EQ(t.begin("carol", "10.0.0.2", t0), 0);  // 1 + 2 = 3: the last free one
    EXPECT_EQ(t.begin("carol", "10.0.0.3", t0), 1);  // waits for them
    t.succeeded("carol", "10.0.0.1");  // the count is cleared, one attempt still pending
    EXPECT_EQ(probe(t, "carol", "10.0.0.3", t0), 0);
    EXPECT_EQ(t.failed("carol", "10.0.0.2", t0), 1u);
    // A cancelled attempt counts for nothing.
    ASSERT_EQ(t.begin("dave", "10.0.0.4", t0), 0);
    t.cancel("dave", "10.0.0.4");
    for (int i = 0; i < 2; ++i)
        fail(t, "dave", "10.0.0.4", t0);
    EXPECT_EQ(probe(t, "dave", "10.0.0.4", t0), 0);
}

TEST(LoginThrottle, ParallelGuessesGetNoMoreChecksThanSequentialOnes) {
    // Every thread asks before any attempt is resolved: the race of M2 (twelve parallel wrong
    // logins, eight password checks), made certain.
    LoginThrottle t;
    constexpr int kThreads = 12;
    std::atomic<int> granted{0};
    std::latch asked(kThreads);
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i) {
        threads.emplace_back([&] {
            const bool mine = t.begin("carol", "10.0.0.1", t0) == 0;
            asked.arrive_and_wait();
            if (mine) {
                ++granted;
                t.failed("carol", "10.0.0.1", t0);
            }
        });
    }
    for (auto& th : threads)
        th.join();
    EXPECT_EQ(granted.load(), static_cast<int>(LoginThrottle::kFreePerName));
    EXPECT_EQ(probe(t, "carol", "10.0.0.1", t0), 5);
}

TEST(LoginThrottle, ParallelGuessesWithoutOrderStayWithinTheFreeAttempts) {
    // Threads racing freely, each retrying at once when refused, all at one instant of the
    // throttle's clock: whatever the interleaving, only the free attempts get checked.
    LoginThrottle t;
    std::atomic<int> granted{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 8; ++i) {
        threads.emplace_back([&, i] {
            const std::string address = "10.0.1." + std::to_string(i);
            for (int n = 0; n < 200; ++n) {
                if (t.begin("carol", address, t0) != 0)
                    continue;
                ++granted;
                t.failed("carol", address, t0);
            }
        });
    }
    for (auto& th : threads)
        th.join();
    EXPECT_EQ(granted.load(), static_cast<int>(LoginThrottle::kFreePerName));
}

TEST(LoginThrottle, AddressKeys) {
    EXPECT_EQ(LoginThrottle::address_key("10.0.0.1"), "10.0.0.1");
    EXPECT_EQ(LoginThrottle::address_key("::ffff:10.0.0.1"), "10.0.0.1");
    EXPECT_EQ(LoginThrottle::address_key("2001:db8:1:2:aaaa:bbbb:cccc:dddd"), "2001:db8:1:2::/64");
    EXPECT_EQ(LoginThrottle::address_key("2001:db8:1:2::1"), "2001:db8:1:2::/64");
    EXPECT_EQ(LoginThrottle::address_key("fe80::1%eth0"), "fe80::/64");
    EXPECT_EQ(LoginThrottle::address_key("::1"), "::/64");
    EXPECT_EQ(LoginThrottle::address_key("not an address"), "not an address");
}

TEST(LoginThrottle, AnIPv6HostIsOneAddress) {
    LoginThrottle t;
    for (int i = 0; i < 10; ++i)
        fail(t, "user" + std::to_string(i), "2001:db8:1:2::" + std::to_string(i + 1), t0);
    EXPECT_EQ(probe(t, "someone", "2001:db8:1:2:ffff::77", t0), 5);
    EXPECT_EQ(probe(t, "someone", "2001:db8:1:3::1", t0), 0);
}

TEST(LoginThrottle, ABlockingEntryIsNeverDropped) {
    LoginThrottle t;
    // Names blocked after their three failures, each from an address of its own (those do
    // not block): more entries than the table holds. The clock moves a microsecond a name.
    int blocked = 0;
    for (int i = 0;; ++i) {
        const auto now = t0 + std::chrono::microseconds(i);
        const std::string name = "n" + std::to_string(i);
        const std::string address = "10." + std::to_string(i / 65536) + "." +
                                    std::to_string(i / 256 % 256) + "." + std::to_string(i % 256);
        bool refused = false;
        for (int k = 0; k < 3 && !refused; ++k) {
            if (t.begin(name, address, now) != 0)
                refused = true;
            else
                t.failed(name, address, now);
        }
        if (refused)
            break;
        ++blocked;
        ASSERT_LT(blocked, 20000);
    }
    // Full of blocking names (each address entry was dropped for them): a new one is refused.
    const auto end = t0 + std::chrono::microseconds(blocked + 1);
    EXPECT_GE(blocked, static_cast<int>(LoginThrottle::kMaxEntries) - 2);
    EXPECT_GT(probe(t, "n0", "192.168.0.1", end), 0);
    EXPECT_GT(probe(t, "n" + std::to_string(blocked - 1), "192.168.0.1", end), 0);
    EXPECT_GT(probe(t, "newcomer", "192.168.0.1", end), 0);
    // Once the blocks have passed, they can go.
    EXPECT_EQ(probe(t, "newcomer", "192.168.0.1", t0 + seconds(6)), 0);
}

}  // namespace
}  // namespace sealgate::web
