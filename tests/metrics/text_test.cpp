// metrics/text.hpp: the exposition format's rules that a scraper relies on.
#include "metrics/text.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace sealgate::metrics {
namespace {

TEST(MetricsText, LabelValuesAreEscaped) {
    EXPECT_EQ(escape_label_value("plain"), "plain");
    EXPECT_EQ(escape_label_value("a\\b"), "a\\\\b");
    EXPECT_EQ(escape_label_value("say \"x\""), "say \\\"x\\\"");
    EXPECT_EQ(escape_label_value("two\nlines"), "two\\nlines");
    EXPECT_EQ(escape_help("a\\b\nc \"q\""), "a\\\\b\\nc \"q\"");
}

TEST(MetricsText, Values) {
    EXPECT_EQ(format_value(0), "0");
    EXPECT_EQ(format_value(12345678), "12345678");
    EXPECT_EQ(format_value(-3), "-3");
    EXPECT_EQ(format_value(0.005), "0.005");
    EXPECT_EQ(format_value(2.5), "2.5");
    EXPECT_EQ(format_value(1.0 / 0.0), "+Inf");
    EXPECT_EQ(format_value(-1.0 / 0.0), "-Inf");
    EXPECT_EQ(format_value(0.0 / 0.0), "NaN");
}

TEST(MetricsText, HelpAndTypeOncePerFamilyBeforeItsSamples) {
    Exposition out;
    out.family("sealgate_things_total", Exposition::Type::counter, "Things.\nCounted.");
    out.sample({{"kind", "a\"b"}}, 3);
    out.sample({{"kind", "c"}, {"where", "x\\y"}}, 4);
    out.family("sealgate_level", Exposition::Type::gauge, "A level.");
    out.sample({}, -2);
    EXPECT_EQ(out.text(),
              "# HELP sealgate_things_total Things.\\nCounted.\n"
              "# TYPE sealgate_things_total counter\n"
              "sealgate_things_total{kind=\"a\\\"b\"} 3\n"
              "sealgate_things_total{kind=\"c\",where=\"x\\\\y\"} 4\n"
              "# HELP sealgate_level A level.\n"
              "# TYPE sealgate_level gauge\n"
              "sealgate_level -2\n");
}

TEST(MetricsText, MisuseIsABug) {
    Exposition out;
    EXPECT_THROW(out.sample({}, 1), std::logic_error);  // no family yet
    out.family("a_total", Exposition::Type::counter, "A.");
    EXPECT_THROW(out.family("a_total", Exposition::Type::counter, "again"), std::logic_error);
    EXPECT_THROW(out.family("counted", Exposition::Type::counter, "no _total"), std::logic_error);
    EXPECT_THROW(out.family("bad-name", Exposition::Type::gauge, "x"), std::logic_error);
    EXPECT_THROW(out.family("9lives", Exposition::Type::gauge, "x"), std::logic_error);
    out.family("b", Exposition::Type::gauge, "B.");
    EXPECT_THROW(out.sample({{"bad label", "x"}}, 1), std::logic_error);
    EXPECT_THROW(out.sample({{"__reserved", "x"}}, 1), std::logic_error);
    EXPECT_THROW(out.histogram({}, {1}, {0, 0}, 0), std::logic_error);  // not a histogram
}

TEST(MetricsText, HistogramBucketsAreCumulativeWithInfSumAndCount) {
    Exposition out;
    out.family("h_seconds", Exposition::Type::histogram, "H.");
    // 1 at <= 0.1, 2 in (0.1, 1], 0 in (1, 10], 3 above 10.
    out.histogram({{"op", "x"}}, {0.1, 1, 10}, {1, 2, 0, 3}, 42.5);
    EXPECT_EQ(out.text(),
              "# HELP h_seconds H.\n"
              "# TYPE h_seconds histogram\n"
              "h_seconds_bucket{op=\"x\",le=\"0.1\"} 1\n"
              "h_seconds_bucket{op=\"x\",le=\"1\"} 3\n"
              "h_seconds_bucket{op=\"x\",le=\"10\"} 3\n"
              "h_seconds_bucket{op=\"x\",le=\"+Inf\"} 6\n"
              "h_seconds_sum{op=\"x\"} 42.5\n"
              "h_seconds_count{op=\"x\"} 6\n");
    EXPECT_THROW(out.sample({}, 1), std::logic_error);  // a plain sample in a histogram
    EXPECT_THROW(out.histogram({}, {1, 2}, {1, 2}, 0), std::logic_error);     // counts too short
    EXPECT_THROW(out.histogram({}, {2, 1}, {1, 2, 3}, 0), std::logic_error);  // not ascending
    EXPECT_THROW(out.histogram({{"le", "1"}}, {1}, {0, 0}, 0), std::logic_error);
}

}  // namespace
}  // namespace sealgate::metrics
