#include "app/worker.hpp"

namespace sealgate::app {

Worker::Worker(std::unique_ptr<keystore::Keys> keys, mime::Limits limits, Logger log)
    : keys_(std::move(keys)), limits_(limits), log_(std::move(log)) {}

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
        std::vector<std::string> partner_keys;
        for (const auto& k : snapshot->pgp_keys())
            if (snapshot->pgp_verdict(k.fingerprint).usable)
                partner_keys.push_back(k.public_key);
        auto encryptor = openpgp::Encryptor::create(partner_keys);
        if (!encryptor)
            log_("partner OpenPGP keys not preloaded: " + encryptor.error().reason);
        encryptor_.reset();
        if (encryptor)
            encryptor_ = std::move(*encryptor);
        // Signatures: every stored key, usable for encryption or not (a key may sign only).
        std::vector<std::string> all_keys;
        for (const auto& k : snapshot->pgp_keys())
            all_keys.push_back(k.public_key);
        auto verifier = openpgp::Verifier::create(all_keys);
        if (!verifier)
            log_("partner OpenPGP keys not preloaded for signatures: " + verifier.error().reason);
        verifier_.reset();
        if (verifier)
            verifier_ = std::move(*verifier);
        snapshot_ = snapshot;
    }
    pipeline::Options options;
    options.limits = limits_;
    options.pgp_encryptor = encryptor_ ? &*encryptor_ : nullptr;
    options.pgp_verifier = verifier_ ? &*verifier_ : nullptr;
    return pipeline::Pipeline(snapshot, *keys_, options);
}

}  // namespace sealgate::app
