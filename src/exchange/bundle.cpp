#include "exchange/bundle.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>

#include "core/text.hpp"
#include "crypto/cms_sign.hpp"
#include "mime/base64.hpp"
#include "openpgp/key.hpp"
#include "openpgp/signature.hpp"

namespace sealgate::exchange {

namespace {

using nlohmann::json;

constexpr int kMaxDepth = 4;

Error bad(std::string reason) {
    return Error::bad_input("update bundle: " + std::move(reason));
}

// Strict JSON: valid, an object, no name twice (RFC 8259 §4 leaves duplicates to the reader),
// not nested deeper than a bundle is.
Result<json> strict_json(std::string_view text, std::string_view what) {
    bool too_deep = false;
    bool duplicate = false;
    std::vector<std::set<std::string>> keys;
    const json::parser_callback_t check = [&](int depth, json::parse_event_t event, json& parsed) {
        if (depth > kMaxDepth)
            too_deep = true;
        if (event == json::parse_event_t::object_start)
            keys.emplace_back();
        else if (event == json::parse_event_t::object_end && !keys.empty())
            keys.pop_back();
        else if (event == json::parse_event_t::key && !keys.empty() &&
                 !keys.back().insert(parsed.get<std::string>()).second)
            duplicate = true;
        return !too_deep && !duplicate;
    };
    json value = json::parse(text.begin(), text.end(), check, false);
    if (too_deep)
        return fail(bad(std::string(what) + " is nested too deeply"));
    if (duplicate)
        return fail(bad(std::string(what) + " names a field twice"));
    if (value.is_discarded())
        return fail(bad(std::string(what) + " is not valid JSON"));
    if (!value.is_object())
        return fail(bad(std::string(what) + " is not a JSON object"));
    return value;
}

// The object has exactly these names.
Status exact_fields(const json& object, std::initializer_list<std::string_view> names,
                    std::string_view what) {
    if (!object.is_object())
        return fail(bad(std::string(what) + " is not a JSON object"));
    for (const auto& item : object.items())
        if (std::find(names.begin(), names.end(), item.key()) == names.end())
            return fail(
                bad(std::string(what) + ": unknown field \"" + item.key().substr(0, 40) + "\""));
    for (const auto name : names)
        if (!object.contains(std::string(name)))
            return fail(bad(std::string(what) + ": field \"" + std::string(name) + "\" missing"));
    return ok();
}

Result<std::string> text_field(const json& object, const char* name, std::string_view what) {
    const json& v = object.at(name);
    if (!v.is_string())
        return fail(bad(std::string(what) + ": \"" + name + "\" must be a string"));
    return v.get<std::string>();
}

Result<std::uint64_t> number_field(const json& object, const char* name, std::string_view what) {
    const json& v = object.at(name);
    if (!v.is_number_unsigned())
        return fail(bad(std::string(what) + ": \"" + name + "\" must be a whole number >= 0"));
    return v.get<std::uint64_t>();
}

Result<std::string> base64_field(const json& object, const char* name, std::string_view what) {
    auto text = text_field(object, name, what);
    SEALGATE_TRY(text);
    if (text->empty())
        return fail(bad(std::string(what) + ": \"" + name + "\" is empty"));
    for (const char c : *text)
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '+' || c == '/' || c == '='))
            return fail(bad(std::string(what) + ": \"" + name + "\" is not base64"));
    auto bytes = mime::base64_decode(*text);
    if (!bytes || bytes->empty())
        return fail(bad(std::string(what) + ": \"" + name + "\" is not base64"));
    return std::move(*bytes);
}

bool is_hex_id(std::string_view id, std::size_t length) {
    return id.size() == length && std::all_of(id.begin(), id.end(), [](char c) {
               return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
           });
}

bool is_domain_name(std::string_view name) {
    if (name.empty() || name.size() > 253 || name.front() == '.' || name.back() == '.' ||
        name.front() == '-')
        return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
    });
}

std::optional<EntryKind> parse_kind(std::string_view s) {
    if (s == "certificate")
        return EntryKind::certificate;
    if (s == "pgp-key")
        return EntryKind::pgp_key;
    return std::nullopt;
}

std::optional<EntryState> parse_state(std::string_view s) {
    for (auto st :
         {EntryState::current, EntryState::next, EntryState::retired, EntryState::revoked})
        if (to_string(st) == s)
            return st;
    return std::nullopt;
}

// An entry's data is what its id says, and names no address outside the domain.
Status check_entry(const Entry& entry, const std::string& domain) {
    if (entry.kind == EntryKind::certificate) {
        auto made = certificate_entry(entry.data);
        if (!made)
            return fail(bad("entry " + entry.id + ": " + made.error().reason));
        if (made->id != entry.id)
            return fail(bad("entry " + entry.id + ": the certificate's thumbprint is " + made->id));
        auto cert = crypto::Certificate::from_der(entry.data);
        SEALGATE_TRY(cert);
        const auto emails = cert->emails();
        if (emails.empty())
            return fail(bad("certificate " + entry.id + " names no e-mail address"));
        for (const auto& e : emails)
            if (address_domain(e) != domain)
                return fail(bad("certificate " + entry.id + " names " + e + ", not in " + domain));
        return ok();
    }
    auto made = pgp_key_entry(entry.data);
    if (!made)
        return fail(bad("entry " + entry.id + ": " + made.error().reason));
    if (made->id != entry.id)
        return fail(bad("entry " + entry.id + ": the key's fingerprint is " + made->id));
    auto info = openpgp::key_info(entry.data);
    SEALGATE_TRY(info);
    // Only valid, unrevoked user IDs speak: a user ID packet with a copied or forged
    // self-signature is dropped on merge and must not make the key look like the domain's.
    bool in_domain = false;
    for (const auto& uid : info->user_ids) {
        if (!uid.valid || uid.revoked)
            continue;
        const std::string d = address_domain(uid.text);
        if (d.empty())
            continue;
        if (d != domain)
            return fail(
                bad("OpenPGP key " + entry.id + " names " + uid.text + ", not in " + domain));
        in_domain = true;
    }
    if (!in_domain)
        return fail(bad("OpenPGP key " + entry.id + " has no valid user ID in " + domain));
    return ok();
}

Result<Manifest> parse_manifest(std::string_view bytes) {
    auto doc = strict_json(bytes, "the manifest");
    SEALGATE_TRY(doc);
    SEALGATE_TRY(
        exact_fields(*doc, {"format", "domain", "sequence", "created", "entries"}, "the manifest"));
    auto format = text_field(*doc, "format", "the manifest");
    SEALGATE_TRY(format);
    if (*format != kManifestFormat)
        return fail(bad("unknown manifest format \"" + format->substr(0, 40) + "\""));
    Manifest m;
    auto domain = text_field(*doc, "domain", "the manifest");
    SEALGATE_TRY(domain);
    if (!is_domain_name(*domain))
        return fail(bad("the manifest's domain is not a lower-case domain name"));
    m.domain = std::move(*domain);
    auto sequence = number_field(*doc, "sequence", "the manifest");
    SEALGATE_TRY(sequence);
    if (*sequence == 0 || *sequence > (std::uint64_t{1} << 53))
        return fail(bad("the sequence number must be 1 or more"));
    m.sequence = *sequence;
    auto created = number_field(*doc, "created", "the manifest");
    SEALGATE_TRY(created);
    m.created = static_cast<std::time_t>(*created);
    const json& entries = doc->at("entries");
    if (!entries.is_array() || entries.empty())
        return fail(bad("the manifest has no entries"));
    if (entries.size() > kMaxEntries)
        return fail(bad("more than " + std::to_string(kMaxEntries) + " entries"));
    std::set<std::string> ids;
    for (const auto& e : entries) {
        SEALGATE_TRY(exact_fields(e, {"kind", "state", "id", "not_before", "not_after", "data"},
                                  "an entry"));
        Entry entry;
        auto kind = text_field(e, "kind", "an entry");
        SEALGATE_TRY(kind);
        auto parsed_kind = parse_kind(*kind);
        if (!parsed_kind)
            return fail(bad("unknown entry kind \"" + kind->substr(0, 40) + "\""));
        entry.kind = *parsed_kind;
        auto state = text_field(e, "state", "an entry");
        SEALGATE_TRY(state);
        auto parsed_state = parse_state(*state);
        if (!parsed_state)
            return fail(bad("unknown entry state \"" + state->substr(0, 40) + "\""));
        entry.state = *parsed_state;
        auto id = text_field(e, "id", "an entry");
        SEALGATE_TRY(id);
        if (!is_hex_id(*id, entry.kind == EntryKind::certificate ? 64 : 40))
            return fail(bad("an entry's id is not a lower-case " +
                            std::string(entry.kind == EntryKind::certificate ? "SHA-256 thumbprint"
                                                                             : "fingerprint")));
        entry.id = std::move(*id);
        if (!ids.insert(entry.id).second)
            return fail(bad("entry " + entry.id + " is listed twice"));
        auto nb = number_field(e, "not_before", "an entry");
        SEALGATE_TRY(nb);
        auto na = number_field(e, "not_after", "an entry");
        SEALGATE_TRY(na);
        entry.not_before = static_cast<std::time_t>(*nb);
        entry.not_after = static_cast<std::time_t>(*na);
        auto data = base64_field(e, "data", "entry " + entry.id);
        SEALGATE_TRY(data);
        entry.data = std::move(*data);
        SEALGATE_TRY(check_entry(entry, m.domain));
        m.entries.push_back(std::move(entry));
    }
    return m;
}

}  // namespace

std::string_view to_string(EntryKind kind) {
    return kind == EntryKind::certificate ? "certificate" : "pgp-key";
}

std::string_view to_string(EntryState state) {
    switch (state) {
        case EntryState::current:
            return "current";
        case EntryState::next:
            return "next";
        case EntryState::retired:
            return "retired";
        case EntryState::revoked:
            return "revoked";
    }
    return "current";
}

std::string_view to_string(SignatureKind kind) {
    return kind == SignatureKind::smime ? "smime" : "pgp";
}

std::string address_domain(std::string_view text) {
    const auto open = text.rfind('<');
    if (open != std::string_view::npos) {
        const auto close = text.find('>', open);
        if (close == std::string_view::npos)
            return {};
        text = text.substr(open + 1, close - open - 1);
    }
    const auto at = text.rfind('@');
    if (at == std::string_view::npos || at + 1 >= text.size())
        return {};
    std::string domain = ascii_lower(text.substr(at + 1));
    while (!domain.empty() && (domain.back() == ' ' || domain.back() == '\t'))
        domain.pop_back();
    return domain;
}

std::string claimed_domain(std::string_view text) {
    if (text.size() > kMaxBundleBytes)
        return {};
    const json doc = json::parse(text, nullptr, false);
    if (!doc.is_object() || !doc.contains("manifest") || !doc["manifest"].is_string())
        return {};
    auto bytes = mime::base64_decode(doc["manifest"].get<std::string>());
    if (!bytes)
        return {};
    const json m = json::parse(*bytes, nullptr, false);
    if (!m.is_object() || !m.contains("domain") || !m["domain"].is_string())
        return {};
    const std::string domain = m["domain"].get<std::string>();
    return is_domain_name(domain) ? domain : std::string();
}

std::string manifest_bytes(const Manifest& manifest) {
    // nlohmann's ordered_json keeps the insertion order: the bytes are the same on every run.
    nlohmann::ordered_json doc;
    doc["format"] = kManifestFormat;
    doc["domain"] = manifest.domain;
    doc["sequence"] = manifest.sequence;
    doc["created"] = static_cast<std::uint64_t>(manifest.created);
    doc["entries"] = nlohmann::ordered_json::array();
    for (const auto& e : manifest.entries) {
        nlohmann::ordered_json entry;
        entry["kind"] = to_string(e.kind);
        entry["state"] = to_string(e.state);
        entry["id"] = e.id;
        entry["not_before"] = static_cast<std::uint64_t>(std::max<std::time_t>(e.not_before, 0));
        entry["not_after"] = static_cast<std::uint64_t>(std::max<std::time_t>(e.not_after, 0));
        entry["data"] = mime::base64_encode(e.data, 0);
        doc["entries"].push_back(std::move(entry));
    }
    return doc.dump();
}

std::string make(std::string_view manifest_bytes, const std::vector<Signature>& signatures) {
    nlohmann::ordered_json doc;
    doc["format"] = kBundleFormat;
    doc["manifest"] = mime::base64_encode(manifest_bytes, 0);
    doc["signatures"] = nlohmann::ordered_json::array();
    for (const auto& s : signatures) {
        nlohmann::ordered_json sig;
        sig["type"] = to_string(s.kind);
        sig["signer"] = s.signer;
        sig["signature"] = mime::base64_encode(s.data, 0);
        doc["signatures"].push_back(std::move(sig));
    }
    return doc.dump(2) + "\n";
}

Result<Bundle> parse(std::string_view text) {
    if (text.size() > kMaxBundleBytes)
        return fail(bad("larger than " + std::to_string(kMaxBundleBytes / 1024) + " KiB"));
    auto doc = strict_json(text, "the bundle");
    SEALGATE_TRY(doc);
    SEALGATE_TRY(exact_fields(*doc, {"format", "manifest", "signatures"}, "the bundle"));
    auto format = text_field(*doc, "format", "the bundle");
    SEALGATE_TRY(format);
    if (*format != kBundleFormat)
        return fail(bad("unknown format \"" + format->substr(0, 40) + "\""));
    Bundle bundle;
    auto bytes = base64_field(*doc, "manifest", "the bundle");
    SEALGATE_TRY(bytes);
    bundle.manifest_bytes = std::move(*bytes);
    auto manifest = parse_manifest(bundle.manifest_bytes);
    SEALGATE_TRY(manifest);
    bundle.manifest = std::move(*manifest);
    const json& sigs = doc->at("signatures");
    if (!sigs.is_array())
        return fail(bad("\"signatures\" must be a list"));
    if (sigs.empty())
        return fail(bad("it is not signed"));
    if (sigs.size() > kMaxSignatures)
        return fail(bad("more than " + std::to_string(kMaxSignatures) + " signatures"));
    for (const auto& s : sigs) {
        SEALGATE_TRY(exact_fields(s, {"type", "signer", "signature"}, "a signature"));
        Signature sig;
        auto type = text_field(s, "type", "a signature");
        SEALGATE_TRY(type);
        if (*type == "smime")
            sig.kind = SignatureKind::smime;
        else if (*type == "pgp")
            sig.kind = SignatureKind::pgp;
        else
            return fail(bad("unknown signature type \"" + type->substr(0, 40) + "\""));
        auto signer = text_field(s, "signer", "a signature");
        SEALGATE_TRY(signer);
        if (!is_hex_id(*signer, sig.kind == SignatureKind::smime ? 64 : 40))
            return fail(bad("a signature's signer is not a lower-case thumbprint/fingerprint"));
        sig.signer = std::move(*signer);
        auto data = base64_field(s, "signature", "a signature");
        SEALGATE_TRY(data);
        sig.data = std::move(*data);
        bundle.signatures.push_back(std::move(sig));
    }
    return bundle;
}

Result<Entry> certificate_entry(std::string_view der) {
    auto cert = crypto::Certificate::from_der(der);
    SEALGATE_TRY(cert);
    Entry e;
    e.kind = EntryKind::certificate;
    e.id = cert->sha256();
    e.not_before = cert->not_before();
    e.not_after = cert->not_after();
    e.data = std::string(der);
    return e;
}

Result<Entry> pgp_key_entry(std::string_view public_key) {
    auto keys = openpgp::parse_keys(public_key);
    SEALGATE_TRY(keys);
    if (keys->size() != 1)
        return fail(Error::bad_input("an OpenPGP entry must hold exactly one key"));
    if (!keys->front().secret_key.empty())
        return fail(Error::bad_input("an OpenPGP entry must not hold a secret key"));
    auto info = openpgp::key_info(keys->front().public_key);
    SEALGATE_TRY(info);
    Entry e;
    e.kind = EntryKind::pgp_key;
    e.id = keys->front().fingerprint;
    e.not_before = info->primary.created;
    e.not_after = info->primary.expires;
    e.data = keys->front().public_key;
    return e;
}

Status verify_signature(const Bundle& bundle, const Signature& signature,
                        const crypto::Certificate& anchor, std::time_t now) {
    if (signature.kind != SignatureKind::smime)
        return fail(Error::bad_input("not an S/MIME signature"));
    // cms_verify_detached does not judge the certificate's validity (the CTL is our chain):
    // an expired or not yet valid signer speaks for nobody.
    if (anchor.not_before() > now)
        return fail(
            Error::unusable("certificate " + anchor.sha256().substr(0, 16) + " is not valid yet"));
    if (anchor.not_after() < now)
        return fail(
            Error::unusable("certificate " + anchor.sha256().substr(0, 16) + " has expired"));
    return crypto::cms_verify_detached(bundle.manifest_bytes, signature.data, anchor);
}

Status verify_signature(const Bundle& bundle, const Signature& signature,
                        std::string_view anchor_public_key, std::time_t now) {
    if (signature.kind != SignatureKind::pgp)
        return fail(Error::bad_input("not an OpenPGP signature"));
    auto made =
        openpgp::verify_detached(anchor_public_key, bundle.manifest_bytes, signature.data, now);
    SEALGATE_TRY(made);
    // A signature older than the bundle it signs was made for other bytes' time: backdated.
    if (*made + kCreatedSlackSeconds < bundle.manifest.created)
        return fail(Error::unusable("the OpenPGP signature was made before the bundle (" +
                                    std::to_string(*made) + " < " +
                                    std::to_string(bundle.manifest.created) + "): backdated"));
    return ok();
}

}  // namespace sealgate::exchange
