// libFuzzer entry point for the relay client's reply reader (smtp/client_protocol.hpp):
// ReplyParser over a next hop's byte stream in chunks, and parse_ehlo() on every reply.
//
// Input: byte 0 the chunk length (0 = all at once), byte 1 the line limit (0 = the default 4096,
// else 8 x the byte), then the stream.
//
// Invariants (abort when broken): a reply has a three-digit code, at least one line, no LF in a
// line, and an enhanced status code only of the reply's class; its wire form has lines of at
// most 512 octets and reads back as the same reply (the same code and lines when it had to be
// cut or cleaned); the replies do not depend on the chunking (read whole, the stream gives the same
// replies up to the first error of either reading); parse_ehlo() names only non-empty,
// upper-case XFORWARD attributes. The saved corpus tests/data/smtp/reply_corpus replays through
// this function in ctest.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "smtp/client_protocol.hpp"

namespace {

using namespace sealgate::smtp;

void check(bool condition) {
    if (!condition)
        std::abort();
}

bool is_status_of(std::string_view status, int code) {
    // d.d{1,3}.d{1,3} with the class of the code (RFC 3463 §2, RFC 2034 §4).
    if (status.size() < 5 || status[0] != static_cast<char>('0' + code / 100) || status[1] != '.')
        return false;
    const auto dot = status.find('.', 2);
    if (dot == std::string_view::npos || dot == 2 || dot > 5 || dot + 1 == status.size() ||
        status.size() - dot - 1 > 3)
        return false;
    return std::all_of(status.begin() + 2, status.end(),
                       [](char c) { return (c >= '0' && c <= '9') || c == '.'; }) &&
           std::count(status.begin(), status.end(), '.') == 2;
}

void check_reply(const Reply& r) {
    check(r.code >= 0 && r.code <= 999 && !r.lines.empty());
    for (const auto& line : r.lines)
        check(line.find('\n') == std::string::npos);
    check(r.status.empty() || is_status_of(r.status, r.code));
    if (r.code >= 100) {  // wire() writes the code in decimal: three digits from 100 on
        // Every line we write is at most 512 octets, controls made harmless (smtp/reply.hpp);
        // a reply that needed neither reads back as itself, any other with its code and lines.
        const std::string wire = r.wire();
        for (std::size_t at = 0, eol; (eol = wire.find("\r\n", at)) != std::string::npos;
             at = eol + 2)
            check(eol + 2 - at <= 512);
        const bool clean = std::all_of(r.lines.begin(), r.lines.end(), [&](const auto& line) {
            return line.size() + r.status.size() + 6 <= 512 &&
                   std::none_of(line.begin(), line.end(), [](char c) {
                       return static_cast<unsigned char>(c) < 32 || c == 127;
                   });
        });
        ReplyParser again;
        again.feed(wire);
        const auto back = again.next();
        check(back.has_value() && back->has_value() && again.empty());
        check((**back).code == r.code && (**back).lines.size() == r.lines.size());
        if (clean)
            check(**back == r);
    }
    const Capabilities caps = parse_ehlo(r);
    for (const auto& name : caps.xforward) {
        check(!name.empty() && name.find(' ') == std::string::npos);
        check(std::none_of(name.begin(), name.end(), [](char c) { return c >= 'a' && c <= 'z'; }));
    }
}

// The replies read from `stream` fed `chunk` bytes at a time; `failed` tells whether reading
// stopped at an error.
std::vector<Reply> read_all(std::string_view stream, std::size_t chunk, std::size_t max_line,
                            bool& failed) {
    ReplyParser parser(max_line);
    std::vector<Reply> replies;
    failed = false;
    while (!stream.empty()) {
        const std::size_t n = chunk == 0 ? stream.size() : std::min(chunk, stream.size());
        parser.feed(stream.substr(0, n));
        stream.remove_prefix(n);
        while (true) {
            auto r = parser.next();
            if (!r) {
                check(!r.error().reason.empty() && r.error().code == 451);
                failed = true;
                return replies;
            }
            if (!r->has_value())
                break;
            check_reply(**r);
            replies.push_back(std::move(**r));
        }
    }
    return replies;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
    if (size < 2)
        return 0;
    const std::string_view stream(reinterpret_cast<const char*>(bytes) + 2, size - 2);
    const std::size_t max_line = bytes[1] == 0 ? 4096 : 8u * bytes[1];
    bool chunked_failed = false;
    bool whole_failed = false;
    const auto chunked = read_all(stream, bytes[0], max_line, chunked_failed);
    const auto whole = read_all(stream, 0, max_line, whole_failed);
    const std::size_t common = std::min(chunked.size(), whole.size());
    check(std::equal(chunked.begin(), chunked.begin() + static_cast<std::ptrdiff_t>(common),
                     whole.begin()));
    if (!chunked_failed && !whole_failed)
        check(chunked.size() == whole.size());
    return 0;
}
