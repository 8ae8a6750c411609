// Replays the saved fuzz corpus (tests/data/mime/corpus) and the golden inputs through the fuzz
// entry point: a crash or an abort from one of its invariants fails the test.
#include "fuzz_replay.hpp"

namespace {

using sealgate::testing::replay_fuzz_corpus;
namespace fs = std::filesystem;

TEST(FuzzReplay, SavedCorpus) {
    EXPECT_GE(replay_fuzz_corpus(fs::path(SEALGATE_TESTDATA) / "mime" / "corpus"), 10);
}

TEST(FuzzReplay, GoldenAndMalformedInputs) {
    EXPECT_GE(replay_fuzz_corpus(fs::path(SEALGATE_TESTDATA) / "mime"), 9);
    EXPECT_GE(replay_fuzz_corpus(fs::path(SEALGATE_TESTDATA) / "mime" / "bad"), 5);
}

}  // namespace
