// crypto/smime.hpp — CMS EnvelopedData / AuthEnvelopedData (RFC 5652, 5083, 5084; RFC 8551).
//
// Profiles (DESIGN.md §3):
//   compat — EnvelopedData, AES-256-CBC, RSA PKCS#1 v1.5 key transport (gpgsm, NSS read it).
//   modern — AuthEnvelopedData, AES-256-GCM, RSA-OAEP (SHA-256) for RSA keys, ECDH with a
//            SHA-256 KDF for EC keys.
// Output is DER; the MIME wrapping (base64 with CRLF) is the pipeline's job.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "crypto/certificate.hpp"
#include "crypto/private_key.hpp"

namespace sealgate::crypto {

enum class CmsProfile { compat, modern };

struct Encrypted {
    std::string der;
    bool auth_enveloped = false;  // smime-type=authEnveloped-data
    std::string algorithm;        // "aes256-cbc", "aes256-gcm" (+ key transport: "rsa", "rsa-oaep", "ecdh")
};

// Encrypt the entity (CRLF-canonical bytes) to every recipient certificate.
Result<Encrypted> cms_encrypt(std::string_view entity, const std::vector<Certificate>& recipients,
                              CmsProfile profile);

class Envelope {
public:
    // Parse DER of a ContentInfo holding EnvelopedData or AuthEnvelopedData; anything else, a
    // truncated or corrupt structure, fails with a reason.
    static Result<Envelope> parse(std::string_view der);

    bool auth_enveloped() const;
    std::string content_algorithm() const;  // "aes256-cbc", "aes128-cbc", "des-ede3-cbc", "aes256-gcm", ...
    // True when one of the RecipientInfos names this certificate (issuer+serial or SKI).
    bool addressed_to(const Certificate& cert) const;
    // Decrypt with our key. Fails (never returns partial plaintext) on a wrong key, a corrupt
    // ciphertext or a failed GCM tag.
    Result<std::string> decrypt(const PrivateKey& key, const Certificate& cert) const;

private:
    explicit Envelope(std::shared_ptr<void> cms) : cms_(std::move(cms)) {}
    std::shared_ptr<void> cms_;  // CMS_ContentInfo*
};

}  // namespace sealgate::crypto
