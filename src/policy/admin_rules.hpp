// policy/admin_rules.hpp — the checks that stand between an administrator's change and a
// foot-gun: one home for the CLI, a future REST API and web UI (STYLE.md rule 10).
//
// Each check looks at a proposed change against the current Snapshot and returns a Verdict: a
// list of findings, each either a warning (the change is made, the interface shows the text)
// or a finding that needs the administrator to insist (`--force` on the command line, a
// confirmation in a UI) because the change would, as far as sealgate can tell, send mail to
// the wrong party or in clear. The interfaces format the findings; they add no rules of their
// own. A check never changes anything.
//
//   check_smime_binding  choosing a certificate for a partner domain: one of our own
//                        certificates (we hold its private key: the partner could not read the
//                        mail) and a certificate whose email domains do not match the partner
//                        domain need force; a domain in mode `none` is a warning (still clear).
//   check_pgp_binding    the same for binding an OpenPGP key (its user IDs' email domains).
//                        Both warn when the key is too weak for the domain's key minimum
//                        (policy/key_strength.hpp): it will not be used.
//   check_ctl_change     trusting a certificate that is blocked on the CTL lifts the block:
//                        needs force.
//   check_domain_coverage  a partner domain that needs encryption while its subdomains match no
//                        domain record (no `*.partner.example`): a warning for `domain show`;
//                        so is a key minimum below the default (policy/key_strength.hpp).
//
// An email domain matches a domain record when it is the record's domain (without `*.`), lies
// below it, or the record lies below it (`partner.example` ↔ `mail.partner.example`).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "model/records.hpp"
#include "policy/snapshot.hpp"

namespace sealgate::policy {

struct Finding {
    enum class Kind {
        own_key_for_partner,    // our own certificate/key bound to a partner domain
        email_domain_mismatch,  // the certificate/key names other domains than the partner's
        lifts_block,            // --trust on a certificate that the CTL blocks
        still_in_clear,         // a key bound to a domain whose encrypt-mode is none
        subdomains_uncovered,   // mail to a partner's subdomain matches no domain record
        weak_key,               // the key bound is too weak for the domain: not used
        weak_keys_allowed,      // the domain's min-rsa-bits is below the default
    };
    Kind kind;
    bool needs_force = false;  // refused unless the administrator insists
    std::string text;          // why, in the administrator's words
};

struct Verdict {
    std::vector<Finding> findings;

    bool needs_force() const;
    // The texts of the findings that need force (or of the warnings), joined with "; ".
    std::string forced_text() const;
    std::vector<std::string> warnings() const;
};

// Choosing the stored certificate `sha256` for the domain record `domain`. A certificate that
// is not in the snapshot gets no finding (the caller resolved it from the store).
Verdict check_smime_binding(const Snapshot& snap, const DomainRecord& domain,
                            std::string_view sha256);

// Binding the OpenPGP key to the domain record `domain`. Fails only when the key's user IDs
// cannot be read (a damaged key blob).
Result<Verdict> check_pgp_binding(const DomainRecord& domain, const PgpKeyRecord& key);

// Setting the CTL entry of `sha256` to `action`.
Verdict check_ctl_change(const Snapshot& snap, std::string_view sha256, CtlAction action);

// What `domain show` warns about a domain record.
Verdict check_domain_coverage(const Snapshot& snap, const DomainRecord& domain);

// Does the email domain `email_domain` belong to the domain record `record_name`?
bool email_domain_matches(std::string_view email_domain, std::string_view record_name);

}  // namespace sealgate::policy
