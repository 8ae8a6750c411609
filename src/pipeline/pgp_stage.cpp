#include <algorithm>

#include "core/text.hpp"
#include "mime/base64.hpp"
#include "mime/quoted_printable.hpp"
#include "openpgp/message.hpp"
#include "pipeline/stages.hpp"

namespace sealgate::pipeline {

namespace {

// Armor lines never begin with "--" followed by this text, so the boundary cannot collide with
// the encrypted part; a fixed boundary keeps the output reproducible.
constexpr std::string_view kBoundary = "sealgate-pgp-mime-3156";

constexpr std::string_view kArmorBegin = "-----BEGIN PGP MESSAGE-----";
constexpr std::string_view kArmorEnd = "-----END PGP MESSAGE-----";

std::string_view trim(std::string_view s) {
    const auto ws = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
    while (!s.empty() && ws(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && ws(s.back()))
        s.remove_suffix(1);
    return s;
}

// The body is exactly one armored PGP message, nothing before or after it.
bool is_inline_pgp(std::string_view body) {
    const auto t = trim(body);
    return t.substr(0, kArmorBegin.size()) == kArmorBegin && t.size() >= kArmorEnd.size() &&
           t.substr(t.size() - kArmorEnd.size()) == kArmorEnd &&
           t.find(kArmorBegin, 1) == std::string_view::npos;
}

// Armor is ASCII, but mailers and relays wrap it in quoted-printable (the "=" of the checksum
// and of the padding becomes "=3D") or base64 all the same: decode before reading it.
std::string transfer_encoding(const mime::Entity& part) {
    return ascii_lower(trim(part.get("Content-Transfer-Encoding").value_or("")));
}

bool is_encoded(const std::string& cte) {
    return cte == "base64" || cte == "quoted-printable";
}

Outcome decrypted_outcome(const openpgp::Decrypted& d) {
    Outcome out;
    out.direction = Direction::inbound;
    out.action = CopyAction::decrypted;
    out.method = "pgp";
    out.keys = d.key;
    out.algorithm = d.algorithm;
    return out;
}

}  // namespace

Result<std::string> transfer_decoded(const mime::Entity& part) {
    const std::string cte = transfer_encoding(part);
    if (cte == "base64")
        return mime::base64_decode(part.body());
    if (cte == "quoted-printable")
        return mime::quoted_printable_decode(part.body());
    return std::string(part.body());
}

Result<Outcome> encrypt_pgp(mime::Entity& message, std::string payload,
                            const policy::Treatment& treatment,
                            const openpgp::Encryptor* encryptor) {
    std::vector<std::string> keys;
    keys.reserve(treatment.pgp_keys.size());
    for (const auto& k : treatment.pgp_keys)
        keys.push_back(encryptor != nullptr ? k.fingerprint : k.public_key);
    auto encrypted = encryptor != nullptr ? encryptor->encrypt(std::move(payload), keys)
                                          : openpgp::encrypt(std::move(payload), keys);
    SEALGATE_TRY(encrypted);

    // RFC 3156 §4: the first part is the version, the second the encrypted data.
    std::string body;
    body.reserve(encrypted->armored.size() + encrypted->armored.size() / 64 + 512);
    body += "This is an OpenPGP/MIME encrypted message (RFC 4880 and 3156)\r\n";
    body += "--" + std::string(kBoundary) + "\r\n";
    body += "Content-Type: application/pgp-encrypted\r\n";
    body += "Content-Description: PGP/MIME version identification\r\n\r\n";
    body += "Version: 1\r\n\r\n";
    body += "--" + std::string(kBoundary) + "\r\n";
    body += "Content-Type: application/octet-stream; name=\"encrypted.asc\"\r\n";
    body += "Content-Description: OpenPGP encrypted message\r\n";
    body += "Content-Disposition: inline; filename=\"encrypted.asc\"\r\n\r\n";
    body += mime::to_crlf(std::move(encrypted->armored));
    if (body.back() != '\n')
        body += "\r\n";
    body += "--" + std::string(kBoundary) + "--\r\n";

    std::vector<mime::Field> content;
    content.push_back(mime::Entity::make_field(
        "Content-Type", "multipart/encrypted; protocol=\"application/pgp-encrypted\"; boundary=\"" +
                            std::string(kBoundary) + "\""));
    if (!message.has("MIME-Version"))
        message.prepend("MIME-Version", "1.0");
    message.replace_content(std::move(content), std::move(body));

    Outcome out;
    out.direction = treatment.direction;
    out.action = CopyAction::encrypted;
    out.method = "pgp";
    for (const auto& k : encrypted->keys)
        out.keys += (out.keys.empty() ? "" : ",") + k;
    out.algorithm = encrypted->algorithm;
    out.detail = treatment.reason;
    return out;
}

Result<Decryption> decrypt_pgp(mime::Entity& message, keystore::Keys& keys,
                               std::span<const std::string> verify_keys) {
    const auto decrypt = [&](std::string_view armored) {
        return keys.pgp_decrypt(armored, verify_keys);
    };
    Decryption result;
    Outcome& out = result.outcome;
    out.direction = Direction::inbound;
    out.action = CopyAction::passed;
    out.detail = "not encrypted";

    auto ct = mime::parse_content_type(message.get("Content-Type").value_or("text/plain"));
    SEALGATE_TRY(ct);

    if (ct->is("multipart", "encrypted")) {
        if (ascii_lower(ct->param("protocol").value_or("")) != "application/pgp-encrypted")
            return result;
        const auto boundary = ct->param("boundary");
        if (!boundary)
            return fail(Error::bad_input("PGP/MIME: multipart without boundary"));
        auto parts = mime::split_multipart(message.body(), *boundary);
        if (!parts)
            return fail(std::move(parts.error()).with_context("PGP/MIME"));
        if (parts->size() != 2)
            return fail(Error::bad_input("PGP/MIME: expected 2 parts, found " +
                                         std::to_string(parts->size())));
        auto part = mime::Entity::parse(std::string((*parts)[1]));
        if (!part)
            return fail(std::move(part.error()).with_context("PGP/MIME encrypted part"));
        auto armored = transfer_decoded(*part);
        if (!armored)
            return fail(std::move(armored.error()).with_context("PGP/MIME encrypted part"));
        auto decrypted = decrypt(*armored);
        if (!decrypted)
            return fail(std::move(decrypted.error()).with_context("PGP/MIME"));
        if (!*decrypted) {
            out.method = "pgp";
            out.detail = "not encrypted to a key we hold";
            return result;
        }
        auto inner = mime::Entity::parse(mime::to_crlf(std::move((*decrypted)->plaintext)));
        if (!inner)
            return fail(std::move(inner.error()).with_context("decrypted entity"));
        out = decrypted_outcome(**decrypted);
        result.entity = std::move(*inner);
        result.signatures = std::move((*decrypted)->signatures);
        return result;
    }

    // A body that does not decode is not inline PGP: it passes as it is.
    std::string decoded;
    std::string_view armor = message.body();
    if (ct->is("text", "plain") && is_encoded(transfer_encoding(message))) {
        auto d = transfer_decoded(message);
        decoded = d ? std::move(*d) : std::string();
        armor = decoded;
    }
    if (ct->is("text", "plain") && is_inline_pgp(armor)) {
        auto decrypted = decrypt(trim(armor));
        if (!decrypted)
            return fail(std::move(decrypted.error()).with_context("inline PGP"));
        if (!*decrypted) {
            out.method = "pgp";
            out.detail = "not encrypted to a key we hold";
            return result;
        }
        // Inline PGP encrypts the text only: the plaintext becomes the body, the Content-*
        // fields stay. 8-bit text in a 7bit-declared part gets an honest label.
        std::string text = mime::to_crlf(std::move((*decrypted)->plaintext));
        std::vector<mime::Field> content;
        for (const auto& f : message.fields())
            if (mime::is_content_field(f.name) && !f.is("Content-Transfer-Encoding"))
                content.push_back(f);
        const bool eight_bit = std::any_of(
            text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
        if (eight_bit)
            content.push_back(mime::Entity::make_field("Content-Transfer-Encoding", "8bit"));
        else if (const auto cte = message.get("Content-Transfer-Encoding");
                 cte && !is_encoded(transfer_encoding(message)))
            // The text is decoded now: a quoted-printable or base64 label would be a lie.
            content.push_back(mime::Entity::make_field("Content-Transfer-Encoding", *cte));
        out = decrypted_outcome(**decrypted);
        message.replace_content(std::move(content), std::move(text));
        result.signatures = std::move((*decrypted)->signatures);
        return result;
    }
    return result;
}

}  // namespace sealgate::pipeline
