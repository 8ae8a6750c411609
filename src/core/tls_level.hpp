// core/tls_level.hpp — how much TLS the hop from sealgate to its next hop needs.
//
// The levels, weakest first (Postfix's smtp_tls_security_level names, RFC 7435 terms):
//   none     never STARTTLS;
//   may      STARTTLS when offered, any certificate, in clear otherwise (opportunistic);
//   encrypt  STARTTLS required, any certificate;
//   verify   STARTTLS required and the certificate verified: it chains to the configured CA
//            file (or the system CA store) and matches the next hop's name, or its SHA-256
//            fingerprint is pinned.
// A copy is relayed at the strongest level that the next hop's configuration and every one of
// its recipients' domains ask for (strongest()).
#pragma once

#include <optional>
#include <string_view>

namespace sealgate {

enum class TlsLevel { none = 0, may = 1, encrypt = 2, verify = 3 };

std::string_view to_string(TlsLevel level);
std::optional<TlsLevel> parse_tls_level(std::string_view text);
inline TlsLevel strongest(TlsLevel a, TlsLevel b) {
    return a < b ? b : a;
}
// encrypt and verify: the copy is never sent in clear.
inline bool requires_tls(TlsLevel level) {
    return level >= TlsLevel::encrypt;
}

}  // namespace sealgate
