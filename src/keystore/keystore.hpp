// keystore/keystore.hpp — the only module that holds private keys: keystore::Keys (keys.hpp)
// with the keys in this process.
//
// Private keys reach the store sealed with the master key (master_key.hpp) and are unsealed here
// only. Callers get operations, not keys: "decrypt this envelope with whichever of our keys it is
// addressed to". Keeping the interface this narrow lets a separate key process (OpenSMTPD's ca.c
// model) replace it later without changing callers.
//
// Contract:
//   - add_*() seal the key and write it to the store; the key never touches disk in clear.
//   - smime_decrypt() and pgp_decrypt() return nullopt when the envelope is addressed to none of
//   the certificates
//     whose private key we hold (the caller passes such mail on unchanged, with a note), a value
//     on success, and an error when decryption was attempted and failed (wrong key material,
//     corrupt data) or a key could not be unsealed.
//   - Keys are unsealed once and cached; refresh() drops the cache when the store generation
//     changed. Not thread-safe: one KeyStore per worker thread, or external locking.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "crypto/certificate.hpp"
#include "crypto/private_key.hpp"
#include "crypto/smime.hpp"
#include "keystore/keys.hpp"
#include "keystore/master_key.hpp"
#include "openpgp/message.hpp"
#include "store/store.hpp"

namespace sealgate::keystore {

class KeyStore final : public Keys {
  public:
    KeyStore(Store& store, MasterKey master);

    // Store a certificate's private key, sealed; marks the certificate as having a key.
    Status add_smime_key(const crypto::Certificate& cert, const crypto::PrivateKey& key) override;
    // The successor of our self-signed certificate `predecessor` (crypto/keygen.hpp:
    // renew_domain_certificate), with a new key or, with reuse_key, the predecessor's; stored
    // with its sealed key like add_smime_key. not_found when we hold no key for the predecessor.
    Result<crypto::Certificate> renew_smime(const crypto::Certificate& predecessor, bool reuse_key,
                                            int days) override;
    // Our certificate with its key and `chain` as PKCS#12 under `password` (crypto/pkcs12.hpp).
    Result<std::string> export_smime_pkcs12(const crypto::Certificate& cert,
                                            const std::vector<crypto::Certificate>& chain,
                                            std::string_view password) override;

    // Seal an OpenPGP secret key for the store record of `fingerprint`.
    Result<std::string> seal_pgp_secret(std::string_view fingerprint,
                                        std::string_view secret) override;
    // Unseal it again (for `pgp export --secret` and for loading the decryptor).
    Result<std::string> unseal_pgp_secret(std::string_view fingerprint,
                                          std::string_view sealed) override;
    Result<PgpSecretChanged> change_pgp_secret(std::string_view fingerprint,
                                               std::string_view sealed,
                                               const PgpSecretChange& change) override;

    // Seal any other secret of the gateway's own under a name (the admin listener's TLS key:
    // "admin-tls-key"), for Store::put_setting; the name is the sealing context, so a sealed
    // value copied to another name does not unseal.
    Result<std::string> seal_secret(std::string_view name, std::string_view secret) override;
    Result<std::string> unseal_secret(std::string_view name, std::string_view sealed) override;

    // Takes the envelope: the last key it tries decrypts in place (Envelope::decrypt_in_place).
    Result<std::optional<SmimeDecrypted>> smime_decrypt(crypto::Envelope envelope);
    // The same from the BER of the ContentInfo (parsed in place).
    Result<std::optional<SmimeDecrypted>> smime_decrypt(std::string ber) override;
    // The same for an OpenPGP message (armored or binary) and our OpenPGP secret keys.
    Result<std::optional<openpgp::Decrypted>> pgp_decrypt(std::string_view message);

    // Signatures with our keys, for the signed update bundle (exchange/): a detached CMS
    // SignedData (DER) with the private key of our certificate `cert_sha256`, and a binary
    // detached OpenPGP signature with our key `fingerprint`. The key is unsealed for the one
    // call and not cached. not_found: no private key held for it.
    Result<std::string> smime_sign(std::string_view cert_sha256, std::string_view data) override;
    Result<std::string> pgp_sign(std::string_view fingerprint, std::string_view data) override;

    // Mail signatures (docs/signing.md) with the keys held for decryption (unsealed once,
    // cached): the detached CMS SignedData (DER) of a multipart/signed over `entity` with our
    // certificate `cert_sha256` (crypto::cms_sign_entity; `chain` goes into the signature), and
    // the armored detached OpenPGP signature with our key `fingerprint`. not_found: no private
    // key held for it.
    Result<std::string> smime_sign_entity(std::string_view cert_sha256, std::string_view entity,
                                          const std::vector<crypto::Certificate>& chain,
                                          crypto::CmsProfile profile) override;
    Result<std::string> pgp_sign_entity(std::string_view fingerprint,
                                        std::string_view entity) override;
    // pgp_decrypt() that also judges signatures inside the message (RFC 3156 §6.2) with these
    // public keys (openpgp::Decrypted::signatures).
    Result<std::optional<openpgp::Decrypted>> pgp_decrypt(
        std::string_view message, std::span<const std::string> verify_keys) override;

    // Drop cached keys if the store changed since they were loaded.
    Status refresh() override;

  private:
    struct HeldKey {
        crypto::Certificate cert;
        crypto::PrivateKey key;
    };
    Status load();
    // The unsealed key of our certificate `sha256`; not_found when none is held.
    Result<crypto::PrivateKey> smime_key(const std::string& sha256) const;

    Store& store_;
    MasterKey master_;
    std::optional<std::uint64_t> loaded_generation_;
    std::vector<HeldKey> smime_keys_;
    std::optional<openpgp::Decryptor> pgp_;
};

}  // namespace sealgate::keystore
