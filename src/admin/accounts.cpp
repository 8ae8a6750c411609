#include "admin/accounts.hpp"

#include <argon2.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>

#include "core/hex.hpp"

namespace sealgate::admin {

namespace {

// RFC 9106 §4's second recommendation (for memory-constrained settings) is t=3, m=64 MiB, p=4;
// one lane keeps a login on one core of a gateway that has few.
constexpr std::uint32_t kTimeCost = 3;
constexpr std::uint32_t kMemoryKiB = 64 * 1024;
constexpr std::uint32_t kLanes = 1;
constexpr std::size_t kSaltBytes = 16;
constexpr std::size_t kHashBytes = 32;
constexpr std::size_t kTokenBytes = 32;
constexpr std::size_t kTokenChars = 43;  // base64url of 32 bytes, no padding
constexpr std::time_t kLastUsedGranularity = 3600;

bool name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
}

bool base64url_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
}

std::string base64url(const unsigned char* data, std::size_t size) {
    static constexpr char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    std::uint32_t bits = 0;
    int held = 0;
    for (std::size_t i = 0; i < size; ++i) {
        bits = (bits << 8) | data[i];
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

Result<std::string> sha256_hex(std::string_view data) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
    unsigned int len = 0;
    if (EVP_Digest(data.data(), data.size(), md.data(), &len, EVP_sha256(), nullptr) != 1)
        return fail(Error::temp("SHA-256 failed"));
    return to_hex(std::string_view(reinterpret_cast<const char*>(md.data()), len));
}

Result<AdminAccount> existing_account(Store& store, std::string_view name) {
    SEALGATE_TRY(check_account_name(name));
    auto found = store.find_account(name);
    SEALGATE_TRY(found);
    if (!*found)
        return fail(Error::not_found("no admin account " + std::string(name)));
    return std::move(**found);
}

}  // namespace

Status check_account_name(std::string_view name) {
    if (name.empty() || name.size() > 64 || !std::all_of(name.begin(), name.end(), name_char) ||
        name.front() == '.' || name.front() == '_' || name.front() == '-')
        return fail(
            Error::bad_input("not a valid name (1 to 64 of A-Z a-z 0-9 . _ -, starting "
                             "with a letter or digit): " +
                             std::string(name.substr(0, 80))));
    return ok();
}

Status check_password(std::string_view password) {
    if (password.empty())
        return fail(Error::bad_input("the password is empty"));
    if (password.size() < 8)
        return fail(Error::bad_input("the password is shorter than 8 characters"));
    if (password.size() > 1024)
        return fail(Error::bad_input("the password is longer than 1024 bytes"));
    if (password.find_first_of(std::string_view("\0\r\n", 3)) != std::string_view::npos)
        return fail(Error::bad_input("the password contains a NUL, CR or LF"));
    return ok();
}

Result<std::string> hash_password(std::string_view password) {
    SEALGATE_TRY(check_password(password));
    std::array<unsigned char, kSaltBytes> salt{};
    if (RAND_bytes(salt.data(), static_cast<int>(salt.size())) != 1)
        return fail(Error::temp("no random salt (RAND_bytes)"));
    std::string encoded(
        argon2_encodedlen(kTimeCost, kMemoryKiB, kLanes, kSaltBytes, kHashBytes, Argon2_id), '\0');
    const int rc =
        argon2id_hash_encoded(kTimeCost, kMemoryKiB, kLanes, password.data(), password.size(),
                              salt.data(), salt.size(), kHashBytes, encoded.data(), encoded.size());
    if (rc != ARGON2_OK)
        return fail(Error::temp(std::string("argon2id: ") + argon2_error_message(rc)));
    encoded.resize(encoded.find('\0'));
    return encoded;
}

Result<bool> verify_password(std::string_view phc, std::string_view password) {
    const std::string encoded(phc);  // argon2 wants a C string
    const int rc = argon2id_verify(encoded.c_str(), password.data(), password.size());
    if (rc == ARGON2_OK)
        return true;
    if (rc == ARGON2_VERIFY_MISMATCH)
        return false;
    if (rc == ARGON2_MEMORY_ALLOCATION_ERROR || rc == ARGON2_THREAD_FAIL)
        return fail(Error::temp(std::string("argon2id: ") + argon2_error_message(rc)));
    return fail(Error::temp(std::string("stored password hash cannot be read: ") +
                            argon2_error_message(rc)));
}

void verify_nothing(std::string_view password) {
    // Made once, of a password nobody knows (a random one): nothing verifies against it.
    static const std::string dummy = [] {
        std::array<unsigned char, 24> random{};
        RAND_bytes(random.data(), static_cast<int>(random.size()));
        auto hash = hash_password(base64url(random.data(), random.size()));
        return hash ? *hash : std::string();
    }();
    if (!dummy.empty())
        (void)verify_password(dummy, password);
}

Accounts::Accounts(Store& store, Actor actor) : store_(store), actor_(std::move(actor)) {}

Status Accounts::audit(std::string_view action, std::string_view object, std::string change) {
    AuditRecord record;
    record.time = std::time(nullptr);
    record.actor = actor_.name;
    record.node = actor_.node;
    record.action = std::string(action);
    record.object = std::string(object);
    record.change = std::move(change);
    return store_.append_audit(record);
}

Status Accounts::session_login(std::string_view name, std::string_view from) {
    return audit("session.login", name, "from " + std::string(from));
}

Status Accounts::session_logout(std::string_view name, std::string_view from) {
    return audit("session.logout", name, "from " + std::string(from));
}

Status Accounts::session_login_failed(std::string_view name, std::string_view from,
                                      unsigned in_a_row) {
    return audit("session.login-failed", name,
                 "from " + std::string(from) + ", " + std::to_string(in_a_row) + " in a row");
}

Result<AdminAccount> Accounts::add_user(std::string_view name, AdminRole role,
                                        std::string_view password) {
    SEALGATE_TRY(check_account_name(name));
    SEALGATE_TRY(check_password(password));
    auto found = store_.find_account(name);
    SEALGATE_TRY(found);
    if (*found)
        return fail(Error::conflict("admin account " + std::string(name) + " exists already"));
    auto hash = hash_password(password);
    SEALGATE_TRY(hash);
    AdminAccount account{std::string(name), role, std::move(*hash), std::time(nullptr)};
    SEALGATE_TRY(store_.put_account(account));
    SEALGATE_TRY(audit("account.add", name, "role " + std::string(to_string(role))));
    return account;
}

Result<std::vector<AdminAccount>> Accounts::list_users() {
    return store_.list_accounts();
}

Result<AdminAccount> Accounts::find_user(std::string_view name) {
    return existing_account(store_, name);
}

Result<AdminAccount> Accounts::set_password(std::string_view name, std::string_view password) {
    auto account = existing_account(store_, name);
    SEALGATE_TRY(account);
    auto hash = hash_password(password);
    SEALGATE_TRY(hash);
    account->password_hash = std::move(*hash);
    SEALGATE_TRY(store_.put_account(*account));
    SEALGATE_TRY(audit("account.password", name, "password changed"));
    return std::move(*account);
}

Result<std::string> Accounts::remove_user(std::string_view name) {
    auto account = existing_account(store_, name);
    SEALGATE_TRY(account);
    auto removed = store_.remove_account(name);
    SEALGATE_TRY(removed);
    if (!*removed)
        return fail(Error::not_found("no admin account " + std::string(name)));
    SEALGATE_TRY(audit("account.remove", name,
                       "removed (role " + std::string(to_string(account->role)) + ")"));
    return std::string(name);
}

Result<NewToken> Accounts::create_token(std::string_view name, AdminRole role) {
    SEALGATE_TRY(check_account_name(name));
    auto tokens = store_.list_tokens();
    SEALGATE_TRY(tokens);
    for (const auto& t : *tokens) {
        if (t.name == name)
            return fail(Error::conflict("API token " + std::string(name) + " exists already"));
    }
    std::array<unsigned char, kTokenBytes> random{};
    if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1)
        return fail(Error::temp("no random token (RAND_bytes)"));
    NewToken made;
    made.secret = base64url(random.data(), random.size());
    OPENSSL_cleanse(random.data(), random.size());
    auto hash = sha256_hex(made.secret);
    SEALGATE_TRY(hash);
    made.token = ApiToken{std::string(name), role, std::move(*hash), std::time(nullptr), 0};
    SEALGATE_TRY(store_.put_token(made.token));
    SEALGATE_TRY(audit("token.create", name, "role " + std::string(to_string(role))));
    return made;
}

Result<std::vector<ApiToken>> Accounts::list_tokens() {
    return store_.list_tokens();
}

Result<std::string> Accounts::revoke_token(std::string_view name) {
    SEALGATE_TRY(check_account_name(name));
    auto removed = store_.remove_token(name);
    SEALGATE_TRY(removed);
    if (!*removed)
        return fail(Error::not_found("no API token " + std::string(name)));
    SEALGATE_TRY(audit("token.revoke", name, "revoked"));
    return std::string(name);
}

Result<std::optional<ApiToken>> Accounts::authenticate_token(std::string_view secret,
                                                             std::time_t now) {
    if (secret.size() != kTokenChars || !std::all_of(secret.begin(), secret.end(), base64url_char))
        return std::optional<ApiToken>();
    auto hash = sha256_hex(secret);
    SEALGATE_TRY(hash);
    auto found = store_.find_token_by_hash(*hash);
    SEALGATE_TRY(found);
    if (*found && now - (*found)->last_used >= kLastUsedGranularity) {
        (*found)->last_used = now;
        SEALGATE_TRY(store_.put_token(**found));
    }
    return std::move(*found);
}

}  // namespace sealgate::admin
