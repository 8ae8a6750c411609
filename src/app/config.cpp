#include "app/config.hpp"

#include <toml++/toml.h>
#include <cstdlib>
#include <filesystem>
#include <fstream>

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
        if (const auto v = node->value<std::int64_t>(); v && *v >= 0) {
            out = static_cast<std::size_t>(*v);
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

}  // namespace

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

    toml::parse_result parsed = toml::parse_file(file);
    if (!parsed) {
        return fail(config_error(file, parse_error(file, parsed.error())));
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
        SEALGATE_TRY(check_keys(*s, file, "smtp",
                                {"listen", "next_hop", "hostname", "relay_networks",
                                 "max_message_size", "max_recipients", "max_connections",
                                 "command_timeout", "data_timeout", "relay_starttls", "workers"}));
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
    }
    if (const auto* s = root["tls"].as_table()) {
        SEALGATE_TRY(check_keys(*s, file, "tls", {"certificate", "private_key"}));
        SEALGATE_TRY(read_value(*s, file, "tls", "certificate", cfg.tls.certificate));
        SEALGATE_TRY(read_value(*s, file, "tls", "private_key", cfg.tls.private_key));
    }
    if (const auto* s = root["limits"].as_table()) {
        SEALGATE_TRY(check_keys(*s, file, "limits", {"max_header_bytes"}));
        SEALGATE_TRY(read_value(*s, file, "limits", "max_header_bytes", cfg.max_header_bytes));
    }
    return cfg;
}

}  // namespace sealgate::app
