// tests/store/temp_dir.hpp — test helpers: a fresh mkdtemp directory per test, removed at the
// end; ASSERT_OK and value_of for Results.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "core/result.hpp"

namespace sealgate::test {

class TempDir {
  public:
    TempDir() {
        std::string templ = (std::filesystem::temp_directory_path() / "sealgate-test-XXXXXX");
        if (::mkdtemp(templ.data()) == nullptr)
            std::abort();  // no temporary directory: nothing below could mean anything
        path_ = templ;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    std::string file(const std::string& name) const { return (path_ / name).string(); }
    const std::filesystem::path& path() const { return path_; }

  private:
    std::filesystem::path path_;
};

}  // namespace sealgate::test

namespace sealgate {

// Unwrap a Result in a test, failing the test (not crashing) on an error.
template <class T>
T value_of(Result<T> r) {
    EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().reason);
    return r ? std::move(*r) : T{};
}

}  // namespace sealgate

#define ASSERT_OK(expr)                                                    \
    do {                                                                   \
        const auto& r_ = (expr);                                           \
        ASSERT_TRUE(r_.has_value()) << #expr << ": " << r_.error().reason; \
    } while (0)
