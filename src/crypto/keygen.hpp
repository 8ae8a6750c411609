// crypto/keygen.hpp — create a self-signed domain certificate with its private key, renew one
// (its successor), and the admin listener's self-signed TLS server certificate.
//
// Domain certificate: RSA: keyUsage digitalSignature + keyEncipherment; EC: digitalSignature +
// keyAgreement. extendedKeyUsage emailProtection; the email in subjectAltName (rfc822Name).
// Server certificate: ECDSA P-256, keyUsage digitalSignature, extendedKeyUsage serverAuth, the
// hosts in subjectAltName (iPAddress for an address literal, else dNSName).
// Both: basicConstraints CA:FALSE; subjectKeyIdentifier; random 128-bit serial; SHA-256
// signature; valid from one hour ago.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.hpp"
#include "crypto/certificate.hpp"
#include "crypto/private_key.hpp"

namespace sealgate::crypto {

enum class KeyAlgorithm { rsa2048, rsa3072, rsa4096, p256 };

std::optional<KeyAlgorithm> parse_key_algorithm(std::string_view s);

struct CertificateRequest {
    std::string email;        // domain-cert@example.com
    std::string common_name;  // defaults to the email when empty
    KeyAlgorithm algorithm = KeyAlgorithm::rsa3072;
    int days = 730;
};

Result<std::pair<Certificate, PrivateKey>> create_domain_certificate(const CertificateRequest& req);

// The successor of a self-signed domain certificate: the same subject name and e-mail addresses
// (the addresses in subjectAltName, also those the predecessor had only in its subject), the
// extensions above, a new random serial, valid from one hour ago for `days`. A new key of the
// same kind (RSA of the same size, EC on the same curve) unless `reuse` is given: then that key,
// which must be the predecessor's. A certificate that is not self-signed is refused (bad_input):
// its CA renews it.
Result<std::pair<Certificate, PrivateKey>> renew_domain_certificate(const Certificate& predecessor,
                                                                    const PrivateKey* reuse,
                                                                    int days);

// hosts: "127.0.0.1", "localhost", "gw.example.com"; the first is also the common name.
Result<std::pair<Certificate, PrivateKey>> create_server_certificate(
    const std::vector<std::string>& hosts, int days);

}  // namespace sealgate::crypto
