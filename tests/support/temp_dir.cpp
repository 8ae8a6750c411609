// tests/support/temp_dir.cpp — see temp_dir.hpp.
#include "support/temp_dir.hpp"

#include <stdlib.h>

#include <cstdlib>
#include <system_error>

#include "support/files.hpp"

namespace sealgate::test {

TempDir::TempDir()
    : TempDir((std::filesystem::temp_directory_path() / "sealgate-test-XXXXXX").string()) {}

TempDir::TempDir(std::string tmpl) {
    if (::mkdtemp(tmpl.data()) == nullptr)
        std::abort();  // no temporary directory: nothing a test did in it could mean anything
    path_ = tmpl;
}

TempDir::~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

void TempDir::write(const std::string& name, std::string_view bytes) const {
    write_file(path_ / name, bytes);
}

std::string TempDir::read(const std::string& name) const {
    return read_file(path_ / name);
}

}  // namespace sealgate::test
