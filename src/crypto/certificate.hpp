// crypto/certificate.hpp — an X.509 certificate and what an administrator needs to know of it.
//
// Thumbprints are SHA-256 / SHA-1 over the DER, lower-case hex (core/hex.hpp formats them the
// way `openssl x509 -fingerprint` does). The handle is shared and immutable; the SHA-256
// thumbprint, which the policy asks for several times per message, is computed once when the
// value is made.
#pragma once

#include <ctime>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/key_strength.hpp"
#include "core/result.hpp"

typedef struct x509_st X509;

namespace sealgate::crypto {

class Certificate {
  public:
    static Result<Certificate> from_der(std::string_view der);
    static Result<Certificate> from_pem(std::string_view pem);  // the first certificate
    // DER or PEM, whichever it is.
    static Result<Certificate> read(std::string_view bytes);

    std::string der() const;
    const std::string& sha256() const { return sha256_; }  // lower-case hex
    std::string sha1() const;
    std::string subject() const;  // one line, RFC 2253 order ("CN=...,O=...")
    std::string issuer() const;
    std::string serial() const;  // lower-case hex
    std::time_t not_before() const;
    std::time_t not_after() const;
    std::string key_type() const;  // "RSA", "EC P-256", ...
    int key_bits() const;
    // The public key's family, size and curve as OpenSSL reads them, and whether OpenSSL can use
    // it at all (core/key_strength.hpp); policy/key_strength.hpp judges it.
    KeyStrength key_strength() const;
    bool has_key_usage() const;
    std::vector<std::string> key_usage() const;  // "digitalSignature", "keyEncipherment", ...
    bool has_ext_key_usage() const;
    std::vector<std::string> ext_key_usage() const;  // "emailProtection", "serverAuth", ...
    std::vector<std::string> emails() const;  // subjectAltName rfc822Name + subject emailAddress
    bool self_signed() const;  // issuer == subject and the signature verifies with its own key
    bool is_ca() const;
    // RFC 5280 §4.2.1.13: the URIs (uniformResourceIdentifier general names) of the CRL
    // distribution points' full names, in the certificate's order, without duplicates; the
    // distribution points named otherwise (relative names, a cRLIssuer alone) are not listed.
    std::vector<std::string> crl_distribution_points() const;
    std::string pem() const;

    X509* get() const { return cert_.get(); }  // borrowed; valid while this object lives

  private:
    explicit Certificate(std::shared_ptr<X509> cert);
    std::shared_ptr<X509> cert_;
    std::string sha256_;
    friend class KeyFactory;  // crypto/ossl.hpp: adopts handles created inside the module
};

}  // namespace sealgate::crypto
