#include "app/worker.hpp"

namespace sealgate::app {

Worker::Worker(std::unique_ptr<keystore::Keys> keys, mime::Limits limits, Logger log)
    : keys_(std::move(keys)), limits_(limits), log_(std::move(log)) {}

// One KeyRing of every stored key serves both: each key is imported and validated once per
// snapshot, not once for encryption and again for signatures (bench/RESULTS.md).
void Worker::load_partner_keys(const policy::Snapshot& snapshot) {
    encryptor_.reset();
    verifier_.reset();
    // Signatures: every stored key, usable for encryption or not (a key may sign only).
    std::vector<std::string> all_keys;
    // Encryption: the snapshot's usable keys only (trusted, not revoked or expired, ...).
    std::vector<std::string> usable;
    for (const auto& k : snapshot.pgp_keys()) {
        all_keys.push_back(k.public_key);
        if (snapshot.pgp_verdict(k.fingerprint).usable)
            usable.push_back(k.fingerprint);
    }
    auto ring = openpgp::KeyRing::create(all_keys);
    if (ring) {
        encryptor_ = openpgp::Encryptor::create(*ring, usable);
        verifier_ = openpgp::Verifier::create(std::move(*ring));
        return;
    }
    log_("partner OpenPGP keys not preloaded for signatures: " + ring.error().reason);
    // A stored key librnp cannot read (a corrupt row) fails the ring. The snapshot judged it
    // unusable ("unreadable key"), so the usable keys alone may still load for encryption.
    std::vector<std::string> usable_keys;
    for (const auto& k : snapshot.pgp_keys())
        if (snapshot.pgp_verdict(k.fingerprint).usable)
            usable_keys.push_back(k.public_key);
    auto encryptor = openpgp::Encryptor::create(usable_keys);
    if (encryptor)
        encryptor_ = std::move(*encryptor);
    else
        log_("partner OpenPGP keys not preloaded: " + encryptor.error().reason);
}

pipeline::Pipeline Worker::pipeline(const std::shared_ptr<const policy::Snapshot>& snapshot) {
    if (snapshot != snapshot_ || keys_behind_) {
        // Keys that cannot be loaded (a wrong master key, a corrupt row, a store connection
        // lost in an outage) must not stop the policy: decryption fails with 451 on its own,
        // encryption goes on. Tried again with every message until it works, since the next
        // snapshot may be long in coming; reported once per episode.
        if (auto st = keys_->refresh(); !st) {
            if (!keys_behind_)
                log_("private keys not reloaded (tried again with each message): " +
                     st.error().reason);
            keys_behind_ = true;
        } else if (keys_behind_) {
            log_("private keys reloaded");
            keys_behind_ = false;
        }
    }
    if (snapshot != snapshot_) {
        load_partner_keys(*snapshot);
        snapshot_ = snapshot;
    }
    pipeline::Options options;
    options.limits = limits_;
    options.pgp_encryptor = encryptor_ ? &*encryptor_ : nullptr;
    options.pgp_verifier = verifier_ ? &*verifier_ : nullptr;
    return pipeline::Pipeline(snapshot, *keys_, options);
}

}  // namespace sealgate::app
