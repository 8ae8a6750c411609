// keystore/signing.cpp — signatures with our own keys (the signed update bundle): the key is
// unsealed for one signature, handed to the crypto or openpgp primitive and wiped.
#include <openssl/crypto.h>

#include "crypto/cms_sign.hpp"
#include "keystore/keystore.hpp"
#include "openpgp/signature.hpp"

namespace sealgate::keystore {

Result<std::string> KeyStore::smime_sign(std::string_view cert_sha256, std::string_view data) {
    const std::string sha(cert_sha256);
    auto rec = store_.find_certificate(sha);
    SEALGATE_TRY(rec);
    auto sealed = store_.find_sealed_key(sha);
    SEALGATE_TRY(sealed);
    if (!*rec || !*sealed)
        return fail(Error::not_found("no private key held for certificate " + sha));
    auto cert = crypto::Certificate::from_der((*rec)->der);
    SEALGATE_TRY(cert);
    auto der = master_.unseal(**sealed, "smime:" + sha);
    SEALGATE_TRY(der);
    auto key = crypto::PrivateKey::from_pkcs8_der(*der);
    OPENSSL_cleanse(der->data(), der->size());
    SEALGATE_TRY(key);
    return crypto::cms_sign_detached(*cert, *key, data);
}

// A mail signature is made per message: with the key unsealed for decryption and cached (load()),
// not unsealed again for every copy.
Result<std::string> KeyStore::smime_sign_entity(std::string_view cert_sha256,
                                                std::string_view entity,
                                                const std::vector<crypto::Certificate>& chain,
                                                crypto::CmsProfile profile) {
    if (!loaded_generation_)
        SEALGATE_TRY(load());
    for (const HeldKey& held : smime_keys_) {
        if (held.cert.sha256() == cert_sha256)
            return crypto::cms_sign_entity(held.cert, held.key, chain, entity, profile);
    }
    return fail(
        Error::not_found("no private key held for certificate " + std::string(cert_sha256)));
}

Result<std::string> KeyStore::pgp_sign(std::string_view fingerprint, std::string_view data) {
    auto rec = store_.find_pgp_key(fingerprint);
    SEALGATE_TRY(rec);
    if (!*rec || (*rec)->sealed_secret.empty())
        return fail(
            Error::not_found("no secret key held for OpenPGP key " + std::string(fingerprint)));
    auto secret = unseal_pgp_secret((*rec)->fingerprint, (*rec)->sealed_secret);
    SEALGATE_TRY(secret);
    auto signature = openpgp::sign_detached(*secret, data);
    OPENSSL_cleanse(secret->data(), secret->size());
    return signature;
}

}  // namespace sealgate::keystore
