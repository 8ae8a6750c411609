#include "crypto/smime.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <new>

#include "crypto/keygen.hpp"
#include "support.hpp"

namespace sealgate::crypto {
namespace {

using test::read_file;
using test::testdata;
using ::testing::HasSubstr;

struct Identity {
    Certificate cert;
    PrivateKey key;
};

Identity make(KeyAlgorithm alg, const std::string& email) {
    CertificateRequest req;
    req.email = email;
    req.algorithm = alg;
    auto r = create_domain_certificate(req);
    if (!r)
        ADD_FAILURE() << r.error().reason;
    return Identity{r->first, r->second};
}

// Key generation is the slow part: one RSA and one EC identity per test program.
const Identity& rsa() {
    static const Identity id = make(KeyAlgorithm::rsa2048, "rsa@partner.example");
    return id;
}
const Identity& ec() {
    static const Identity id = make(KeyAlgorithm::p256, "ec@partner.example");
    return id;
}

struct ProfileCase {
    CmsProfile profile;
    bool use_ec;
    const char* algorithm;
    const char* key_management;
};

class RoundTrip : public ::testing::TestWithParam<ProfileCase> {};

TEST_P(RoundTrip, EveryBodyComesBackByteForByte) {
    const ProfileCase c = GetParam();
    const Identity& id = c.use_ec ? ec() : rsa();
    for (const test::Body& body : test::bodies()) {
        const auto enc = cms_encrypt(body.bytes, {id.cert}, c.profile);
        ASSERT_TRUE(enc) << body.name << ": " << enc.error().reason;
        EXPECT_EQ(enc->algorithm, c.algorithm);
        EXPECT_EQ(enc->key_management, c.key_management);
        EXPECT_EQ(enc->auth_enveloped, c.profile == CmsProfile::modern);
        const auto env = Envelope::parse(enc->ber);
        ASSERT_TRUE(env) << env.error().reason;
        EXPECT_EQ(env->auth_enveloped(), c.profile == CmsProfile::modern);
        EXPECT_EQ(env->content_algorithm(), c.algorithm);
        EXPECT_TRUE(env->addressed_to(id.cert));
        EXPECT_FALSE(env->addressed_to(c.use_ec ? rsa().cert : ec().cert));
        const auto plain = env->decrypt(id.key, id.cert);
        ASSERT_TRUE(plain) << body.name << ": " << plain.error().reason;
        EXPECT_TRUE(*plain == body.bytes) << body.name;  // no 10 MB diff on failure
    }
}

INSTANTIATE_TEST_SUITE_P(
    Profiles, RoundTrip,
    ::testing::Values(ProfileCase{CmsProfile::compat, false, "aes256-cbc", "rsa"},
                      ProfileCase{CmsProfile::modern, false, "aes256-gcm", "rsa-oaep"},
                      ProfileCase{CmsProfile::compat, true, "aes256-cbc", "ecdh"},
                      ProfileCase{CmsProfile::modern, true, "aes256-gcm", "ecdh"}));

TEST(Smime, TwoRecipientsBothDecrypt) {
    const std::string entity = test::bodies(false)[1].bytes;
    for (const CmsProfile p : {CmsProfile::compat, CmsProfile::modern}) {
        const auto enc = cms_encrypt(entity, {rsa().cert, ec().cert}, p);
        ASSERT_TRUE(enc) << enc.error().reason;
        EXPECT_THAT(enc->key_management, HasSubstr(","));
        const auto env = Envelope::parse(enc->ber);
        ASSERT_TRUE(env);
        for (const Identity* id : {&rsa(), &ec()}) {
            EXPECT_TRUE(env->addressed_to(id->cert));
            const auto plain = env->decrypt(id->key, id->cert);
            ASSERT_TRUE(plain) << plain.error().reason;
            EXPECT_EQ(*plain, entity);
        }
    }
}

// The pipeline reserves the message body from the bound once: a bound that is too low would
// make a 50 MB body regrow (and be copied) while it is written.
TEST(Smime, OutputNeverExceedsTheSizeBound) {
    const std::vector<std::vector<Certificate>> recipient_sets = {
        {rsa().cert}, {ec().cert}, {rsa().cert, ec().cert}};
    for (const std::size_t n :
         {std::size_t{0}, std::size_t{1}, std::size_t{4096}, std::size_t{32 * 1024 - 1},
          std::size_t{32 * 1024}, std::size_t{100003}, std::size_t{1024 * 1024 + 5}}) {
        const std::string entity(n, 'e');
        for (const auto& recipients : recipient_sets) {
            for (const CmsProfile p : {CmsProfile::compat, CmsProfile::modern}) {
                const auto enc = cms_encrypt(entity, recipients, p);
                ASSERT_TRUE(enc) << n << ": " << enc.error().reason;
                const std::size_t bound = cms_encrypted_size_bound(n, recipients);
                EXPECT_LE(enc->ber.size(), bound) << n;
                EXPECT_LE(bound, enc->ber.size() + n / 100 + 8192) << n << ": bound far too high";
            }
        }
    }
}

// The sink fails at its first, a middle and its last write (the GCM tag and the end-of-contents
// octets, written when OpenSSL flushes the stream): the encryption fails each time. An exception
// from the sink is a failure too and does not cross OpenSSL.
TEST(Smime, FailingSinkFailsTheEncryption) {
    for (const std::size_t n : {std::size_t{1000}, std::size_t{50000}}) {
        const std::string entity(n, 'e');
        for (const CmsProfile p : {CmsProfile::compat, CmsProfile::modern}) {
            std::size_t writes = 0;
            const ByteSink count = [&writes](std::string_view) {
                ++writes;
                return true;
            };
            ASSERT_TRUE(cms_encrypt(entity, {rsa().cert}, p, count));
            ASSERT_GE(writes, 1U);
            for (const std::size_t fail_at : {std::size_t{1}, (writes + 1) / 2, writes}) {
                std::size_t seen = 0;
                const ByteSink failing = [&](std::string_view) { return ++seen < fail_at; };
                const auto r = cms_encrypt(entity, {rsa().cert}, p, failing);
                ASSERT_FALSE(r) << n << ": write " << fail_at << " of " << writes;
                EXPECT_EQ(r.error().reason, "cannot write the encrypted message");
                EXPECT_EQ(seen, fail_at) << "no write after the failed one";
            }
            const ByteSink throwing = [](std::string_view) -> bool { throw std::bad_alloc(); };
            EXPECT_FALSE(cms_encrypt(entity, {rsa().cert}, p, throwing));
            // The failures leave nothing behind for the next call.
            EXPECT_TRUE(cms_encrypt(entity, {rsa().cert}, p));
        }
    }
}

// Below 32 KiB the entity is encrypted whole and written as DER in one piece; from 32 KiB on it
// is streamed as BER: indefinite lengths, the content in pieces as OpenSSL encrypts them.
TEST(Smime, LargeEntitiesAreStreamedAsBer) {
    for (const CmsProfile p : {CmsProfile::compat, CmsProfile::modern}) {
        for (const std::size_t n : {std::size_t{32 * 1024 - 1}, std::size_t{32 * 1024}}) {
            const std::string entity(n, 's');
            std::size_t writes = 0;
            std::string ber;
            const ByteSink collect = [&](std::string_view piece) {
                ++writes;
                ber.append(piece);
                return true;
            };
            const auto info = cms_encrypt(entity, {rsa().cert}, p, collect);
            ASSERT_TRUE(info) << info.error().reason;
            const bool streamed = n >= 32 * 1024;
            EXPECT_EQ(ber[1] == '\x80', streamed) << n << ": indefinite outer length";
            EXPECT_EQ(writes > 1, streamed) << n << ": " << writes << " writes";
            const auto env = Envelope::parse(ber);
            ASSERT_TRUE(env) << env.error().reason;
            EXPECT_TRUE(env->decrypt(rsa().key, rsa().cert).value_or("") == entity) << n;
        }
    }
}

TEST(Smime, NoRecipientsIsAnError) {
    EXPECT_FALSE(cms_encrypt("x", {}, CmsProfile::compat));
}

TEST(Smime, WrongKeyFails) {
    const Identity other = make(KeyAlgorithm::rsa2048, "other@partner.example");
    for (const CmsProfile p : {CmsProfile::compat, CmsProfile::modern}) {
        const auto enc = cms_encrypt("secret\r\n", {rsa().cert}, p);
        ASSERT_TRUE(enc);
        const auto env = Envelope::parse(enc->ber);
        ASSERT_TRUE(env);
        EXPECT_FALSE(env->addressed_to(other.cert));
        const auto wrong_cert = env->decrypt(other.key, other.cert);
        ASSERT_FALSE(wrong_cert);
        EXPECT_THAT(wrong_cert.error().reason, HasSubstr("S/MIME decryption failed"));
        // The right certificate but a key that is not its own. RSA PKCS#1 v1.5 answers a wrong
        // key with a random content key (implicit rejection), and AES-CBC (compat) has no
        // integrity: about one time in 256 the padding happens to check out and "decryption"
        // yields garbage. What must never come out is the plaintext.
        const auto wrong_key = env->decrypt(other.key, rsa().cert);
        if (p == CmsProfile::modern || !wrong_key)
            EXPECT_FALSE(wrong_key);
        else
            EXPECT_NE(*wrong_key, "secret\r\n");
    }
}

TEST(Smime, TruncatedOrForeignDerFails) {
    // DER (small) and streamed BER (large, where only end-of-contents octets may be missing).
    for (const std::string& entity : {std::string("secret\r\n"), std::string(40000, 's')}) {
        const auto enc = cms_encrypt(entity, {rsa().cert}, CmsProfile::modern);
        ASSERT_TRUE(enc);
        for (const std::size_t n :
             {std::size_t{0}, std::size_t{10}, enc->ber.size() / 2, enc->ber.size() - 1}) {
            const auto env = Envelope::parse(std::string_view(enc->ber).substr(0, n));
            ASSERT_FALSE(env) << n;
            EXPECT_THAT(env.error().reason, HasSubstr("not a CMS structure"));
        }
    }
    // RFC 4134 4.1 is SignedData: a CMS structure, but nothing to decrypt.
    const auto signed_data = Envelope::parse(read_file(testdata("vectors/rfc4134/4.1.bin")));
    ASSERT_FALSE(signed_data);
    EXPECT_THAT(signed_data.error().reason, HasSubstr("not (Auth)EnvelopedData"));
}

TEST(Smime, FlippedByteInGcmCiphertextFails) {
    // A small entity (DER, written whole) and one that is streamed (BER).
    for (const std::size_t n : {std::size_t{300}, std::size_t{100000}}) {
        const std::string entity(n, 'g');
        const auto enc = cms_encrypt(entity, {rsa().cert}, CmsProfile::modern);
        ASSERT_TRUE(enc);
        // The encoding ends with the tag (mac: an OCTET STRING of 16 octets), after the BER
        // only the end-of-contents octets of AuthEnvelopedData, [0] and ContentInfo follow; the
        // encrypted content comes before it.
        const std::size_t eocs = enc->ber[1] == '\x80' ? 6 : 0;
        const std::size_t tag = enc->ber.size() - eocs - 16;
        ASSERT_EQ(enc->ber.substr(tag - 2, 2), std::string("\x04\x10", 2)) << n;
        ASSERT_EQ(enc->ber.substr(tag + 16), std::string(eocs, '\0')) << n;
        std::string ber = enc->ber;
        ber[tag - 40] = static_cast<char>(ber[tag - 40] ^ 0x01);
        const auto env = Envelope::parse(ber);
        ASSERT_TRUE(env) << env.error().reason;
        EXPECT_FALSE(env->decrypt(rsa().key, rsa().cert)) << n;
        // The tag itself.
        ber = enc->ber;
        ber[tag + 15] = static_cast<char>(ber[tag + 15] ^ 0x80);
        const auto env2 = Envelope::parse(ber);
        ASSERT_TRUE(env2);
        EXPECT_FALSE(env2->decrypt(rsa().key, rsa().cert)) << n;
    }
}

TEST(Smime, DecryptInPlaceGivesTheSameBytes) {
    const Identity other = make(KeyAlgorithm::rsa2048, "other@partner.example");
    for (const CmsProfile p : {CmsProfile::compat, CmsProfile::modern}) {
        // DER (written whole) and BER (streamed, the pieces gathered first), and no content.
        for (const std::size_t n : {std::size_t{0}, std::size_t{300}, std::size_t{100000}}) {
            std::string entity(n, 'i');
            for (std::size_t i = 0; i < n; i += 7)
                entity[i] = static_cast<char>(i);
            const auto enc = cms_encrypt(entity, {rsa().cert, other.cert}, p);
            ASSERT_TRUE(enc) << enc.error().reason;
            auto env = Envelope::parse_in_place(enc->ber);
            ASSERT_TRUE(env) << env.error().reason;
            // A failed try leaves the envelope as it was (the key store tries the next key).
            EXPECT_FALSE(env->decrypt(other.key, rsa().cert)) << n;
            {
                // A copy shares the buffer: decrypting in place must not spoil it for the other.
                const Envelope copy = *env;
                EXPECT_TRUE(Envelope(copy).decrypt_in_place(rsa().key, rsa().cert).value_or("-") ==
                            entity)
                    << n;
                EXPECT_TRUE(copy.decrypt(other.key, other.cert).value_or("-") == entity) << n;
            }
            // The last one: over its own buffer.
            EXPECT_TRUE(std::move(*env).decrypt_in_place(other.key, other.cert).value_or("-") ==
                        entity)
                << n;
        }
    }
}

TEST(Smime, FailedDecryptInPlaceIsAnError) {
    const std::string entity(100000, 'p');
    const auto enc = cms_encrypt(entity, {rsa().cert}, CmsProfile::modern);
    ASSERT_TRUE(enc);
    std::string ber = enc->ber;
    ber[ber.size() - 6 - 1] ^= 0x01;  // the last octet of the GCM tag
    auto env = Envelope::parse_in_place(std::move(ber));
    ASSERT_TRUE(env) << env.error().reason;
    const auto plain = std::move(*env).decrypt_in_place(rsa().key, rsa().cert);
    ASSERT_FALSE(plain);
    EXPECT_THAT(plain.error().reason, HasSubstr("S/MIME decryption failed"));
}

TEST(Smime, GcmTagIsCheckedEvenForAnEmptyEntity) {
    // No ciphertext at all: the tag must still be checked at the end of the (empty) stream.
    const auto enc = cms_encrypt("", {rsa().cert}, CmsProfile::modern);
    ASSERT_TRUE(enc) << enc.error().reason;
    const auto env = Envelope::parse(enc->ber);
    ASSERT_TRUE(env) << env.error().reason;
    EXPECT_EQ(env->decrypt(rsa().key, rsa().cert).value_or("failed"), "");
    std::string ber = enc->ber;
    const std::size_t tag = ber.size() - 16;
    ASSERT_EQ(ber.substr(tag - 2, 2), std::string("\x04\x10", 2));
    ber[tag] = static_cast<char>(ber[tag] ^ 0x01);
    const auto tampered = Envelope::parse(ber);
    ASSERT_TRUE(tampered) << tampered.error().reason;
    EXPECT_FALSE(tampered->decrypt(rsa().key, rsa().cert));
}

TEST(Smime, Rfc4134Example53TripleDes) {
    const std::string der = test::eml_body_der(read_file(testdata("vectors/rfc4134/5.3.eml")));
    const auto env = Envelope::parse(der);
    ASSERT_TRUE(env) << env.error().reason;
    EXPECT_EQ(env->content_algorithm(), "des-ede3-cbc");
    EXPECT_FALSE(env->auth_enveloped());
    const auto key =
        PrivateKey::from_pkcs8_der(read_file(testdata("vectors/rfc4134/BobPrivRSAEncrypt.pri")));
    const auto cert =
        Certificate::read(read_file(testdata("vectors/rfc4134/BobRSASignByCarl.cer")));
    ASSERT_TRUE(key && cert);
    EXPECT_TRUE(env->addressed_to(*cert));
    const auto plain = env->decrypt(*key, *cert);
    ASSERT_TRUE(plain) << plain.error().reason;
    EXPECT_EQ(*plain, "This is some sample content.");
}

TEST(Smime, Rfc9788C14ToRfc9216Bob) {
    const auto env = Envelope::parse(read_file(testdata("vectors/rfc9788/c1.4.der")));
    ASSERT_TRUE(env) << env.error().reason;
    EXPECT_EQ(env->content_algorithm(), "aes128-cbc");
    const auto bob = read_bundle(read_file(testdata("vectors/rfc9216/bob.decrypt.key")) +
                                     read_file(testdata("vectors/rfc9216/bob.encrypt.crt")),
                                 std::nullopt);
    ASSERT_TRUE(bob) << bob.error().reason;
    const Certificate& cert = bob->certificates.front();
    EXPECT_TRUE(env->addressed_to(cert));
    const auto plain = env->decrypt(*bob->key, cert);
    ASSERT_TRUE(plain) << plain.error().reason;
    // The plaintext is the signed inner entity (application/pkcs7-mime; smime-type=signed-data).
    EXPECT_EQ(*plain, read_file(testdata("vectors/rfc9788/c1.4.signed")));
}

}  // namespace
}  // namespace sealgate::crypto
