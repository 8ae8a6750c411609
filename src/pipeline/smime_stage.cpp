#include <optional>

#include "core/text.hpp"
#include "crypto/smime.hpp"
#include "mime/base64.hpp"
#include "pipeline/stages.hpp"

namespace sealgate::pipeline {

namespace {

// The body of a MIME entity decoded per its Content-Transfer-Encoding.
Result<std::string> decoded_body(const mime::Entity& entity) {
    const std::string cte = ascii_lower(entity.get("Content-Transfer-Encoding").value_or("7bit"));
    if (cte == "base64")
        return mime::base64_decode(entity.body());
    if (cte == "7bit" || cte == "8bit" || cte == "binary")
        return std::string(entity.body());
    return fail(Error::bad_input("unsupported Content-Transfer-Encoding for S/MIME: " + cte));
}

}  // namespace

std::string quoted(std::string_view text) {
    std::string out = "\"";
    for (const char c : text) {
        if (c == '"' || c == '\\')
            out.push_back('\\');
        if (c == '\r' || c == '\n')
            continue;
        out.push_back(c);
    }
    out.push_back('"');
    return out;
}

Result<Outcome> encrypt_smime(mime::Entity& message, std::string payload,
                              const policy::Treatment& treatment) {
    const std::string plain = std::move(payload);
    const std::string content_type =
        std::string("application/pkcs7-mime; smime-type=") +
        (crypto::makes_auth_enveloped(treatment.profile) ? "authEnveloped-data"
                                                         : "enveloped-data") +
        "; name=\"smime.p7m\"";
    // The CMS goes through base64 into the new body as OpenSSL writes it: besides the plaintext
    // only the final body exists, never the encrypted content or its encoding as a whole.
    crypto::EncryptionInfo encrypted;
    SEALGATE_TRY(message.set_base64_content(
        content_type, "attachment; filename=\"smime.p7m\"",
        crypto::cms_encrypted_size_bound(plain.size(), treatment.certificates),
        [&](mime::Base64Encoder& b64) -> Status {
            const crypto::ByteSink write = [&b64](std::string_view piece) {
                b64.write(piece);
                return true;
            };
            auto info =
                crypto::cms_encrypt(plain, treatment.certificates, treatment.profile, write);
            if (!info)
                return fail(std::move(info).error());
            encrypted = std::move(*info);
            return ok();
        }));

    Outcome out;
    out.direction = treatment.direction;
    out.action = CopyAction::encrypted;
    out.method = "smime";
    for (const auto& c : treatment.certificates)
        out.keys += (out.keys.empty() ? "" : ",") + c.sha256();
    out.algorithm = encrypted.algorithm;
    out.detail = treatment.reason;
    return out;
}

Status restore_inner_entity(mime::Entity& outer, std::string inner_bytes) {
    auto inner = mime::Entity::parse(mime::to_crlf(std::move(inner_bytes)));
    if (!inner)
        return fail(std::move(inner.error()).with_context("decrypted entity"));
    outer.replace_content(std::move(*inner));
    return ok();
}

Result<Decryption> decrypt_smime(mime::Entity& message, keystore::Keys& keys) {
    Decryption result;
    Outcome& out = result.outcome;
    out.direction = Direction::inbound;
    out.action = CopyAction::passed;

    const auto ct_value = message.get("Content-Type");
    if (!ct_value) {
        out.detail = "not encrypted";
        return result;
    }
    auto ct = mime::parse_content_type(*ct_value);
    SEALGATE_TRY(ct);
    const bool pkcs7 = ct->is("application", "pkcs7-mime") || ct->is("application", "x-pkcs7-mime");
    const std::string smime_type = ascii_lower(ct->param("smime-type").value_or(""));
    if (!pkcs7 || (smime_type != "enveloped-data" && smime_type != "authenveloped-data" &&
                   !smime_type.empty())) {
        out.detail = "not encrypted";
        return result;
    }

    // Memory, for large messages: the encoded body stays in `message` (it passes unchanged if it
    // is not for us); the decoded CMS moves into the keys' holder (keystore/keys.hpp: this
    // process, or the key process), which parses and decrypts it in place, so that the plaintext
    // takes its buffer: one message-sized buffer besides the message until the plaintext
    // replaces the body. An envelope that does not parse is the keys' holder's bad_input.
    std::optional<keystore::SmimeDecrypted> decrypted;
    {
        auto der = decoded_body(message);
        if (!der)
            return fail(std::move(der.error()).with_context("S/MIME body"));
        // No smime-type: it may as well be opaque-signed data (RFC 8551 §3.5.2); nothing of
        // ours to decrypt, the message passes as it is.
        if (smime_type.empty() && !crypto::Envelope::parse(*der)) {
            out.detail = "not encrypted";
            return result;
        }
        auto opened = keys.smime_decrypt(std::move(*der));
        SEALGATE_TRY(opened);
        decrypted = std::move(*opened);
    }
    if (!decrypted) {
        out.method = "smime";
        out.detail = "not encrypted to a key we hold";
        return result;
    }
    auto inner = mime::Entity::parse(mime::to_crlf(std::move(decrypted->entity)));
    if (!inner)
        return fail(std::move(inner.error()).with_context("decrypted entity"));
    result.entity = std::move(*inner);
    out.action = CopyAction::decrypted;
    out.method = "smime";
    out.keys = decrypted->cert_sha256;
    out.algorithm = decrypted->algorithm;
    return result;
}

void annotate(mime::Entity& message, const Outcome& outcome) {
    if (outcome.direction == Direction::relay)
        return;
    const bool inbound = outcome.direction == Direction::inbound;
    const char* name = inbound ? "X-Sealgate-Decrypted" : "X-Sealgate-Encrypted";
    if (outcome.action == CopyAction::encrypted || outcome.action == CopyAction::decrypted) {
        message.append(name, outcome.method + "; " +
                                 (outcome.method == "smime" ? "cert=" : "key=") + outcome.keys +
                                 "; alg=" + outcome.algorithm);
    } else if (!inbound || !outcome.method.empty()) {
        // Plain inbound mail (no method: nothing of S/MIME or OpenPGP to decrypt) passes without
        // a note; the rest says why it was not encrypted or decrypted.
        message.append(name, "no; reason=" + quoted(outcome.detail));
    }
    if (!outcome.signature.empty())
        message.append("X-Sealgate-Signature", outcome.signature);
}

}  // namespace sealgate::pipeline
