#include "keyproc/protocol.hpp"

#include <array>
#include <charconv>

namespace sealgate::keyproc {

namespace {

constexpr char magic0 = 'S';
constexpr char magic1 = 'K';
constexpr std::uint8_t reply_ok = 0;
constexpr std::uint8_t reply_error = 1;

void put32(std::string& out, std::uint32_t v) {
    out.push_back(static_cast<char>((v >> 24) & 0xff));
    out.push_back(static_cast<char>((v >> 16) & 0xff));
    out.push_back(static_cast<char>((v >> 8) & 0xff));
    out.push_back(static_cast<char>(v & 0xff));
}

std::uint32_t get32(std::string_view in) {
    const auto b = [&](std::size_t i) {
        return static_cast<std::uint32_t>(static_cast<unsigned char>(in[i]));
    };
    return (b(0) << 24) | (b(1) << 16) | (b(2) << 8) | b(3);
}

std::string frame(std::uint8_t kind, std::span<const std::string> fields) {
    std::size_t body = 4;
    for (const auto& f : fields)
        body += 4 + f.size();
    std::string out;
    out.reserve(header_size + body);
    out.push_back(magic0);
    out.push_back(magic1);
    out.push_back(static_cast<char>(protocol_version));
    out.push_back(static_cast<char>(kind));
    put32(out, static_cast<std::uint32_t>(body));
    put32(out, static_cast<std::uint32_t>(fields.size()));
    for (const auto& f : fields) {
        put32(out, static_cast<std::uint32_t>(f.size()));
        out.append(f);
    }
    return out;
}

// The number of fields a request of `op` carries: exact, or at least `min` (variadic tail).
struct Arity {
    std::size_t min;
    bool variadic;
};

Arity arity(Op op) {
    switch (op) {
        case Op::refresh:
            return {0, false};
        case Op::smime_decrypt:
            return {1, false};
        case Op::pgp_decrypt:
            return {1, true};
        case Op::smime_sign_entity:
            return {3, true};
        case Op::pgp_sign_entity:
            return {2, false};
        case Op::add_smime_key:
            return {2, false};
        case Op::renew_smime:
            return {3, false};
        case Op::export_smime_pkcs12:
            return {2, true};
        case Op::seal_pgp_secret:
        case Op::unseal_pgp_secret:
        case Op::seal_secret:
        case Op::unseal_secret:
        case Op::smime_sign:
        case Op::pgp_sign:
            return {2, false};
        case Op::change_pgp_secret:
            return {5, false};
    }
    return {0, false};
}

}  // namespace

std::string_view to_string(Op op) {
    switch (op) {
        case Op::refresh:
            return "refresh";
        case Op::smime_decrypt:
            return "smime_decrypt";
        case Op::pgp_decrypt:
            return "pgp_decrypt";
        case Op::smime_sign_entity:
            return "smime_sign_entity";
        case Op::pgp_sign_entity:
            return "pgp_sign_entity";
        case Op::add_smime_key:
            return "add_smime_key";
        case Op::renew_smime:
            return "renew_smime";
        case Op::export_smime_pkcs12:
            return "export_smime_pkcs12";
        case Op::seal_pgp_secret:
            return "seal_pgp_secret";
        case Op::unseal_pgp_secret:
            return "unseal_pgp_secret";
        case Op::seal_secret:
            return "seal_secret";
        case Op::unseal_secret:
            return "unseal_secret";
        case Op::smime_sign:
            return "smime_sign";
        case Op::pgp_sign:
            return "pgp_sign";
        case Op::change_pgp_secret:
            return "change_pgp_secret";
    }
    return "unknown";
}

std::optional<Op> op_from(std::uint8_t kind) {
    if (kind < static_cast<std::uint8_t>(Op::refresh) ||
        kind > static_cast<std::uint8_t>(Op::change_pgp_secret))
        return std::nullopt;
    return static_cast<Op>(kind);
}

std::size_t max_body_for(std::size_t max_message_size) {
    // The message itself (a decoded CMS body or an armored OpenPGP message is never longer than
    // the message), and for the verify keys, a signing chain and the framing a fixed margin.
    return max_message_size + (8u << 20);
}

std::string encode_request(Op op, std::span<const std::string> fields) {
    return frame(static_cast<std::uint8_t>(op), fields);
}

std::string encode_reply(std::span<const std::string> fields) {
    return frame(reply_ok, fields);
}

std::string encode_error(const Error& error) {
    const std::array<std::string, 5> fields{std::to_string(static_cast<int>(error.kind)),
                                            std::to_string(error.code), error.status,
                                            error.public_text, error.reason};
    return frame(reply_error, fields);
}

Result<Header> decode_header(std::string_view header, std::size_t max_body, bool request) {
    if (header.size() < header_size)
        return fail(Error::bad_input("key process frame: truncated header"));
    if (header[0] != magic0 || header[1] != magic1)
        return fail(Error::bad_input("key process frame: bad magic"));
    const auto version = static_cast<std::uint8_t>(header[2]);
    if (version != protocol_version)
        return fail(Error::bad_input("key process frame: version " + std::to_string(version) +
                                     ", expected " + std::to_string(protocol_version)));
    Header h;
    h.kind = static_cast<std::uint8_t>(header[3]);
    h.length = get32(header.substr(4, 4));
    if (request && !op_from(h.kind))
        return fail(Error::bad_input("key process frame: unknown op " + std::to_string(h.kind)));
    if (!request && h.kind != reply_ok && h.kind != reply_error)
        return fail(
            Error::bad_input("key process frame: unknown reply kind " + std::to_string(h.kind)));
    if (h.length < 4 || h.length > max_body)
        return fail(Error::bad_input("key process frame: body of " + std::to_string(h.length) +
                                     " octets (at most " + std::to_string(max_body) + ")"));
    return h;
}

Result<std::vector<std::string>> decode_fields(std::string_view body) {
    if (body.size() < 4)
        return fail(Error::bad_input("key process frame: truncated body"));
    const std::uint32_t count = get32(body);
    if (count > max_fields)
        return fail(Error::bad_input("key process frame: " + std::to_string(count) + " fields"));
    std::size_t at = 4;
    std::vector<std::string> fields;
    fields.reserve(count);
    for (std::uint32_t i = 0; i < count; ++i) {
        if (body.size() - at < 4)
            return fail(Error::bad_input("key process frame: truncated field length"));
        const std::uint32_t len = get32(body.substr(at, 4));
        at += 4;
        if (body.size() - at < len)
            return fail(Error::bad_input("key process frame: truncated field"));
        fields.emplace_back(body.substr(at, len));
        at += len;
    }
    if (at != body.size())
        return fail(Error::bad_input("key process frame: trailing octets"));
    return fields;
}

Result<Request> decode_request(const Header& header, std::string_view body) {
    const auto op = op_from(header.kind);
    if (!op)
        return fail(
            Error::bad_input("key process frame: unknown op " + std::to_string(header.kind)));
    auto fields = decode_fields(body);
    SEALGATE_TRY(fields);
    const Arity a = arity(*op);
    if (fields->size() < a.min || (!a.variadic && fields->size() != a.min))
        return fail(Error::bad_input("key process request " + std::string(to_string(*op)) + ": " +
                                     std::to_string(fields->size()) + " fields"));
    return Request{*op, std::move(*fields)};
}

Result<std::vector<std::string>> decode_reply(const Header& header, std::string_view body) {
    auto fields = decode_fields(body);
    if (!fields)
        return fail(Error::temp("4.7.0", "Temporary local problem, try again later",
                                "key process reply: " + fields.error().reason));
    if (header.kind == reply_ok)
        return std::move(*fields);
    const auto& f = *fields;
    int kind = 0;
    int code = 0;
    if (f.size() != 5 ||
        std::from_chars(f[0].data(), f[0].data() + f[0].size(), kind).ec != std::errc{} ||
        std::from_chars(f[1].data(), f[1].data() + f[1].size(), code).ec != std::errc{} ||
        kind < 0 || kind > static_cast<int>(ErrorKind::internal))
        return fail(Error::temp("4.7.0", "Temporary local problem, try again later",
                                "key process reply: unreadable error"));
    Error e;
    e.kind = static_cast<ErrorKind>(kind);
    e.code = code;
    e.status = f[2];
    e.public_text = f[3];
    e.reason = f[4];
    return fail(std::move(e));
}

}  // namespace sealgate::keyproc
