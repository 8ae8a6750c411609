#include "app/config.hpp"

#include <toml++/toml.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace sealgate::app {

namespace {

constexpr const char* kSystemConfig = "/etc/sealgate/sealgate.toml";

Error config_error(const std::string& file, const std::string& what) {
    return Error::usage("config " + file + ": " + what);
}

template <class T>
Status read_value(const toml::table& tbl, const std::string& file, std::string_view section,
                  std::string_view key, T& out) {
    const auto* node = tbl.get(key);
    if (node == nullptr)
        return ok();
    if constexpr (std::is_same_v<T, std::string>) {
        if (const auto v = node->value<std::string>()) {
            out = *v;
            return ok();
        }
    } else if constexpr (std::is_same_v<T, bool>) {
        if (const auto v = node->value<bool>()) {
            out = *v;
            return ok();
        }
    } else if constexpr (std::is_same_v<T, std::size_t>) {
        // An integer node only: value<int64_t>() of toml++ 3.3 converts a float such as 1e300
        // with an unchecked cast (undefined behaviour; found by tests/app/fuzz_config.cpp).
        if (const auto* v = node->as_integer(); v != nullptr && v->get() >= 0) {
            out = static_cast<std::size_t>(v->get());
            return ok();
        }
    } else {
        if (const auto* arr = node->as_array()) {
            std::vector<std::string> items;
            for (const auto& item : *arr) {
                const auto s = item.value<std::string>();
                if (!s)
                    break;
                items.push_back(*s);
            }
            if (items.size() == arr->size()) {
                out = std::move(items);
                return ok();
            }
        }
    }
    return fail(config_error(file, "[" + std::string(section) + "] " + std::string(key) +
                                       ": wrong type (line " +
                                       std::to_string(node->source().begin.line) + ")"));
}

Status check_keys(const toml::table& tbl, const std::string& file, std::string_view section,
                  std::initializer_list<std::string_view> known) {
    for (const auto& [k, v] : tbl) {
        bool found = false;
        for (const auto name : known)
            found = found || k.str() == name;
        if (!found)
            return fail(config_error(file, "unknown key " + std::string(section) + "." +
                                               std::string(k.str()) + " (line " +
                                               std::to_string(v.source().begin.line) + ")"));
    }
    return ok();
}

// toml++ 3.3 (Debian 12's) reaches __builtin_unreachable(), undefined behaviour, when its
// whitespace test meets some non-ASCII characters (marzer/tomlplusplus issues 190 and 295, found
// here by tests/app/fuzz_config.cpp): U+00A1-U+0499, U+2C5E-U+3057 and U+FB26-U+FEFE, less the
// whitespace among them. Where the parser tests for whitespace depends on its state, error
// paths included (following it with a small lexer missed cases the fuzzer then found), so such
// a character anywhere in the file, comments too, is refused before the parser sees it.
bool toml_unsafe(char32_t c) {
    return (c >= 0xA1 && c <= 0x499) || (c >= 0x2C5E && c <= 0x3057 && c != 0x3000) ||
           (c >= 0xFB26 && c <= 0xFEFE);
}

// The code point of the (well-formed) two- or three-octet UTF-8 sequence at text[i], else 0.
char32_t code_point_at(std::string_view text, std::size_t i) {
    const auto at = [&](std::size_t k) { return static_cast<unsigned char>(text[k]) & 0x3Fu; };
    const auto b = static_cast<unsigned char>(text[i]);
    if (b >= 0xC2 && b <= 0xDF && i + 1 < text.size())
        return static_cast<char32_t>(((b & 0x1Fu) << 6) | at(i + 1));
    if (b >= 0xE0 && b <= 0xEF && i + 2 < text.size())
        return static_cast<char32_t>(((b & 0x0Fu) << 12) | (at(i + 1) << 6) | at(i + 2));
    return 0;
}

Status check_toml_characters(std::string_view text, const std::string& file) {
    std::size_t line = 1;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\n')
            ++line;
        if (const char32_t c = code_point_at(text, i); toml_unsafe(c)) {
            char code[16];
            std::snprintf(code, sizeof code, "U+%04X", static_cast<unsigned>(c));
            return fail(config_error(file, "character " + std::string(code) + " (line " +
                                               std::to_string(line) +
                                               ") is not supported by the TOML parser"));
        }
    }
    return ok();
}

}  // namespace

std::uint64_t Config::buffered_bytes_limit() const {
    if (max_buffered_bytes != 0)
        return max_buffered_bytes;
    const long pages = ::sysconf(_SC_PHYS_PAGES);
    const long page_size = ::sysconf(_SC_PAGE_SIZE);
    const std::uint64_t memory =
        pages > 0 && page_size > 0
            ? static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page_size)
            : std::uint64_t{4} << 30;
    return std::max<std::uint64_t>(memory / 4, 2 * std::uint64_t{max_message_size});
}

Result<Config> load_config(const std::string& path) {
    std::string file = path;
    if (file.empty()) {
        if (const char* env = std::getenv("SEALGATE_CONFIG"); env != nullptr && *env != '\0')
            file = env;
        else if (std::filesystem::exists(kSystemConfig))
            file = kSystemConfig;
        else
            return Config{};
    }
    Config cfg;
    cfg.source = file;

    std::ifstream in(file, std::ios::binary);
    if (!in)
        return fail(config_error(file, "cannot open the file"));
    const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    if (in.bad())
        return fail(config_error(file, "cannot read the file"));
    SEALGATE_TRY(check_toml_characters(text, file));
    toml::parse_result parsed = toml::parse(text, file);
    if (!parsed) {
        const auto& err = parsed.error();
        return fail(config_error(file, std::string(err.description()) + " (line " +
                                           std::to_string(err.source().begin.line) + ")"));
    }
    const toml::table& root = parsed.table();
    SEALGATE_TRY(check_keys(root, file, "", {"store", "smtp", "tls", "limits"}));

    if (const auto* s = root["store"].as_table()) {
        SEALGATE_TRY(check_keys(*s, file, "store", {"path", "master_key", "log_retention"}));
        SEALGATE_TRY(read_value(*s, file, "store", "path", cfg.store_path));
        SEALGATE_TRY(read_value(*s, file, "store", "master_key", cfg.master_key_path));
        SEALGATE_TRY(read_value(*s, file, "store", "log_retention", cfg.log_retention));
    }
    if (const auto* s = root["smtp"].as_table()) {
        SEALGATE_TRY(
            check_keys(*s, file, "smtp",
                       {"listen", "next_hop", "hostname", "relay_networks", "max_message_size",
                        "max_recipients", "max_connections", "command_timeout", "data_timeout",
                        "relay_starttls", "workers", "max_connections_per_ip", "session_deadline",
                        "data_deadline", "max_junk_commands"}));
        SEALGATE_TRY(read_value(*s, file, "smtp", "listen", cfg.listen));
        SEALGATE_TRY(read_value(*s, file, "smtp", "next_hop", cfg.next_hop));
        SEALGATE_TRY(read_value(*s, file, "smtp", "hostname", cfg.hostname));
        SEALGATE_TRY(read_value(*s, file, "smtp", "relay_networks", cfg.relay_networks));
        SEALGATE_TRY(read_value(*s, file, "smtp", "max_message_size", cfg.max_message_size));
        SEALGATE_TRY(read_value(*s, file, "smtp", "max_recipients", cfg.max_recipients));
        SEALGATE_TRY(read_value(*s, file, "smtp", "max_connections", cfg.max_connections));
        SEALGATE_TRY(read_value(*s, file, "smtp", "command_timeout", cfg.command_timeout_s));
        SEALGATE_TRY(read_value(*s, file, "smtp", "data_timeout", cfg.data_timeout_s));
        SEALGATE_TRY(read_value(*s, file, "smtp", "relay_starttls", cfg.relay_starttls));
        SEALGATE_TRY(read_value(*s, file, "smtp", "workers", cfg.workers));
        SEALGATE_TRY(
            read_value(*s, file, "smtp", "max_connections_per_ip", cfg.max_connections_per_ip));
        SEALGATE_TRY(read_value(*s, file, "smtp", "session_deadline", cfg.session_deadline_s));
        SEALGATE_TRY(read_value(*s, file, "smtp", "data_deadline", cfg.data_deadline_s));
        SEALGATE_TRY(read_value(*s, file, "smtp", "max_junk_commands", cfg.max_junk_commands));
    }
    if (const auto* s = root["tls"].as_table()) {
        SEALGATE_TRY(check_keys(*s, file, "tls", {"certificate", "private_key"}));
        SEALGATE_TRY(read_value(*s, file, "tls", "certificate", cfg.tls.certificate));
        SEALGATE_TRY(read_value(*s, file, "tls", "private_key", cfg.tls.private_key));
    }
    if (const auto* s = root["limits"].as_table()) {
        SEALGATE_TRY(check_keys(*s, file, "limits", {"max_header_bytes", "max_buffered_bytes"}));
        SEALGATE_TRY(read_value(*s, file, "limits", "max_header_bytes", cfg.max_header_bytes));
        SEALGATE_TRY(read_value(*s, file, "limits", "max_buffered_bytes", cfg.max_buffered_bytes));
    }
    return cfg;
}

}  // namespace sealgate::app
