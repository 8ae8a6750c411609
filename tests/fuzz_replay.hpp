// tests/fuzz_replay.hpp — replay a saved fuzz corpus through a fuzz target's entry point.
//
// A fuzz target (tests/<module>/fuzz_*.cpp) aborts when one of its invariants breaks; linked
// into a GoogleTest binary with this header, every file of a corpus directory runs through it
// as a regression test. A crash fails the test binary, a non-zero return fails the file.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size);

namespace sealgate::testing {

// Every regular file in `dir` through the entry point; returns how many were replayed.
inline int replay_fuzz_corpus(const std::filesystem::path& dir) {
    int count = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        if (!entry.is_regular_file())
            continue;
        std::ifstream in(entry.path(), std::ios::binary);
        std::ostringstream s;
        s << in.rdbuf();
        const std::string data = s.str();
        EXPECT_EQ(
            LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(data.data()), data.size()),
            0)
            << entry.path();
        ++count;
    }
    return count;
}

}  // namespace sealgate::testing
