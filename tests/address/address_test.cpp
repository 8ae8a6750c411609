// Addresses by the grammar: every hostile spelling of a partner's domain is refused, every
// honest one normalises to the one domain the policy looks up.
#include "address/address.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace sealgate::address {
namespace {

struct Accepted {
    const char* text;
    Charset charset;
    const char* domain;   // normalised
    const char* address;  // as passed on
};

class AcceptedTest : public ::testing::TestWithParam<Accepted> {};

TEST_P(AcceptedTest, Normalises) {
    const auto& c = GetParam();
    auto m = parse_path(c.text, c.charset);
    ASSERT_TRUE(m) << c.text << ": " << m.error().reason;
    EXPECT_EQ(m->domain, c.domain) << c.text;
    EXPECT_EQ(m->address(), c.address) << c.text;
    // What is passed on parses again to the same domain.
    auto again = parse_mailbox(m->address(), c.charset);
    ASSERT_TRUE(again) << m->address();
    EXPECT_EQ(again->domain, m->domain);
}

INSTANTIATE_TEST_SUITE_P(
    Table, AcceptedTest,
    ::testing::Values(
        Accepted{"bob@partner.example", Charset::ascii, "partner.example", "bob@partner.example"},
        Accepted{"bob@Partner.EXAMPLE", Charset::ascii, "partner.example", "bob@Partner.EXAMPLE"},
        // The DNS root: every MTA routes it to the same domain.
        Accepted{"bob@partner.example.", Charset::ascii, "partner.example", "bob@partner.example"},
        Accepted{"b.o-b+tag@partner.example", Charset::ascii, "partner.example",
                 "b.o-b+tag@partner.example"},
        Accepted{"\"bob smith\"@partner.example", Charset::ascii, "partner.example",
                 "\"bob smith\"@partner.example"},
        Accepted{"\"b\\\"ob\"@partner.example", Charset::ascii, "partner.example",
                 "\"b\\\"ob\"@partner.example"},
        // A quoted '@' is syntax; the policy refuses it as routing syntax.
        Accepted{"\"bob@x\"@partner.example", Charset::ascii, "partner.example",
                 "\"bob@x\"@partner.example"},
        Accepted{"bob@sub.partner.example", Charset::ascii, "sub.partner.example",
                 "bob@sub.partner.example"},
        Accepted{"bob@1partner.example", Charset::ascii, "1partner.example",
                 "bob@1partner.example"},
        Accepted{"bob@xn--bcher-kva.example", Charset::ascii, "xn--bcher-kva.example",
                 "bob@xn--bcher-kva.example"},
        Accepted{"bob@b\xc3\xbc"
                 "cher.example",
                 Charset::utf8, "xn--bcher-kva.example",
                 "bob@b\xc3\xbc"
                 "cher.example"},
        Accepted{"b\xc3\xb6"
                 "b@partner.example",
                 Charset::utf8, "partner.example",
                 "b\xc3\xb6"
                 "b@partner.example"},
        // RFC 5321 §C: a source route is checked and dropped.
        Accepted{"@relay.example:bob@partner.example", Charset::ascii, "partner.example",
                 "bob@partner.example"},
        Accepted{"@a.example,@b.example:bob@partner.example", Charset::ascii, "partner.example",
                 "bob@partner.example"},
        // Address literals are syntax; the policy refuses them.
        Accepted{"bob@[192.0.2.1]", Charset::ascii, "[192.0.2.1]", "bob@[192.0.2.1]"},
        Accepted{"bob@[IPv6:2001:db8::1]", Charset::ascii, "[ipv6:2001:db8::1]",
                 "bob@[IPv6:2001:db8::1]"}));

struct Refused {
    std::string_view text;
    Charset charset;
};

class RefusedTest : public ::testing::TestWithParam<Refused> {};

TEST_P(RefusedTest, IsAnError) {
    const auto& c = GetParam();
    auto m = parse_path(c.text, c.charset);
    ASSERT_FALSE(m) << c.text << " parsed as domain " << m->domain;
    EXPECT_EQ(m.error().code, 501);
    EXPECT_EQ(m.error().status, "5.1.3");
    EXPECT_FALSE(m.error().reason.empty());
}

// Each of these is a spelling that some MTA resolves to partner.example (Postfix's smtpd with
// strict_rfc821_envelopes = no strips comments and quotes), or that names no domain at all.
INSTANTIATE_TEST_SUITE_P(
    Table, RefusedTest,
    ::testing::Values(Refused{"bob@partner.example(comment)", Charset::ascii},
                      Refused{"bob@(c)partner.example", Charset::ascii},
                      Refused{"bob(c)@partner.example", Charset::ascii},
                      Refused{"bob@\"partner.example\"", Charset::ascii},
                      Refused{"bob@partner\\.example", Charset::ascii},
                      Refused{"bob@partner.example..", Charset::ascii},
                      Refused{"bob@partner..example", Charset::ascii},
                      Refused{"bob@.partner.example", Charset::ascii},
                      Refused{"bob@.", Charset::ascii}, Refused{"bob@", Charset::ascii},
                      Refused{"bob", Charset::ascii}, Refused{"@partner.example", Charset::ascii},
                      Refused{"bob@-partner.example", Charset::ascii},
                      Refused{"bob@partner-.example", Charset::ascii},
                      Refused{"bob@partner_x.example", Charset::ascii},
                      Refused{"bob@partner.example@other.example", Charset::ascii},
                      Refused{"bob@@partner.example", Charset::ascii},
                      Refused{"bob@partner.example ", Charset::ascii},
                      Refused{"bob@partner.example\t", Charset::ascii},
                      Refused{"bob@partner.example\r", Charset::ascii},
                      Refused{"bob@partner.example%other", Charset::ascii},
                      Refused{"bob@partner.example,other.example", Charset::ascii},
                      Refused{"bob@partner.example;", Charset::ascii},
                      Refused{"bob@[partner.example]", Charset::ascii},
                      Refused{"bob@[192.0.2.1", Charset::ascii},
                      Refused{"bob@192.0.2.1]", Charset::ascii},
                      Refused{"bob@[999.0.2.1]", Charset::ascii},
                      Refused{"bob@[IPv6:not-an-address]", Charset::ascii},
                      Refused{"bob@[192.0.2.1]x", Charset::ascii},
                      Refused{".bob@partner.example", Charset::ascii},
                      Refused{"bob.@partner.example", Charset::ascii},
                      Refused{"bo..b@partner.example", Charset::ascii},
                      Refused{"bob smith@partner.example", Charset::ascii},
                      Refused{"\"bob@partner.example", Charset::ascii},
                      Refused{"\"bob\"x@partner.example", Charset::ascii},
                      Refused{"\"bob\\\"@partner.example", Charset::ascii},
                      Refused{"bob@partner.example\xc3\xa9", Charset::ascii},
                      Refused{"b\xc3\xb6"
                              "b@partner.example",
                              Charset::ascii},
                      // Full-width letters: UTS #46 maps them to "partner"; IDNA2008 refuses.
                      Refused{"bob@\xef\xbd\x90"
                              "artner.example",
                              Charset::utf8},
                      // Upper-case non-ASCII is not a valid U-label.
                      Refused{"bob@B\xc3\x9c"
                              "CHER.example",
                              Charset::utf8},
                      // Malformed UTF-8: an overlong '.', a lone continuation byte.
                      Refused{"bob@partner\xc0\xae"
                              "example",
                              Charset::utf8},
                      Refused{"bob@partner\x80.example", Charset::utf8},
                      // A NUL inside a U-label: idn2 would read "partner" only.
                      Refused{std::string_view("bob@partner\0\xc3\xa9.example", 22), Charset::utf8},
                      Refused{"@relay.example:", Charset::ascii},
                      Refused{"@relay.example,bob@partner.example", Charset::ascii},
                      Refused{"@(c)relay.example:bob@partner.example", Charset::ascii},
                      Refused{"@relay.example,:bob@partner.example", Charset::ascii}));

TEST(NormalizeDomain, LabelAndDomainLengths) {
    const std::string label63(63, 'a');
    EXPECT_TRUE(normalize_domain(label63 + ".example", Charset::ascii));
    EXPECT_FALSE(normalize_domain(label63 + "a.example", Charset::ascii));
    std::string long_domain;
    while (long_domain.size() < 250)
        long_domain += "abcdefghi.";
    long_domain += "example";
    EXPECT_FALSE(normalize_domain(long_domain, Charset::ascii));
}

TEST(NormalizeDomain, IsIdempotentAndAsciiOnly) {
    for (const char* d : {"Partner.Example.",
                          "b\xc3\xbc"
                          "cher.example",
                          "XN--BCHER-KVA.example"}) {
        auto once = normalize_domain(d, Charset::utf8);
        ASSERT_TRUE(once) << d;
        auto twice = normalize_domain(*once, Charset::ascii);
        ASSERT_TRUE(twice) << *once;
        EXPECT_EQ(*once, *twice);
    }
    auto e = normalize_domain("partner..example", Charset::ascii);
    ASSERT_FALSE(e);
    EXPECT_EQ(e.error().status, "5.1.2");
}

// The name of a domain record (`domain add`, `pgp add-domain`, ...): the rules of every domain,
// plus "*." in front for the subdomains.
TEST(NormalizeDomainPattern, DomainsAndWildcards) {
    struct Row {
        std::string_view text;
        std::string_view name;  // empty: refused
    };
    const Row rows[] = {
        {"Partner.Example", "partner.example"},
        {"partner.example.", "partner.example"},
        {"*.Partner.Example", "*.partner.example"},
        {"b\xc3\xbc"
         "cher.example",
         "xn--bcher-kva.example"},  // a U-label becomes its A-label
        {"*.b\xc3\xbc"
         "cher.example",
         "*.xn--bcher-kva.example"},
        {"localhost", "localhost"},
        {"partner..example", ""},
        {"*.", ""},
        {"*", ""},
        {"*.*.partner.example", ""},
        {"a.*.example", ""},
        {"-partner.example", ""},
        {"", ""},
        {"partner example", ""},
    };
    for (const auto& row : rows) {
        const auto r = normalize_domain_pattern(row.text);
        if (row.name.empty()) {
            ASSERT_FALSE(r) << row.text;
            EXPECT_EQ(r.error().kind, ErrorKind::bad_input) << row.text;
            EXPECT_TRUE(r.error().reason.starts_with("not a domain name: ")) << r.error().reason;
        } else {
            ASSERT_TRUE(r) << row.text << ": " << r.error().reason;
            EXPECT_EQ(*r, row.name);
        }
    }
    EXPECT_EQ(normalize_domain_pattern("a..b").error().reason,
              "not a domain name: domain \"a..b\": empty label");
}

TEST(ValidUtf8, Rfc3629) {
    EXPECT_TRUE(valid_utf8("plain"));
    EXPECT_TRUE(valid_utf8("\xc3\xbc\xe2\x82\xac\xf0\x9f\x98\x80"));
    EXPECT_FALSE(valid_utf8("\xc0\xaf"));          // overlong '/'
    EXPECT_FALSE(valid_utf8("\xe0\x80\xaf"));      // overlong, three bytes
    EXPECT_FALSE(valid_utf8("\xed\xa0\x80"));      // surrogate
    EXPECT_FALSE(valid_utf8("\xf4\x90\x80\x80"));  // beyond U+10FFFF
    EXPECT_FALSE(valid_utf8("\xc3"));              // truncated
    EXPECT_FALSE(valid_utf8("\x80"));              // lone continuation
}

}  // namespace
}  // namespace sealgate::address
