// metrics/text.hpp — the Prometheus text exposition format, version 0.0.4.
//
// What a scraper (and `promtool check metrics`) requires, and what this writer guarantees:
//   - one "# HELP" and one "# TYPE" line per family, before its samples, and the samples of a
//     family together (family() refuses a name started before: that is a bug, it throws
//     std::logic_error, like a name or label name outside the format's grammar);
//   - label values escaped: backslash as \\, double quote as \", line feed as \n; HELP text:
//     backslash and line feed;
//   - a histogram as cumulative <name>_bucket{le="..."} series ending with le="+Inf", then
//     <name>_sum and <name>_count (the +Inf bucket's value);
//   - values as Go's strconv would read them: integers without exponent, +Inf, -Inf, NaN.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sealgate::metrics {

inline constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

using Labels = std::vector<std::pair<std::string, std::string>>;

std::string escape_label_value(std::string_view value);
std::string escape_help(std::string_view help);
std::string format_value(double value);

class Exposition {
  public:
    enum class Type { counter, gauge, histogram };

    // Start a family: its HELP and TYPE lines. A counter's name ends in _total (the
    // convention, checked by promtool).
    void family(std::string_view name, Type type, std::string_view help);
    // A sample of the current counter or gauge family.
    void sample(const Labels& labels, double value);
    // A series of the current histogram family. bounds: ascending upper bounds (without
    // +Inf); counts: observations per bucket, not cumulative, one more than bounds (the last
    // is above every bound).
    void histogram(const Labels& labels, const std::vector<double>& bounds,
                   const std::vector<std::uint64_t>& counts, double sum);

    const std::string& text() const { return text_; }

  private:
    void series(std::string_view suffix, const Labels& labels, std::string_view extra_label,
                std::string_view extra_value, double value);

    std::string text_;
    std::string current_;
    Type type_ = Type::counter;
    std::vector<std::string> started_;
};

}  // namespace sealgate::metrics
