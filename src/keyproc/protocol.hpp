// keyproc/protocol.hpp — the request format between `sealgate serve` and its key process.
//
// One channel is a SOCK_STREAM socketpair; on it the client sends one request and reads one
// reply, in turn. Every frame is
//
//   'S' 'K'  version (1 octet, protocol_version)  kind (1 octet)  length (4 octets, big endian)
//   body: count (4 octets) then `count` fields, each a 4-octet big-endian length and its octets
//
// kind is the Op of a request, and 0 (ok) or 1 (error) in a reply. An error reply's fields are
// the Error's kind, code, status, public text and reason (core/error.hpp), so the caller sees
// the error the key process saw. Pure functions: no I/O here (keyproc/channel.hpp does it).
//
// Contract:
//   - decode_header() refuses a wrong magic, a version other than protocol_version, a request
//     kind that is no Op (a reply kind other than 0 and 1) and a body longer than `max_body`,
//     all as Error::bad_input with the reason; the caller logs it and closes the channel.
//   - decode_fields() refuses a truncated body, trailing octets, more than max_fields fields, or
//     a field count other than the op's (Op arity, checked by decode_request()).
//   - The bound: max_body_for(max_message_size) is the largest body a request for one message of
//     that size can need (the message, the verify keys or the chain, framing) — anything longer
//     is refused unread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace sealgate::keyproc {

inline constexpr std::uint8_t protocol_version = 1;
inline constexpr std::size_t header_size = 8;
inline constexpr std::size_t max_fields = 4096;

enum class Op : std::uint8_t {
    refresh = 1,
    smime_decrypt = 2,        // ber -> [] (not ours) | [entity, cert_sha256, algorithm]
    pgp_decrypt = 3,          // message, verify key... -> [] | [plaintext, key, subkey, alg, sigs]
    smime_sign_entity = 4,    // cert_sha256, entity, profile, chain DER... -> [signature]
    pgp_sign_entity = 5,      // fingerprint, entity -> [signature]
    add_smime_key = 6,        // cert DER, key PKCS#8 DER -> []
    renew_smime = 7,          // cert DER, reuse_key "0"/"1", days -> [cert DER]
    export_smime_pkcs12 = 8,  // cert DER, password, chain DER... -> [pkcs12]
    seal_pgp_secret = 9,      // fingerprint, secret -> [sealed]
    unseal_pgp_secret = 10,   // fingerprint, sealed -> [secret]
    seal_secret = 11,         // name, secret -> [sealed]
    unseal_secret = 12,       // name, sealed -> [secret]
    smime_sign = 13,          // cert_sha256, data -> [signature]
    pgp_sign = 14,            // fingerprint, data -> [signature]
    // fingerprint, sealed, kind (add_subkey|successor|set_expiry|revoke), expires seconds,
    // revocation code (superseded|compromised|retired) -> [fingerprint, public key, sealed,
    // encryption subkey]
    change_pgp_secret = 15,
};

std::string_view to_string(Op op);
// The op of a request kind octet; nullopt for an unknown one.
std::optional<Op> op_from(std::uint8_t kind);

struct Header {
    std::uint8_t kind = 0;
    std::uint32_t length = 0;
};

struct Request {
    Op op = Op::refresh;
    std::vector<std::string> fields;
};

struct Reply {
    bool ok = true;
    std::vector<std::string> fields;  // ok: the result; otherwise the encoded Error
};

// The largest request or reply body for messages up to `max_message_size` octets.
std::size_t max_body_for(std::size_t max_message_size);

std::string encode_request(Op op, std::span<const std::string> fields);
std::string encode_reply(std::span<const std::string> fields);
std::string encode_error(const Error& error);

// `request`: the kind must be an Op; otherwise a reply kind (0, 1).
Result<Header> decode_header(std::string_view header, std::size_t max_body, bool request);
Result<std::vector<std::string>> decode_fields(std::string_view body);
// A whole request frame's header kind and body: the op's arity checked.
Result<Request> decode_request(const Header& header, std::string_view body);
// A reply: ok with its fields, or the Error it carries (a reply that cannot be read is an error
// of its own: Error::temp).
Result<std::vector<std::string>> decode_reply(const Header& header, std::string_view body);

}  // namespace sealgate::keyproc
