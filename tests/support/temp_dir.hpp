// tests/support/temp_dir.hpp — a fresh mkdtemp directory per test, removed with everything in it
// at the end. The test folders build their peer-tool runners on it (tests/crypto/support.hpp,
// tests/openpgp/peer.hpp).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace sealgate::test {

class TempDir {
  public:
    // A directory under the system's temporary directory, named sealgate-test-XXXXXX.
    TempDir();
    // A directory made from `tmpl`, a path that ends in XXXXXX (mkdtemp(3)); for tools whose
    // sockets need a short path.
    explicit TempDir(std::string tmpl);
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::filesystem::path& path() const { return path_; }
    // The path of `name` inside the directory.
    std::string file(const std::string& name) const { return (path_ / name).string(); }
    std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

    // Write or read the whole file `name` inside the directory; reading a missing file gives "".
    void write(const std::string& name, std::string_view bytes) const;
    std::string read(const std::string& name) const;

  private:
    std::filesystem::path path_;
};

}  // namespace sealgate::test
