// crypto/cms_sign.hpp — detached CMS SignedData (RFC 5652 §5) over bytes, as the signed update
// bundle (exchange/) carries it.
//
// Contract:
//   - The content is signed as binary (no MIME canonicalisation): the exact bytes given.
//   - cms_verify_detached() checks one signature against the one certificate the caller trusts
//     for it: the SignedData must have exactly one signer, and that signer must be `signer`
//     (the certificates inside the signature are ignored, CMS_NOINTERN). The certificate's path
//     and purpose are not checked, nor its validity period (CMS_NO_SIGNER_CERT_VERIFY): who is
//     trusted for what, and when, is the caller's decision (exchange::verify_signature refuses
//     a signer that is not valid now).
//   - Garbage fails with Error::bad_input; a signature that does not verify with Error::unusable.
#pragma once

#include <string>
#include <string_view>

#include "core/result.hpp"
#include "crypto/certificate.hpp"
#include "crypto/private_key.hpp"

namespace sealgate::crypto {

// DER of a detached SignedData over `data` (SHA-256), the signer's certificate included.
Result<std::string> cms_sign_detached(const Certificate& cert, const PrivateKey& key,
                                      std::string_view data);

Status cms_verify_detached(std::string_view data, std::string_view signature_der,
                           const Certificate& signer);

}  // namespace sealgate::crypto
