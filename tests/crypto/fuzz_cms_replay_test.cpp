// Replays the saved fuzz corpus (tests/data/crypto/cms_corpus) through the fuzz entry point: a
// crash or an abort from one of its invariants fails the test.
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size);

namespace {

namespace fs = std::filesystem;

TEST(CmsFuzzReplay, SavedCorpus) {
    int count = 0;
    for (const auto& entry :
         fs::directory_iterator(fs::path(SEALGATE_TESTDATA) / "crypto" / "cms_corpus")) {
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
    EXPECT_GE(count, 6);
}

}  // namespace
