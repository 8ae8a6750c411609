// bench_openpgp — OpenPGP cost per message with librnp: encrypt (an Encryptor loaded once, and
// the one-shot openpgp::encrypt that loads the key each call) and decrypt (one Decryptor reused
// across iterations, which is how the daemon's KeyStore uses it), 10 KB and 1 MB, Curve25519
// and RSA-3072. Keys are created once per process (openpgp::create_key).
#include <benchmark/benchmark.h>

#include <array>
#include <map>
#include <string>
#include <vector>

#include "bench_util.hpp"
#include "openpgp/key.hpp"
#include "openpgp/message.hpp"

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

BENCHMARK_MAIN();
