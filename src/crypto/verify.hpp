// crypto/verify.hpp — is this certificate usable for encryption (or for signing) now?
//
// Usable only if inside its validity period; key usage / extended key usage allow
// email encryption (when present); not blocked on the CTL; either trusted on the CTL or chaining
// to a trusted root; not revoked by an imported CRL. A CTL block beats every other kind of trust.
// Every refusal carries a reason that the CLI shows and the log records. Key strength (minimum
// sizes, accepted curves) is the policy's judgement (policy/key_strength.hpp), not made here.
//
// Order of the checks (the first failing one is the reason): CTL block; a key that S/MIME
// encryption cannot use at all ("key not usable: <smime.hpp recipient_key_problem>": an RSA
// modulus above OpenSSL's limit, an Ed25519 or RSA-PSS key, ...); validity ("not valid
// before <date>", "expired on <date>", dates as "YYYY-MM-DD HH:MM UTC"); keyUsage (RSA needs
// keyEncipherment, EC keyAgreement); extendedKeyUsage (emailProtection or anyExtendedKeyUsage);
// then trust: on the CTL ("trusted on the CTL", still revoked by a CRL of its issuer), or
// self-signed ("self-signed and not on the certificate trust list"), or an X509_STORE path to
// one of the roots at `now`, with CRL checking of the leaf when its issuer's CRL is present
// ("chains to <root subject>", "no path to a trusted root: <openssl reason>",
// "revoked (CRL of <issuer>)", "revocation check failed: <openssl reason>").
#pragma once

#include <ctime>
#include <string>
#include <vector>

#include "crypto/certificate.hpp"
#include "crypto/import.hpp"

namespace sealgate::crypto {

enum class CtlStatus { none, trusted, blocked };

struct TrustContext {
    std::vector<Certificate> roots;          // trust anchors added by the administrator
    std::vector<Certificate> intermediates;  // other known certificates, for path building
    std::vector<Crl> crls;
    std::time_t now = 0;  // the moment to judge at; 0 means the current time
};

// The kind of a refusal, for the answer the policy gives mandatory mail (policy/policy.hpp): a
// lifecycle problem that a renewal or a fresh CRL mends (expired, revoked, revocation_unknown)
// defers it; anything else (untrusted, blocked, wrong key usage, too weak) refuses it.
enum class Problem { none, expired, revoked, revocation_unknown, other };

struct Usability {
    bool usable = false;
    std::string reason;  // why not ("expired on 2026-01-01", "blocked on the CTL", ...), or how
                         // it is trusted ("trusted on the CTL", "chains to <root subject>")
    Problem problem = Problem::none;  // not none exactly when !usable
    // Usable, but no current CRL vouches for it: it is CA-issued with CRL distribution points and
    // no CRL of its issuer is stored, or the stored one is past its nextUpdate. A domain with
    // `revocation = hard` treats it as unusable (Problem::revocation_unknown).
    bool revocation_unchecked = false;
};

Usability encryption_usability(const Certificate& cert, CtlStatus ctl, const TrustContext& trust);

// The same judgement for a certificate that signs mail (ours when we sign, a partner's when we
// verify): the order and the trust rules of encryption_usability, but keyUsage must allow
// digitalSignature or nonRepudiation (when present) and the key must be one that signs (RSA,
// RSA-PSS, EC, Ed25519); extendedKeyUsage as for encryption.
Usability signing_usability(const Certificate& cert, CtlStatus ctl, const TrustContext& trust);

}  // namespace sealgate::crypto
