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

#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "crypto/certificate.hpp"
#include "crypto/private_key.hpp"
#include "crypto/smime.hpp"

namespace sealgate::crypto {

// DER of a detached SignedData over `data` (SHA-256), the signer's certificate included.
Result<std::string> cms_sign_detached(const Certificate& cert, const PrivateKey& key,
                                      std::string_view data);

Status cms_verify_detached(std::string_view data, std::string_view signature_der,
                           const Certificate& signer);

// --- Mail signatures (RFC 8551 §3.5; docs/signing.md) ---------------------------------------

// The detached signature of a multipart/signed (RFC 8551 §3.5.3) over a MIME entity, signed as
// the CRLF-canonical bytes given (CMS_BINARY): SignedData DER, digest SHA-256 (SHA-512 for an
// Ed25519 key: cms_micalg), the signed attributes contentType, messageDigest, signingTime and
// an SMIMECapabilities of `profile`'s algorithms only (not OpenSSL's default list); the
// signer's certificate and `chain` included. Fails when the key does not match the certificate.
Result<std::string> cms_sign_entity(const Certificate& cert, const PrivateKey& key,
                                    const std::vector<Certificate>& chain, std::string_view entity,
                                    CmsProfile profile);

// The multipart/signed micalg (RFC 8551 §3.5.3.1) of what cms_sign_entity() makes with this
// certificate's key: "sha-512" for Ed25519 (RFC 8419 §3.1), "sha-256" for every other key.
std::string_view cms_micalg(const Certificate& cert);

// What a mail signature says, before anyone judged whether its signer is trusted (the policy
// does that: policy::signer_usability).
struct CmsSignatureCheck {
    bool intact = false;  // the signature verifies over the content with the signer's key
    std::string reason;   // why not intact ("the signed content was modified", ...)
    // The signer's certificate: from `candidates` when one of them signed, else the one the
    // SignedData carries for its SignerInfo; nullopt when neither has it.
    std::optional<Certificate> signer;
    bool signer_is_candidate = false;
    std::time_t signing_time = 0;  // the signingTime attribute; 0 when absent
    std::string content;           // opaque SignedData: the encapsulated content, else empty
};

// Check a SignedData ContentInfo (DER or BER): detached over `content` (multipart/signed), or
// with its content inside (application/pkcs7-mime; smime-type=signed-data) when content is
// nullopt. With several SignerInfos, the first signer among `candidates` decides, else the
// first one. A signature that does not verify is a result (intact = false), not an error;
// Error::bad_input only when the structure is not a readable SignedData.
Result<CmsSignatureCheck> cms_check_signature(std::string_view signed_data,
                                              std::optional<std::string_view> content,
                                              const std::vector<Certificate>& candidates);

}  // namespace sealgate::crypto
