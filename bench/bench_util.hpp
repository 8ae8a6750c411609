// bench/bench_util.hpp — helpers shared by the benchmark executables.
//
// must(): a benchmark's set-up cannot go on after a failure, so an error value ends the process
// with its reason (benchmarks are not on the mail path). sample_entity(): a deterministic MIME
// entity of the requested size (text lines from a fixed pattern, no randomness), so runs are
// comparable.
#pragma once

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>

#include "core/result.hpp"

namespace sealgate::bench {

template <class T>
T must(Result<T> r, const char* what) {
    if (!r) {
        std::fprintf(stderr, "bench: %s: %s\n", what, r.error().reason.c_str());
        std::exit(1);
    }
    return std::move(*r);
}

inline void must(const Status& s, const char* what) {
    if (!s) {
        std::fprintf(stderr, "bench: %s: %s\n", what, s.error().reason.c_str());
        std::exit(1);
    }
}

// Content-Type header + CRLF + a text/plain body of lines of 72 characters, `size` bytes in all.
inline std::string sample_entity(std::size_t size) {
    std::string out =
        "Content-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\n";
    static constexpr char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789 ";
    std::size_t k = 0;
    const auto line = [&](std::size_t chars) {
        for (std::size_t i = 0; i < chars; ++i, ++k)
            out += alphabet[k % (sizeof alphabet - 1)];
        out += "\r\n";
    };
    while (out.size() + 74 <= size)
        line(72);
    if (out.size() + 2 < size)
        line(size - out.size() - 2);
    return out;
}

// A whole message: outer header fields + sample_entity().
inline std::string sample_message(std::size_t size, const std::string& from,
                                  const std::string& to) {
    const std::string head = "From: <" + from + ">\r\nTo: <" + to +
                             ">\r\nSubject: bench\r\nMessage-ID: <bench@example.com>\r\n"
                             "MIME-Version: 1.0\r\n";
    return head + sample_entity(size > head.size() + 100 ? size - head.size() : 100);
}

}  // namespace sealgate::bench
