// openpgp/key.hpp — OpenPGP domain keys: create, import, merge updates, export, describe, and
// decide whether a key may be encrypted to.
//
// Keys travel as byte blobs: a binary transferable public key (RFC 4880 §11.1, primary key with
// its user IDs, subkeys and all signatures) and, for our own keys, a binary transferable secret
// key (§11.2) without passphrase protection (keystore/ seals it at rest). Fingerprints are v4
// fingerprints as 40 lower-case hex digits; hex_groups() (core/hex.hpp) gives the reading form of
// `gpg --fingerprint`.
//
// Contract:
//   - Every function creates its own librnp context (rnp_ffi_t) and is therefore thread-safe.
//     Each call costs an ffi creation and a key import (0.4-3.5 ms): fine for the CLI and for
//     reloads, not for the per-message path (see message.hpp for the cached Encryptor/Decryptor).
//   - Input may be ASCII-armored or binary. Garbage, a truncated file or a file with no key fails
//     with Error::bad_input and a one-line reason.
//   - Validity follows the hash policy pinned in rnp_handle.hpp: SHA-1 self-signatures made on or
//     after 2024-01-19 do not count (librnp's default, made explicit). Such a key still imports,
//     but encryption_usability() reports it unusable ("invalid self-signature (...)"): it is
//     never silently accepted.
//   - Revocation and expiry are checked here, for the primary key and each subkey, because
//     librnp 0.16 itself encrypts to a key whose primary was revoked as compromised.
//   - Trust is not decided here: the store holds the administrator's trust flag.
#pragma once

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/key_strength.hpp"
#include "core/result.hpp"

namespace sealgate::openpgp {

// ed25519: Ed25519 primary (certify+sign) + X25519 (Curve25519 ECDH) encryption subkey.
// rsa3072 / rsa4096: RSA primary (certify+sign) + RSA encryption subkey of the same size.
enum class KeyAlgorithm { ed25519, rsa3072, rsa4096 };

// "ed25519" (also "cv25519", "25519"), "rsa3072", "rsa4096"; nullopt on anything else.
std::optional<KeyAlgorithm> parse_key_algorithm(std::string_view s);

// The address of a user ID: what stands between its last '<' and the '>' after it
// ("Name <a@b>"), else the whole text (a bare "a@b"). Not checked as an address.
std::string uid_address(std::string_view uid);

// "never" or "0" → 0 (no expiry); "2y", "18m" (months of 30 days), "3w", "10d", "12h" or
// a plain number of seconds. Must fit into the 32-bit OpenPGP key expiration time.
Result<std::uint32_t> parse_expiry(std::string_view s);

// Whether a key may be encrypted to at `now` (0: the current time), or, from
// signing_usability(), whether it may sign (the same fields, "signing" for "encryption").
struct Usability {
    bool usable = false;
    // Empty when usable. Otherwise one of:
    //   "revoked (<reason>)"                 primary key revoked
    //   "expired on <YYYY-MM-DD HH:MM:SS UTC>" primary key expired
    //   "not valid before <date>"            created in the future
    //   "unsupported v3 key"                 obsolete v3 key (MD5 fingerprint, 32 hex digits)
    //   "invalid self-signature (<why>)"     librnp does not accept the key's self-signatures
    //   "no valid encryption subkey"         every encryption-capable (sub)key is revoked,
    //                                        expired, invalid, or none has the encrypt flag
    //   "no valid signing subkey"            the same for the sign flag (signing_usability)
    std::string reason;
    // The kind of the refusal, for the policy's temporary or permanent answer: the primary key
    // revoked or expired, or no encryption subkey left because those that would serve expired
    // (expired; else revoked when they were revoked); anything else is other.
    enum class Problem { none, revoked, expired, other };
    Problem problem = Problem::none;
    std::string encryption_key;  // fingerprint of the (sub)key to use: the newest valid one
    // What policy/key_strength.hpp judges: the primary key (it certifies the subkey binding and
    // the user IDs: a forged binding could substitute the encryption subkey) and the encryption
    // (sub)key above. Filled in whenever they are known, also for an unusable key.
    KeyStrength primary_strength;
    KeyStrength encryption_strength;  // family none when no encryption key was chosen
};

// A key as the store keeps it.
struct KeyMaterial {
    std::string fingerprint;  // primary key, 40 lower-case hex
    std::string public_key;   // binary transferable public key
    std::string secret_key;   // binary transferable secret key, empty when not present
    Usability usability;      // judged at import (parse_keys) or creation time; the verdict
                              // changes with time: call encryption_usability() before use
};

// Create a v4 key with SHA-256 self-signatures and the preferences AES-256, AES-128 /
// SHA-256, SHA-512 / uncompressed. expiry_seconds == 0: never expires (primary and subkey share
// the expiry). The secret key is not passphrase-protected.
Result<KeyMaterial> create_key(std::string_view uid, KeyAlgorithm algorithm,
                               std::uint32_t expiry_seconds);

// Every primary key in bytes (public or secret, several per file, updates for the same key
// merged), in file order. A file holding no key (e.g. only a signature) fails.
Result<std::vector<KeyMaterial>> parse_keys(std::string_view bytes);

// Merge an update the partner sent (the same key with new signatures, a renewed expiry, new
// subkeys, or a bare revocation signature) into a public key we hold; returns the new public
// blob. Fails if the update carries no data for this key, or another key besides. A user ID
// the update adds without a valid self-signature is dropped.
Result<std::string> merge(std::string_view existing_public, std::string_view update);

enum class Encoding { binary, armored };

// Re-export a stored blob. export_public accepts a public or secret blob; export_secret needs a
// secret one. Armored output uses librnp's "-----BEGIN PGP PUBLIC/PRIVATE KEY BLOCK-----".
Result<std::string> export_public(std::string_view key, Encoding encoding);
Result<std::string> export_secret(std::string_view secret_key, Encoding encoding);

// What `pgp show` prints.
struct KeyPart {
    std::string fingerprint;  // 40 lower-case hex (32 for an obsolete v3 key)
    std::string algorithm;    // librnp's name: "RSA", "EDDSA", "ECDH", ...
    std::string curve;        // "Ed25519", "Curve25519", ...; empty for RSA
    std::uint32_t bits = 0;
    std::time_t created = 0;
    std::time_t expires = 0;  // 0: never
    bool can_certify = false;
    bool can_sign = false;
    bool can_encrypt = false;
    bool can_authenticate = false;
    bool revoked = false;
    std::string revocation_reason;  // "compromised: text", "superseded: ...", "retired: ...",
                                    // "no reason given" — empty unless revoked
    bool valid = false;             // librnp's verdict at the time of the call
    KeyStrength strength;           // family, size and curve as librnp reports them
};

struct UserIdInfo {
    std::string text;
    bool revoked = false;
    bool valid = false;
};

struct KeyInfo {
    KeyPart primary;
    std::vector<KeyPart> subkeys;
    std::vector<UserIdInfo> user_ids;
    bool has_secret = false;
};

// Describe the (first) primary key in a public or secret blob, armored or binary.
Result<KeyInfo> key_info(std::string_view key);

Result<Usability> encryption_usability(std::string_view public_key, std::time_t now = 0);

// Whether a key may sign mail at `now` (ours when we sign, a partner's when its signature is
// judged): the primary key's checks of encryption_usability (revoked, expired, not yet valid,
// v3, invalid self-signature), then a valid signing-capable (sub)key, the newest one, in
// Usability::encryption_key ("no valid signing subkey" otherwise). Strengths as there, with the
// signing key in place of the encryption key.
Result<Usability> signing_usability(std::string_view public_key, std::time_t now = 0);

}  // namespace sealgate::openpgp
