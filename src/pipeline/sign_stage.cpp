// pipeline/sign_stage.cpp — the outbound payload and its signature (stages.hpp, docs/signing.md).
#include <algorithm>

#include "core/text.hpp"
#include "mime/base64.hpp"
#include "mime/quoted_printable.hpp"
#include "pipeline/header_protection.hpp"
#include "pipeline/stages.hpp"

namespace sealgate::pipeline {

namespace {

constexpr int kMaxDepth = 32;  // MIME nesting that transport_safe() enters

bool needs_transport_encoding(std::string_view body, bool text) {
    const bool eight_bit = std::any_of(body.begin(), body.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u >= 0x80 || u == 0;
    });
    if (eight_bit || !text)
        return eight_bit;
    // 7bit text: what relays and mailbox formats change (RFC 3156 §3): white space at the end
    // of a line, "From " at the start of one, and lines past SMTP's 998 octets.
    std::size_t start = 0;
    while (start <= body.size()) {
        auto end = body.find("\r\n", start);
        if (end == std::string_view::npos)
            end = body.size();
        const std::string_view line = body.substr(start, end - start);
        if (line.size() > 998 || line.starts_with("From ") ||
            (!line.empty() && (line.back() == ' ' || line.back() == '\t')))
            return true;
        start = end + 2;
    }
    return false;
}

// One entity (a part, or a whole message inside message/rfc822) made transport-safe; nullopt
// when it is left as it was.
std::optional<std::string> safe_entity(std::string_view bytes, int depth);

std::optional<std::string> safe_multipart(std::string_view body, std::string_view boundary,
                                          int depth) {
    auto parts = mime::split_multipart(body, boundary);
    if (!parts)
        return std::nullopt;
    std::string out;
    bool changed = false;
    std::size_t copied = 0;  // body bytes up to here are in `out`
    for (const auto part : *parts) {
        const auto begin = static_cast<std::size_t>(part.data() - body.data());
        auto safe = safe_entity(part, depth + 1);
        if (!safe)
            continue;
        if (!changed)
            out.reserve(body.size() + body.size() / 3);
        changed = true;
        out.append(body.substr(copied, begin - copied));
        out += *safe;
        copied = begin + part.size();
    }
    if (!changed)
        return std::nullopt;
    out.append(body.substr(copied));
    return out;
}

std::optional<std::string> safe_entity(std::string_view bytes, int depth) {
    if (depth > kMaxDepth)
        return std::nullopt;
    auto entity = mime::Entity::parse(std::string(bytes));
    if (!entity)
        return std::nullopt;
    auto ct = mime::parse_content_type(entity->get("Content-Type").value_or("text/plain"));
    if (!ct)
        return std::nullopt;
    const std::string cte = ascii_lower(entity->get("Content-Transfer-Encoding").value_or("7bit"));
    std::optional<std::string> body;
    std::string new_cte;
    if (ct->type == "multipart") {
        // A signature or an encryption inside is someone else's: its bytes stay.
        const auto boundary = ct->param("boundary");
        if (ct->subtype == "signed" || ct->subtype == "encrypted" || !boundary)
            return std::nullopt;
        body = safe_multipart(entity->body(), *boundary, depth);
    } else if (ct->is("message", "rfc822")) {
        // RFC 2046 §5.2.1: no encoding but 7bit, 8bit or binary; the inner message is re-encoded
        // instead.
        body = safe_entity(entity->body(), depth + 1);
    } else if (cte == "7bit" || cte == "8bit" || cte == "binary") {
        const bool text = ct->type == "text";
        if (!needs_transport_encoding(entity->body(), text))
            return std::nullopt;
        if (text) {
            body = mime::quoted_printable_encode(entity->body());
            new_cte = "quoted-printable";
        } else {
            body = mime::base64_encode(entity->body());
            new_cte = "base64";
        }
    }
    if (!body)
        return std::nullopt;
    std::vector<mime::Field> content;
    for (const auto& f : entity->fields()) {
        if (!mime::is_content_field(f.name))
            continue;
        if (f.is("Content-Transfer-Encoding") && !new_cte.empty())
            continue;
        content.push_back(f);
    }
    if (!new_cte.empty())
        content.push_back(mime::Entity::make_field("Content-Transfer-Encoding", new_cte));
    entity->replace_content(std::move(content), std::move(*body));
    return std::move(*entity).serialize();
}

// A boundary that occurs nowhere in the payload (RFC 2046 §5.1.1). "=_" cannot occur in
// quoted-printable or base64 text.
std::string boundary_for(std::string_view payload) {
    for (unsigned n = 0;; ++n) {
        std::string b = "=_sealgate-signed-" + std::to_string(n);
        if (payload.find(b) == std::string_view::npos)
            return b;
    }
}

}  // namespace

std::string make_payload(mime::Entity& message, const policy::Treatment& treatment) {
    if (!treatment.header_protection)
        return message.take_content_entity();
    // RFC 9788 §2: hp="cipher" for an encrypted message, hp="clear" for one only signed.
    return protect_headers(
        message, treatment.action == policy::Action::encrypt ? HpMode::cipher : HpMode::clear);
}

std::string transport_safe(std::string payload) {
    auto safe = safe_entity(payload, 0);
    return safe ? std::move(*safe) : std::move(payload);
}

Result<std::string> sign_payload(std::string payload, const policy::Signer& signer,
                                 crypto::CmsProfile profile, keystore::Keys& keys) {
    const bool smime = signer.method == Method::smime;
    auto signature = smime ? keys.smime_sign_entity(signer.id, payload, signer.chain, profile)
                           : keys.pgp_sign_entity(signer.id, payload);
    if (!signature)
        return fail(std::move(signature.error())
                        .with_context(std::string(smime ? "signing with certificate "
                                                        : "signing with OpenPGP key ") +
                                      signer.id.substr(0, 16)));
    const std::string boundary = boundary_for(payload);

    // RFC 8551 §3.5.3 / RFC 3156 §5. The first part is the payload exactly as it was signed:
    // the CRLF before the next delimiter belongs to the delimiter (RFC 2046 §5.1.1).
    std::string head = std::string("Content-Type: multipart/signed; protocol=\"") +
                       (smime ? "application/pkcs7-signature" : "application/pgp-signature") +
                       "\"; micalg=" + signer.micalg + ";\r\n";
    head += " boundary=\"" + boundary + "\"\r\n\r\n";
    head += smime ? "This is a cryptographically signed message in MIME format.\r\n\r\n"
                  : "This is an OpenPGP/MIME signed message (RFC 4880 and 3156)\r\n\r\n";
    head += "--" + boundary + "\r\n";

    std::string tail = "\r\n--" + boundary + "\r\n";
    if (smime) {
        tail +=
            "Content-Type: application/pkcs7-signature; name=\"smime.p7s\"\r\n"
            "Content-Transfer-Encoding: base64\r\n"
            "Content-Disposition: attachment; filename=\"smime.p7s\"\r\n"
            "Content-Description: S/MIME Cryptographic Signature\r\n\r\n";
        mime::base64_encode_append(tail, *signature);
    } else {
        tail +=
            "Content-Type: application/pgp-signature; name=\"signature.asc\"\r\n"
            "Content-Description: OpenPGP digital signature\r\n"
            "Content-Disposition: attachment; filename=\"signature.asc\"\r\n\r\n";
        tail += mime::to_crlf(std::move(*signature));
        if (!tail.ends_with("\r\n"))
            tail += "\r\n";
    }
    tail += "--" + boundary + "--\r\n";

    // In place: one payload-sized buffer.
    payload.reserve(head.size() + payload.size() + tail.size());
    payload.insert(0, head);
    payload += tail;
    return payload;
}

Status set_payload(mime::Entity& message, std::string payload) {
    SEALGATE_TRY(restore_inner_entity(message, std::move(payload)));
    // RFC 2045 §4: the message carries MIME content now.
    if (!message.has("MIME-Version"))
        message.prepend("MIME-Version", "1.0");
    return ok();
}

std::string signing_note(const policy::Treatment& treatment) {
    if (treatment.signer)
        return "signed; signer=" + treatment.signer->id +
               "; method=" + (treatment.signer->method == Method::smime ? "smime" : "pgp");
    if (!treatment.unsigned_reason.empty())
        return "not signed; reason=" + quoted(treatment.unsigned_reason);
    return {};
}

}  // namespace sealgate::pipeline
