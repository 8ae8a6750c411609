// store/lookup.hpp: an object named by a full thumbprint/fingerprint or a unique prefix of at
// least 8 hex digits — the one lookup of the CLI (and of the REST API after it).
#include "store/lookup.hpp"

#include <gtest/gtest.h>

#include "store/sqlite_store.hpp"
#include "support/result.hpp"
#include "support/store.hpp"
#include "support/temp_dir.hpp"

namespace sealgate {
namespace {

const std::string kCertA(64, 'a');                              // aaaa...
const std::string kCertB = "aaaaaaaab" + std::string(55, '0');  // shares 8 digits with kCertA
const std::string kCertC = "c0ffee00" + std::string(56, '1');
const std::string kKeyA = "0123456789abcdef0123456789abcdef01234567";
const std::string kKeyB = "0123456789abcdef0123456789abcdef0123ffff";

class Lookup : public ::testing::Test {
  protected:
    void SetUp() override {
        store_ = test::open_store(dir_);
        ASSERT_TRUE(store_);
        for (const auto& sha : {kCertA, kCertB, kCertC})
            ASSERT_OK(store_->put_certificate(CertRecord{sha, "der", false, 1}));
        for (const auto& fpr : {kKeyA, kKeyB}) {
            PgpKeyRecord k;
            k.fingerprint = fpr;
            k.public_key = "key";
            ASSERT_OK(store_->put_pgp_key(k));
        }
        ASSERT_OK(store_->put_ctl(CtlEntry{kCertA, CtlAction::trust, 1}));
        ASSERT_OK(store_->put_ctl(CtlEntry{kCertB, CtlAction::block, 1}));
        ASSERT_OK(store_->put_root(RootRecord{kCertC, "der"}));
    }

    test::TempDir dir_;
    std::unique_ptr<SqliteStore> store_;
};

// Every outcome of every lookup: the kind, and the words the CLI has always printed.
TEST_F(Lookup, Certificates) {
    struct Row {
        std::string text;
        std::string found;  // empty: an error of `kind` with `message`
        ErrorKind kind = ErrorKind::internal;
        std::string message;
    };
    const Row rows[] = {
        {kCertC, kCertC, ErrorKind::internal, ""},
        {"C0:FF:EE:00", kCertC, ErrorKind::internal, ""},  // colons, upper case
        {"c0ff ee00-11", kCertC, ErrorKind::internal, ""},
        {kCertA, kCertA, ErrorKind::internal, ""},  // the full thumbprint
        {"aaaaaaaaa", kCertA, ErrorKind::internal, ""},
        {"aaaaaaaa", "", ErrorKind::ambiguous, "2 certificates match aaaaaaaa: give more digits"},
        {"bbbbbbbb", "", ErrorKind::not_found, "no certificate matches bbbbbbbb"},
        {"c0ffee", "", ErrorKind::bad_input,
         "thumbprint prefix too short (at least 8 hex digits): c0ffee"},
        {"c0ffeez0", "", ErrorKind::bad_input, "not a thumbprint: c0ffeez0"},
        {"", "", ErrorKind::bad_input, "not a thumbprint: "},
    };
    for (const auto& row : rows) {
        const auto r = lookup_certificate(*store_, row.text);
        if (!row.found.empty()) {
            ASSERT_TRUE(r) << row.text << ": " << r.error().reason;
            EXPECT_EQ(r->sha256, row.found) << row.text;
        } else {
            ASSERT_FALSE(r) << row.text;
            EXPECT_EQ(r.error().kind, row.kind) << row.text;
            EXPECT_EQ(r.error().reason, row.message) << row.text;
        }
    }
}

TEST_F(Lookup, PgpKeys) {
    EXPECT_EQ(lookup_pgp_key(*store_, "0123 4567 89AB CDEF 0123 4567 89AB CDEF 0123 4567")
                  .value()
                  .fingerprint,
              kKeyA);
    EXPECT_EQ(lookup_pgp_key(*store_, "0123456789abcdef0123456789abcdef0123f")->fingerprint, kKeyB);
    const auto several = lookup_pgp_key(*store_, "01234567");
    ASSERT_FALSE(several);
    EXPECT_EQ(several.error().kind, ErrorKind::ambiguous);
    EXPECT_EQ(several.error().reason, "2 OpenPGP keys match 01234567: give more digits");
    const auto none = lookup_pgp_key(*store_, "76543210");
    ASSERT_FALSE(none);
    EXPECT_EQ(none.error().kind, ErrorKind::not_found);
    EXPECT_EQ(none.error().reason, "no OpenPGP key matches 76543210");
    // A fingerprint has 40 digits: a 64-digit thumbprint is not one.
    const auto longer = lookup_pgp_key(*store_, kCertA);
    ASSERT_FALSE(longer);
    EXPECT_EQ(longer.error().kind, ErrorKind::bad_input);
    EXPECT_EQ(longer.error().reason, "not a fingerprint: " + kCertA);
    EXPECT_EQ(lookup_pgp_key(*store_, "0123").error().reason,
              "fingerprint prefix too short (at least 8 hex digits): 0123");
}

TEST_F(Lookup, CtlEntriesAndRoots) {
    EXPECT_EQ(lookup_ctl_entry(*store_, "aaaaaaaab").value(), kCertB);
    const auto several = lookup_ctl_entry(*store_, "aaaaaaaa");
    ASSERT_FALSE(several);
    EXPECT_EQ(several.error().kind, ErrorKind::ambiguous);
    EXPECT_EQ(several.error().reason, "several CTL entrys match aaaaaaaa: give more digits");
    const auto none = lookup_ctl_entry(*store_, "c0ffee00");  // stored, but not on the CTL
    ASSERT_FALSE(none);
    EXPECT_EQ(none.error().kind, ErrorKind::not_found);
    EXPECT_EQ(none.error().reason, "no CTL entry matches c0ffee00");

    EXPECT_EQ(lookup_root(*store_, "c0ffee00").value(), kCertC);
    EXPECT_EQ(lookup_root(*store_, "aaaaaaaa").error().reason, "no root matches aaaaaaaa");
    EXPECT_EQ(lookup_root(*store_, "xyz").error().kind, ErrorKind::bad_input);
}

// A full thumbprint may name a certificate that is not stored (trust in advance); a prefix
// must name a stored one.
TEST_F(Lookup, CtlTarget) {
    const std::string absent(64, 'e');
    EXPECT_EQ(ctl_target(*store_, absent).value(), absent);
    EXPECT_EQ(ctl_target(*store_, "C0FFEE00").value(), kCertC);
    EXPECT_EQ(ctl_target(*store_, "eeeeeeee").error().kind, ErrorKind::not_found);
    EXPECT_EQ(ctl_target(*store_, "aaaaaaaa").error().kind, ErrorKind::ambiguous);
}

TEST(ParseThumbprint, Normalises) {
    EXPECT_EQ(parse_thumbprint("AB:CD:EF:01").value(), "abcdef01");
    EXPECT_EQ(parse_thumbprint("abcdef0").error().kind, ErrorKind::bad_input);
}

}  // namespace
}  // namespace sealgate
