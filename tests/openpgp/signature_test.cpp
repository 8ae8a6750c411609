// Mail signatures (docs/signing.md): signing_usability, Decryptor::sign_detached,
// check_signature and Decryptor::decrypt with verify keys (RFC 3156 §5 and §6.2).
//
// MailSignatures.* are unit tests (librnp only); MailSignatureInterop.* run gpg and sq.
#include <gtest/gtest.h>
#include <rnp/rnp.h>
#include <rnp/rnp_err.h>

#include <ctime>
#include <memory>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "openpgp/key.hpp"
#include "openpgp/keyring.hpp"
#include "openpgp/lifecycle.hpp"
#include "openpgp/message.hpp"
#include "openpgp/signature.hpp"
#include "peer.hpp"

namespace sealgate::openpgp {
namespace {

using testing::TempDir;
using testing::testdata;

// A 10 KB MIME entity with CRLF line ends, the kind of part 1 a multipart/signed carries.
std::string entity() {
    std::string e =
        "Content-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\n";
    for (int i = 0; i < 200; ++i)
        e += "Gr\xC3\xBC\xC3\x9F"
             "e, line " +
             std::to_string(i) + " of the signed entity, with trailing space \r\n";
    return e;
}

// A message signed and encrypted in one OpenPGP message (RFC 3156 §6.2), made with librnp
// directly: the shape gpg --sign --encrypt and Thunderbird produce, for the unit tests.
std::string sign_and_encrypt(const std::string& signer_secret, const std::string& signer_fp,
                             const std::string& recipient_public, const std::string& recipient_fp,
                             const std::string& data) {
    rnp_ffi_t ffi = nullptr;
    EXPECT_EQ(rnp_ffi_create(&ffi, "GPG", "GPG"), RNP_SUCCESS);
    std::unique_ptr<rnp_ffi_st, decltype(&rnp_ffi_destroy)> owned(ffi, &rnp_ffi_destroy);
    for (const std::string* blob : {&signer_secret, &recipient_public}) {
        rnp_input_t in = nullptr;
        rnp_input_from_memory(&in, reinterpret_cast<const uint8_t*>(blob->data()), blob->size(),
                              false);
        EXPECT_EQ(rnp_import_keys(ffi, in, RNP_LOAD_SAVE_PUBLIC_KEYS | RNP_LOAD_SAVE_SECRET_KEYS,
                                  nullptr),
                  RNP_SUCCESS);
        rnp_input_destroy(in);
    }
    rnp_input_t in = nullptr;
    rnp_input_from_memory(&in, reinterpret_cast<const uint8_t*>(data.data()), data.size(), false);
    rnp_output_t out = nullptr;
    rnp_output_to_memory(&out, 0);
    rnp_op_encrypt_t op = nullptr;
    EXPECT_EQ(rnp_op_encrypt_create(&op, ffi, in, out), RNP_SUCCESS);
    // The recipient: its newest encryption subkey; the signer: its primary key.
    rnp_identifier_iterator_t it = nullptr;
    rnp_identifier_iterator_create(ffi, &it, "fingerprint");
    const char* id = nullptr;
    while (rnp_identifier_iterator_next(it, &id) == RNP_SUCCESS && id != nullptr) {
        rnp_key_handle_t key = nullptr;
        rnp_locate_key(ffi, "fingerprint", id, &key);
        bool primary = false;
        rnp_key_is_primary(key, &primary);
        char* fp = nullptr;
        rnp_key_get_fprint(key, &fp);
        std::string lower(fp);
        rnp_buffer_destroy(fp);
        for (char& c : lower)
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (primary && lower == signer_fp) {
            EXPECT_EQ(rnp_op_encrypt_add_signature(op, key, nullptr), RNP_SUCCESS);
        }
        if (primary && lower == recipient_fp) {
            rnp_key_handle_t enc = nullptr;
            EXPECT_EQ(rnp_key_get_default_key(key, "encrypt", 0, &enc), RNP_SUCCESS);
            EXPECT_EQ(rnp_op_encrypt_add_recipient(op, enc), RNP_SUCCESS);
            rnp_key_handle_destroy(enc);
        }
        rnp_key_handle_destroy(key);
    }
    rnp_identifier_iterator_destroy(it);
    rnp_op_encrypt_set_hash(op, "SHA256");
    rnp_op_encrypt_set_cipher(op, "AES256");
    rnp_op_encrypt_set_aead(op, "None");
    rnp_op_encrypt_set_armor(op, true);
    EXPECT_EQ(rnp_op_encrypt_execute(op), RNP_SUCCESS);
    uint8_t* buf = nullptr;
    size_t len = 0;
    rnp_output_memory_get_buf(out, &buf, &len, false);
    std::string result(reinterpret_cast<const char*>(buf), len);
    rnp_op_encrypt_destroy(op);
    rnp_output_destroy(out);
    rnp_input_destroy(in);
    return result;
}

class MailSignatures : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        // ours: the gateway's key (decrypts, signs). partner: another gateway's key. short_lived:
        // expires an hour after its creation.
        auto ours = create_key("<domain-cert@our.example>", KeyAlgorithm::ed25519, 0);
        auto partner = create_key("<domain-cert@partner.example>", KeyAlgorithm::ed25519, 0);
        auto short_lived = create_key("<short@partner.example>", KeyAlgorithm::ed25519, 3600);
        ASSERT_TRUE(ours && partner && short_lived);
        keys_ = new std::vector<KeyMaterial>{*ours, *partner, *short_lived};
    }
    static void TearDownTestSuite() {
        delete keys_;
        keys_ = nullptr;
    }
    static const KeyMaterial& ours() { return keys_->at(0); }
    static const KeyMaterial& partner() { return keys_->at(1); }
    static const KeyMaterial& short_lived() { return keys_->at(2); }
    static Decryptor decryptor(const KeyMaterial& k) {
        const std::vector<std::string> secrets{k.secret_key};
        auto d = Decryptor::create(secrets);
        EXPECT_TRUE(d) << d.error().reason;
        return std::move(*d);
    }
    static inline std::vector<KeyMaterial>* keys_ = nullptr;
};

TEST_F(MailSignatures, SigningUsabilityPicksTheSigningKeyAfterThePrimaryChecks) {
    // Our keys: an Ed25519 primary that certifies and signs, a Curve25519 subkey that encrypts.
    auto sign = signing_usability(ours().public_key);
    ASSERT_TRUE(sign) << sign.error().reason;
    EXPECT_TRUE(sign->usable) << sign->reason;
    EXPECT_EQ(sign->encryption_key, ours().fingerprint);
    EXPECT_EQ(sign->encryption_strength.curve, "Ed25519");
    auto enc = encryption_usability(ours().public_key);
    ASSERT_TRUE(enc && enc->usable);
    EXPECT_NE(enc->encryption_key, sign->encryption_key);

    // The primary key's checks come first, as for encryption.
    const std::time_t later = std::time(nullptr) + 2 * 3600;
    auto expired = signing_usability(short_lived().public_key, later);
    ASSERT_TRUE(expired);
    EXPECT_FALSE(expired->usable);
    EXPECT_EQ(expired->problem, Usability::Problem::expired);
    EXPECT_EQ(expired->reason.rfind("expired on ", 0), 0U) << expired->reason;
    auto revoked_key = revoke(partner().secret_key, RevocationCode::compromised, "test");
    ASSERT_TRUE(revoked_key) << revoked_key.error().reason;
    auto revoked = signing_usability(revoked_key->public_key);
    ASSERT_TRUE(revoked);
    EXPECT_FALSE(revoked->usable);
    EXPECT_EQ(revoked->problem, Usability::Problem::revoked);
    EXPECT_EQ(revoked->reason.rfind("revoked (compromised", 0), 0U) << revoked->reason;

    // Signing and encryption are judged apart: the interop suite's sign-only key signs but
    // does not encrypt (a key that only encrypts: MailSignatureInterop, made by gpg).
    auto sign_only = testdata("interop-suite/revoked-key-cert-not-revoked.pgp");
    auto s = signing_usability(sign_only);
    ASSERT_TRUE(s);
    EXPECT_TRUE(s->usable) << s->reason;
    auto e = encryption_usability(sign_only);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->reason, "no valid encryption subkey");

    EXPECT_FALSE(signing_usability("not a key"));
}

TEST_F(MailSignatures, DetachedSignatureChecksWithTheGivenKeysOnly) {
    const Decryptor d = decryptor(ours());
    const std::string data = entity();
    auto sig = d.sign_detached(ours().fingerprint, data);
    ASSERT_TRUE(sig) << sig.error().reason;
    EXPECT_EQ(sig->rfind("-----BEGIN PGP SIGNATURE-----\r\n", 0), 0U) << *sig;
    for (std::size_t i = sig->find('\n'); i != std::string::npos; i = sig->find('\n', i + 1))
        ASSERT_EQ((*sig)[i - 1], '\r') << "bare LF at " << i;

    const std::vector<std::string> given{partner().public_key, ours().public_key};
    auto good = check_signature(given, data, *sig);
    ASSERT_TRUE(good) << good.error().reason;
    EXPECT_TRUE(good->valid) << good->reason;
    EXPECT_EQ(good->key, ours().fingerprint);
    EXPECT_EQ(good->signing_key, ours().fingerprint);
    EXPECT_LE(good->created, std::time(nullptr));
    EXPECT_GT(good->created, std::time(nullptr) - 600);

    // One byte changed in the data: intact no more.
    std::string tampered = data;
    tampered[tampered.size() / 2] ^= 0x01;
    auto bad = check_signature(given, tampered, *sig);
    ASSERT_TRUE(bad);
    EXPECT_FALSE(bad->valid);
    EXPECT_EQ(bad->reason, "the signed data was modified");
    EXPECT_EQ(bad->key, ours().fingerprint);
    // CRLF turned into LF is a modification too (RFC 3156 signs the canonical form).
    std::string lf;
    for (char c : data)
        if (c != '\r')
            lf += c;
    auto lf_check = check_signature(given, lf, *sig);
    ASSERT_TRUE(lf_check);
    EXPECT_FALSE(lf_check->valid);

    // Not among the given keys: named by its key id, not valid, no key.
    const std::vector<std::string> others{partner().public_key};
    auto other = check_signature(others, data, *sig);
    ASSERT_TRUE(other);
    EXPECT_FALSE(other->valid);
    EXPECT_EQ(other->reason,
              "made by a key not given (key id " + ours().fingerprint.substr(24) + ")");
    EXPECT_TRUE(other->key.empty());
    auto none = check_signature({}, data, *sig);
    ASSERT_TRUE(none);
    EXPECT_FALSE(none->valid);

    // Not a signature: an error, not a verdict.
    auto garbage = check_signature(given, data, "-----BEGIN PGP SIGNATURE-----\r\n\r\nxyz\r\n");
    ASSERT_FALSE(garbage);
    EXPECT_EQ(garbage.error().kind, ErrorKind::bad_input);
    EXPECT_FALSE(check_signature(given, data, ""));

    // sign_detached: only a loaded key.
    auto missing = d.sign_detached(partner().fingerprint, data);
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().kind, ErrorKind::not_found);
}

// The daemon's workers keep every partner key loaded (Verifier) instead of loading the sender
// domain's keys per message: the verdicts must be check_signature's, word for word. Both ways a
// Verifier is made: its own KeyRing, and the worker's, a KeyRing shared with an Encryptor that
// encrypts between the checks (to a subset of the ring, which must not narrow what the Verifier
// holds).
TEST_F(MailSignatures, TheLoadedOnceVerifierJudgesAsCheckSignature) {
    const Decryptor d = decryptor(ours());
    const std::string data = entity();
    auto sig = d.sign_detached(ours().fingerprint, data);
    ASSERT_TRUE(sig) << sig.error().reason;
    const Decryptor s = decryptor(short_lived());
    auto short_sig = s.sign_detached(short_lived().fingerprint, data);
    ASSERT_TRUE(short_sig) << short_sig.error().reason;

    const std::vector<std::string> keys{partner().public_key, ours().public_key,
                                        short_lived().public_key};
    auto own = Verifier::create(keys);
    ASSERT_TRUE(own) << own.error().reason;
    auto ring = KeyRing::create(keys);
    ASSERT_TRUE(ring) << ring.error().reason;
    const std::vector<std::string> partner_only{partner().fingerprint};
    const Encryptor encryptor = Encryptor::create(*ring, partner_only);
    const Verifier shared = Verifier::create(*ring);
    const auto encrypt_between = [&] {
        auto enc = encryptor.encrypt("between the checks", partner_only);
        ASSERT_TRUE(enc) << enc.error().reason;
    };

    const std::vector<std::string> both{partner().fingerprint, ours().fingerprint};
    const std::vector<std::string> short_only{short_lived().fingerprint};
    const auto blob = [&](const std::string& fp) {
        for (const KeyMaterial* k : {&ours(), &partner(), &short_lived()})
            if (k->fingerprint == fp)
                return k->public_key;
        return std::string();
    };
    std::string tampered = data;
    tampered[tampered.size() / 2] ^= 0x01;
    const std::time_t now = std::time(nullptr);
    const std::time_t later = now + 2 * 3600;  // short_lived has expired

    const Verifier* const verifiers[] = {&*own, &shared};
    for (const Verifier* verifier : verifiers) {
        const std::string which = verifier == &shared ? "shared ring" : "own ring";
        EXPECT_TRUE(verifier->holds(both)) << which;
        EXPECT_TRUE(verifier->holds(short_only)) << which;
        EXPECT_FALSE(verifier->holds(std::vector<std::string>{std::string(40, 'a')})) << which;

        encrypt_between();
        auto good = verifier->check(both, data, *sig);
        ASSERT_TRUE(good) << good.error().reason;
        EXPECT_TRUE(good->valid) << good->reason;
        EXPECT_EQ(good->key, ours().fingerprint);

        struct Case {
            const char* name;
            const std::string* text;
            const std::string* signature;
            const std::vector<std::string>* signers;
            std::time_t at;
        };
        const Case cases[] = {
            {"intact", &data, &*sig, &both, now},
            {"intact, partner only", &data, &*sig, &partner_only, now},
            {"tampered", &tampered, &*sig, &both, now},
            {"tampered, partner only", &tampered, &*sig, &partner_only, now},
            {"short-lived, now", &data, &*short_sig, &short_only, now},
            {"short-lived, expired", &data, &*short_sig, &short_only, later},
        };
        for (const Case& c : cases) {
            const std::string name = which + ": " + c.name;
            std::vector<std::string> blobs;
            for (const std::string& fp : *c.signers)
                blobs.push_back(blob(fp));
            encrypt_between();
            auto once = verifier->check(*c.signers, *c.text, *c.signature, c.at);
            auto each = check_signature(blobs, *c.text, *c.signature, c.at);
            ASSERT_TRUE(once && each) << name;
            EXPECT_EQ(once->valid, each->valid) << name;
            EXPECT_EQ(once->reason, each->reason) << name;
            EXPECT_EQ(once->key, each->key) << name;
            EXPECT_EQ(once->signing_key, each->signing_key) << name;
            EXPECT_EQ(once->created, each->created) << name;
        }
        // A key loaded but not the domain's: as check_signature without it.
        auto other = verifier->check(partner_only, data, *sig);
        ASSERT_TRUE(other);
        EXPECT_FALSE(other->valid);
        EXPECT_EQ(other->reason,
                  "made by a key not given (key id " + ours().fingerprint.substr(24) + ")");
        auto expired = verifier->check(short_only, data, *short_sig, later);
        ASSERT_TRUE(expired);
        EXPECT_EQ(expired->reason, "the signing key has expired") << which;
        EXPECT_FALSE(verifier->check(both, data, "-----BEGIN PGP SIGNATURE-----\r\n\r\nxyz\r\n"));
    }
}

TEST_F(MailSignatures, ExpiredAndRevokedSignersAreJudgedNow) {
    // Signed while the key was valid, checked after it expired / was revoked.
    const Decryptor d = decryptor(short_lived());
    const std::string data = entity();
    auto sig = d.sign_detached(short_lived().fingerprint, data);
    ASSERT_TRUE(sig) << sig.error().reason;
    const std::vector<std::string> given{short_lived().public_key};
    auto now_ok = check_signature(given, data, *sig);
    ASSERT_TRUE(now_ok);
    EXPECT_TRUE(now_ok->valid) << now_ok->reason;
    auto later = check_signature(given, data, *sig, std::time(nullptr) + 2 * 3600);
    ASSERT_TRUE(later);
    EXPECT_FALSE(later->valid);
    EXPECT_EQ(later->reason, "the signing key has expired");

    const Decryptor p = decryptor(partner());
    auto psig = p.sign_detached(partner().fingerprint, data);
    ASSERT_TRUE(psig);
    auto revoked_key = revoke(partner().secret_key, RevocationCode::compromised, "stolen");
    ASSERT_TRUE(revoked_key);
    const std::vector<std::string> revoked{revoked_key->public_key};
    auto r = check_signature(revoked, data, *psig);
    ASSERT_TRUE(r);
    EXPECT_FALSE(r->valid);
    EXPECT_EQ(r->reason, "the signing key is revoked");
    EXPECT_EQ(r->key, partner().fingerprint);

    // We do not sign with a key that cannot sign now.
    const std::vector<std::string> revoked_secret{revoked_key->secret_key};
    auto rd = Decryptor::create(revoked_secret);
    ASSERT_TRUE(rd);
    auto refused = rd->sign_detached(partner().fingerprint, data);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().kind, ErrorKind::unusable);
    EXPECT_NE(refused.error().reason.find("revoked"), std::string::npos) << refused.error().reason;
}

TEST_F(MailSignatures, CombinedMessageSignaturesAreJudgedPerCallWithTheGivenKeys) {
    const Decryptor d = decryptor(ours());
    const std::string data = entity();
    const std::string msg = sign_and_encrypt(partner().secret_key, partner().fingerprint,
                                             ours().public_key, ours().fingerprint, data);
    ASSERT_FALSE(msg.empty());

    // Plain decrypt(): no signatures reported.
    auto plain = d.decrypt(msg);
    ASSERT_TRUE(plain && plain->has_value()) << (plain ? "" : plain.error().reason);
    EXPECT_EQ((*plain)->plaintext, data);
    EXPECT_TRUE((*plain)->signatures.empty());

    const std::vector<std::string> given{partner().public_key};
    auto checked = d.decrypt(msg, given);
    ASSERT_TRUE(checked && checked->has_value()) << (checked ? "" : checked.error().reason);
    EXPECT_EQ((*checked)->plaintext, data);
    EXPECT_EQ((*checked)->key, ours().fingerprint);
    ASSERT_EQ((*checked)->signatures.size(), 1U);
    EXPECT_TRUE((*checked)->signatures[0].valid) << (*checked)->signatures[0].reason;
    EXPECT_EQ((*checked)->signatures[0].key, partner().fingerprint);

    // The key given for the last call does not stay: without it the signature is by a key
    // not given; with the revoked version it is revoked; with the key again valid again.
    auto without = d.decrypt(msg, std::vector<std::string>{});
    ASSERT_TRUE(without && without->has_value());
    ASSERT_EQ((*without)->signatures.size(), 1U);
    EXPECT_FALSE((*without)->signatures[0].valid);
    EXPECT_EQ((*without)->signatures[0].reason.rfind("made by a key not given", 0), 0U);
    auto revoked_key = revoke(partner().secret_key, RevocationCode::compromised, "stolen");
    ASSERT_TRUE(revoked_key);
    const std::vector<std::string> revoked{revoked_key->public_key};
    auto r = d.decrypt(msg, revoked);
    ASSERT_TRUE(r && r->has_value());
    ASSERT_EQ((*r)->signatures.size(), 1U);
    EXPECT_EQ((*r)->signatures[0].reason, "the signing key is revoked");
    auto again = d.decrypt(msg, given);
    ASSERT_TRUE(again && again->has_value());
    ASSERT_EQ((*again)->signatures.size(), 1U);
    EXPECT_TRUE((*again)->signatures[0].valid) << (*again)->signatures[0].reason;

    // A message only encrypted: no signatures, also with keys given.
    auto only = encrypt(data, std::vector<std::string>{ours().public_key});
    ASSERT_TRUE(only);
    auto unsigned_msg = d.decrypt(only->armored, given);
    ASSERT_TRUE(unsigned_msg && unsigned_msg->has_value());
    EXPECT_TRUE((*unsigned_msg)->signatures.empty());
    // The verify keys are imported only when a signature asks for a key we do not hold: an
    // unreadable one does not even get looked at for a message without signatures.
    auto lazy = d.decrypt(only->armored, std::vector<std::string>{"garbage"});
    ASSERT_TRUE(lazy && lazy->has_value()) << (lazy ? "" : lazy.error().reason);
    EXPECT_TRUE((*lazy)->signatures.empty());
    auto signed_garbage = d.decrypt(msg, std::vector<std::string>{"garbage"});
    ASSERT_FALSE(signed_garbage);
    EXPECT_TRUE(signed_garbage.error().temporary());
}

TEST_F(MailSignatures, OurOwnKeyGivenAsVerifyKeyLeavesOurKeyUnchanged) {
    // Our own key's public part, revoked, given as a verify key merges into the loaded key for
    // that call; the Decryptor must come back unchanged: it still signs and decrypts, and the
    // unrevoked key judges our signature valid again.
    const Decryptor d = decryptor(ours());
    const std::string data = entity();
    const std::string msg = sign_and_encrypt(ours().secret_key, ours().fingerprint,
                                             ours().public_key, ours().fingerprint, data);
    auto revoked_key = revoke(ours().secret_key, RevocationCode::superseded, "test");
    ASSERT_TRUE(revoked_key);
    const std::vector<std::string> revoked{revoked_key->public_key};
    auto r = d.decrypt(msg, revoked);
    ASSERT_TRUE(r && r->has_value()) << (r ? "" : r.error().reason);
    ASSERT_EQ((*r)->signatures.size(), 1U);
    EXPECT_EQ((*r)->signatures[0].reason, "the signing key is revoked");

    auto sig = d.sign_detached(ours().fingerprint, data);
    ASSERT_TRUE(sig) << sig.error().reason;
    const std::vector<std::string> given{ours().public_key};
    auto again = d.decrypt(msg, given);
    ASSERT_TRUE(again && again->has_value()) << (again ? "" : again.error().reason);
    ASSERT_EQ((*again)->signatures.size(), 1U);
    EXPECT_TRUE((*again)->signatures[0].valid) << (*again)->signatures[0].reason;
    // Not given: our own key in the Decryptor does not make the signature valid.
    auto not_given = d.decrypt(msg, std::vector<std::string>{partner().public_key});
    ASSERT_TRUE(not_given && not_given->has_value());
    ASSERT_EQ((*not_given)->signatures.size(), 1U);
    EXPECT_FALSE((*not_given)->signatures[0].valid);

    // An unreadable verify key fails the call and changes nothing either.
    auto broken = d.decrypt(msg, std::vector<std::string>{"garbage"});
    ASSERT_FALSE(broken);
    auto after = d.decrypt(msg, given);
    ASSERT_TRUE(after && after->has_value());
    EXPECT_TRUE((*after)->signatures.at(0).valid);
}

// ---- Interop: gpg and sq ---------------------------------------------------------------------

std::string upper(std::string s) {
    for (char& c : s)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

std::string lower(std::string s) {
    for (char& c : s)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

class MailSignatureInterop : public MailSignatures {
  protected:
    // A key made by gpg with the primary for certification only and subkeys for `usages`
    // ("sign", "encr"): the common shape of gpg and sq keys (a signing subkey, not the primary).
    // Returns the primary fingerprint (lower-case); the public key is in <name>.pub, the
    // unprotected secret key in <name>.sec.
    std::string gpg_key(const std::string& name, const std::vector<std::string>& usages) {
        const std::string uid = "<" + name + "@partner.example>";
        EXPECT_EQ(dir.run(TempDir::gpg() + " --quick-generate-key '" + uid + "' ed25519 cert 2y"),
                  0)
            << dir.log();
        const std::string fpr = dir.gpg_fpr(uid);
        EXPECT_FALSE(fpr.empty()) << dir.log();
        for (const std::string& usage : usages) {
            const std::string algo = usage == "encr" ? "cv25519" : "ed25519";
            EXPECT_EQ(dir.run(TempDir::gpg() + " --quick-add-key " + fpr + " " + algo + " " +
                              usage + " 2y"),
                      0)
                << dir.log();
        }
        EXPECT_EQ(dir.run("gpg --export " + fpr + " > " + name + ".pub"), 0) << dir.log();
        EXPECT_EQ(dir.run(TempDir::gpg() + " --export-secret-keys " + fpr + " > " + name + ".sec"),
                  0)
            << dir.log();
        return lower(fpr);
    }
    // The fingerprint of `fpr`'s subkey with `usage` (gpg's capability letter: s, e).
    std::string gpg_subkey(const std::string& fpr, char usage) {
        dir.run("gpg --with-colons --list-keys " + fpr + " > sub.txt");
        std::istringstream in(dir.get("sub.txt"));
        std::string line;
        bool want = false;
        while (std::getline(in, line)) {
            if (line.rfind("sub:", 0) == 0) {
                std::vector<std::string> f;
                std::stringstream fields(line);
                for (std::string x; std::getline(fields, x, ':');)
                    f.push_back(x);
                want = f.size() > 11 && f[11].find(usage) != std::string::npos;
            } else if (want && line.rfind("fpr:", 0) == 0) {
                const auto end = line.rfind(':');
                const auto begin = line.rfind(':', end - 1);
                return lower(line.substr(begin + 1, end - begin - 1));
            }
        }
        return {};
    }
    // A key made by sq (certification primary, signing and encryption subkeys) in <name>.key
    // and its certificate in <name>.cert; returns the primary fingerprint.
    std::string sq_key(const std::string& name) {
        EXPECT_EQ(dir.run("sq key generate --userid '<" + name + "@partner.example>' --export " +
                          name + ".key"),
                  0)
            << dir.log();
        EXPECT_EQ(dir.run("sq key extract-cert --output " + name + ".cert " + name + ".key"), 0)
            << dir.log();
        auto info = key_info(dir.get(name + ".cert"));
        EXPECT_TRUE(info) << (info ? "" : info.error().reason);
        return info ? info->primary.fingerprint : "";
    }

    TempDir dir;
};

TEST_F(MailSignatureInterop, OurDetachedSignaturesVerifyWithGpgAndSq) {
    // Our keys: the Ed25519 primary signs; a gpg-made key (unprotected secret loaded into the
    // Decryptor) signs with its signing subkey.
    const std::string gfp = gpg_key("subkeysigner", {"sign", "encr"});
    const std::string gsub = gpg_subkey(gfp, 's');
    ASSERT_FALSE(gsub.empty()) << dir.get("sub.txt");
    const std::vector<std::string> secrets{ours().secret_key, dir.get("subkeysigner.sec")};
    auto d = Decryptor::create(secrets);
    ASSERT_TRUE(d) << d.error().reason;
    dir.put("ours.pub", ours().public_key);
    ASSERT_EQ(dir.run("gpg --batch --import ours.pub"), 0) << dir.log();

    // The entity as a multipart/signed carries it: CRLF, 8-bit, trailing white space, a
    // "From " line and no final line end.
    const std::string data = entity() + "From the gateway\r\n-- \r\nend without CRLF";
    dir.put("data", data);
    struct Signer {
        std::string fpr;
        std::string signing;
        std::string cert;
    } signers[] = {{ours().fingerprint, ours().fingerprint, "ours.pub"},
                   {gfp, gsub, "subkeysigner.pub"}};
    for (const Signer& s : signers) {
        SCOPED_TRACE(s.fpr);
        auto sig = d->sign_detached(s.fpr, data);
        ASSERT_TRUE(sig) << sig.error().reason;
        dir.put("data.asc", *sig);
        ASSERT_EQ(dir.run("gpg --batch --status-fd 1 --verify data.asc data > status.txt"), 0)
            << dir.log();
        const std::string status = dir.get("status.txt");
        EXPECT_NE(status.find("[GNUPG:] GOODSIG"), std::string::npos) << status;
        // VALIDSIG <signing key> ... <pk algo> <hash algo 8 = SHA-256> <class 00 = binary>
        // <primary>
        const std::regex validsig("VALIDSIG " + upper(s.signing) + " .* 8 00 " + upper(s.fpr));
        EXPECT_TRUE(std::regex_search(status, validsig)) << status;
        EXPECT_EQ(dir.run("sq verify --detached data.asc --signer-cert " + s.cert + " data"), 0)
            << dir.log();
        // Both peers really check: a changed byte fails with each.
        dir.put("changed", data.substr(0, 100) + "X" + data.substr(101));
        EXPECT_NE(dir.run("gpg --batch --verify data.asc changed"), 0);
        EXPECT_NE(dir.run("sq verify --detached data.asc --signer-cert " + s.cert + " changed"), 0);
        // And we agree with them.
        const std::vector<std::string> given{dir.get(s.cert)};
        auto check = check_signature(given, data, *sig);
        ASSERT_TRUE(check) << check.error().reason;
        EXPECT_TRUE(check->valid) << check->reason;
        EXPECT_EQ(check->key, s.fpr);
        EXPECT_EQ(check->signing_key, s.signing);
    }

    // signing_usability picks the same signing subkey gpg used; a key with no signing-capable
    // part cannot sign, and the Decryptor refuses to sign with it.
    auto usable = signing_usability(dir.get("subkeysigner.pub"));
    ASSERT_TRUE(usable);
    EXPECT_TRUE(usable->usable) << usable->reason;
    EXPECT_EQ(usable->encryption_key, gsub);
    const std::string efp = gpg_key("encryptonly", {"encr"});
    auto enc_only = signing_usability(dir.get("encryptonly.pub"));
    ASSERT_TRUE(enc_only);
    EXPECT_FALSE(enc_only->usable);
    EXPECT_EQ(enc_only->reason, "no valid signing subkey");
    const std::vector<std::string> enc_secret{dir.get("encryptonly.sec")};
    auto ed = Decryptor::create(enc_secret);
    ASSERT_TRUE(ed) << ed.error().reason;
    auto refused = ed->sign_detached(efp, data);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().kind, ErrorKind::unusable);
}

TEST_F(MailSignatureInterop, GpgAndSqDetachedSignaturesCheckInSealgate) {
    const std::string gfp = gpg_key("gpgsigner", {"sign"});
    const std::string gsub = gpg_subkey(gfp, 's');
    const std::string sfp = sq_key("sqsigner");
    ASSERT_FALSE(sfp.empty());
    const std::string data = entity();
    dir.put("data", data);
    std::string tampered = data;
    tampered[tampered.size() - 10] ^= 0x20;
    const std::string gpg_pub = dir.get("gpgsigner.pub");
    const std::string sq_cert = dir.get("sqsigner.cert");

    const struct {
        const char* peer;
        std::string command;
        std::string fpr;
        std::string cert;
    } peers[] = {
        {"gpg armored", TempDir::gpg() + " -u " + gfp + " --armor --detach-sign -o sig data", gfp,
         gpg_pub},
        {"gpg binary", TempDir::gpg() + " -u " + gfp + " --detach-sign -o sig data", gfp, gpg_pub},
        {"gpg textmode", TempDir::gpg() + " -u " + gfp + " --textmode --detach-sign -o sig data",
         gfp, gpg_pub},
        {"sq", "sq sign --detached --signer-key sqsigner.key --output sig data", sfp, sq_cert},
    };
    for (const auto& p : peers) {
        SCOPED_TRACE(p.peer);
        std::remove(dir.file("sig").c_str());
        ASSERT_EQ(dir.run(p.command), 0) << dir.log();
        const std::string sig = dir.get("sig");
        // Given both partners' keys: valid, by the peer's primary key.
        const std::vector<std::string> both{gpg_pub, sq_cert};
        auto good = check_signature(both, data, sig);
        ASSERT_TRUE(good) << good.error().reason;
        EXPECT_TRUE(good->valid) << good->reason;
        EXPECT_EQ(good->key, p.fpr);
        EXPECT_NE(good->signing_key, p.fpr) << "both peers sign with a signing subkey";
        if (p.fpr == gfp) {
            EXPECT_EQ(good->signing_key, gsub);
        }
        // Tampered data.
        auto bad = check_signature(both, tampered, sig);
        ASSERT_TRUE(bad);
        EXPECT_FALSE(bad->valid);
        EXPECT_EQ(bad->reason, "the signed data was modified");
        // Only the other partner's key given: not valid, the key id named.
        const std::vector<std::string> other{p.fpr == gfp ? sq_cert : gpg_pub};
        auto not_given = check_signature(other, data, sig);
        ASSERT_TRUE(not_given);
        EXPECT_FALSE(not_given->valid);
        EXPECT_EQ(not_given->reason,
                  "made by a key not given (key id " + good->signing_key.substr(24) + ")");
        EXPECT_TRUE(not_given->key.empty());
    }
}

TEST_F(MailSignatureInterop, GpgAndSqSignedAndEncryptedMessagesReportTheirSignatures) {
    // RFC 3156 §6.2: one OpenPGP message, signed and encrypted, to our key.
    const Decryptor d = decryptor(ours());
    dir.put("ours.pub", ours().public_key);
    ASSERT_EQ(dir.run("gpg --batch --import ours.pub"), 0) << dir.log();
    const std::string gfp = gpg_key("gpgsigner", {"sign"});
    const std::string sfp = sq_key("sqsigner");
    const std::string data = entity();
    dir.put("data", data);
    const std::string gpg_pub = dir.get("gpgsigner.pub");
    const std::string sq_cert = dir.get("sqsigner.cert");

    const struct {
        const char* peer;
        std::string command;
        std::string fpr;
        std::string cert;
        std::string other;
    } peers[] = {
        {"gpg",
         TempDir::gpg() + " --trust-model always -u " + gfp + " -r " + ours().fingerprint +
             " --armor --sign --encrypt -o msg data",
         gfp, gpg_pub, sq_cert},
        {"gpg zlib",
         TempDir::gpg() + " --trust-model always --compress-algo zlib -u " + gfp + " -r " +
             ours().fingerprint + " --sign --encrypt -o msg data",
         gfp, gpg_pub, sq_cert},
        {"sq", "sq encrypt --recipient-cert ours.pub --signer-key sqsigner.key --output msg data",
         sfp, sq_cert, gpg_pub},
    };
    for (const auto& p : peers) {
        SCOPED_TRACE(p.peer);
        std::remove(dir.file("msg").c_str());
        ASSERT_EQ(dir.run(p.command), 0) << dir.log();
        const std::string msg = dir.get("msg");
        const std::vector<std::string> given{p.cert};
        auto out = d.decrypt(msg, given);
        ASSERT_TRUE(out && out->has_value()) << (out ? "not for us" : out.error().reason);
        EXPECT_TRUE((*out)->plaintext == data);
        EXPECT_EQ((*out)->key, ours().fingerprint);
        ASSERT_EQ((*out)->signatures.size(), 1U);
        EXPECT_TRUE((*out)->signatures[0].valid) << (*out)->signatures[0].reason;
        EXPECT_EQ((*out)->signatures[0].key, p.fpr);
        EXPECT_GT((*out)->signatures[0].created, 0);
        // The next call, with the other partner's key only: not valid (the key of the last
        // call is gone), the plaintext the same.
        const std::vector<std::string> other{p.other};
        auto wrong = d.decrypt(msg, other);
        ASSERT_TRUE(wrong && wrong->has_value());
        EXPECT_TRUE((*wrong)->plaintext == data);
        ASSERT_EQ((*wrong)->signatures.size(), 1U);
        EXPECT_FALSE((*wrong)->signatures[0].valid);
        EXPECT_EQ((*wrong)->signatures[0].reason.rfind("made by a key not given (key id ", 0), 0U);
    }
}

TEST_F(MailSignatureInterop, ExpiredAndRevokedPeerSignersAreNotValid) {
    const std::string data = entity();
    dir.put("data", data);

    // gpg, in 2020: a key valid for a year, a signature made while it was valid. Judged in
    // 2020 the signature is valid; judged now the key has expired.
    ASSERT_EQ(dir.run(TempDir::gpg() + " --faked-system-time 20200101T000000! "
                                       "--quick-generate-key '<old@partner.example>' ed25519 "
                                       "sign 1y"),
              0)
        << dir.log();
    const std::string old_fpr = lower(dir.gpg_fpr("<old@partner.example>"));
    ASSERT_EQ(dir.run("gpg --export " + old_fpr + " > old.pub"), 0);
    ASSERT_EQ(dir.run(TempDir::gpg() + " --faked-system-time 20200601T000000! -u " + old_fpr +
                      " --detach-sign -o old.sig data"),
              0)
        << dir.log();
    const std::vector<std::string> old_key{dir.get("old.pub")};
    const std::time_t in_2020 = 1593561600;  // 2020-07-01
    auto then = check_signature(old_key, data, dir.get("old.sig"), in_2020);
    ASSERT_TRUE(then) << then.error().reason;
    EXPECT_TRUE(then->valid) << then->reason;
    auto now = check_signature(old_key, data, dir.get("old.sig"));
    ASSERT_TRUE(now);
    EXPECT_FALSE(now->valid);
    EXPECT_EQ(now->reason, "the signing key has expired");
    EXPECT_EQ(now->key, old_fpr);

    // sq: a signature made before its key was revoked (compromised) is not valid after.
    const std::string rfp = sq_key("revoked");
    ASSERT_EQ(dir.run("sq sign --detached --signer-key revoked.key --output rv.sig data"), 0)
        << dir.log();
    const std::vector<std::string> before{dir.get("revoked.cert")};
    auto ok_before = check_signature(before, data, dir.get("rv.sig"));
    ASSERT_TRUE(ok_before);
    EXPECT_TRUE(ok_before->valid) << ok_before->reason;
    // The revocation signature as the partner sends it, merged as the store merges it.
    ASSERT_EQ(dir.run("sq revoke certificate --certificate revoked.key compromised 'test' > "
                      "rv.rev"),
              0)
        << dir.log();
    auto revoked_cert = merge(dir.get("revoked.cert"), dir.get("rv.rev"));
    ASSERT_TRUE(revoked_cert) << revoked_cert.error().reason;
    const std::vector<std::string> after{*revoked_cert};
    auto rv = check_signature(after, data, dir.get("rv.sig"));
    ASSERT_TRUE(rv) << rv.error().reason;
    EXPECT_FALSE(rv->valid);
    EXPECT_EQ(rv->reason, "the signer's primary key is revoked");
    EXPECT_EQ(rv->key, rfp);
    auto usable = signing_usability(*revoked_cert);
    ASSERT_TRUE(usable);
    EXPECT_FALSE(usable->usable);
    EXPECT_EQ(usable->problem, Usability::Problem::revoked);
}

}  // namespace
}  // namespace sealgate::openpgp
