// admin/lifecycle_own.cpp — the generations of our own certificates and OpenPGP keys: renew a
// certificate (its successor beside it), retire one, export it with its key as PKCS#12; rotate,
// extend and revoke an own OpenPGP key.
//
// Every generation that still holds its private key keeps decrypting (keystore/ tries all of
// them by the RecipientInfo or the key id): renewing, rotating or retiring never loses mail in
// flight. Retired means "no longer offered to partners", nothing more. The one exception is a
// key revoked as compromised: its secret key is deleted, since whatever reaches us encrypted to
// it may have been read, or be forged, by whoever holds the copy.
#include <algorithm>

#include "admin/internal.hpp"
#include "admin/service.hpp"
#include "core/time.hpp"
#include "openpgp/lifecycle.hpp"
#include "store/lookup.hpp"

namespace sealgate::admin {

namespace {

constexpr int kMaxDays = 36500;

Status own_certificate(const CertRecord& rec) {
    if (!rec.has_private_key)
        return fail(Error::bad_input(
            rec.sha256 +
            " is a partner's certificate (no private key held): only our own certificates have "
            "generations here"));
    return ok();
}

Status own_key(const PgpKeyRecord& rec) {
    if (rec.sealed_secret.empty())
        return fail(Error::bad_input(
            rec.fingerprint +
            " is a partner's key (no secret key held): its owner rotates it, and `sealgate pgp "
            "import` takes the update"));
    return ok();
}

std::string expiry_text(std::uint32_t seconds) {
    return seconds == 0 ? std::string("never")
                        : format_time(std::time(nullptr) + static_cast<std::time_t>(seconds));
}

// The issuers of `cert` that are stored (certificates, then roots), nearest first, until a
// self-signed one or one we do not have.
Result<std::vector<crypto::Certificate>> stored_chain(Store& store,
                                                      const crypto::Certificate& cert) {
    std::vector<crypto::Certificate> pool;
    auto certs = store.list_certificates();
    SEALGATE_TRY(certs);
    for (const auto& r : *certs)
        if (auto c = crypto::Certificate::from_der(r.der))
            pool.push_back(std::move(*c));
    auto roots = store.list_roots();
    SEALGATE_TRY(roots);
    for (const auto& r : *roots)
        if (auto c = crypto::Certificate::from_der(r.der))
            pool.push_back(std::move(*c));
    std::vector<crypto::Certificate> chain;
    const crypto::Certificate* at = &cert;
    while (!at->self_signed() && chain.size() < 8) {
        const auto issuer =
            std::find_if(pool.begin(), pool.end(), [&](const crypto::Certificate& c) {
                return c.subject() == at->issuer() && c.sha256() != at->sha256();
            });
        if (issuer == pool.end())
            break;
        chain.push_back(*issuer);
        at = &chain.back();
    }
    return chain;
}

}  // namespace

std::string_view to_string(RevocationReason reason) {
    switch (reason) {
        case RevocationReason::superseded:
            return "superseded";
        case RevocationReason::compromised:
            return "compromised";
        case RevocationReason::retired:
            return "retired";
    }
    return "superseded";
}

std::optional<RevocationReason> parse_revocation_reason(std::string_view text) {
    if (text == "superseded")
        return RevocationReason::superseded;
    if (text == "compromised")
        return RevocationReason::compromised;
    if (text == "retired")
        return RevocationReason::retired;
    return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// Certificates

Result<CertificateView> Service::renew_certificate(const RenewRequest& request) {
    if (request.days > kMaxDays)
        return fail(Error::bad_input("days: 1 to " + std::to_string(kMaxDays)));
    auto rec = lookup_certificate(store_, request.thumbprint);
    SEALGATE_TRY(rec);
    SEALGATE_TRY(own_certificate(*rec));
    auto predecessor = crypto::Certificate::from_der(rec->der);
    SEALGATE_TRY(predecessor);
    int days = static_cast<int>(request.days);
    if (days == 0) {
        // As long as the predecessor was valid (our certificates start an hour early).
        const auto span = predecessor->not_after() - predecessor->not_before();
        days = static_cast<int>(std::clamp<std::time_t>(span / 86400, 1, kMaxDays));
    }
    auto successor = keys_.renew_smime(*predecessor, request.reuse_key, days);
    SEALGATE_TRY(successor);
    SEALGATE_TRY(audited("cert.renew", successor->sha256(),
                         "successor of " + rec->sha256 + ": " + successor->subject() + ", " +
                             (request.reuse_key ? "same key" : "new key") + ", " +
                             successor->key_type() + " " + std::to_string(successor->key_bits()) +
                             " bits, until " + format_time(successor->not_after())));
    return certificate(successor->sha256());
}

Result<CertificateView> Service::retire_certificate(std::string_view thumbprint, bool retired) {
    auto rec = lookup_certificate(store_, thumbprint);
    SEALGATE_TRY(rec);
    SEALGATE_TRY(own_certificate(*rec));
    if (rec->retired == retired)
        return fail(
            Error::conflict(rec->sha256 + (retired ? " is retired already" : " is not retired")));
    auto done = store_.set_certificate_retired(rec->sha256, retired);
    SEALGATE_TRY(done);
    if (!*done)
        return fail(Error::not_found("certificate " + rec->sha256 + " vanished"));
    auto cert = crypto::Certificate::from_der(rec->der);
    SEALGATE_TRY(audited(retired ? "cert.retire" : "cert.unretire", rec->sha256,
                         std::string(retired ? "in service -> retired" : "retired -> in service") +
                             (cert ? " (" + cert->subject() + ")" : std::string())));
    return certificate(rec->sha256);
}

Result<std::string> Service::export_pkcs12(std::string_view thumbprint, std::string_view password) {
    auto rec = lookup_certificate(store_, thumbprint);
    SEALGATE_TRY(rec);
    if (!rec->has_private_key)
        return fail(Error::not_found("no private key held for " + rec->sha256 +
                                     " (a partner's certificate: `cert export` writes it)"));
    auto cert = crypto::Certificate::from_der(rec->der);
    SEALGATE_TRY(cert);
    auto chain = stored_chain(store_, *cert);
    SEALGATE_TRY(chain);
    auto data = keys_.export_smime_pkcs12(*cert, *chain, password);
    SEALGATE_TRY(data);
    // A private key leaving the gateway is worth a record, though nothing changed.
    SEALGATE_TRY(audited(
        "cert.export-key", rec->sha256,
        "PKCS#12 with private key" +
            (chain->empty() ? std::string()
                            : " and " + std::to_string(chain->size()) + " issuer certificate(s)")));
    return data;
}

// ---------------------------------------------------------------------------------------------
// OpenPGP keys

Result<PgpKeyView> Service::rotate_pgp_key(std::string_view fingerprint, RotateKind kind,
                                           std::uint32_t expires_seconds) {
    auto rec = lookup_pgp_key(store_, fingerprint);
    SEALGATE_TRY(rec);
    SEALGATE_TRY(own_key(*rec));

    // The secret key is changed where it is held (keystore::Keys::change_pgp_secret): in the
    // running gateway, the key process; only the public key and the sealed result come back.
    using Change = keystore::PgpSecretChange;
    if (kind == RotateKind::subkey) {
        auto info = openpgp::key_info(rec->public_key);
        SEALGATE_TRY(info);
        if (info->primary.revoked)
            return fail(Error::bad_input(rec->fingerprint +
                                         " is revoked: rotate to a new key (--new-key)"));
        auto made = keys_.change_pgp_secret(rec->fingerprint, rec->sealed_secret,
                                            Change{Change::Kind::add_subkey, expires_seconds});
        SEALGATE_TRY(made);
        rec->public_key = std::move(made->public_key);
        rec->sealed_secret = std::move(made->sealed_secret);
        SEALGATE_TRY(store_.put_pgp_key(*rec));
        SEALGATE_TRY(audited("pgp.rotate", rec->fingerprint,
                             "new encryption subkey " + made->encryption_key + ", expires " +
                                 expiry_text(expires_seconds)));
        return pgp_key(rec->fingerprint);
    }

    auto made = keys_.change_pgp_secret(rec->fingerprint, rec->sealed_secret,
                                        Change{Change::Kind::successor, expires_seconds});
    SEALGATE_TRY(made);
    PgpKeyRecord successor;
    successor.fingerprint = made->fingerprint;
    successor.public_key = std::move(made->public_key);
    successor.sealed_secret = std::move(made->sealed_secret);
    successor.trusted = true;  // our own key
    successor.domains = rec->domains;
    successor.added = std::time(nullptr);
    SEALGATE_TRY(store_.put_pgp_key(successor));
    SEALGATE_TRY(audited("pgp.rotate", successor.fingerprint,
                         "successor of " + rec->fingerprint + ", expires " +
                             expiry_text(expires_seconds) + "; domains " +
                             detail::list_or_none(successor.domains)));
    if (!rec->retired) {
        rec->retired = true;
        SEALGATE_TRY(store_.put_pgp_key(*rec));
        SEALGATE_TRY(audited(
            "pgp.retire", rec->fingerprint,
            "in service -> retired (superseded by " + successor.fingerprint + "; still decrypts)"));
    }
    return pgp_key(successor.fingerprint);
}

Result<PgpKeyView> Service::extend_pgp_key(std::string_view fingerprint,
                                           std::uint32_t expires_seconds) {
    auto rec = lookup_pgp_key(store_, fingerprint);
    SEALGATE_TRY(rec);
    SEALGATE_TRY(own_key(*rec));
    auto before = openpgp::key_info(rec->public_key);
    SEALGATE_TRY(before);
    using Change = keystore::PgpSecretChange;
    auto made = keys_.change_pgp_secret(rec->fingerprint, rec->sealed_secret,
                                        Change{Change::Kind::set_expiry, expires_seconds});
    SEALGATE_TRY(made);
    rec->public_key = std::move(made->public_key);
    rec->sealed_secret = std::move(made->sealed_secret);
    SEALGATE_TRY(store_.put_pgp_key(*rec));
    const auto was = before->primary.expires;
    SEALGATE_TRY(audited("pgp.extend", rec->fingerprint,
                         "expires " + (was == 0 ? std::string("never") : format_time(was)) +
                             " -> " + expiry_text(expires_seconds)));
    return pgp_key(rec->fingerprint);
}

Result<PgpKeyView> Service::revoke_pgp_key(std::string_view fingerprint, RevocationReason reason) {
    auto rec = lookup_pgp_key(store_, fingerprint);
    SEALGATE_TRY(rec);
    SEALGATE_TRY(own_key(*rec));
    const auto code = reason == RevocationReason::superseded ? openpgp::RevocationCode::superseded
                      : reason == RevocationReason::compromised
                          ? openpgp::RevocationCode::compromised
                          : openpgp::RevocationCode::retired;
    using Change = keystore::PgpSecretChange;
    auto made = keys_.change_pgp_secret(rec->fingerprint, rec->sealed_secret,
                                        Change{Change::Kind::revoke, 0, code});
    SEALGATE_TRY(made);
    rec->public_key = std::move(made->public_key);
    std::string change = "revoked (" + std::string(to_string(reason)) + ")";
    if (reason == RevocationReason::compromised) {
        rec->sealed_secret.clear();
        change += "; secret key deleted (no longer decrypts)";
    } else {
        rec->sealed_secret = std::move(made->sealed_secret);
        change += "; still decrypts";
    }
    SEALGATE_TRY(store_.put_pgp_key(*rec));
    SEALGATE_TRY(audited("pgp.revoke", rec->fingerprint, std::move(change)));
    return pgp_key(rec->fingerprint);
}

}  // namespace sealgate::admin
