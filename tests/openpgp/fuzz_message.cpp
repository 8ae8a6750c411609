// libFuzzer entry point for what reads an incoming OpenPGP message on the decrypt path: the
// pipeline's recognition of PGP/MIME (RFC 3156) and inline PGP with their transfer decoding
// (pipeline::decrypt_pgp), and Decryptor::decrypt (armor and packets through librnp, the
// integrity and size checks around it). The secret key is the public test key of Bob
// (tests/data/openpgp/interop-suite/bob-secret.pgp), to whom the seeds in
// tests/data/openpgp/message_corpus are encrypted, so that the decryption paths are reached.
//
// Input: byte 0 selects the path (even: the bytes after it are an OpenPGP message for
// Decryptor::decrypt; odd: a MIME message for decrypt_pgp), then the data.
//
// Invariants (abort when broken): nothing throws; a failure carries a reason and is 451, 552 or
// 554 (never a 2xx or a 550 that would read as a policy refusal); a decryption names Bob's key
// and an algorithm, and its plaintext stays within the cap; decrypt_pgp leaves a message that
// serialises and parses again, decrypted or passed unchanged. The saved corpus replays through
// this function in ctest.
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "keystore/keystore.hpp"
#include "mime/entity.hpp"
#include "openpgp/key.hpp"
#include "openpgp/message.hpp"
#include "pipeline/stages.hpp"
#include "store/sqlite_store.hpp"

namespace {

using namespace sealgate;

void check(bool condition) {
    if (!condition)
        std::abort();
}

std::string read(const std::string& rel) {
    std::ifstream in(std::string(SEALGATE_TESTDATA) + "/" + rel, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

template <class T>
T must(Result<T> r) {
    check(r.has_value());
    return std::move(*r);
}

// Bob's key in a Decryptor, and in a key store (SQLite in a private temporary directory, as the
// daemon has it) for the pipeline stage.
struct Bob {
    std::string dir = "/tmp/sealgate-fuzz-XXXXXX";
    std::string fingerprint;
    std::unique_ptr<openpgp::Decryptor> decryptor;
    std::unique_ptr<SqliteStore> store;
    std::unique_ptr<keystore::KeyStore> keys;

    Bob() {
        const std::string secret = read("openpgp/interop-suite/bob-secret.pgp");
        const std::string pub = read("openpgp/interop-suite/bob.pgp");
        fingerprint = must(openpgp::key_info(pub)).primary.fingerprint;
        const std::string one[] = {secret};
        decryptor = std::make_unique<openpgp::Decryptor>(must(openpgp::Decryptor::create(one)));

        check(mkdtemp(dir.data()) != nullptr);
        store = must(SqliteStore::open(dir + "/s.db", OpenMode::create));
        keys = std::make_unique<keystore::KeyStore>(*store,
                                                    must(MasterKey::create(dir + "/s.db.key")));
        PgpKeyRecord rec;
        rec.fingerprint = fingerprint;
        rec.public_key = pub;
        rec.sealed_secret = must(keys->seal_pgp_secret(fingerprint, secret));
        check(store->put_pgp_key(rec).has_value());
    }

    ~Bob() {
        keys.reset();
        store.reset();
        std::error_code ignored;
        std::filesystem::remove_all(dir, ignored);
    }
};

const Bob& bob() {
    static const Bob b;
    return b;
}

void check_failure(const Error& e) {
    check(!e.reason.empty() && (e.code == 451 || e.code == 552 || e.code == 554));
}

void decrypt_raw(std::string_view message) {
    constexpr std::size_t kCap = 1 << 20;
    const auto r = bob().decryptor->decrypt(message, {kCap});
    if (!r) {
        check_failure(r.error());
        return;
    }
    if (!r->has_value())
        return;  // addressed to other keys only
    const openpgp::Decrypted& d = **r;
    check(d.key == bob().fingerprint && !d.subkey.empty() && !d.algorithm.empty());
    check(d.plaintext.size() <= kCap);
}

void decrypt_mime(const std::string& data) {
    auto message = mime::Entity::parse(data);
    if (!message)
        return;
    const std::string before = message->serialize();
    auto decryption = pipeline::decrypt_pgp(*message, *bob().keys);
    if (!decryption) {
        check_failure(decryption.error());
        return;
    }
    const pipeline::Outcome& out = decryption->outcome;
    if (out.action == CopyAction::decrypted) {
        check(out.method == "pgp" && out.keys.find(bob().fingerprint) != std::string::npos);
        // PGP/MIME hands the decrypted entity over (the pipeline's signature stage puts it in);
        // inline PGP replaced the text in place.
        if (decryption->entity)
            message->replace_content(std::move(*decryption->entity));
        check(mime::Entity::parse(message->serialize()).has_value());
    } else {
        check(out.action == CopyAction::passed && !decryption->entity &&
              message->serialize() == before);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
    if (size < 1)
        return 0;
    const std::string data(reinterpret_cast<const char*>(bytes) + 1, size - 1);
    try {
        if (bytes[0] % 2 == 0)
            decrypt_raw(data);
        else
            decrypt_mime(data);
    } catch (...) {
        check(false);  // the mail path returns errors; an exception is a bug
    }
    return 0;
}
