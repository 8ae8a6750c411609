#include "crypto/verify.hpp"

#include <openssl/x509v3.h>

#include <algorithm>

#include "core/time.hpp"
#include "crypto/ossl.hpp"
#include "crypto/smime.hpp"

namespace sealgate::crypto {

namespace {

Usability refuse(std::string reason, Problem problem = Problem::other) {
    return Usability{false, std::move(reason), problem};
}

// The imported CRLs issued by the certificate's issuer (by name; OpenSSL checks the signature
// when it builds the path).
std::vector<const Crl*> crls_of_issuer(const Certificate& cert, const TrustContext& trust) {
    std::vector<const Crl*> out;
    const X509_NAME* issuer = X509_get_issuer_name(cert.get());
    for (const Crl& crl : trust.crls) {
        if (X509_NAME_cmp(X509_CRL_get_issuer(crl.get()), issuer) == 0)
            out.push_back(&crl);
    }
    return out;
}

// The issuer's key, when we know the issuer: it lets us check a CRL's signature.
const EVP_PKEY* issuer_key(const Certificate& cert, const TrustContext& trust) {
    for (const auto* list : {&trust.roots, &trust.intermediates}) {
        for (const Certificate& c : *list) {
            if (X509_check_issued(c.get(), cert.get()) == X509_V_OK)
                return X509_get0_pubkey(c.get());
        }
    }
    if (cert.self_signed())
        return X509_get0_pubkey(cert.get());
    return nullptr;
}

// For a certificate trusted on the CTL no path is built, yet an imported CRL of its issuer
// still revokes it. A CRL whose signature does not verify with a known issuer key is ignored;
// one from an issuer we have no certificate of is believed: it can only take trust away.
bool revoked_outside_path(const Certificate& cert, const TrustContext& trust) {
    const EVP_PKEY* key = issuer_key(cert, trust);
    for (const Crl* crl : crls_of_issuer(cert, trust)) {
        if (key != nullptr && X509_CRL_verify(crl->get(), const_cast<EVP_PKEY*>(key)) != 1) {
            continue;
        }
        X509_REVOKED* entry = nullptr;
        if (X509_CRL_get0_by_cert(crl->get(), &entry, cert.get()) == 1) {
            ossl::drain_errors();
            return true;
        }
    }
    ossl::drain_errors();
    return false;
}

bool crl_error(int err) {
    switch (err) {
        case X509_V_ERR_UNABLE_TO_GET_CRL:
        case X509_V_ERR_UNABLE_TO_DECRYPT_CRL_SIGNATURE:
        case X509_V_ERR_CRL_SIGNATURE_FAILURE:
        case X509_V_ERR_CRL_NOT_YET_VALID:
        case X509_V_ERR_CRL_HAS_EXPIRED:
        case X509_V_ERR_ERROR_IN_CRL_LAST_UPDATE_FIELD:
        case X509_V_ERR_ERROR_IN_CRL_NEXT_UPDATE_FIELD:
        case X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER:
        case X509_V_ERR_DIFFERENT_CRL_SCOPE:
            return true;
        default:
            return false;
    }
}

// Whether a current CRL vouches for the certificate's revocation state (verify.hpp:
// Usability::revocation_unchecked): not when the stored CRL of its issuer is past its nextUpdate,
// nor when none is stored although the certificate names where to fetch one.
bool revocation_unchecked(const Certificate& cert, const TrustContext& trust, std::time_t now) {
    const auto crls = crls_of_issuer(cert, trust);
    if (crls.empty())
        return !cert.crl_distribution_points().empty();
    return std::none_of(crls.begin(), crls.end(), [now](const Crl* c) { return !c->stale(now); });
}

// X509_verify_cert's callback: a CRL past its nextUpdate is still read (its entries stay
// revoked: RFC 5280 §3.3, revocation is final) instead of failing the path; the caller learns
// of it through revocation_unchecked.
extern "C" int accept_stale_crl(int ok, X509_STORE_CTX* ctx) {
    if (ok == 0 && X509_STORE_CTX_get_error(ctx) == X509_V_ERR_CRL_HAS_EXPIRED) {
        X509_STORE_CTX_set_error(ctx, X509_V_OK);
        return 1;
    }
    return ok;
}

// What the certificate is judged for: the key it must have, its keyUsage, the path's purpose.
enum class Use { encrypt, sign };

Usability check_path(const Certificate& cert, const TrustContext& trust, std::time_t now, Use use) {
    const ossl::X509StorePtr store(X509_STORE_new());
    const ossl::X509StackPtr untrusted(sk_X509_new_null());
    const ossl::CrlStackPtr crls(sk_X509_CRL_new_null());
    const ossl::X509StoreCtxPtr ctx(X509_STORE_CTX_new());
    if (!store || !untrusted || !crls || !ctx) {
        return refuse(ossl::reason("cannot check the certificate path: out of memory"));
    }
    for (const Certificate& root : trust.roots)
        X509_STORE_add_cert(store.get(), root.get());
    ossl::drain_errors();  // a root added twice is not an error for us
    for (const Certificate& c : trust.intermediates) {
        if (X509_up_ref(c.get()) == 1 && sk_X509_push(untrusted.get(), c.get()) <= 0) {
            X509_free(c.get());
        }
    }
    const auto issuer_crls = crls_of_issuer(cert, trust);
    for (const Crl& crl : trust.crls) {
        if (X509_CRL_up_ref(crl.get()) == 1 && sk_X509_CRL_push(crls.get(), crl.get()) <= 0) {
            X509_CRL_free(crl.get());
        }
    }
    if (X509_STORE_CTX_init(ctx.get(), store.get(), cert.get(), untrusted.get()) != 1) {
        return refuse(ossl::reason("cannot check the certificate path"));
    }
    X509_STORE_CTX_set0_crls(ctx.get(), crls.get());
    X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
    X509_VERIFY_PARAM_set_time(param, now);
    // OpenSSL's S/MIME-encryption purpose demands keyEncipherment even of an ECDH key (RFC 8550
    // §4.4.2 wants keyAgreement there); our own KU/EKU checks above already cover the leaf. Its
    // S/MIME-signing purpose asks of the leaf what signing_usability does.
    const EVP_PKEY* pub = X509_get0_pubkey(cert.get());
    const bool rsa = pub != nullptr && EVP_PKEY_get_base_id(pub) == EVP_PKEY_RSA;
    const int purpose = use == Use::sign ? X509_PURPOSE_SMIME_SIGN
                        : rsa            ? X509_PURPOSE_SMIME_ENCRYPT
                                         : X509_PURPOSE_ANY;
    X509_VERIFY_PARAM_set_purpose(param, purpose);
    // Check revocation of the end-entity certificate when its issuer's CRL was imported
    // (X509_V_FLAG_CRL_CHECK: leaf only; without a CRL it would fail "unable to get CRL").
    if (!issuer_crls.empty()) {
        X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_CRL_CHECK);
        X509_STORE_CTX_set_verify_cb(ctx.get(), accept_stale_crl);
    }

    const int ok = X509_verify_cert(ctx.get());
    const int err = X509_STORE_CTX_get_error(ctx.get());
    ossl::drain_errors();
    if (ok != 1) {
        if (err == X509_V_ERR_CERT_REVOKED) {
            return refuse("revoked (CRL of " + cert.issuer() + ")", Problem::revoked);
        }
        if (crl_error(err)) {
            // The path exists but the imported CRL cannot vouch for it (forged, not yet valid):
            // fail closed, and say that the CRL is the problem, not the path. (A stale one is
            // read all the same: accept_stale_crl.)
            return refuse(std::string("revocation check failed: ") +
                          X509_verify_cert_error_string(err));
        }
        return refuse(std::string("no path to a trusted root: ") +
                      X509_verify_cert_error_string(err));
    }
    STACK_OF(X509)* chain = X509_STORE_CTX_get0_chain(ctx.get());
    const int n = sk_X509_num(chain);
    const X509* root = n > 0 ? sk_X509_value(chain, n - 1) : cert.get();
    Usability out{true, "chains to " + ossl::name_line(X509_get_subject_name(root))};
    out.revocation_unchecked = revocation_unchecked(cert, trust, now);
    return out;
}

// Why a key cannot sign mail at all; empty when it can (RSA, RSA-PSS, EC, Ed25519 within
// OpenSSL's limits).
std::string signer_key_problem(const Certificate& cert) {
    const KeyStrength strength = cert.key_strength();
    if (!strength.unusable.empty())
        return strength.unusable;
    const EVP_PKEY* pub = X509_get0_pubkey(cert.get());
    const int id = pub != nullptr ? EVP_PKEY_get_base_id(pub) : EVP_PKEY_NONE;
    ossl::drain_errors();
    if (id == EVP_PKEY_RSA || id == EVP_PKEY_RSA_PSS || id == EVP_PKEY_EC || id == EVP_PKEY_ED25519)
        return {};
    return "key type not supported for S/MIME signatures: " + cert.key_type();
}

// RFC 8550 §4.4.2: when keyUsage is present it must allow the use. Encryption: keyEncipherment
// (RSA key transport) or keyAgreement (ECDH); signing: digitalSignature or nonRepudiation.
std::string key_usage_problem(const Certificate& cert, Use use) {
    const uint32_t ku = X509_get_key_usage(cert.get());
    if (use == Use::sign) {
        return (ku & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION)) == 0
                   ? "key usage does not allow signing"
                   : "";
    }
    const EVP_PKEY* pub = X509_get0_pubkey(cert.get());
    const bool rsa = pub != nullptr && EVP_PKEY_get_base_id(pub) == EVP_PKEY_RSA;
    const uint32_t needed = rsa ? KU_KEY_ENCIPHERMENT : KU_KEY_AGREEMENT;
    return (ku & needed) == 0 ? "key usage does not allow encryption" : "";
}

Usability usability(const Certificate& cert, CtlStatus ctl, const TrustContext& trust, Use use) {
    // A CTL block beats every other kind of trust.
    if (ctl == CtlStatus::blocked)
        return refuse("blocked on the certificate trust list");

    // A key the library cannot use fails every message: refuse it once, here, so that a
    // mandatory domain gets a permanent answer at RCPT instead of a temporary error per message.
    const std::string key_problem =
        use == Use::sign ? signer_key_problem(cert) : recipient_key_problem(cert);
    if (!key_problem.empty())
        return refuse("key not usable: " + key_problem);

    const std::time_t now = trust.now != 0 ? trust.now : std::time(nullptr);
    if (now < cert.not_before())
        return refuse("not valid before " + format_time(cert.not_before()));
    if (now > cert.not_after())
        return refuse("expired on " + format_time(cert.not_after()), Problem::expired);

    const uint32_t flags = X509_get_extension_flags(cert.get());
    if ((flags & EXFLAG_KUSAGE) != 0) {
        if (std::string problem = key_usage_problem(cert, use); !problem.empty())
            return refuse(std::move(problem));
    }
    // RFC 8550 §4.4.4: when extendedKeyUsage is present it must include emailProtection or
    // anyExtendedKeyUsage.
    if ((flags & EXFLAG_XKUSAGE) != 0 &&
        (X509_get_extended_key_usage(cert.get()) & (XKU_SMIME | XKU_ANYEKU)) == 0) {
        return refuse("extended key usage does not allow email protection");
    }

    if (ctl == CtlStatus::trusted) {
        if (revoked_outside_path(cert, trust))
            return refuse("revoked (CRL of " + cert.issuer() + ")", Problem::revoked);
        Usability out{true, "trusted on the CTL"};
        out.revocation_unchecked = !cert.self_signed() && revocation_unchecked(cert, trust, now);
        return out;
    }
    if (cert.self_signed())
        return refuse("self-signed and not on the certificate trust list");
    return check_path(cert, trust, now, use);
}

}  // namespace

Usability encryption_usability(const Certificate& cert, CtlStatus ctl, const TrustContext& trust) {
    return usability(cert, ctl, trust, Use::encrypt);
}

Usability signing_usability(const Certificate& cert, CtlStatus ctl, const TrustContext& trust) {
    return usability(cert, ctl, trust, Use::sign);
}

}  // namespace sealgate::crypto
