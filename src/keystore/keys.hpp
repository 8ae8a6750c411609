// keystore/keys.hpp — what a caller may ask of the gateway's private keys: the interface.
//
// Two implementations: KeyStore (keystore.hpp) holds the keys in this process (the CLI, the
// offline filters, tests, and `[keys] process = false` for development); keyproc::Client
// (keyproc/client.hpp) asks the key process of `sealgate serve`, which alone reads the master key
// and unseals private keys (docs/keys-process.md). pipeline/, admin/, web/ and app/ take a Keys.
//
// Every operation is a whole operation on what the keys' holder has: "decrypt this CMS
// envelope", "decrypt this OpenPGP message (judging its signatures with these public keys)",
// "sign this entity with key X", "add an encryption subkey to OpenPGP key X". The private key
// never crosses the interface, except for the two exports that are the key itself
// (export_smime_pkcs12, unseal_pgp_secret): KeyStore answers them for the CLI on the gateway
// host; the key process refuses them (Error::unusable), whoever asks.
//
// Contract, for both implementations:
//   - smime_decrypt() and pgp_decrypt(): nullopt when the message is addressed to none of our
//     keys (the caller passes it on unchanged, with a note), the plaintext on success, an error
//     when decryption was attempted and failed (wrong key material, corrupt data), a key could
//     not be unsealed, or — the key process — the keys' holder cannot be reached: then
//     Error::temp (451 4.7.0), so the message is deferred, never passed in clear.
//   - not_found: no private key held for the certificate or key named.
//   - Not thread-safe: one Keys per thread (Context::open_keystore), or external locking.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "crypto/certificate.hpp"
#include "crypto/private_key.hpp"
#include "crypto/smime.hpp"
#include "openpgp/lifecycle.hpp"
#include "openpgp/message.hpp"

namespace sealgate::keystore {

struct SmimeDecrypted {
    std::string entity;       // the decrypted MIME entity, bytes as they were encrypted
    std::string cert_sha256;  // our certificate that it was addressed to
    std::string algorithm;    // content encryption algorithm
};

// An administrator's change to one of our OpenPGP secret keys (openpgp/lifecycle.hpp), made
// where the keys are held: unsealed, changed and sealed again there.
struct PgpSecretChange {
    enum class Kind { add_subkey, successor, set_expiry, revoke };
    Kind kind = Kind::add_subkey;
    std::uint32_t expires_seconds = 0;  // add_subkey, successor, set_expiry; 0: never
    openpgp::RevocationCode code = openpgp::RevocationCode::retired;  // revoke
};

struct PgpSecretChanged {
    std::string fingerprint;     // the key changed, or the new one (successor)
    std::string public_key;      // its binary transferable public key
    std::string sealed_secret;   // its secret key, sealed for `fingerprint`
    std::string encryption_key;  // add_subkey: the new subkey's fingerprint
};

class Keys {
  public:
    virtual ~Keys() = default;

    // --- the mail path ---
    // The BER/DER of a CMS ContentInfo (EnvelopedData or AuthEnvelopedData), decrypted with
    // whichever of our keys it is addressed to. A structure that does not parse: bad_input.
    virtual Result<std::optional<SmimeDecrypted>> smime_decrypt(std::string ber) = 0;
    // An OpenPGP message (armored or binary) with our secret keys; the signatures inside judged
    // with `verify_keys` (transferable public keys; openpgp::Decrypted::signatures).
    virtual Result<std::optional<openpgp::Decrypted>> pgp_decrypt(
        std::string_view message, std::span<const std::string> verify_keys) = 0;
    // Mail signatures (docs/signing.md): the detached CMS SignedData (DER) over `entity` with our
    // certificate `cert_sha256` (`chain` goes into the signature), and the armored detached
    // OpenPGP signature with our key `fingerprint`.
    virtual Result<std::string> smime_sign_entity(std::string_view cert_sha256,
                                                  std::string_view entity,
                                                  const std::vector<crypto::Certificate>& chain,
                                                  crypto::CmsProfile profile) = 0;
    virtual Result<std::string> pgp_sign_entity(std::string_view fingerprint,
                                                std::string_view entity) = 0;
    // Drop cached keys if the store changed since they were loaded.
    virtual Status refresh() = 0;

    // --- the administrator's actions (admin::Service, the admin listener) ---
    // Store a certificate's private key, sealed; marks the certificate as having a key.
    virtual Status add_smime_key(const crypto::Certificate& cert,
                                 const crypto::PrivateKey& key) = 0;
    // The successor of our self-signed certificate (crypto/keygen.hpp), stored with its key.
    virtual Result<crypto::Certificate> renew_smime(const crypto::Certificate& predecessor,
                                                    bool reuse_key, int days) = 0;
    // Our certificate with its key and `chain` as PKCS#12 under `password`.
    virtual Result<std::string> export_smime_pkcs12(const crypto::Certificate& cert,
                                                    const std::vector<crypto::Certificate>& chain,
                                                    std::string_view password) = 0;
    // Seal / unseal an OpenPGP secret key for the store record of `fingerprint`.
    virtual Result<std::string> seal_pgp_secret(std::string_view fingerprint,
                                                std::string_view secret) = 0;
    virtual Result<std::string> unseal_pgp_secret(std::string_view fingerprint,
                                                  std::string_view sealed) = 0;
    // The secret key sealed as `sealed` for `fingerprint`, changed; the key itself stays here.
    virtual Result<PgpSecretChanged> change_pgp_secret(std::string_view fingerprint,
                                                       std::string_view sealed,
                                                       const PgpSecretChange& change) = 0;
    // Any other secret of the gateway's own under a name ("admin-tls-key"); the name is the
    // sealing context.
    virtual Result<std::string> seal_secret(std::string_view name, std::string_view secret) = 0;
    virtual Result<std::string> unseal_secret(std::string_view name, std::string_view sealed) = 0;
    // The signed update bundle's signatures (exchange/): detached CMS SignedData (DER) and a
    // binary detached OpenPGP signature; the key is unsealed for the one call.
    virtual Result<std::string> smime_sign(std::string_view cert_sha256, std::string_view data) = 0;
    virtual Result<std::string> pgp_sign(std::string_view fingerprint, std::string_view data) = 0;
};

}  // namespace sealgate::keystore
