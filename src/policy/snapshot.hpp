// policy/snapshot.hpp — an immutable in-memory copy of what policy decisions need.
//
// Loaded from the Store in one go (domains, certificates, CTL, roots, CRLs, OpenPGP key records)
// so that per-recipient decisions on the mail path cost no store round trip. A running gateway
// polls Store::generation() and loads a new Snapshot when it changed; decisions in flight keep
// the snapshot they started with (shared_ptr).
//
// Contract: load() fails (never yields a partial snapshot) when any part of the store cannot be
// read or a stored certificate cannot be parsed; the caller answers 451 then, never "no policy".
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/key_strength.hpp"
#include "core/result.hpp"
#include "crypto/certificate.hpp"
#include "crypto/import.hpp"
#include "crypto/verify.hpp"
#include "policy/key_strength.hpp"
#include "store/store.hpp"

namespace sealgate::policy {

struct StoredCertificate {
    crypto::Certificate cert;
    bool has_private_key = false;
    KeyStrength strength;  // cert.key_strength(), read once at load
    bool retired = false;  // our own of an older generation (CertRecord::retired)
    KeyOrigin origin{};    // where it came from (`domain show`)
};

class Snapshot {
  public:
    static Result<std::shared_ptr<const Snapshot>> load(Store& store);

    std::uint64_t generation() const { return generation_; }

    // Domain lookup: the exact name, then "*.parent" for each parent (a wildcard
    // `*.example.com` applies below `example.com`). Names compare case-insensitively.
    const DomainRecord* find_domain(std::string_view domain) const;
    bool is_local(std::string_view domain) const;

    const StoredCertificate* find_certificate(std::string_view sha256) const;
    const std::map<std::string, StoredCertificate>& certificates() const { return certs_; }
    crypto::CtlStatus ctl_status(std::string_view sha256) const;
    const crypto::TrustContext& trust() const { return trust_; }
    const std::vector<DomainRecord>& domains() const { return domains_; }

    const PgpKeyRecord* find_pgp_key(std::string_view fingerprint) const;
    // Keys bound to exactly this domain record name, in fingerprint order.
    std::vector<const PgpKeyRecord*> pgp_keys_for(std::string_view domain_record) const;
    const std::vector<PgpKeyRecord>& pgp_keys() const { return pgp_keys_; }
    // The openpgp module's verdict on a key (revocation, expiry, encryption subkey) at load
    // time. Trust is the policy's business. Judging a key costs a librnp context (~1 ms), so it
    // is done once per snapshot; a running gateway reloads its snapshot at least every minute
    // so that a key expiring in the meantime is noticed.
    const crypto::Usability& pgp_verdict(std::string_view fingerprint) const;
    // The same for a stored certificate: CTL, validity, key usage, path and CRLs, judged once
    // at load (a path check costs a signature verification per certificate in the chain).
    // nullptr for a certificate that is not stored.
    const crypto::Usability* smime_verdict(std::string_view sha256) const;
    // The strength facts of an OpenPGP key at load; nullptr for a key that is not in the
    // snapshot or could not be read.
    const PgpKeyStrength* pgp_strength(std::string_view fingerprint) const;

    // Signing (policy::signer_for and the signer judgements), judged at load like the verdicts
    // above: crypto::signing_usability of every stored certificate, openpgp::signing_usability
    // of every key we hold a secret for or that is bound to a domain; the "unknown" verdict
    // (not usable) for anything else.
    const crypto::Usability& smime_signing_verdict(std::string_view sha256) const;
    const crypto::Usability& pgp_signing_verdict(std::string_view fingerprint) const;
    // The domains of the user ID addresses of a key we hold a secret for (lower case).
    const std::vector<std::string>& pgp_uid_domains(std::string_view fingerprint) const;

  private:
    static Result<std::shared_ptr<const Snapshot>> load_once(Store& store);
    Status load_pgp_signing();

    std::uint64_t generation_ = 0;
    std::vector<DomainRecord> domains_;
    std::map<std::string, StoredCertificate> certs_;
    std::map<std::string, CtlAction, std::less<>> ctl_;
    crypto::TrustContext trust_;
    std::vector<PgpKeyRecord> pgp_keys_;
    std::map<std::string, crypto::Usability, std::less<>> pgp_verdicts_;
    std::map<std::string, crypto::Usability, std::less<>> smime_verdicts_;
    std::map<std::string, PgpKeyStrength, std::less<>> pgp_strengths_;
    std::map<std::string, crypto::Usability, std::less<>> smime_signing_verdicts_;
    std::map<std::string, crypto::Usability, std::less<>> pgp_signing_verdicts_;
    std::map<std::string, std::vector<std::string>, std::less<>> pgp_uid_domains_;
};

// "user@Example.COM" → "example.com", "user@example.com." → "example.com", an IDN domain →
// its lower-case A-label, an address literal → itself in lower case (address/address.hpp);
// empty for anything that is not an address by the grammar.
std::string domain_of(std::string_view address);

}  // namespace sealgate::policy
