#include "metrics/text.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

namespace sealgate::metrics {

namespace {

bool name_char(char c, bool first, bool colon) {
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    if (alpha || (colon && c == ':'))
        return true;
    return !first && c >= '0' && c <= '9';
}

void check_name(std::string_view name, bool colon, const char* what) {
    bool ok = !name.empty();
    for (std::size_t i = 0; ok && i < name.size(); ++i)
        ok = name_char(name[i], i == 0, colon);
    // Label names starting with __ are reserved for Prometheus itself.
    if (ok && !colon && name.substr(0, 2) == "__")
        ok = false;
    if (!ok)
        throw std::logic_error(std::string("metrics: bad ") + what + " name: " + std::string(name));
}

}  // namespace

std::string escape_label_value(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (const char c : value) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '"')
            out += "\\\"";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

std::string escape_help(std::string_view help) {
    std::string out;
    for (const char c : help) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

std::string format_value(double value) {
    if (std::isnan(value))
        return "NaN";
    if (std::isinf(value))
        return value > 0 ? "+Inf" : "-Inf";
    if (value == std::floor(value) && std::fabs(value) < 1e15) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.0f", value);
        return buf;
    }
    // The shortest form that reads back as the same double (0.005, not 0.0050000000000000001).
    char buf[32];
    for (int precision = 1; precision <= 17; ++precision) {
        std::snprintf(buf, sizeof buf, "%.*g", precision, value);
        if (std::strtod(buf, nullptr) == value)
            break;
    }
    return buf;
}

void Exposition::family(std::string_view name, Type type, std::string_view help) {
    check_name(name, true, "metric");
    if (std::find(started_.begin(), started_.end(), name) != started_.end())
        throw std::logic_error("metrics: family written twice: " + std::string(name));
    if (type == Type::counter && (name.size() < 6 || name.substr(name.size() - 6) != "_total"))
        throw std::logic_error("metrics: a counter's name ends in _total: " + std::string(name));
    started_.emplace_back(name);
    current_ = std::string(name);
    type_ = type;
    const char* type_name = type == Type::counter ? "counter"
                            : type == Type::gauge ? "gauge"
                                                  : "histogram";
    text_ += "# HELP " + current_ + " " + escape_help(help) + "\n";
    text_ += "# TYPE " + current_ + " " + type_name + "\n";
}

void Exposition::series(std::string_view suffix, const Labels& labels, std::string_view extra_label,
                        std::string_view extra_value, double value) {
    if (current_.empty())
        throw std::logic_error("metrics: a sample before its family");
    text_ += current_;
    text_ += suffix;
    if (!labels.empty() || !extra_label.empty()) {
        text_ += '{';
        bool first = true;
        const auto add = [&](std::string_view k, std::string_view v) {
            check_name(k, false, "label");
            if (!first)
                text_ += ',';
            first = false;
            text_ += k;
            text_ += "=\"";
            text_ += escape_label_value(v);
            text_ += '"';
        };
        for (const auto& [k, v] : labels)
            add(k, v);
        if (!extra_label.empty())
            add(extra_label, extra_value);
        text_ += '}';
    }
    text_ += ' ';
    text_ += format_value(value);
    text_ += '\n';
}

void Exposition::sample(const Labels& labels, double value) {
    if (type_ == Type::histogram)
        throw std::logic_error("metrics: a plain sample in histogram " + current_);
    series("", labels, "", "", value);
}

void Exposition::histogram(const Labels& labels, const std::vector<double>& bounds,
                           const std::vector<std::uint64_t>& counts, double sum) {
    if (type_ != Type::histogram)
        throw std::logic_error("metrics: histogram series in " + current_);
    if (counts.size() != bounds.size() + 1 || !std::is_sorted(bounds.begin(), bounds.end()))
        throw std::logic_error("metrics: histogram buckets do not fit in " + current_);
    for (const auto& [k, v] : labels)
        if (k == "le")
            throw std::logic_error("metrics: le is the histogram's own label");
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < bounds.size(); ++i) {
        cumulative += counts[i];
        series("_bucket", labels, "le", format_value(bounds[i]), static_cast<double>(cumulative));
    }
    cumulative += counts.back();
    series("_bucket", labels, "le", "+Inf", static_cast<double>(cumulative));
    series("_sum", labels, "", "", sum);
    series("_count", labels, "", "", static_cast<double>(cumulative));
}

}  // namespace sealgate::metrics
