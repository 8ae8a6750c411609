// pipeline/stages.hpp — the transform stages of the pipeline, one function each.
//
// Each stage takes the parsed message of one copy and the copy's treatment, rewrites the
// message in place and returns the Outcome that the info header and the mail log report.
// A stage either completes or fails; a failed stage may have consumed the message body (the
// encryptors take it without a copy, for memory), so the caller drops the message on failure.
#pragma once

#include <string>

#include "core/result.hpp"
#include "keystore/keystore.hpp"
#include "mime/entity.hpp"
#include "pipeline/pipeline.hpp"
#include "policy/policy.hpp"

namespace sealgate::pipeline {

// RFC 8551 §3.3: application/pkcs7-mime; smime-type=enveloped-data (or authEnveloped-data,
// RFC 8551 §3.4) around the Content-* fields and body of the original, as bytes.
Result<Outcome> encrypt_smime(mime::Entity& message, const policy::Treatment& treatment);

// Recognise S/MIME enveloped data addressed to one of our keys and restore the original entity.
// Returns an Outcome with action passed when the message is not S/MIME encrypted or is
// addressed to no key we hold (message unchanged).
Result<Outcome> decrypt_smime(mime::Entity& message, keystore::KeyStore& keys);

// RFC 3156 §4: multipart/encrypted; protocol="application/pgp-encrypted" around the Content-*
// fields and body of the original, as bytes (CRLF-canonical).
// With an encryptor, the recipients' keys come from it (loaded once) instead of being parsed.
Result<Outcome> encrypt_pgp(mime::Entity& message, const policy::Treatment& treatment,
                            const openpgp::Encryptor* encryptor);

// Recognise PGP/MIME (RFC 3156) or an inline PGP message (a text/plain body that is one armored
// PGP message) addressed to one of our keys, and restore the original. Data without integrity
// protection is refused with a reason; the message is not touched on any failure.
Result<Outcome> decrypt_pgp(mime::Entity& message, keystore::KeyStore& keys);

// The info header for an outcome: X-Sealgate-Encrypted / X-Sealgate-Decrypted.
void annotate(mime::Entity& message, const Outcome& outcome);

// Replace the Content-* fields and body of `outer` with those of the decrypted inner entity.
Status restore_inner_entity(mime::Entity& outer, std::string inner_bytes);

// Quote a reason for a header parameter value (RFC 2045 quoted-string).
std::string quoted(std::string_view text);

}  // namespace sealgate::pipeline
