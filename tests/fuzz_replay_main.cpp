// The regression test of a fuzz target (sealgate_fuzz_target in cmake/sealgate.cmake): every
// file of its saved corpus, tests/data/SEALGATE_FUZZ_CORPUS, through the entry point it is linked
// with. The corpus holds the seeds and every crash the fuzzer ever found (minimised); a crash or
// an abort from one of the target's invariants fails the test.
#include "fuzz_replay.hpp"

namespace {

TEST(FuzzReplay, SavedCorpus) {
    // A missing or emptied corpus must fail, not pass vacuously.
    EXPECT_GE(sealgate::testing::replay_fuzz_corpus(std::filesystem::path(SEALGATE_TESTDATA) /
                                                    SEALGATE_FUZZ_CORPUS),
              5);
}

}  // namespace
