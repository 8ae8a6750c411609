#include "web/reply.hpp"

namespace sealgate::web {

namespace {

constexpr std::string_view kForceHint = " (give --force to do it anyway)";

}  // namespace

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
        case ErrorKind::conflict: {
            // The service words a change that needs force for the command line (its one home of
            // that decision, policy/admin_rules.hpp); the API asks for ?force=true instead.
            const auto at = error.reason.find(kForceHint);
            if (at == std::string::npos)
                return {409, "conflict", error.reason, {}};
            std::string message = error.reason;
            message.replace(at, kForceHint.size(), " (repeat with ?force=true to do it anyway)");
            return {409, "needs_force", message, {}};
        }
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
