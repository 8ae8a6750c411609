// discover/: the owner names and WKD hashes against independent values, the SMIMEA rdata, and
// the zone-file lines of `publish dns`. No network.
#include <gtest/gtest.h>

#include "discover/discover.hpp"
#include "discover/records.hpp"

namespace sealgate::discover {
namespace {

TEST(DiscoverNames, Rfc7929Example) {
    // RFC 7929 §3: hugh@example.com.
    EXPECT_EQ(openpgpkey_name("hugh", "example.com"),
              "c93f1e400f26708f98cb19d936620da35eec8f72e57f9eec01c1afd6._openpgpkey.example.com");
    EXPECT_EQ(smimea_name("hugh", "example.com"),
              "c93f1e400f26708f98cb19d936620da35eec8f72e57f9eec01c1afd6._smimecert.example.com");
}

TEST(DiscoverNames, DomainLowerCaseLocalPartAsWritten) {
    EXPECT_EQ(smimea_name("hugh", "Example.COM"), smimea_name("hugh", "example.com"));
    // RFC 7929 §3: the local part is hashed as it is (no case folding).
    EXPECT_NE(openpgpkey_name("Hugh", "example.com"), openpgpkey_name("hugh", "example.com"));
}

TEST(DiscoverNames, WkdHashAsGpgWksClientPrintsIt) {
    // `gpg-wks-client --print-wkd-hash` (GnuPG 2.2.40) for these addresses; the e2e test
    // discover asks the tool itself.
    EXPECT_EQ(wkd_hash("hugh"), "w5n1gnooatcyfd9tzicamzk8aqkyfdk8");
    EXPECT_EQ(wkd_hash("domain-cert"), "sg3g7hcjdo7k1de6seumkb355q81qwrs");
    // The WKD hash is over the lower-cased local part.
    EXPECT_EQ(wkd_hash("Domain-Cert"), wkd_hash("domain-cert"));
}

TEST(DiscoverNames, WkdUrls) {
    EXPECT_EQ(wkd_advanced_url("domain-cert", "partner.example"),
              "https://openpgpkey.partner.example/.well-known/openpgpkey/partner.example/hu/"
              "sg3g7hcjdo7k1de6seumkb355q81qwrs?l=domain-cert");
    EXPECT_EQ(wkd_direct_url("a+b", "Partner.Example"),
              "https://partner.example/.well-known/openpgpkey/hu/" + wkd_hash("a+b") + "?l=a%2Bb");
}

TEST(DiscoverRecords, SmimeaRdata) {
    const auto r = parse_smimea(std::string("\x03\x00\x00\x30\x82", 5));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->usage, 3u);
    EXPECT_EQ(r->selector, 0u);
    EXPECT_EQ(r->matching, 0u);
    EXPECT_EQ(r->data, "\x30\x82");
    EXPECT_FALSE(parse_smimea(std::string("\x03\x00\x00", 3)));
    EXPECT_FALSE(parse_smimea(""));
    EXPECT_EQ(smimea_rdata("AB"), std::string("\x03\x00\x00"
                                              "AB",
                                              5));
}

TEST(DiscoverRecords, HashOnlyRecordIsNotUsable) {
    Finding f;
    judge_smimea({3, 1, 1, std::string(32, 'x')}, 0, f);
    EXPECT_FALSE(f.usable);
    EXPECT_NE(f.problem.find("only a hash"), std::string::npos) << f.problem;
}

TEST(DiscoverRecords, GarbageCertificateIsNotUsable) {
    Finding f;
    judge_smimea({3, 0, 0, "not DER"}, 0, f);
    EXPECT_FALSE(f.usable);
    EXPECT_NE(f.problem.find("not a certificate"), std::string::npos) << f.problem;
    EXPECT_TRUE(f.data.empty());
}

TEST(DiscoverRecords, GarbageKeyIsOneUnusableFinding) {
    Finding base;
    base.address = "domain-cert@partner.example";
    const auto found = judge_openpgp("garbage", true, 0, base);
    ASSERT_EQ(found.size(), 1u);
    EXPECT_FALSE(found[0].usable);
    EXPECT_NE(found[0].problem.find("not an OpenPGP key"), std::string::npos);
}

TEST(DiscoverRecords, ZoneLines) {
    EXPECT_EQ(smimea_zone_line("hugh", "example.com", "\x30\x82"),
              "c93f1e400f26708f98cb19d936620da35eec8f72e57f9eec01c1afd6._smimecert.example.com. "
              "IN SMIMEA 3 0 0 3082");
    EXPECT_EQ(openpgpkey_zone_line("hugh", "example.com", "abc"),
              "c93f1e400f26708f98cb19d936620da35eec8f72e57f9eec01c1afd6._openpgpkey.example.com. "
              "IN OPENPGPKEY YWJj");
}

TEST(DiscoverAddress, Split) {
    auto a = split_address("Domain-Cert@Partner.Example.");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->local, "Domain-Cert");
    EXPECT_EQ(a->domain, "partner.example");
    EXPECT_FALSE(split_address("no-at-sign"));
    EXPECT_FALSE(split_address("@partner.example"));
    EXPECT_FALSE(split_address("a@"));
    EXPECT_FALSE(split_address("a@bad..domain"));
}

TEST(DiscoverLookup, BadOptionsAreRefusedBeforeAnyQuery) {
    Options o;
    o.resolver = "not an address";
    auto r = lookup("domain-cert@partner.example", o, 0);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::bad_input);
    o.resolver = "127.0.0.1@53";
    o.trust_anchor = "/nonexistent/anchor.ds";
    r = lookup("domain-cert@partner.example", o, 0);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().reason.find("trust anchor"), std::string::npos);
    r = lookup("not-an-address", Options{}, 0);
    EXPECT_FALSE(r);
}

}  // namespace
}  // namespace sealgate::discover
