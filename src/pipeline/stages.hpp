// pipeline/stages.hpp — the transform stages of the pipeline, one function each.
//
// Each stage takes the parsed message of one copy (or the payload being built for it) and the
// copy's treatment, rewrites it in place and returns what the info headers and the mail log
// report. A stage either completes or fails; a failed stage may have consumed the message body
// (the encryptors take it without a copy, for memory), so the caller drops the message on
// failure.
//
// Outbound, a copy that is encrypted or signed (pipeline.cpp: transform):
//   make_payload → [transport_safe, when only signed] → [sign_payload] → encrypt_smime |
//   encrypt_pgp | set_payload
// Inbound, every copy:
//   decrypt_smime | decrypt_pgp → check_inbound_signature → enforce_signature_rule
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "keystore/keys.hpp"
#include "mime/entity.hpp"
#include "openpgp/message.hpp"
#include "openpgp/signature.hpp"
#include "pipeline/pipeline.hpp"
#include "policy/policy.hpp"
#include "policy/snapshot.hpp"

namespace sealgate::pipeline {

// --- outbound (sign_stage.cpp, smime_stage.cpp, pgp_stage.cpp) --------------------------------

// The entity that gets signed and/or encrypted, as bytes: with the treatment's header protection
// the RFC 9788 Cryptographic Payload (protect_headers: hp="cipher" when encrypting, "clear" when
// only signing), else the Content-* fields and body of the original (take_content_entity).
// Takes the body; the caller replaces the content next.
std::string make_payload(mime::Entity& message, const policy::Treatment& treatment);

// A payload that leaves in clear under a signature must arrive bit for bit: every 8bit or
// binary leaf part (and a 7bit text part with trailing white space or a line starting with
// "From ", which relays and mailbox formats alter) is re-encoded, text as quoted-printable,
// anything else as base64 (RFC 3156 §3, RFC 8551 §3.1.3). multipart/signed and
// multipart/encrypted parts are left as they are, message/rfc822 is entered. A payload that
// cannot be read as MIME is returned unchanged.
std::string transport_safe(std::string payload);

// RFC 8551 §3.5.3 (S/MIME) or RFC 3156 §5 (OpenPGP): the multipart/signed entity whose first
// part is `payload`, byte for byte, and whose second part is the detached signature of our
// `signer` over it (KeyStore::smime_sign_entity with `profile` / pgp_sign_entity). The boundary
// is one that does not occur in the payload.
Result<std::string> sign_payload(std::string payload, const policy::Signer& signer,
                                 crypto::CmsProfile profile, keystore::Keys& keys);

// The payload becomes the message's content (a copy signed but not encrypted).
Status set_payload(mime::Entity& message, std::string payload);

// RFC 8551 §3.3: application/pkcs7-mime; smime-type=enveloped-data (or authEnveloped-data,
// RFC 8551 §3.4) around the payload.
Result<Outcome> encrypt_smime(mime::Entity& message, std::string payload,
                              const policy::Treatment& treatment);

// RFC 3156 §4: multipart/encrypted; protocol="application/pgp-encrypted" around the payload
// (CRLF-canonical). With an encryptor, the recipients' keys come from it (loaded once) instead
// of being parsed.
Result<Outcome> encrypt_pgp(mime::Entity& message, std::string payload,
                            const policy::Treatment& treatment,
                            const openpgp::Encryptor* encryptor);

// What the copy's info header and log say about its signature: "signed; signer=<id>;
// method=smime|pgp", "not signed; reason=\"...\"" when the domain asked for a signature we
// could not make, empty when it asked for none.
std::string signing_note(const policy::Treatment& treatment);

// --- inbound (smime_stage.cpp, pgp_stage.cpp, signature_stage.cpp) ----------------------------

// What a decryption stage made of a copy.
struct Decryption {
    Outcome outcome;
    // The decrypted MIME entity, whole (with the user-facing fields an RFC 9788 payload carries),
    // not yet the message's content: check_inbound_signature() decides what becomes it. Empty
    // when nothing was decrypted, and for inline PGP (its text replaced the body in place).
    std::optional<mime::Entity> entity;
    // RFC 3156 §6.2: the signatures inside an OpenPGP message, judged with the verify keys.
    std::vector<openpgp::SignatureInfo> signatures;
};

// Recognise S/MIME enveloped data addressed to one of our keys and decrypt it. The outcome's
// action is passed when the message is not S/MIME encrypted or is addressed to no key we hold
// (message unchanged).
Result<Decryption> decrypt_smime(mime::Entity& message, keystore::Keys& keys);

// Recognise PGP/MIME (RFC 3156) or an inline PGP message (a text/plain body that is one armored
// PGP message) addressed to one of our keys, and decrypt it; the signatures inside are judged
// with `verify_keys`. Data without integrity protection is refused with a reason; the message is
// not touched on any failure.
Result<Decryption> decrypt_pgp(mime::Entity& message, keystore::Keys& keys,
                               std::span<const std::string> verify_keys = {});

// The inbound signature result (docs/signing.md, "On the wire").
struct SignatureVerdict {
    enum class State { none, valid, invalid };
    State state = State::none;
    std::string method;  // smime, pgp; empty when no signature was found
    std::string signer;  // the signer's certificate thumbprint or key fingerprint, when known
    std::string reason;  // invalid: why

    // The value of X-Sealgate-Signature: "valid; signer=<id>; method=smime|pgp",
    // "invalid; reason=\"...\"[; signer=<id>]" or "none".
    std::string header() const;
};

struct InboundSignature {
    SignatureVerdict verdict;
    std::string sender_domain;           // whose rule applied; empty when none could be named
    const DomainRecord* rule = nullptr;  // that domain's record (null: nothing required)
    std::vector<std::string> notes;      // for the log: "header protection: Subject differed"
};

// The public keys a signature inside an OpenPGP message may come from, before it is decrypted:
// those bound to the domains of the message's From: addresses (decrypt_pgp's verify_keys).
std::vector<std::string> pgp_verify_keys(const policy::Snapshot& snap, const mime::Entity& message,
                                         std::string_view envelope_sender);

// After decryption, or for mail that was not encrypted:
//   1. the sender domain: of the From: addresses the recipient will see (the protected ones of
//      an RFC 9788 payload and the outer ones; when they name several domains, the first that
//      requires a signature), else of the envelope sender; its policy::signature_rule;
//   2. a multipart/signed (application/pkcs7-signature, x-pkcs7-signature, pgp-signature) or an
//      opaque application/pkcs7-mime signed-data — the decrypted entity, or the message itself —
//      is checked (crypto::cms_check_signature, openpgp::check_signature), else the signatures
//      decrypt_pgp found (RFC 3156 §6.2); the signer is judged by the policy;
//   3. RFC 9788 header protection of the payload (the first part, the encapsulated content, or
//      the decrypted entity) is restored when the message was decrypted or the signature is
//      valid; mismatches become notes;
//   4. the signature is removed (the payload becomes the content) unless the sender domain's
//      record says keep-signature; with no record it is kept (a person's own signature is not
//      the gateway's to drop). A decrypted entity kept as it is becomes the content.
// A signature that cannot be read is an invalid one, not an error; errors are temporary
// failures of the libraries and messages that cannot be parsed at all.
Result<InboundSignature> check_inbound_signature(mime::Entity& message, Decryption decryption,
                                                 const policy::Snapshot& snap,
                                                 std::string_view envelope_sender,
                                                 const mime::Limits& limits,
                                                 const openpgp::Verifier* verifier);

// The sender domain's require-signature for a result that is not valid: on-bad-signature refuse
// fails with signature_refusal() (delivery.hpp: 550 5.7.1); mark prefixes the Subject with
// "[NOT VERIFIED] " (adding a Subject when there is none).
Status enforce_signature_rule(mime::Entity& message, const InboundSignature& signature);

// --- both ------------------------------------------------------------------------------------

// The info headers for an outcome: X-Sealgate-Encrypted / X-Sealgate-Decrypted, then
// X-Sealgate-Signature when the outcome has a signature note.
void annotate(mime::Entity& message, const Outcome& outcome);

// Replace the Content-* fields and body of `outer` with those of the decrypted inner entity.
Status restore_inner_entity(mime::Entity& outer, std::string inner_bytes);

// The body of a part decoded per its Content-Transfer-Encoding (base64, quoted-printable; any
// other is taken as it is).
Result<std::string> transfer_decoded(const mime::Entity& part);

// Quote a reason for a header parameter value (RFC 2045 quoted-string).
std::string quoted(std::string_view text);

}  // namespace sealgate::pipeline
