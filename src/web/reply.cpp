#include "web/reply.hpp"

namespace sealgate::web {

Reply Reply::json(const nlohmann::json& value, int status) {
    // Invalid UTF-8 (a certificate's subject as the CA wrote it) is replaced, never thrown on.
    return Reply{status, "application/json",
                 value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)};
}

Reply Reply::text(std::string body, std::string content_type) {
    return Reply{200, std::move(content_type), std::move(body)};
}

Refusal to_refusal(const Error& error) {
    switch (error.kind) {
        case ErrorKind::bad_input:
        case ErrorKind::usage:
            return {400, "bad_input", error.reason, {}};
        case ErrorKind::not_found:
            return {404, "not_found", error.reason, {}};
        case ErrorKind::conflict:
            return {409, "conflict", error.reason, {}};
        case ErrorKind::needs_force:
            // The reason says why; how to insist is each interface's own word.
            return {409,
                    "needs_force",
                    error.reason + " (repeat with ?force=true to do it anyway)",
                    {}};
        case ErrorKind::ambiguous:
            return {409, "ambiguous", error.reason, {}};
        case ErrorKind::unusable:
            return {422, "unusable", error.reason, {}};
        case ErrorKind::temporary:
            return {503, "temporary", error.reason, {}};
        case ErrorKind::internal:
            return {500, "internal", error.reason, {}};
    }
    return {500, "internal", error.reason, {}};
}

std::string error_body(const Refusal& refusal) {
    const nlohmann::json body = {{"error", {{"code", refusal.code}, {"message", refusal.message}}}};
    return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace sealgate::web
