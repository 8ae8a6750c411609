// crypto/pkcs12.hpp — write a certificate with its private key as PKCS#12 (RFC 7292), for a
// backup of an own domain certificate or for a second gateway.
//
// Contract: the key and the certificates are encrypted with AES-256-CBC under PBES2/PBKDF2
// (HMAC-SHA-256, 600,000 iterations: OWASP's 2023 figure for PBKDF2-HMAC-SHA256), the file's MAC
// is HMAC-SHA-256 with the same iteration count: what OpenSSL 3 and current NSS read, never the
// RC2/3DES of the PKCS#12 defaults of old. The password must have at least 8 characters
// (bad_input otherwise); the key must match the certificate. `chain` follows the certificate
// (issuers, for a certificate that is not self-signed); the friendly name is `name`.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "crypto/certificate.hpp"
#include "crypto/private_key.hpp"

namespace sealgate::crypto {

inline constexpr int kPkcs12Iterations = 600000;
inline constexpr std::size_t kPkcs12MinPassword = 8;

Result<std::string> write_pkcs12(const Certificate& cert, const PrivateKey& key,
                                 const std::vector<Certificate>& chain, std::string_view password,
                                 std::string_view name);

}  // namespace sealgate::crypto
