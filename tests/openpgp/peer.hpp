// tests/openpgp/peer.hpp — temp directories, files and the peer CLIs (gpg, sq, rnp) for tests.
//
// Every test gets its own mkdtemp directory (removed at the end, gpg-agent stopped first), so
// tests can run in parallel under ctest -j2, also as root. Commands run through /bin/sh with
// their output redirected into the temp directory.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>

#include "support/files.hpp"
#include "support/temp_dir.hpp"

namespace sealgate::openpgp::testing {

inline std::string read_file(const std::string& path) {
    return sealgate::test::read_file(path);
}
inline void write_file(const std::string& path, std::string_view bytes) {
    sealgate::test::write_file(path, bytes);
}

inline std::string testdata(const std::string& rel) {
    return read_file(std::string(SEALGATE_TESTDATA) + "/openpgp/" + rel);
}

// The shared temporary directory (tests/support/temp_dir.hpp) with a GnuPG home, an rnp home and
// a HOME inside. Under /tmp with a short name: gpg-agent's socket path has a length limit.
class TempDir : public sealgate::test::TempDir {
  public:
    TempDir() : sealgate::test::TempDir("/tmp/sgpgp.XXXXXX") {
        std::filesystem::create_directory(path() / "gnupg");
        std::filesystem::permissions(path() / "gnupg", std::filesystem::perms::owner_all);
        std::filesystem::create_directory(path() / "rnp");
        std::filesystem::create_directory(path() / "home");
    }
    // Stop the agent this homedir started; the base class then removes everything.
    ~TempDir() { run("gpgconf --kill gpg-agent"); }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    void put(const std::string& name, std::string_view bytes) const { write(name, bytes); }
    std::string get(const std::string& name) const { return read(name); }

    // Run a shell command with GNUPGHOME and HOME inside this directory; returns the exit code.
    // Output goes to cmd.log in the directory (shown by log() on failure).
    int run(const std::string& cmd) const {
        const std::string dir = path().string();
        const std::string full = "cd '" + dir + "' && export GNUPGHOME='" + dir + "/gnupg' HOME='" +
                                 dir + "/home' ; { " + cmd + " ; } >>cmd.log 2>&1";
        const int rc = std::system(full.c_str());
        return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
    }
    std::string log() const { return get("cmd.log"); }

    // gpg in batch mode with an empty passphrase (no prompts).
    static std::string gpg() {
        return "gpg --batch --yes --no-tty --pinentry-mode loopback --passphrase ''";
    }
    // The primary fingerprint (upper-case hex) of the first key gpg lists for `who`.
    std::string gpg_fpr(const std::string& who) const {
        run("gpg --with-colons --list-keys '" + who + "' > colons.txt");
        std::istringstream in(get("colons.txt"));
        std::string line;
        while (std::getline(in, line)) {
            if (line.rfind("fpr:", 0) == 0) {
                const auto end = line.rfind(':');
                const auto begin = line.rfind(':', end - 1);
                return line.substr(begin + 1, end - begin - 1);
            }
        }
        return {};
    }
};

}  // namespace sealgate::openpgp::testing
