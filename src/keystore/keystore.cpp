#include "keystore/keystore.hpp"

#include <openssl/crypto.h>

#include <vector>

#include "crypto/keygen.hpp"
#include "crypto/pkcs12.hpp"

namespace sealgate::keystore {

KeyStore::KeyStore(Store& store, MasterKey master) : store_(store), master_(std::move(master)) {}

Status KeyStore::add_smime_key(const crypto::Certificate& cert, const crypto::PrivateKey& key) {
    if (!key.matches(cert))
        return fail(Error::bad_input("private key does not match certificate " + cert.sha256()));
    const std::string sha = cert.sha256();
    auto sealed = master_.seal(key.to_pkcs8_der(), "smime:" + sha);
    SEALGATE_TRY(sealed);
    SEALGATE_TRY(store_.put_certificate(CertRecord{sha, cert.der(), true, std::time(nullptr)}));
    SEALGATE_TRY(store_.put_sealed_key(sha, *sealed));
    loaded_generation_.reset();
    return ok();
}

Result<crypto::PrivateKey> KeyStore::smime_key(const std::string& sha256) const {
    auto rec = store_.find_certificate(sha256);
    SEALGATE_TRY(rec);
    if (!*rec || !(*rec)->has_private_key)
        return fail(Error::not_found("no private key held for certificate " + sha256));
    auto sealed = store_.find_sealed_key(sha256);
    SEALGATE_TRY(sealed);
    if (!*sealed)
        return fail(Error::not_found("no private key held for certificate " + sha256));
    auto der = master_.unseal(**sealed, "smime:" + sha256);
    if (!der)
        return fail(
            Error::temp("cannot unseal private key of " + sha256 + ": " + der.error().reason));
    auto key = crypto::PrivateKey::from_pkcs8_der(*der);
    OPENSSL_cleanse(der->data(), der->size());
    return key;
}

Result<crypto::Certificate> KeyStore::renew_smime(const crypto::Certificate& predecessor,
                                                  bool reuse_key, int days) {
    auto key = smime_key(predecessor.sha256());
    SEALGATE_TRY(key);
    auto made = crypto::renew_domain_certificate(predecessor, reuse_key ? &*key : nullptr, days);
    SEALGATE_TRY(made);
    SEALGATE_TRY(add_smime_key(made->first, made->second));
    return made->first;
}

Result<std::string> KeyStore::export_smime_pkcs12(const crypto::Certificate& cert,
                                                  const std::vector<crypto::Certificate>& chain,
                                                  std::string_view password) {
    auto key = smime_key(cert.sha256());
    SEALGATE_TRY(key);
    std::string name = cert.emails().empty() ? cert.subject() : cert.emails().front();
    return crypto::write_pkcs12(cert, *key, chain, password, name);
}

Result<std::string> KeyStore::seal_pgp_secret(std::string_view fingerprint,
                                              std::string_view secret) {
    return master_.seal(secret, "pgp:" + std::string(fingerprint));
}

Result<std::string> KeyStore::unseal_pgp_secret(std::string_view fingerprint,
                                                std::string_view sealed) {
    return master_.unseal(sealed, "pgp:" + std::string(fingerprint));
}

Result<std::string> KeyStore::seal_secret(std::string_view name, std::string_view secret) {
    return master_.seal(secret, "secret:" + std::string(name));
}

Result<std::string> KeyStore::unseal_secret(std::string_view name, std::string_view sealed) {
    return master_.unseal(sealed, "secret:" + std::string(name));
}

Status KeyStore::load() {
    auto gen = store_.generation();
    SEALGATE_TRY(gen);
    auto certs = store_.list_certificates();
    SEALGATE_TRY(certs);
    std::vector<HeldKey> keys;
    for (const auto& rec : *certs) {
        if (!rec.has_private_key)
            continue;
        auto sealed = store_.find_sealed_key(rec.sha256);
        SEALGATE_TRY(sealed);
        if (!*sealed)
            continue;  // marked but missing: nothing to decrypt with
        auto der = master_.unseal(**sealed, "smime:" + rec.sha256);
        if (!der)
            return fail(Error::temp(
                "4.7.0", "Temporary local problem, try again later",
                "cannot unseal private key of " + rec.sha256 + ": " + der.error().reason));
        auto key = crypto::PrivateKey::from_pkcs8_der(*der);
        OPENSSL_cleanse(der->data(), der->size());
        SEALGATE_TRY(key);
        auto cert = crypto::Certificate::from_der(rec.der);
        SEALGATE_TRY(cert);
        keys.push_back({std::move(*cert), std::move(*key)});
    }
    auto pgp_records = store_.list_pgp_keys();
    SEALGATE_TRY(pgp_records);
    std::vector<std::string> secrets;
    for (const auto& rec : *pgp_records) {
        if (rec.sealed_secret.empty())
            continue;
        auto secret = unseal_pgp_secret(rec.fingerprint, rec.sealed_secret);
        if (!secret) {
            for (auto& unsealed : secrets)
                OPENSSL_cleanse(unsealed.data(), unsealed.size());
            return fail(Error::temp(
                "4.7.0", "Temporary local problem, try again later",
                "cannot unseal OpenPGP key " + rec.fingerprint + ": " + secret.error().reason));
        }
        secrets.push_back(std::move(*secret));
    }
    auto decryptor = openpgp::Decryptor::create(secrets);
    for (auto& s : secrets)
        OPENSSL_cleanse(s.data(), s.size());
    SEALGATE_TRY(decryptor);

    smime_keys_ = std::move(keys);
    pgp_ = std::move(*decryptor);
    loaded_generation_ = *gen;
    return ok();
}

Status KeyStore::refresh() {
    auto gen = store_.generation();
    SEALGATE_TRY(gen);
    if (loaded_generation_ && *loaded_generation_ == *gen)
        return ok();
    return load();
}

Result<std::optional<SmimeDecrypted>> KeyStore::smime_decrypt(crypto::Envelope envelope) {
    if (!loaded_generation_)
        SEALGATE_TRY(load());
    // Mail to a partner in the middle of a rotation is addressed to our old and new certificate:
    // try each one it names, and report the last failure only if none works. Only the last try
    // may use the envelope up (a failed in-place decryption leaves no ciphertext to try again).
    std::vector<const HeldKey*> named;
    for (const auto& held : smime_keys_) {
        if (envelope.addressed_to(held.cert))
            named.push_back(&held);
    }
    const std::string algorithm = envelope.content_algorithm();
    std::optional<Error> failure;
    for (std::size_t i = 0; i < named.size(); ++i) {
        const HeldKey& held = *named[i];
        auto entity = i + 1 < named.size()
                          ? envelope.decrypt(held.key, held.cert)
                          : std::move(envelope).decrypt_in_place(held.key, held.cert);
        if (!entity) {
            failure = std::move(entity.error());
            continue;
        }
        return SmimeDecrypted{std::move(*entity), held.cert.sha256(), algorithm};
    }
    if (failure)
        return fail(std::move(*failure));
    return std::optional<SmimeDecrypted>{};
}

Result<std::optional<SmimeDecrypted>> KeyStore::smime_decrypt(std::string ber) {
    auto envelope = crypto::Envelope::parse_in_place(std::move(ber));
    if (!envelope)
        return fail(std::move(envelope.error()).with_context("S/MIME"));
    return smime_decrypt(std::move(*envelope));
}

Result<std::optional<openpgp::Decrypted>> KeyStore::pgp_decrypt(std::string_view message) {
    if (!loaded_generation_)
        SEALGATE_TRY(load());
    return pgp_->decrypt(message);
}

Result<std::optional<openpgp::Decrypted>> KeyStore::pgp_decrypt(
    std::string_view message, std::span<const std::string> verify_keys) {
    if (!loaded_generation_)
        SEALGATE_TRY(load());
    return pgp_->decrypt(message, verify_keys);
}

Result<std::string> KeyStore::pgp_sign_entity(std::string_view fingerprint,
                                              std::string_view entity) {
    if (!loaded_generation_)
        SEALGATE_TRY(load());
    return pgp_->sign_detached(fingerprint, entity);
}

}  // namespace sealgate::keystore
