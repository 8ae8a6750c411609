// admin/accounts.hpp — the accounts and API tokens of the admin listener.
//
// An account is a name, a role (model/records.hpp AdminRole) and a password hash; a token is a
// name, a role and the SHA-256 of a random secret that is shown once, when it is made.
//
// Contract:
//   - Passwords are hashed with Argon2id (libargon2; t=3, m=64 MiB, p=1, a 16-byte salt from
//     RAND_bytes) and kept as the PHC string ("$argon2id$v=19$m=65536,t=3,p=1$..."), which also
//     records the parameters: hashes made with other parameters keep verifying.
//   - A password has 8 to 1024 bytes and no NUL, CR or LF. Names of accounts and tokens are
//     [A-Za-z0-9._-]{1,64}, starting with a letter or digit.
//   - A token is 32 random bytes in base64url without padding: one word of 43 characters. Only
//     its SHA-256 (lower-case hex) is stored. Authenticating looks the hash up: the secret itself
//     is never compared, so no constant-time comparison is needed (a timing difference in the
//     lookup reveals at most something about a hash, from which no token follows).
//   - Every change is written to the audit log as the Actor the Accounts were made for
//     ("account.add", "account.password", "account.remove", "token.create", "token.revoke").
//     The listener records logins, logouts and failed logins through the same log (the
//     session_* calls below: "session.login", "session.logout", "session.login-failed").
//     Reads and token use are not audited.
//   - Not thread-safe, like the Service; hash_password and verify_password are (they touch no
//     store), so a caller may run them outside its lock.
#pragma once

#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "admin/service.hpp"
#include "core/result.hpp"
#include "model/records.hpp"
#include "store/store.hpp"

namespace sealgate::admin {

// The checks above, with the reason as a bad_input error.
Status check_account_name(std::string_view name);
Status check_password(std::string_view password);

// A new Argon2id PHC string for the password (checked first).
Result<std::string> hash_password(std::string_view password);
// Whether the password matches the PHC string; an error only for a hash that is not one.
Result<bool> verify_password(std::string_view phc, std::string_view password);
// Verifies against a fixed hash and answers false: spends the time of a real verification for
// a name that has no account, so the answer time does not tell which names exist.
void verify_nothing(std::string_view password);

struct NewToken {
    ApiToken token;      // as stored
    std::string secret;  // what the client sends; shown once
};

class Accounts {
  public:
    Accounts(Store& store, Actor actor);

    Result<AdminAccount> add_user(std::string_view name, AdminRole role, std::string_view password);
    Result<std::vector<AdminAccount>> list_users();
    Result<AdminAccount> find_user(std::string_view name);  // not_found when there is none
    Result<AdminAccount> set_password(std::string_view name, std::string_view password);
    Result<std::string> remove_user(std::string_view name);

    Result<NewToken> create_token(std::string_view name, AdminRole role);
    Result<std::vector<ApiToken>> list_tokens();
    Result<std::string> revoke_token(std::string_view name);
    // The token whose secret this is; nullopt for an unknown, revoked or malformed secret.
    // Updates last_used when it is older than an hour (a store write bumps the generation).
    Result<std::optional<ApiToken>> authenticate_token(std::string_view secret, std::time_t now);

    // The audit records of the listener's sessions. The Actor is the account ("user:alice") for
    // a login and a logout, and "anonymous" for a failed login; `object` is the name (for a
    // failed login: as tried, when it is a valid name; the password never), `from` the client.
    Status session_login(std::string_view name, std::string_view from);
    Status session_logout(std::string_view name, std::string_view from);
    Status session_login_failed(std::string_view name, std::string_view from, unsigned in_a_row);

  private:
    Status audit(std::string_view action, std::string_view object, std::string change);

    Store& store_;
    Actor actor_;
};

}  // namespace sealgate::admin
