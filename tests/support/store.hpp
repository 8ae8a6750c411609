// tests/support/store.hpp — a fresh SQLite store in a test's temporary directory. Header-only, so
// that only the tests that use it link sealgate_store.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "store/sqlite_store.hpp"
#include "support/temp_dir.hpp"

namespace sealgate::test {

// A new store in the file `name` inside `dir`; on an error the test fails with the reason and
// the result is null (ASSERT_TRUE on it to stop there).
inline std::unique_ptr<SqliteStore> open_store(const TempDir& dir,
                                               const std::string& name = "s.db") {
    auto store = SqliteStore::open(dir.file(name), OpenMode::create);
    EXPECT_TRUE(store) << (store ? "" : store.error().reason);
    return store ? std::move(*store) : nullptr;
}

}  // namespace sealgate::test
