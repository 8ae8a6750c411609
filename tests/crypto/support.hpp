// tests/crypto/support.hpp — helpers for the crypto tests: a private temporary directory,
// files in and out, running the peer tools (openssl, gpgsm, cmsutil) in that directory, the
// test PKI made by make-pki.sh, and the message bodies every S/MIME test runs with.
#pragma once

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "crypto/certificate.hpp"
#include "crypto/import.hpp"
#include "crypto/private_key.hpp"
#include "support/files.hpp"
#include "support/temp_dir.hpp"

namespace sealgate::crypto::test {

using sealgate::test::read_file;
using sealgate::test::write_file;

inline std::filesystem::path testdata(const std::string& rel) {
    return std::filesystem::path(SEALGATE_TESTDATA) / rel;
}

// The shared temporary directory (tests/support/temp_dir.hpp), where the peer tools run.
class TempDir : public sealgate::test::TempDir {
  public:
    // Run a shell command inside the directory; stderr goes to cmd.err there. Exit status.
    int run(const std::string& cmd) const {
        const std::string full = "cd '" + path().string() + "' && { " + cmd + " ; } 2>>cmd.err";
        const int rc = std::system(full.c_str());
        return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
    }
    // Run and capture stdout.
    std::string output(const std::string& cmd) const {
        EXPECT_EQ(run(cmd + " > cmd.out"), 0) << cmd << "\n" << read("cmd.err");
        return read("cmd.out");
    }
};

// The test PKI of make-pki.sh in its own directory.
class Pki {
  public:
    Pki() {
        const std::string script = std::string(SEALGATE_TEST_SOURCE_DIR) + "/make-pki.sh";
        const int rc = dir_.run("sh '" + script + "' .");
        if (rc != 0)
            ADD_FAILURE() << "make-pki.sh failed:\n" << dir_.read("pki.log");
    }
    const TempDir& dir() const { return dir_; }
    Certificate cert(const std::string& name) const {
        auto c = Certificate::read(dir_.read(name + ".crt"));
        EXPECT_TRUE(c) << name << ": " << c.error().reason;
        return *c;
    }
    PrivateKey key(const std::string& name) const {
        auto b = read_bundle(dir_.read(name + ".key") + dir_.read(name + ".crt"), std::nullopt);
        EXPECT_TRUE(b && b->key) << name;
        return *b->key;
    }
    Crl crl() const { return *Crl::read(dir_.read("ca.crl")); }

  private:
    TempDir dir_;
};

// The certificates of the key-strength table (make-key-table.sh) in their own directory.
class KeyTable {
  public:
    KeyTable() {
        const std::string script = std::string(SEALGATE_TEST_SOURCE_DIR) + "/make-key-table.sh";
        const int rc = dir_.run("sh '" + script + "' .");
        if (rc != 0)
            ADD_FAILURE() << "make-key-table.sh failed:\n" << dir_.read("keys.log");
    }
    const TempDir& dir() const { return dir_; }
    Certificate cert(const std::string& name) const {
        auto c = Certificate::read(dir_.read(name + ".crt"));
        EXPECT_TRUE(c) << name << ": " << c.error().reason;
        return *c;
    }

  private:
    TempDir dir_;
};

// PEM of an unencrypted PKCS#8 key, for handing our keys to openssl.
inline std::string key_pem(const PrivateKey& key) {
    const std::string der = key.to_pkcs8_der();
    std::string b64(4 * ((der.size() + 2) / 3) + 1, '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(b64.data()),
                                  reinterpret_cast<const unsigned char*>(der.data()),
                                  static_cast<int>(der.size()));
    b64.resize(static_cast<std::size_t>(n));
    std::string pem = "-----BEGIN PRIVATE KEY-----\n";
    for (std::size_t i = 0; i < b64.size(); i += 64)
        pem += b64.substr(i, 64) + "\n";
    return pem + "-----END PRIVATE KEY-----\n";
}

// The base64 body after the header block of a small S/MIME .eml (test vectors only).
inline std::string eml_body_der(const std::string& eml) {
    auto pos = eml.find("\r\n\r\n");
    std::size_t skip = 4;
    if (pos == std::string::npos) {
        pos = eml.find("\n\n");
        skip = 2;
    }
    std::string b64;
    for (const char c : eml.substr(pos + skip)) {
        if (std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/' || c == '=')
            b64 += c;
    }
    std::string out(b64.size(), '\0');
    const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(b64.data()),
                                  static_cast<int>(b64.size()));
    if (n < 0)
        return {};
    out.resize(static_cast<std::size_t>(n));
    // EVP_DecodeBlock counts the '=' padding as zero bytes.
    if (b64.size() >= 1 && b64.back() == '=')
        out.pop_back();
    if (b64.size() >= 2 && b64[b64.size() - 2] == '=')
        out.pop_back();
    return out;
}

struct Body {
    const char* name;
    std::string bytes;
};

// CRLF-canonical entities: 8-bit ISO-8859-1, UTF-8, all byte values, and 10 MB.
inline std::vector<Body> bodies(bool with_large = true) {
    std::vector<Body> out;
    out.push_back({"latin1",
                   "Content-Type: text/plain; charset=iso-8859-1\r\n"
                   "Content-Transfer-Encoding: 8bit\r\n\r\nGr\xfc\xdf"
                   "e aus K\xf6ln, \xe0 bient\xf4t.\r\n"});
    out.push_back({"utf8",
                   "Content-Type: text/plain; charset=utf-8\r\n"
                   "Content-Transfer-Encoding: 8bit\r\n\r\nGr\xc3\xbc\xc3\x9f"
                   "e \xe2\x82\xac \xf0\x9f\x94\x90 \xe6\x97\xa5\xe6\x9c\xac\r\n"});
    std::string binary =
        "Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n";
    for (int i = 0; i < 256; ++i)
        binary.push_back(static_cast<char>(i));
    out.push_back({"binary", binary});
    if (with_large) {
        std::string large = "Content-Type: text/plain\r\n\r\n";
        const std::string line =
            "0123456789 abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ \xe4\xf6\xfc\r\n";
        while (large.size() < 10 * 1024 * 1024)
            large += line;
        out.push_back({"10MB", large});
    }
    return out;
}

}  // namespace sealgate::crypto::test
