#include "smtp/reply.hpp"

namespace sealgate::smtp {

Reply Reply::make(int code, std::string status, std::string_view text) {
    Reply r{code, std::move(status), {}};
    std::size_t start = 0;
    while (true) {
        const auto nl = text.find('\n', start);
        r.lines.emplace_back(text.substr(start, nl == std::string_view::npos ? nl : nl - start));
        if (nl == std::string_view::npos)
            break;
        start = nl + 1;
    }
    return r;
}

Reply Reply::from_error(const Error& error) {
    return make(error.code, error.status, error.public_text);
}

std::string Reply::text() const {
    std::string out;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        if (i)
            out += '\n';
        out += lines[i];
    }
    return out;
}

namespace {

// Append text to out, at most `room` octets of it, never splitting a UTF-8 sequence; control
// characters (CR and LF among them) become '?'.
void append_text(std::string& out, std::string_view text, std::size_t room) {
    if (text.size() > room) {
        std::size_t cut = room;
        // Back off continuation bytes (10xxxxxx) so that the cut lands on a character start.
        while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80)
            --cut;
        text = text.substr(0, cut);
    }
    for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        out += (u < 0x20 && c != '\t') || u == 0x7F ? '?' : c;
    }
}

}  // namespace

std::string Reply::wire() const {
    std::string out;
    const std::string code_text = std::to_string(code).substr(0, 3);
    // A status longer than any RFC 3463 code is not one: it is dropped rather than let it crowd
    // out the text.
    const std::string_view st = status.size() <= 11 ? std::string_view(status) : "";
    const std::size_t n = lines.empty() ? 1 : lines.size();
    for (std::size_t i = 0; i < n; ++i) {
        const std::size_t start = out.size();
        out += code_text;
        out += (i + 1 < n) ? '-' : ' ';
        if (!st.empty()) {
            append_text(out, st, st.size());
            out += ' ';
        }
        if (!lines.empty())
            append_text(out, lines[i], kMaxLine - 2 - (out.size() - start));
        out += "\r\n";
    }
    return out;
}

std::string Reply::summary() const {
    std::string out = std::to_string(code);
    if (!status.empty())
        out += " " + status;
    if (!lines.empty())
        out += " " + lines.front();
    return out;
}

}  // namespace sealgate::smtp
