// smtp/syntax.hpp — the argument grammar of MAIL and RCPT (RFC 5321 §4.1.2, RFC 1869 §6).
//
// "FROM:<path> [SP param]*" and "TO:<path> [SP param]*": the prefix is matched case-insensitively,
// one optional space after the colon is tolerated (common client habit), the path must be in
// angle brackets; what is inside them is returned as written, for address::parse_path() (which
// checks the mailbox grammar and drops a source route). Parameters are "KEYWORD[=value]" separated by spaces; keywords are returned
// upper-cased. Returns nullopt on any syntax error; semantic checks belong to the session.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sealgate::smtp {

struct Param {
    std::string keyword;               // upper case
    std::optional<std::string> value;  // as written
};

struct PathArgument {
    std::string address;  // without brackets; empty for "<>"
    std::vector<Param> params;
};

std::optional<PathArgument> parse_path_argument(std::string_view args, std::string_view prefix);

// ASCII case-insensitive equality.
bool iequals(std::string_view a, std::string_view b);
std::string to_upper(std::string_view s);

// True when the text contains a byte >= 0x80 (RFC 6531 needs SMTPUTF8 for those).
bool has_non_ascii(std::string_view s);

}  // namespace sealgate::smtp
