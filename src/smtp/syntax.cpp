#include "smtp/syntax.hpp"

namespace sealgate::smtp {
namespace {

char upper(char c) {
    return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
}

bool is_control(char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 32 || u == 127;
}

// Parse "<...>" at the start of s; on success set address and advance s past '>'.
bool take_path(std::string_view& s, std::string& address) {
    if (s.empty() || s.front() != '<')
        return false;
    bool quoted = false;
    std::size_t i = 1;
    for (; i < s.size(); ++i) {
        const char c = s[i];
        if (is_control(c))
            return false;
        if (quoted) {
            if (c == '\\' && i + 1 < s.size()) {
                ++i;
            } else if (c == '"') {
                quoted = false;
            }
            continue;
        }
        if (c == '"') {
            quoted = true;
        } else if (c == '>') {
            break;
        } else if (c == ' ' || c == '<') {
            return false;
        }
    }
    if (i >= s.size())
        return false;
    address.assign(s.substr(1, i - 1));
    s.remove_prefix(i + 1);
    return true;
}

}  // namespace

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (upper(a[i]) != upper(b[i]))
            return false;
    return true;
}

std::string to_upper(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        c = upper(c);
    return out;
}

bool has_non_ascii(std::string_view s) {
    for (const char c : s)
        if (static_cast<unsigned char>(c) >= 0x80)
            return true;
    return false;
}

std::optional<PathArgument> parse_path_argument(std::string_view args, std::string_view prefix) {
    if (args.size() < prefix.size() || !iequals(args.substr(0, prefix.size()), prefix))
        return std::nullopt;
    args.remove_prefix(prefix.size());
    if (!args.empty() && args.front() == ' ')
        args.remove_prefix(1);
    PathArgument out;
    if (!take_path(args, out.address))
        return std::nullopt;
    while (!args.empty()) {
        if (args.front() != ' ')
            return std::nullopt;
        while (!args.empty() && args.front() == ' ')
            args.remove_prefix(1);
        if (args.empty())
            break;
        const auto end = args.find(' ');
        const std::string_view word = args.substr(0, end);
        args.remove_prefix(end == std::string_view::npos ? args.size() : end);
        for (const char c : word)
            if (is_control(c))
                return std::nullopt;
        Param p;
        const auto eq = word.find('=');
        p.keyword = to_upper(word.substr(0, eq));
        if (p.keyword.empty())
            return std::nullopt;
        if (eq != std::string_view::npos)
            p.value = std::string(word.substr(eq + 1));
        out.params.push_back(std::move(p));
    }
    return out;
}

}  // namespace sealgate::smtp
