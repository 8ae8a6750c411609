// pipeline/signature_stage.cpp — the inbound signature: found, checked, judged, removed or kept,
// enforced (stages.hpp, docs/signing.md).
#include <algorithm>
#include <optional>

#include "core/text.hpp"
#include "crypto/cms_sign.hpp"
#include "mime/base64.hpp"
#include "openpgp/signature.hpp"
#include "pipeline/delivery.hpp"
#include "pipeline/header_protection.hpp"
#include "pipeline/stages.hpp"

namespace sealgate::pipeline {

namespace {

using State = SignatureVerdict::State;

// --- the sender domain ---------------------------------------------------------------------

// The addr-specs of an address-list field value (RFC 5322 §3.4), read leniently: comments and
// display names skipped, the text in angle brackets preferred, group names dropped.
std::vector<std::string> addresses_in(std::string_view value) {
    std::vector<std::string> out;
    std::string bare;   // the element outside brackets, comments and white space
    std::string angle;  // the text inside "<...>"
    bool in_angle = false, had_angle = false, in_quote = false;
    int comment = 0;
    const auto finish = [&] {
        std::string a = had_angle ? angle : bare;
        if (!a.empty())
            out.push_back(std::move(a));
        bare.clear();
        angle.clear();
        had_angle = false;
    };
    for (std::size_t i = 0; i < value.size(); ++i) {
        const char c = value[i];
        if (in_quote) {
            if (c == '\\' && i + 1 < value.size()) {
                (in_angle ? angle : bare) += std::string{c, value[++i]};
                continue;
            }
            if (c == '"')
                in_quote = false;
            (in_angle ? angle : bare) += c;
            continue;
        }
        if (comment > 0) {
            if (c == '\\')
                ++i;
            else if (c == '(')
                ++comment;
            else if (c == ')')
                --comment;
            continue;
        }
        switch (c) {
            case '(':
                comment = 1;
                break;
            case '"':
                in_quote = true;
                (in_angle ? angle : bare) += c;
                break;
            case '<':
                in_angle = had_angle = true;
                angle.clear();
                break;
            case '>':
                in_angle = false;
                break;
            case ':':
                if (!in_angle)
                    bare.clear();  // a group's name
                break;
            case ',':
            case ';':
                if (!in_angle)
                    finish();
                break;
            case ' ':
            case '\t':
            case '\r':
            case '\n':
                break;
            default:
                (in_angle ? angle : bare) += c;
        }
    }
    finish();
    return out;
}

// The domains of the From: addresses of an entity's header, in order, each once.
void add_from_domains(const mime::Entity& entity, std::vector<std::string>& domains) {
    for (const auto& f : entity.fields()) {
        if (!f.is("From"))
            continue;
        for (const auto& address : addresses_in(f.value())) {
            std::string d = policy::domain_of(address);
            if (!d.empty() && std::find(domains.begin(), domains.end(), d) == domains.end())
                domains.push_back(std::move(d));
        }
    }
}

bool has_hp(const mime::Entity& entity) {
    const auto ct = mime::parse_content_type(entity.get("Content-Type").value_or("text/plain"));
    return ct && ct->param("hp").has_value();
}

struct Rule {
    std::string domain;
    policy::SignatureRule rule;
};

// The first of the domains that requires a signature, else the first one.
Rule rule_for(const policy::Snapshot& snap, const std::vector<std::string>& domains) {
    std::optional<Rule> first;
    for (const auto& d : domains) {
        Rule r{d, policy::signature_rule(snap, d)};
        if (r.rule.require())
            return r;
        if (!first)
            first = std::move(r);
    }
    return first ? std::move(*first) : Rule{};
}

// The domains whose rule may apply: the protected From: of an RFC 9788 payload (what the
// recipient sees once it is restored), the outer From:, else the envelope sender's domain.
std::vector<std::string> sender_domains(const mime::Entity& message, const mime::Entity* payload,
                                        std::string_view envelope_sender) {
    std::vector<std::string> domains;
    if (payload != nullptr && has_hp(*payload))
        add_from_domains(*payload, domains);
    add_from_domains(message, domains);
    if (domains.empty()) {
        if (std::string d = policy::domain_of(envelope_sender); !d.empty())
            domains.push_back(std::move(d));
    }
    return domains;
}

// --- finding and checking the signature ------------------------------------------------------

enum class Kind { none, smime_detached, pgp_detached, smime_opaque };

struct Found {
    Kind kind = Kind::none;
    std::string_view signed_part;  // detached: the first part, exactly (a view into the body)
    std::string signature;         // the signature part decoded, or the opaque SignedData (DER)
    std::string unreadable;        // a signature is there but cannot be read: why
    std::string method;            // smime, pgp
    bool declared = false;         // opaque: smime-type=signed-data said so
};

Result<Found> find_signature(const mime::Entity& message) {
    Found found;
    const auto value = message.get("Content-Type");
    if (!value)
        return found;
    auto ct = mime::parse_content_type(*value);
    if (!ct)
        return found;  // the decryption stages would have failed on what matters to them
    if (ct->is("multipart", "signed")) {
        const std::string protocol = ascii_lower(ct->param("protocol").value_or(""));
        if (protocol == "application/pkcs7-signature" ||
            protocol == "application/x-pkcs7-signature") {
            found.kind = Kind::smime_detached;
            found.method = "smime";
        } else if (protocol == "application/pgp-signature") {
            found.kind = Kind::pgp_detached;
            found.method = "pgp";
        } else {
            found.kind = Kind::smime_detached;  // reported, never checked
            found.unreadable = "unsupported signature protocol \"" + protocol + "\"";
            return found;
        }
        const auto boundary = ct->param("boundary");
        if (!boundary) {
            found.unreadable = "multipart/signed without boundary";
            return found;
        }
        auto parts = mime::split_multipart(message.body(), *boundary);
        if (!parts) {
            found.unreadable = "multipart/signed: " + parts.error().reason;
            return found;
        }
        if (parts->size() != 2) {
            found.unreadable =
                "multipart/signed with " + std::to_string(parts->size()) + " parts, not 2";
            return found;
        }
        found.signed_part = (*parts)[0];
        auto sig = mime::Entity::parse(std::string((*parts)[1]));
        if (!sig) {
            found.unreadable = "signature part: " + sig.error().reason;
            return found;
        }
        auto decoded = transfer_decoded(*sig);
        if (!decoded) {
            found.unreadable = "signature part: " + decoded.error().reason;
            return found;
        }
        found.signature = std::move(*decoded);
        return found;
    }
    const bool pkcs7 = ct->is("application", "pkcs7-mime") || ct->is("application", "x-pkcs7-mime");
    const std::string smime_type = ascii_lower(ct->param("smime-type").value_or(""));
    if (pkcs7 && (smime_type == "signed-data" || smime_type.empty())) {
        auto der = transfer_decoded(message);
        if (!der) {
            if (smime_type.empty())
                return found;  // not knowingly a signature
            found.unreadable = "S/MIME body: " + der.error().reason;
        }
        found.kind = Kind::smime_opaque;
        found.method = "smime";
        found.declared = !smime_type.empty();
        if (der)
            found.signature = std::move(*der);
    }
    return found;
}

SignatureVerdict invalid(std::string method, std::string reason, std::string signer = {}) {
    return {State::invalid, std::move(method), std::move(signer), std::move(reason)};
}

// A CMS signature as the library found it, judged by the policy.
SignatureVerdict judge_smime(const policy::Snapshot& snap, const policy::SignatureRule& rule,
                             const crypto::CmsSignatureCheck& check) {
    const std::string signer = check.signer ? check.signer->sha256() : std::string();
    if (!check.intact)
        return invalid(
            "smime", check.reason.empty() ? "the signature does not verify" : check.reason, signer);
    if (!check.signer)
        return invalid("smime", "the signer's certificate is not known");
    const auto usable = policy::smime_signer_usability(snap, rule, *check.signer);
    if (!usable.usable)
        return invalid("smime", usable.reason, signer);
    return {State::valid, "smime", signer, {}};
}

SignatureVerdict judge_pgp(const policy::Snapshot& snap, const policy::SignatureRule& rule,
                           const openpgp::SignatureInfo& info) {
    const std::string signer = info.key.empty() ? info.signing_key : info.key;
    if (!info.valid)
        return invalid("pgp", info.reason.empty() ? "the signature does not verify" : info.reason,
                       signer);
    const auto usable = policy::pgp_signer_usability(snap, rule, info.key);
    if (!usable.usable)
        return invalid("pgp", usable.reason, signer);
    return {State::valid, "pgp", signer, {}};
}

// A signature that cannot be read is an invalid signature; only a failure of the library (a
// temporary error) fails the message.
template <class T>
std::optional<Error> library_failure(const Result<T>& r) {
    if (!r && r.error().temporary())
        return r.error();
    return std::nullopt;
}

std::string join(const std::vector<std::string>& items, std::string_view separator) {
    std::string out;
    for (const auto& i : items)
        out += (out.empty() ? "" : std::string(separator)) + i;
    return out;
}

}  // namespace

std::string SignatureVerdict::header() const {
    switch (state) {
        case State::valid:
            return "valid; signer=" + signer + "; method=" + method;
        case State::invalid:
            return "invalid; reason=" + quoted(reason) +
                   (signer.empty() ? "" : "; signer=" + signer);
        case State::none:
            break;
    }
    return "none";
}

std::vector<std::string> pgp_verify_keys(const policy::Snapshot& snap, const mime::Entity& message,
                                         std::string_view envelope_sender) {
    std::vector<std::string> keys;
    for (const auto& d : sender_domains(message, nullptr, envelope_sender)) {
        auto rule = policy::signature_rule(snap, d);
        for (auto& k : rule.pgp_signers)
            if (std::find(keys.begin(), keys.end(), k) == keys.end())
                keys.push_back(std::move(k));
    }
    return keys;
}

Result<InboundSignature> check_inbound_signature(mime::Entity& message, Decryption decryption,
                                                 const policy::Snapshot& snap,
                                                 std::string_view envelope_sender,
                                                 const mime::Limits& limits,
                                                 const openpgp::Verifier* verifier) {
    InboundSignature result;
    const bool decrypted = decryption.outcome.action == CopyAction::decrypted;
    // Where a signature may be: the decrypted entity, else the message itself.
    std::optional<mime::Entity>& inner = decryption.entity;
    const mime::Entity& top = inner ? *inner : message;
    auto found = find_signature(top);
    SEALGATE_TRY(found);

    // The payload: what a signature covers, or the decrypted entity itself.
    std::optional<mime::Entity> payload;
    std::optional<crypto::CmsSignatureCheck> opaque;
    switch (found->kind) {
        case Kind::smime_opaque: {
            if (!found->unreadable.empty())
                break;
            // The content is inside: check first (the candidates are the outer From:'s), then
            // read it.
            const Rule outer = rule_for(snap, sender_domains(message, nullptr, envelope_sender));
            auto check = crypto::cms_check_signature(found->signature, std::nullopt,
                                                     outer.rule.smime_signers);
            if (auto e = library_failure(check))
                return fail(std::move(*e).with_context("S/MIME signature"));
            if (!check && !found->declared) {
                // application/pkcs7-mime without smime-type that is no SignedData either (an
                // envelope for someone else): not a signature.
                found->kind = Kind::none;
                break;
            }
            if (!check) {
                found->unreadable = "unreadable signature: " + check.error().reason;
                break;
            }
            if (auto p = mime::Entity::parse(mime::to_crlf(check->content), limits))
                payload = std::move(*p);
            opaque = std::move(*check);
            break;
        }
        case Kind::smime_detached:
        case Kind::pgp_detached:
            if (found->unreadable.empty()) {
                if (auto p = mime::Entity::parse(std::string(found->signed_part), limits))
                    payload = std::move(*p);
            }
            break;
        case Kind::none:
            if (inner) {
                payload = std::move(*inner);
                inner.reset();
            }
            break;
    }

    // 1. Whose rule.
    const Rule rule =
        rule_for(snap, sender_domains(message, payload ? &*payload : nullptr, envelope_sender));
    result.sender_domain = rule.domain;
    result.rule = rule.rule.domain;

    // 2. Check and judge.
    SignatureVerdict& verdict = result.verdict;
    if (!found->unreadable.empty()) {
        verdict = invalid(found->method, found->unreadable);
    } else if (opaque) {
        verdict = judge_smime(snap, rule.rule, *opaque);
    } else if (found->kind == Kind::smime_detached) {
        auto check = crypto::cms_check_signature(found->signature, found->signed_part,
                                                 rule.rule.smime_signers);
        if (auto e = library_failure(check))
            return fail(std::move(*e).with_context("S/MIME signature"));
        verdict = check ? judge_smime(snap, rule.rule, *check)
                        : invalid("smime", "unreadable signature: " + check.error().reason);
    } else if (found->kind == Kind::pgp_detached) {
        // The worker's keys loaded once when they hold every key of the domain; else loaded
        // for this message.
        const auto& ids = rule.rule.pgp_signer_ids;
        auto info = verifier != nullptr && verifier->holds(ids)
                        ? verifier->check(ids, found->signed_part, found->signature)
                        : openpgp::check_signature(rule.rule.pgp_signers, found->signed_part,
                                                   found->signature);
        if (auto e = library_failure(info))
            return fail(std::move(*e).with_context("OpenPGP signature"));
        verdict = info ? judge_pgp(snap, rule.rule, *info)
                       : invalid("pgp", "unreadable signature: " + info.error().reason);
    } else if (!decryption.signatures.empty()) {
        // RFC 3156 §6.2: signed and encrypted in one OpenPGP message. One valid signature of
        // the domain is enough; else the first one's reason.
        for (const auto& info : decryption.signatures) {
            SignatureVerdict v = judge_pgp(snap, rule.rule, info);
            if (v.state == State::valid || verdict.state == State::none)
                verdict = std::move(v);
            if (verdict.state == State::valid)
                break;
        }
    }
    const bool valid = verdict.state == State::valid;

    // 3. Header protection, when the payload was encrypted or is vouched for by a valid
    // signature: never from a plain message's own say-so.
    if (payload && (decrypted || valid)) {
        auto restored = restore_headers(message, *payload, valid);
        if (!restored) {
            if (restored.error().temporary())
                return fail(std::move(restored.error()));
            result.notes.push_back("header protection not restored: " + restored.error().reason);
        } else if (!restored->mismatches.empty()) {
            result.notes.push_back("header protection: " + join(restored->mismatches, ", ") +
                                   " differed outside");
        }
    }

    // 4. The signature removed, unless the domain keeps it. A message with no record of its
    // sender's domain keeps it: it is a person's signature, not a partner gateway's.
    const bool is_signed = found->kind != Kind::none;
    const bool keep = rule.rule.domain == nullptr || rule.rule.domain->keep_signature;
    if (payload && (!is_signed || (!keep && found->unreadable.empty())))
        message.replace_content(std::move(*payload));
    else if (inner)
        message.replace_content(std::move(*inner));
    return result;
}

Status enforce_signature_rule(mime::Entity& message, const InboundSignature& signature) {
    const DomainRecord* rule = signature.rule;
    if (rule == nullptr || !rule->require_signature || signature.verdict.state == State::valid)
        return ok();
    const std::string why = "a valid signature of " + signature.sender_domain +
                            " is required: " + signature.verdict.header();
    if (rule->on_bad_signature == SignatureAction::refuse)
        return fail(signature_refusal(why));
    // Mark every Subject field (a client may show any of them), or add one.
    constexpr std::string_view kMark = "[NOT VERIFIED] ";
    std::vector<mime::Field> fields = message.fields();
    bool marked = false;
    for (auto& f : fields) {
        if (!f.is("Subject"))
            continue;
        std::size_t at = f.raw.find(':') + 1;
        while (at < f.raw.size() && (f.raw[at] == ' ' || f.raw[at] == '\t'))
            ++at;
        f.raw.insert(at, at == f.name.size() + 1 ? " " + std::string(kMark) : std::string(kMark));
        marked = true;
    }
    if (!marked)
        message.append("Subject", "[NOT VERIFIED]");
    else
        message.replace_fields(std::move(fields));
    return ok();
}

}  // namespace sealgate::pipeline
