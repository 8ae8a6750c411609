#include "core/log.hpp"

#include <cstdio>
#include <ctime>

#include "core/time.hpp"

namespace sealgate {

namespace {

LogFormat g_format = LogFormat::text;

// The time stamp of this second, formatted once per second and thread, not once per line.
const std::string& stamp(std::time_t now) {
    thread_local std::time_t formatted_at = -1;
    thread_local std::string text;
    if (now != formatted_at) {
        if (g_format == LogFormat::json) {
            std::tm tm{};
            gmtime_r(&now, &tm);
            char buf[32];
            std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
            text = buf;
        } else {
            text = format_timestamp(now);
        }
        formatted_at = now;
    }
    return text;
}

}  // namespace

void set_log_format(LogFormat format) {
    g_format = format;
}

LogFormat log_format() {
    return g_format;
}

void log_line(const std::string& text) {
    const std::string& time = stamp(std::time(nullptr));
    if (g_format == LogFormat::json) {
        const std::string line = "{\"time\":\"" + time + "\",\"text\":" + json_string(text) + "}";
        std::fprintf(stderr, "%s\n", line.c_str());
        return;
    }
    std::fprintf(stderr, "%s sealgate: %s\n", time.c_str(), text.c_str());
}

void log_event(std::string_view prefix, const LogFields& fields) {
    const std::string& time = stamp(std::time(nullptr));
    if (g_format == LogFormat::json) {
        const std::string body = fields.json();
        const std::string line =
            "{\"time\":\"" + time + "\"" + (body.size() > 2 ? "," : "") + body.substr(1);
        std::fprintf(stderr, "%s\n", line.c_str());
        return;
    }
    const std::string line = std::string(prefix) + fields.key_values();
    std::fprintf(stderr, "%s sealgate: %s\n", time.c_str(), line.c_str());
}

}  // namespace sealgate
