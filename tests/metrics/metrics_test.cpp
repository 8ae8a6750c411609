// metrics/metrics.hpp and metrics/instruments.hpp: what the page shows after updates.
#include "metrics/metrics.hpp"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace sealgate::metrics {
namespace {

using std::chrono::milliseconds;

std::size_t count(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1))
        ++n;
    return n;
}

TEST(Histogram, BucketsByUpperBoundInclusive) {
    Histogram h({0.01, 0.1});
    h.observe(milliseconds(10));              // == 0.01: first bucket
    h.observe(milliseconds(11));              // second
    h.observe(milliseconds(500));             // above every bound
    h.observe(std::chrono::nanoseconds(-5));  // a clock step: counted as 0
    EXPECT_EQ(h.counts(), (std::vector<std::uint64_t>{2, 1, 1}));
    EXPECT_DOUBLE_EQ(h.sum_seconds(), 0.521);
}

TEST(Registry, CountersFromManyThreadsAddUp) {
    Registry r;
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&r] {
            for (int i = 0; i < 10000; ++i) {
                r.count_copy(Direction::outbound, "smime", CopyAction::encrypted, 250);
                r.transaction_seconds.observe(milliseconds(3));
            }
        });
    for (auto& t : threads)
        t.join();
    const std::string page = r.render();
    EXPECT_NE(page.find("sealgate_messages_total{direction=\"outbound\",method=\"smime\","
                        "action=\"encrypted\",result=\"2xx\"} 40000\n"),
              std::string::npos)
        << page;
    EXPECT_NE(page.find("sealgate_transaction_duration_seconds_count 40000\n"), std::string::npos);
    EXPECT_NE(page.find("sealgate_transaction_duration_seconds_bucket{le=\"0.005\"} 40000\n"),
              std::string::npos);
    EXPECT_NE(page.find("sealgate_transaction_duration_seconds_sum 120\n"), std::string::npos);
    EXPECT_NE(page.find("sealgate_crypto_duration_seconds_count 0\n"), std::string::npos);
}

TEST(Registry, PageHasEveryFamilyOnce) {
    Registry r;
    r.set_version("9.9.9");
    r.count_copy(Direction::inbound, "pgp", CopyAction::decrypted, 451);
    r.count_copy(Direction::relay, "", CopyAction::passed, 550);
    r.count_refusal(Refusal::rcpt_policy);
    r.count_next_hop_error(NextHopError::tls);
    r.received_bytes.add(100);
    r.record_key_request("smime_decrypt", true, milliseconds(2));
    r.record_key_request("smime_decrypt", false, milliseconds(2));
    r.set_expiries({{Expiry::Kind::certificate, "ab12", true, 86400 * 10},
                    {Expiry::Kind::pgp_key, "cd34", false, 86400 * 3}});
    const std::string page = r.render();
    for (const char* family :
         {"sealgate_messages_total", "sealgate_refusals_total", "sealgate_received_bytes_total",
          "sealgate_relayed_bytes_total", "sealgate_smtp_sessions_total", "sealgate_smtp_sessions",
          "sealgate_transactions_in_flight", "sealgate_next_hop_errors_total",
          "sealgate_crypto_duration_seconds", "sealgate_transaction_duration_seconds",
          "sealgate_key_requests_total", "sealgate_key_request_duration_seconds",
          "sealgate_certificate_expiry_timestamp_seconds",
          "sealgate_pgp_key_expiry_timestamp_seconds", "sealgate_build_info"}) {
        EXPECT_EQ(count(page, std::string("# TYPE ") + family + " "), 1u) << family;
        EXPECT_EQ(count(page, std::string("# HELP ") + family + " "), 1u) << family;
    }
    EXPECT_NE(page.find("direction=\"inbound\",method=\"pgp\",action=\"decrypted\","
                        "result=\"4xx\"} 1\n"),
              std::string::npos);
    EXPECT_NE(page.find("direction=\"relay\",method=\"none\",action=\"passed\",result=\"5xx\"} 1"),
              std::string::npos);
    EXPECT_NE(page.find("sealgate_refusals_total{stage=\"rcpt\",reason=\"policy\"} 1\n"),
              std::string::npos);
    EXPECT_NE(page.find("sealgate_next_hop_errors_total{kind=\"tls\"} 1\n"), std::string::npos);
    EXPECT_NE(page.find("sealgate_key_requests_total{op=\"smime_decrypt\",result=\"ok\"} 1\n"),
              std::string::npos);
    EXPECT_NE(page.find("sealgate_key_requests_total{op=\"smime_decrypt\",result=\"error\"} 1\n"),
              std::string::npos);
    EXPECT_NE(page.find("sealgate_key_request_duration_seconds_count{op=\"smime_decrypt\"} 2\n"),
              std::string::npos);
    EXPECT_NE(page.find("sealgate_certificate_expiry_timestamp_seconds{sha256=\"ab12\","
                        "owner=\"own\"} 864000\n"),
              std::string::npos);
    EXPECT_NE(page.find("sealgate_pgp_key_expiry_timestamp_seconds{fingerprint=\"cd34\","
                        "owner=\"partner\"} 259200\n"),
              std::string::npos);
    EXPECT_NE(page.find("sealgate_build_info{version=\"9.9.9\"} 1\n"), std::string::npos);
    // Copies never counted have no series.
    EXPECT_EQ(page.find("action=\"rejected\""), std::string::npos);
}

TEST(Registry, KeyOperationsBeyondTheTableCountAsOther) {
    Registry r;
    for (int i = 0; i < 20; ++i)
        r.record_key_request("op" + std::to_string(i), true, milliseconds(1));
    r.record_key_request("op19", true, milliseconds(1));
    const std::string page = r.render();
    EXPECT_NE(page.find("op=\"op14\",result=\"ok\"} 1\n"), std::string::npos) << page;
    EXPECT_EQ(page.find("op=\"op15\""), std::string::npos);
    // op15 to op19, and op19 once more.
    EXPECT_NE(page.find("sealgate_key_requests_total{op=\"other\",result=\"ok\"} 6\n"),
              std::string::npos);
    EXPECT_EQ(count(page, "sealgate_key_requests_total{op=\"other\",result=\"ok\"}"), 1u);
}

}  // namespace
}  // namespace sealgate::metrics
