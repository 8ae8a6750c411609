#include "address/address.hpp"

#include <arpa/inet.h>
#include <idn2.h>

#include <cstdint>
#include <memory>
#include <optional>

#include "core/text.hpp"

namespace sealgate::address {
namespace {

constexpr std::size_t kMaxLabel = 63;    // RFC 1035 §2.3.4
constexpr std::size_t kMaxDomain = 253;  // 255 octets on the wire, without the root label

Error bad_address(std::string_view text, std::string_view why) {
    return Error::perm(501, "5.1.3", "Bad address syntax",
                       "address \"" + std::string(text) + "\": " + std::string(why));
}

Error bad_domain(std::string_view text, std::string_view why) {
    return Error::perm(501, "5.1.2", "Bad domain name",
                       "domain \"" + std::string(text) + "\": " + std::string(why));
}

bool is_alpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

bool is_non_ascii(char c) {
    return static_cast<unsigned char>(c) >= 0x80;
}

// RFC 5322 §3.2.3 atext, as RFC 5321 §4.1.2 uses it.
bool is_atext(char c) {
    if (is_alpha(c) || is_digit(c))
        return true;
    constexpr std::string_view specials = "!#$%&'*+-/=?^_`{|}~";
    return specials.find(c) != std::string_view::npos;
}

// What a character looks like in an error text: printable ASCII as itself, the rest in hex.
std::string describe(char c) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x21 && u < 0x7f)
        return std::string("'") + c + "'";
    static constexpr char kHex[] = "0123456789abcdef";
    return std::string("byte 0x") + kHex[u >> 4] + kHex[u & 15];
}

// An LDH label (RFC 5321 §4.1.2 sub-domain = Let-dig [Ldh-str]).
std::optional<std::string> ldh_problem(std::string_view label) {
    if (label.size() > kMaxLabel)
        return "label longer than 63 octets";
    for (const char c : label)
        if (!is_alpha(c) && !is_digit(c) && c != '-')
            return "character " + describe(c) + " not allowed in a domain";
    if (label.front() == '-' || label.back() == '-')
        return "label \"" + std::string(label) + "\" starts or ends with '-'";
    return std::nullopt;
}

struct Idn2Free {
    void operator()(char* p) const { idn2_free(p); }
};

// A U-label to its A-label, by IDNA2008 alone (no UTS #46 mapping): see the header.
Result<std::string> to_alabel(std::string_view domain, std::string_view label) {
    const std::string input = ascii_lower(label);
    char* raw = nullptr;
    const int rc = idn2_lookup_u8(reinterpret_cast<const std::uint8_t*>(input.c_str()),
                                  reinterpret_cast<std::uint8_t**>(&raw), IDN2_NO_TR46);
    const std::unique_ptr<char, Idn2Free> out(raw);
    if (rc != IDN2_OK)
        return fail(bad_domain(domain, "label \"" + std::string(label) +
                                           "\" is not a valid IDNA2008 U-label (" +
                                           idn2_strerror(rc) + ")"));
    return ascii_lower(out.get());
}

bool valid_ipv4(const std::string& text) {
    in_addr a{};
    return inet_pton(AF_INET, text.c_str(), &a) == 1;
}

bool valid_ipv6(const std::string& text) {
    in6_addr a{};
    return inet_pton(AF_INET6, text.c_str(), &a) == 1;
}

// RFC 5321 §4.1.3: "[" ( IPv4 / "IPv6:" IPv6 / Standardized-tag ":" 1*dcontent ) "]".
std::optional<std::string> literal_problem(std::string_view literal) {
    if (literal.size() < 3 || literal.front() != '[' || literal.back() != ']')
        return "malformed address literal";
    const std::string inside(literal.substr(1, literal.size() - 2));
    const auto colon = inside.find(':');
    if (colon == std::string::npos)
        return valid_ipv4(inside) ? std::nullopt
                                  : std::optional<std::string>("malformed IPv4 address literal");
    const std::string tag = inside.substr(0, colon);
    const std::string value = inside.substr(colon + 1);
    if (ascii_lower(tag) == "ipv6")
        return valid_ipv6(value) ? std::nullopt
                                 : std::optional<std::string>("malformed IPv6 address literal");
    if (tag.empty() || ldh_problem(tag) || value.empty())
        return "malformed address literal";
    for (const char c : value) {
        const auto u = static_cast<unsigned char>(c);
        // dcontent = %d33-90 / %d94-126
        if (u < 33 || u > 126 || (u >= 91 && u <= 93))
            return "character " + describe(c) + " not allowed in an address literal";
    }
    return std::nullopt;
}

// The length of a Quoted-string at the start of s (RFC 5321 §4.1.2 with RFC 6531 §3.3), or an
// error text.
Result<std::size_t> quoted_string(std::string_view text, std::string_view s, Charset charset) {
    for (std::size_t i = 1; i < s.size(); ++i) {
        const char c = s[i];
        const auto u = static_cast<unsigned char>(c);
        if (c == '"')
            return i + 1;
        if (c == '\\') {
            // quoted-pairSMTP = %d92 %d32-126
            if (i + 1 >= s.size() || static_cast<unsigned char>(s[i + 1]) < 32 ||
                static_cast<unsigned char>(s[i + 1]) > 126)
                return fail(bad_address(text, "bad escape in a quoted local part"));
            ++i;
            continue;
        }
        if (is_non_ascii(c) && charset == Charset::utf8)
            continue;
        // qtextSMTP = %d32-33 / %d35-91 / %d93-126
        if (u < 32 || u > 126)
            return fail(bad_address(text, describe(c) + " not allowed in a quoted local part"));
    }
    return fail(bad_address(text, "unterminated quoted local part"));
}

// The length of a Dot-string at the start of s, up to the '@'.
Result<std::size_t> dot_string(std::string_view text, std::string_view s, Charset charset) {
    std::size_t i = 0;
    bool atom_start = true;
    for (; i < s.size() && s[i] != '@'; ++i) {
        const char c = s[i];
        if (c == '.') {
            if (atom_start)
                return fail(bad_address(text, "empty atom in the local part ('.' misplaced)"));
            atom_start = true;
            continue;
        }
        if (!is_atext(c) && !(is_non_ascii(c) && charset == Charset::utf8))
            return fail(bad_address(text, describe(c) + " not allowed in the local part"));
        atom_start = false;
    }
    if (i == 0)
        return fail(bad_address(text, "empty local part"));
    if (atom_start)
        return fail(bad_address(text, "local part ends with '.'"));
    return i;
}

}  // namespace

bool valid_utf8(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size()) {
        const auto b0 = static_cast<unsigned char>(text[i]);
        if (b0 < 0x80) {
            ++i;
            continue;
        }
        std::size_t len = 0;
        std::uint32_t cp = 0;
        if (b0 >= 0xc2 && b0 <= 0xdf) {
            len = 2;
            cp = b0 & 0x1fu;
        } else if (b0 >= 0xe0 && b0 <= 0xef) {
            len = 3;
            cp = b0 & 0x0fu;
        } else if (b0 >= 0xf0 && b0 <= 0xf4) {
            len = 4;
            cp = b0 & 0x07u;
        } else {
            return false;  // a continuation byte, an overlong lead (C0, C1) or beyond F4
        }
        if (i + len > text.size())
            return false;
        for (std::size_t k = 1; k < len; ++k) {
            const auto b = static_cast<unsigned char>(text[i + k]);
            if ((b & 0xc0u) != 0x80u)
                return false;
            cp = (cp << 6) | (b & 0x3fu);
        }
        const bool overlong = (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000);
        if (overlong || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
            return false;
        i += len;
    }
    return true;
}

Result<std::string> normalize_domain(std::string_view domain, Charset charset) {
    const std::string_view given = domain;
    if (!domain.empty() && domain.back() == '.')
        domain.remove_suffix(1);
    if (domain.empty())
        return fail(bad_domain(given, "empty domain"));
    std::string out;
    std::size_t start = 0;
    while (start <= domain.size()) {
        const auto dot = domain.find('.', start);
        const std::string_view label = domain.substr(
            start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
        if (label.empty())
            return fail(bad_domain(given, "empty label"));
        bool ascii = true;
        for (const char c : label)
            ascii = ascii && !is_non_ascii(c);
        if (!out.empty())
            out += '.';
        if (ascii) {
            if (auto problem = ldh_problem(label))
                return fail(bad_domain(given, *problem));
            out += ascii_lower(label);
        } else {
            if (charset != Charset::utf8)
                return fail(bad_domain(given, "non-ASCII domain without SMTPUTF8"));
            if (!valid_utf8(label))
                return fail(bad_domain(given, "malformed UTF-8"));
            // The ASCII in a U-label is LDH too; a control (a NUL above all: idn2 reads a C
            // string and would stop there) never reaches the conversion.
            for (const char c : label)
                if (!is_non_ascii(c) && !is_alpha(c) && !is_digit(c) && c != '-')
                    return fail(
                        bad_domain(given, "character " + describe(c) + " not allowed in a domain"));
            auto alabel = to_alabel(given, label);
            SEALGATE_TRY(alabel);
            if (auto problem = ldh_problem(*alabel))
                return fail(bad_domain(given, *problem));
            out += *alabel;
        }
        if (dot == std::string_view::npos)
            break;
        start = dot + 1;
    }
    if (out.size() > kMaxDomain)
        return fail(bad_domain(given, "longer than 253 octets"));
    return out;
}

Result<Mailbox> parse_mailbox(std::string_view text, Charset charset) {
    if (charset == Charset::utf8 && !valid_utf8(text))
        return fail(bad_address(text, "malformed UTF-8"));
    if (charset == Charset::ascii) {
        for (const char c : text)
            if (is_non_ascii(c))
                return fail(bad_address(text, "non-ASCII address without SMTPUTF8"));
    }
    auto local_len = !text.empty() && text.front() == '"' ? quoted_string(text, text, charset)
                                                          : dot_string(text, text, charset);
    SEALGATE_TRY(local_len);
    if (*local_len >= text.size() || text[*local_len] != '@')
        return fail(bad_address(text, *local_len >= text.size()
                                          ? "no domain"
                                          : describe(text[*local_len]) + " after the local part"));
    Mailbox m;
    m.local.assign(text.substr(0, *local_len));
    const std::string_view domain = text.substr(*local_len + 1);
    if (!domain.empty() && domain.front() == '[') {
        if (auto problem = literal_problem(domain))
            return fail(bad_address(text, *problem));
        m.literal = true;
        m.written.assign(domain);
        m.domain = ascii_lower(domain);
        return m;
    }
    auto normal = normalize_domain(domain, charset);
    if (!normal)
        return fail(bad_address(text, normal.error().reason));
    m.written.assign(domain);
    if (!m.written.empty() && m.written.back() == '.')
        m.written.pop_back();
    m.domain = std::move(*normal);
    return m;
}

Result<std::string> normalize_domain_pattern(std::string_view text) {
    const bool wildcard = text.starts_with("*.");
    auto name = normalize_domain(wildcard ? text.substr(2) : text, Charset::utf8);
    if (!name)
        return fail(Error::bad_input("not a domain name: " + name.error().reason));
    return (wildcard ? "*." : "") + *name;
}

Result<Mailbox> parse_path(std::string_view inside, Charset charset) {
    if (!inside.empty() && inside.front() == '@') {
        // A-d-l = At-domain *( "," At-domain ), At-domain = "@" Domain.
        const auto colon = inside.find(':');
        if (colon == std::string_view::npos)
            return fail(bad_address(inside, "source route without ':'"));
        std::string_view route = inside.substr(0, colon);
        while (!route.empty()) {
            const auto comma = route.find(',');
            const std::string_view hop = route.substr(0, comma);
            if (hop.size() < 2 || hop.front() != '@')
                return fail(bad_address(inside, "malformed source route"));
            if (auto d = normalize_domain(hop.substr(1), charset); !d)
                return fail(bad_address(inside, "source route: " + d.error().reason));
            route.remove_prefix(comma == std::string_view::npos ? route.size() : comma + 1);
            if (comma != std::string_view::npos && route.empty())
                return fail(bad_address(inside, "malformed source route"));
        }
        inside.remove_prefix(colon + 1);
    }
    return parse_mailbox(inside, charset);
}

}  // namespace sealgate::address
