// mime/crlf.cpp — line-ending canonicalisation (RFC 5322 §2.1, RFC 2046 §4.1.1: CRLF).
//
// Canonical input is the common case on the SMTP path, so the check runs first with memchr (many
// GB/s) and the input is handed back untouched; only non-canonical input is rewritten.
#include <cstring>
#include <string>

#include "mime/entity.hpp"

namespace sealgate::mime {
namespace {

// Number of CRLF pairs to add: LFs without a CR before them plus CRs without an LF after them.
std::size_t missing_pairs(const std::string& s) {
    const char* const begin = s.data();
    const char* const end = begin + s.size();
    std::size_t missing = 0;
    for (const char* p = begin; p < end;) {
        const auto* lf =
            static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
        if (!lf)
            break;
        if (lf == begin || lf[-1] != '\r')
            ++missing;
        p = lf + 1;
    }
    for (const char* p = begin; p < end;) {
        const auto* cr =
            static_cast<const char*>(std::memchr(p, '\r', static_cast<std::size_t>(end - p)));
        if (!cr)
            break;
        if (cr + 1 == end || cr[1] != '\n')
            ++missing;
        p = cr + 1;
    }
    return missing;
}

}  // namespace

std::string to_crlf(std::string data) {
    const std::size_t missing = missing_pairs(data);
    if (missing == 0)
        return data;
    std::string out;
    out.reserve(data.size() + missing);
    const char* p = data.data();
    const char* const end = p + data.size();
    while (p < end) {
        // Copy the run up to the next CR or LF in one piece.
        const char* q = p;
        while (q < end && *q != '\r' && *q != '\n')
            ++q;
        out.append(p, static_cast<std::size_t>(q - p));
        if (q == end)
            break;
        out += "\r\n";
        // CRLF is one line break; a lone CR or a lone LF is one too.
        q += (*q == '\r' && q + 1 < end && q[1] == '\n') ? 2 : 1;
        p = q;
    }
    return out;
}

}  // namespace sealgate::mime
