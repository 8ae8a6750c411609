// fetch/http_get.hpp — one HTTP(S) GET with bounds, for what sealgate fetches by itself (the
// CRLs named by partner certificates' distribution points, the OpenPGP Web Key Directory).
//
// Contract:
//   - Only http:// and https:// URLs; any other scheme is refused before a connection is made.
//   - Redirects are followed at most Limits::max_redirects times and only to the same scheme
//     (an http URL never becomes https or file, an https URL never drops to http).
//   - TLS peer and host name verification stay on (the system's CA store, or Limits::ca_file
//     instead). Limits::connect_to changes only where the connection goes (tests, private
//     setups), never the host name that the certificate must name.
//   - The body is refused once it would exceed Limits::max_bytes (announced or received), and the
//     whole request once it takes longer than Limits::total (connecting: Limits::connect).
//   - http_get: a reply other than 200 is a failure naming the status. http_fetch returns every
//     status with its body (the caller tells "not there", 404, from a failure).
//   - Errors: bad_input for a URL sealgate will not fetch or a body over the cap; temporary for
//     everything the network or the server may mend (unreachable, timeout, HTTP status, TLS).
//   - Blocking; safe to call from several threads (libcurl is initialised once, no signals).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace sealgate::fetch {

struct Limits {
    std::size_t max_bytes = 10 * 1024 * 1024;  // a large CA's CRL is a few MB
    std::chrono::milliseconds connect{10'000};
    std::chrono::milliseconds total{30'000};
    long max_redirects = 3;
    std::string ca_file;     // PEM trust anchors instead of the system's; empty: the system's
    std::string connect_to;  // "HOST:PORT": connect there for every URL; empty: where DNS says
};

struct Response {
    long status = 0;
    std::string body;
};

// The scheme of a URL sealgate may fetch ("http" or "https"), or empty.
std::string_view fetchable_scheme(std::string_view url);

Result<std::string> http_get(std::string_view url, const Limits& limits = {});
Result<Response> http_fetch(std::string_view url, const Limits& limits = {});

}  // namespace sealgate::fetch
