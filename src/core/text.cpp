#include "core/text.hpp"

namespace sealgate {

char ascii_lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string ascii_lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out)
        c = ascii_lower(c);
    return out;
}

std::string_view strip_angle_brackets(std::string_view s) {
    if (!s.empty() && s.front() == '<')
        s.remove_prefix(1);
    if (!s.empty() && s.back() == '>')
        s.remove_suffix(1);
    return s;
}

std::string collapse_space(std::string_view s) {
    std::string out;
    bool space = false;
    for (const char c : s) {
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            space = !out.empty();
            continue;
        }
        if (space)
            out += ' ';
        space = false;
        out += c;
    }
    return out;
}

}  // namespace sealgate
