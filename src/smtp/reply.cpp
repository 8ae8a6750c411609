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

std::string Reply::wire() const {
    std::string out;
    const std::string code_text = std::to_string(code);
    const std::size_t n = lines.empty() ? 1 : lines.size();
    for (std::size_t i = 0; i < n; ++i) {
        out += code_text;
        out += (i + 1 < n) ? '-' : ' ';
        if (!status.empty()) {
            out += status;
            out += ' ';
        }
        if (!lines.empty())
            out += lines[i];
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
