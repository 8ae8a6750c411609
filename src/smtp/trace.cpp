#include "smtp/trace.hpp"

#include <pthread.h>
#include <sys/random.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>

namespace sealgate::smtp {
namespace {

constexpr std::size_t kMaxItem = 255;  // RFC 5321 §4.5.3.1.2: the longest domain name

// Client-supplied text for a trace field: printable ASCII (and, with SMTPUTF8, UTF-8) without
// the characters that carry meaning in a Received: field.
std::string clean(std::string_view text, bool utf8) {
    std::string out;
    for (const char c : text.substr(0, kMaxItem)) {
        const auto u = static_cast<unsigned char>(c);
        const bool printable = (u > 0x20 && u < 0x7F) || (utf8 && u >= 0x80);
        const bool special = c == '(' || c == ')' || c == ';' || c == '\\' || c == '"';
        out += printable && !special ? c : '_';
    }
    return out;
}

bool is_clean_address(std::string_view address, bool utf8) {
    if (address.empty() || address.size() > kMaxItem)
        return false;
    for (const char c : address) {
        const auto u = static_cast<unsigned char>(c);
        if (!((u > 0x20 && u < 0x7F) || (utf8 && u >= 0x80)) || c == '<' || c == '>' || c == ';')
            return false;
    }
    return true;
}

// RFC 5321 §4.1.3 address literal of the client's IP address.
std::string address_literal(std::string_view address) {
    if (address.empty())
        return "unknown";
    const std::string a = clean(address, false);
    return a.find(':') == std::string::npos ? "[" + a + "]" : "[IPv6:" + a + "]";
}

// One getrandom(2) call per 64 ids: the system call cost ~2 µs per id on its own.
thread_local std::array<std::uint32_t, 64> pool{};
thread_local std::size_t left = 0;

std::uint32_t random32() {
    // A forked child must not hand out its parent's remaining values: it draws afresh.
    static const int at_fork = pthread_atfork(nullptr, nullptr, [] { left = 0; });
    (void)at_fork;
    if (left == 0) {
        if (getrandom(pool.data(), sizeof pool, 0) != static_cast<ssize_t>(sizeof pool)) {
            // Only on a kernel without getrandom(2) (flags 0 waits for the pool): the time
            // part alone is still unique in this process.
            return static_cast<std::uint32_t>(::getpid()) * 2654435761u;
        }
        left = pool.size();
    }
    return pool[--left];
}

}  // namespace

std::string rfc5322_date(std::time_t when) {
    static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    std::tm tm{};
    gmtime_r(&when, &tm);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[tm.tm_wday % 7],
                  tm.tm_mday, kMonths[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                  tm.tm_sec);
    return buf;
}

std::string received_field(const Envelope& copy, std::string_view hostname,
                           std::string_view queue_id, std::time_t when) {
    const bool utf8 = copy.smtputf8;
    std::string protocol = utf8 ? "UTF8SMTP" : (copy.esmtp ? "ESMTP" : "SMTP");
    if (copy.tls)
        protocol += utf8 || copy.esmtp ? "S" : "";
    const std::string helo = copy.helo.empty() ? "unknown" : clean(copy.helo, false);
    std::string field = "Received: from " + helo + " (" + address_literal(copy.client_address) +
                        ")\r\n\tby " + clean(hostname, false) + " (sealgate) with " + protocol +
                        " id " + clean(queue_id, false);
    if (copy.recipients.size() == 1 && is_clean_address(copy.recipients.front().address, utf8))
        field += "\r\n\tfor <" + copy.recipients.front().address + ">";
    field += "; " + rfc5322_date(when) + "\r\n";
    return field;
}

std::size_t count_received(std::string_view message) {
    constexpr std::string_view kName = "received";
    std::size_t count = 0;
    std::size_t pos = 0;
    while (pos < message.size()) {
        const auto nl = message.find('\n', pos);
        std::string_view line =
            message.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
        if (!line.empty() && line.back() == '\r')
            line.remove_suffix(1);
        if (line.empty())
            break;  // the end of the header
        if (line.size() > kName.size()) {
            bool match = true;
            for (std::size_t i = 0; i < kName.size() && match; ++i)
                match = (line[i] | 0x20) == kName[i];
            std::size_t at = kName.size();
            // RFC 5322 §4.5.1 (obsolete syntax): white space before the colon.
            while (at < line.size() && (line[at] == ' ' || line[at] == '\t'))
                ++at;
            if (match && at < line.size() && line[at] == ':')
                ++count;
        }
        if (nl == std::string_view::npos)
            break;
        pos = nl + 1;
    }
    return count;
}

std::string new_queue_id() {
    static std::atomic<std::uint64_t> last{0};
    const auto now =
        static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                       std::chrono::system_clock::now().time_since_epoch())
                                       .count());
    // Strictly increasing within the process, even when the clock steps back or two ids are
    // made in the same microsecond.
    std::uint64_t prev = last.load();
    std::uint64_t mine = 0;
    do {
        mine = now > prev ? now : prev + 1;
    } while (!last.compare_exchange_weak(prev, mine));
    char buf[32];
    std::snprintf(buf, sizeof buf, "%014llX%08X",
                  static_cast<unsigned long long>(mine & 0xFFFFFFFFFFFFFFull),
                  static_cast<unsigned>(random32()));
    return buf;
}

}  // namespace sealgate::smtp
