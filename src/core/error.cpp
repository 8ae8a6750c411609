#include "core/error.hpp"

#include <string_view>

namespace sealgate {

std::string_view to_string(ErrorKind kind) {
    switch (kind) {
        case ErrorKind::bad_input:
            return "bad_input";
        case ErrorKind::usage:
            return "usage";
        case ErrorKind::not_found:
            return "not_found";
        case ErrorKind::conflict:
            return "conflict";
        case ErrorKind::needs_force:
            return "needs_force";
        case ErrorKind::ambiguous:
            return "ambiguous";
        case ErrorKind::unusable:
            return "unusable";
        case ErrorKind::temporary:
            return "temporary";
        case ErrorKind::internal:
            break;
    }
    return "internal";
}

namespace {

// An error that is no SMTP matter: the reply it would get is the default one (fail closed).
Error admin(ErrorKind kind, std::string reason) {
    Error e;
    e.reason = std::move(reason);
    e.kind = kind;
    return e;
}

ErrorKind kind_of_reply(int code, std::string_view status) {
    if (code >= 400 && code < 500)
        return ErrorKind::temporary;
    return status.starts_with("5.7.") ? ErrorKind::unusable : ErrorKind::bad_input;
}

}  // namespace

Error Error::temp(std::string reason) {
    return Error{451, "4.3.0", "Temporary local problem, try again later", std::move(reason),
                 ErrorKind::temporary};
}

Error Error::temp(std::string status, std::string public_text, std::string reason) {
    return Error{451, std::move(status), std::move(public_text), std::move(reason),
                 ErrorKind::temporary};
}

Error Error::perm(int code, std::string status, std::string public_text, std::string reason) {
    const ErrorKind kind = kind_of_reply(code, status);
    return Error{code, std::move(status), std::move(public_text), std::move(reason), kind};
}

Error Error::bad_input(std::string reason) {
    return Error{554, "5.6.0", "Message content cannot be processed", std::move(reason),
                 ErrorKind::bad_input};
}

Error Error::usage(std::string reason) {
    return Error{500, "5.5.2", "Usage error", std::move(reason), ErrorKind::usage};
}

Error Error::not_found(std::string reason) {
    return admin(ErrorKind::not_found, std::move(reason));
}

Error Error::conflict(std::string reason) {
    return admin(ErrorKind::conflict, std::move(reason));
}

Error Error::needs_force(std::string reason) {
    return admin(ErrorKind::needs_force, std::move(reason));
}

Error Error::ambiguous(std::string reason) {
    return admin(ErrorKind::ambiguous, std::move(reason));
}

Error Error::unusable(std::string reason) {
    return admin(ErrorKind::unusable, std::move(reason));
}

Error Error::internal(std::string reason) {
    return admin(ErrorKind::internal, std::move(reason));
}

Error&& Error::with_context(std::string_view context) && {
    reason = std::string(context) + ": " + reason;
    return std::move(*this);
}

std::string Error::reply() const {
    return std::to_string(code) + " " + status + " " + public_text;
}

}  // namespace sealgate
