#include "core/log_fields.hpp"

namespace sealgate {

namespace {

constexpr char kHex[] = "0123456789abcdef";

bool bare(std::string_view value) {
    if (value.empty())
        return false;
    for (const char c : value) {
        const auto b = static_cast<unsigned char>(c);
        if (b <= 0x20 || b >= 0x7f || c == '"' || c == '\\' || c == '=')
            return false;
    }
    return true;
}

// Length of the valid UTF-8 sequence at s[i] (RFC 3629: no overlongs, no surrogates, at most
// U+10FFFF), or 0.
std::size_t utf8_sequence(std::string_view s, std::size_t i) {
    const auto at = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char b = at(i);
    std::size_t len = 0;
    unsigned char lo = 0x80, hi = 0xbf;  // the allowed range of the second byte
    if (b >= 0xc2 && b <= 0xdf) {
        len = 2;
    } else if (b >= 0xe0 && b <= 0xef) {
        len = 3;
        if (b == 0xe0)
            lo = 0xa0;
        if (b == 0xed)
            hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
        len = 4;
        if (b == 0xf0)
            lo = 0x90;
        if (b == 0xf4)
            hi = 0x8f;
    } else {
        return 0;
    }
    if (i + len > s.size())
        return 0;
    if (at(i + 1) < lo || at(i + 1) > hi)
        return 0;
    for (std::size_t k = 2; k < len; ++k)
        if (at(i + k) < 0x80 || at(i + k) > 0xbf)
            return 0;
    return len;
}

}  // namespace

bool parse_log_format(std::string_view name, LogFormat& out) {
    if (name == "text")
        out = LogFormat::text;
    else if (name == "json")
        out = LogFormat::json;
    else
        return false;
    return true;
}

std::string kv_value(std::string_view value) {
    if (bare(value))
        return std::string(value);
    std::string out = "\"";
    for (const char c : value) {
        const auto b = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (c == '\r') {
            out += "\\r";
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\t') {
            out += "\\t";
        } else if (b < 0x20 || b >= 0x7f) {
            out += "\\x";
            out += kHex[b >> 4];
            out += kHex[b & 0xf];
        } else {
            out += c;
        }
    }
    out += '"';
    return out;
}

std::string json_string(std::string_view value) {
    std::string out = "\"";
    for (std::size_t i = 0; i < value.size();) {
        const char c = value[i];
        const auto b = static_cast<unsigned char>(c);
        if (b >= 0x80) {
            const std::size_t len = utf8_sequence(value, i);
            if (len == 0) {
                out += "\\ufffd";
                ++i;
            } else {
                out.append(value.substr(i, len));
                i += len;
            }
            continue;
        }
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\r') {
            out += "\\r";
        } else if (c == '\t') {
            out += "\\t";
        } else if (b < 0x20 || b == 0x7f) {
            out += "\\u00";
            out += kHex[b >> 4];
            out += kHex[b & 0xf];
        } else {
            out += c;
        }
        ++i;
    }
    out += '"';
    return out;
}

LogFields& LogFields::add(std::string_view key, std::string_view value) {
    fields_.push_back({std::string(key), Kind::text, std::string(value), {}});
    return *this;
}

LogFields& LogFields::add(std::string_view key, std::int64_t value) {
    fields_.push_back({std::string(key), Kind::number, std::to_string(value), {}});
    return *this;
}

LogFields& LogFields::add(std::string_view key, bool value) {
    fields_.push_back({std::string(key), Kind::boolean, value ? "true" : "false", {}});
    return *this;
}

LogFields& LogFields::add(std::string_view key, const std::vector<std::string>& items) {
    fields_.push_back({std::string(key), Kind::list, {}, items});
    return *this;
}

std::string LogFields::key_values() const {
    std::string out;
    for (const auto& f : fields_) {
        if (!out.empty())
            out += ' ';
        out += f.key;
        out += '=';
        if (f.kind == Kind::list) {
            std::string joined;
            for (std::size_t i = 0; i < f.items.size(); ++i)
                joined += (i == 0 ? "" : ",") + f.items[i];
            out += kv_value(joined);
        } else {
            out += f.kind == Kind::text ? kv_value(f.text) : f.text;
        }
    }
    return out;
}

std::string LogFields::json() const {
    std::string out = "{";
    for (const auto& f : fields_) {
        if (out.size() > 1)
            out += ',';
        out += json_string(f.key);
        out += ':';
        switch (f.kind) {
            case Kind::text:
                out += json_string(f.text);
                break;
            case Kind::number:
            case Kind::boolean:
                out += f.text;
                break;
            case Kind::list:
                out += '[';
                for (std::size_t i = 0; i < f.items.size(); ++i)
                    out += (i == 0 ? "" : ",") + json_string(f.items[i]);
                out += ']';
                break;
        }
    }
    out += '}';
    return out;
}

}  // namespace sealgate
