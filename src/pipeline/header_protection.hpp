// pipeline/header_protection.hpp — RFC 9788 header protection (docs/signing.md).
//
// Sending, for a copy that is encrypted (hp="cipher") or only signed (hp="clear"): the
// Cryptographic Payload — the entity that gets signed and/or encrypted — carries copies of the
// message's user-facing header fields (Subject, From, Sender, Reply-To, To, Cc, Date,
// Message-ID, In-Reply-To, References, Keywords, Comments) besides its Content-* fields, and
// its Content-Type gets the parameter hp. When encrypting, the outer header is then obscured by
// the RFC's default Header Confidentiality Policy hcp_baseline (Subject becomes "[...]",
// Keywords and Comments are removed, the rest stays), and the payload records what the outside
// shows in one HP-Outer field per user-facing field left outside. No legacy display element is
// added: a receiving gateway restores the header, a receiving client that knows RFC 9788 reads
// it.
//
// Receiving, from any RFC 9788 sender: when the payload's Content-Type has hp="cipher" (the
// message was encrypted) or hp="clear" with a valid signature, its user-facing fields replace
// the outer ones of the same names, the hp parameter and HP-Outer fields are dropped (the
// delivered message is no longer protected and must not claim it), and every protected field
// whose outer value differs from the protected one without HP-Outer explaining it is reported
// as a mismatch (the mail log records it).
#pragma once

#include <string>
#include <vector>

#include "core/result.hpp"
#include "mime/entity.hpp"

namespace sealgate::pipeline {

enum class HpMode { clear, cipher };

// The user-facing fields RFC 9788 protects, as sealgate copies them.
bool is_protected_field(std::string_view name);

// The Cryptographic Payload of `message` with protected headers, as bytes (what
// take_content_entity() returns, with the copied fields and hp=... added); takes the body. With
// HpMode::cipher the outer header of `message` is obscured (hcp_baseline) as described above.
// The Content-* fields stay on `message`: replace its content next.
std::string protect_headers(mime::Entity& message, HpMode mode);

struct HpRestored {
    bool present = false;   // the payload carried hp=...
    bool restored = false;  // the outer header was rewritten from it
    HpMode mode = HpMode::cipher;
    std::vector<std::string> mismatches;  // field names whose outer value differed unexplained
};

// Restore the outer header of `message` from the payload (parsed, as decrypted or as the first
// part of a multipart/signed) and strip the protection marks from the payload (its hp
// parameter, its HP-Outer and copied fields), so that the payload can become the message's
// content (Entity::replace_content). hp="clear" is honoured only when `signature_valid`.
Result<HpRestored> restore_headers(mime::Entity& message, mime::Entity& payload,
                                   bool signature_valid);

}  // namespace sealgate::pipeline
