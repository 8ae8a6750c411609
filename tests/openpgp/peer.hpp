// tests/openpgp/peer.hpp — temp directories, files and the peer CLIs (gpg, sq, rnp) for tests.
//
// Every test gets its own mkdtemp directory (removed at the end, gpg-agent stopped first), so
// tests can run in parallel under ctest -j2, also as root. Commands run through /bin/sh with
// their output redirected into the temp directory.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace sealgate::openpgp::testing {

inline std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in)
        return {};
    std::string out(static_cast<std::size_t>(in.tellg()), '\0');
    in.seekg(0);
    in.read(out.data(), static_cast<std::streamsize>(out.size()));
    return out;
}

inline void write_file(const std::string& path, std::string_view bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

inline std::string testdata(const std::string& rel) {
    return read_file(std::string(SEALGATE_TESTDATA) + "/openpgp/" + rel);
}

class TempDir {
  public:
    TempDir() {
        char tmpl[] = "/tmp/sgpgp.XXXXXX";
        const char* p = ::mkdtemp(tmpl);
        if (p == nullptr)
            std::abort();
        path_ = p;
        std::filesystem::create_directory(path_ + "/gnupg");
        std::filesystem::permissions(path_ + "/gnupg", std::filesystem::perms::owner_all);
        std::filesystem::create_directory(path_ + "/rnp");
        std::filesystem::create_directory(path_ + "/home");
    }
    ~TempDir() {
        // Stop the agent this homedir started, then remove everything.
        run("gpgconf --kill gpg-agent");
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::string& path() const { return path_; }
    std::string file(const std::string& name) const { return path_ + "/" + name; }
    void put(const std::string& name, std::string_view bytes) const {
        write_file(file(name), bytes);
    }
    std::string get(const std::string& name) const { return read_file(file(name)); }

    // Run a shell command with GNUPGHOME and HOME inside this directory; returns the exit code.
    // Output goes to cmd.log in the directory (shown by log() on failure).
    int run(const std::string& cmd) const {
        const std::string full = "cd '" + path_ + "' && export GNUPGHOME='" + path_ +
                                 "/gnupg' HOME='" + path_ + "/home' ; { " + cmd +
                                 " ; } >>cmd.log 2>&1";
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

  private:
    std::string path_;
};

}  // namespace sealgate::openpgp::testing
