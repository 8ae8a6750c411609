// exchange/bundle.hpp — the signed update bundle: how a gateway tells a partner gateway which
// certificates and OpenPGP keys of its domain are current, which come next and which are
// retired or revoked, signed with what the partner already trusts (continuity signature).
//
// A bundle is one JSON object (docs/lifecycle.md has the format):
//   {"format": "sealgate-update-bundle/1",
//    "manifest": "<base64 of the manifest's exact bytes>",
//    "signatures": [{"type": "smime"|"pgp", "signer": "<thumbprint|fingerprint>",
//                    "signature": "<base64: CMS SignedData DER | binary OpenPGP signature>"}]}
// The manifest, itself JSON ("format": "sealgate-update/1"), is carried as base64 so that the
// signed bytes travel unchanged whatever a mail client or editor does to the outer JSON.
//
// Contract:
//   - parse() fails closed with Error::bad_input on anything it does not expect: a bundle over
//     kMaxBundleBytes, JSON that is not valid, nested, with duplicate or unknown names, base64
//     that does not decode, a missing field, a value out of range, more than kMaxEntries entries
//     or kMaxSignatures signatures, an entry whose data is not what its id says (the SHA-256 of
//     the DER, the fingerprint of the one public key), a certificate or key that names an
//     address outside the manifest's domain (judged by valid, unrevoked user IDs only), a
//     secret key.
//   - parse() does not verify signatures: verify_signature() checks one signature against one
//     anchor the caller trusts for the domain. Who is trusted is the caller's (admin/exchange.cpp).
//   - make() serialises a manifest and the signatures made over manifest_bytes().
#pragma once

#include <cstddef>
#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "crypto/certificate.hpp"

namespace sealgate::exchange {

inline constexpr std::string_view kBundleFormat = "sealgate-update-bundle/1";
inline constexpr std::string_view kManifestFormat = "sealgate-update/1";
inline constexpr std::size_t kMaxBundleBytes = 1024 * 1024;
inline constexpr std::size_t kMaxEntries = 32;
inline constexpr std::size_t kMaxSignatures = 16;

enum class EntryKind { certificate, pgp_key };
// current: in use now; next: its successor, to be used alongside; retired: no longer offered
// (the partner stops encrypting to it); revoked: retired for cause.
enum class EntryState { current, next, retired, revoked };
enum class SignatureKind { smime, pgp };

std::string_view to_string(EntryKind kind);
std::string_view to_string(EntryState state);
std::string_view to_string(SignatureKind kind);

struct Entry {
    EntryKind kind = EntryKind::certificate;
    EntryState state = EntryState::current;
    std::string id;  // SHA-256 thumbprint or v4 fingerprint, lower-case hex
    std::time_t not_before = 0;
    std::time_t not_after = 0;  // 0: never (an OpenPGP key without expiry)
    std::string data;           // certificate DER, or binary transferable public key
};

struct Manifest {
    std::string domain;
    std::uint64_t sequence = 0;
    std::time_t created = 0;
    std::vector<Entry> entries;
};

struct Signature {
    SignatureKind kind = SignatureKind::smime;
    std::string signer;  // the signing certificate's thumbprint or key's fingerprint
    std::string data;    // CMS SignedData DER, or binary OpenPGP signature
};

struct Bundle {
    std::string manifest_bytes;  // exactly what was signed
    Manifest manifest;
    std::vector<Signature> signatures;
};

// The manifest's bytes (compact JSON, fields in a fixed order).
std::string manifest_bytes(const Manifest& manifest);
// The bundle file: the manifest's bytes and the signatures over them.
std::string make(std::string_view manifest_bytes, const std::vector<Signature>& signatures);
Result<Bundle> parse(std::string_view text);

// An entry describing a certificate or key: reads it, fills id and validity, state current.
Result<Entry> certificate_entry(std::string_view der);
Result<Entry> pgp_key_entry(std::string_view public_key);

// How much earlier than the manifest's `created` an OpenPGP signature over it may claim to be
// (clocks differ a little; a signature much older than its bundle was backdated).
inline constexpr std::time_t kCreatedSlackSeconds = 5 * 60;

// One signature against one trusted anchor: a certificate (smime) or a public key (pgp), which
// must be valid at `now`: a certificate within not_before..not_after; an OpenPGP primary and
// signing (sub)key neither expired nor revoked at `now`, whatever time the signature claims. An
// OpenPGP signature made more than openpgp::kMaxFutureSeconds after `now`, or more than
// kCreatedSlackSeconds before the manifest's `created`, is refused. Error::unusable when it
// does not verify; bad_input when the kinds do not match.
Status verify_signature(const Bundle& bundle, const Signature& signature,
                        const crypto::Certificate& anchor, std::time_t now);
Status verify_signature(const Bundle& bundle, const Signature& signature,
                        std::string_view anchor_public_key, std::time_t now);

// The domain a bundle's manifest names, read without any check (for the audit record of a
// refused import); empty when it cannot be read.
std::string claimed_domain(std::string_view text);

// The domain of an address or of a user ID's address ("Name <a@b.example>"), lower-case; empty
// when it has none.
std::string address_domain(std::string_view text);

}  // namespace sealgate::exchange
