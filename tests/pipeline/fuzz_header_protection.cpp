// libFuzzer entry point for RFC 9788 header protection (pipeline/header_protection.hpp):
// restore_headers() on an attacker's outer header and payload, and protect_headers() then
// restore_headers() on one message.
//
// Input: byte 0 flags (bit 0: the signature is valid; bit 1: protect with hp="clear"), then the
// outer message, a NUL byte, the payload (a NUL cannot occur in a header, so the split is
// unambiguous for the parts that matter). Without a NUL the whole input is the outer message.
//
// Invariants (abort when broken):
//   restore: a refusal is of kind bad_input and leaves both entities as they were; otherwise
//     every outer field that is not of a protected name is still there, in order, byte for byte,
//     and no other appeared; after a restoration every protected outer field is a payload
//     field's bytes or an outer Date/Message-ID, without one the outer header is unchanged; the
//     outer header parses again with the default limits; a payload without hp is unchanged; after a
//     restoration no Content-Type of the payload has an hp parameter, and no HP-Outer or protected
//     field is left in it.
//   protect then restore (a message with one Content-Type that parses and has no hp, no
//     protected field twice): the payload parses, its hp is the mode, the restoration reports
//     nothing and gives back every protected field byte for byte.
// The saved corpus tests/data/pipeline/hp_corpus replays through this function in ctest.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "mime/entity.hpp"
#include "pipeline/header_protection.hpp"

namespace {

using sealgate::mime::Entity;
using sealgate::mime::Field;
using namespace sealgate::pipeline;

void check(bool condition) {
    if (!condition)
        std::abort();
}

std::string with_crlf(std::string raw) {
    if (!raw.ends_with("\r\n"))
        raw += "\r\n";
    return raw;
}

std::vector<std::string> raws(const Entity& e, bool protected_names) {
    std::vector<std::string> out;
    for (const auto& f : e.fields())
        if (is_protected_field(f.name) == protected_names)
            out.push_back(with_crlf(f.raw));
    return out;
}

bool has_hp(const Entity& e) {
    for (const auto& f : e.fields()) {
        if (!f.is("Content-Type"))
            continue;
        auto type = sealgate::mime::parse_content_type(f.value());
        if (type && type->param("hp"))
            return true;
    }
    return false;
}

void exercise_restore(Entity outer, Entity payload, bool valid) {
    const std::string outer_before = outer.serialize();
    const std::string payload_before = payload.serialize();
    const auto others = raws(outer, false);
    std::vector<std::string> allowed = raws(payload, true);
    for (const auto& f : outer.fields())
        if (f.is("Date") || f.is("Message-ID"))
            allowed.push_back(with_crlf(f.raw));

    auto r = restore_headers(outer, payload, valid);
    if (!r) {
        check(r.error().kind == sealgate::ErrorKind::bad_input);
        check(outer.serialize() == outer_before && payload.serialize() == payload_before);
        return;
    }
    check(raws(outer, false) == others);
    if (!r->restored)
        check(outer.serialize() == outer_before);
    for (const auto& raw : r->restored ? raws(outer, true) : std::vector<std::string>())
        check(std::find(allowed.begin(), allowed.end(), raw) != allowed.end());
    // (An outer header of protected fields only, without a body, can come out empty.)
    const std::string wire = outer.serialize();
    auto again = Entity::parse(wire);
    check(wire.empty() || (again.has_value() && again->fields().size() == outer.fields().size()));
    if (!r->present && payload.serialize() != payload_before)
        check(!has_hp(payload));  // only an unreadable hp is removed
    if (r->present) {
        check(!has_hp(payload));
        for (const auto& f : payload.fields())
            check(!f.is("HP-Outer") && !is_protected_field(f.name));
    }
    check(r->restored == (r->present && (r->mode == HpMode::cipher || valid)));
}

void exercise_protect(const Entity& message, HpMode mode) {
    std::size_t types = 0;
    for (const auto& f : message.fields()) {
        if (!f.is("Content-Type"))
            continue;
        ++types;
        auto type = sealgate::mime::parse_content_type(f.value());
        if (!type || f.raw.find("hp") != std::string::npos || f.raw.find("HP") != std::string::npos)
            return;
    }
    if (types > 1)
        return;
    std::vector<const Field*> seen;
    for (const auto& f : message.fields()) {
        if (!is_protected_field(f.name))
            continue;
        if (std::any_of(seen.begin(), seen.end(), [&](const Field* g) { return g->is(f.name); }))
            return;  // twice: restored once, reported (the unit tests cover it)
        seen.push_back(&f);
    }
    const auto originals = raws(message, true);
    Entity outer = message;
    auto payload = Entity::parse(protect_headers(outer, mode));
    check(payload.has_value());
    auto type = sealgate::mime::parse_content_type(payload->get("Content-Type").value_or(""));
    check(type && type->param("hp") == (mode == HpMode::cipher ? "cipher" : "clear"));
    auto r = restore_headers(outer, *payload, true);
    check(r && r->present && r->restored && r->mismatches.empty());
    auto restored = raws(outer, true);
    auto expected = originals;
    std::sort(restored.begin(), restored.end());
    std::sort(expected.begin(), expected.end());
    check(restored == expected);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
    if (size < 1)
        return 0;
    const bool valid = (bytes[0] & 1) != 0;
    const HpMode mode = (bytes[0] & 2) != 0 ? HpMode::clear : HpMode::cipher;
    const std::string_view in(reinterpret_cast<const char*>(bytes) + 1, size - 1);
    const std::size_t nul = in.find('\0');
    auto outer = Entity::parse(sealgate::mime::to_crlf(std::string(in.substr(0, nul))));
    if (!outer)
        return 0;
    exercise_protect(*outer, mode);
    if (nul == std::string_view::npos)
        return 0;
    auto payload = Entity::parse(sealgate::mime::to_crlf(std::string(in.substr(nul + 1))));
    if (payload)
        exercise_restore(std::move(*outer), std::move(*payload), valid);
    return 0;
}
