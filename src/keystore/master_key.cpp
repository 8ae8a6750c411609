// keystore/master_key.cpp — master key file handling and AES-256-GCM sealing.
#include "keystore/master_key.hpp"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <memory>
#include <utility>

#include "core/hex.hpp"

namespace sealgate {
namespace {

constexpr unsigned char kVersion = 1;
constexpr std::size_t kNonceSize = 12;  // NIST SP 800-38D: 96-bit IVs are the efficient case
constexpr std::size_t kTagSize = 16;
constexpr std::size_t kHeaderSize = 1 + kNonceSize;
constexpr off_t kMaxFileSize = 4096;  // a key file is ~150 bytes; anything large is not one

constexpr std::string_view kFileComment =
    "# sealgate master key: seals the private keys in the store. Keep it secret, back it up "
    "with the store.\n";

struct CipherCtxFree {
    void operator()(EVP_CIPHER_CTX* ctx) const noexcept { EVP_CIPHER_CTX_free(ctx); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;

// A file descriptor closed on scope exit.
class Fd {
  public:
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd() {
        if (fd_ >= 0)
            ::close(fd_);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const { return fd_; }
    // Close now and report the error (close can report a failed delayed write).
    bool close() { return ::close(std::exchange(fd_, -1)) == 0; }

  private:
    int fd_;
};

// Secret text (the hex key) that is wiped when it goes out of scope.
class SecretText {
  public:
    ~SecretText() { OPENSSL_cleanse(text.data(), text.size()); }
    std::string text;
};

std::string errno_text() {
    return std::strerror(errno);
}

Error key_error(std::string reason) {
    return Error::temp("keystore: " + std::move(reason));
}

const unsigned char* bytes(std::string_view s) {
    return reinterpret_cast<const unsigned char*>(s.data());
}

unsigned char* bytes(std::string& s) {
    return reinterpret_cast<unsigned char*>(s.data());
}

bool int_size(std::size_t n) {
    return n <= static_cast<std::size_t>(INT_MAX);
}

}  // namespace

MasterKey::MasterKey(const unsigned char* key) {
    std::memcpy(key_.data(), key, key_.size());
}

MasterKey::~MasterKey() {
    OPENSSL_cleanse(key_.data(), key_.size());
}

MasterKey::MasterKey(MasterKey&& other) noexcept : key_(other.key_) {
    OPENSSL_cleanse(other.key_.data(), other.key_.size());
}

MasterKey& MasterKey::operator=(MasterKey&& other) noexcept {
    if (this != &other) {
        key_ = other.key_;
        OPENSSL_cleanse(other.key_.data(), other.key_.size());
    }
    return *this;
}

Result<MasterKey> MasterKey::create(const std::string& path) {
    std::array<unsigned char, key_size> key{};
    if (RAND_bytes(key.data(), static_cast<int>(key.size())) != 1)
        return fail(key_error("RAND_bytes failed: no random bytes for the master key"));
    MasterKey master(key.data());
    OPENSSL_cleanse(key.data(), key.size());

    SecretText content;
    content.text = std::string(kFileComment);
    {
        SecretText hex;
        hex.text = to_hex(std::string_view(reinterpret_cast<const char*>(master.key_.data()),
                                           master.key_.size()));
        content.text += hex.text;
        content.text += '\n';
    }

    // O_EXCL: never replace a master key, even in a race with another `sealgate init`.
    Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    if (fd.get() < 0) {
        if (errno == EEXIST)
            return fail(key_error("master key " + path + " exists already: not overwriting it"));
        return fail(key_error("cannot create master key " + path + ": " + errno_text()));
    }
    const auto abandon = [&](std::string reason) {
        ::unlink(path.c_str());  // a partial key file would be "malformed" forever
        return fail(key_error(std::move(reason)));
    };
    // The umask may have removed bits from 0600, never added: make the mode exact.
    if (::fchmod(fd.get(), 0600) != 0)
        return abandon("cannot chmod master key " + path + ": " + errno_text());
    std::string_view rest = content.text;
    while (!rest.empty()) {
        const ssize_t n = ::write(fd.get(), rest.data(), rest.size());
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return abandon("cannot write master key " + path + ": " + errno_text());
        rest.remove_prefix(static_cast<std::size_t>(n));
    }
    if (::fsync(fd.get()) != 0 || !fd.close())
        return abandon("cannot write master key " + path + ": " + errno_text());
    return master;
}

Result<MasterKey> MasterKey::load(const std::string& path) {
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0)
        return fail(key_error("cannot open master key " + path + ": " + errno_text()));
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0)
        return fail(key_error("cannot stat master key " + path + ": " + errno_text()));
    if (!S_ISREG(st.st_mode))
        return fail(key_error("master key " + path + " is not a regular file"));
    // Checked on the open descriptor, so the file checked is the file read.
    if ((st.st_mode & (S_IRGRP | S_IROTH)) != 0)
        return fail(key_error("master key " + path + " is readable by others (chmod 600)"));
    if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
        return fail(key_error("master key " + path + " is writable by others (chmod 600)"));
    if (st.st_size > kMaxFileSize)
        return fail(key_error("master key " + path + " is malformed (too large)"));

    SecretText content;
    content.text.resize(static_cast<std::size_t>(kMaxFileSize) + 1);
    std::size_t used = 0;
    while (used < content.text.size()) {
        const ssize_t n = ::read(fd.get(), content.text.data() + used, content.text.size() - used);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return fail(key_error("cannot read master key " + path + ": " + errno_text()));
        if (n == 0)
            break;
        used += static_cast<std::size_t>(n);
    }
    if (used > static_cast<std::size_t>(kMaxFileSize))
        return fail(key_error("master key " + path + " is malformed (too large)"));

    // Comment lines start with '#'; exactly one other non-empty line: 64 hex digits.
    const auto malformed = key_error("master key " + path + " is malformed (expected one line of " +
                                     std::to_string(key_size * 2) + " hex digits)");
    std::string_view text(content.text.data(), used);
    std::string_view key_line;
    int key_lines = 0;
    while (!text.empty()) {
        const auto nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
            line.remove_suffix(1);
        while (!line.empty() && (line.front() == ' ' || line.front() == '\t'))
            line.remove_prefix(1);
        if (line.empty() || line.front() == '#')
            continue;
        key_line = line;
        ++key_lines;
    }
    if (key_lines != 1 || key_line.size() != key_size * 2)
        return fail(malformed);
    SecretText key;
    auto decoded = from_hex(key_line);
    if (!decoded)
        return fail(malformed);
    key.text = std::move(*decoded);
    return MasterKey(bytes(key.text));
}

Result<std::string> MasterKey::seal(std::string_view plaintext, std::string_view context) const {
    if (!int_size(plaintext.size() + kHeaderSize + kTagSize) || !int_size(context.size()))
        return fail(key_error("seal: data too large"));
    std::string out(kHeaderSize + plaintext.size() + kTagSize, '\0');
    out[0] = static_cast<char>(kVersion);
    unsigned char* const nonce = bytes(out) + 1;
    if (RAND_bytes(nonce, static_cast<int>(kNonceSize)) != 1)
        return fail(key_error("seal: RAND_bytes failed"));

    const CipherCtx ctx(EVP_CIPHER_CTX_new());
    int len = 0;
    const auto aad = std::string(1, static_cast<char>(kVersion)) + std::string(context);
    unsigned char* const body = bytes(out) + kHeaderSize;
    if (!ctx ||
        EVP_EncryptInit_ex2(ctx.get(), EVP_aes_256_gcm(), key_.data(), nonce, nullptr) != 1 ||
        EVP_EncryptUpdate(ctx.get(), nullptr, &len, bytes(aad), static_cast<int>(aad.size())) != 1)
        return fail(key_error("seal: AES-256-GCM setup failed"));
    int total = 0;
    if (!plaintext.empty()) {
        if (EVP_EncryptUpdate(ctx.get(), body, &len, bytes(plaintext),
                              static_cast<int>(plaintext.size())) != 1)
            return fail(key_error("seal: AES-256-GCM failed"));
        total = len;
    }
    if (EVP_EncryptFinal_ex(ctx.get(), body + total, &len) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kTagSize),
                            body + plaintext.size()) != 1)
        return fail(key_error("seal: AES-256-GCM failed"));
    return out;
}

Result<std::string> MasterKey::unseal(std::string_view sealed, std::string_view context) const {
    if (sealed.size() < kHeaderSize + kTagSize)
        return fail(key_error("cannot unseal: sealed data is truncated"));
    if (static_cast<unsigned char>(sealed[0]) != kVersion)
        return fail(key_error("cannot unseal: unknown sealed data version " +
                              std::to_string(static_cast<unsigned char>(sealed[0]))));
    if (!int_size(sealed.size()) || !int_size(context.size()))
        return fail(key_error("cannot unseal: data too large"));
    const std::string_view nonce = sealed.substr(1, kNonceSize);
    const std::string_view cipher =
        sealed.substr(kHeaderSize, sealed.size() - kHeaderSize - kTagSize);
    std::array<unsigned char, kTagSize> tag{};
    std::memcpy(tag.data(), sealed.data() + sealed.size() - kTagSize, kTagSize);

    const CipherCtx ctx(EVP_CIPHER_CTX_new());
    int len = 0;
    const auto aad = std::string(1, static_cast<char>(kVersion)) + std::string(context);
    if (!ctx ||
        EVP_DecryptInit_ex2(ctx.get(), EVP_aes_256_gcm(), key_.data(), bytes(nonce), nullptr) !=
            1 ||
        EVP_DecryptUpdate(ctx.get(), nullptr, &len, bytes(aad), static_cast<int>(aad.size())) != 1)
        return fail(key_error("cannot unseal: AES-256-GCM setup failed"));
    std::string out(cipher.size(), '\0');
    int total = 0;
    if (!cipher.empty()) {
        if (EVP_DecryptUpdate(ctx.get(), bytes(out), &len, bytes(cipher),
                              static_cast<int>(cipher.size())) != 1) {
            OPENSSL_cleanse(out.data(), out.size());
            return fail(key_error("cannot unseal: AES-256-GCM failed"));
        }
        total = len;
    }
    if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTagSize),
                            tag.data()) != 1 ||
        EVP_DecryptFinal_ex(ctx.get(), bytes(out) + total, &len) != 1) {
        // Never hand out plaintext that failed authentication.
        OPENSSL_cleanse(out.data(), out.size());
        return fail(key_error(
            "cannot unseal: wrong master key, sealed for another record, or tampered data"));
    }
    return out;
}

std::string default_master_key_path(const std::string& store_path) {
    return store_path + ".key";
}

}  // namespace sealgate
