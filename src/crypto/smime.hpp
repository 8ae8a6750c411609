// crypto/smime.hpp — CMS EnvelopedData / AuthEnvelopedData (RFC 5652, 5083, 5084; RFC 8551).
//
// Profiles (docs/architecture.md, cryptography):
//   compat — EnvelopedData, AES-256-CBC, RSA PKCS#1 v1.5 key transport (gpgsm, NSS read it).
//   modern — AuthEnvelopedData, AES-256-GCM, RSA-OAEP (SHA-256) for RSA keys, ECDH with a
//            SHA-256 KDF for EC keys.
// Output goes to a sink. Entities from 32 KiB on are streamed: the ContentInfo is BER (RFC 5652
// §1 encodes CMS in BER) with indefinite lengths and the encrypted content as a constructed OCTET
// STRING of 4 KB pieces, written while the entity is encrypted, so that neither the ciphertext nor
// its encoding ever exists whole (a 50 MB message would otherwise be held three times). Smaller
// entities are encrypted whole and written as DER in one piece: streaming costs a fixed ~3 µs
// more and pays off only from about 32 KB (bench/RESULTS.md). gpgsm 2.2, NSS 3.87 cmsutil and
// openssl cms read both forms (tests/crypto/interop_*). Decryption reads BER and DER alike
// without a second copy of the encrypted content (Envelope, crypto/cms_detach.hpp): a 50 MB
// message needs its decoded CMS and the plaintext, nothing more. The MIME wrapping (base64 with
// CRLF) is the pipeline's job.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "crypto/certificate.hpp"
#include "crypto/private_key.hpp"

typedef struct CMS_ContentInfo_st CMS_ContentInfo;

namespace sealgate::crypto {

enum class CmsProfile { compat, modern };

struct EncryptionInfo {
    bool auth_enveloped = false;  // smime-type=authEnveloped-data
    std::string algorithm;        // content cipher: "aes256-cbc", "aes256-gcm"
    std::string key_management;   // "rsa", "rsa-oaep", "ecdh" (comma-joined when mixed)
};

// True when cms_encrypt() with this profile makes AuthEnvelopedData (smime-type
// authEnveloped-data, RFC 8551 §3.4): known before encrypting, for the MIME header.
bool makes_auth_enveloped(CmsProfile profile);

// Why cms_encrypt() cannot encrypt to this certificate's key, whatever else is right with it;
// empty when it can. RSA (not RSA-PSS, a signature-only key) up to OpenSSL's modulus limit, and
// EC keys (ECDH); nothing else. crypto/verify.hpp refuses such a certificate for encryption.
std::string recipient_key_problem(const Certificate& cert);

// Receives the encoding in order, in pieces of any size. Returning false (or throwing) stops the
// encryption, which then fails.
using ByteSink = std::function<bool(std::string_view)>;

// Encrypt the entity (CRLF-canonical bytes, never altered: CMS_BINARY) to every recipient
// certificate and write the ContentInfo to `out`. RSA and EC (P-256/384/521) recipients; fails
// with a reason for other key types. On failure `out` may have received part of the encoding:
// discard it.
Result<EncryptionInfo> cms_encrypt(std::string_view entity,
                                   const std::vector<Certificate>& recipients, CmsProfile profile,
                                   const ByteSink& out);

// At least as many bytes as cms_encrypt() writes for an entity of this size to these
// recipients: for reserving the output once.
std::size_t cms_encrypted_size_bound(std::size_t entity_size,
                                     const std::vector<Certificate>& recipients);

// The whole encoding in one string, for small messages, tests and benchmarks.
struct Encrypted : EncryptionInfo {
    std::string ber;
};
Result<Encrypted> cms_encrypt(std::string_view entity, const std::vector<Certificate>& recipients,
                              CmsProfile profile);

// One parsed message. decrypt() uses the parsed structure as scratch space (OpenSSL keeps the
// recipient key in it while decrypting): one Envelope must not be decrypted from two threads
// at once. Parsing again is cheap compared with the RSA private operation.
class Envelope {
  public:
    // Parse the BER (or DER) of a ContentInfo holding EnvelopedData or AuthEnvelopedData;
    // anything else, a truncated or corrupt structure, fails with a reason. The encrypted
    // content stays in the buffer (crypto/cms_detach.hpp), so parse() copies `ber` once;
    // parse_in_place() takes the caller's buffer instead and rearranges it: for large messages.
    static Result<Envelope> parse(std::string_view ber);
    static Result<Envelope> parse_in_place(std::string ber);

    bool auth_enveloped() const;
    std::string content_algorithm()
        const;  // "aes256-cbc", "aes128-cbc", "des-ede3-cbc", "aes256-gcm", ...
    // True when one of the RecipientInfos names this certificate (issuer+serial or SKI).
    bool addressed_to(const Certificate& cert) const;
    // Decrypt with our key. Fails (never returns partial plaintext) on a wrong key, a corrupt
    // ciphertext or a failed GCM tag.
    Result<std::string> decrypt(const PrivateKey& key, const Certificate& cert) const;
    // decrypt() for the last key to try: the plaintext is written over the envelope's own buffer
    // (it is never longer than the encrypted content, and each octet is written only after the
    // ciphertext octet at that place has been read), so no second message-sized buffer exists.
    // The envelope is used up whatever the outcome. One that shares its buffer with a copy
    // decrypts as decrypt() does.
    Result<std::string> decrypt_in_place(const PrivateKey& key, const Certificate& cert) &&;

  private:
    Envelope(std::shared_ptr<CMS_ContentInfo> cms, std::shared_ptr<std::string> buffer,
             std::string_view content, bool auth, std::string alg)
        : cms_(std::move(cms)),
          buffer_(std::move(buffer)),
          content_(content),
          auth_(auth),
          content_algorithm_(std::move(alg)) {}
    // The structure without its encrypted content; decrypt() reads the content from content_,
    // which points into buffer_, as detached content (RFC 5652 §6.1: encryptedContent OPTIONAL).
    std::shared_ptr<CMS_ContentInfo> cms_;
    std::shared_ptr<std::string> buffer_;
    std::string_view content_;
    bool auth_ = false;
    std::string content_algorithm_;
};

}  // namespace sealgate::crypto
