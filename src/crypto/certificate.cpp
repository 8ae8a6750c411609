#include "crypto/certificate.hpp"

#include <openssl/core_names.h>
#include <openssl/dsa.h>
#include <openssl/ec.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <climits>

#include "core/hex.hpp"
#include "crypto/ossl.hpp"

namespace sealgate::crypto {

namespace {

// Why a key is unusable when its size is beyond what OpenSSL operates on (it refuses every
// operation then, so such a key would fail each message, never once and for all); empty when not.
std::string beyond_openssl(const char* what, unsigned bits, unsigned max) {
    if (bits <= max)
        return {};
    return std::string(what) + " of " + std::to_string(bits) +
           " bits is more than OpenSSL uses (at most " + std::to_string(max) + ")";
}

std::string digest_hex(X509* x, const EVP_MD* md) {
    unsigned char buf[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (X509_digest(x, md, buf, &len) != 1) {
        ossl::drain_errors();
        return {};
    }
    return to_hex(std::string_view(reinterpret_cast<const char*>(buf), len));
}

}  // namespace

Result<Certificate> Certificate::from_der(std::string_view der) {
    if (der.size() > static_cast<std::size_t>(LONG_MAX))
        return fail(Error::bad_input("certificate too large"));
    const auto* p = reinterpret_cast<const unsigned char*>(der.data());
    ossl::X509Ptr x(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
    if (!x)
        return fail(Error::bad_input(ossl::reason("not a DER certificate")));
    if (p != reinterpret_cast<const unsigned char*>(der.data()) + der.size()) {
        return fail(Error::bad_input("trailing bytes after the DER certificate"));
    }
    return KeyFactory::certificate(std::move(x));
}

Result<Certificate> Certificate::from_pem(std::string_view pem) {
    const auto bio = ossl::mem_reader(pem);
    ossl::X509Ptr x(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!x)
        return fail(Error::bad_input(ossl::reason("no PEM certificate")));
    return KeyFactory::certificate(std::move(x));
}

Result<Certificate> Certificate::read(std::string_view bytes) {
    if (bytes.find("-----BEGIN") != std::string_view::npos)
        return from_pem(bytes);
    return from_der(bytes);
}

std::string Certificate::der() const {
    const int len = i2d_X509(cert_.get(), nullptr);
    if (len <= 0)
        return {};
    std::string out(static_cast<std::size_t>(len), '\0');
    auto* p = reinterpret_cast<unsigned char*>(out.data());
    i2d_X509(cert_.get(), &p);
    return out;
}

Certificate::Certificate(std::shared_ptr<X509> cert)
    : cert_(std::move(cert)), sha256_(digest_hex(cert_.get(), EVP_sha256())) {}

std::string Certificate::sha1() const {
    return digest_hex(cert_.get(), EVP_sha1());
}
std::string Certificate::subject() const {
    return ossl::name_line(X509_get_subject_name(cert_.get()));
}
std::string Certificate::issuer() const {
    return ossl::name_line(X509_get_issuer_name(cert_.get()));
}

std::string Certificate::serial() const {
    const ossl::BignumPtr bn(ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert_.get()), nullptr));
    if (!bn)
        return {};
    std::string bytes(static_cast<std::size_t>(BN_num_bytes(bn.get())), '\0');
    BN_bn2bin(bn.get(), reinterpret_cast<unsigned char*>(bytes.data()));
    if (bytes.empty())
        return "00";
    return to_hex(bytes);
}

std::time_t Certificate::not_before() const {
    return ossl::to_time_t(X509_get0_notBefore(cert_.get()));
}
std::time_t Certificate::not_after() const {
    return ossl::to_time_t(X509_get0_notAfter(cert_.get()));
}

std::string Certificate::key_type() const {
    const EVP_PKEY* k = X509_get0_pubkey(cert_.get());
    if (k == nullptr) {
        ossl::drain_errors();
        return "unknown";
    }
    switch (EVP_PKEY_get_base_id(k)) {
        case EVP_PKEY_RSA:
        case EVP_PKEY_RSA_PSS:
            return "RSA";
        case EVP_PKEY_EC: {
            const KeyStrength s = key_strength();
            return s.curve.empty() ? "EC (explicit parameters)" : "EC " + s.curve;
        }
        case EVP_PKEY_ED25519:
            return "Ed25519";
        case EVP_PKEY_X25519:
            return "X25519";
        default: {
            const char* sn = OBJ_nid2sn(EVP_PKEY_get_base_id(k));
            return sn != nullptr ? sn : "unknown";
        }
    }
}

int Certificate::key_bits() const {
    const EVP_PKEY* k = X509_get0_pubkey(cert_.get());
    return k != nullptr ? EVP_PKEY_get_bits(k) : 0;
}

KeyStrength Certificate::key_strength() const {
    KeyStrength s;
    const EVP_PKEY* k = X509_get0_pubkey(cert_.get());
    if (k == nullptr) {
        ossl::drain_errors();
        s.family = KeyFamily::other;
        s.algorithm = "unreadable key";
        s.unusable = "OpenSSL cannot read the public key";
        return s;
    }
    s.bits = static_cast<unsigned>(std::max(EVP_PKEY_get_bits(k), 0));
    const int id = EVP_PKEY_get_base_id(k);
    switch (id) {
        case EVP_PKEY_RSA:
        case EVP_PKEY_RSA_PSS:
            s.family = KeyFamily::rsa;
            s.unusable = beyond_openssl("an RSA modulus", s.bits, OPENSSL_RSA_MAX_MODULUS_BITS);
            return s;
        case EVP_PKEY_DSA:
            s.family = KeyFamily::dsa;
            s.unusable = beyond_openssl("a DSA prime", s.bits, OPENSSL_DSA_MAX_MODULUS_BITS);
            return s;
        case EVP_PKEY_EC: {
            s.family = KeyFamily::ecc;
            // Explicit curve parameters stay unnamed (curve empty) even where OpenSSL matches
            // them to a named curve: what the certificate carries is not the named curve's OID.
            char encoding[32] = {};
            char group[64] = {};
            size_t len = 0;
            if (EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_EC_ENCODING, encoding,
                                               sizeof encoding, &len) != 1 ||
                std::string_view(encoding) != OSSL_PKEY_EC_ENCODING_GROUP ||
                EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                               &len) != 1) {
                ossl::drain_errors();
                return s;
            }
            const char* nist = EC_curve_nid2nist(OBJ_sn2nid(group));
            s.curve = nist != nullptr ? nist : group;
            return s;
        }
        case EVP_PKEY_X25519:
        case EVP_PKEY_ED25519:
        case EVP_PKEY_X448:
        case EVP_PKEY_ED448:
            s.family = KeyFamily::ecc;
            s.curve = id == EVP_PKEY_X25519    ? "X25519"
                      : id == EVP_PKEY_ED25519 ? "Ed25519"
                      : id == EVP_PKEY_X448    ? "X448"
                                               : "Ed448";
            return s;
        default: {
            s.family = KeyFamily::other;
            const char* sn = OBJ_nid2sn(id);
            s.algorithm = sn != nullptr ? sn : "unknown";
            return s;
        }
    }
}

bool Certificate::has_key_usage() const {
    return (X509_get_extension_flags(cert_.get()) & EXFLAG_KUSAGE) != 0;
}

std::vector<std::string> Certificate::key_usage() const {
    // RFC 5280 §4.2.1.3, in the order of the KeyUsage bit string.
    static constexpr std::pair<std::uint32_t, const char*> kBits[] = {
        {KU_DIGITAL_SIGNATURE, "digitalSignature"},
        {KU_NON_REPUDIATION, "nonRepudiation"},
        {KU_KEY_ENCIPHERMENT, "keyEncipherment"},
        {KU_DATA_ENCIPHERMENT, "dataEncipherment"},
        {KU_KEY_AGREEMENT, "keyAgreement"},
        {KU_KEY_CERT_SIGN, "keyCertSign"},
        {KU_CRL_SIGN, "cRLSign"},
        {KU_ENCIPHER_ONLY, "encipherOnly"},
        {KU_DECIPHER_ONLY, "decipherOnly"}};
    std::vector<std::string> out;
    if (!has_key_usage())
        return out;
    const std::uint32_t ku = X509_get_key_usage(cert_.get());
    for (const auto& [bit, name] : kBits) {
        if ((ku & bit) != 0)
            out.emplace_back(name);
    }
    return out;
}

bool Certificate::has_ext_key_usage() const {
    return (X509_get_extension_flags(cert_.get()) & EXFLAG_XKUSAGE) != 0;
}

std::vector<std::string> Certificate::ext_key_usage() const {
    std::vector<std::string> out;
    std::unique_ptr<EXTENDED_KEY_USAGE, ossl::Deleter<EXTENDED_KEY_USAGE_free>> eku(
        static_cast<EXTENDED_KEY_USAGE*>(
            X509_get_ext_d2i(cert_.get(), NID_ext_key_usage, nullptr, nullptr)));
    if (!eku)
        return out;
    for (int i = 0; i < sk_ASN1_OBJECT_num(eku.get()); ++i) {
        const ASN1_OBJECT* obj = sk_ASN1_OBJECT_value(eku.get(), i);
        const int nid = OBJ_obj2nid(obj);
        if (nid != NID_undef) {
            out.emplace_back(OBJ_nid2sn(nid));
        } else {
            char buf[128];
            OBJ_obj2txt(buf, sizeof buf, obj, 1);
            out.emplace_back(buf);
        }
    }
    return out;
}

std::vector<std::string> Certificate::emails() const {
    std::vector<std::string> out;
    // X509_get1_email: subject emailAddress, then subjectAltName rfc822Name, without duplicates.
    const std::unique_ptr<STACK_OF(OPENSSL_STRING), ossl::Deleter<X509_email_free>> list(
        X509_get1_email(cert_.get()));
    if (!list)
        return out;
    for (int i = 0; i < sk_OPENSSL_STRING_num(list.get()); ++i) {
        out.emplace_back(sk_OPENSSL_STRING_value(list.get(), i));
    }
    return out;
}

bool Certificate::self_signed() const {
    const int r = X509_self_signed(cert_.get(), 1);
    ossl::drain_errors();
    return r == 1;
}

bool Certificate::is_ca() const {
    return (X509_get_extension_flags(cert_.get()) & EXFLAG_CA) != 0;
}

std::vector<std::string> Certificate::crl_distribution_points() const {
    std::vector<std::string> out;
    const std::unique_ptr<CRL_DIST_POINTS, ossl::Deleter<CRL_DIST_POINTS_free>> points(
        static_cast<CRL_DIST_POINTS*>(
            X509_get_ext_d2i(cert_.get(), NID_crl_distribution_points, nullptr, nullptr)));
    ossl::drain_errors();
    if (!points)
        return out;
    for (int i = 0; i < sk_DIST_POINT_num(points.get()); ++i) {
        const DIST_POINT* dp = sk_DIST_POINT_value(points.get(), i);
        if (dp->distpoint == nullptr || dp->distpoint->type != 0)  // 0: fullName
            continue;
        const GENERAL_NAMES* names = dp->distpoint->name.fullname;
        for (int j = 0; j < sk_GENERAL_NAME_num(names); ++j) {
            const GENERAL_NAME* gn = sk_GENERAL_NAME_value(names, j);
            if (gn->type != GEN_URI)
                continue;
            const ASN1_IA5STRING* uri = gn->d.uniformResourceIdentifier;
            std::string text(reinterpret_cast<const char*>(ASN1_STRING_get0_data(uri)),
                             static_cast<std::size_t>(ASN1_STRING_length(uri)));
            if (std::find(out.begin(), out.end(), text) == out.end())
                out.push_back(std::move(text));
        }
    }
    return out;
}

std::string Certificate::pem() const {
    const auto bio = ossl::mem_writer();
    if (!bio || PEM_write_bio_X509(bio.get(), cert_.get()) != 1) {
        ossl::drain_errors();
        return {};
    }
    return ossl::mem_contents(bio.get());
}

}  // namespace sealgate::crypto
