// keystore/master_key.hpp — the master key that seals private keys at rest.
//
// Private keys never reach the store in clear: keystore/ seals them with a 256-bit master key
// that `sealgate init` creates in a file next to the store (default: STORE.key).
//
// Contract:
//   - create() writes 32 random bytes (RAND_bytes) as hex after a one-line '#' comment, with
//     O_EXCL and mode 0600: it never overwrites an existing file (a lost master key makes every
//     sealed key in the store unusable).
//   - load() refuses a missing or malformed file, and a file that group or others may access
//     ("master key FILE is readable by others (chmod 600)").
//   - seal() = version byte 0x01 || 12-byte random nonce || AES-256-GCM ciphertext || 16-byte
//     tag. The additional authenticated data is the version byte followed by the context (the
//     certificate thumbprint or PGP fingerprint the sealed key belongs to), so a sealed blob
//     copied to another record does not unseal.
//   - unseal() fails with one clear reason on a wrong key, a wrong context or tampered data (GCM
//     cannot tell those apart), and on a truncated blob or an unknown version.
//   - The key bytes are wiped (OPENSSL_cleanse) when a MasterKey is destroyed or moved from.
//     Errors are Error::temp: on the mail path a key that cannot be unsealed defers mail.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace sealgate {

class MasterKey {
  public:
    static constexpr std::size_t key_size = 32;

    static Result<MasterKey> create(const std::string& path);
    static Result<MasterKey> load(const std::string& path);

    Result<std::string> seal(std::string_view plaintext, std::string_view context) const;
    Result<std::string> unseal(std::string_view sealed, std::string_view context) const;

    ~MasterKey();
    MasterKey(MasterKey&& other) noexcept;
    MasterKey& operator=(MasterKey&& other) noexcept;
    MasterKey(const MasterKey&) = delete;
    MasterKey& operator=(const MasterKey&) = delete;

  private:
    explicit MasterKey(const unsigned char* key);
    std::array<unsigned char, key_size> key_{};
};

// Where `sealgate init` puts the master key for a store: store_path + ".key".
std::string default_master_key_path(const std::string& store_path);

}  // namespace sealgate
