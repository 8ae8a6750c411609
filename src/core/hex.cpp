#include "core/hex.hpp"

#include "core/text.hpp"

#include <cctype>

namespace sealgate {

namespace {

constexpr char kDigits[] = "0123456789abcdef";

}  // namespace

int hex_digit(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

std::string to_hex(std::string_view bytes) {
    std::string out;
    out.reserve(bytes.size() * 2);
    for (const char b : bytes) {
        const auto u = static_cast<unsigned char>(b);
        out.push_back(kDigits[u >> 4]);
        out.push_back(kDigits[u & 0x0f]);
    }
    return out;
}

std::optional<std::string> from_hex(std::string_view hex) {
    if (hex.size() % 2 != 0)
        return std::nullopt;
    std::string out;
    out.reserve(hex.size() / 2);
    for (std::size_t i = 0; i < hex.size(); i += 2) {
        const int hi = hex_digit(hex[i]);
        const int lo = hex_digit(hex[i + 1]);
        if (hi < 0 || lo < 0)
            return std::nullopt;
        out.push_back(static_cast<char>((hi << 4) | lo));
    }
    return out;
}

std::string hex_colons(std::string_view lower_hex) {
    std::string out;
    for (std::size_t i = 0; i < lower_hex.size(); ++i) {
        if (i > 0 && i % 2 == 0)
            out.push_back(':');
        out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(lower_hex[i]))));
    }
    return out;
}

std::string hex_groups(std::string_view lower_hex) {
    std::string out;
    for (std::size_t i = 0; i < lower_hex.size(); ++i) {
        if (i > 0 && i % 4 == 0) {
            out.push_back(' ');
            if (lower_hex.size() == 40 && i == 20)
                out.push_back(' ');
        }
        out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(lower_hex[i]))));
    }
    return out;
}

std::optional<std::string> normalize_hex(std::string_view text) {
    std::string out;
    for (const char c : text) {
        if (c == ':' || c == ' ' || c == '-')
            continue;
        if (hex_digit(c) < 0)
            return std::nullopt;
        out.push_back(ascii_lower(c));
    }
    if (out.empty())
        return std::nullopt;
    return out;
}

}  // namespace sealgate
