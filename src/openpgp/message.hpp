// openpgp/message.hpp — encrypt to partner keys, decrypt with our keys (RFC 4880 messages).
//
// What goes out: one ASCII-armored message, PKESK per recipient + SEIPD v1
// (RFC 4880 §5.13, with MDC), AES-256, no compression, no AEAD (librnp 0.16's AEAD packet is a
// pre-RFC 9580 draft others cannot read). Every one of these is set explicitly per operation,
// never left to librnp's defaults. The literal data packet is binary ('b'): bytes in, the same
// bytes out, no line-ending or charset conversion.
//
// What comes in: armored or binary. Decryption succeeds only for integrity-protected data
// (SEIPD with a valid MDC, or AEAD); SED (tag 9) is refused and no plaintext is returned.
// The output is capped (compression bombs): past the cap the call fails. On any failure no
// partial plaintext is returned.
//
// Thread-safety: an Encryptor or Decryptor holds one librnp context and must be used by one
// thread at a time (one per worker thread, or a mutex); an Encryptor made on a shared KeyRing
// (keyring.hpp) is used by one thread at a time together with everything else on that ring.
// encrypt() builds its own context and is thread-safe. Building a context and importing keys
// costs 0.4-3.5 ms, and ~0.4 ms more per partner key (validating its self-signatures): keep an
// Encryptor / Decryptor per thread and rebuild it when the store's key set changes.
#pragma once

#include <cstddef>
#include <ctime>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "openpgp/keyring.hpp"

namespace sealgate::openpgp {

struct EncryptOptions {
    // The time at which recipients' revocation and expiry are judged; 0: the current time.
    // (librnp's own signature-validity verdict inside an Encryptor is always at load time.)
    std::time_t now = 0;
};

struct Encrypted {
    std::string armored;    // "-----BEGIN PGP MESSAGE-----" ..., CRLF line ends (SMTP-ready)
    std::string algorithm;  // "aes256-seipd1"
    std::vector<std::string> keys;     // primary fingerprints, in recipient order
    std::vector<std::string> subkeys;  // the (sub)key used for each recipient
};

// Partner public keys loaded once; encrypt to any subset of them by primary fingerprint.
class Encryptor {
  public:
    // A KeyRing of its own, every key of which may be a recipient. Fails on an unreadable key.
    // Keys are checked for usability at encrypt time, not here.
    static Result<Encryptor> create(std::span<const std::string> public_keys);
    // On a ring shared with a Verifier (the daemon's worker: the ring holds every stored key):
    // only the ring's keys among `fingerprints` (primary, lower-case hex: the snapshot's
    // usable keys) may be recipients; any other key, loaded in the ring or not, is refused as
    // not loaded. `ring` must not be null.
    static Encryptor create(std::shared_ptr<const KeyRing> ring,
                            std::span<const std::string> fingerprints);
    ~Encryptor();
    Encryptor(Encryptor&&) noexcept;
    Encryptor& operator=(Encryptor&&) noexcept;

    // Each recipient must be loaded (one of this Encryptor's keys, else Error::temp "... is not
    // loaded") and pass encryption_usability() (key.hpp) at options.now, else the call fails
    // with Error::perm(550, "5.7.1", ...) naming the key and the reason.
    Result<Encrypted> encrypt(std::string_view plaintext, std::span<const std::string> fingerprints,
                              const EncryptOptions& options = {}) const;

    // Primary fingerprints of the keys it may encrypt to, in load order.
    Result<std::vector<std::string>> loaded_keys() const;

  private:
    struct Impl;
    explicit Encryptor(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

// One-shot: load the recipients' public key blobs and encrypt to all of them.
Result<Encrypted> encrypt(std::string_view plaintext, std::span<const std::string> public_keys,
                          const EncryptOptions& options = {});

struct DecryptOptions {
    // Maximum plaintext size; 0 means the default of 4 x input + 64 MiB.
    std::size_t max_output = 0;
};

// One signature found on a message (RFC 3156 §6.2, signed and encrypted in one OpenPGP message)
// or in a detached signature (§5), as librnp judged it with the keys it was given.
struct SignatureInfo {
    bool valid = false;       // made by a given key, over exactly this data, by a key valid then
    std::string reason;       // when not valid: "made by a key not given (key id <hex>)",
                              // "the signed data was modified", "the signing key has expired", ...
    std::string key;          // primary fingerprint of the signer when it is among the given keys
    std::string signing_key;  // the (sub)key that made it, fingerprint or key id as known
    std::time_t created = 0;
};

struct Decrypted {
    std::string plaintext;
    std::string key;        // primary fingerprint of the key that decrypted it
    std::string subkey;     // fingerprint of the (sub)key whose PKESK was used
    std::string algorithm;  // "aes256-seipd1", "aes128-aead-ocb", ...
    // Signatures inside the encrypted message (RFC 3156 §6.2), judged with `verify_keys`;
    // empty for a message that was only encrypted.
    std::vector<SignatureInfo> signatures;
};

class Decryptor {
  public:
    // Our secret keys (unprotected transferable secret keys), loaded once.
    static Result<Decryptor> create(std::span<const std::string> secret_keys);
    ~Decryptor();
    Decryptor(Decryptor&&) noexcept;
    Decryptor& operator=(Decryptor&&) noexcept;

    // Replace the loaded key set (the store changed). On failure the old set stays loaded.
    Status reload(std::span<const std::string> secret_keys);

    // Found: the plaintext. nullopt: the message is not encrypted to any key we hold (the
    // pipeline passes it on unchanged with a note). Error: corrupt, truncated, not an encrypted
    // message, no integrity protection, or larger than the cap (all Error::bad_input, 554 5.6.0,
    // with the cap as 552 5.3.4), or a library failure (451 4.3.0).
    Result<std::optional<Decrypted>> decrypt(std::string_view message,
                                             const DecryptOptions& options = {}) const;
    // The same, and the signatures inside judged with these public keys (the sender domain's
    // bound keys, as transferable public keys): Decrypted::signatures.
    // (They join this Decryptor's keys for the call only, when a signature names a key it does
    // not hold, and are removed afterwards; an unreadable one fails the call with 451 then.)
    Result<std::optional<Decrypted>> decrypt(std::string_view message,
                                             std::span<const std::string> verify_keys,
                                             const DecryptOptions& options = {}) const;

    // An ASCII-armored detached signature (RFC 3156 §5: application/pgp-signature) over `data`
    // as given (a binary document signature, SHA-256), made with the signing (sub)key of our
    // loaded key `fingerprint`. not_found when no such secret key is loaded.
    Result<std::string> sign_detached(std::string_view fingerprint, std::string_view data) const;

  private:
    struct Impl;
    explicit Decryptor(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace sealgate::openpgp
