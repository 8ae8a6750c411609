#include "crypto/cms_detach.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/cms.h>

#include <initializer_list>
#include <random>

#include "crypto/keygen.hpp"
#include "crypto/smime.hpp"
#include "support.hpp"

namespace sealgate::crypto {
namespace {

using ::testing::HasSubstr;

std::string bytes(std::initializer_list<int> octets) {
    std::string s;
    for (const int o : octets)
        s.push_back(static_cast<char>(o));
    return s;
}

const std::string kEnvelopedOid =
    bytes({0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x03});
const std::string kDataOid =
    bytes({0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x01});
const std::string kAes256Cbc =
    bytes({0x30, 0x0B, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x2A});
const std::string kEoc = bytes({0, 0});

// A hand-made EnvelopedData ContentInfo, all indefinite lengths, around `content` (the
// encryptedContent element, or nothing).
std::string envelope(const std::string& content, const std::string& recipients = bytes({0x31, 0}),
                     const std::string& after = "") {
    return bytes({0x30, 0x80}) + kEnvelopedOid + bytes({0xA0, 0x80, 0x30, 0x80, 0x02, 0x01, 0x00}) +
           recipients + bytes({0x30, 0x80}) + kDataOid + kAes256Cbc + content + kEoc + after +
           kEoc + kEoc + kEoc;
}

Result<std::string> detached_content(std::string ber, std::string* structure = nullptr) {
    auto d = detach_encrypted_content(ber);
    SEALGATE_TRY(d);
    EXPECT_LE(d->offset + d->size, ber.size());
    if (structure != nullptr)
        *structure = d->structure;
    return ber.substr(d->offset, d->size);
}

TEST(CmsDetach, PrimitiveContentStaysWhereItIs) {
    const std::string ber = envelope(bytes({0x80, 0x03, 'a', 'b', 'c'}));
    std::string buf = ber;
    const auto d = detach_encrypted_content(buf);
    ASSERT_TRUE(d) << d.error().reason;
    EXPECT_EQ(buf, ber);
    EXPECT_EQ(buf.substr(d->offset, d->size), "abc");
    EXPECT_EQ(d->structure, envelope(""));
}

TEST(CmsDetach, PiecesAreGatheredInOrder) {
    // [0] { OCTET STRING "ab", OCTET STRING { "c", "" }, OCTET STRING "de" }, nested, BER.
    const std::string content =
        bytes({0xA0, 0x80, 0x04, 0x02, 'a',  'b',  0x24, 0x80, 0x04, 0x01, 'c',
               0x04, 0x00, 0x00, 0x00, 0x04, 0x02, 'd',  'e',  0x00, 0x00});
    std::string structure;
    const std::string attrs = bytes({0xA1, 0x00});  // unprotectedAttrs after the content
    EXPECT_EQ(
        detached_content(envelope(content, bytes({0x31, 0}), attrs), &structure).value_or("?"),
        "abcde");
    EXPECT_EQ(structure, envelope("", bytes({0x31, 0}), attrs));
    // The same with definite lengths (the pieces, and the levels around them).
    const std::string definite =
        bytes({0xA0, 0x0B, 0x04, 0x02, 'a', 'b', 0x24, 0x05, 0x04, 0x03, 'c', 'd', 'e'});
    const std::string eci =
        bytes({0x30, static_cast<int>(kDataOid.size() + kAes256Cbc.size() + definite.size())}) +
        kDataOid + kAes256Cbc + definite;
    const std::string env =
        bytes({0x30, static_cast<int>(5 + eci.size()), 0x02, 0x01, 0x00, 0x31, 0x00}) + eci;
    const std::string e0 = bytes({0xA0, static_cast<int>(env.size())}) + env;
    const std::string der =
        bytes({0x30, 0x81, static_cast<int>(kEnvelopedOid.size() + e0.size())}) + kEnvelopedOid +
        e0;
    EXPECT_EQ(detached_content(der, &structure).value_or("?"), "abcde");
    EXPECT_EQ(structure, envelope(""));
}

TEST(CmsDetach, RejectsMalformedInputWithAReason) {
    const auto reason = [](const std::string& ber) {
        std::string buf = ber;
        const auto d = detach_encrypted_content(buf);
        return d ? std::string("accepted") : d.error().reason;
    };
    EXPECT_THAT(reason(""), HasSubstr("truncated"));
    EXPECT_THAT(reason(envelope("")), HasSubstr("detached content is not supported"));
    EXPECT_THAT(reason(envelope(bytes({0xA0, 0x80, 0x02, 0x01, 0x00, 0x00, 0x00}))),
                HasSubstr("not an OCTET STRING"));
    EXPECT_THAT(reason(envelope(bytes({0x80, 0x80, 0x00, 0x00}))),
                HasSubstr("indefinite length on a primitive element"));
    EXPECT_THAT(reason(envelope(bytes({0x80, 0x7F, 'a'}))), HasSubstr("beyond the end"));
    EXPECT_THAT(reason(envelope(bytes({0x80, 0xFF}))), HasSubstr("reserved length"));
    EXPECT_THAT(
        reason(envelope(bytes({0x80, 0x88, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}))),
        HasSubstr("beyond the end"));
    EXPECT_THAT(reason(envelope(bytes({0x80, 0x89, 1, 0, 0, 0, 0, 0, 0, 0, 0}))),
                HasSubstr("length too large"));
    EXPECT_THAT(reason(envelope(bytes({0x81, 0x01, 'x'}))), HasSubstr("no encrypted content"));
    // Content followed by something EncryptedContentInfo does not have.
    EXPECT_THAT(reason(envelope(bytes({0x80, 0x01, 'x', 0x00, 0x01, 0x00}))),
                HasSubstr("end-of-contents"));
    // Pieces nested six deep (OpenSSL's limit is five).
    std::string nested = bytes({0x04, 0x01, 'x'});
    for (int i = 0; i < 6; ++i)
        nested = bytes({0x24, 0x80}) + nested + kEoc;
    EXPECT_THAT(reason(envelope(bytes({0xA0, 0x80}) + nested + kEoc)),
                HasSubstr("nested too deeply"));
    // Indefinite lengths nested 100 deep inside the RecipientInfos.
    std::string deep;
    for (int i = 0; i < 100; ++i)
        deep = bytes({0x30, 0x80}) + deep + kEoc;
    EXPECT_THAT(reason(envelope(bytes({0x80, 0x01, 'x'}), bytes({0x31, 0x80}) + deep + kEoc)),
                HasSubstr("nested too deeply"));
    // Not a ContentInfo, and a ContentInfo of another type.
    EXPECT_THAT(reason(bytes({0x31, 0x00})), HasSubstr("not a SEQUENCE"));
    std::string signed_data = envelope(bytes({0x80, 0x01, 'x'}));
    signed_data[2 + 10] = 0x02;
    EXPECT_THAT(reason(signed_data), HasSubstr("not (Auth)EnvelopedData but pkcs7-signedData"));
}

// Real output of cms_encrypt: DER below 32 KiB, streamed BER above.
std::string encrypted(std::size_t size, CmsProfile profile) {
    CertificateRequest req;
    req.email = "detach@partner.example";
    req.algorithm = KeyAlgorithm::rsa2048;
    static const auto identity = create_domain_certificate(req);
    EXPECT_TRUE(identity);
    const auto enc = cms_encrypt(std::string(size, 'm'), {identity->first}, profile);
    EXPECT_TRUE(enc);
    return enc ? enc->ber : std::string();
}

TEST(CmsDetach, OpenSslParsesTheStructureWithoutContent) {
    for (const CmsProfile p : {CmsProfile::compat, CmsProfile::modern}) {
        for (const std::size_t n : {std::size_t{300}, std::size_t{40000}}) {
            std::string ber = encrypted(n, p);
            const auto d = detach_encrypted_content(ber);
            ASSERT_TRUE(d) << d.error().reason;
            // CBC pads to whole blocks; GCM keeps the length.
            EXPECT_EQ(d->size, p == CmsProfile::compat ? (n / 16 + 1) * 16 : n);
            EXPECT_LT(d->structure.size(), 2000U);
            const auto* q = reinterpret_cast<const unsigned char*>(d->structure.data());
            CMS_ContentInfo* cms =
                d2i_CMS_ContentInfo(nullptr, &q, static_cast<long>(d->structure.size()));
            ASSERT_NE(cms, nullptr);
            EXPECT_EQ(*CMS_get0_content(cms), nullptr);
            CMS_ContentInfo_free(cms);
        }
    }
}

TEST(CmsDetach, EveryTruncationFailsAndNothingIsReadBeyondTheEnd) {
    for (const CmsProfile p : {CmsProfile::compat, CmsProfile::modern}) {
        for (const std::size_t n : {std::size_t{300}, std::size_t{40000}}) {
            const std::string ber = encrypted(n, p);
            for (std::size_t len = 0; len < ber.size(); ++len) {
                // A buffer of exactly `len` bytes: a read past it is a heap overflow that the
                // sanitizer builds report.
                std::string buf = ber.substr(0, len);
                buf.shrink_to_fit();
                ASSERT_FALSE(detach_encrypted_content(buf)) << len << " of " << ber.size();
            }
        }
    }
}

TEST(CmsDetach, MutatedAndRandomInputNeverEscapesTheBuffer) {
    std::mt19937 rng(20261129);  // seeded: the same inputs on every run
    const std::string base[] = {encrypted(300, CmsProfile::modern),
                                encrypted(40000, CmsProfile::compat)};
    int accepted = 0;
    for (int i = 0; i < 4000; ++i) {
        std::string buf = base[i % 2];
        const int flips = 1 + static_cast<int>(rng() % 4);
        for (int f = 0; f < flips; ++f) {
            // Mostly the structure around the content (the first and last few hundred octets).
            std::size_t at = rng() % buf.size();
            if (rng() % 4 != 0)
                at = (rng() % 2 == 0) ? at % 600 : buf.size() - 1 - at % 100;
            buf[at] = static_cast<char>(rng() % 256);
        }
        const std::size_t size = buf.size();
        const auto d = detach_encrypted_content(buf);
        if (d) {
            ++accepted;
            EXPECT_LE(d->offset + d->size, size);
            EXPECT_LT(d->structure.size(), size);
        }
    }
    EXPECT_GT(accepted, 0);  // flips inside the content change nothing for the walker
    // Random octets, alone and after a valid start up to the content.
    const std::string start = envelope("").substr(0, envelope("").size() - 8);
    for (int i = 0; i < 4000; ++i) {
        std::string buf(rng() % 64, '\0');
        for (char& c : buf)
            c = static_cast<char>(rng() % 4 == 0 ? 0x80 : rng() % 4 == 0 ? 0 : rng() % 256);
        if (i % 2 == 0)
            buf = start + buf;
        buf.shrink_to_fit();
        const std::size_t size = buf.size();
        const auto d = detach_encrypted_content(buf);
        if (d) {
            EXPECT_LE(d->offset + d->size, size);
        }
    }
}

}  // namespace
}  // namespace sealgate::crypto
