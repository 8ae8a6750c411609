// libFuzzer entry point for the S/MIME decryption input path: detach_encrypted_content() (the
// BER walker that rearranges the buffer in place) → Envelope::parse() → addressed_to() and
// decrypt() / decrypt_in_place() with RFC 4134's Bob, to whom the seeds in
// tests/data/crypto/cms_corpus are encrypted (openssl cms, DER and -stream BER, CBC and GCM, plus
// hand-made BER). Invariants abort the process so that the fuzzer reports them; the saved corpus
// replays through this same function in ctest (fuzz_cms_replay_test.cpp). Build for fuzzing with
// clang: -DSEALGATE_FUZZ=ON, then build/tests/crypto/crypto_fuzz_cms tests/data/crypto/cms_corpus.
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "crypto/certificate.hpp"
#include "crypto/cms_detach.hpp"
#include "crypto/private_key.hpp"
#include "crypto/smime.hpp"

namespace {

void check(bool condition) {
    if (!condition)
        std::abort();
}

std::string read(const char* rel) {
    std::ifstream in(std::string(SEALGATE_TESTDATA) + "/" + rel, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

struct Bob {
    sealgate::crypto::PrivateKey key;
    sealgate::crypto::Certificate cert;
};

const Bob& bob() {
    static const Bob b = [] {
        auto key = sealgate::crypto::PrivateKey::from_pkcs8_der(
            read("vectors/rfc4134/BobPrivRSAEncrypt.pri"));
        auto cert =
            sealgate::crypto::Certificate::read(read("vectors/rfc4134/BobRSASignByCarl.cer"));
        check(key.has_value() && cert.has_value());
        return Bob{*key, *cert};
    }();
    return b;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
    const std::string input(reinterpret_cast<const char*>(bytes), size);
    std::string buf = input;
    const auto detached = sealgate::crypto::detach_encrypted_content(buf);
    check(buf.size() == size);  // rearranged at most, never resized
    if (!detached) {
        check(!detached.error().reason.empty());
    } else {
        check(detached->offset <= size && detached->size <= size - detached->offset);
        // The levels on the path become indefinite: at most 2 more octets for each of the four.
        check(detached->structure.size() <= size + 8);
    }

    auto envelope = sealgate::crypto::Envelope::parse(input);
    check(!envelope.has_value() || detached.has_value());  // parse() detaches first
    if (!envelope) {
        check(!envelope.error().reason.empty());
        return 0;
    }
    check(!envelope->content_algorithm().empty());
    if (envelope->addressed_to(bob().cert)) {
        const auto plain = envelope->decrypt(bob().key, bob().cert);
        check(plain.has_value() ? plain->size() <= detached->size : !plain.error().reason.empty());
        // Over its own buffer: the same bytes. Only when the outcome is deterministic: with a
        // corrupt encrypted key OpenSSL decrypts with a random one (no padding oracle), and CBC
        // padding then passes now and then.
        const auto again = envelope->decrypt(bob().key, bob().cert);
        auto own = sealgate::crypto::Envelope::parse_in_place(input);
        check(own.has_value());
        const auto in_place = std::move(*own).decrypt_in_place(bob().key, bob().cert);
        if (plain.has_value() && again.has_value() && *plain == *again)
            check(in_place.has_value() && *in_place == *plain);
    }
    return 0;
}
