// openpgp/signature.hpp — detached OpenPGP signatures over bytes (RFC 4880 §5.2, a binary
// document signature, SHA-256), as the signed update bundle (exchange/) carries them.
//
// Contract:
//   - sign_detached() signs with the signing-capable (sub)key of the first primary key in an
//     unprotected secret key blob (keystore/ unseals it and calls this; nothing is kept).
//   - verify_detached() loads only `public_key` and succeeds only when every signature in
//     `signature` was made by that key (its primary or a subkey), covers exactly `data`, was
//     made no more than kMaxFutureSeconds after `now` (0: the current time), and the primary
//     and the signing (sub)key are valid at `now` — not merely when the signature claims to
//     have been made (librnp's own verdict, which a backdated signature by an expired key
//     passes). Returns the newest signature's creation time, for the caller's own window. A
//     signature by any other key, a modified document, an expired or revoked signing key, a
//     signature from the future: Error::unusable. Garbage: Error::bad_input.
//   - Each call creates its own librnp context: thread-safe, for the admin path only.
#pragma once

#include <ctime>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "openpgp/keyring.hpp"
#include "openpgp/message.hpp"

namespace sealgate::openpgp {

// Binary detached signature.
Result<std::string> sign_detached(std::string_view secret_key, std::string_view data);

inline constexpr std::time_t kMaxFutureSeconds = 10 * 60;  // clock skew allowed

Result<std::time_t> verify_detached(std::string_view public_key, std::string_view data,
                                    std::string_view signature, std::time_t now = 0);

// A mail signature (RFC 3156 §5, application/pgp-signature, armored or binary) over `data`,
// judged with the sender domain's keys (transferable public keys): valid when a signature was
// made by one of them (primary or subkey) over exactly `data` and the signing key is valid at
// `now` (the rules of verify_detached). A bad signature is a result with its reason, not an
// error; Error::bad_input only for data that is not an OpenPGP signature.
Result<SignatureInfo> check_signature(std::span<const std::string> public_keys,
                                      std::string_view data, std::string_view signature,
                                      std::time_t now = 0);

// check_signature with the partners' public keys loaded once, for the daemon's workers: loading
// and validating the keys for each message cost more than checking its signature. One thread at
// a time, together with everything else on its KeyRing (keyring.hpp; a worker owns one ring,
// rebuilt when the policy snapshot changes, and its Encryptor shares it).
class Verifier {
  public:
    // A KeyRing of its own. Fails on an unreadable key.
    static Result<Verifier> create(std::span<const std::string> public_keys);
    // On a ring shared with an Encryptor: every key of the ring is held. `ring` must not be
    // null. The verdicts are the same as with a ring of its own of the same keys.
    static Verifier create(std::shared_ptr<const KeyRing> ring);
    ~Verifier();
    Verifier(Verifier&&) noexcept;
    Verifier& operator=(Verifier&&) noexcept;

    // Whether every one of `fingerprints` (primary, lower-case hex) is loaded.
    bool holds(std::span<const std::string> fingerprints) const;
    // The verdict check_signature would give with the keys of `signers` (primary fingerprints,
    // each held): only a signature by one of them can be valid; one by another loaded key is
    // "made by a key not given", as one by a key check_signature was not given.
    Result<SignatureInfo> check(std::span<const std::string> signers, std::string_view data,
                                std::string_view signature, std::time_t now = 0) const;

  private:
    struct Impl;
    explicit Verifier(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace sealgate::openpgp
