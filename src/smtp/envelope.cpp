#include "smtp/envelope.hpp"

#include "core/hex.hpp"

namespace sealgate::smtp {
const std::string* Envelope::xforward_value(std::string_view name) const {
    for (const auto& [key, value] : xforward)
        if (key == name)
            return &value;
    return nullptr;
}

std::optional<std::string> xtext_decode(std::string_view xtext) {
    std::string out;
    out.reserve(xtext.size());
    for (std::size_t i = 0; i < xtext.size(); ++i) {
        if (xtext[i] != '+') {
            out += xtext[i];
            continue;
        }
        if (i + 2 >= xtext.size())
            return std::nullopt;
        const int hi = hex_digit(xtext[i + 1]);
        const int lo = hex_digit(xtext[i + 2]);
        if (hi < 0 || lo < 0)
            return std::nullopt;
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
    }
    return out;
}

std::string xtext_encode(std::string_view text) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 33 || u > 126 || c == '+' || c == '=') {
            out += '+';
            out += kHex[u >> 4];
            out += kHex[u & 0x0F];
        } else {
            out += c;
        }
    }
    return out;
}

bool is_xtext(std::string_view text) {
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto u = static_cast<unsigned char>(text[i]);
        if (u < 33 || u > 126 || text[i] == '=')
            return false;
        if (text[i] == '+') {
            if (i + 2 >= text.size())
                return false;
            if (hex_digit(text[i + 1]) < 0 || hex_digit(text[i + 2]) < 0)
                return false;
            i += 2;
        }
    }
    return true;
}

}  // namespace sealgate::smtp
