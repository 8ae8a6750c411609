// crypto/private_key.hpp — a private key in memory.
//
// Only keystore/ keeps these beyond a single call: it seals them with the master key before they
// reach the store and hands out operations, not keys (keys sealed at rest, docs/architecture.md).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "crypto/certificate.hpp"

typedef struct evp_pkey_st EVP_PKEY;

namespace sealgate::crypto {

class PrivateKey {
  public:
    static Result<PrivateKey> from_pkcs8_der(std::string_view der);
    std::string to_pkcs8_der() const;             // unencrypted PKCS#8: callers seal it at once
    bool matches(const Certificate& cert) const;  // the certificate's public key is ours

    EVP_PKEY* get() const { return key_.get(); }

  private:
    explicit PrivateKey(std::shared_ptr<EVP_PKEY> key) : key_(std::move(key)) {}
    std::shared_ptr<EVP_PKEY> key_;
    friend class KeyFactory;
};

}  // namespace sealgate::crypto
