// core/log_fields.hpp — an event written as fields: one key=value line, or one JSON object.
//
// The per-message line of `serve` (docs/logging.md) is a stable interface for log readers, so
// its escaping is one rule, here:
//   - key=value: a value made only of printable ASCII other than space, '"', '\\' and '=' is
//     written bare; any other value (also the empty one) is written in double quotes, with '"'
//     and '\\' escaped by a backslash, CR, LF and TAB as \r, \n, \t and every other control
//     byte, DEL and every byte above 127 as \xHH. So a CR/LF or a quote in a Message-ID can
//     never end the line or start a field of its own.
//   - JSON (RFC 8259): strings escaped per the RFC; control characters as \uXXXX; valid UTF-8
//     passes, a byte that is not part of valid UTF-8 becomes U+FFFD. Lists become arrays.
// Keys are the caller's constants (lower case, digits, '_'); fields keep the order added.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sealgate {

enum class LogFormat { text, json };

// "text" or "json"; false for anything else.
bool parse_log_format(std::string_view name, LogFormat& out);

// A value for key=value: bare, or quoted and escaped (above).
std::string kv_value(std::string_view value);
// A JSON string literal, quotes included.
std::string json_string(std::string_view value);

class LogFields {
  public:
    LogFields& add(std::string_view key, std::string_view value);
    // Not the bool overload, which a string literal would otherwise pick.
    LogFields& add(std::string_view key, const char* value) {
        return add(key, std::string_view(value));
    }
    LogFields& add(std::string_view key, const std::string& value) {
        return add(key, std::string_view(value));
    }
    LogFields& add(std::string_view key, std::int64_t value);
    LogFields& add(std::string_view key, bool value);
    // key=value: the items joined by ','; JSON: an array of strings.
    LogFields& add(std::string_view key, const std::vector<std::string>& items);

    // "k1=v1 k2=v2 ..."
    std::string key_values() const;
    // {"k1":"v1",...} on one line.
    std::string json() const;

  private:
    enum class Kind { text, number, boolean, list };
    struct Field {
        std::string key;
        Kind kind;
        std::string text;  // the value, or the number's digits, "true"/"false"
        std::vector<std::string> items;
    };
    std::vector<Field> fields_;
};

}  // namespace sealgate
