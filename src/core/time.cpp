#include "core/time.hpp"

namespace sealgate {

namespace {

std::tm utc(std::time_t t) {
    std::tm tm{};
    gmtime_r(&t, &tm);
    return tm;
}

}  // namespace

std::string format_time(std::time_t t) {
    const std::tm tm = utc(t);
    char buf[64];
    const std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", &tm);
    return std::string(buf, n);
}

std::string format_timestamp(std::time_t t) {
    const std::tm tm = utc(t);
    char buf[64];
    const std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
    return std::string(buf, n);
}

}  // namespace sealgate
