// pipeline/header_protection.cpp — RFC 9788 header protection at the byte level
// (pipeline/header_protection.hpp).
//
// Everything that is copied keeps its bytes: a protected field travels into the payload and back
// out with its folding and encoded words as they arrived. New text only where the RFC makes new
// text: the hp parameter (added at the end of the Content-Type value, the other parameters left
// as they are), the obscured Subject and the HP-Outer fields (Entity::make_field).
//
// Receiving, decided here (the RFC leaves the rendering of an outer-only field to the reader):
// the protected set is authoritative. For each of the protected names, every outer field of that
// name goes and the payload's fields of that name take its place; an outer field of a protected
// name that the payload does not carry is dropped too, and reported (but for Date and
// Message-ID, which MTAs add on the way: those stay, reported). Only the protected names
// ever leave the payload: its Received, DKIM-Signature, Bcc, X-Sealgate-* or any other field
// stays inside (and Entity::replace_content then takes only its Content-* fields).
//
// Reported as a mismatch (by the canonical field name, once):
//   - an outer value that is neither one of the protected values nor, for hp="cipher", one that
//     an HP-Outer field records (the sender's Header Confidentiality Policy obscured it on
//     purpose); values are compared unfolded with runs of white space as one space;
//   - a protected field that is missing outside although it was not removed on purpose (hp=
//     "clear", which obscures nothing, or an HP-Outer that says it was left outside);
//   - an outer field of a protected name that the payload does not carry (dropped, or kept when
//     it is a Date or Message-ID);
//   - a payload that carries a field more than once that RFC 5322 §3.6 allows once: the first
//     one is restored (what Entity::get() and most readers show), the others are dropped.
//
// hp="cipher" says the payload was encrypted: it is honoured without a signature, because
// whoever could encrypt it could as well have written the outer header. The caller passes such a
// payload only when it came out of a decryption (a cleartext part claiming "cipher" is not one).
#include "pipeline/header_protection.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <utility>

#include "core/text.hpp"

namespace sealgate::pipeline {
namespace {

using mime::Entity;
using mime::Field;

// The names as sealgate writes them; the order is the order of HpRestored::mismatches.
constexpr std::array<std::string_view, 12> kProtected = {
    "From", "Sender",     "Reply-To",    "To",         "Cc",       "Subject",
    "Date", "Message-ID", "In-Reply-To", "References", "Keywords", "Comments"};

constexpr std::string_view kHpOuter = "HP-Outer";
constexpr std::string_view kObscuredSubject = "[...]";  // RFC 9788 hcp_baseline
constexpr std::string_view kCrlf = "\r\n";
constexpr std::size_t kMaxLine = 78;  // RFC 5322 §2.1.1

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return ascii_lower(x) == ascii_lower(y);
           });
}

// The canonical spelling of a protected name; nullopt for any other name.
std::optional<std::string_view> canonical(std::string_view name) {
    for (const auto n : kProtected)
        if (iequals(n, name))
            return n;
    return std::nullopt;
}

// RFC 5322 §3.6: each of these occurs at most once; Keywords and Comments any number of times.
bool single_instance(std::string_view canonical_name) {
    return canonical_name != "Keywords" && canonical_name != "Comments";
}

bool is_wsp(char c) {
    return c == ' ' || c == '\t';
}

std::string with_crlf(std::string raw) {
    if (!raw.ends_with(kCrlf))
        raw += kCrlf;
    return raw;
}

// ---- the hp parameter, edited in the raw Content-Type field ------------------------------------
//
// Two readings of the raw field: the strict one follows the grammar exactly as
// mime::parse_content_type() reads it (so that both agree on where each parameter is), the
// lenient one splits at every ';' outside quotes and comments and also works on a field that
// does not parse. hp is honoured only when all readings agree; it is removed wherever any finds it.

constexpr std::size_t npos = std::string_view::npos;

// Skip a (possibly nested) comment starting at raw[i] == '(' (quoted-pairs inside); returns the
// index after it, or npos when it does not close before `end`.
std::size_t skip_comment(std::string_view raw, std::size_t i, std::size_t end) {
    int depth = 0;
    for (; i < end; ++i) {
        if (raw[i] == '\\') {
            ++i;
        } else if (raw[i] == '(') {
            ++depth;
        } else if (raw[i] == ')' && --depth == 0) {
            return i + 1;
        }
    }
    return npos;
}

// The end of the field's value: before the final CRLF.
std::size_t value_end(std::string_view raw) {
    return raw.ends_with(kCrlf) ? raw.size() - 2 : raw.size();
}

// RFC 2045 §5.1: token := 1*<any (US-ASCII) CHAR except SPACE, CTLs, or tspecials>.
bool is_token_char(char c) {
    const auto u = static_cast<unsigned char>(c);
    return u > 32 && u < 127 && std::string_view("()<>@,;:\\\"/[]?=").find(c) == npos;
}

struct ParamSpan {
    std::size_t begin = 0;  // its ';'
    std::size_t end = 0;    // the next parameter's ';' or the value's end
    std::string name;       // lower-case; empty for an empty parameter (";;")
};

void close_spans(std::vector<ParamSpan>& spans, std::size_t end) {
    for (std::size_t k = 0; k < spans.size(); ++k)
        spans[k].end = k + 1 < spans.size() ? spans[k + 1].begin : end;
}

// The strict reading: type "/" subtype *(";" [attribute "=" (quoted-string / bare value)]) with
// CFWS between items; nullopt when the field does not follow it.
std::optional<std::vector<ParamSpan>> strict_spans(std::string_view raw) {
    const std::size_t end = value_end(raw);
    std::size_t i = raw.find(':');
    if (i == npos)
        return std::nullopt;
    ++i;
    const auto cfws = [&] {
        while (i < end) {
            if (is_wsp(raw[i]) || raw[i] == '\r' || raw[i] == '\n')
                ++i;
            else if (raw[i] == '(')
                i = skip_comment(raw, i, end);
            else
                break;
        }
        return i != npos;
    };
    const auto token = [&] {
        const std::size_t start = i;
        while (i < end && is_token_char(raw[i]))
            ++i;
        return raw.substr(start, i - start);
    };
    if (!cfws() || token().empty() || !cfws() || i >= end || raw[i] != '/')
        return std::nullopt;
    ++i;
    if (!cfws() || token().empty())
        return std::nullopt;
    std::vector<ParamSpan> spans;
    while (true) {
        if (!cfws())
            return std::nullopt;
        if (i >= end)
            break;
        if (raw[i] != ';')
            return std::nullopt;
        spans.push_back(ParamSpan{i, 0, {}});
        ++i;
        if (!cfws())
            return std::nullopt;
        if (i >= end || raw[i] == ';')
            continue;
        spans.back().name = ascii_lower(token());
        if (spans.back().name.empty() || !cfws() || i >= end || raw[i] != '=')
            return std::nullopt;
        ++i;
        if (!cfws())
            return std::nullopt;
        if (i < end && raw[i] == '"') {
            for (++i; i < end && raw[i] != '"'; ++i)
                if (raw[i] == '\\')
                    ++i;
            if (i >= end)
                return std::nullopt;  // unterminated quoted string
            ++i;
        } else {
            while (i < end && raw[i] != ';' && raw[i] != '(')
                ++i;
        }
    }
    close_spans(spans, end);
    return spans;
}

// The lenient reading: the strict one without its refusals. Every ';' outside a comment or a
// value's quoted string starts a parameter, named by what follows up to '=', '*' (RFC 2231's
// "hp*" and "hp*0" name hp as well), white space or a comment; a value is a quoted string when
// it starts with '"'; anything else up to the next ';' is passed over.
std::vector<ParamSpan> lenient_spans(std::string_view raw) {
    const std::size_t end = value_end(raw);
    std::vector<ParamSpan> spans;
    std::size_t i = raw.find(':');
    if (i == npos)
        return spans;
    const auto space = [](char c) { return is_wsp(c) || c == '\r' || c == '\n'; };
    enum class At { type, name, after_name, value_start, rest } at = At::type;
    for (++i; i < end;) {
        const char c = raw[i];
        if (c == '(') {
            i = std::min(skip_comment(raw, i, end), end);
            if (at == At::name && !spans.back().name.empty())
                at = At::after_name;
            continue;
        }
        if (c == ';') {
            spans.push_back(ParamSpan{i++, 0, {}});
            at = At::name;
            continue;
        }
        if (at == At::value_start && c == '"') {
            for (++i; i < end && raw[i] != '"'; ++i)
                if (raw[i] == '\\')
                    ++i;
            ++i;
            at = At::rest;
            continue;
        }
        if (at == At::name) {
            if (c == '=')
                at = At::value_start;
            else if (c == '*' || (space(c) && !spans.back().name.empty()))
                at = At::after_name;
            else if (!space(c))
                spans.back().name += ascii_lower(c);
        } else if (at == At::after_name && c == '=') {
            at = At::value_start;
        } else if (at == At::value_start && !space(c)) {
            at = At::rest;
        }
        ++i;
    }
    close_spans(spans, end);
    return spans;
}

std::size_t count_hp(const std::vector<ParamSpan>& spans) {
    return static_cast<std::size_t>(
        std::count_if(spans.begin(), spans.end(), [](const auto& p) { return p.name == "hp"; }));
}

// How many hp parameters the field has in the reading that finds most.
std::size_t hp_claims(std::string_view raw) {
    const auto strict = strict_spans(raw);
    return std::max(strict ? count_hp(*strict) : 0, count_hp(lenient_spans(raw)));
}

std::string without_spans(std::string_view raw, const std::vector<ParamSpan>& spans) {
    std::string out;
    std::size_t from = 0;
    for (const auto& span : spans) {
        if (span.name != "hp")
            continue;
        out.append(raw.substr(from, span.begin - from));
        from = span.end;
    }
    out.append(raw.substr(from));
    return out;
}

// The field without its hp parameters (each removed from its ';' up to the next parameter's),
// first as the strict reading finds them, then the lenient one; the other bytes unchanged but
// for white space at the value's end.
std::string without_hp(std::string_view raw) {
    std::string out(raw);
    if (const auto strict = strict_spans(out))
        out = without_spans(out, *strict);
    out = without_spans(out, lenient_spans(out));
    out.resize(value_end(out));
    while (!out.empty() && (is_wsp(out.back()) || out.back() == '\r' || out.back() == '\n'))
        out.pop_back();
    out += kCrlf;
    return out;
}

// The field with hp="<mode>" as its last parameter (replacing any hp it had), on the last line
// when it fits in 78 columns, else on a continuation line of its own.
std::string with_hp(std::string_view raw, HpMode mode) {
    std::string out = without_hp(raw);
    out.resize(out.size() - 2);
    const std::string param = mode == HpMode::cipher ? "hp=\"cipher\"" : "hp=\"clear\"";
    const bool open = out.ends_with(';');  // "text/plain;": the separator is there already
    const std::size_t line = out.rfind(kCrlf);
    const std::size_t column = line == std::string::npos ? out.size() : out.size() - line - 2;
    if (column + 2 + param.size() > kMaxLine)
        out += open ? "\r\n " : ";\r\n ";
    else
        out += open ? " " : "; ";
    out += param;
    out += kCrlf;
    return out;
}

// ---- receiving ---------------------------------------------------------------------------------

struct HpOuterEntry {
    std::string_view name;  // canonical
    std::string value;      // normalised
};

// "HP-Outer: Subject: [...]" → {Subject, "[...]"}; nullopt for one that names no protected field.
std::optional<HpOuterEntry> hp_outer_entry(const Field& f) {
    const std::string v = f.value();
    const std::size_t colon = v.find(':');
    if (colon == std::string::npos)
        return std::nullopt;
    std::string_view name = std::string_view(v).substr(0, colon);
    while (!name.empty() && is_wsp(name.back()))
        name.remove_suffix(1);
    const auto n = canonical(name);
    if (!n)
        return std::nullopt;
    return HpOuterEntry{*n, collapse_space(std::string_view(v).substr(colon + 1))};
}

struct HpParameter {
    std::size_t count = 0;       // hp parameters over every Content-Type field
    std::optional<HpMode> mode;  // set when they can be read without doubt
};

// The hp parameter of a payload. Honoured only without ambiguity: every hp parameter is in the
// first Content-Type field, which parses (RFC 2045 §5.1, mime::parse_content_type), the parser
// and both byte-level readings find as many, and all of them say the same, "cipher" or "clear"
// (RFC 9788; compared without case).
HpParameter hp_parameter(const Entity& payload) {
    HpParameter hp;
    const Field* first = nullptr;
    bool elsewhere = false;
    for (const auto& f : payload.fields()) {
        if (!f.is("Content-Type"))
            continue;
        const std::size_t n = hp_claims(f.raw);
        hp.count += n;
        if (first == nullptr)
            first = &f;
        else
            elsewhere = elsewhere || n > 0;
    }
    if (first == nullptr || hp.count == 0 || elsewhere)
        return hp;
    const auto strict = strict_spans(first->raw);
    const auto type = mime::parse_content_type(first->value());
    if (!strict || !type || count_hp(*strict) != hp.count ||
        count_hp(lenient_spans(first->raw)) != hp.count)
        return hp;
    std::optional<std::string> value;
    std::size_t seen = 0;
    for (const auto& [name, v] : type->params) {
        if (name != "hp")
            continue;
        ++seen;
        const std::string lower = ascii_lower(v);
        if (value && *value != lower)
            return hp;
        value = lower;
    }
    if (seen != hp.count || !value)
        return hp;
    if (*value == "cipher")
        hp.mode = HpMode::cipher;
    else if (*value == "clear")
        hp.mode = HpMode::clear;
    return hp;
}

// The payload without its protection marks: no hp parameter, no HP-Outer, no copied fields.
std::vector<Field> stripped_payload_fields(const Entity& payload) {
    std::vector<Field> out;
    for (const auto& f : payload.fields()) {
        if (f.is(kHpOuter) || canonical(f.name))
            continue;
        if (f.is("Content-Type") && hp_claims(f.raw) > 0)
            out.push_back(Field{f.name, without_hp(f.raw)});
        else
            out.push_back(f);
    }
    return out;
}

struct Restoration {
    std::vector<Field> outer;
    std::vector<std::string> mismatches;
};

// Date and Message-ID may be added after the sender protected the message (RFC 6409 §8.2, §8.3:
// by the submission server; Postfix's cleanup does it after a before-queue filter): when the
// payload has none, the outer ones stay (and are reported). Every other outer-only field goes.
bool added_in_transit(std::string_view canonical_name) {
    return canonical_name == "Date" || canonical_name == "Message-ID";
}

Restoration restored_outer(const Entity& message, const Entity& payload, HpMode mode) {
    // The payload's protected fields by canonical name, in the payload's order, each name's
    // later copies dropped where RFC 5322 allows one; what HP-Outer records, by name.
    std::vector<std::pair<std::string_view, std::vector<const Field*>>> inside;
    std::map<std::string_view, std::set<std::string>> protected_values;  // every copy
    std::map<std::string_view, std::set<std::string>> recorded;
    std::set<std::string_view> duplicated;
    for (const auto& f : payload.fields()) {
        if (mode == HpMode::cipher && f.is(kHpOuter)) {
            if (auto e = hp_outer_entry(f))
                recorded[e->name].insert(std::move(e->value));
            continue;
        }
        const auto n = canonical(f.name);
        if (!n)
            continue;
        protected_values[*n].insert(collapse_space(f.value()));
        auto it = std::find_if(inside.begin(), inside.end(),
                               [&](const auto& group) { return group.first == *n; });
        if (it == inside.end())
            inside.emplace_back(*n, std::vector<const Field*>{&f});
        else if (single_instance(*n))
            duplicated.insert(*n);
        else
            it->second.push_back(&f);
    }
    const auto inside_of = [&](std::string_view n) -> const std::vector<const Field*>* {
        for (const auto& [name, fields] : inside)
            if (name == n)
                return &fields;
        return nullptr;
    };

    Restoration r;
    std::map<std::string_view, std::size_t> outside;  // outer fields by name
    for (const auto& f : message.fields())
        if (const auto n = canonical(f.name))
            ++outside[*n];
    for (const auto n : kProtected) {
        const auto& values = protected_values[n];
        const auto& obscured = recorded[n];
        const bool carried = inside_of(n) != nullptr;
        bool mismatch = duplicated.contains(n);
        for (const auto& f : message.fields()) {
            if (mismatch || !f.is(n))
                continue;
            const std::string o = collapse_space(f.value());
            mismatch = !values.contains(o) && !obscured.contains(o);
        }
        if (outside[n] > 0 && !carried)
            mismatch = true;  // the protected set has no such field
        if (outside[n] == 0 && carried && (mode == HpMode::clear || !obscured.empty()))
            mismatch = true;  // removed outside, but not by the sender's policy
        if (mismatch)
            r.mismatches.emplace_back(n);
    }

    // Each name's payload fields take the place of the first outer field of that name; names
    // that are not outside follow the last field restored (before the Content-* fields, or at
    // the end, when none was).
    std::set<std::string_view> placed;
    std::optional<std::size_t> after;
    for (const auto& f : message.fields()) {
        const auto n = canonical(f.name);
        if (!n) {
            r.outer.push_back(f);
            continue;
        }
        const auto* fields = inside_of(*n);
        if (fields == nullptr && added_in_transit(*n)) {
            r.outer.push_back(f);
            continue;
        }
        if (placed.contains(*n))
            continue;
        placed.insert(*n);
        if (fields != nullptr) {
            for (const auto* p : *fields)
                r.outer.push_back(Field{p->name, with_crlf(p->raw)});
            after = r.outer.size();
        }
    }
    std::vector<Field> rest;
    for (const auto& [name, fields] : inside)
        if (!placed.contains(name))
            for (const auto* p : fields)
                rest.push_back(Field{p->name, with_crlf(p->raw)});
    auto at = after ? r.outer.begin() + static_cast<std::ptrdiff_t>(*after)
                    : std::find_if(r.outer.begin(), r.outer.end(),
                                   [](const Field& f) { return mime::is_content_field(f.name); });
    r.outer.insert(at, std::make_move_iterator(rest.begin()), std::make_move_iterator(rest.end()));
    return r;
}

}  // namespace

bool is_protected_field(std::string_view name) {
    return canonical(name).has_value();
}

std::string protect_headers(mime::Entity& message, HpMode mode) {
    // The payload's header: the Content-* fields (the first Content-Type with hp), the copies,
    // then what the outside shows. take_content_entity() puts the Content-* fields in front of
    // the body exactly as below without hp; that prefix is replaced.
    std::size_t old_prefix = 2;
    std::string header;
    bool typed = false;
    for (const auto& f : message.fields()) {
        if (!mime::is_content_field(f.name))
            continue;
        old_prefix += f.raw.size() + (f.raw.ends_with(kCrlf) ? 0 : 2);
        if (!typed && f.is("Content-Type")) {
            header += with_hp(f.raw, mode);
            typed = true;
        } else {
            header += with_crlf(f.raw);
        }
    }
    if (!typed) {  // RFC 2045 §5.2: no Content-Type is text/plain; charset=us-ascii
        header.insert(0, Entity::make_field("Content-Type",
                                            mode == HpMode::cipher
                                                ? "text/plain; charset=us-ascii; hp=\"cipher\""
                                                : "text/plain; charset=us-ascii; hp=\"clear\"")
                             .raw);
    }
    for (const auto& f : message.fields())
        if (is_protected_field(f.name))
            header += with_crlf(f.raw);

    std::vector<Field> outer;
    if (mode == HpMode::cipher) {
        // hcp_baseline (RFC 9788 §3.2.1): Subject obscured, Keywords and Comments removed, the
        // other fields as they are; one HP-Outer per protected field left outside.
        for (const auto& f : message.fields()) {
            const auto n = canonical(f.name);
            if (n == "Keywords" || n == "Comments")
                continue;
            outer.push_back(n == "Subject" ? Entity::make_field(f.name, kObscuredSubject) : f);
            if (n) {
                header +=
                    Entity::make_field(kHpOuter, std::string(f.name) + ": " + outer.back().value())
                        .raw;
            }
        }
    }
    header += kCrlf;

    std::string payload = message.take_content_entity();
    payload.replace(0, old_prefix, header);
    if (mode == HpMode::cipher)
        message.replace_fields(std::move(outer));
    return payload;
}

Result<HpRestored> restore_headers(mime::Entity& message, mime::Entity& payload,
                                   bool signature_valid) {
    HpRestored result;
    const HpParameter hp = hp_parameter(payload);
    if (hp.count == 0)
        return result;  // not protected: nothing to do
    if (!hp.mode) {
        // An hp that cannot be read without doubt protects nothing; it must not survive into
        // the delivered message either.
        std::vector<Field> fields = payload.fields();
        for (auto& f : fields)
            if (f.is("Content-Type") && hp_claims(f.raw) > 0)
                f.raw = without_hp(f.raw);
        payload.replace_fields(std::move(fields));
        return result;
    }
    result.present = true;
    result.mode = *hp.mode;
    const bool honoured = result.mode == HpMode::cipher || signature_valid;
    std::optional<Restoration> r;
    if (honoured) {
        r = restored_outer(message, payload, result.mode);
        // The delivered header must parse again (mime::Limits' defaults); checked before any
        // change, so that a refusal leaves both entities as they were.
        const mime::Limits limits;
        std::size_t bytes = 2;
        for (const auto& f : r->outer)
            bytes += f.raw.size();
        if (bytes > limits.max_header_bytes || r->outer.size() > limits.max_fields) {
            return fail(Error::bad_input("header protection: the restored header would have " +
                                         std::to_string(bytes) + " bytes in " +
                                         std::to_string(r->outer.size()) + " fields (limits " +
                                         std::to_string(limits.max_header_bytes) + ", " +
                                         std::to_string(limits.max_fields) + ")"));
        }
    }
    payload.replace_fields(stripped_payload_fields(payload));
    if (r) {
        message.replace_fields(std::move(r->outer));
        result.restored = true;
        result.mismatches = std::move(r->mismatches);
    }
    return result;
}

}  // namespace sealgate::pipeline
