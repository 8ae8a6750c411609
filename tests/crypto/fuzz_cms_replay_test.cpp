// Replays the saved fuzz corpus (tests/data/crypto/cms_corpus) through the fuzz entry point: a
// crash or an abort from one of its invariants fails the test.
#include "fuzz_replay.hpp"

namespace {

TEST(CmsFuzzReplay, SavedCorpus) {
    EXPECT_GE(sealgate::testing::replay_fuzz_corpus(std::filesystem::path(SEALGATE_TESTDATA) /
                                                    "crypto" / "cms_corpus"),
              6);
}

}  // namespace
