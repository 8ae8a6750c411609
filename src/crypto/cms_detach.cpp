#include "crypto/cms_detach.hpp"

#include <openssl/err.h>
#include <openssl/objects.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>

namespace sealgate::crypto {

namespace {

// Indefinite lengths inside indefinite lengths (OpenSSL stops at 30, ASN1_MAX_CONSTRUCTED_NEST).
constexpr int kMaxDepth = 32;
// Constructed OCTET STRING pieces inside constructed pieces (OpenSSL stops at 5 as well).
constexpr int kMaxStringNest = 5;

constexpr unsigned char kUniversal = 0x00;
constexpr unsigned char kContext = 0x80;
constexpr unsigned kTagOctetString = 4;
constexpr unsigned kTagOid = 6;
constexpr unsigned kTagSequence = 16;

// X.690 §8.1.2–8.1.3: identifier and length octets of one element.
struct Header {
    std::size_t start = 0;    // identifier octets
    std::size_t id_end = 0;   // first length octet
    std::size_t content = 0;  // first content octet
    std::size_t length = 0;   // content length; 0 when indefinite
    unsigned char cls = 0;    // kUniversal, 0x40, kContext, 0xC0
    bool constructed = false;
    bool indefinite = false;
    unsigned tag = 0;

    bool is(unsigned char c, bool cons, unsigned t) const {
        return cls == c && constructed == cons && tag == t;
    }
};

// Reads elements of b_ by offset. Every read is checked against a limit: the end of the enclosing
// definite-length element, or the end of the data. The first failure is kept with its offset.
class Walker {
  public:
    explicit Walker(std::string_view b) : b_(b) {}

    bool header(std::size_t pos, std::size_t limit, Header& h) {
        h = Header{};
        h.start = pos;
        if (pos >= limit)
            return bad(pos, "truncated (element expected)");
        const unsigned char id = byte(pos++);
        if (id == 0)
            return bad(h.start, "unexpected end-of-contents octets");
        h.cls = id & 0xC0;
        h.constructed = (id & 0x20) != 0;
        h.tag = id & 0x1F;
        if (h.tag == 0x1F) {  // high tag number: base 128, at most 28 bits here
            h.tag = 0;
            unsigned char c = 0;
            int n = 0;
            do {
                if (pos >= limit)
                    return bad(h.start, "truncated tag");
                if (++n > 4)
                    return bad(h.start, "tag number too large");
                c = byte(pos++);
                h.tag = (h.tag << 7) | (c & 0x7Fu);
            } while ((c & 0x80) != 0);
        }
        h.id_end = pos;
        if (pos >= limit)
            return bad(h.start, "truncated length");
        const unsigned char l = byte(pos++);
        if (l == 0x80) {
            if (!h.constructed)
                return bad(h.start, "indefinite length on a primitive element");
            h.indefinite = true;
        } else if (l < 0x80) {
            h.length = l;
        } else {
            const std::size_t n = l & 0x7Fu;
            if (n == 0x7F)
                return bad(h.start, "reserved length octet");
            if (n > limit - pos)
                return bad(h.start, "truncated length");
            for (std::size_t i = 0; i < n; ++i) {
                if (h.length > (SIZE_MAX >> 8))
                    return bad(h.start, "length too large");
                h.length = (h.length << 8) | byte(pos++);
            }
        }
        h.content = pos;
        if (!h.indefinite && h.length > limit - pos)
            return bad(h.start, "length beyond the end of the data (truncated)");
        return true;
    }

    // True at end-of-contents (00 00) at pos.
    bool eoc(std::size_t pos, std::size_t limit) const {
        return pos <= limit && limit - pos >= 2 && byte(pos) == 0 && byte(pos + 1) == 0;
    }

    // Where the content of `h` ends when its children are walked from `from` (a child boundary):
    // the end-of-contents octets of an indefinite length, the end of a definite one (the children
    // must fill it exactly). `limit` bounds an indefinite length.
    bool content_end(const Header& h, std::size_t from, std::size_t limit, int depth,
                     std::size_t& out) {
        if (depth > kMaxDepth)
            return bad(h.start, "nested too deeply");
        const std::size_t stop = h.indefinite ? limit : h.content + h.length;
        std::size_t pos = from;
        for (;;) {
            if (h.indefinite ? eoc(pos, stop) : pos == stop) {
                out = pos;
                return true;
            }
            Header child;
            std::size_t child_end = 0;
            if (!header(pos, stop, child) || !element_end(child, stop, depth + 1, child_end))
                return false;
            pos = child_end;
        }
    }

    // The first offset after the element (after its end-of-contents octets when indefinite).
    bool element_end(const Header& h, std::size_t limit, int depth, std::size_t& out) {
        if (!h.indefinite) {
            out = h.content + h.length;
            return true;
        }
        if (!content_end(h, h.content, limit, depth, out))
            return false;
        out += 2;
        return true;
    }

    unsigned char byte(std::size_t pos) const { return static_cast<unsigned char>(b_[pos]); }

    bool bad(std::size_t pos, const char* what) {
        if (error_.empty())
            error_ = std::string(what) + " at offset " + std::to_string(pos);
        return false;
    }
    const std::string& error() const { return error_; }

  private:
    std::string_view b_;
    std::string error_;
};

// An element on the path from the ContentInfo down to the encrypted content.
struct Level {
    Header h;
    std::size_t limit = 0;        // bound for the element (its parent's end of content)
    std::size_t content_end = 0;  // where its content (or its end-of-contents octets) begins
    std::size_t end = 0;          // first offset after the element
};

// Moves the content octets of the OCTET STRING pieces inside `h` to `w` onwards, in order, and
// sets `end` to the first offset after `h`. Every piece has a header of at least two octets in
// front of its content, so `w` never passes the read position: the moves only overwrite headers
// and content already moved.
bool gather(std::string& buf, Walker& walk, const Header& h, std::size_t limit, int nest,
            std::size_t& w, std::size_t& end) {
    const std::size_t stop = h.indefinite ? limit : h.content + h.length;
    std::size_t pos = h.content;
    for (;;) {
        if (h.indefinite ? walk.eoc(pos, stop) : pos == stop) {
            end = h.indefinite ? pos + 2 : pos;
            return true;
        }
        Header piece;
        if (!walk.header(pos, stop, piece))
            return false;
        if (!piece.is(kUniversal, piece.constructed, kTagOctetString))
            return walk.bad(pos, "encrypted content piece is not an OCTET STRING");
        if (piece.constructed) {
            if (nest >= kMaxStringNest)
                return walk.bad(pos, "encrypted content pieces nested too deeply");
            if (!gather(buf, walk, piece, stop, nest + 1, w, pos))
                return false;
            continue;
        }
        std::memmove(buf.data() + w, buf.data() + piece.content, piece.length);
        w += piece.length;
        pos = piece.content + piece.length;
    }
}

std::string oid_name(std::string_view der) {
    const auto* p = reinterpret_cast<const unsigned char*>(der.data());
    std::unique_ptr<ASN1_OBJECT, decltype(&ASN1_OBJECT_free)> obj(
        d2i_ASN1_OBJECT(nullptr, &p, static_cast<long>(der.size())), ASN1_OBJECT_free);
    ERR_clear_error();
    const int nid = obj ? OBJ_obj2nid(obj.get()) : NID_undef;
    return nid != NID_undef ? OBJ_nid2ln(nid) : "an unknown type";
}

}  // namespace

Result<DetachedContent> detach_encrypted_content(std::string& ber) {
    Walker walk{std::string_view(ber)};
    const auto failed = [&walk](const char* what) {
        return fail(Error::bad_input(std::string("not a CMS structure (truncated or corrupt): ") +
                                     (walk.error().empty() ? what : walk.error())));
    };

    // RFC 5652 §3: ContentInfo ::= SEQUENCE { contentType OID, content [0] EXPLICIT ANY }
    Level levels[4];
    Level& ci = levels[0];
    ci.limit = ber.size();
    if (!walk.header(0, ci.limit, ci.h) || !ci.h.is(kUniversal, true, kTagSequence))
        return failed("ContentInfo is not a SEQUENCE");
    const std::size_t ci_stop = ci.h.indefinite ? ci.limit : ci.h.content + ci.h.length;
    Header oid;
    if (!walk.header(ci.h.content, ci_stop, oid) || !oid.is(kUniversal, false, kTagOid))
        return failed("no content type");
    // RFC 5652 §6.1 id-envelopedData, RFC 5083 §1.1 id-ct-authEnvelopedData.
    static constexpr std::string_view kEnveloped = "\x06\x09\x2A\x86\x48\x86\xF7\x0D\x01\x07\x03";
    static constexpr std::string_view kAuthEnveloped =
        "\x06\x0B\x2A\x86\x48\x86\xF7\x0D\x01\x09\x10\x01\x17";
    const std::string_view type =
        std::string_view(ber).substr(oid.start, oid.content + oid.length - oid.start);
    if (type != kEnveloped && type != kAuthEnveloped)
        return fail(
            Error::bad_input("CMS content is not (Auth)EnvelopedData but " + oid_name(type)));
    Level& explicit0 = levels[1];
    explicit0.limit = ci_stop;
    if (!walk.header(oid.content + oid.length, ci_stop, explicit0.h) ||
        !explicit0.h.is(kContext, true, 0))
        return failed("no content");
    // RFC 5652 §6.1 EnvelopedData / RFC 5083 §2.1 AuthEnvelopedData ::= SEQUENCE { version,
    // originatorInfo [0] OPTIONAL, recipientInfos SET, (auth)encryptedContentInfo SEQUENCE, ... }
    const std::size_t e0_stop =
        explicit0.h.indefinite ? ci_stop : explicit0.h.content + explicit0.h.length;
    Level& env = levels[2];
    env.limit = e0_stop;
    if (!walk.header(explicit0.h.content, e0_stop, env.h) ||
        !env.h.is(kUniversal, true, kTagSequence))
        return failed("content is not a SEQUENCE");
    // The first SEQUENCE among its elements is the EncryptedContentInfo: version is an INTEGER,
    // originatorInfo [0], recipientInfos a SET.
    const std::size_t env_stop = env.h.indefinite ? e0_stop : env.h.content + env.h.length;
    Level& eci = levels[3];
    eci.limit = env_stop;
    for (std::size_t pos = env.h.content;;) {
        if (env.h.indefinite ? walk.eoc(pos, env_stop) : pos == env_stop)
            return failed("no EncryptedContentInfo");
        std::size_t end = 0;
        if (!walk.header(pos, env_stop, eci.h))
            return failed("");
        if (eci.h.is(kUniversal, true, kTagSequence))
            break;
        if (!walk.element_end(eci.h, env_stop, 1, end))
            return failed("");
        pos = end;
    }
    // EncryptedContentInfo ::= SEQUENCE { contentType OID, contentEncryptionAlgorithm
    // AlgorithmIdentifier, encryptedContent [0] IMPLICIT OCTET STRING OPTIONAL }
    const std::size_t eci_stop = eci.h.indefinite ? env_stop : eci.h.content + eci.h.length;
    Header alg;
    Header content;
    std::size_t content_end = 0;
    if (!walk.header(eci.h.content, eci_stop, oid) || !oid.is(kUniversal, false, kTagOid) ||
        !walk.header(oid.content + oid.length, eci_stop, alg) ||
        !alg.is(kUniversal, true, kTagSequence) || !walk.element_end(alg, eci_stop, 1, content_end))
        return failed("EncryptedContentInfo without content type and algorithm");
    if (eci.h.indefinite ? walk.eoc(content_end, eci_stop) : content_end == eci_stop)
        return failed("no encrypted content (detached content is not supported)");
    if (!walk.header(content_end, eci_stop, content) || content.cls != kContext ||
        content.tag != 0 || !walk.element_end(content, eci_stop, 1, content_end))
        return failed("no encrypted content");

    // Where each level ends, from the inside out; OpenSSL's d2i checks what lies in between.
    std::size_t after = content_end;
    for (int i = 3; i >= 0; --i) {
        Level& l = levels[i];
        if (!walk.content_end(l.h, after, l.limit, i, l.content_end))
            return failed("");
        after = l.end = l.content_end + (l.h.indefinite ? 2 : 0);
    }

    // The structure without the content, every level on the path with an indefinite length (the
    // content it lost would make a definite one wrong).
    DetachedContent out;
    std::string& s = out.structure;
    s.reserve(content.start + (levels[0].end - content_end) + 4 * 4);
    for (int i = 0; i < 4; ++i) {
        const Header& h = levels[i].h;
        s.append(ber, h.start, h.id_end - h.start);
        s.push_back('\x80');
        const std::size_t next = i < 3 ? levels[i + 1].h.start : content.start;
        s.append(ber, h.content, next - h.content);
    }
    after = content_end;
    for (int i = 3; i >= 0; --i) {
        s.append(ber, after, levels[i].content_end - after);
        s.append(2, '\0');
        after = levels[i].end;
    }

    out.offset = content.content;
    if (!content.constructed) {
        out.size = content.length;
        return out;
    }
    std::size_t w = content.content;
    std::size_t end = 0;
    if (!gather(ber, walk, content, eci_stop, 0, w, end))
        return failed("");
    out.size = w - content.content;
    return out;
}

}  // namespace sealgate::crypto
