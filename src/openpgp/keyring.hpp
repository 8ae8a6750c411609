// openpgp/keyring.hpp — partner public keys loaded once into one librnp context, for the
// daemon's workers: one worker's Encryptor (message.hpp) and Verifier (signature.hpp) share it.
//
// Loading is the cost: librnp checks every self-signature and subkey binding of a key as it
// imports it (~0.4 ms per Curve25519 key, bench/RESULTS.md), and a worker loads every partner
// key again at each policy snapshot. One ring per worker and snapshot, from every stored key,
// serves both operations, so each key is imported and validated once per worker and snapshot.
//
// Contract:
//   - create() imports every blob (armored or binary, public or secret: the secret parts are
//     loaded too, so give public keys) into a fresh context; a key given twice, or parts of one
//     key in several blobs, are merged as librnp merges them. Any unreadable blob fails the
//     whole call (Error::bad_input naming "OpenPGP public key"), and nothing is loaded.
//   - The loaded set never changes afterwards: no operation of the Encryptor or the Verifier
//     imports into the ring or removes from it.
//   - Validity is judged at each operation's time, by librnp's clock (no fixed timestamp);
//     librnp's own verdict on the self-signatures is the one it reached at load time.
//   - One librnp context, not thread-safe: a KeyRing and every Encryptor and Verifier made on it
//     are used by one thread at a time, together (the worker thread that built them). The
//     shared_ptr shares ownership, not the context between threads.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

struct rnp_ffi_st;

namespace sealgate::openpgp {

class KeyRing;

namespace detail {
// The ring's context, for Encryptor and Verifier (rnp_handle.hpp's callers only).
rnp_ffi_st* ring_ffi(const KeyRing& ring);
// create() with `what` naming the blobs in its error (Encryptor::create's "recipient key").
Result<std::shared_ptr<const KeyRing>> load_ring(std::span<const std::string> blobs,
                                                 std::string_view what);
}  // namespace detail

class KeyRing {
    struct Impl;
    struct Made {
        explicit Made() = default;
    };

  public:
    static Result<std::shared_ptr<const KeyRing>> create(std::span<const std::string> public_keys);
    // Only for create(): Made cannot be named outside (std::make_shared needs it public).
    KeyRing(Made, std::unique_ptr<Impl> impl);
    ~KeyRing();
    KeyRing(const KeyRing&) = delete;
    KeyRing& operator=(const KeyRing&) = delete;

    // Primary fingerprints of the loaded keys (lower-case hex), in load order.
    const std::vector<std::string>& keys() const;
    // Whether every one of `fingerprints` (primary, lower-case hex) is loaded.
    bool holds(std::span<const std::string> fingerprints) const;

  private:
    friend rnp_ffi_st* detail::ring_ffi(const KeyRing& ring);
    friend Result<std::shared_ptr<const KeyRing>> detail::load_ring(std::span<const std::string>,
                                                                    std::string_view);
    std::unique_ptr<Impl> impl_;
};

}  // namespace sealgate::openpgp
