// web/sessions.hpp — browser sessions of the admin listener, and the brake on failed logins.
//
// Sessions live in memory only (a restart logs everyone out). A session id is 32 random bytes
// (RAND_bytes), base64url; the table is keyed by its SHA-256, so no lookup compares a secret
// byte by byte. Each session has its own CSRF token, 32 random bytes too. A session ends after
// 30 minutes without a request, 12 hours after login, at logout, or when its account changes:
// it records the account's credential stamp (credential_stamp: role, creation time and password
// hash) at login, and the caller compares it with the account as stored at every request, so a
// new password (API or CLI), a new role, or a removed and re-added account ends it.
// At most 10 sessions per account (a new login ends that account's oldest) and 1000 in all: a
// login beyond that is refused (no account can push out another's sessions).
//
// LoginThrottle counts failed logins per account name and per client address (an IPv6 address
// by its /64: one host has them all). After the free attempts (3 per name, 10 per address) each
// failure doubles a delay, from 5 seconds up to 15 minutes, during which a login for that name
// or from that address is refused at once (429), without checking the password: the pool
// thread is not held, and guessing gets no answer. An attempt is reserved (begin) before its
// password is checked and resolved (failed / succeeded) after: while the free attempts left are
// all reserved, or once delays apply, a further attempt waits until the pending ones resolve, so
// parallel guesses get no more checks than sequential ones. A success clears the name's count
// (not the address's). Counts are forgotten an hour after the last failure. Bounded: at most
// 10000 names and addresses, the stalest dropped first; an entry that blocks or has an attempt
// pending is never dropped (when all are, attempts that need a new entry are refused).
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

#include "model/records.hpp"

namespace sealgate::web {

using Clock = std::chrono::steady_clock;

struct Session {
    std::string user;
    std::string stamp;  // credential_stamp of the account at login
    std::string csrf;
    Clock::time_point created;
    Clock::time_point last_seen;
};

// What a session is bound to: the SHA-256 of the account's role, creation time and password
// hash (a new hash has a new salt, so even the same password again changes it).
std::string credential_stamp(const AdminAccount& account);

// Whether two secrets are equal, in time independent of where they differ (CRYPTO_memcmp).
bool same_secret(std::string_view a, std::string_view b);

class Sessions {
  public:
    static constexpr std::chrono::minutes kIdle{30};
    static constexpr std::chrono::hours kAbsolute{12};
    static constexpr std::size_t kMax = 1000;
    static constexpr std::size_t kPerAccount = 10;

    struct Created {
        std::string id;  // the cookie's value
        Session session;
    };
    // nullopt when kMax live sessions exist (after the expired ones are gone).
    std::optional<Created> create(const std::string& user, const std::string& stamp,
                                  Clock::time_point now);
    // The live session of this cookie value (its last_seen moved to now); nullopt otherwise.
    std::optional<Session> find(std::string_view id, Clock::time_point now);
    void remove(std::string_view id);
    void remove_user(std::string_view user);
    std::size_t size();

  private:
    void drop_expired(Clock::time_point now);

    std::mutex mutex_;
    std::map<std::string, Session> by_hash_;
};

class LoginThrottle {
  public:
    static constexpr unsigned kFreePerName = 3;
    static constexpr unsigned kFreePerAddress = 10;
    static constexpr std::size_t kMaxEntries = 10000;

    // Reserves an attempt for `name` from `address`: 0 when granted (then exactly one of
    // failed() or succeeded() must follow, with the same name and address), else the seconds
    // to wait (at least 1) and nothing is reserved.
    long begin(const std::string& name, const std::string& address, Clock::time_point now);
    // Resolves a reserved attempt as a failure; answers the failures now counted for the name.
    unsigned failed(const std::string& name, const std::string& address, Clock::time_point now);
    // Resolves a reserved attempt as a success: the reservation is refunded, the name's count
    // cleared.
    void succeeded(const std::string& name, const std::string& address);
    // Resolves a reserved attempt whose password was never checked (the store failed): as if
    // it had not been made.
    void cancel(const std::string& name, const std::string& address);

    // The key of a client address: an IPv4 address as it is (also when IPv4-mapped), an IPv6
    // address as its /64 ("2001:db8:1:2::/64"); anything else as given.
    static std::string address_key(const std::string& address);

    struct Count {
        unsigned failures = 0;
        unsigned pending = 0;
        Clock::time_point last_failure;
        Clock::time_point blocked_until;
    };

  private:
    void note(const std::string& key, unsigned free, Clock::time_point now);
    void release(const std::string& key);
    long refusal(const std::string& key, unsigned free, Clock::time_point now);
    void forget(Clock::time_point now);  // drops the entries an hour old that do not block
    // Drops the stalest entries that neither block nor wait until `needed` more fit.
    void make_room(std::size_t needed, Clock::time_point now);

    std::mutex mutex_;
    std::map<std::string, Count> counts_;
};

// n random bytes in base64url without padding.
std::string random_token(std::size_t bytes);

}  // namespace sealgate::web
