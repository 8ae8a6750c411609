#include "core/error.hpp"

#include <string_view>

namespace sealgate {

Error Error::temp(std::string reason) {
    return Error{451, "4.3.0", "Temporary local problem, try again later", std::move(reason)};
}

Error Error::temp(std::string status, std::string public_text, std::string reason) {
    return Error{451, std::move(status), std::move(public_text), std::move(reason)};
}

Error Error::perm(int code, std::string status, std::string public_text, std::string reason) {
    return Error{code, std::move(status), std::move(public_text), std::move(reason)};
}

Error Error::bad_input(std::string reason) {
    return Error{554, "5.6.0", "Message content cannot be processed", std::move(reason)};
}

Error Error::usage(std::string reason) {
    return Error{500, "5.5.2", "Usage error", std::move(reason)};
}

Error&& Error::with_context(std::string_view context) && {
    reason = std::string(context) + ": " + reason;
    return std::move(*this);
}

std::string Error::reply() const {
    return std::to_string(code) + " " + status + " " + public_text;
}

}  // namespace sealgate
