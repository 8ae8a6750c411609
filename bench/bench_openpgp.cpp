// bench_openpgp — OpenPGP cost per message with librnp: encrypt (an Encryptor loaded once, and
// the one-shot openpgp::encrypt that loads the key each call) and decrypt (one Decryptor reused
// across iterations, which is how the daemon's KeyStore uses it), 10 KB and 1 MB, Curve25519
// and RSA-3072. Keys are created once per process (openpgp::create_key).
//
// Mail signatures (docs/signing.md, RFC 3156): sign+encrypt as the pipeline does it (§6.1: a
// detached signature over the entity with our Ed25519 key, the multipart/signed around it,
// that encrypted to the partner's Curve25519 key) against encrypt-only of the same entity; and
// inbound, decrypt + check_signature of part 1 against decrypt only, and the cost of the
// verify-keys path of Decryptor::decrypt (the partner key imported and removed per call).
//
// Policy snapshot change (app/worker.cpp): what one worker loads when the snapshot changes, for
// N Curve25519 partner keys, all usable (the Encryptor's set and the Verifier's set are the
// same N keys, as when every partner is trusted): BM_pgp_snapshot_load is the path before the
// shared KeyRing (an Encryptor and a Verifier, each loading the keys into its own context),
// BM_pgp_snapshot_ring the worker's path now (one KeyRing, both on it). The N keys are created
// once per process.
#include <benchmark/benchmark.h>

#include <array>
#include <map>
#include <string>
#include <vector>

#include "bench_util.hpp"
#include "openpgp/key.hpp"
#include "openpgp/keyring.hpp"
#include "openpgp/message.hpp"
#include "openpgp/signature.hpp"

namespace {

namespace pgp = sealgate::openpgp;
using sealgate::bench::must;

constexpr std::array algorithms = {pgp::KeyAlgorithm::ed25519, pgp::KeyAlgorithm::rsa3072};
constexpr std::array algorithm_names = {"cv25519", "rsa3072"};

const pgp::KeyMaterial& key(std::int64_t index) {
    static std::map<std::int64_t, pgp::KeyMaterial> made;
    if (const auto it = made.find(index); it != made.end())
        return it->second;
    auto k = must(pgp::create_key("domain-cert@partner.example",
                                  algorithms.at(static_cast<std::size_t>(index)), 0),
                  "create key");
    return made.emplace(index, std::move(k)).first->second;
}

void finish(benchmark::State& state, std::size_t bytes) {
    state.SetLabel(algorithm_names.at(static_cast<std::size_t>(state.range(0))));
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                            static_cast<std::int64_t>(bytes));
}

// Args: algorithm index, plaintext size.
void BM_pgp_encrypt(benchmark::State& state) {
    const auto& k = key(state.range(0));
    const std::vector<std::string> keys{k.public_key};
    const std::vector<std::string> fingerprints{k.fingerprint};
    const auto enc = must(pgp::Encryptor::create(keys), "Encryptor");
    const std::string plain =
        sealgate::bench::sample_entity(static_cast<std::size_t>(state.range(1)));
    for (auto _ : state) {
        auto out = must(enc.encrypt(plain, fingerprints), "encrypt");
        benchmark::DoNotOptimize(out.armored.data());
    }
    finish(state, plain.size());
}

void BM_pgp_encrypt_oneshot(benchmark::State& state) {
    const auto& k = key(state.range(0));
    const std::vector<std::string> keys{k.public_key};
    const std::string plain =
        sealgate::bench::sample_entity(static_cast<std::size_t>(state.range(1)));
    for (auto _ : state) {
        auto out = must(pgp::encrypt(plain, keys), "encrypt");
        benchmark::DoNotOptimize(out.armored.data());
    }
    finish(state, plain.size());
}

void BM_pgp_decrypt(benchmark::State& state) {
    const auto& k = key(state.range(0));
    const std::vector<std::string> keys{k.public_key};
    const std::vector<std::string> secrets{k.secret_key};
    const std::string plain =
        sealgate::bench::sample_entity(static_cast<std::size_t>(state.range(1)));
    const auto message = must(pgp::encrypt(plain, keys), "encrypt");
    const auto dec = must(pgp::Decryptor::create(secrets), "Decryptor");
    for (auto _ : state) {
        auto out = must(dec.decrypt(message.armored), "decrypt");
        if (!out || out->plaintext != plain) {
            state.SkipWithError("not decrypted to the original");
            break;
        }
    }
    finish(state, plain.size());
}

// Our signing key (Ed25519 primary that signs, as create_key makes it), besides the partner's.
const pgp::KeyMaterial& signer() {
    static const pgp::KeyMaterial made = must(
        pgp::create_key("domain-cert@our.example", pgp::KeyAlgorithm::ed25519, 0), "create key");
    return made;
}

// RFC 3156 §5: the multipart/signed whose first part is `entity` as signed.
std::string multipart_signed(const std::string& entity, const std::string& signature) {
    return "Content-Type: multipart/signed; micalg=pgp-sha256;\r\n"
           " protocol=\"application/pgp-signature\"; boundary=\"=_sg_sig\"\r\n\r\n"
           "--=_sg_sig\r\n" +
           entity +
           "\r\n--=_sg_sig\r\n"
           "Content-Type: application/pgp-signature; name=\"signature.asc\"\r\n\r\n" +
           signature + "\r\n--=_sg_sig--\r\n";
}

// Args: plaintext size. Partner: Curve25519 (index 0); signer: Ed25519.
void BM_pgp_sign_detached(benchmark::State& state) {
    const std::vector<std::string> secrets{signer().secret_key};
    const auto ours = must(pgp::Decryptor::create(secrets), "Decryptor");
    const std::string entity =
        sealgate::bench::sample_entity(static_cast<std::size_t>(state.range(0)));
    for (auto _ : state) {
        auto sig = must(ours.sign_detached(signer().fingerprint, entity), "sign");
        benchmark::DoNotOptimize(sig.data());
    }
    state.SetLabel("ed25519");
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

void BM_pgp_encrypt_only(benchmark::State& state) {
    const auto& partner = key(0);
    const std::vector<std::string> keys{partner.public_key};
    const std::vector<std::string> fingerprints{partner.fingerprint};
    const auto enc = must(pgp::Encryptor::create(keys), "Encryptor");
    const std::string entity =
        sealgate::bench::sample_entity(static_cast<std::size_t>(state.range(0)));
    for (auto _ : state) {
        auto out = must(enc.encrypt(entity, fingerprints), "encrypt");
        benchmark::DoNotOptimize(out.armored.data());
    }
    state.SetLabel("cv25519");
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

void BM_pgp_sign_and_encrypt(benchmark::State& state) {
    const auto& partner = key(0);
    const std::vector<std::string> keys{partner.public_key};
    const std::vector<std::string> fingerprints{partner.fingerprint};
    const auto enc = must(pgp::Encryptor::create(keys), "Encryptor");
    const std::vector<std::string> secrets{signer().secret_key};
    const auto ours = must(pgp::Decryptor::create(secrets), "Decryptor");
    const std::string entity =
        sealgate::bench::sample_entity(static_cast<std::size_t>(state.range(0)));
    for (auto _ : state) {
        auto sig = must(ours.sign_detached(signer().fingerprint, entity), "sign");
        auto out = must(enc.encrypt(multipart_signed(entity, sig), fingerprints), "encrypt");
        benchmark::DoNotOptimize(out.armored.data());
    }
    state.SetLabel("ed25519 sign, cv25519 encrypt");
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

// Inbound, the partner's side: decrypt only, decrypt + check the signature of part 1 (§6.1),
// and decrypt(message, verify_keys) (the §6.2 path) on the same signed+encrypted message.
struct Inbound {
    std::string entity;
    std::string signature;
    std::string message;  // encrypted multipart/signed
    std::vector<std::string> verify_keys;
};

Inbound inbound(std::size_t bytes) {
    const auto& partner = key(0);
    Inbound in;
    in.entity = sealgate::bench::sample_entity(bytes);
    const std::vector<std::string> secrets{signer().secret_key};
    const auto ours = must(pgp::Decryptor::create(secrets), "Decryptor");
    in.signature = must(ours.sign_detached(signer().fingerprint, in.entity), "sign");
    const std::vector<std::string> keys{partner.public_key};
    in.message =
        must(pgp::encrypt(multipart_signed(in.entity, in.signature), keys), "encrypt").armored;
    in.verify_keys = {signer().public_key};
    return in;
}

void BM_pgp_decrypt_only(benchmark::State& state) {
    const Inbound in = inbound(static_cast<std::size_t>(state.range(0)));
    const std::vector<std::string> secrets{key(0).secret_key};
    const auto dec = must(pgp::Decryptor::create(secrets), "Decryptor");
    for (auto _ : state) {
        auto out = must(dec.decrypt(in.message), "decrypt");
        benchmark::DoNotOptimize(out->plaintext.data());
    }
    state.SetLabel("cv25519");
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

void BM_pgp_decrypt_and_check(benchmark::State& state) {
    const Inbound in = inbound(static_cast<std::size_t>(state.range(0)));
    const std::vector<std::string> secrets{key(0).secret_key};
    const auto dec = must(pgp::Decryptor::create(secrets), "Decryptor");
    for (auto _ : state) {
        auto out = must(dec.decrypt(in.message), "decrypt");
        benchmark::DoNotOptimize(out->plaintext.data());
        // Part 1 and part 2 as the pipeline's MIME parser hands them over (not measured here).
        auto check = must(pgp::check_signature(in.verify_keys, in.entity, in.signature), "check");
        if (!check.valid) {
            state.SkipWithError(("signature not valid: " + check.reason).c_str());
            break;
        }
    }
    state.SetLabel("cv25519 decrypt, ed25519 check");
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

void BM_pgp_decrypt_with_verify_keys(benchmark::State& state) {
    const Inbound in = inbound(static_cast<std::size_t>(state.range(0)));
    const std::vector<std::string> secrets{key(0).secret_key};
    const auto dec = must(pgp::Decryptor::create(secrets), "Decryptor");
    for (auto _ : state) {
        auto out = must(dec.decrypt(in.message, in.verify_keys), "decrypt");
        benchmark::DoNotOptimize(out->plaintext.data());
    }
    state.SetLabel("cv25519, one verify key given");
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

// N partner keys (Ed25519 + Curve25519), created once and kept for every benchmark.
const std::vector<pgp::KeyMaterial>& partners(std::size_t n) {
    static std::vector<pgp::KeyMaterial> made;
    while (made.size() < n)
        made.push_back(
            must(pgp::create_key("domain-cert@partner" + std::to_string(made.size()) + ".example",
                                 pgp::KeyAlgorithm::ed25519, 0),
                 "create key"));
    return made;
}

// Arg: N. What Worker::pipeline built for a new snapshot before the KeyRing: the Encryptor
// from the usable keys, the Verifier from every stored key, two contexts.
void BM_pgp_snapshot_load(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const auto& keys = partners(n);
    std::vector<std::string> usable;
    std::vector<std::string> all;
    for (std::size_t i = 0; i < n; ++i) {
        usable.push_back(keys[i].public_key);
        all.push_back(keys[i].public_key);
    }
    for (auto _ : state) {
        auto enc = must(pgp::Encryptor::create(usable), "Encryptor");
        auto ver = must(pgp::Verifier::create(all), "Verifier");
        benchmark::DoNotOptimize(&enc);
        benchmark::DoNotOptimize(&ver);
    }
    state.SetLabel("cv25519, Encryptor + Verifier");
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

// Arg: N. What Worker::pipeline builds now: one KeyRing of every stored key, the Encryptor on
// it restricted to the usable keys' fingerprints, the Verifier on it.
void BM_pgp_snapshot_ring(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const auto& keys = partners(n);
    std::vector<std::string> all;
    std::vector<std::string> usable;
    for (std::size_t i = 0; i < n; ++i) {
        all.push_back(keys[i].public_key);
        usable.push_back(keys[i].fingerprint);
    }
    for (auto _ : state) {
        auto ring = must(pgp::KeyRing::create(all), "KeyRing");
        auto enc = pgp::Encryptor::create(ring, usable);
        auto ver = pgp::Verifier::create(std::move(ring));
        benchmark::DoNotOptimize(&enc);
        benchmark::DoNotOptimize(&ver);
    }
    state.SetLabel("cv25519, one KeyRing");
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

constexpr std::int64_t KB = 1024;
constexpr std::int64_t MB = 1024 * 1024;

void args(benchmark::internal::Benchmark* b) {
    b->ArgNames({"alg", "bytes"});
    for (std::int64_t alg = 0; alg < 2; ++alg)
        for (const std::int64_t size : {10 * KB, MB})
            b->Args({alg, size});
}

}  // namespace

BENCHMARK(BM_pgp_encrypt)->Apply(args)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_pgp_encrypt_oneshot)
    ->Args({0, 10 * KB})
    ->Args({1, 10 * KB})
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_pgp_decrypt)->Apply(args)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_pgp_sign_detached)->Arg(10 * KB)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_pgp_encrypt_only)->Arg(10 * KB)->Arg(MB)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_pgp_sign_and_encrypt)->Arg(10 * KB)->Arg(MB)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_pgp_decrypt_only)->Arg(10 * KB)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_pgp_decrypt_and_check)->Arg(10 * KB)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_pgp_decrypt_with_verify_keys)->Arg(10 * KB)->Unit(benchmark::kMicrosecond);

BENCHMARK(BM_pgp_snapshot_load)
    ->ArgName("keys")
    ->Arg(10)
    ->Arg(100)
    ->Arg(1000)
    ->Unit(benchmark::kMillisecond);

BENCHMARK(BM_pgp_snapshot_ring)
    ->ArgName("keys")
    ->Arg(10)
    ->Arg(100)
    ->Arg(1000)
    ->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
