// crypto/cms_mail_sign.cpp — mail signatures (RFC 8551 §3.5): the SignedData of a
// multipart/signed, and the check of a partner's detached or opaque SignedData
// (crypto/cms_sign.hpp declares both; docs/signing.md).
//
// The check verifies one SignerInfo — the first one made by a candidate, else the first — and
// not all of them as CMS_verify does: a second signature by a stranger (or a broken one) must
// not hide a good one by the partner, nor stand in for it. It uses CMS_verify's public steps:
// the content is read once through the digest BIOs that CMS_dataInit sets up, then the
// signature over the signed attributes (CMS_SignerInfo_verify) and the message digest
// (CMS_SignerInfo_verify_content) are checked separately, which also tells "the content was
// modified" apart from "the signature does not verify".
#include <openssl/err.h>

#include <climits>
#include <memory>

#include "crypto/cms_sign.hpp"
#include "crypto/ossl.hpp"

namespace sealgate::crypto {

namespace {

// RFC 8551 §2.7 / §2.5.2: SMIMECapabilities lists, in order of preference, the content
// encryption algorithms we want to receive. sealgate decrypts whatever OpenSSL decrypts; it
// announces what the profile stands for: AuthEnvelopedData first for modern (RFC 8551 §2.7
// MUST AES-128-GCM, SHOULD+ AES-256-GCM), AES-CBC for compat (what gpgsm and NSS send).
std::vector<int> capability_nids(CmsProfile profile) {
    if (profile == CmsProfile::modern)
        return {NID_aes_256_gcm, NID_aes_128_gcm, NID_aes_256_cbc};
    return {NID_aes_256_cbc, NID_aes_128_cbc};
}

struct AlgorStackDeleter {
    void operator()(STACK_OF(X509_ALGOR) * s) const { sk_X509_ALGOR_pop_free(s, X509_ALGOR_free); }
};
using AlgorStackPtr = std::unique_ptr<STACK_OF(X509_ALGOR), AlgorStackDeleter>;

// RFC 8419 §3.1: Ed25519 signs with SHA-512 as the message digest; everything else SHA-256
// (RFC 8551 §2.1, micalg=sha-256).
bool signs_with_sha512(const EVP_PKEY* key) {
    return key != nullptr && EVP_PKEY_get_base_id(key) == EVP_PKEY_ED25519;
}

const EVP_MD* digest_for(const PrivateKey& key) {
    return signs_with_sha512(key.get()) ? EVP_sha512() : EVP_sha256();
}

// Frees the BIOs CMS_dataInit pushed on top of `bottom`, and `bottom` only when it is not the
// caller's (the opaque case, where OpenSSL made it from the encapsulated content).
struct ChainFree {
    BIO* keep = nullptr;
    void operator()(BIO* top) const {
        while (top != nullptr && top != keep) {
            BIO* next = BIO_pop(top);
            BIO_free(top);
            top = next;
        }
    }
};
using ChainPtr = std::unique_ptr<BIO, ChainFree>;

// The signing time of a SignerInfo's signingTime attribute (UTCTime or GeneralizedTime); 0
// when absent or unreadable.
std::time_t signing_time(CMS_SignerInfo* si) {
    const int at = CMS_signed_get_attr_by_NID(si, NID_pkcs9_signingTime, -1);
    if (at < 0)
        return 0;
    X509_ATTRIBUTE* attr = CMS_signed_get_attr(si, at);
    const ASN1_TYPE* value = attr != nullptr ? X509_ATTRIBUTE_get0_type(attr, 0) : nullptr;
    if (value == nullptr ||
        (value->type != V_ASN1_UTCTIME && value->type != V_ASN1_GENERALIZEDTIME))
        return 0;
    return ossl::to_time_t(reinterpret_cast<const ASN1_TIME*>(value->value.asn1_string));
}

// RFC 8551 §2.1 lets receivers refuse the digests that no longer resist collisions; sealgate
// does, so that a signature over colliding content cannot pass as the partner's.
std::string weak_digest(CMS_SignerInfo* si) {
    X509_ALGOR* alg = nullptr;
    CMS_SignerInfo_get0_algs(si, nullptr, nullptr, &alg, nullptr);
    const ASN1_OBJECT* oid = nullptr;
    if (alg != nullptr)
        X509_ALGOR_get0(&oid, nullptr, nullptr, alg);
    switch (OBJ_obj2nid(oid)) {
        case NID_md5:
            return "MD5";
        case NID_sha1:
            return "SHA-1";
        default:
            return {};
    }
}

// The SignerInfo that decides and its signer's certificate (crypto/cms_sign.hpp).
struct Chosen {
    CMS_SignerInfo* si = nullptr;
    std::optional<Certificate> cert;
    bool candidate = false;
};

Chosen choose_signer(CMS_ContentInfo* cms, const std::vector<Certificate>& candidates) {
    STACK_OF(CMS_SignerInfo)* infos = CMS_get0_SignerInfos(cms);
    for (int i = 0; i < sk_CMS_SignerInfo_num(infos); ++i) {
        CMS_SignerInfo* si = sk_CMS_SignerInfo_value(infos, i);
        for (const Certificate& c : candidates) {
            if (CMS_SignerInfo_cert_cmp(si, c.get()) == 0)
                return Chosen{si, c, true};
        }
    }
    Chosen out{sk_CMS_SignerInfo_value(infos, 0), std::nullopt, false};
    // The certificates the SignedData carries (RFC 5652 §5.1 certificates), for a signer that
    // is none of ours: the caller learns who it claims to be.
    ossl::X509StackPtr carried(CMS_get1_certs(cms));
    for (int i = 0; carried && i < sk_X509_num(carried.get()); ++i) {
        X509* x = sk_X509_value(carried.get(), i);
        if (CMS_SignerInfo_cert_cmp(out.si, x) == 0 && X509_up_ref(x) == 1) {
            out.cert = KeyFactory::certificate(ossl::X509Ptr(x));
            break;
        }
    }
    ossl::drain_errors();
    return out;
}

// Read the content through the digest BIOs (and keep it when `keep` is given). Both the
// caller's content and OpenSSL's BIO over an encapsulated one are read-only memory BIOs, which
// report their end with 0; anything negative is a failure.
bool read_through(BIO* chain, std::string* keep) {
    char buf[16384];
    for (;;) {
        const int n = BIO_read(chain, buf, sizeof buf);
        if (n <= 0)
            return n == 0;
        if (keep != nullptr)
            keep->append(buf, static_cast<std::size_t>(n));
    }
}

}  // namespace

std::string_view cms_micalg(const Certificate& cert) {
    return signs_with_sha512(X509_get0_pubkey(cert.get())) ? "sha-512" : "sha-256";
}

Result<std::string> cms_sign_entity(const Certificate& cert, const PrivateKey& key,
                                    const std::vector<Certificate>& chain, std::string_view entity,
                                    CmsProfile profile) {
    if (!key.matches(cert))
        return fail(Error::bad_input("private key does not match certificate " + cert.sha256()));
    if (entity.size() > static_cast<std::size_t>(INT_MAX))
        return fail(Error::bad_input("message too large for an S/MIME signature"));
    ossl::drain_errors();
    // CMS_BINARY: the entity is CRLF-canonical already and signed byte for byte (RFC 8551
    // §3.1.1). CMS_PARTIAL: the signer is added below, with our capabilities, before CMS_final.
    constexpr unsigned int flags = CMS_DETACHED | CMS_BINARY | CMS_PARTIAL;
    ossl::CmsPtr cms(CMS_sign(nullptr, nullptr, nullptr, nullptr, flags));
    if (!cms)
        return fail(Error::temp(ossl::reason("cannot create CMS SignedData")));
    // CMS_NOSMIMECAP: not OpenSSL's default list (which offers DES, RC2 and GOST); ours follows.
    // contentType, signingTime and messageDigest are added by CMS_final.
    CMS_SignerInfo* si =
        CMS_add1_signer(cms.get(), cert.get(), key.get(), digest_for(key), CMS_NOSMIMECAP);
    if (si == nullptr)
        return fail(Error::temp(ossl::reason("cannot add the CMS signer " + cert.sha256())));
    AlgorStackPtr caps(sk_X509_ALGOR_new_null());
    if (!caps)
        return fail(Error::temp(ossl::reason("out of memory")));
    for (const int nid : capability_nids(profile)) {
        // Adds to the stack it is given (it makes one only for a null one). keysize -1: no
        // parameters (RFC 3565 §5 for AES-CBC; the GCM identifiers likewise name the algorithm
        // only).
        STACK_OF(X509_ALGOR)* list = caps.get();
        if (CMS_add_simple_smimecap(&list, nid, -1) != 1)
            return fail(Error::temp(ossl::reason("cannot build SMIMECapabilities")));
    }
    if (CMS_add_smimecap(si, caps.get()) != 1)
        return fail(Error::temp(ossl::reason("cannot add SMIMECapabilities")));
    for (const Certificate& c : chain) {
        // CMS_add1_cert refuses a certificate that is already there (the signer's): not an error.
        if (X509_cmp(c.get(), cert.get()) != 0 && CMS_add1_cert(cms.get(), c.get()) != 1)
            return fail(Error::temp(ossl::reason("cannot add a chain certificate")));
    }
    const auto in = ossl::mem_reader(entity);
    if (!in || CMS_final(cms.get(), in.get(), nullptr, flags) != 1)
        return fail(Error::temp(ossl::reason("CMS signing failed")));
    const auto out = ossl::mem_writer();
    if (!out || i2d_CMS_bio(out.get(), cms.get()) != 1)
        return fail(Error::temp(ossl::reason("cannot encode the CMS signature")));
    return ossl::mem_contents(out.get());
}

Result<CmsSignatureCheck> cms_check_signature(std::string_view signed_data,
                                              std::optional<std::string_view> content,
                                              const std::vector<Certificate>& candidates) {
    if (signed_data.size() > static_cast<std::size_t>(LONG_MAX) ||
        (content && content->size() > static_cast<std::size_t>(INT_MAX)))
        return fail(Error::bad_input("S/MIME signature too large"));
    ossl::drain_errors();
    const auto* p = reinterpret_cast<const unsigned char*>(signed_data.data());
    ossl::CmsPtr cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(signed_data.size())));
    if (!cms)
        return fail(Error::bad_input(ossl::reason("not a CMS structure (truncated or corrupt)")));
    const int type = OBJ_obj2nid(CMS_get0_type(cms.get()));
    if (type != NID_pkcs7_signed) {
        return fail(
            Error::bad_input(std::string("CMS content is not SignedData but ") + OBJ_nid2ln(type)));
    }
    const bool detached = CMS_is_detached(cms.get()) == 1;
    if (!content && detached)
        return fail(Error::bad_input("a detached S/MIME signature without the signed content"));
    STACK_OF(CMS_SignerInfo)* infos = CMS_get0_SignerInfos(cms.get());
    if (infos == nullptr || sk_CMS_SignerInfo_num(infos) < 1)
        return fail(Error::bad_input("the CMS SignedData carries no signature"));

    CmsSignatureCheck out;
    Chosen chosen = choose_signer(cms.get(), candidates);
    out.signer = chosen.cert;
    out.signer_is_candidate = chosen.candidate;
    out.signing_time = signing_time(chosen.si);

    // The content is read (and the opaque one kept) even when the signer is unknown: the caller
    // may deliver it marked as not verified.
    ossl::BioPtr dcont;
    if (content) {
        dcont = ossl::mem_reader(*content);
        if (!dcont)
            return fail(Error::temp(ossl::reason("out of memory")));
    }
    ChainPtr chain(CMS_dataInit(cms.get(), dcont.get()), ChainFree{dcont.get()});
    if (!chain)
        return fail(Error::bad_input(ossl::reason("cannot read the signed content")));
    if (!read_through(chain.get(), content ? nullptr : &out.content))
        return fail(Error::bad_input(ossl::reason("cannot read the signed content")));

    const auto result = [&out](std::string reason) {
        ossl::drain_errors();
        out.intact = false;
        out.reason = std::move(reason);
        return out;
    };
    if (!chosen.cert)
        return result("the signer's certificate is neither in the signature nor known");
    if (const std::string weak = weak_digest(chosen.si); !weak.empty())
        return result("signed with " + weak + ", which is not accepted");
    CMS_SignerInfo_set1_signer_cert(chosen.si, chosen.cert->get());
    // Without signed attributes the signature is over the content digest itself, which
    // CMS_SignerInfo_verify_content checks alone.
    if (CMS_signed_get_attr_count(chosen.si) >= 0 && CMS_SignerInfo_verify(chosen.si) != 1)
        return result("the signature does not verify with the signer's key");
    if (CMS_SignerInfo_verify_content(chosen.si, chain.get()) != 1) {
        return result(CMS_signed_get_attr_count(chosen.si) >= 0
                          ? "the signed content was modified"
                          : "the signature does not verify over the content");
    }
    ossl::drain_errors();
    out.intact = true;
    return out;
}

}  // namespace sealgate::crypto
