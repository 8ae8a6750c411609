#include "crypto/private_key.hpp"

#include <openssl/x509.h>

#include <climits>

#include "crypto/ossl.hpp"

namespace sealgate::crypto {

Result<PrivateKey> PrivateKey::from_pkcs8_der(std::string_view der) {
    const auto bio = ossl::mem_reader(der);
    std::unique_ptr<PKCS8_PRIV_KEY_INFO, ossl::Deleter<PKCS8_PRIV_KEY_INFO_free>> p8(
        d2i_PKCS8_PRIV_KEY_INFO_bio(bio.get(), nullptr));
    if (!p8)
        return fail(Error::bad_input(ossl::reason("not an unencrypted PKCS#8 private key")));
    ossl::EvpPkeyPtr key(EVP_PKCS82PKEY(p8.get()));
    if (!key)
        return fail(Error::bad_input(ossl::reason("unsupported PKCS#8 private key")));
    return KeyFactory::key(std::move(key));
}

std::string PrivateKey::to_pkcs8_der() const {
    std::unique_ptr<PKCS8_PRIV_KEY_INFO, ossl::Deleter<PKCS8_PRIV_KEY_INFO_free>> p8(
        EVP_PKEY2PKCS8(key_.get()));
    if (!p8) {
        ossl::drain_errors();
        return {};
    }
    const int len = i2d_PKCS8_PRIV_KEY_INFO(p8.get(), nullptr);
    if (len <= 0)
        return {};
    std::string out(static_cast<std::size_t>(len), '\0');
    auto* p = reinterpret_cast<unsigned char*>(out.data());
    i2d_PKCS8_PRIV_KEY_INFO(p8.get(), &p);
    return out;
}

bool PrivateKey::matches(const Certificate& cert) const {
    const EVP_PKEY* pub = X509_get0_pubkey(cert.get());
    const bool same = pub != nullptr && EVP_PKEY_eq(pub, key_.get()) == 1;
    ossl::drain_errors();
    return same;
}

}  // namespace sealgate::crypto
