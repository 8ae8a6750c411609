#include "openpgp/message.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <cstdint>
#include <regex>

#include "openpgp/key.hpp"
#include "openpgp/keyring.hpp"
#include "peer.hpp"

namespace sealgate::openpgp {
namespace {

using testing::TempDir;
using testing::testdata;

struct Body {
    const char* name;
    std::string bytes;
};

// Deterministic bodies: the byte classes that peers most often mangle.
std::vector<Body> bodies(bool with_large) {
    std::vector<Body> out;
    out.push_back({"latin1",
                   "Content-Type: text/plain; charset=iso-8859-1\r\n"
                   "Content-Transfer-Encoding: 8bit\r\n\r\n"
                   "Gr\xFC\xDF"
                   "e aus K\xF6ln, \xE0 bient\xF4t!\r\n"});
    out.push_back({"utf8",
                   "Content-Type: text/plain; charset=utf-8\r\n\r\n"
                   "Gr\xC3\xBC\xC3\x9F"
                   "e \xE2\x82\xAC \xF0\x9F\x94\x90\r\nno final newline"});
    std::string binary;
    for (int round = 0; round < 4; ++round)
        for (int i = 0; i < 256; ++i)
            binary.push_back(static_cast<char>(i));
    out.push_back({"binary", binary});
    if (with_large) {
        std::string large(10 * 1000 * 1000, '\0');
        std::uint32_t x = 12345;  // fixed-seed LCG
        for (char& c : large) {
            x = x * 1103515245U + 12345U;
            c = static_cast<char>(x >> 24);
        }
        out.push_back({"10MB", std::move(large)});
    }
    return out;
}

std::string upper(std::string s) {
    for (char& c : s)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

// Our two domain keys, made once for the whole suite.
class Messages : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        auto ed = create_key("<domain-cert@our.example>", KeyAlgorithm::ed25519, 0);
        auto rsa = create_key("<domain-rsa@our.example>", KeyAlgorithm::rsa3072, 0);
        ASSERT_TRUE(ed && rsa);
        keys_ = new std::vector<KeyMaterial>{*ed, *rsa};
    }
    static void TearDownTestSuite() {
        delete keys_;
        keys_ = nullptr;
    }
    static const KeyMaterial& key(size_t i) { return keys_->at(i); }
    static Decryptor decryptor() {
        const std::vector<std::string> secrets{key(0).secret_key, key(1).secret_key};
        auto d = Decryptor::create(secrets);
        EXPECT_TRUE(d) << d.error().reason;
        return std::move(*d);
    }
    static inline std::vector<KeyMaterial>* keys_ = nullptr;
    TempDir dir;
};

TEST_F(Messages, OurEncryptionDecryptsWithGpgSqAndRnp) {
    for (size_t k = 0; k < 2; ++k) {
        const KeyMaterial& ours = key(k);
        dir.put("sec.pgp", ours.secret_key);
        ASSERT_EQ(dir.run("gpg --batch --import sec.pgp"), 0) << dir.log();
        ASSERT_EQ(dir.run("rnpkeys --homedir rnp --import sec.pgp"), 0) << dir.log();
        const std::vector<std::string> recipients{ours.public_key};
        for (const Body& body : bodies(k == 0)) {
            SCOPED_TRACE(std::string(body.name) + " key " + std::to_string(k));
            auto enc = encrypt(body.bytes, recipients);
            ASSERT_TRUE(enc) << enc.error().reason;
            EXPECT_EQ(enc->armored.rfind("-----BEGIN PGP MESSAGE-----\r\n", 0), 0U);
            for (size_t i = enc->armored.find('\n'); i != std::string::npos;
                 i = enc->armored.find('\n', i + 1))
                ASSERT_EQ(enc->armored[i - 1], '\r') << "bare LF at " << i;
            EXPECT_EQ(enc->algorithm, "aes256-seipd1");
            ASSERT_EQ(enc->keys, std::vector<std::string>{ours.fingerprint});
            ASSERT_EQ(enc->subkeys.size(), 1U);
            EXPECT_NE(enc->subkeys[0], ours.fingerprint);
            dir.put("msg.asc", enc->armored);

            std::remove(dir.file("gpg.out").c_str());
            ASSERT_EQ(dir.run(TempDir::gpg() + " -o gpg.out --decrypt msg.asc"), 0) << dir.log();
            EXPECT_TRUE(dir.get("gpg.out") == body.bytes);
            std::remove(dir.file("sq.out").c_str());
            ASSERT_EQ(dir.run("sq decrypt --recipient-key sec.pgp --output sq.out msg.asc"), 0)
                << dir.log();
            EXPECT_TRUE(dir.get("sq.out") == body.bytes);
            std::remove(dir.file("rnp.out").c_str());
            ASSERT_EQ(dir.run("rnp --homedir rnp --decrypt msg.asc --output rnp.out"), 0)
                << dir.log();
            EXPECT_TRUE(dir.get("rnp.out") == body.bytes);
        }
        // The packets are what we promise: PKESK to the subkey, SEIPD v1 with AES-256
        // (gpg reports the cipher and the MDC), no compression, no AEAD.
        auto enc = encrypt("x", recipients);
        ASSERT_TRUE(enc);
        dir.put("small.asc", enc->armored);
        ASSERT_EQ(dir.run(TempDir::gpg() + " --show-session-key -o /dev/null --decrypt small.asc "
                                           "2> gpg-info.txt"),
                  0)
            << dir.log();
        const std::string info = dir.get("gpg-info.txt");
        EXPECT_EQ(info.find("not integrity protected"), std::string::npos) << info;
        EXPECT_NE(info.find("session key: '9:"), std::string::npos) << info;
        ASSERT_EQ(dir.run("sq packet dump small.asc > dump.txt"), 0) << dir.log();
        const std::string dump = dir.get("dump.txt");
        EXPECT_NE(dump.find("Sym. Encrypted and Integrity Protected Data Packet"),
                  std::string::npos)
            << dump;
        EXPECT_EQ(dump.find("Compressed Data Packet"), std::string::npos) << dump;
        EXPECT_EQ(dump.find("AEAD"), std::string::npos) << dump;
        EXPECT_NE(dump.find("Recipient: " + upper(enc->subkeys[0]).substr(24)), std::string::npos)
            << dump;
    }
}

TEST_F(Messages, PeerEncryptionDecryptsWithUs) {
    const Decryptor ours = decryptor();
    for (size_t k = 0; k < 2; ++k) {
        const KeyMaterial& recipient = key(k);
        dir.put("pub.pgp", recipient.public_key);
        ASSERT_EQ(dir.run("gpg --batch --import pub.pgp"), 0) << dir.log();
        ASSERT_EQ(dir.run("rnpkeys --homedir rnp --import pub.pgp"), 0) << dir.log();
        auto usable = encryption_usability(recipient.public_key);
        ASSERT_TRUE(usable && usable->usable);
        const struct {
            const char* peer;
            std::string command;
        } peers[] = {
            {"gpg", TempDir::gpg() + " --trust-model always -r " + recipient.fingerprint +
                        " -o msg --encrypt body"},
            {"gpg-armor", TempDir::gpg() + " --armor --trust-model always -r " +
                              recipient.fingerprint + " -o msg --encrypt body"},
            {"sq", "sq encrypt --recipient-cert pub.pgp --output msg body"},
            {"sq-zip", "sq encrypt --compression zip --recipient-cert pub.pgp --output msg body"},
            {"rnp", "rnp --homedir rnp -r " + recipient.fingerprint +
                        " --encrypt body --overwrite --output msg"},
        };
        for (const Body& body : bodies(k == 0)) {
            dir.put("body", body.bytes);
            for (const auto& p : peers) {
                SCOPED_TRACE(std::string(p.peer) + " " + body.name + " key " + std::to_string(k));
                std::remove(dir.file("msg").c_str());
                ASSERT_EQ(dir.run(p.command), 0) << dir.log();
                auto out = ours.decrypt(dir.get("msg"));
                if (std::string(p.peer) == "sq" && body.bytes.size() > 2000000) {
                    // Known peer incompatibility: sq 0.27's default "pad" compression hides
                    // padding after the deflate stream, and librnp 0.16 rejects "data beyond
                    // the end of z stream" (the rnp CLI fails the same way). It must fail
                    // cleanly, never with partial output; with --compression zip/none it works.
                    ASSERT_FALSE(out);
                    EXPECT_EQ(out.error().code, 554);
                    continue;
                }
                ASSERT_TRUE(out) << out.error().reason;
                ASSERT_TRUE(out->has_value());
                EXPECT_TRUE((*out)->plaintext == body.bytes);
                EXPECT_EQ((*out)->key, recipient.fingerprint);
                EXPECT_EQ((*out)->subkey, usable->encryption_key);
                EXPECT_TRUE(std::regex_match((*out)->algorithm, std::regex("aes(128|256)-seipd1")))
                    << (*out)->algorithm;
            }
        }
    }
}

TEST_F(Messages, NotForUsIsDistinguishable) {
    const Decryptor ours = decryptor();
    const std::vector<std::string> alice{testdata("interop-suite/alice.pgp")};
    auto enc = encrypt("for alice only", alice);
    ASSERT_TRUE(enc) << enc.error().reason;
    auto out = ours.decrypt(enc->armored);
    ASSERT_TRUE(out) << out.error().reason;
    EXPECT_FALSE(out->has_value());

    // After a reload with only alice's key the same message decrypts; ours no longer do.
    Decryptor reloaded = decryptor();
    const std::vector<std::string> alice_secret{testdata("interop-suite/alice-secret.pgp")};
    ASSERT_TRUE(reloaded.reload(alice_secret));
    auto again = reloaded.decrypt(enc->armored);
    ASSERT_TRUE(again && again->has_value());
    EXPECT_EQ((*again)->plaintext, "for alice only");
    EXPECT_EQ((*again)->key, "eb85bb5fa33a75e15e944e63f231550c4f47e38e");
    const std::vector<std::string> to_us{key(0).public_key};
    auto ours_msg = encrypt("for us", to_us);
    ASSERT_TRUE(ours_msg);
    auto none = reloaded.decrypt(ours_msg->armored);
    ASSERT_TRUE(none);
    EXPECT_FALSE(none->has_value());
}

TEST_F(Messages, CorruptTruncatedAndGarbageFailWithoutOutput) {
    const Decryptor ours = decryptor();
    const std::vector<std::string> to_us{key(1).public_key};
    auto enc = encrypt(std::string(5000, 'a'), to_us);
    ASSERT_TRUE(enc);

    // Truncated armor.
    auto truncated = ours.decrypt(enc->armored.substr(0, enc->armored.size() * 2 / 3));
    ASSERT_FALSE(truncated);
    EXPECT_EQ(truncated.error().code, 554);
    EXPECT_EQ(truncated.error().reason.find('\n'), std::string::npos);

    // A flipped byte inside the encrypted data: the MDC (or the armor checksum) catches it.
    dir.put("msg.asc", enc->armored);
    ASSERT_EQ(dir.run("gpg --dearmor < msg.asc > msg.bin"), 0) << dir.log();
    std::string bin = dir.get("msg.bin");
    ASSERT_GT(bin.size(), 2000U);
    bin[bin.size() - 1000] = static_cast<char>(bin[bin.size() - 1000] ^ 0x01);
    auto corrupt = ours.decrypt(bin);
    ASSERT_FALSE(corrupt);
    EXPECT_EQ(corrupt.error().code, 554);

    for (const std::string& junk :
         {std::string("not a message"), std::string("\xa3\x01xyz", 5), key(0).public_key}) {
        auto r = ours.decrypt(junk);
        ASSERT_FALSE(r);
        EXPECT_EQ(r.error().code, 554) << r.error().reason;
    }
}

TEST_F(Messages, CompressionBombHitsTheCap) {
    const Decryptor ours = decryptor();
    dir.put("pub.pgp", key(0).public_key);
    ASSERT_EQ(dir.run("gpg --batch --import pub.pgp"), 0) << dir.log();
    // 100 MB of zeros compress to ~100 KB: past 4 x input + 64 MiB.
    ASSERT_EQ(dir.run("head -c 100000000 /dev/zero | " + TempDir::gpg() +
                      " --trust-model always --compress-algo zlib -z 9 -r " + key(0).fingerprint +
                      " -o bomb.gpg --encrypt"),
              0)
        << dir.log();
    const std::string bomb = dir.get("bomb.gpg");
    ASSERT_LT(bomb.size(), 1000000U);
    auto r = ours.decrypt(bomb);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, 552);
    EXPECT_NE(r.error().reason.find("exceeds the limit"), std::string::npos);
    // A configured cap applies too, and a cap above the size lets it through.
    DecryptOptions small;
    small.max_output = 1000;
    const std::vector<std::string> to_us{key(0).public_key};
    auto enc = encrypt(std::string(1001, 'z'), to_us);
    ASSERT_TRUE(enc);
    EXPECT_FALSE(ours.decrypt(enc->armored, small));
    small.max_output = 1001;
    auto fits = ours.decrypt(enc->armored, small);
    ASSERT_TRUE(fits && fits->has_value());
    EXPECT_EQ((*fits)->plaintext.size(), 1001U);
}

TEST_F(Messages, RefusesToEncryptToUnusableKeys) {
    const std::vector<std::string> revoked{
        testdata("interop-suite/revoked-key-cert-revoked-compromised.pgp")};
    auto r = encrypt("secret", revoked);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, 550);
    EXPECT_NE(r.error().reason.find("revoked (compromised"), std::string::npos) << r.error().reason;

    const std::vector<std::string> sign_only{
        testdata("interop-suite/revoked-key-cert-not-revoked.pgp")};
    r = encrypt("secret", sign_only);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().reason.find("no valid encryption subkey"), std::string::npos);

    // Encryptor: a subset of the loaded keys, by fingerprint; unknown fingerprints fail.
    const std::vector<std::string> loaded{key(0).public_key, key(1).public_key};
    auto encryptor = Encryptor::create(loaded);
    ASSERT_TRUE(encryptor);
    const std::vector<std::string> both{key(0).fingerprint, key(1).fingerprint};
    auto enc = encryptor->encrypt("to both", both);
    ASSERT_TRUE(enc) << enc.error().reason;
    EXPECT_EQ(enc->keys, both);
    const std::vector<std::string> unknown{"eb85bb5fa33a75e15e944e63f231550c4f47e38e"};
    EXPECT_FALSE(encryptor->encrypt("x", unknown));
    EXPECT_FALSE(encryptor->encrypt("x", {}));
}

// The daemon's Encryptor sits on a KeyRing that holds every stored key (the Verifier's too):
// only the keys it was given may be recipients, and every refusal is the one an Encryptor of
// exactly those keys gives.
TEST_F(Messages, AnEncryptorOnASharedRingTakesOnlyItsKeys) {
    const std::string revoked_blob =
        testdata("interop-suite/revoked-key-cert-revoked-compromised.pgp");
    auto revoked_fps = KeyRing::create(std::vector<std::string>{revoked_blob});
    ASSERT_TRUE(revoked_fps) << revoked_fps.error().reason;
    ASSERT_EQ((*revoked_fps)->keys().size(), 1U);
    const std::string revoked_fp = (*revoked_fps)->keys().front();

    const std::vector<std::string> all{key(0).public_key, key(1).public_key, revoked_blob};
    auto ring = KeyRing::create(all);
    ASSERT_TRUE(ring) << ring.error().reason;
    const std::vector<std::string> in_ring{key(0).fingerprint, key(1).fingerprint, revoked_fp};
    EXPECT_EQ((*ring)->keys(), in_ring);
    EXPECT_TRUE((*ring)->holds(in_ring));
    EXPECT_FALSE((*ring)->holds(std::vector<std::string>{std::string(40, 'a')}));

    // Given in upper case, as fingerprints may be: the same keys.
    const std::vector<std::string> given{upper(key(0).fingerprint), revoked_fp};
    const Encryptor shared = Encryptor::create(*ring, given);
    const std::vector<std::string> own_blobs{key(0).public_key, revoked_blob};
    auto own = Encryptor::create(own_blobs);
    ASSERT_TRUE(own) << own.error().reason;
    auto shared_keys = shared.loaded_keys();
    auto own_keys = own->loaded_keys();
    ASSERT_TRUE(shared_keys && own_keys);
    EXPECT_EQ(*shared_keys, *own_keys);
    EXPECT_EQ(*shared_keys, (std::vector<std::string>{key(0).fingerprint, revoked_fp}));

    auto to_first = shared.encrypt("to the first", std::vector<std::string>{key(0).fingerprint});
    ASSERT_TRUE(to_first) << to_first.error().reason;
    const std::vector<std::string> secrets{key(0).secret_key};
    auto d = Decryptor::create(secrets);
    ASSERT_TRUE(d) << d.error().reason;
    auto back = d->decrypt(to_first->armored);
    ASSERT_TRUE(back && *back) << (back ? "not for us" : back.error().reason);
    EXPECT_EQ((*back)->plaintext, "to the first");

    auto info = key_info(key(1).public_key);
    ASSERT_TRUE(info);
    ASSERT_FALSE(info->subkeys.empty());
    auto first_info = key_info(key(0).public_key);
    ASSERT_TRUE(first_info);
    ASSERT_FALSE(first_info->subkeys.empty());
    // The same answer as the Encryptor of exactly the given keys: for a key in the ring but not
    // given (its primary, its subkey), one not in the ring at all, one given but unusable, a
    // subkey of a given key, and no recipient.
    const std::vector<std::vector<std::string>> refusals{
        {key(1).fingerprint},
        {info->subkeys.front().fingerprint},
        {key(0).fingerprint, key(1).fingerprint},
        {"eb85bb5fa33a75e15e944e63f231550c4f47e38e"},
        {revoked_fp},
        {first_info->subkeys.front().fingerprint},
        {},
    };
    for (const auto& recipients : refusals) {
        auto a = shared.encrypt("x", recipients);
        auto b = own->encrypt("x", recipients);
        const std::string name = recipients.empty() ? "none" : recipients.back();
        ASSERT_EQ(static_cast<bool>(a), static_cast<bool>(b)) << name;
        if (!a) {
            EXPECT_EQ(a.error().kind, b.error().kind) << name;
            EXPECT_EQ(a.error().code, b.error().code) << name;
            EXPECT_EQ(a.error().reason, b.error().reason) << name;
        }
    }
    auto not_given = shared.encrypt("x", std::vector<std::string>{key(1).fingerprint});
    ASSERT_FALSE(not_given);
    EXPECT_EQ(not_given.error().reason,
              "encrypt: recipient key " + key(1).fingerprint + " is not loaded");
    EXPECT_TRUE(not_given.error().temporary());
    auto unusable = shared.encrypt("x", std::vector<std::string>{revoked_fp});
    ASSERT_FALSE(unusable);
    EXPECT_EQ(unusable.error().code, 550);
}

TEST_F(Messages, RefusesPassphraseProtectedSecretKeys) {
    // The agent's default S2K calibration costs seconds per protected key: a test needs none.
    dir.put("gnupg/gpg-agent.conf", "s2k-count 65536\n");
    ASSERT_EQ(dir.run("gpg --batch --pinentry-mode loopback --passphrase pw --quick-gen-key "
                      "'<locked@our.example>' ed25519 cert,sign never"),
              0)
        << dir.log();
    const std::string fpr = dir.gpg_fpr("<locked@our.example>");
    ASSERT_EQ(dir.run("gpg --batch --pinentry-mode loopback --passphrase pw --quick-add-key " +
                      fpr + " cv25519 encr never"),
              0)
        << dir.log();
    ASSERT_EQ(dir.run("gpg --batch --pinentry-mode loopback --passphrase pw --export-secret-keys " +
                      fpr + " > locked.pgp"),
              0)
        << dir.log();
    const std::vector<std::string> locked{dir.get("locked.pgp")};
    auto d = Decryptor::create(locked);
    ASSERT_FALSE(d);
    EXPECT_NE(d.error().reason.find("passphrase-protected"), std::string::npos) << d.error().reason;
    // A failed reload keeps the keys already loaded.
    Decryptor ours = decryptor();
    EXPECT_FALSE(ours.reload(locked));
    const std::vector<std::string> to_us{key(0).public_key};
    auto enc = encrypt("still here", to_us);
    ASSERT_TRUE(enc);
    auto out = ours.decrypt(enc->armored);
    ASSERT_TRUE(out && out->has_value());
    EXPECT_EQ((*out)->plaintext, "still here");
}

// ---- SED without MDC -------------------------------------------------------------------------
//
// No Debian 12 tool writes a Symmetrically Encrypted Data packet (tag 9) any more, so the test
// builds one: gpg encrypts to our RSA key and reveals the session key; the PKESK is kept and the
// SEIPD packet is replaced by a SED packet holding the same literal data, encrypted with that
// session key in OpenPGP CFB mode with resynchronisation (RFC 4880 §13.9).

std::string new_packet(int tag, const std::string& body) {
    std::string p(1, static_cast<char>(0xC0 | tag));
    p.push_back(static_cast<char>(0xFF));  // five-octet length
    for (int shift = 24; shift >= 0; shift -= 8)
        p.push_back(static_cast<char>((body.size() >> shift) & 0xFF));
    return p + body;
}

size_t first_packet_length(const std::string& bin) {
    const auto b = [&](size_t i) { return static_cast<unsigned char>(bin.at(i)); };
    if (b(0) & 0x40) {  // new format
        if (b(1) < 192)
            return 2 + b(1);
        if (b(1) < 224)
            return 3 + ((b(1) - 192) << 8) + b(2) + 192;
        return 6 + ((size_t{b(2)} << 24) | (b(3) << 16) | (b(4) << 8) | b(5));
    }
    switch (b(0) & 0x03) {
        case 0:
            return 2 + b(1);
        case 1:
            return 3 + ((b(1) << 8) | b(2));
        default:
            return 5 + ((size_t{b(1)} << 24) | (b(2) << 16) | (b(3) << 8) | b(4));
    }
}

std::string aes256_cfb(const std::string& key, const std::string& iv, const std::string& in) {
    std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> ctx(EVP_CIPHER_CTX_new(),
                                                                        &EVP_CIPHER_CTX_free);
    std::string out(in.size(), '\0');
    int len = 0;
    EXPECT_EQ(EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_cfb128(), nullptr,
                                 reinterpret_cast<const unsigned char*>(key.data()),
                                 reinterpret_cast<const unsigned char*>(iv.data())),
              1);
    EXPECT_EQ(EVP_EncryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len,
                                reinterpret_cast<const unsigned char*>(in.data()),
                                static_cast<int>(in.size())),
              1);
    return out;
}

TEST_F(Messages, RefusesSedWithoutMdc) {
    const Decryptor ours = decryptor();
    dir.put("sec.pgp", key(1).secret_key);
    dir.put("body", "integrity matters");
    ASSERT_EQ(dir.run("gpg --batch --import sec.pgp"), 0) << dir.log();
    ASSERT_EQ(dir.run(TempDir::gpg() + " --trust-model always --cipher-algo AES256 -r " +
                      key(1).fingerprint + " -o msg.gpg --encrypt body"),
              0)
        << dir.log();
    ASSERT_EQ(dir.run(TempDir::gpg() + " --show-session-key -o /dev/null --decrypt msg.gpg "
                                       "2> session.txt"),
              0)
        << dir.log();
    std::smatch m;
    const std::string session_text = dir.get("session.txt");
    ASSERT_TRUE(std::regex_search(session_text, m, std::regex("session key: '9:([0-9A-F]{64})'")))
        << session_text;
    std::string session_key;
    for (size_t i = 0; i < 64; i += 2)
        session_key.push_back(static_cast<char>(std::stoi(m[1].str().substr(i, 2), nullptr, 16)));

    const std::string gpg_msg = dir.get("msg.gpg");
    const std::string pkesk = gpg_msg.substr(0, first_packet_length(gpg_msg));
    ASSERT_EQ(static_cast<unsigned char>(pkesk[0]) & 0x3C, 1 << 2);  // tag 1, old format

    const std::string literal = new_packet(11, std::string("b\0\0\0\0\0", 6) + "integrity matters");
    std::string prefix(16, '\0');
    for (size_t i = 0; i < 16; ++i)
        prefix[i] = static_cast<char>(i * 7 + 3);
    prefix += prefix.substr(14, 2);  // the quick check
    const std::string c1 = aes256_cfb(session_key, std::string(16, '\0'), prefix);
    const std::string c2 = aes256_cfb(session_key, c1.substr(2, 16), literal);  // resync
    const std::string sed = new_packet(9, c1 + c2);

    auto r = ours.decrypt(pkesk + sed);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, 554);
    EXPECT_NE(r.error().reason.find("integrity"), std::string::npos) << r.error().reason;

    // Control: the same construction as SEIPD would be accepted by peers, so the refusal above
    // is about the missing MDC, not a broken test packet. gpg 2.2 reads the SED and warns.
    dir.put("sed.gpg", pkesk + sed);
    dir.run(TempDir::gpg() + " --ignore-mdc-error -o sed.out --decrypt sed.gpg");
    EXPECT_EQ(dir.get("sed.out"), "integrity matters") << dir.log();
}

}  // namespace
}  // namespace sealgate::openpgp
