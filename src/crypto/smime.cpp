#include "crypto/smime.hpp"

#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/rsa.h>

#include <algorithm>
#include <climits>
#include <utility>

#include "crypto/cms_detach.hpp"
#include "crypto/ossl.hpp"

namespace sealgate::crypto {

namespace {

// --- A minimal BER walker, only to read the content-encryption algorithm, which OpenSSL 3.0
// --- has no accessor for. It never has to step over the (large) encrypted content itself.

struct Tlv {
    int tag = 0;
    int cls = 0;
    bool constructed = false;
    bool indefinite = false;
    const unsigned char* start = nullptr;    // first byte of the header
    const unsigned char* content = nullptr;  // first byte of the content
    long length = 0;                         // content length (0 when indefinite)
};

struct BerReader {
    const unsigned char* p;
    const unsigned char* end;

    bool next(Tlv& t) {
        if (p >= end)
            return false;
        t.start = p;
        const unsigned char* q = p;
        const int r = ASN1_get_object(&q, &t.length, &t.tag, &t.cls, end - p);
        if ((r & 0x80) != 0)
            return false;
        t.constructed = (r & V_ASN1_CONSTRUCTED) != 0;
        t.indefinite = (r & 1) != 0;
        t.content = q;
        return true;
    }
    // Enter the content of a constructed element just read.
    void enter(const Tlv& t) { p = t.content; }
    // Skip the element just read (its header is at t.start).
    bool skip(const Tlv& t) {
        if (!t.indefinite) {
            if (t.length > end - t.content)
                return false;
            p = t.content + t.length;
            return true;
        }
        // Indefinite length: children until the end-of-contents octets 00 00.
        p = t.content;
        for (;;) {
            if (end - p >= 2 && p[0] == 0 && p[1] == 0) {
                p += 2;
                return true;
            }
            Tlv child;
            if (!next(child) || !skip(child))
                return false;
        }
    }
};

// ContentInfo → [0] → (Auth)EnvelopedData → (Auth)EncryptedContentInfo → AlgorithmIdentifier.
int content_cipher_nid(std::string_view der) {
    const auto* b = reinterpret_cast<const unsigned char*>(der.data());
    BerReader r{b, b + der.size()};
    Tlv t;
    if (!r.next(t) || t.tag != V_ASN1_SEQUENCE)
        return NID_undef;
    r.enter(t);
    if (!r.next(t) || !r.skip(t))
        return NID_undef;  // contentType
    if (!r.next(t) || t.cls != V_ASN1_CONTEXT_SPECIFIC || t.tag != 0)
        return NID_undef;
    r.enter(t);
    if (!r.next(t) || t.tag != V_ASN1_SEQUENCE)
        return NID_undef;
    r.enter(t);
    if (!r.next(t) || !r.skip(t))
        return NID_undef;  // version
    if (!r.next(t))
        return NID_undef;
    if (t.cls == V_ASN1_CONTEXT_SPECIFIC && t.tag == 0) {  // originatorInfo
        if (!r.skip(t) || !r.next(t))
            return NID_undef;
    }
    if (t.tag != V_ASN1_SET || !r.skip(t))
        return NID_undef;  // recipientInfos
    if (!r.next(t) || t.tag != V_ASN1_SEQUENCE)
        return NID_undef;
    r.enter(t);
    if (!r.next(t) || !r.skip(t))
        return NID_undef;  // contentType
    if (!r.next(t) || t.tag != V_ASN1_SEQUENCE)
        return NID_undef;
    r.enter(t);
    if (!r.next(t) || t.tag != V_ASN1_OBJECT || !r.skip(t))
        return NID_undef;
    const unsigned char* q = t.start;
    std::unique_ptr<ASN1_OBJECT, ossl::Deleter<ASN1_OBJECT_free>> obj(
        d2i_ASN1_OBJECT(nullptr, &q, r.p - t.start));
    return obj ? OBJ_obj2nid(obj.get()) : NID_undef;
}

std::string cipher_name(int nid) {
    switch (nid) {
        case NID_aes_128_cbc:
            return "aes128-cbc";
        case NID_aes_192_cbc:
            return "aes192-cbc";
        case NID_aes_256_cbc:
            return "aes256-cbc";
        case NID_aes_128_gcm:
            return "aes128-gcm";
        case NID_aes_192_gcm:
            return "aes192-gcm";
        case NID_aes_256_gcm:
            return "aes256-gcm";
        case NID_des_ede3_cbc:
            return "des-ede3-cbc";
        case NID_rc2_cbc:
            return "rc2-cbc";
        case NID_undef:
            return "unknown";
        default: {
            const char* sn = OBJ_nid2sn(nid);
            return sn != nullptr ? sn : "unknown";
        }
    }
}

// Entities of this size and more are encrypted as a stream (see cms_encrypt()).
constexpr std::size_t kStreamFrom = 32 * 1024;

// RFC 8551 §2.3 / RFC 3560: RSAES-OAEP with SHA-256 and MGF1-SHA-256.
bool set_oaep_sha256(EVP_PKEY_CTX* pctx) {
    return pctx != nullptr && EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_OAEP_PADDING) > 0 &&
           EVP_PKEY_CTX_set_rsa_oaep_md(pctx, EVP_sha256()) > 0 &&
           EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) > 0;
}

Result<std::string> add_recipient(CMS_ContentInfo* cms, const Certificate& cert,
                                  CmsProfile profile) {
    const std::string who = " (" + cert.subject() + ")";
    // Permanent: the same key fails every message (the policy refuses it before it gets here).
    if (const auto problem = recipient_key_problem(cert); !problem.empty())
        return fail(Error::perm(550, "5.7.1", "Encryption to this recipient is not possible",
                                "recipient key: " + problem + who));
    const EVP_PKEY* pub = X509_get0_pubkey(cert.get());
    const int id = EVP_PKEY_get_base_id(pub);
    if (id == EVP_PKEY_RSA) {
        if (profile == CmsProfile::compat) {
            if (CMS_add1_recipient_cert(cms, cert.get(), 0) == nullptr) {
                return fail(Error::temp(ossl::reason("cannot add RSA recipient" + who)));
            }
            return std::string("rsa");
        }
        // OAEP has to be chosen on the recipient's own key context, which OpenSSL only creates
        // when asked to with CMS_KEY_PARAM.
        CMS_RecipientInfo* ri = CMS_add1_recipient_cert(cms, cert.get(), CMS_KEY_PARAM);
        if (ri == nullptr || !set_oaep_sha256(CMS_RecipientInfo_get0_pkey_ctx(ri))) {
            return fail(Error::temp(ossl::reason("cannot add RSA-OAEP recipient" + who)));
        }
        return std::string("rsa-oaep");
    }
    // EC (recipient_key_problem() let nothing else through): RFC 5753 ECDH; OpenSSL's default
    // KDF hash is SHA-1 (dhSinglePass-stdDH-sha1kdf-scheme). RFC 8551 §2.3 and RFC 5008 use
    // SHA-256: set it on the ephemeral key's context, from which OpenSSL picks the KDF when it
    // finalises the KeyAgreeRecipientInfo.
    CMS_RecipientInfo* ri = CMS_add1_recipient_cert(cms, cert.get(), CMS_KEY_PARAM);
    EVP_PKEY_CTX* pctx = ri != nullptr ? CMS_RecipientInfo_get0_pkey_ctx(ri) : nullptr;
    if (pctx == nullptr || EVP_PKEY_CTX_set_ecdh_kdf_md(pctx, EVP_sha256()) <= 0) {
        return fail(Error::temp(ossl::reason("cannot add ECDH recipient" + who)));
    }
    return std::string("ecdh");
}

}  // namespace

std::string recipient_key_problem(const Certificate& cert) {
    const KeyStrength strength = cert.key_strength();
    if (!strength.unusable.empty())
        return strength.unusable;
    const EVP_PKEY* pub = X509_get0_pubkey(cert.get());
    const int id = pub != nullptr ? EVP_PKEY_get_base_id(pub) : EVP_PKEY_NONE;
    ossl::drain_errors();
    if (id == EVP_PKEY_RSA || id == EVP_PKEY_EC)
        return {};
    if (id == EVP_PKEY_RSA_PSS)
        return "an RSA-PSS key is for signatures only";
    return "key type not supported for S/MIME encryption: " + cert.key_type();
}

bool makes_auth_enveloped(CmsProfile profile) {
    return profile == CmsProfile::modern;
}

Result<EncryptionInfo> cms_encrypt(std::string_view entity,
                                   const std::vector<Certificate>& recipients, CmsProfile profile,
                                   const ByteSink& out) {
    if (recipients.empty())
        return fail(Error::usage("S/MIME encryption without recipients"));
    if (entity.size() > static_cast<std::size_t>(INT_MAX)) {
        return fail(Error::bad_input("message too large for S/MIME encryption"));
    }
    const bool modern = makes_auth_enveloped(profile);
    // RFC 5083/5084: with AES-GCM OpenSSL builds AuthEnvelopedData by itself; streamed, it
    // writes the tag (mac) after the content, when the last block is through.
    const EVP_CIPHER* cipher = modern ? EVP_aes_256_gcm() : EVP_aes_256_cbc();
    // CMS_BINARY: the entity is canonical already; OpenSSL must not translate line endings.
    // CMS_STREAM: encrypt while writing (i2d_CMS_bio_stream below) instead of CMS_final, which
    // keeps the whole ciphertext in a memory BIO and again in the structure before it is encoded.
    // Streaming encodes the structure twice more (for the header and the trailer around the
    // content); measured here it is ~3 µs slower at 10 KB and faster from ~32 KB. (It also needs
    // content: OpenSSL 3.0.22 writes nothing at all for an empty GCM stream.)
    const bool stream = entity.size() >= kStreamFrom;
    const unsigned int flags = CMS_BINARY | CMS_PARTIAL | (stream ? CMS_STREAM : 0U);
    ossl::CmsPtr cms(CMS_encrypt(nullptr, nullptr, cipher, flags));
    if (!cms)
        return fail(Error::temp(ossl::reason("cannot create CMS envelope")));

    EncryptionInfo info;
    info.auth_enveloped = modern;
    info.algorithm = modern ? "aes256-gcm" : "aes256-cbc";
    std::vector<std::string> kinds;
    for (const Certificate& cert : recipients) {
        auto kind = add_recipient(cms.get(), cert, profile);
        if (!kind)
            return fail(std::move(kind).error());
        if (std::find(kinds.begin(), kinds.end(), *kind) == kinds.end())
            kinds.push_back(*kind);
    }
    for (const std::string& k : kinds) {
        if (!info.key_management.empty())
            info.key_management += ',';
        info.key_management += k;
    }

    // A failed write makes i2d_CMS_bio_stream() / i2d_CMS_bio() return 0 but leaves no reason in
    // the error queue (OpenSSL 3.0.22): the sink's own flag tells a failed sink from a failed
    // encryption. An error left in the queue fails the encryption too, so that no failure inside
    // OpenSSL's BIO chain can pass for a complete message.
    ossl::drain_errors();
    ossl::Sink sink{out};
    const auto in = ossl::mem_reader(entity);
    const auto bio = ossl::sink_bio(&sink);
    bool written = in && bio;
    if (written && stream) {
        written = i2d_CMS_bio_stream(bio.get(), cms.get(), in.get(), static_cast<int>(flags)) == 1;
    } else if (written) {
        written = CMS_final(cms.get(), in.get(), nullptr, CMS_BINARY) == 1 &&
                  i2d_CMS_bio(bio.get(), cms.get()) == 1;
    }
    if (sink.failed) {
        ossl::drain_errors();
        return fail(Error::temp("cannot write the encrypted message"));
    }
    if (!written || ERR_peek_error() != 0)
        return fail(Error::temp(ossl::reason("CMS encryption failed")));
    return info;
}

std::size_t cms_encrypted_size_bound(std::size_t entity_size,
                                     const std::vector<Certificate>& recipients) {
    // The ciphertext is the entity plus at most one block of CBC padding. OpenSSL writes it as
    // primitive OCTET STRING pieces of 4 KB (the size of its BIO buffers) with a 4-octet header
    // each; the bound allows pieces as small as 1 KB.
    std::size_t n = entity_size + 16 + (entity_size / 1024 + 2) * 4;
    // Each RecipientInfo names the certificate by issuer and serial number (the name keeps its
    // encoding: no certificate is encoded here) and carries the encrypted key, as long as the
    // RSA modulus, or an ephemeral EC public key, shorter than EVP_PKEY_get_size() (an ECDSA
    // signature) plus its algorithm identifier; 512 octets cover identifiers and the wrapped key.
    for (const Certificate& cert : recipients) {
        const X509* x = cert.get();
        const EVP_PKEY* key = X509_get0_pubkey(x);
        const int parts = i2d_X509_NAME(X509_get_issuer_name(x), nullptr) +
                          ASN1_STRING_length(X509_get0_serialNumber(x)) +
                          (key != nullptr ? EVP_PKEY_get_size(key) : 0);
        n += static_cast<std::size_t>(std::max(parts, 0)) + 512;
    }
    // ContentInfo, (Auth)EnvelopedData, content type, cipher parameters, GCM tag, closing octets.
    return n + 1024;
}

Result<Encrypted> cms_encrypt(std::string_view entity, const std::vector<Certificate>& recipients,
                              CmsProfile profile) {
    Encrypted out;
    out.ber.reserve(cms_encrypted_size_bound(entity.size(), recipients));
    const ByteSink append = [&out](std::string_view piece) {
        out.ber.append(piece);
        return true;
    };
    auto info = cms_encrypt(entity, recipients, profile, append);
    SEALGATE_TRY(info);
    static_cast<EncryptionInfo&>(out) = std::move(*info);
    return out;
}

Result<Envelope> Envelope::parse(std::string_view ber) {
    return parse_in_place(std::string(ber));
}

Result<Envelope> Envelope::parse_in_place(std::string ber) {
    if (ber.size() > static_cast<std::size_t>(LONG_MAX)) {
        return fail(Error::bad_input("CMS message too large"));
    }
    // d2i on the whole encoding would copy the encrypted content into the structure, gathering
    // BER pieces by regrowth: the content stays where it is and CMS_decrypt reads it from there.
    auto detached = detach_encrypted_content(ber);
    SEALGATE_TRY(detached);
    if (detached->size > static_cast<std::size_t>(INT_MAX))  // BIO_new_mem_buf's limit
        return fail(Error::bad_input("CMS encrypted content too large"));
    const std::string& structure = detached->structure;
    const auto* p = reinterpret_cast<const unsigned char*>(structure.data());
    ossl::CmsPtr cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(structure.size())));
    if (!cms)
        return fail(Error::bad_input(ossl::reason("not a CMS structure (truncated or corrupt)")));
    const int type = OBJ_obj2nid(CMS_get0_type(cms.get()));
    if (type != NID_pkcs7_enveloped && type != NID_id_smime_ct_authEnvelopedData) {
        return fail(Error::bad_input(std::string("CMS content is not (Auth)EnvelopedData but ") +
                                     OBJ_nid2ln(type)));
    }
    std::string alg = cipher_name(content_cipher_nid(structure));
    auto buffer = std::make_shared<std::string>(std::move(ber));
    const std::string_view content =
        std::string_view(*buffer).substr(detached->offset, detached->size);
    return Envelope(std::shared_ptr<CMS_ContentInfo>(cms.release(), CMS_ContentInfo_free),
                    std::move(buffer), content, type == NID_id_smime_ct_authEnvelopedData,
                    std::move(alg));
}

bool Envelope::auth_enveloped() const {
    return auth_;
}

std::string Envelope::content_algorithm() const {
    return content_algorithm_;
}

bool Envelope::addressed_to(const Certificate& cert) const {
    STACK_OF(CMS_RecipientInfo)* ris = CMS_get0_RecipientInfos(cms_.get());
    bool found = false;
    for (int i = 0; !found && i < sk_CMS_RecipientInfo_num(ris); ++i) {
        CMS_RecipientInfo* ri = sk_CMS_RecipientInfo_value(ris, i);
        switch (CMS_RecipientInfo_type(ri)) {
            case CMS_RECIPINFO_TRANS:  // issuerAndSerialNumber or subjectKeyIdentifier
                found = CMS_RecipientInfo_ktri_cert_cmp(ri, cert.get()) == 0;
                break;
            case CMS_RECIPINFO_AGREE: {
                STACK_OF(CMS_RecipientEncryptedKey)* reks = CMS_RecipientInfo_kari_get0_reks(ri);
                for (int j = 0; !found && j < sk_CMS_RecipientEncryptedKey_num(reks); ++j) {
                    found = CMS_RecipientEncryptedKey_cert_cmp(
                                sk_CMS_RecipientEncryptedKey_value(reks, j), cert.get()) == 0;
                }
                break;
            }
            default:
                break;
        }
    }
    ossl::drain_errors();
    return found;
}

namespace {

// Decrypts `content` into `out` (room for content.size() octets) and returns the plaintext's
// length. `out` may lie over `content` as long as it does not start after it: the cipher BIO
// copies the ciphertext out of the memory BIO before it decrypts, and decryption never produces
// more plaintext than it has read ciphertext. On failure `out` holds unauthenticated plaintext.
//
// CMS_decrypt() would do this, but OpenSSL 3.0.22 holds the plaintext of AuthEnvelopedData in a
// memory BIO that grows by copying until the tag is checked, and only then writes it out: a
// 50 MB message costs ~110 MB more. These are its public steps, with the plaintext read straight
// into its final place, which the callers hand out only if the cipher reports success: with GCM
// the tag is checked only after the last byte, with CBC the padding only at the end.
Result<std::size_t> decrypt_to(CMS_ContentInfo* cms, std::string_view content,
                               const PrivateKey& key, const Certificate& cert, char* out) {
    ossl::drain_errors();
    // With a certificate, a key that does not fit is not an error here (OpenSSL decrypts with a
    // random key instead, against Bleichenbacher-style oracles): decryption fails at the end.
    if (CMS_decrypt_set1_pkey(cms, key.get(), cert.get()) != 1)
        return fail(Error::bad_input(ossl::reason("S/MIME decryption failed")));
    const auto in = ossl::mem_reader(content);
    if (!in)
        return fail(Error::temp(ossl::reason("out of memory")));
    // The cipher BIO on top of `in`; freeing it must leave `in` to its owner.
    const auto pop_free = [&in](BIO* top) {
        while (top != nullptr && top != in.get()) {
            BIO* next = BIO_pop(top);
            BIO_free(top);
            top = next;
        }
    };
    const std::unique_ptr<BIO, decltype(pop_free)> chain(CMS_dataInit(cms, in.get()), pop_free);
    if (!chain || BIO_method_type(chain.get()) != BIO_TYPE_CIPHER)
        return fail(Error::bad_input(ossl::reason("S/MIME decryption failed")));

    char extra = 0;
    std::size_t have = 0;
    int n = 0;
    for (;;) {
        // Read on to the end (CBC holds the last block back until then, GCM checks the tag
        // there), even for no content; past the ciphertext's length there must be nothing.
        char* const to = have < content.size() ? out + have : &extra;
        const std::size_t want =
            have < content.size() ? std::min<std::size_t>(content.size() - have, 1U << 20) : 1;
        n = BIO_read(chain.get(), to, static_cast<int>(want));
        if (n <= 0 || to == &extra)
            break;
        have += static_cast<std::size_t>(n);
    }
    if (n != 0 || BIO_get_cipher_status(chain.get()) != 1)
        return fail(Error::bad_input(ossl::reason("S/MIME decryption failed")));
    return have;
}

}  // namespace

Result<std::string> Envelope::decrypt(const PrivateKey& key, const Certificate& cert) const {
    // The plaintext is at most as long as the ciphertext: one allocation, no regrowth copies.
    std::string plain(content_.size(), '\0');
    const auto n = decrypt_to(cms_.get(), content_, key, cert, plain.data());
    if (!n) {
        OPENSSL_cleanse(plain.data(), plain.size());  // unauthenticated plaintext: leave none
        return fail(n.error());
    }
    plain.resize(*n);
    return plain;
}

Result<std::string> Envelope::decrypt_in_place(const PrivateKey& key, const Certificate& cert) && {
    if (buffer_.use_count() != 1)
        return decrypt(key, cert);
    // The plaintext goes to the start of the buffer, at or before the content: writing trails
    // reading (decrypt_to()).
    std::shared_ptr<std::string> buffer = std::move(buffer_);
    const std::string_view content = std::exchange(content_, std::string_view());
    const auto n = decrypt_to(cms_.get(), content, key, cert, buffer->data());
    if (!n) {
        OPENSSL_cleanse(buffer->data(), buffer->size());
        return fail(n.error());
    }
    buffer->resize(*n);
    return std::move(*buffer);
}

}  // namespace sealgate::crypto
