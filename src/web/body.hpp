// web/body.hpp — the JSON body of an API request, read strictly.
//
// A body must be a JSON object (Content-Type application/json, else 415) of at most the fields
// the endpoint names: malformed JSON, nesting deeper than 8, an unknown field (named in the
// message), a missing required field and a value of the wrong type are 400 `bad_input`. A
// field given as null counts as not given. Nothing is looked up or changed before the whole
// body has been read, so a bad body changes nothing.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "web/reply.hpp"

namespace sealgate::web {

class Fields {
  public:
    static Answer<Fields> parse(std::string_view content_type, std::string_view body,
                                std::initializer_list<std::string_view> allowed);

    bool has(std::string_view name) const;
    Answer<std::string> string(std::string_view name) const;  // required
    Answer<std::optional<std::string>> optional_string(std::string_view name) const;
    Answer<std::optional<bool>> optional_bool(std::string_view name) const;
    Answer<std::optional<std::int64_t>> optional_int(std::string_view name, std::int64_t min,
                                                     std::int64_t max) const;
    Answer<std::optional<std::vector<std::string>>> optional_strings(std::string_view name) const;

  private:
    explicit Fields(nlohmann::json object) : object_(std::move(object)) {}
    const nlohmann::json* find(std::string_view name) const;
    nlohmann::json object_;
};

// The media type of a Content-Type value: "application/json; charset=utf-8" → "application/json",
// lower-case, without parameters.
std::string media_type(std::string_view content_type);

}  // namespace sealgate::web
