// core/text.hpp — small ASCII text helpers that every module needs.
//
// Protocol names, domain names, header field names and hex are compared in ASCII,
// whatever the process locale: these never call std::tolower.
#pragma once

#include <string>
#include <string_view>

namespace sealgate {

char ascii_lower(char c);
std::string ascii_lower(std::string_view s);

// "<a@b>" → "a@b": an SMTP path or an angle-addr without its brackets; other text unchanged.
std::string_view strip_angle_brackets(std::string_view s);

// Every run of white space (SP, HT, CR, LF: a folded header value, a multi-line error message)
// as one space, none at either end.
std::string collapse_space(std::string_view s);

}  // namespace sealgate
