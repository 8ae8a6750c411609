#include "mime/quoted_printable.hpp"

#include "core/hex.hpp"

namespace sealgate::mime {

std::string quoted_printable_decode(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '=') {
            out += text[i];
        } else if (text.substr(i + 1, 2) == "\r\n") {
            i += 2;
        } else if (text.substr(i + 1, 1) == "\n") {
            i += 1;
        } else if (i + 2 < text.size() && hex_digit(text[i + 1]) >= 0 &&
                   hex_digit(text[i + 2]) >= 0) {
            out += static_cast<char>(hex_digit(text[i + 1]) * 16 + hex_digit(text[i + 2]));
            i += 2;
        } else {
            out += text[i];
        }
    }
    return out;
}

std::string quoted_printable_encode(std::string_view text) {
    constexpr std::size_t kMaxLine = 76;  // RFC 2045 §6.7 (5), the soft break's "=" included
    constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size() + text.size() / 8 + 16);
    std::size_t column = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
            out += "\r\n";
            column = 0;
            ++i;
            continue;
        }
        const auto u = static_cast<unsigned char>(c);
        const bool line_end = i + 1 == text.size() || text.substr(i + 1, 2) == "\r\n";
        bool literal = (u >= 33 && u <= 126 && c != '=') || ((c == ' ' || c == '\t') && !line_end);
        // Room for this character (at most "=XX") and a soft break's "=" after it.
        if (column + (literal ? 1 : 3) > kMaxLine - 1) {
            out += "=\r\n";
            column = 0;
        }
        if (column == 0 && text.substr(i, 5) == "From ")
            literal = false;
        if (literal) {
            out += c;
            ++column;
        } else {
            out += '=';
            out += kHex[u >> 4];
            out += kHex[u & 0xf];
            column += 3;
        }
    }
    return out;
}

}  // namespace sealgate::mime
