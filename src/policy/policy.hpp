// policy/policy.hpp — what happens to the mail for one recipient.
//
// Direction: recipient in a local domain → inbound (decrypt); sender local and
// recipient external → outbound (the recipient domain's encryption policy); anything else is
// relayed unchanged. The offline filters force a direction.
//
// Outbound, per the recipient's domain record (exact name, else the nearest "*.parent"):
//   none          → pass, with the reason in the info header;
//   opportunistic → the first method (domain `methods` order) with a usable key encrypts,
//                   else pass with the reasons;
//   mandatory     → the same, else refuse: 550 5.7.1 with a public text, the per-certificate
//                   and per-key reasons in the internal reason.
// S/MIME encrypts to every usable certificate chosen for the domain (the rotation case: one CMS
// message with a RecipientInfo for each); OpenPGP to every trusted, usable key bound to it (one
// message to all of them), so whichever private key the partner runs decrypts it. The
// candidates skipped (an earlier method's, the unusable ones of the method used) are named with
// their reasons in the encrypting treatment's reason ("...; skipped S/MIME: certificate <16
// hex>: expired on ..."), which the mail log records. Usable includes strong enough under the
// domain's key minimum (policy/key_strength.hpp); a mandatory domain whose keys are all refused
// for their strength alone gets a public text that says so.
//
// Temporary or permanent (Treatment::temporary): a mandatory domain without a usable key is
// deferred (451 4.7.1) when there is at least one candidate and every candidate's problem is a
// lifecycle one that a renewal exchanged or a CRL fetched mends: crypto::Problem expired (unless
// the domain's on-expired is reject), revoked, revocation_unknown (a CA certificate without a
// current CRL under the domain's revocation = hard). Everything else stays a permanent 550: no
// certificate or key bound, not in the store, untrusted, blocked on the CTL, wrong key usage,
// not yet valid, too weak or unsupported — an administrator has to act, a retry does not help.
//
// Contract: decide() never fails open. A missing snapshot piece is a bug; a crypto library
// failure while evaluating a key is a temporary error, never "no usable key".
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/result.hpp"
#include "crypto/certificate.hpp"
#include "crypto/smime.hpp"
#include "model/records.hpp"
#include "openpgp/key.hpp"
#include "policy/key_strength.hpp"
#include "policy/snapshot.hpp"

namespace sealgate::policy {

// The direction is the model's (model/records.hpp): the mail log records it too.
using sealgate::Direction;
enum class Action { pass, encrypt, decrypt, refuse };

std::string_view to_string(Action a);

struct PgpRecipient {
    std::string fingerprint;  // primary key
    std::string public_key;   // transferable public key (binary)
};

// Who signs a copy (docs/signing.md): one of our certificates or OpenPGP keys.
struct Signer {
    Method method = Method::smime;
    std::string id;  // our certificate's SHA-256 thumbprint, or our OpenPGP key's fingerprint
    // S/MIME: the certificates between ours and its root that the store holds (intermediates),
    // carried in the signature so that the partner can build the path.
    std::vector<crypto::Certificate> chain;
    // The multipart/signed micalg parameter: crypto::cms_micalg of our certificate, or
    // "pgp-sha256" (openpgp::Decryptor::sign_detached hashes with SHA-256).
    std::string micalg;
};

struct Treatment {
    Direction direction = Direction::relay;
    Action action = Action::pass;
    Method method = Method::smime;                  // when action == encrypt
    std::string domain;                             // the domain record that decided, empty if none
    std::vector<crypto::Certificate> certificates;  // S/MIME recipients
    crypto::CmsProfile profile = crypto::CmsProfile::compat;
    std::vector<PgpRecipient> pgp_keys;  // OpenPGP recipients
    std::string reason;                  // why this treatment (e.g. why not encrypted, why refused)
    // action == refuse: the public text of the 550 5.7.1 (the reason above goes to the log).
    std::string refusal_text = "Encryption to this recipient is required but not possible";
    // action == refuse: a 451 4.7.1 instead (the upstream MTA retries): every certificate and
    // key that could serve has a lifecycle problem a renewal or a CRL fetch mends
    // (crypto::Problem), and the domain's on-expired does not say reject.
    bool temporary = false;
    // Outbound signing (the recipient domain's `sign`): who signs this copy; nullopt when it is
    // not signed. When the setting asks for a signature and we hold no usable certificate or
    // key for the sender's domain, the copy leaves unsigned and unsigned_reason says why (the
    // mail log records it; the partner's require-signature decides what that means).
    std::optional<Signer> signer;
    std::string unsigned_reason;
    // RFC 9788 header protection when encrypting (the recipient domain's header-protection).
    bool header_protection = false;

    // Recipients with equal keys share one copy of the message.
    std::string group_key() const;
};

enum class Mode { automatic, outbound, inbound };

// Everything about a certificate that `cert show` and the policy need, under a key minimum (the
// default, or a domain's: key_minimum(domain record)).
struct CertificateStatus {
    crypto::CtlStatus ctl = crypto::CtlStatus::none;
    crypto::Usability usability;
    // Why the key is refused for its strength (also when the usability names another reason
    // first); nullopt when it is strong enough.
    std::optional<std::string> strength_problem;
};

// The one judgement of a certificate for `cert show`, `cert list`, `domain show` and decide().
// Order: a CTL block, then the key's strength, then crypto::encryption_usability's checks (as
// the snapshot judged them at load; a certificate that expired since is expired).
// `revocation`: the domain's setting; hard makes a certificate whose revocation is unchecked
// unusable (under_revocation below).
CertificateStatus certificate_status(const Snapshot& snap, const crypto::Certificate& cert,
                                     const KeyMinimum& minimum = {},
                                     Revocation revocation = Revocation::soft);

// A verdict under a domain's revocation setting: a usable certificate that no current CRL vouches
// for (crypto::Usability::revocation_unchecked) is unusable under hard, with
// Problem::revocation_unknown; otherwise the verdict itself.
crypto::Usability under_revocation(const crypto::Usability& verdict, Revocation revocation);

// Everything about an OpenPGP key that `pgp import/show/list`, `domain show` and decide() need,
// under a key minimum.
struct PgpKeyStatus {
    // The verdict (pgp_key_usability below).
    crypto::Usability usability;
    // The key's own state, whatever its trust and strength (the openpgp module's checks:
    // revoked, expired, a valid encryption subkey); "encrypt to subkey <fingerprint>" when usable.
    crypto::Usability state;
    // Why the key is refused for its strength (also when the usability names another reason
    // first); nullopt when it is strong enough.
    std::optional<std::string> strength_problem;
};

PgpKeyStatus pgp_key_status(const Snapshot& snap, const PgpKeyRecord& key,
                            const KeyMinimum& minimum = {});
// The same for a key judged now, outside a snapshot (what `pgp import` reports on the key it
// stored): fails when the key cannot be read.
Result<PgpKeyStatus> pgp_key_status(std::string_view public_key, bool trusted,
                                    const KeyMinimum& minimum = {});

// The openpgp module's verdict on a key as the policy keeps it (Snapshot::pgp_verdict), with its
// problem classified: the primary key expired, or every encryption subkey that would serve
// expired → expired; revoked → revoked; anything else → other.
crypto::Usability pgp_key_state(const openpgp::Usability& verdict);

// Why this OpenPGP key is refused for its strength (primary key, then the encryption subkey
// that would be used), or nullopt.
std::optional<std::string> pgp_strength_problem(const Snapshot& snap, const PgpKeyRecord& key,
                                                const KeyMinimum& minimum = {});

// The domain records among `names` (those using a key) whose own key minimum (min-rsa-bits)
// accepts the key, judged by `problem` under a minimum: a key refused under the default may
// still be used for them. What `cert show` and `pgp show` add to "NOT acceptable".
std::vector<const DomainRecord*> domains_accepting(
    const Snapshot& snap, const std::vector<std::string>& names,
    const std::function<std::optional<std::string>(const KeyMinimum&)>& problem);

// Is this OpenPGP key usable for encryption now: strong enough under the minimum, trusted by the
// administrator and, by the openpgp module's checks, not revoked, not expired, with a valid
// encryption subkey (in this order; the first failing check is the reason).
crypto::Usability pgp_key_usability(const Snapshot& snap, const PgpKeyRecord& key,
                                    const KeyMinimum& minimum = {});

// decide() fills Treatment::signer from the sender's domain (the envelope sender, lower-case
// domain): the S/MIME or OpenPGP signer for the copy's method, or for a copy that passes in
// clear under `sign`, the first of the domain's methods that we can sign with.
Result<Treatment> decide(const Snapshot& snap, std::string_view sender, std::string_view recipient,
                         Mode mode);

// --- Signatures (docs/signing.md) ------------------------------------------------------------

// Our signer for mail from a local domain: the own certificates (private key held, not retired,
// crypto::signing_usability usable) chosen for that domain's record (`domain cert add`), else
// those with an e-mail address in the domain; the newest valid one (latest notBefore). OpenPGP:
// our keys (secret held, not retired, openpgp::signing_usability usable) bound to the domain
// (`pgp add-domain`), else those with a user ID address in the domain; the newest one. Fails
// with Error::not_found naming what is missing.
Result<Signer> signer_for(const Snapshot& snap, std::string_view sender_domain, Method method);

// What inbound mail from a sender domain must show (the partner domain record found by
// find_domain of the From: address's domain): its require-signature, on-bad-signature and
// keep-signature, and the certificates and keys bound to it that a signature may come from.
struct SignatureRule {
    const DomainRecord* domain = nullptr;  // null: no record, nothing required, nothing bound
    std::vector<crypto::Certificate> smime_signers;  // its chosen certificates (in the store)
    std::vector<std::string> pgp_signers;            // its bound keys' public keys
    std::vector<std::string> pgp_signer_ids;         // and their primary fingerprints
    bool require() const { return domain != nullptr && domain->require_signature; }
};
SignatureRule signature_rule(const Snapshot& snap, std::string_view sender_domain);

// Is a signer that made an intact signature acceptable for mail from the rule's domain: bound
// to it (one of its certificates / keys), trusted (the CTL or a root, as for encryption; the
// administrator's trust flag for a key), and able to sign now (crypto::signing_usability,
// openpgp::signing_usability). The reason names the first failing check ("not bound to
// partner.example", "expired on ...", "not trusted", ...).
crypto::Usability smime_signer_usability(const Snapshot& snap, const SignatureRule& rule,
                                         const crypto::Certificate& signer);
crypto::Usability pgp_signer_usability(const Snapshot& snap, const SignatureRule& rule,
                                       std::string_view fingerprint);

// The direction decide() gives a recipient in Mode::automatic, for what must name one without
// a decision: the log record of a message refused before its copies were made.
Direction direction(const Snapshot& snap, std::string_view sender, std::string_view recipient);
// The recipients grouped by that direction, in the order each direction first appears.
std::vector<std::pair<Direction, std::vector<std::string>>> by_direction(
    const Snapshot& snap, std::string_view sender, const std::vector<std::string>& recipients);

}  // namespace sealgate::policy
