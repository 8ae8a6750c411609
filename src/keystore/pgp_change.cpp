// keystore/pgp_change.cpp — an administrator's change to one of our OpenPGP secret keys, made
// where the keys are held (keys.hpp: change_pgp_secret).
#include <openssl/crypto.h>

#include "keystore/keystore.hpp"
#include "openpgp/lifecycle.hpp"

namespace sealgate::keystore {

namespace {

// A secret that is wiped when it goes out of scope.
struct Wiped {
    std::string value;
    ~Wiped() { OPENSSL_cleanse(value.data(), value.size()); }
};

Result<openpgp::KeyMaterial> changed(std::string_view secret, const PgpSecretChange& change) {
    switch (change.kind) {
        case PgpSecretChange::Kind::add_subkey:
            return openpgp::add_encryption_subkey(secret, change.expires_seconds);
        case PgpSecretChange::Kind::successor:
            return openpgp::create_successor(secret, change.expires_seconds);
        case PgpSecretChange::Kind::set_expiry:
            return openpgp::set_expiry(secret, change.expires_seconds);
        case PgpSecretChange::Kind::revoke:
            return openpgp::revoke(secret, change.code, "");
    }
    return fail(Error::bad_input("unknown OpenPGP key change"));
}

}  // namespace

Result<PgpSecretChanged> KeyStore::change_pgp_secret(std::string_view fingerprint,
                                                     std::string_view sealed,
                                                     const PgpSecretChange& change) {
    auto unsealed = unseal_pgp_secret(fingerprint, sealed);
    SEALGATE_TRY(unsealed);
    const Wiped secret{std::move(*unsealed)};
    auto made = changed(secret.value, change);
    SEALGATE_TRY(made);
    const Wiped made_secret{std::move(made->secret_key)};
    // A successor is a key of its own: sealed for its fingerprint, as every record is.
    const std::string owner = change.kind == PgpSecretChange::Kind::successor
                                  ? made->fingerprint
                                  : std::string(fingerprint);
    auto resealed = seal_pgp_secret(owner, made_secret.value);
    SEALGATE_TRY(resealed);
    PgpSecretChanged out;
    out.fingerprint = owner;
    out.public_key = std::move(made->public_key);
    out.sealed_secret = std::move(*resealed);
    if (change.kind == PgpSecretChange::Kind::add_subkey)
        out.encryption_key = made->usability.encryption_key;
    return out;
}

}  // namespace sealgate::keystore
