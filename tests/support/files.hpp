// tests/support/files.hpp — whole files in and out.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace sealgate::test {

// The bytes of the file at `path`; "" if it cannot be read.
std::string read_file(const std::filesystem::path& path);
// Replace the file at `path` with `bytes`.
void write_file(const std::filesystem::path& path, std::string_view bytes);

}  // namespace sealgate::test
