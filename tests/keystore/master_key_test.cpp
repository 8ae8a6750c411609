#include "keystore/master_key.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "support/temp_dir.hpp"

namespace sealgate {
namespace {

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

void write_file(const std::string& path, const std::string& text, mode_t mode) {
    {
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out << text;
    }
    ASSERT_EQ(::chmod(path.c_str(), mode), 0);
}

const std::string kThumb = std::string(64, 'a');
const std::string kOtherThumb = std::string(64, 'b');
const std::string kSecret("-----BEGIN PRIVATE KEY-----\n\x00\x01\xff binary\n", 40);

TEST(MasterKey, CreateWritesHexWithMode0600AndLoadRoundTrips) {
    test::TempDir dir;
    const auto path = dir.file("store.db.key");
    const auto created = MasterKey::create(path);
    ASSERT_TRUE(created.has_value()) << created.error().reason;

    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0600u);
    const auto text = read_file(path);
    ASSERT_EQ(text.front(), '#');
    const auto key_line = text.substr(text.find('\n') + 1);
    EXPECT_EQ(key_line.size(), 65u);  // 64 hex digits and a newline
    EXPECT_EQ(key_line.find_first_not_of("0123456789abcdef\n"), std::string::npos);

    const auto loaded = MasterKey::load(path);
    ASSERT_TRUE(loaded.has_value()) << loaded.error().reason;
    const auto sealed = created->seal(kSecret, kThumb);
    ASSERT_TRUE(sealed.has_value());
    EXPECT_EQ(loaded->unseal(*sealed, kThumb), kSecret);
}

TEST(MasterKey, CreateNeverOverwrites) {
    test::TempDir dir;
    const auto path = dir.file("k");
    ASSERT_TRUE(MasterKey::create(path).has_value());
    const auto before = read_file(path);
    const auto again = MasterKey::create(path);
    ASSERT_FALSE(again.has_value());
    EXPECT_NE(again.error().reason.find("exists already"), std::string::npos);
    EXPECT_EQ(read_file(path), before);
}

TEST(MasterKey, LoadRefusesFileReadableByOthers) {
    test::TempDir dir;
    const auto path = dir.file("k");
    ASSERT_TRUE(MasterKey::create(path).has_value());
    ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
    auto loaded = MasterKey::load(path);
    ASSERT_FALSE(loaded.has_value());
    EXPECT_EQ(loaded.error().reason,
              "keystore: master key " + path + " is readable by others (chmod 600)");
    ASSERT_EQ(::chmod(path.c_str(), 0640), 0);
    EXPECT_FALSE(MasterKey::load(path).has_value());
    ASSERT_EQ(::chmod(path.c_str(), 0620), 0);
    EXPECT_FALSE(MasterKey::load(path).has_value());
    ASSERT_EQ(::chmod(path.c_str(), 0400), 0);
    EXPECT_TRUE(MasterKey::load(path).has_value());
}

TEST(MasterKey, LoadRefusesMissingAndMalformedFiles) {
    test::TempDir dir;
    const auto missing = MasterKey::load(dir.file("none"));
    ASSERT_FALSE(missing.has_value());
    EXPECT_NE(missing.error().reason.find("cannot open master key"), std::string::npos);

    const std::string hex64(64, '7');
    for (const std::string& bad :
         {std::string(""), std::string("# only a comment\n"), std::string(63, '7') + "\n",
          hex64 + "0\n", std::string(62, '7') + "zz\n", hex64 + "\n" + hex64 + "\n"}) {
        const auto path = dir.file("bad");
        write_file(path, bad, 0600);
        const auto loaded = MasterKey::load(path);
        ASSERT_FALSE(loaded.has_value()) << bad;
        EXPECT_NE(loaded.error().reason.find("is malformed"), std::string::npos)
            << loaded.error().reason;
    }
    // Hand-written files: comments, blank lines, CRLF and upper case are fine.
    const auto path = dir.file("good");
    write_file(path, "# written by hand\r\n\r\n" + std::string(64, 'A') + "\r\n", 0600);
    EXPECT_TRUE(MasterKey::load(path).has_value());
}

TEST(MasterKey, SealFormatAndFreshNonce) {
    test::TempDir dir;
    const auto key = MasterKey::create(dir.file("k"));
    ASSERT_TRUE(key.has_value());
    const auto a = key->seal(kSecret, kThumb);
    const auto b = key->seal(kSecret, kThumb);
    ASSERT_TRUE(a.has_value());
    ASSERT_TRUE(b.has_value());
    EXPECT_EQ(a->size(), 1 + 12 + kSecret.size() + 16);
    EXPECT_EQ((*a)[0], '\x01');
    EXPECT_NE(*a, *b);                                     // a fresh nonce each time
    EXPECT_EQ(a->find("PRIVATE KEY"), std::string::npos);  // not in clear

    const auto empty = key->seal("", kThumb);
    ASSERT_TRUE(empty.has_value());
    EXPECT_EQ(key->unseal(*empty, kThumb), std::string());
}

TEST(MasterKey, UnsealFailsOnWrongContextTamperingAndWrongKey) {
    test::TempDir dir;
    const auto key = MasterKey::create(dir.file("k1"));
    const auto other = MasterKey::create(dir.file("k2"));
    ASSERT_TRUE(key.has_value());
    ASSERT_TRUE(other.has_value());
    const auto sealed = key->seal(kSecret, kThumb);
    ASSERT_TRUE(sealed.has_value());
    ASSERT_EQ(key->unseal(*sealed, kThumb), kSecret);

    const std::string reason =
        "keystore: cannot unseal: wrong master key, sealed for another record, or tampered data";
    const auto moved = key->unseal(*sealed, kOtherThumb);
    ASSERT_FALSE(moved.has_value());
    EXPECT_EQ(moved.error().reason, reason);

    const auto wrong_key = other->unseal(*sealed, kThumb);
    ASSERT_FALSE(wrong_key.has_value());
    EXPECT_EQ(wrong_key.error().reason, reason);

    // Flip one bit in every position: nonce, ciphertext and tag are all covered.
    for (std::size_t i = 1; i < sealed->size(); ++i) {
        auto tampered = *sealed;
        tampered[i] = static_cast<char>(tampered[i] ^ 0x01);
        EXPECT_FALSE(key->unseal(tampered, kThumb).has_value()) << "byte " << i;
    }

    auto version = *sealed;
    version[0] = '\x02';
    const auto unknown = key->unseal(version, kThumb);
    ASSERT_FALSE(unknown.has_value());
    EXPECT_NE(unknown.error().reason.find("unknown sealed data version 2"), std::string::npos);

    const auto truncated = key->unseal(sealed->substr(0, 28), kThumb);
    ASSERT_FALSE(truncated.has_value());
    EXPECT_NE(truncated.error().reason.find("truncated"), std::string::npos);
}

TEST(MasterKey, MovedKeyStillWorks) {
    test::TempDir dir;
    auto created = MasterKey::create(dir.file("k"));
    ASSERT_TRUE(created.has_value());
    const MasterKey key = std::move(*created);
    const auto sealed = key.seal("secret", "ctx");
    ASSERT_TRUE(sealed.has_value());
    EXPECT_EQ(key.unseal(*sealed, "ctx"), std::string("secret"));
}

TEST(MasterKey, DefaultPathIsNextToTheStore) {
    EXPECT_EQ(default_master_key_path("/var/lib/sealgate/store.db"),
              "/var/lib/sealgate/store.db.key");
}

}  // namespace
}  // namespace sealgate
