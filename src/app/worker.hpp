// app/worker.hpp — what one of the daemon's pipeline threads owns (net/worker_pool.hpp).
//
// The pipeline needs objects that must not be shared between threads: the key store (its cache
// of unsealed keys and its librnp decryption context) and the partners' OpenPGP keys loaded
// into a librnp context. Each worker thread has its own, brought in line with the policy
// snapshot of the message it works on.
//
// Contract:
//   - pipeline(snapshot) returns a Pipeline on this worker's keys for that snapshot. When the
//     snapshot is not the one the worker last saw, the worker first drops its cached private
//     keys if the store changed (KeyStore::refresh) and loads every stored OpenPGP key of the
//     snapshot once, into one openpgp::KeyRing that serves both its Encryptor (only the keys
//     the snapshot judges usable may be recipients) and its Verifier (every key, for checking
//     mail signatures). A failure is logged and does not stop the message: private keys that
//     cannot be unsealed make decryption fail with its own 451; without a ring (an unreadable
//     stored key) the usable keys are loaded alone for encryption, and signatures load their
//     signers' keys per message; without those, each OpenPGP encryption loads its recipients'
//     keys itself. A failed key refresh is tried again with every message until it succeeds
//     (a store outage: the snapshot loaded after it may be the last for a while), and logged
//     once per episode.
//   - Use a Worker from one thread at a time (the pool guarantees it): the ring, the Encryptor
//     and the Verifier share one librnp context and stay on this worker's thread.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "keystore/keys.hpp"
#include "mime/entity.hpp"
#include "openpgp/keyring.hpp"
#include "openpgp/message.hpp"
#include "openpgp/signature.hpp"
#include "pipeline/pipeline.hpp"
#include "policy/snapshot.hpp"

namespace sealgate::app {

class Worker {
  public:
    using Logger = std::function<void(const std::string&)>;
    Worker(std::unique_ptr<keystore::Keys> keys, mime::Limits limits, Logger log);

    pipeline::Pipeline pipeline(const std::shared_ptr<const policy::Snapshot>& snapshot);

  private:
    void load_partner_keys(const policy::Snapshot& snapshot);

    std::unique_ptr<keystore::Keys> keys_;
    mime::Limits limits_;
    Logger log_;
    std::shared_ptr<const policy::Snapshot> snapshot_;  // what encryptor_ was loaded for
    // Both on one KeyRing of the snapshot's stored keys (or the Encryptor on its own, see above).
    std::optional<openpgp::Encryptor> encryptor_;  // the usable partner keys, for encryption
    std::optional<openpgp::Verifier> verifier_;    // every partner key, for mail signatures
    bool keys_behind_ = false;                     // the last refresh of the keys failed
};

}  // namespace sealgate::app
