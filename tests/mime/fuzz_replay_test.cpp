// Replays the saved fuzz corpus (tests/data/mime/corpus) and the golden inputs through the fuzz
// entry point: a crash or an abort from one of its invariants fails the test.
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size);

namespace {

namespace fs = std::filesystem;

int replay_dir(const fs::path& dir) {
    int count = 0;
    for (const auto& entry : fs::directory_iterator(dir)) {
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

TEST(FuzzReplay, SavedCorpus) {
    EXPECT_GE(replay_dir(fs::path(SEALGATE_TESTDATA) / "mime" / "corpus"), 10);
}

TEST(FuzzReplay, GoldenAndMalformedInputs) {
    EXPECT_GE(replay_dir(fs::path(SEALGATE_TESTDATA) / "mime"), 9);
    EXPECT_GE(replay_dir(fs::path(SEALGATE_TESTDATA) / "mime" / "bad"), 5);
}

}  // namespace
