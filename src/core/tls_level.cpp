#include "core/tls_level.hpp"

namespace sealgate {

std::string_view to_string(TlsLevel level) {
    switch (level) {
        case TlsLevel::none:
            return "none";
        case TlsLevel::may:
            return "may";
        case TlsLevel::encrypt:
            return "encrypt";
        case TlsLevel::verify:
            return "verify";
    }
    return "none";
}

std::optional<TlsLevel> parse_tls_level(std::string_view text) {
    for (const auto level : {TlsLevel::none, TlsLevel::may, TlsLevel::encrypt, TlsLevel::verify})
        if (text == to_string(level))
            return level;
    return std::nullopt;
}

}  // namespace sealgate
