#include "store/lookup.hpp"

#include <vector>

#include "core/hex.hpp"

namespace sealgate {

namespace {

// How the messages name what was looked for.
struct Noun {
    std::string_view id;        // what the text is: "thumbprint", "fingerprint"
    std::string_view one;       // what it names: "certificate"
    std::string_view several;   // the plural
    std::size_t max_digits;     // 0: any length
    bool count_matches = true;  // "2 certificates match" or "several ... match"
};

constexpr Noun kCertificate{"thumbprint", "certificate", "certificates", 0};
constexpr Noun kPgpKey{"fingerprint", "OpenPGP key", "OpenPGP keys", 40};
// The words these have always had; kept so scripts that read them keep working.
constexpr Noun kCtlEntry{"thumbprint", "CTL entry", "CTL entrys", 0, false};
constexpr Noun kRoot{"thumbprint", "root", "roots", 0, false};

Result<std::string> parse(std::string_view text, const Noun& noun) {
    const auto hex = normalize_hex(text);
    if (!hex || (noun.max_digits != 0 && hex->size() > noun.max_digits))
        return fail(Error::bad_input("not a " + std::string(noun.id) + ": " + std::string(text)));
    if (hex->size() < kMinPrefixDigits)
        return fail(Error::bad_input(std::string(noun.id) + " prefix too short (at least " +
                                     std::to_string(kMinPrefixDigits) +
                                     " hex digits): " + std::string(text)));
    return *hex;
}

// The one object among those the prefix found.
template <class T>
Result<T> one_of(std::vector<T> found, std::string_view text, const Noun& noun) {
    if (found.empty())
        return fail(
            Error::not_found("no " + std::string(noun.one) + " matches " + std::string(text)));
    if (found.size() > 1)
        return fail(Error::ambiguous(
            (noun.count_matches ? std::to_string(found.size()) : std::string("several")) + " " +
            std::string(noun.several) + " match " + std::string(text) + ": give more digits"));
    return std::move(found.front());
}

// The thumbprints among `listed` that start with the prefix `text` names.
Result<std::string> one_listed(const std::vector<std::string>& listed, std::string_view text,
                               const Noun& noun) {
    auto hex = parse(text, noun);
    SEALGATE_TRY(hex);
    std::vector<std::string> found;
    for (const auto& sha : listed)
        if (sha.starts_with(*hex))
            found.push_back(sha);
    return one_of(std::move(found), text, noun);
}

}  // namespace

Result<std::string> parse_thumbprint(std::string_view text) {
    return parse(text, kCertificate);
}

Result<CertRecord> lookup_certificate(Store& store, std::string_view text) {
    auto hex = parse(text, kCertificate);
    SEALGATE_TRY(hex);
    auto found = store.find_certificates_by_prefix(*hex);
    SEALGATE_TRY(found);
    return one_of(std::move(*found), text, kCertificate);
}

Result<PgpKeyRecord> lookup_pgp_key(Store& store, std::string_view text) {
    auto hex = parse(text, kPgpKey);
    SEALGATE_TRY(hex);
    auto found = store.find_pgp_keys_by_prefix(*hex);
    SEALGATE_TRY(found);
    return one_of(std::move(*found), text, kPgpKey);
}

Result<std::string> lookup_ctl_entry(Store& store, std::string_view text) {
    auto entries = store.list_ctl();
    SEALGATE_TRY(entries);
    std::vector<std::string> listed;
    for (const auto& e : *entries)
        listed.push_back(e.sha256);
    return one_listed(listed, text, kCtlEntry);
}

Result<std::string> lookup_root(Store& store, std::string_view text) {
    auto roots = store.list_roots();
    SEALGATE_TRY(roots);
    std::vector<std::string> listed;
    for (const auto& r : *roots)
        listed.push_back(r.sha256);
    return one_listed(listed, text, kRoot);
}

Result<std::string> ctl_target(Store& store, std::string_view text) {
    auto hex = parse_thumbprint(text);
    SEALGATE_TRY(hex);
    if (hex->size() == 64)
        return *hex;
    auto rec = lookup_certificate(store, text);
    SEALGATE_TRY(rec);
    return rec->sha256;
}

}  // namespace sealgate
