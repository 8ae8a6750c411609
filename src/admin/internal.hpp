// admin/internal.hpp — internal: what the Service's source files share (not for callers).
//
// The judgement of a change by policy/admin_rules.hpp's verdict, the texts of the audit log and
// the views that several actions return.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "admin/service.hpp"
#include "crypto/import.hpp"
#include "policy/admin_rules.hpp"
#include "policy/snapshot.hpp"

namespace sealgate::admin::detail {

// A verdict of policy/admin_rules.hpp applied to a change: refused with Error::needs_force (every
// reason; each interface adds how to insist) when a finding needs force and none was given; else
// every finding's text goes to `warnings` and those that force overrode to `overridden` too.
Status judge(const policy::Verdict& verdict, bool force, std::vector<std::string>& warnings,
             std::vector<std::string>& overridden);

// "acceptable", or "NOT acceptable: <problem under the default minimum>" and "; accepted for
// <domain> (min-rsa-bits N)" for each domain among `domains` whose own minimum accepts the key.
std::string strength_text(
    const policy::Snapshot& snap, const std::vector<std::string>& domains,
    const std::function<std::optional<std::string>(const policy::KeyMinimum&)>& problem);

// The items joined by sep, or "(none)".
std::string list_or_none(const std::vector<std::string>& items, std::string_view sep = ", ");
std::string yes_no(bool value);

// One "name: old -> new" part of an audit change text, appended to `parts` when the two differ.
void diff(std::vector<std::string>& parts, std::string_view name, const std::string& before,
          const std::string& after);
// The parts joined with "; ", or "(unchanged)".
std::string change_text(const std::vector<std::string>& parts);

// The first user ID that is not revoked (else the first, or "(no user ID)").
std::string primary_uid(const openpgp::KeyInfo& info);

// The views (certificates.cpp, pgp.cpp). `now` judges the expiry.
CertificateView certificate_view(const policy::Snapshot& snap,
                                 const policy::StoredCertificate& stored, std::time_t added,
                                 std::time_t now, bool retired);
PgpKeyView pgp_key_view(const policy::Snapshot& snap, const PgpKeyRecord& key);

// Whether a CRL's issuer is among the trusted roots and stored certificates (by subject) and
// the CRL verifies against it (crl_sources.cpp).
enum class CrlIssuer { unknown, verified, does_not_verify };
Result<CrlIssuer> crl_issuer(Store& store, const crypto::Crl& crl);

// The record of our local domain `name` (lower-cased first): not_found when there is none,
// bad_input when it is a partner's (exchange export, publish).
Result<DomainRecord> local_domain(Store& store, std::string_view name);

}  // namespace sealgate::admin::detail
