#include "app/host_port.hpp"

namespace sealgate::app {

Result<HostPort> parse_host_port(const std::string& text, std::string_view what) {
    const std::string prefix = what.empty() ? "" : std::string(what) + ": ";
    const auto colon = text.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == text.size())
        return fail(Error::usage(prefix + "expected HOST:PORT, got " + text));
    std::string host = text.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    const std::string digits = text.substr(colon + 1);
    if (digits.size() > 5 || digits.find_first_not_of("0123456789") != std::string::npos ||
        std::stoul(digits) > 65535)
        return fail(Error::usage(prefix + "bad port in " + text));
    return HostPort{std::move(host), static_cast<std::uint16_t>(std::stoul(digits))};
}

}  // namespace sealgate::app
