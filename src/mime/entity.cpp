// mime/entity.cpp — header/body split and field editing at the byte level (RFC 5322 §2.2,
// RFC 2045). Nothing that is not edited is ever re-encoded: fields keep their raw bytes.
#include "mime/entity.hpp"
#include "core/text.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

#include "mime/base64.hpp"

namespace sealgate::mime {
namespace {

constexpr std::string_view kCrlf = "\r\n";
constexpr std::size_t kMaxLine = 78;       // RFC 5322 §2.1.1: SHOULD NOT exceed 78 characters
constexpr std::size_t kHeaderRoom = 4096;  // for info fields appended after set_base64_content()

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return ascii_lower(x) == ascii_lower(y);
           });
}

bool istarts_with(std::string_view s, std::string_view prefix) {
    return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

bool is_wsp(char c) {
    return c == ' ' || c == '\t';
}

// RFC 5322 §3.6.8: ftext = %d33-57 / %d59-126 (printable US-ASCII except ':').
bool is_ftext(char c) {
    const auto u = static_cast<unsigned char>(c);
    return u >= 33 && u <= 126 && u != ':';
}

Error header_error(std::size_t line, std::string_view what) {
    return Error::bad_input("malformed header line " + std::to_string(line) + ": " +
                            std::string(what));
}

void ensure_crlf(std::string& raw) {
    if (raw.size() < 2 || raw.compare(raw.size() - 2, 2, kCrlf) != 0)
        raw += kCrlf;
}

}  // namespace

// ---- Field ------------------------------------------------------------------------------------

std::string Field::value() const {
    const std::size_t colon = raw.find(':');
    std::string out;
    if (colon == std::string::npos)
        return out;
    out.reserve(raw.size() - colon);
    // RFC 5322 §2.2.3: unfolding removes each CRLF that is immediately followed by WSP.
    for (std::size_t i = colon + 1; i < raw.size(); ++i) {
        if (raw[i] == '\r' && i + 1 < raw.size() && raw[i + 1] == '\n') {
            ++i;
            continue;
        }
        out += raw[i];
    }
    const auto first = out.find_first_not_of(" \t");
    if (first == std::string::npos)
        return {};
    const auto last = out.find_last_not_of(" \t");
    return out.substr(first, last - first + 1);
}

bool Field::is(std::string_view other_name) const {
    return iequals(name, other_name);
}

bool is_content_field(std::string_view name) {
    return istarts_with(name, "Content-");
}

// ---- parsing ----------------------------------------------------------------------------------

Result<Entity> Entity::parse(std::string data, const Limits& limits) {
    if (data.empty())
        return fail(Error::bad_input("empty message"));
    Entity e;
    const std::string_view s = data;
    std::size_t pos = 0;
    std::size_t line_no = 0;
    bool ended = false;
    while (pos < s.size()) {
        ++line_no;
        if (pos > limits.max_header_bytes)
            return fail(Error::bad_input("header section exceeds " +
                                         std::to_string(limits.max_header_bytes) + " bytes"));
        std::size_t eol = s.find(kCrlf, pos);
        const std::size_t next = eol == std::string_view::npos ? s.size() : eol + 2;
        if (eol == std::string_view::npos)
            eol = s.size();
        const std::string_view line = s.substr(pos, eol - pos);
        if (line.empty() && eol < s.size()) {  // the empty line: end of the header section
            pos = next;
            ended = true;
            break;
        }
        // Check the bytes first, so that an LF-only message is not reported as an overlong line.
        const std::string_view head = line.substr(0, limits.max_header_bytes);
        if (head.find('\0') != std::string_view::npos)
            return fail(header_error(line_no, "NUL byte"));
        if (head.find_first_of("\r\n") != std::string_view::npos)
            return fail(header_error(line_no, "bare CR or LF (line endings not canonical)"));
        if (line.size() > limits.max_header_bytes)
            return fail(Error::bad_input("header section exceeds " +
                                         std::to_string(limits.max_header_bytes) + " bytes"));
        if (is_wsp(line.front())) {
            // RFC 5322 §2.2.3: a line starting with WSP continues the previous field.
            if (e.fields_.empty())
                return fail(header_error(line_no, "continuation before any field"));
            e.fields_.back().raw.append(s.substr(pos, next - pos));
            pos = next;
            continue;
        }
        if (line_no == 1 && line.starts_with("From "))
            return fail(header_error(1, "mbox \"From \" separator line, not a header field"));
        std::size_t n = 0;
        while (n < line.size() && is_ftext(line[n]))
            ++n;
        std::size_t colon = n;
        // RFC 5322 §4.5.3 (obs-optional): WSP may precede the colon; it is not part of the name.
        while (colon < line.size() && is_wsp(line[colon]))
            ++colon;
        if (colon == line.size() || line[colon] != ':') {
            return fail(header_error(line_no, n < line.size() && line[n] != ':' && !is_wsp(line[n])
                                                  ? "invalid character in field name"
                                                  : "no colon"));
        }
        if (n == 0)
            return fail(header_error(line_no, "empty field name"));
        if (e.fields_.size() >= limits.max_fields)
            return fail(Error::bad_input("header has more than " +
                                         std::to_string(limits.max_fields) + " fields"));
        e.fields_.push_back(
            Field{std::string(line.substr(0, n)), std::string(s.substr(pos, next - pos))});
        pos = next;
    }
    if (pos > limits.max_header_bytes)
        return fail(Error::bad_input("header section exceeds " +
                                     std::to_string(limits.max_header_bytes) + " bytes"));
    e.has_separator_ = ended;
    e.body_offset_ = ended ? pos : s.size();
    e.data_ = std::move(data);
    return e;
}

// ---- reading ----------------------------------------------------------------------------------

std::string_view Entity::body() const {
    if (replaced_body_)
        return *replaced_body_;
    return std::string_view(data_).substr(body_offset_);
}

std::optional<std::string> Entity::get(std::string_view name) const {
    for (const auto& f : fields_)
        if (f.is(name))
            return f.value();
    return std::nullopt;
}

bool Entity::has(std::string_view name) const {
    return std::any_of(fields_.begin(), fields_.end(), [&](const Field& f) { return f.is(name); });
}

std::size_t Entity::size() const {
    std::size_t n = 0;
    for (const auto& f : fields_)
        n += f.raw.size();
    return n + (has_separator_ ? 2 : 0) + body().size();
}

std::string Entity::header_bytes() const {
    std::string out;
    for (const auto& f : fields_)
        out += f.raw;
    if (has_separator_)
        out += kCrlf;
    return out;
}

std::string Entity::serialize() const& {
    std::string out;
    out.reserve(size());
    for (const auto& f : fields_)
        out += f.raw;
    if (has_separator_)
        out += kCrlf;
    out += body();
    return out;
}

std::string Entity::serialize() && {
    const std::string header = header_bytes();
    std::string out;
    if (replaced_body_) {
        out = std::move(*replaced_body_);
        out.insert(0, header);  // in place when set_base64_content() reserved the room
    } else {
        out = std::move(data_);
        out.replace(0, body_offset_, header);  // in place unless the header grew past capacity
    }
    *this = Entity();
    return out;
}

std::string Entity::content_entity() const {
    const std::string_view b = body();
    std::size_t n = 2 + b.size();
    for (const auto& f : fields_)
        if (is_content_field(f.name))
            n += f.raw.size();
    std::string out;
    out.reserve(n);
    for (const auto& f : fields_) {
        if (!is_content_field(f.name))
            continue;
        out += f.raw;
        // A header-only message may end in a field without CRLF; the entity still needs its
        // separator line to be parsed back.
        if (!out.ends_with(kCrlf))
            out += kCrlf;
    }
    out += kCrlf;
    out += b;
    return out;
}

std::string Entity::take_content_entity() {
    std::string prefix;
    for (const auto& f : fields_) {
        if (!is_content_field(f.name))
            continue;
        prefix += f.raw;
        if (!prefix.ends_with(kCrlf))
            prefix += kCrlf;
    }
    prefix += kCrlf;
    std::string out;
    if (replaced_body_) {
        out = std::move(*replaced_body_);
        out.insert(0, prefix);
        replaced_body_.reset();
    } else {
        // The content fields are a subset of the header bytes they replace, so this shrinks the
        // front of the buffer in place (a memmove of the body, no allocation).
        out = std::move(data_);
        out.replace(0, body_offset_, prefix);
    }
    data_.clear();
    body_offset_ = 0;
    return out;
}

std::vector<Field> Entity::content_fields_of(const Entity& inner) {
    std::vector<Field> out;
    for (const auto& f : inner.fields_)
        if (is_content_field(f.name))
            out.push_back(f);
    return out;
}

// ---- editing ----------------------------------------------------------------------------------

std::size_t Entity::remove(std::string_view name) {
    return std::erase_if(fields_, [&](const Field& f) { return f.is(name); });
}

std::size_t Entity::remove_prefix(std::string_view prefix) {
    return std::erase_if(fields_, [&](const Field& f) { return istarts_with(f.name, prefix); });
}

Field Entity::make_field(std::string_view name, std::string_view value) {
    std::string text(value);
    std::replace_if(
        text.begin(), text.end(), [](char c) { return c == '\r' || c == '\n'; }, ' ');
    // Fold greedily before runs of whitespace (RFC 5322 §2.2.3): each chunk is WSP* then
    // non-WSP+, and a chunk that would pass column 78 starts a continuation line, unless it is
    // the first chunk on its line (an overlong word cannot be folded).
    std::string raw(name);
    raw += ':';
    std::size_t line_start = 0;
    bool line_has_chunk = false;
    std::size_t i = 0;
    if (!text.empty() && !is_wsp(text.front()))
        text.insert(text.begin(), ' ');
    while (i < text.size()) {
        std::size_t j = i;
        while (j < text.size() && is_wsp(text[j]))
            ++j;
        while (j < text.size() && !is_wsp(text[j]))
            ++j;
        const std::string_view chunk = std::string_view(text).substr(i, j - i);
        if (line_has_chunk && raw.size() - line_start + chunk.size() > kMaxLine) {
            raw += kCrlf;
            line_start = raw.size();
        }
        raw += chunk;
        line_has_chunk = true;
        i = j;
    }
    raw += kCrlf;
    return Field{std::string(name), std::move(raw)};
}

void Entity::append(std::string_view name, std::string_view value) {
    if (!fields_.empty())
        ensure_crlf(fields_.back().raw);
    fields_.push_back(make_field(name, value));
}

void Entity::prepend(std::string_view name, std::string_view value) {
    fields_.insert(fields_.begin(), make_field(name, value));
}

void Entity::replace_fields(std::vector<Field> fields) {
    for (auto& f : fields)
        ensure_crlf(f.raw);
    fields_ = std::move(fields);
}

void Entity::replace_content(std::vector<Field> content_fields, std::string body) {
    const auto first = std::find_if(fields_.begin(), fields_.end(),
                                    [](const Field& f) { return is_content_field(f.name); });
    auto at = static_cast<std::size_t>(first - fields_.begin());
    std::erase_if(fields_, [](const Field& f) { return is_content_field(f.name); });
    at = std::min(at, fields_.size());
    if (!fields_.empty())
        ensure_crlf(fields_.back().raw);
    for (auto& f : content_fields)
        ensure_crlf(f.raw);
    fields_.insert(fields_.begin() + static_cast<std::ptrdiff_t>(at),
                   std::make_move_iterator(content_fields.begin()),
                   std::make_move_iterator(content_fields.end()));
    replaced_body_ = std::move(body);
    // The original data now only held the old body: release it (one body copy at a time).
    std::string().swap(data_);
    body_offset_ = 0;
    has_separator_ = true;
}

void Entity::replace_content(Entity inner) {
    std::vector<Field> content = content_fields_of(inner);
    replace_content(std::move(content), std::move(inner).release_body());
}

void Entity::set_base64_content(std::string_view content_type, std::string_view disposition,
                                std::string_view payload) {
    const Status done =
        set_base64_content(content_type, disposition, payload.size(), [&](Base64Encoder& b64) {
            b64.write(payload);
            return ok();
        });
    (void)done;  // the producer above cannot fail
}

Status Entity::set_base64_content(std::string_view content_type, std::string_view disposition,
                                  std::size_t payload_bound,
                                  const std::function<Status(Base64Encoder&)>& produce) {
    std::vector<Field> content;
    content.push_back(make_field("Content-Type", content_type));
    content.push_back(make_field("Content-Transfer-Encoding", "base64"));
    if (!disposition.empty())
        content.push_back(make_field("Content-Disposition", disposition));
    // Release the old body before the new one exists, and leave room in front of the base64 for
    // the header so that serialize() && can put it there without a second body copy.
    replace_content(std::move(content), std::string());
    // RFC 2045 §4: MIME-Version is required once the message carries MIME content fields.
    if (!has("MIME-Version"))
        prepend("MIME-Version", "1.0");
    std::string body;
    body.reserve(size() + kHeaderRoom + base64_encoded_size(payload_bound));
    Base64Encoder b64(body);
    if (Status produced = produce(b64); !produced)
        return produced;  // the body stays empty
    b64.finish();
    replaced_body_ = std::move(body);
    return ok();
}

std::string Entity::release_body() && {
    std::string out;
    if (replaced_body_) {
        out = std::move(*replaced_body_);
    } else {
        data_.erase(0, body_offset_);  // moves the body down in place, no allocation
        out = std::move(data_);
    }
    fields_.clear();
    data_.clear();
    replaced_body_.reset();
    body_offset_ = 0;
    return out;
}

}  // namespace sealgate::mime
