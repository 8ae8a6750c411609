#include "web/sessions.hpp"

#include <gtest/gtest.h>

#include <set>

namespace sealgate::web {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

const Clock::time_point t0{hours(1000)};

TEST(Sessions, IdsAndCsrfTokensAreRandomAndLong) {
    Sessions s;
    std::set<std::string> seen;
    for (int i = 0; i < 50; ++i) {
        const auto made = s.create("alice", t0);
        EXPECT_EQ(made.id.size(), 43u);
        EXPECT_EQ(made.session.csrf.size(), 43u);
        EXPECT_NE(made.id, made.session.csrf);
        EXPECT_TRUE(seen.insert(made.id).second);
    }
}

TEST(Sessions, IdleTimeoutMovesWithUse) {
    Sessions s;
    const auto made = s.create("alice", t0);
    ASSERT_TRUE(s.find(made.id, t0 + minutes(29)));
    ASSERT_TRUE(s.find(made.id, t0 + minutes(58)));  // 29 minutes after the last use
    EXPECT_FALSE(s.find(made.id, t0 + minutes(58) + minutes(30) + seconds(1)));
    EXPECT_FALSE(s.find(made.id, t0 + minutes(59)));  // gone for good
}

TEST(Sessions, AbsoluteTimeoutEvenWhenUsed) {
    Sessions s;
    const auto made = s.create("alice", t0);
    auto t = t0;
    while (t < t0 + hours(12) - minutes(20)) {
        t += minutes(20);
        ASSERT_TRUE(s.find(made.id, t));
    }
    EXPECT_FALSE(s.find(made.id, t0 + hours(12) + seconds(1)));
}

TEST(Sessions, RemoveAndRemoveUser) {
    Sessions s;
    const auto a1 = s.create("alice", t0);
    const auto a2 = s.create("alice", t0);
    const auto b = s.create("bob", t0);
    s.remove(a1.id);
    EXPECT_FALSE(s.find(a1.id, t0));
    EXPECT_TRUE(s.find(a2.id, t0));
    s.remove_user("alice");
    EXPECT_FALSE(s.find(a2.id, t0));
    EXPECT_EQ(s.find(b.id, t0)->user, "bob");
    EXPECT_FALSE(s.find("", t0));
    EXPECT_FALSE(s.find(std::string(1000, 'a'), t0));
}

TEST(Sessions, BoundedTheIdlestGoesFirst) {
    Sessions s;
    const auto oldest = s.create("old", t0);
    std::vector<std::string> ids;
    for (std::size_t i = 1; i < Sessions::kMax; ++i)
        ids.push_back(s.create("u", t0 + seconds(1)).id);
    const auto newest = s.create("new", t0 + seconds(2));
    EXPECT_TRUE(s.find(newest.id, t0 + seconds(2)));
    EXPECT_FALSE(s.find(oldest.id, t0 + seconds(2)));
    EXPECT_TRUE(s.find(ids.front(), t0 + seconds(2)));
}

TEST(LoginThrottle, ThreeFreeFailuresPerNameThenADoublingDelay) {
    LoginThrottle t;
    for (int i = 0; i < 2; ++i) {
        t.failed("carol", "10.0.0.1", t0);
        EXPECT_EQ(t.wait("carol", "10.0.0.1", t0), 0);
    }
    EXPECT_EQ(t.failed("carol", "10.0.0.1", t0), 3u);
    EXPECT_EQ(t.wait("carol", "10.0.0.1", t0), 5);
    EXPECT_EQ(t.wait("carol", "10.0.0.2", t0), 5);  // the name, from anywhere
    EXPECT_EQ(t.wait("alice", "10.0.0.1", t0), 0);  // the address is not blocked yet
    EXPECT_EQ(t.wait("carol", "10.0.0.1", t0 + seconds(5)), 0);
    t.failed("carol", "10.0.0.1", t0 + seconds(5));
    EXPECT_EQ(t.wait("carol", "10.0.0.1", t0 + seconds(5)), 10);
    t.failed("carol", "10.0.0.1", t0 + seconds(15));
    EXPECT_EQ(t.wait("carol", "10.0.0.1", t0 + seconds(15)), 20);
    for (int i = 0; i < 20; ++i)
        t.failed("carol", "10.0.0.3", t0 + seconds(20));
    EXPECT_EQ(t.wait("carol", "10.0.0.9", t0 + seconds(20)), 15 * 60);  // capped
    t.succeeded("carol");
    EXPECT_EQ(t.wait("carol", "10.0.0.9", t0 + seconds(20)), 0);
}

TEST(LoginThrottle, TenFreeFailuresPerAddress) {
    LoginThrottle t;
    for (int i = 0; i < 9; ++i)
        t.failed("user" + std::to_string(i), "10.0.0.1", t0);
    EXPECT_EQ(t.wait("someone", "10.0.0.1", t0), 0);
    t.failed("user9", "10.0.0.1", t0);
    EXPECT_EQ(t.wait("someone", "10.0.0.1", t0), 5);
    EXPECT_EQ(t.wait("someone", "10.0.0.2", t0), 0);
    t.succeeded("someone");  // a success does not clear the address
    EXPECT_EQ(t.wait("someone", "10.0.0.1", t0), 5);
}

TEST(LoginThrottle, FailuresAreForgottenAfterAnHour) {
    LoginThrottle t;
    for (int i = 0; i < 3; ++i)
        t.failed("carol", "10.0.0.1", t0);
    const auto later = t0 + hours(1) + minutes(1);
    EXPECT_EQ(t.failed("carol", "10.0.0.1", later), 1u);
    EXPECT_EQ(t.wait("carol", "10.0.0.1", later), 0);
}

}  // namespace
}  // namespace sealgate::web
