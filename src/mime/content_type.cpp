// mime/content_type.cpp — the Content-Type field value (RFC 2045 §5.1) and the body parts of a
// multipart entity (RFC 2046 §5.1.1).
//
//   content := type "/" subtype *(";" parameter)      parameter := attribute "=" value
//   value := token / quoted-string                     CFWS (comments) may appear between items
//
// Unquoted values are read up to the next ';', '(' or end, because real mailers write
// boundary=----=_Part_1 and name=my file.pdf without quotes; everything else is strict.
#include <algorithm>
#include <cstring>
#include <string>

#include "core/text.hpp"
#include "mime/entity.hpp"

namespace sealgate::mime {
namespace {

// RFC 2045 §5.1: token := 1*<any (US-ASCII) CHAR except SPACE, CTLs, or tspecials>.
bool is_token_char(char c) {
    const auto u = static_cast<unsigned char>(c);
    return u > 32 && u < 127 && std::strchr("()<>@,;:\\\"/[]?=", c) == nullptr;
}

Error ct_error(std::string what) {
    return Error::bad_input("Content-Type: " + std::move(what));
}

class Scanner {
  public:
    explicit Scanner(std::string_view s) : s_(s) {}

    bool at_end() const { return i_ >= s_.size(); }
    char peek() const { return s_[i_]; }
    void advance() { ++i_; }

    // Skip whitespace and (nested (comments)) with quoted-pairs; false on an open comment.
    bool skip_cfws() {
        while (i_ < s_.size()) {
            const char c = s_[i_];
            if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
                ++i_;
            } else if (c == '(') {
                int depth = 0;
                do {
                    if (i_ >= s_.size())
                        return false;
                    if (s_[i_] == '\\') {
                        i_ += 2;
                        continue;
                    }
                    if (s_[i_] == '(')
                        ++depth;
                    if (s_[i_] == ')')
                        --depth;
                    ++i_;
                } while (depth > 0);
            } else {
                break;
            }
        }
        return true;
    }

    std::string_view token() {
        const std::size_t start = i_;
        while (i_ < s_.size() && is_token_char(s_[i_]))
            ++i_;
        return s_.substr(start, i_ - start);
    }

    // RFC 822 quoted-string with quoted-pairs; the opening quote is at the cursor.
    Result<std::string> quoted() {
        std::string out;
        ++i_;
        while (i_ < s_.size()) {
            const char c = s_[i_++];
            if (c == '"')
                return out;
            if (c == '\\' && i_ < s_.size()) {
                out += s_[i_++];
            } else if (c != '\r' && c != '\n') {  // folding inside the quotes is unfolded
                out += c;
            }
        }
        return fail(ct_error("unterminated quoted string"));
    }

    // Lenient unquoted value: up to ';', '(' or end, trailing whitespace trimmed.
    std::string_view bare_value() {
        const std::size_t start = i_;
        while (i_ < s_.size() && s_[i_] != ';' && s_[i_] != '(')
            ++i_;
        std::size_t end = i_;
        while (end > start && (s_[end - 1] == ' ' || s_[end - 1] == '\t'))
            --end;
        return s_.substr(start, end - start);
    }

  private:
    std::string_view s_;
    std::size_t i_ = 0;
};

}  // namespace

bool ContentType::is(std::string_view t, std::string_view s) const {
    return type == ascii_lower(t) && subtype == ascii_lower(s);
}

std::optional<std::string> ContentType::param(std::string_view name) const {
    const std::string key = ascii_lower(name);
    for (const auto& [k, v] : params)
        if (k == key)
            return v;
    return std::nullopt;
}

Result<ContentType> parse_content_type(std::string_view value) {
    Scanner sc(value);
    if (!sc.skip_cfws())
        return fail(ct_error("unterminated comment"));
    if (sc.at_end())
        return fail(ct_error("empty value"));
    ContentType ct;
    const std::string_view type = sc.token();
    if (type.empty())
        return fail(ct_error("no media type"));
    if (!sc.skip_cfws())
        return fail(ct_error("unterminated comment"));
    if (sc.at_end() || sc.peek() != '/')
        return fail(ct_error("no '/' after media type"));
    sc.advance();
    if (!sc.skip_cfws())
        return fail(ct_error("unterminated comment"));
    const std::string_view subtype = sc.token();
    if (subtype.empty())
        return fail(ct_error("no media subtype"));
    ct.type = ascii_lower(type);
    ct.subtype = ascii_lower(subtype);
    while (true) {
        if (!sc.skip_cfws())
            return fail(ct_error("unterminated comment"));
        if (sc.at_end())
            break;
        if (sc.peek() != ';')
            return fail(ct_error(std::string("unexpected '") + sc.peek() + "' after " +
                                 (ct.params.empty() ? "media type" : "parameter")));
        sc.advance();
        if (!sc.skip_cfws())
            return fail(ct_error("unterminated comment"));
        if (sc.at_end() || sc.peek() == ';')
            continue;  // "a/b;" and "a/b;;c=d" are tolerated
        const std::string_view name = sc.token();
        if (name.empty())
            return fail(ct_error("invalid parameter name"));
        if (!sc.skip_cfws())
            return fail(ct_error("unterminated comment"));
        if (sc.at_end() || sc.peek() != '=')
            return fail(ct_error("parameter '" + std::string(name) + "' has no value"));
        sc.advance();
        if (!sc.skip_cfws())
            return fail(ct_error("unterminated comment"));
        std::string v;
        if (!sc.at_end() && sc.peek() == '"') {
            auto q = sc.quoted();
            SEALGATE_TRY(q);
            v = std::move(*q);
        } else {
            v = std::string(sc.bare_value());
        }
        ct.params.emplace_back(ascii_lower(name), std::move(v));
    }
    return ct;
}

Result<std::vector<std::string_view>> split_multipart(std::string_view body,
                                                      std::string_view boundary) {
    if (boundary.empty())
        return fail(Error::bad_input("multipart: empty boundary"));
    const std::string dash = "--" + std::string(boundary);

    // A delimiter at `at` (start of a line): "--boundary" then either "--" (close) or transport
    // padding (WSP) up to CRLF or the end. Returns the offset after its line, or npos when the
    // text there merely starts with the delimiter.
    struct Delimiter {
        std::size_t next = std::string_view::npos;
        bool close = false;
    };
    const auto delimiter_at = [&](std::size_t at) -> Delimiter {
        std::size_t i = at + dash.size();
        bool close = false;
        if (body.substr(i, 2) == "--") {
            close = true;
            i += 2;
        }
        while (i < body.size() && (body[i] == ' ' || body[i] == '\t'))
            ++i;
        if (i == body.size())
            return {i, close};
        if (body.substr(i, 2) == "\r\n")
            return {i + 2, close};
        // RFC 2046 §5.1.1: close-delimiter transport-padding [CRLF epilogue]. So "--b--x" is
        // content, which matters when a nested part's boundary is "b--x".
        return {};
    };

    // Opening delimiter: at the very start or after a CRLF (the preamble is ignored).
    std::size_t at = body.starts_with(dash) ? 0 : std::string_view::npos;
    Delimiter d;
    if (at == 0)
        d = delimiter_at(0);
    while (d.next == std::string_view::npos) {
        at = body.find("\r\n" + dash, at == std::string_view::npos ? 0 : at + 1);
        if (at == std::string_view::npos)
            return fail(
                Error::bad_input("multipart: no opening boundary delimiter \"" + dash + "\""));
        at += 2;
        d = delimiter_at(at);
    }

    std::vector<std::string_view> parts;
    const std::string needle = "\r\n" + dash;
    while (!d.close) {
        const std::size_t start = d.next;
        // Search from the CRLF that ended the previous delimiter line, so that an empty part
        // ("--b\r\n--b--") is found too; the CRLF before a delimiter belongs to the delimiter.
        std::size_t from = start >= 2 ? start - 2 : 0;
        while (true) {
            const std::size_t hit = body.find(needle, from);
            if (hit == std::string_view::npos)
                return fail(Error::bad_input("multipart: no closing boundary delimiter \"" + dash +
                                             "--\" (truncated message?)"));
            const Delimiter nd = delimiter_at(hit + 2);
            if (nd.next == std::string_view::npos) {
                from = hit + 2;
                continue;
            }
            parts.push_back(hit >= start ? body.substr(start, hit - start) : std::string_view{});
            d = nd;
            break;
        }
    }
    return parts;
}

}  // namespace sealgate::mime
