// libFuzzer entry point for the address grammar (address/address.hpp): parse_mailbox,
// parse_path and normalize_domain on arbitrary text, under both charsets.
//
// Input: byte 0 selects the charset (bit 0: utf8, else ascii), then the text.
//
// Invariants (abort when broken): a parsed mailbox's normalised domain is lower-case ASCII LDH
// labels of 1-63 octets (no '-' at either end), or an address literal in brackets; it is what
// normalize_domain makes of the domain as written; parsing the mailbox's canonical form
// (address()) again gives the same mailbox; a path's mailbox is a mailbox; normalize_domain is
// idempotent and its result is ASCII, so it normalises the same under ascii; what parses under
// ascii parses to the same under utf8; refusals are 501 5.1.x with a reason. The saved corpus
// tests/data/address/address_corpus replays through this function in ctest.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "address/address.hpp"

namespace {

using namespace sealgate::address;

void check(bool condition) {
    if (!condition)
        std::abort();
}

bool same(const Mailbox& a, const Mailbox& b) {
    return a.local == b.local && a.written == b.written && a.domain == b.domain &&
           a.literal == b.literal;
}

// Lower-case ASCII letters, digits and hyphens, in dot-separated labels of 1-63 octets that
// neither start nor end with '-' (RFC 5890 §2.3.1 LDH labels, A-labels included).
bool is_ldh_domain(std::string_view d) {
    if (d.empty())
        return false;
    std::size_t start = 0;
    while (true) {
        const auto dot = d.find('.', start);
        const std::string_view label = d.substr(start, dot == std::string_view::npos ? dot : dot - start);
        if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-')
            return false;
        for (const char c : label)
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
                return false;
        if (dot == std::string_view::npos)
            return true;
        start = dot + 1;
    }
}

void check_refusal(const sealgate::Error& e) {
    check(e.code == 501 && e.status.starts_with("5.1.") && !e.reason.empty());
}

void check_mailbox(const Mailbox& m, Charset charset) {
    check(!m.local.empty() && !m.written.empty());
    if (m.literal) {
        check(m.domain.size() >= 3 && m.domain.front() == '[' && m.domain.back() == ']');
    } else {
        check(is_ldh_domain(m.domain));
        const auto normal = normalize_domain(m.written, charset);
        check(normal.has_value() && *normal == m.domain);
    }
    const auto again = parse_mailbox(m.address(), charset);
    check(again.has_value() && same(*again, m));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
    if (size < 1)
        return 0;
    const Charset charset = (bytes[0] & 1) ? Charset::utf8 : Charset::ascii;
    const std::string_view text(reinterpret_cast<const char*>(bytes) + 1, size - 1);

    const auto mailbox = parse_mailbox(text, charset);
    if (mailbox) {
        check_mailbox(*mailbox, charset);
        if (charset == Charset::ascii) {
            const auto wide = parse_mailbox(text, Charset::utf8);
            check(wide.has_value() && same(*wide, *mailbox));
        }
    } else {
        check_refusal(mailbox.error());
    }

    const auto path = parse_path(text, charset);
    if (path) {
        check_mailbox(*path, charset);
        if (mailbox)
            check(same(*path, *mailbox));  // no source route: the path is the mailbox
    } else {
        check_refusal(path.error());
        check(!mailbox);  // every mailbox is a path
    }

    const auto domain = normalize_domain(text, charset);
    if (domain) {
        check(is_ldh_domain(*domain));
        for (const Charset c : {Charset::ascii, Charset::utf8}) {
            const auto twice = normalize_domain(*domain, c);
            check(twice.has_value() && *twice == *domain);
        }
    } else {
        check_refusal(domain.error());
    }
    return 0;
}
