// mime/crlf.cpp — line-ending canonicalisation (RFC 5322 §2.1, RFC 2046 §4.1.1: CRLF).
//
// Canonical input is the common case on the SMTP path (Postfix hands over CRLF), so one
// vectorised pass checks it and hands the input back untouched; only non-canonical input (the
// CLI filters reading LF files) is rewritten, line by line with memchr/memcpy.
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "mime/entity.hpp"

namespace sealgate::mime {
namespace {

// True when every CR is followed by LF and every LF is preceded by CR: one pass comparing each
// byte "is CR" with the next byte "is LF" (16 bytes per step with SSE2).
bool is_canonical(std::string_view s) {
    const char* const p = s.data();
    const std::size_t n = s.size();
    if (n == 0)
        return true;
    if (p[0] == '\n' || p[n - 1] == '\r')
        return false;
    std::size_t i = 0;
#if defined(__SSE2__)
    const __m128i cr = _mm_set1_epi8('\r');
    const __m128i lf = _mm_set1_epi8('\n');
    while (i + 17 <= n) {
        __m128i acc = _mm_setzero_si128();
        const std::size_t stop = std::min(n - 16, i + 4096);
        for (; i + 1 <= stop; i += 16) {
            const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
            const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i + 1));
            acc = _mm_or_si128(acc, _mm_xor_si128(_mm_cmpeq_epi8(a, cr), _mm_cmpeq_epi8(b, lf)));
        }
        if (_mm_movemask_epi8(acc) != 0)
            return false;
    }
#endif
    for (; i + 1 < n; ++i)
        if ((p[i] == '\r') != (p[i + 1] == '\n'))
            return false;
    return true;
}

// Number of bytes to add: LFs without a CR before them plus CRs without an LF after them.
std::size_t missing_bytes(std::string_view s) {
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

char* copy(char* out, const char* from, const char* to) {
    const auto n = static_cast<std::size_t>(to - from);
    std::memcpy(out, from, n);
    return out + n;
}

char* put_crlf(char* out) {
    out[0] = '\r';
    out[1] = '\n';
    return out + 2;
}

}  // namespace

std::string to_crlf(std::string data) {
    if (is_canonical(data))
        return data;
    std::string out(data.size() + missing_bytes(data), '\0');
    char* o = out.data();
    const char* p = data.data();
    const char* const end = p + data.size();
    // Line by line: a CRLF or a lone LF ends the line; a lone CR inside it is a line break too.
    while (p < end) {
        const auto* lf =
            static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
        const char* const stop = lf ? lf : end;
        while (const auto* cr = static_cast<const char*>(
                   std::memchr(p, '\r', static_cast<std::size_t>(stop - p)))) {
            if (lf && cr + 1 == stop)
                break;  // the CR of a CRLF
            o = put_crlf(copy(o, p, cr));
            p = cr + 1;
        }
        if (!lf) {
            o = copy(o, p, end);
            break;
        }
        const char* const text_end = (stop > p && stop[-1] == '\r') ? stop - 1 : stop;
        o = put_crlf(copy(o, p, text_end));
        p = lf + 1;
    }
    if (o != out.data() + out.size())
        std::abort();  // a counting bug: never emit garbage
    return out;
}

}  // namespace sealgate::mime
