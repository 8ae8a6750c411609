#include "web/body.hpp"

#include <algorithm>
#include <cctype>
#include <optional>
#include <set>
#include <vector>

namespace sealgate::web {

namespace {

constexpr int kMaxDepth = 8;

std::string field_name(std::string_view name) {
    return "\"" + std::string(name) + "\"";
}

tl::unexpected<Refusal> wrong_type(std::string_view name, std::string_view want) {
    return bad_input("field " + field_name(name) + " must be " + std::string(want));
}

}  // namespace

std::string media_type(std::string_view content_type) {
    std::string type(content_type.substr(0, content_type.find(';')));
    while (!type.empty() && (type.back() == ' ' || type.back() == '\t'))
        type.pop_back();
    std::transform(type.begin(), type.end(), type.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return type;
}

Answer<Fields> Fields::parse(std::string_view content_type, std::string_view body,
                             std::initializer_list<std::string_view> allowed) {
    if (media_type(content_type) != "application/json")
        return refuse(415, "unsupported_media_type",
                      "this endpoint takes a JSON body (Content-Type: application/json)");
    bool too_deep = false;
    // RFC 8259 §4 leaves duplicate names to the reader, and readers differ (last wins here,
    // first elsewhere): a body that two readers would understand differently is refused.
    std::optional<std::string> duplicate;
    std::vector<std::set<std::string>> keys;  // of each object being read
    const nlohmann::json::parser_callback_t check =
        [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
            using Event = nlohmann::json::parse_event_t;
            if (depth > kMaxDepth)
                too_deep = true;
            if (event == Event::object_start)
                keys.emplace_back();
            else if (event == Event::object_end && !keys.empty())
                keys.pop_back();
            else if (event == Event::key && !keys.empty() && !duplicate &&
                     !keys.back().insert(parsed.get<std::string>()).second)
                duplicate = parsed.get<std::string>();
            return !too_deep && !duplicate;
        };
    nlohmann::json value = nlohmann::json::parse(body.begin(), body.end(), check, false);
    if (too_deep)
        return bad_input("the JSON body is nested deeper than " + std::to_string(kMaxDepth));
    if (duplicate)
        return bad_input("field " + field_name(duplicate->substr(0, 80)) +
                         " is given more than once");
    if (value.is_discarded())
        return bad_input("the body is not valid JSON");
    if (!value.is_object())
        return bad_input("the body must be a JSON object");
    for (const auto& item : value.items()) {
        if (std::find(allowed.begin(), allowed.end(), item.key()) == allowed.end())
            return bad_input("unknown field " + field_name(item.key()));
    }
    return Fields(std::move(value));
}

const nlohmann::json* Fields::find(std::string_view name) const {
    const auto it = object_.find(std::string(name));
    if (it == object_.end() || it->is_null())
        return nullptr;
    return &*it;
}

bool Fields::has(std::string_view name) const {
    return find(name) != nullptr;
}

Answer<std::string> Fields::string(std::string_view name) const {
    auto value = optional_string(name);
    WEB_TRY(value);
    if (!*value)
        return bad_input("field " + field_name(name) + " is required");
    return std::move(**value);
}

Answer<std::optional<std::string>> Fields::optional_string(std::string_view name) const {
    const auto* v = find(name);
    if (v == nullptr)
        return std::optional<std::string>();
    if (!v->is_string())
        return wrong_type(name, "a string");
    return std::optional<std::string>(v->get<std::string>());
}

Answer<std::optional<bool>> Fields::optional_bool(std::string_view name) const {
    const auto* v = find(name);
    if (v == nullptr)
        return std::optional<bool>();
    if (!v->is_boolean())
        return wrong_type(name, "true or false");
    return std::optional<bool>(v->get<bool>());
}

Answer<std::optional<std::int64_t>> Fields::optional_int(std::string_view name, std::int64_t min,
                                                         std::int64_t max) const {
    const auto* v = find(name);
    if (v == nullptr)
        return std::optional<std::int64_t>();
    const std::string range =
        "an integer from " + std::to_string(min) + " to " + std::to_string(max);
    if (!v->is_number_integer())
        return wrong_type(name, range);
    if (v->is_number_unsigned() &&
        (max < 0 || v->get<std::uint64_t>() > static_cast<std::uint64_t>(max)))
        return wrong_type(name, range);
    const auto n = v->get<std::int64_t>();
    if (n < min || n > max)
        return wrong_type(name, range);
    return std::optional<std::int64_t>(n);
}

Answer<std::optional<std::vector<std::string>>> Fields::optional_strings(
    std::string_view name) const {
    const auto* v = find(name);
    if (v == nullptr)
        return std::optional<std::vector<std::string>>();
    if (!v->is_array())
        return wrong_type(name, "a list of strings");
    std::vector<std::string> out;
    for (const auto& item : *v) {
        if (!item.is_string())
            return wrong_type(name, "a list of strings");
        out.push_back(item.get<std::string>());
    }
    return std::optional<std::vector<std::string>>(std::move(out));
}

}  // namespace sealgate::web
