// crypto/import.hpp — read what an administrator hands us: certificates (PEM, DER, several in
// one PEM file), PEM with a private key (PKCS#8, traditional RSA/EC, encrypted with a password),
// PKCS#12 (with a password, possibly empty), and CRLs (PEM or DER).
#pragma once

#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "crypto/certificate.hpp"
#include "crypto/private_key.hpp"

typedef struct X509_crl_st X509_CRL;

namespace sealgate::crypto {

struct Bundle {
    std::vector<Certificate> certificates;  // end-entity first when a key is present
    std::optional<PrivateKey> key;          // matches certificates.front() when present
};

// Detects the format. Fails with a clear reason on garbage, a wrong or missing password, or a
// key that matches none of the certificates.
Result<Bundle> read_bundle(std::string_view bytes, const std::optional<std::string>& password);

class Crl {
  public:
    static Result<Crl> read(std::string_view bytes);  // PEM or DER
    std::string der() const;
    std::string issuer() const;
    std::time_t last_update() const;
    std::time_t next_update() const;  // 0 when absent
    // Past its nextUpdate at `now` (a CRL without one is never stale: RFC 5280 §5.1.2.5 makes
    // it mandatory, so such a CRL is taken as issued once and for all).
    bool stale(std::time_t now) const;
    // Issued by `issuer`: the names match, the signature verifies with its key, and its
    // keyUsage (when present) allows cRLSign (RFC 5280 §4.2.1.3).
    bool issued_by(const Certificate& issuer) const;
    // Newer than `other` (of the same issuer): a larger cRLNumber (RFC 5280 §5.2.3) when both
    // have one, else a later thisUpdate.
    bool newer_than(const Crl& other) const;
    X509_CRL* get() const { return crl_.get(); }  // borrowed; valid while this object lives

  private:
    explicit Crl(std::shared_ptr<X509_CRL> crl) : crl_(std::move(crl)) {}
    std::shared_ptr<X509_CRL> crl_;
    friend class KeyFactory;
};

}  // namespace sealgate::crypto
