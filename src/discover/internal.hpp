// discover/internal.hpp — internal: the two halves of lookup() (not for callers).
#pragma once

#include <ctime>
#include <string>
#include <vector>

#include "discover/discover.hpp"

namespace sealgate::discover::detail {

// SMIMEA and OPENPGPKEY for local@domain, both queries at once, within options.dns_timeout.
std::vector<Finding> dns_findings(const std::string& local, const std::string& domain,
                                  const Options& options, std::time_t now);

// WKD for local@domain: advanced method, then direct.
std::vector<Finding> wkd_findings(const std::string& local, const std::string& domain,
                                  const Options& options, std::time_t now);

// Lower-case hex of SHA-256 / SHA-1 of `data` (binary digest when hex is false).
std::string sha256(std::string_view data, bool hex);
std::string sha1(std::string_view data, bool hex);

}  // namespace sealgate::discover::detail
