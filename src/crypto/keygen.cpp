#include "crypto/keygen.hpp"

#include <openssl/bn.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include "crypto/ossl.hpp"

namespace sealgate::crypto {

namespace {

ossl::EvpPkeyPtr generate(KeyAlgorithm alg) {
    switch (alg) {
        case KeyAlgorithm::rsa2048:
            return ossl::EvpPkeyPtr(EVP_RSA_gen(2048));
        case KeyAlgorithm::rsa3072:
            return ossl::EvpPkeyPtr(EVP_RSA_gen(3072));
        case KeyAlgorithm::rsa4096:
            return ossl::EvpPkeyPtr(EVP_RSA_gen(4096));
        case KeyAlgorithm::p256:
            return ossl::EvpPkeyPtr(EVP_EC_gen("P-256"));
    }
    return nullptr;
}

// Adds one extension given in OpenSSL's configuration syntax. Only constant values pass through
// here; the caller's email goes in as a GENERAL_NAME so that no text of ours is ever parsed.
Status add_ext(X509* x, X509V3_CTX* ctx, int nid, const char* value) {
    std::unique_ptr<X509_EXTENSION, ossl::Deleter<X509_EXTENSION_free>> ext(
        X509V3_EXT_conf_nid(nullptr, ctx, nid, value));
    if (!ext || X509_add_ext(x, ext.get(), -1) != 1) {
        return fail(Error::temp(ossl::reason(std::string("cannot add ") + OBJ_nid2sn(nid))));
    }
    return ok();
}

Status add_san_emails(X509* x, const std::vector<std::string>& emails) {
    std::unique_ptr<GENERAL_NAMES, ossl::Deleter<GENERAL_NAMES_free>> names(GENERAL_NAMES_new());
    if (!names)
        return fail(Error::temp(ossl::reason("cannot build subjectAltName")));
    for (const auto& email : emails) {
        std::unique_ptr<GENERAL_NAME, ossl::Deleter<GENERAL_NAME_free>> name(GENERAL_NAME_new());
        ASN1_IA5STRING* ia5 = ASN1_IA5STRING_new();
        if (!name || ia5 == nullptr ||
            ASN1_STRING_set(ia5, email.data(), static_cast<int>(email.size())) != 1) {
            ASN1_IA5STRING_free(ia5);
            return fail(Error::temp(ossl::reason("cannot build subjectAltName")));
        }
        GENERAL_NAME_set0_value(name.get(), GEN_EMAIL, ia5);
        if (sk_GENERAL_NAME_push(names.get(), name.get()) <= 0) {
            return fail(Error::temp(ossl::reason("cannot build subjectAltName")));
        }
        name.release();  // now owned by names
    }
    if (X509_add1_ext_i2d(x, NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT) != 1) {
        return fail(Error::temp(ossl::reason("cannot add subjectAltName")));
    }
    return ok();
}

bool plausible_email(std::string_view e) {
    const auto at = e.find('@');
    if (at == 0 || at == std::string_view::npos || at + 1 >= e.size())
        return false;
    if (e.find('@', at + 1) != std::string_view::npos)
        return false;
    // rfc822Name is an IA5String (RFC 5280 §4.2.1.6): ASCII only, no spaces or controls.
    for (const char c : e) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u >= 0x7f)
            return false;
    }
    return true;
}

// The name CN=`cn`.
Result<ossl::X509NamePtr> common_name(const std::string& cn) {
    ossl::X509NamePtr name(X509_NAME_new());
    if (!name || X509_NAME_add_entry_by_NID(name.get(), NID_commonName, MBSTRING_UTF8,
                                            reinterpret_cast<const unsigned char*>(cn.c_str()), -1,
                                            -1, 0) != 1)
        return fail(Error::temp(ossl::reason("cannot build the subject name")));
    return name;
}

// A version 3 certificate for `key` with a random serial, subject = issuer = `name`, valid from
// one hour ago (a partner whose clock runs a little behind) for `days`.
Result<ossl::X509Ptr> self_signed_skeleton(EVP_PKEY* key, const X509_NAME* name, int days) {
    ossl::X509Ptr x(X509_new());
    if (!x)
        return fail(Error::temp(ossl::reason("X509_new failed")));

    // A positive serial of exactly 128 random bits (RFC 5280 §4.1.2.2 allows up to 20 octets).
    const ossl::BignumPtr bn(BN_new());
    if (!bn || BN_rand(bn.get(), 128, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY) != 1) {
        return fail(Error::temp(ossl::reason("no random serial")));
    }
    const ossl::Asn1IntegerPtr serial(BN_to_ASN1_INTEGER(bn.get(), nullptr));

    const bool built = serial && X509_set_version(x.get(), X509_VERSION_3) == 1 &&
                       X509_set_serialNumber(x.get(), serial.get()) == 1 &&
                       X509_gmtime_adj(X509_getm_notBefore(x.get()), -3600) != nullptr &&
                       X509_time_adj_ex(X509_getm_notAfter(x.get()), days, 0, nullptr) != nullptr &&
                       X509_set_subject_name(x.get(), name) == 1 &&
                       X509_set_issuer_name(x.get(), name) == 1 &&
                       X509_set_pubkey(x.get(), key) == 1;
    if (!built)
        return fail(Error::temp(ossl::reason("cannot build the certificate")));
    return x;
}

Result<std::pair<Certificate, PrivateKey>> sign(ossl::X509Ptr x, ossl::EvpPkeyPtr key) {
    if (X509_sign(x.get(), key.get(), EVP_sha256()) <= 0) {
        return fail(Error::temp(ossl::reason("cannot sign the certificate")));
    }
    return std::pair{KeyFactory::certificate(std::move(x)), KeyFactory::key(std::move(key))};
}

// subjectAltName of a TLS server: an IP address literal as iPAddress, anything else as dNSName.
Status add_san_hosts(X509* x, const std::vector<std::string>& hosts) {
    std::unique_ptr<GENERAL_NAMES, ossl::Deleter<GENERAL_NAMES_free>> names(GENERAL_NAMES_new());
    if (!names)
        return fail(Error::temp(ossl::reason("cannot build subjectAltName")));
    for (const auto& host : hosts) {
        std::unique_ptr<GENERAL_NAME, ossl::Deleter<GENERAL_NAME_free>> name(GENERAL_NAME_new());
        if (!name)
            return fail(Error::temp(ossl::reason("cannot build subjectAltName")));
        if (ASN1_OCTET_STRING* ip = a2i_IPADDRESS(host.c_str())) {
            GENERAL_NAME_set0_value(name.get(), GEN_IPADD, ip);
        } else {
            ASN1_IA5STRING* ia5 = ASN1_IA5STRING_new();
            if (ia5 == nullptr ||
                ASN1_STRING_set(ia5, host.data(), static_cast<int>(host.size())) != 1) {
                ASN1_IA5STRING_free(ia5);
                return fail(Error::temp(ossl::reason("cannot build subjectAltName")));
            }
            GENERAL_NAME_set0_value(name.get(), GEN_DNS, ia5);
        }
        if (sk_GENERAL_NAME_push(names.get(), name.get()) <= 0)
            return fail(Error::temp(ossl::reason("cannot build subjectAltName")));
        name.release();  // now owned by names
    }
    if (X509_add1_ext_i2d(x, NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT) != 1) {
        return fail(Error::temp(ossl::reason("cannot add subjectAltName")));
    }
    return ok();
}

bool plausible_host(std::string_view host) {
    if (host.empty() || host.size() > 253)
        return false;
    for (const char c : host) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '-' || c == '.' || c == ':';
        if (!ok)
            return false;
    }
    return true;
}

// A new key of the same kind as `pub`: RSA of the same size (at least 2048 bits), EC on the
// same named curve.
ossl::EvpPkeyPtr generate_like(EVP_PKEY* pub) {
    if (pub == nullptr)
        return nullptr;
    if (EVP_PKEY_get_base_id(pub) == EVP_PKEY_RSA) {
        const int bits = EVP_PKEY_get_bits(pub);
        return ossl::EvpPkeyPtr(EVP_RSA_gen(static_cast<unsigned>(bits < 2048 ? 2048 : bits)));
    }
    if (EVP_PKEY_get_base_id(pub) == EVP_PKEY_EC) {
        char curve[80] = {};
        std::size_t len = 0;
        if (EVP_PKEY_get_utf8_string_param(pub, "group", curve, sizeof curve, &len) != 1)
            return nullptr;
        return ossl::EvpPkeyPtr(EVP_EC_gen(curve));
    }
    return nullptr;
}

// What a domain certificate carries (the header comment): the key usage of its key type,
// emailProtection, the addresses as rfc822Name, and the key identifiers.
Status add_domain_extensions(X509* x, bool rsa, const std::vector<std::string>& emails) {
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
    SEALGATE_TRY(add_ext(x, &ctx, NID_basic_constraints, "critical,CA:FALSE"));
    SEALGATE_TRY(add_ext(x, &ctx, NID_key_usage,
                         rsa ? "critical,digitalSignature,keyEncipherment"
                             : "critical,digitalSignature,keyAgreement"));
    SEALGATE_TRY(add_ext(x, &ctx, NID_ext_key_usage, "emailProtection"));
    SEALGATE_TRY(add_san_emails(x, emails));
    SEALGATE_TRY(add_ext(x, &ctx, NID_subject_key_identifier, "hash"));
    SEALGATE_TRY(add_ext(x, &ctx, NID_authority_key_identifier, "keyid:always"));
    return ok();
}

}  // namespace

std::optional<KeyAlgorithm> parse_key_algorithm(std::string_view s) {
    if (s == "rsa2048")
        return KeyAlgorithm::rsa2048;
    if (s == "rsa3072" || s == "rsa")
        return KeyAlgorithm::rsa3072;
    if (s == "rsa4096")
        return KeyAlgorithm::rsa4096;
    if (s == "p256" || s == "ec")
        return KeyAlgorithm::p256;
    return std::nullopt;
}

Result<std::pair<Certificate, PrivateKey>> create_domain_certificate(
    const CertificateRequest& req) {
    if (!plausible_email(req.email)) {
        return fail(Error::bad_input("not a plain ASCII email address: " + req.email));
    }
    if (req.days <= 0)
        return fail(Error::bad_input("validity must be at least one day"));
    const std::string& cn = req.common_name.empty() ? req.email : req.common_name;
    const bool rsa = req.algorithm != KeyAlgorithm::p256;

    ossl::EvpPkeyPtr key = generate(req.algorithm);
    if (!key)
        return fail(Error::temp(ossl::reason("key generation failed")));
    auto name = common_name(cn);
    SEALGATE_TRY(name);
    auto x = self_signed_skeleton(key.get(), name->get(), req.days);
    SEALGATE_TRY(x);
    SEALGATE_TRY(add_domain_extensions(x->get(), rsa, {req.email}));
    return sign(std::move(*x), std::move(key));
}

Result<std::pair<Certificate, PrivateKey>> renew_domain_certificate(const Certificate& predecessor,
                                                                    const PrivateKey* reuse,
                                                                    int days) {
    if (!predecessor.self_signed())
        return fail(Error::bad_input(
            "not a self-signed certificate: renew it where it was issued, then import the "
            "successor with its key"));
    if (days <= 0)
        return fail(Error::bad_input("validity must be at least one day"));
    const auto emails = predecessor.emails();
    if (emails.empty())
        return fail(Error::bad_input("the certificate names no e-mail address to carry over"));
    for (const auto& e : emails)
        if (!plausible_email(e))
            return fail(Error::bad_input("not a plain ASCII email address: " + e));

    ossl::EvpPkeyPtr key;
    if (reuse != nullptr) {
        if (!reuse->matches(predecessor))
            return fail(Error::bad_input("the key to reuse does not belong to the certificate"));
        if (EVP_PKEY_up_ref(reuse->get()) != 1)
            return fail(Error::temp(ossl::reason("cannot hold the key")));
        key.reset(reuse->get());
    } else {
        key = generate_like(X509_get0_pubkey(predecessor.get()));
        if (!key)
            return fail(Error::temp(ossl::reason("key generation failed")));
    }
    const int type = EVP_PKEY_get_base_id(key.get());
    if (type != EVP_PKEY_RSA && type != EVP_PKEY_EC)
        return fail(Error::bad_input("only RSA and EC domain certificates can be renewed"));
    auto x = self_signed_skeleton(key.get(), X509_get_subject_name(predecessor.get()), days);
    SEALGATE_TRY(x);
    SEALGATE_TRY(add_domain_extensions(x->get(), type == EVP_PKEY_RSA, emails));
    return sign(std::move(*x), std::move(key));
}

Result<std::pair<Certificate, PrivateKey>> create_server_certificate(
    const std::vector<std::string>& hosts, int days) {
    if (hosts.empty())
        return fail(Error::bad_input("a server certificate needs at least one host name"));
    for (const auto& host : hosts) {
        if (!plausible_host(host))
            return fail(Error::bad_input("not a host name or IP address: " + host));
    }
    if (days <= 0)
        return fail(Error::bad_input("validity must be at least one day"));
    ossl::EvpPkeyPtr key = generate(KeyAlgorithm::p256);
    if (!key)
        return fail(Error::temp(ossl::reason("key generation failed")));
    auto name = common_name(hosts.front());
    SEALGATE_TRY(name);
    auto x = self_signed_skeleton(key.get(), name->get(), days);
    SEALGATE_TRY(x);

    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, x->get(), x->get(), nullptr, nullptr, 0);
    SEALGATE_TRY(add_ext(x->get(), &ctx, NID_basic_constraints, "critical,CA:FALSE"));
    SEALGATE_TRY(add_ext(x->get(), &ctx, NID_key_usage, "critical,digitalSignature"));
    SEALGATE_TRY(add_ext(x->get(), &ctx, NID_ext_key_usage, "serverAuth"));
    SEALGATE_TRY(add_san_hosts(x->get(), hosts));
    SEALGATE_TRY(add_ext(x->get(), &ctx, NID_subject_key_identifier, "hash"));
    return sign(std::move(*x), std::move(key));
}

}  // namespace sealgate::crypto
