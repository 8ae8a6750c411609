#include "app/config.hpp"

#include <toml++/toml.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "address/address.hpp"
#include "core/hex.hpp"

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

// A duration: "60s", "2m", "1h" (a whole number and its unit), within [min, max].
Status read_duration(const toml::table& tbl, const std::string& file, std::string_view section,
                     std::string_view key, std::chrono::seconds min, std::chrono::seconds max,
                     std::chrono::seconds& out) {
    std::string text;
    SEALGATE_TRY(read_value(tbl, file, section, key, text));
    if (text.empty())
        return ok();
    const std::string name = "[" + std::string(section) + "] " + std::string(key);
    const auto bad = [&](const std::string& why) {
        return fail(config_error(file, name + " = \"" + text + "\": " + why));
    };
    std::size_t digits = 0;
    while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9')
        ++digits;
    const std::string unit = text.substr(digits);
    if (digits == 0 || digits > 9 || (unit != "s" && unit != "m" && unit != "h"))
        return bad("not a duration (a whole number with s, m or h: \"60s\")");
    const long long n = std::stoll(text.substr(0, digits));
    const std::chrono::seconds value(n * (unit == "h" ? 3600 : unit == "m" ? 60 : 1));
    if (value < min || value > max)
        return bad("out of range (" + std::to_string(min.count()) + " s to " +
                   std::to_string(max.count()) + " s)");
    out = value;
    return ok();
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

std::string trimmed(std::string_view s) {
    const auto b = s.find_first_not_of(" \t\r");
    if (b == std::string_view::npos)
        return {};
    const auto e = s.find_last_not_of(" \t\r");
    return std::string(s.substr(b, e - b + 1));
}

// toml++ says what it tried to read ("Error while parsing time" for an unquoted
// `listen = 127.0.0.1:10025`), not which key: name the key and its section from the line.
std::string parse_error(const std::string& file, const toml::parse_error& err) {
    const std::size_t at = err.source().begin.line;
    const std::string toml_says(err.description());
    std::ifstream in(file);
    std::string line;
    std::string section;
    for (std::size_t n = 1; std::getline(in, line); ++n) {
        const std::string t = trimmed(line);
        if (n < at) {
            if (t.starts_with("[") && t.find(']') != std::string::npos)
                section = t.substr(0, t.find(']') + 1);
            continue;
        }
        const auto eq = t.find('=');
        if (eq == std::string::npos || t.starts_with("#"))
            break;
        const std::string key = trimmed(t.substr(0, eq));
        const std::string value = trimmed(t.substr(eq + 1));
        std::string hint;
        if (!value.empty() && value.front() != '"' && value.front() != '\'' && value.front() != '[')
            hint = "; a text value needs quotes: " + key + " = \"" + value + "\"";
        return "line " + std::to_string(at) + ": cannot read the value of " +
               (section.empty() ? "" : section + " ") + key + " (" + value + ")" + hint +
               " (toml: " + toml_says + ")";
    }
    return toml_says + " (line " + std::to_string(at) + ")";
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

// A node's name goes into every log line and record unquoted: a short word, like a host name.
bool valid_node_name(std::string_view name) {
    return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '.' || c == '-' || c == '_';
    });
}

}  // namespace

std::string Config::node() const {
    if (!node_name.empty())
        return node_name;
    // HOST_NAME_MAX is 64 on Linux; a longer or unusable name falls back rather than stop mail.
    char host[256] = {};
    if (::gethostname(host, sizeof host - 1) == 0 && valid_node_name(host))
        return host;
    return "localhost";
}

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
        return fail(config_error(file, parse_error(file, parsed.error())));
    }
    const toml::table& root = parsed.table();
    SEALGATE_TRY(check_keys(root, file, "",
                            {"store", "smtp", "tls", "limits", "next_hop_tls", "admin", "notify",
                             "metrics", "log", "keys", "node", "discovery"}));

    if (const auto* s = root["store"].as_table()) {
        SEALGATE_TRY(check_keys(
            *s, file, "store",
            {"path", "url", "password_file", "master_key", "log_retention", "max_stale"}));
        SEALGATE_TRY(read_value(*s, file, "store", "path", cfg.store_path));
        SEALGATE_TRY(read_value(*s, file, "store", "url", cfg.store_url));
        SEALGATE_TRY(read_value(*s, file, "store", "password_file", cfg.store_password_file));
        SEALGATE_TRY(read_value(*s, file, "store", "master_key", cfg.master_key_path));
        SEALGATE_TRY(read_value(*s, file, "store", "log_retention", cfg.log_retention));
        SEALGATE_TRY(read_duration(*s, file, "store", "max_stale", std::chrono::seconds(5),
                                   std::chrono::hours(24), cfg.store_max_stale));
        if (s->contains("path") && s->contains("url"))
            return fail(config_error(file,
                                     "[store] has both path (SQLite) and url (PostgreSQL): "
                                     "give one"));
        if (!cfg.store_url.empty() && cfg.master_key_path.empty())
            return fail(config_error(file,
                                     "[store] url needs master_key: the master key file "
                                     "that every node of the cluster shares"));
        if (!cfg.store_password_file.empty() && cfg.store_url.empty())
            return fail(config_error(file, "[store] password_file is for a PostgreSQL url"));
    }
    if (const auto* s = root["smtp"].as_table()) {
        SEALGATE_TRY(
            check_keys(*s, file, "smtp",
                       {"listen", "next_hop", "hostname", "relay_networks", "max_message_size",
                        "max_recipients", "max_connections", "command_timeout", "data_timeout",
                        "relay_starttls", "workers", "max_connections_per_ip", "session_deadline",
                        "data_deadline", "max_junk_commands", "hopcount_limit", "inbound_next_hop",
                        "shutdown_timeout"}));
        SEALGATE_TRY(read_value(*s, file, "smtp", "listen", cfg.listen));
        SEALGATE_TRY(read_value(*s, file, "smtp", "next_hop", cfg.next_hop));
        SEALGATE_TRY(read_value(*s, file, "smtp", "hostname", cfg.hostname));
        SEALGATE_TRY(read_value(*s, file, "smtp", "relay_networks", cfg.relay_networks));
        SEALGATE_TRY(read_value(*s, file, "smtp", "max_message_size", cfg.max_message_size));
        SEALGATE_TRY(read_value(*s, file, "smtp", "max_recipients", cfg.max_recipients));
        SEALGATE_TRY(read_value(*s, file, "smtp", "max_connections", cfg.max_connections));
        SEALGATE_TRY(read_value(*s, file, "smtp", "command_timeout", cfg.command_timeout_s));
        SEALGATE_TRY(read_value(*s, file, "smtp", "data_timeout", cfg.data_timeout_s));
        SEALGATE_TRY(read_value(*s, file, "smtp", "workers", cfg.workers));
        SEALGATE_TRY(
            read_value(*s, file, "smtp", "max_connections_per_ip", cfg.max_connections_per_ip));
        SEALGATE_TRY(read_value(*s, file, "smtp", "session_deadline", cfg.session_deadline_s));
        SEALGATE_TRY(read_value(*s, file, "smtp", "data_deadline", cfg.data_deadline_s));
        SEALGATE_TRY(read_value(*s, file, "smtp", "max_junk_commands", cfg.max_junk_commands));
        SEALGATE_TRY(read_value(*s, file, "smtp", "hopcount_limit", cfg.hopcount_limit));
        SEALGATE_TRY(read_value(*s, file, "smtp", "inbound_next_hop", cfg.inbound_next_hop));
        SEALGATE_TRY(read_value(*s, file, "smtp", "shutdown_timeout", cfg.shutdown_timeout_s));
        if (cfg.hopcount_limit == 0)
            return fail(config_error(file, "[smtp] hopcount_limit: at least 1"));
        bool starttls = true;
        SEALGATE_TRY(read_value(*s, file, "smtp", "relay_starttls", starttls));
        if (!starttls)
            cfg.next_hop_tls.level = TlsLevel::none;
    }
    if (const auto* s = root["next_hop_tls"].as_table()) {
        SEALGATE_TRY(check_keys(*s, file, "next_hop_tls",
                                {"level", "ca_file", "server_name", "fingerprints"}));
        auto& t = cfg.next_hop_tls;
        std::string level = std::string(to_string(t.level));
        SEALGATE_TRY(read_value(*s, file, "next_hop_tls", "level", level));
        const auto parsed_level = parse_tls_level(level);
        if (!parsed_level)
            return fail(config_error(file, "[next_hop_tls] level: none, may, encrypt or verify"));
        // relay_starttls is the old spelling: both may stand only when they say the same.
        const bool old_spelling_none = t.level == TlsLevel::none;
        if (root["smtp"]["relay_starttls"] && s->contains("level") &&
            old_spelling_none != (*parsed_level == TlsLevel::none))
            return fail(config_error(file,
                                     "[smtp] relay_starttls contradicts [next_hop_tls] level "
                                     "(keep level only)"));
        t.level = *parsed_level;
        SEALGATE_TRY(read_value(*s, file, "next_hop_tls", "ca_file", t.ca_file));
        SEALGATE_TRY(read_value(*s, file, "next_hop_tls", "server_name", t.server_name));
        std::vector<std::string> pins;
        SEALGATE_TRY(read_value(*s, file, "next_hop_tls", "fingerprints", pins));
        for (const auto& pin : pins) {
            const auto hex = normalize_hex(pin);
            if (!hex || hex->size() != 64)
                return fail(config_error(file,
                                         "[next_hop_tls] fingerprints: not a SHA-256 "
                                         "fingerprint: " +
                                             pin));
            t.fingerprints.push_back(*hex);
        }
    }
    if (const auto* s = root["tls"].as_table()) {
        SEALGATE_TRY(check_keys(*s, file, "tls", {"certificate", "private_key"}));
        SEALGATE_TRY(read_value(*s, file, "tls", "certificate", cfg.tls.certificate));
        SEALGATE_TRY(read_value(*s, file, "tls", "private_key", cfg.tls.private_key));
    }
    if (const auto* s = root["admin"].as_table()) {
        SEALGATE_TRY(check_keys(*s, file, "admin", {"listen", "certificate", "key"}));
        SEALGATE_TRY(read_value(*s, file, "admin", "listen", cfg.admin.listen));
        SEALGATE_TRY(read_value(*s, file, "admin", "certificate", cfg.admin.certificate));
        SEALGATE_TRY(read_value(*s, file, "admin", "key", cfg.admin.key));
        if (cfg.admin.certificate.empty() != cfg.admin.key.empty())
            return fail(config_error(file, "[admin] certificate and key: give both, or neither"));
    }
    if (const auto* s = root["notify"].as_table()) {
        SEALGATE_TRY(check_keys(*s, file, "notify", {"admin"}));
        SEALGATE_TRY(read_value(*s, file, "notify", "admin", cfg.notify.admin));
        if (!cfg.notify.admin.empty()) {
            auto mailbox = address::parse_path(cfg.notify.admin, address::Charset::ascii);
            if (!mailbox || mailbox->literal)
                return fail(config_error(
                    file, "[notify] admin: not an e-mail address: " + cfg.notify.admin));
        }
    }
    if (const auto* s = root["metrics"].as_table()) {
        SEALGATE_TRY(check_keys(*s, file, "metrics", {"listen"}));
        cfg.metrics.listen_set = s->contains("listen");
        SEALGATE_TRY(read_value(*s, file, "metrics", "listen", cfg.metrics.listen));
    }
    if (const auto* s = root["log"].as_table()) {
        SEALGATE_TRY(check_keys(*s, file, "log", {"format"}));
        std::string format = "text";
        SEALGATE_TRY(read_value(*s, file, "log", "format", format));
        if (!parse_log_format(format, cfg.log_format))
            return fail(config_error(file, "[log] format: text or json, not " + format));
    }
    if (const auto* s = root["keys"].as_table()) {
        SEALGATE_TRY(check_keys(*s, file, "keys", {"process", "user"}));
        SEALGATE_TRY(read_value(*s, file, "keys", "process", cfg.keys.process));
        SEALGATE_TRY(read_value(*s, file, "keys", "user", cfg.keys.user));
    }
    if (const auto* s = root["discovery"].as_table()) {
        SEALGATE_TRY(check_keys(
            *s, file, "discovery",
            {"resolver", "trust_anchor", "wkd", "timeout", "wkd_ca_file", "wkd_connect_to"}));
        auto& d = cfg.discovery;
        SEALGATE_TRY(read_value(*s, file, "discovery", "resolver", d.resolver));
        SEALGATE_TRY(read_value(*s, file, "discovery", "trust_anchor", d.trust_anchor));
        SEALGATE_TRY(read_value(*s, file, "discovery", "wkd", d.wkd));
        SEALGATE_TRY(read_duration(*s, file, "discovery", "timeout", std::chrono::seconds(1),
                                   std::chrono::seconds(60), d.timeout));
        SEALGATE_TRY(read_value(*s, file, "discovery", "wkd_ca_file", d.wkd_ca_file));
        SEALGATE_TRY(read_value(*s, file, "discovery", "wkd_connect_to", d.wkd_connect_to));
    }
    if (const auto* s = root["node"].as_table()) {
        SEALGATE_TRY(check_keys(*s, file, "node", {"name"}));
        SEALGATE_TRY(read_value(*s, file, "node", "name", cfg.node_name));
        if (!cfg.node_name.empty() && !valid_node_name(cfg.node_name))
            return fail(config_error(file,
                                     "[node] name: 1 to 64 letters, digits, '.', '-' or '_', "
                                     "not \"" +
                                         cfg.node_name + "\""));
    }
    if (const auto* s = root["limits"].as_table()) {
        SEALGATE_TRY(check_keys(*s, file, "limits",
                                {"max_header_bytes", "max_buffered_bytes", "log_queue"}));
        SEALGATE_TRY(read_value(*s, file, "limits", "max_header_bytes", cfg.max_header_bytes));
        SEALGATE_TRY(read_value(*s, file, "limits", "max_buffered_bytes", cfg.max_buffered_bytes));
        SEALGATE_TRY(read_value(*s, file, "limits", "log_queue", cfg.log_queue));
        if (cfg.log_queue == 0)
            return fail(config_error(file, "[limits] log_queue: at least 1"));
    }
    return cfg;
}

}  // namespace sealgate::app
