#include "web/sessions.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <stdexcept>
#include <vector>

namespace sealgate::web {

namespace {

constexpr std::size_t kMaxCounts = 10000;
constexpr std::chrono::hours kForget{1};
constexpr std::chrono::seconds kFirstDelay{5};
constexpr std::chrono::seconds kMaxDelay{15 * 60};

std::string hash_of(std::string_view id) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
    unsigned int len = 0;
    if (EVP_Digest(id.data(), id.size(), md.data(), &len, EVP_sha256(), nullptr) != 1)
        throw std::runtime_error("SHA-256 failed");  // OpenSSL broken: a bug, not an input
    return std::string(reinterpret_cast<const char*>(md.data()), len);
}

}  // namespace

std::string random_token(std::size_t bytes) {
    std::vector<unsigned char> random(bytes);
    if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1)
        throw std::runtime_error("RAND_bytes failed");  // no randomness: refuse to make ids
    static constexpr char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    std::uint32_t bits = 0;
    int held = 0;
    for (const unsigned char b : random) {
        bits = (bits << 8) | b;
        held += 8;
        while (held >= 6) {
            held -= 6;
            out += alphabet[(bits >> held) & 0x3f];
        }
    }
    if (held > 0)
        out += alphabet[(bits << (6 - held)) & 0x3f];
    return out;
}

Sessions::Created Sessions::create(const std::string& user, Clock::time_point now) {
    Created made{random_token(32), Session{user, random_token(32), now, now}};
    const std::lock_guard lock(mutex_);
    if (by_hash_.size() >= kMax) {
        auto stalest = std::min_element(by_hash_.begin(), by_hash_.end(), [](auto& a, auto& b) {
            return a.second.last_seen < b.second.last_seen;
        });
        by_hash_.erase(stalest);
    }
    by_hash_[hash_of(made.id)] = made.session;
    return made;
}

std::optional<Session> Sessions::find(std::string_view id, Clock::time_point now) {
    if (id.empty() || id.size() > 64)
        return std::nullopt;
    const std::string key = hash_of(id);
    const std::lock_guard lock(mutex_);
    const auto it = by_hash_.find(key);
    if (it == by_hash_.end())
        return std::nullopt;
    Session& s = it->second;
    if (now - s.last_seen > kIdle || now - s.created > kAbsolute) {
        by_hash_.erase(it);
        return std::nullopt;
    }
    s.last_seen = now;
    return s;
}

void Sessions::remove(std::string_view id) {
    const std::string key = hash_of(id);
    const std::lock_guard lock(mutex_);
    by_hash_.erase(key);
}

void Sessions::remove_user(std::string_view user) {
    const std::lock_guard lock(mutex_);
    std::erase_if(by_hash_, [&](const auto& entry) { return entry.second.user == user; });
}

long LoginThrottle::remaining(const std::string& key, Clock::time_point now) const {
    const auto it = counts_.find(key);
    if (it == counts_.end() || it->second.blocked_until <= now)
        return 0;
    // Rounded up: "try again in 0 seconds" would be a lie.
    const auto left = it->second.blocked_until - now;
    return static_cast<long>(std::chrono::ceil<std::chrono::seconds>(left).count());
}

long LoginThrottle::wait(const std::string& name, const std::string& address,
                         Clock::time_point now) {
    const std::lock_guard lock(mutex_);
    return std::max(remaining("name:" + name, now), remaining("addr:" + address, now));
}

void LoginThrottle::note(const std::string& key, unsigned free, Clock::time_point now) {
    Count& c = counts_[key];
    if (c.failures > 0 && now - c.last_failure > kForget)
        c = Count{};
    ++c.failures;
    c.last_failure = now;
    if (c.failures >= free) {
        const unsigned doublings = std::min(c.failures - free, 16U);
        const auto delay =
            std::min<std::chrono::seconds>(kFirstDelay * (1L << doublings), kMaxDelay);
        c.blocked_until = now + delay;
    }
}

unsigned LoginThrottle::failed(const std::string& name, const std::string& address,
                               Clock::time_point now) {
    const std::lock_guard lock(mutex_);
    prune(now);
    note("name:" + name, kFreePerName, now);
    note("addr:" + address, kFreePerAddress, now);
    return counts_["name:" + name].failures;
}

void LoginThrottle::succeeded(const std::string& name) {
    const std::lock_guard lock(mutex_);
    counts_.erase("name:" + name);
}

void LoginThrottle::prune(Clock::time_point now) {
    std::erase_if(counts_, [&](const auto& entry) {
        return now - entry.second.last_failure > kForget && entry.second.blocked_until <= now;
    });
    while (counts_.size() >= kMaxCounts) {
        auto stalest = std::min_element(counts_.begin(), counts_.end(), [](auto& a, auto& b) {
            return a.second.last_failure < b.second.last_failure;
        });
        counts_.erase(stalest);
    }
}

}  // namespace sealgate::web
