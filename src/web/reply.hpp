// web/reply.hpp — what a handler of the admin listener answers: a Reply, or a Refusal that
// becomes the API's error form {"error": {"code", "message"}} with its HTTP status.
//
// Service errors (core/error.hpp kinds) become Refusals by the table of docs/api.md:
// bad_input/usage 400, not_found 404, conflict/ambiguous 409, unusable 422, temporary 503,
// internal 500, and needs_force 409 `needs_force` with "(repeat with ?force=true to do it
// anyway)" after its reason. The listener's own refusals (401, 403, 405,
// 413, 415, 429) are made here too, so that every error of the API has one form.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <tl/expected.hpp>

#include "core/error.hpp"

namespace sealgate::web {

struct Refusal {
    int status = 500;
    std::string code;     // "bad_input", "needs_force", "csrf", ...
    std::string message;  // for the administrator
    std::vector<std::pair<std::string, std::string>> headers;  // Allow, Retry-After, ...
};

struct Reply {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;

    static Reply json(const nlohmann::json& value, int status = 200);
    static Reply text(std::string body, std::string content_type);
};

template <class T>
using Answer = tl::expected<T, Refusal>;

inline tl::unexpected<Refusal> refuse(int status, std::string code, std::string message) {
    return tl::unexpected<Refusal>(Refusal{status, std::move(code), std::move(message), {}});
}
inline tl::unexpected<Refusal> bad_input(std::string message) {
    return refuse(400, "bad_input", std::move(message));
}

Refusal to_refusal(const Error& error);
inline Refusal to_refusal(Refusal refusal) {
    return refusal;
}

// The JSON body of a refusal.
std::string error_body(const Refusal& refusal);

}  // namespace sealgate::web

// Propagate the error of a Result or an Answer as a Refusal; otherwise continue.
#define WEB_TRY(expr)                                                        \
    do {                                                                     \
        auto&& web_try_r_ = (expr);                                          \
        if (!web_try_r_)                                                     \
            return tl::unexpected<::sealgate::web::Refusal>(                 \
                ::sealgate::web::to_refusal(std::move(web_try_r_.error()))); \
    } while (0)
