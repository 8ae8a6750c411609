// web/sessions.hpp — browser sessions of the admin listener, and the brake on failed logins.
//
// Sessions live in memory only (a restart logs everyone out). A session id is 32 random bytes
// (RAND_bytes), base64url; the table is keyed by its SHA-256, so no lookup compares a secret
// byte by byte. Each session has its own CSRF token, 32 random bytes too. A session ends after
// 30 minutes without a request, 12 hours after login, at logout, or when its account is removed.
// At most 1000 sessions: a new login beyond that ends the one idle longest.
//
// LoginThrottle counts failed logins per account name and per client address. After the free
// attempts (3 per name, 10 per address) each failure doubles a delay, from 5 seconds up to 15
// minutes, during which a login for that name or from that address is refused at once (429),
// without checking the password: the pool thread is not held, and guessing gets no answer.
// A success clears the name's count (not the address's). Counts are forgotten an hour after
// the last failure. Bounded: at most 10000 names and addresses, the stalest dropped first.
//
// Both are thread-safe (the listener's pool threads share them).
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace sealgate::web {

using Clock = std::chrono::steady_clock;

struct Session {
    std::string user;
    std::string csrf;
    Clock::time_point created;
    Clock::time_point last_seen;
};

class Sessions {
  public:
    static constexpr std::chrono::minutes kIdle{30};
    static constexpr std::chrono::hours kAbsolute{12};
    static constexpr std::size_t kMax = 1000;

    struct Created {
        std::string id;  // the cookie's value
        Session session;
    };
    Created create(const std::string& user, Clock::time_point now);
    // The live session of this cookie value (its last_seen moved to now); nullopt otherwise.
    std::optional<Session> find(std::string_view id, Clock::time_point now);
    void remove(std::string_view id);
    void remove_user(std::string_view user);

  private:
    std::mutex mutex_;
    std::map<std::string, Session> by_hash_;
};

class LoginThrottle {
  public:
    static constexpr unsigned kFreePerName = 3;
    static constexpr unsigned kFreePerAddress = 10;

    // Seconds until a login for `name` from `address` is heard again; 0: now.
    long wait(const std::string& name, const std::string& address, Clock::time_point now);
    // Records a failure; answers the failures now counted for the name.
    unsigned failed(const std::string& name, const std::string& address, Clock::time_point now);
    void succeeded(const std::string& name);

  private:
    struct Count {
        unsigned failures = 0;
        Clock::time_point last_failure;
        Clock::time_point blocked_until;
    };
    void note(const std::string& key, unsigned free, Clock::time_point now);
    long remaining(const std::string& key, Clock::time_point now) const;
    void prune(Clock::time_point now);

    std::mutex mutex_;
    std::map<std::string, Count> counts_;
};

// n random bytes in base64url without padding.
std::string random_token(std::size_t bytes);

}  // namespace sealgate::web
