#include "core/log.hpp"

#include <cstdio>
#include <ctime>

#include "core/time.hpp"

namespace sealgate {

void log_line(const std::string& text) {
    // Format the time once per second, not once per line.
    thread_local std::time_t formatted_at = -1;
    thread_local std::string stamp;
    const std::time_t now = std::time(nullptr);
    if (now != formatted_at) {
        stamp = format_timestamp(now);
        formatted_at = now;
    }
    std::fprintf(stderr, "%s sealgate: %s\n", stamp.c_str(), text.c_str());
}

}  // namespace sealgate
