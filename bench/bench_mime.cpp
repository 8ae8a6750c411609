// bench_mime — the byte-level MIME steps on the mail path: CRLF canonicalisation, header/body
// split, base64 of the body (1 MB and 50 MB). Throughput is reported as bytes/s of input.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>

#include "bench_util.hpp"
#include "mime/base64.hpp"
#include "mime/entity.hpp"

namespace {

using sealgate::bench::must;
using sealgate::bench::sample_message;

std::size_t arg_size(const benchmark::State& state) {
    return static_cast<std::size_t>(state.range(0));
}

std::string lf_only(std::string s) {
    std::string out;
    out.reserve(s.size());
    for (const char c : s)
        if (c != '\r')
            out += c;
    return out;
}

// LF input: every line end is rewritten (the common case for `sealgate encrypt` on a file).
void BM_to_crlf_from_lf(benchmark::State& state) {
    const std::string input = lf_only(sample_message(arg_size(state), "a@example.com", "b@x.test"));
    for (auto _ : state) {
        state.PauseTiming();
        std::string copy = input;
        state.ResumeTiming();
        std::string out = sealgate::mime::to_crlf(std::move(copy));
        benchmark::DoNotOptimize(out.data());
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                            static_cast<std::int64_t>(input.size()));
}

// Already canonical (what arrives over SMTP): the scan only.
void BM_to_crlf_canonical(benchmark::State& state) {
    const std::string input = sample_message(arg_size(state), "a@example.com", "b@x.test");
    for (auto _ : state) {
        state.PauseTiming();
        std::string copy = input;
        state.ResumeTiming();
        std::string out = sealgate::mime::to_crlf(std::move(copy));
        benchmark::DoNotOptimize(out.data());
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                            static_cast<std::int64_t>(input.size()));
}

void BM_entity_parse(benchmark::State& state) {
    const std::string input = sample_message(arg_size(state), "a@example.com", "b@x.test");
    for (auto _ : state) {
        state.PauseTiming();
        std::string copy = input;
        state.ResumeTiming();
        auto e = must(sealgate::mime::Entity::parse(std::move(copy)), "parse");
        benchmark::DoNotOptimize(e.body().data());
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                            static_cast<std::int64_t>(input.size()));
}

void BM_base64_encode(benchmark::State& state) {
    const std::string input = sample_message(arg_size(state), "a@example.com", "b@x.test");
    for (auto _ : state) {
        std::string out = sealgate::mime::base64_encode(input);
        benchmark::DoNotOptimize(out.data());
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                            static_cast<std::int64_t>(input.size()));
}

void BM_base64_decode(benchmark::State& state) {
    const std::string plain = sample_message(arg_size(state), "a@example.com", "b@x.test");
    const std::string input = sealgate::mime::base64_encode(plain);
    for (auto _ : state) {
        auto out = must(sealgate::mime::base64_decode(input), "base64_decode");
        benchmark::DoNotOptimize(out.data());
    }
    // Bytes of decoded output, comparable with the encode figure.
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                            static_cast<std::int64_t>(plain.size()));
}

constexpr std::int64_t MB = 1024 * 1024;

}  // namespace

BENCHMARK(BM_to_crlf_from_lf)->Arg(MB)->Arg(50 * MB)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_to_crlf_canonical)->Arg(MB)->Arg(50 * MB)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_entity_parse)->Arg(MB)->Arg(50 * MB)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_base64_encode)->Arg(MB)->Arg(50 * MB)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_base64_decode)->Arg(MB)->Arg(50 * MB)->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
