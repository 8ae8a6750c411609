#include "web/sessions.hpp"

#include <arpa/inet.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <stdexcept>
#include <vector>

namespace sealgate::web {

namespace {

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

bool expired(const Session& s, Clock::time_point now) {
    return now - s.last_seen > Sessions::kIdle || now - s.created > Sessions::kAbsolute;
}

}  // namespace

std::string credential_stamp(const AdminAccount& account) {
    return hash_of(std::string(to_string(account.role)) + "\n" + std::to_string(account.created) +
                   "\n" + account.password_hash);
}

bool same_secret(std::string_view a, std::string_view b) {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

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

std::optional<Sessions::Created> Sessions::create(const std::string& user, const std::string& stamp,
                                                  Clock::time_point now) {
    Created made{random_token(32), Session{user, stamp, random_token(32), now, now}};
    const std::lock_guard lock(mutex_);
    drop_expired(now);
    for (;;) {
        auto oldest = by_hash_.end();
        std::size_t own = 0;
        for (auto it = by_hash_.begin(); it != by_hash_.end(); ++it) {
            if (it->second.user != user)
                continue;
            ++own;
            if (oldest == by_hash_.end() || it->second.created < oldest->second.created)
                oldest = it;
        }
        if (own < kPerAccount)
            break;
        by_hash_.erase(oldest);
    }
    if (by_hash_.size() >= kMax)
        return std::nullopt;
    by_hash_[hash_of(made.id)] = made.session;
    return made;
}

void Sessions::drop_expired(Clock::time_point now) {
    std::erase_if(by_hash_, [&](const auto& entry) { return expired(entry.second, now); });
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
    if (expired(s, now)) {
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

std::size_t Sessions::size() {
    const std::lock_guard lock(mutex_);
    return by_hash_.size();
}

std::string LoginThrottle::address_key(const std::string& address) {
    const std::string bare = address.substr(0, address.find('%'));  // fe80::1%eth0
    unsigned char raw[16];
    char text[INET6_ADDRSTRLEN];
    if (inet_pton(AF_INET, bare.c_str(), raw) == 1)
        return bare;
    if (inet_pton(AF_INET6, bare.c_str(), raw) != 1)
        return address;
    static constexpr unsigned char v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::equal(raw, raw + 12, v4_mapped) && inet_ntop(AF_INET, raw + 12, text, sizeof text))
        return text;
    std::fill(raw + 8, raw + 16, 0);
    if (inet_ntop(AF_INET6, raw, text, sizeof text) == nullptr)
        return address;
    return std::string(text) + "/64";
}

long LoginThrottle::refusal(const std::string& key, unsigned free, Clock::time_point now) {
    const auto it = counts_.find(key);
    if (it == counts_.end())
        return 0;
    const Count& c = it->second;
    if (c.blocked_until > now) {
        // Rounded up: "try again in 0 seconds" would be a lie.
        const auto left = c.blocked_until - now;
        return static_cast<long>(std::chrono::ceil<std::chrono::seconds>(left).count());
    }
    const unsigned failures = now - c.last_failure > kForget ? 0 : c.failures;
    // If every pending attempt failed, would this one still be free? If not, it waits for them.
    if (c.pending > 0 && failures + c.pending >= free)
        return 1;
    return 0;
}

long LoginThrottle::begin(const std::string& name, const std::string& address,
                          Clock::time_point now) {
    const std::string name_key = "name:" + name, address_key_ = "addr:" + address_key(address);
    const std::lock_guard lock(mutex_);
    forget(now);
    const std::size_t needed =
        (counts_.contains(name_key) ? 0U : 1U) + (counts_.contains(address_key_) ? 0U : 1U);
    make_room(needed, now);
    const long wait =
        std::max(refusal(name_key, kFreePerName, now), refusal(address_key_, kFreePerAddress, now));
    if (wait > 0)
        return wait;
    // Full of entries that block or wait: refuse rather than forget a block.
    if (counts_.size() + needed > kMaxEntries)
        return kFirstDelay.count();
    ++counts_[name_key].pending;
    ++counts_[address_key_].pending;
    return 0;
}

void LoginThrottle::note(const std::string& key, unsigned free, Clock::time_point now) {
    Count& c = counts_[key];
    if (c.pending > 0)
        --c.pending;
    if (c.failures > 0 && now - c.last_failure > kForget) {
        c.failures = 0;
        c.blocked_until = {};
    }
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
    note("name:" + name, kFreePerName, now);
    note("addr:" + address_key(address), kFreePerAddress, now);
    return counts_["name:" + name].failures;
}

void LoginThrottle::release(const std::string& key) {
    const auto it = counts_.find(key);
    if (it == counts_.end())
        return;
    if (it->second.pending > 0)
        --it->second.pending;
    if (it->second.pending == 0 && it->second.failures == 0)
        counts_.erase(it);
}

void LoginThrottle::succeeded(const std::string& name, const std::string& address) {
    const std::lock_guard lock(mutex_);
    const std::string name_key = "name:" + name;
    if (const auto it = counts_.find(name_key); it != counts_.end()) {
        const unsigned pending = it->second.pending;
        it->second = Count{};
        it->second.pending = pending;
    }
    release(name_key);
    release("addr:" + address_key(address));
}

void LoginThrottle::cancel(const std::string& name, const std::string& address) {
    const std::lock_guard lock(mutex_);
    release("name:" + name);
    release("addr:" + address_key(address));
}

namespace {

bool droppable(const LoginThrottle::Count& c, Clock::time_point now) {
    return c.pending == 0 && c.blocked_until <= now;
}

}  // namespace

void LoginThrottle::forget(Clock::time_point now) {
    std::erase_if(counts_, [&](const auto& entry) {
        return droppable(entry.second, now) && now - entry.second.last_failure > kForget;
    });
}

void LoginThrottle::make_room(std::size_t needed, Clock::time_point now) {
    while (counts_.size() + needed > kMaxEntries) {
        auto stalest = counts_.end();
        for (auto it = counts_.begin(); it != counts_.end(); ++it) {
            if (droppable(it->second, now) &&
                (stalest == counts_.end() ||
                 it->second.last_failure < stalest->second.last_failure))
                stalest = it;
        }
        if (stalest == counts_.end())
            return;
        counts_.erase(stalest);
    }
}

}  // namespace sealgate::web
