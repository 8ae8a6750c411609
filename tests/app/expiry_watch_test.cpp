// The daemon's expiry check (app/expiry_watch.hpp) at chosen moments, on a real store: each
// threshold (30, 14, 7, 1 days) is warned once, an expired item once a day, own before partner,
// a renewal starts over; the summary mail is due once a day, and again after a failed send.
#include <gtest/gtest.h>

#include "admin/fixture.hpp"
#include "app/expiry_watch.hpp"

namespace sealgate::app {
namespace {

constexpr std::time_t kDay = 86400;

class ExpiryWatch : public admin::AdminTest {
  protected:
    void SetUp() override {
        AdminTest::SetUp();
        partner_ = partner_certificate("domain-cert@p.example", 40);
        auto end = crypto::Certificate::from_pem(partner_.pem);
        ASSERT_TRUE(end);
        end_ = end->not_after();
    }
    ExpiryCheck check(std::time_t now, bool notify = true) {
        auto c = check_expiry(service(), *store_, now, notify);
        EXPECT_TRUE(c) << c.error().reason;
        return c ? *c : ExpiryCheck{};
    }
    MadeCertificate partner_;
    std::time_t end_ = 0;
};

TEST_F(ExpiryWatch, EachThresholdOnceThenDailyAfterTheEnd) {
    EXPECT_TRUE(check(end_ - 35 * kDay).warnings.empty());  // outside the window
    const auto at30 = check(end_ - 29 * kDay);
    ASSERT_EQ(at30.warnings.size(), 1u);
    EXPECT_NE(at30.warnings[0].find("partner certificate " + partner_.sha256), std::string::npos)
        << at30.warnings[0];
    EXPECT_NE(at30.warnings[0].find("(29 days left)"), std::string::npos) << at30.warnings[0];
    EXPECT_TRUE(check(end_ - 20 * kDay).warnings.empty());  // still the 30-day threshold
    EXPECT_EQ(check(end_ - 13 * kDay).warnings.size(), 1u);
    EXPECT_TRUE(check(end_ - 12 * kDay).warnings.empty());
    EXPECT_EQ(check(end_ - 6 * kDay).warnings.size(), 1u);
    EXPECT_EQ(check(end_ - kDay / 2).warnings.size(), 1u);
    EXPECT_TRUE(check(end_ - kDay / 4).warnings.empty());
    const auto after = check(end_ + 10);
    ASSERT_EQ(after.warnings.size(), 1u);
    EXPECT_NE(after.warnings[0].find("expired on"), std::string::npos) << after.warnings[0];
    EXPECT_TRUE(check(end_ + 20).warnings.empty());          // the same day
    EXPECT_EQ(check(end_ + kDay + 20).warnings.size(), 1u);  // the next day again
}

TEST_F(ExpiryWatch, OwnFirst) {
    auto own =
        service().create_certificate({"domain-cert@a.example", "", crypto::KeyAlgorithm::p256, 20});
    ASSERT_TRUE(own) << own.error().reason;
    // Our own ended 10 days ago; the partner's ends in 10 days.
    const auto c = check(end_ - 10 * kDay);
    ASSERT_EQ(c.warnings.size(), 2u);
    EXPECT_NE(c.warnings[0].find("own certificate " + own->cert.sha256()), std::string::npos)
        << c.warnings[0];
    EXPECT_NE(c.warnings[0].find("expired on"), std::string::npos) << c.warnings[0];
    EXPECT_NE(c.warnings[1].find("partner certificate " + partner_.sha256), std::string::npos);
    ASSERT_EQ(c.items.size(), 2u);
    EXPECT_TRUE(c.items[0].own);
    EXPECT_FALSE(c.items[1].own);
}

TEST_F(ExpiryWatch, TheSummaryIsDueOnceADayAndAgainAfterAFailedSend) {
    const auto at30 = check(end_ - 29 * kDay, false);  // no [notify] admin: never due
    EXPECT_EQ(at30.warnings.size(), 1u);
    EXPECT_FALSE(at30.mail_due);
    const std::time_t t = end_ - 13 * kDay;
    auto first = check(t);  // the 14-day threshold: due
    EXPECT_EQ(first.warnings.size(), 1u);
    EXPECT_TRUE(first.mail_due);
    // Not sent (the next hop refused): still due at the next check, with no new warning.
    auto retry = check(t + 3600);
    EXPECT_TRUE(retry.warnings.empty());
    EXPECT_TRUE(retry.mail_due);
    ASSERT_TRUE(summary_sent(*store_, t + 3600));
    EXPECT_FALSE(check(t + 7200).mail_due);
    // The next day: nothing new, nothing due; a week later the 7-day threshold: due again.
    EXPECT_FALSE(check(t + kDay).mail_due);
    EXPECT_TRUE(check(end_ - 6 * kDay).mail_due);
    const std::string mail = summary_mail(first.items, "gw.example", "postmaster@example.com", t);
    EXPECT_NE(mail.find("To: <postmaster@example.com>\r\n"), std::string::npos);
    EXPECT_NE(mail.find(partner_.sha256), std::string::npos);
    EXPECT_NE(mail.find("Auto-Submitted: auto-generated"), std::string::npos);
}

TEST_F(ExpiryWatch, AStoreErrorFailsTheCheck) {
    store_->fail_on = "find_setting";
    EXPECT_FALSE(check_expiry(service(), *store_, end_ - 10 * kDay, true));
}

}  // namespace
}  // namespace sealgate::app
