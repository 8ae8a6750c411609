#include "openpgp/key.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <limits>

#include "core/time.hpp"
#include "openpgp/rnp_handle.hpp"

namespace sealgate::openpgp {

namespace {

using detail::Ffi;
using detail::Key;

constexpr std::uint32_t kSha1KeySigCutoff = 1705622400;  // 2024-01-19, see rnp_handle.hpp

// An ffi holding the keys of one blob, and its first primary key.
struct Loaded {
    Ffi ffi;
    Key primary;
    std::string fingerprint;
};

Result<Loaded> load(std::string_view bytes, std::time_t now, std::string_view what) {
    auto ffi = detail::make_ffi(now);
    SEALGATE_CHECK(ffi);
    SEALGATE_TRY(detail::import_keys(ffi->get(), bytes, what));
    auto fps = detail::primary_fingerprints(ffi->get());
    SEALGATE_CHECK(fps);
    if (fps->empty())
        return fail(Error::bad_input(std::string(what) + ": no OpenPGP primary key found"));
    auto key = detail::locate(ffi->get(), "fingerprint", fps->front());
    SEALGATE_CHECK(key);
    if (!*key)
        return fail(Error::temp(std::string(what) + ": imported key vanished"));
    return Loaded{std::move(*ffi), std::move(**key), fps->front()};
}

Result<bool> flag(rnp_result_t (*fn)(rnp_key_handle_t, bool*), rnp_key_handle_st* key,
                  const char* what) {
    bool value = false;
    SEALGATE_RNP(what, fn(key, &value));
    return value;
}

Result<std::string> revocation_reason(rnp_key_handle_st* key) {
    char* text = nullptr;
    SEALGATE_RNP("rnp_key_get_revocation_reason", rnp_key_get_revocation_reason(key, &text));
    const std::string why = detail::take_string(text);
    auto compromised = flag(rnp_key_is_compromised, key, "rnp_key_is_compromised");
    SEALGATE_CHECK(compromised);
    auto superseded = flag(rnp_key_is_superseded, key, "rnp_key_is_superseded");
    SEALGATE_CHECK(superseded);
    auto retired = flag(rnp_key_is_retired, key, "rnp_key_is_retired");
    SEALGATE_CHECK(retired);
    // RFC 4880 §5.2.3.23: code 2 compromised, 1 superseded, 3 retired, 0 no reason.
    std::string out = *compromised  ? "compromised"
                      : *superseded ? "superseded"
                      : *retired    ? "retired"
                                    : "no reason given";
    if (!why.empty() && why != "No reason specified")
        out += ": " + why;
    return out;
}

// librnp reads no key it could not use (MPIs above 16384 bits, unknown curves fail the import),
// so `unusable` stays empty here; the policy judges the size and the curve.
KeyStrength strength_of(const KeyPart& p) {
    KeyStrength s;
    s.bits = p.bits;
    if (p.algorithm == RNP_ALGNAME_RSA) {
        s.family = KeyFamily::rsa;
    } else if (p.algorithm == RNP_ALGNAME_DSA) {
        s.family = KeyFamily::dsa;
    } else if (p.algorithm == RNP_ALGNAME_ELGAMAL) {
        s.family = KeyFamily::elgamal;
    } else if (!p.curve.empty()) {
        s.family = KeyFamily::ecc;
        s.curve = p.curve;
    } else {
        s.family = KeyFamily::other;
        s.algorithm = p.algorithm;
    }
    return s;
}

// The size of a DSA or ElGamal key is the size of its prime p. librnp's rnp_key_get_bits()
// measures ElGamal by the public value y, in whole bytes: one 2048-bit key in 256 has a y below
// 2^2040 and would be judged a 2040-bit key, too weak. The exact length of p instead.
Result<std::uint32_t> prime_bits(rnp_key_handle_st* key) {
    char* raw = nullptr;
    SEALGATE_RNP("rnp_key_to_json", rnp_key_to_json(key, RNP_JSON_PUBLIC_MPIS, &raw));
    const auto doc = nlohmann::json::parse(detail::take_string(raw), nullptr, false);
    const nlohmann::json* p = nullptr;
    if (doc.is_object() && doc.contains("public key") && doc["public key"].is_object() &&
        doc["public key"].contains("mpis") && doc["public key"]["mpis"].is_object() &&
        doc["public key"]["mpis"].contains("p") && doc["public key"]["mpis"]["p"].is_string())
        p = &doc["public key"]["mpis"]["p"];
    if (p == nullptr)
        return fail(Error::bad_input("OpenPGP key: librnp gave no prime for a DSA/ElGamal key"));
    const std::string& hex = p->get_ref<const std::string&>();
    const auto first = hex.find_first_not_of('0');
    if (first == std::string::npos)
        return fail(Error::bad_input("OpenPGP key: the prime of a DSA/ElGamal key is zero"));
    const int nibble = std::stoi(hex.substr(first, 1), nullptr, 16);
    const std::uint32_t top = nibble >= 8 ? 4 : nibble >= 4 ? 3 : nibble >= 2 ? 2 : 1;
    return static_cast<std::uint32_t>(4 * (hex.size() - first - 1)) + top;
}

Result<KeyPart> read_part(rnp_key_handle_st* key) {
    KeyPart p;
    auto fp = detail::fingerprint(key);
    SEALGATE_CHECK(fp);
    p.fingerprint = std::move(*fp);
    char* s = nullptr;
    SEALGATE_RNP("rnp_key_get_alg", rnp_key_get_alg(key, &s));
    p.algorithm = detail::take_string(s);
    if (p.algorithm == RNP_ALGNAME_ECDH || p.algorithm == RNP_ALGNAME_ECDSA ||
        p.algorithm == RNP_ALGNAME_EDDSA || p.algorithm == RNP_ALGNAME_SM2) {
        s = nullptr;
        SEALGATE_RNP("rnp_key_get_curve", rnp_key_get_curve(key, &s));
        p.curve = detail::take_string(s);
    }
    SEALGATE_RNP("rnp_key_get_bits", rnp_key_get_bits(key, &p.bits));
    if (p.algorithm == RNP_ALGNAME_ELGAMAL || p.algorithm == RNP_ALGNAME_DSA) {
        auto bits = prime_bits(key);
        SEALGATE_CHECK(bits);
        p.bits = *bits;
    }
    p.strength = strength_of(p);
    std::uint32_t created = 0;
    std::uint32_t expiration = 0;
    SEALGATE_RNP("rnp_key_get_creation", rnp_key_get_creation(key, &created));
    SEALGATE_RNP("rnp_key_get_expiration", rnp_key_get_expiration(key, &expiration));
    p.created = static_cast<std::time_t>(created);
    p.expires = expiration == 0 ? 0 : p.created + static_cast<std::time_t>(expiration);
    const struct {
        const char* usage;
        bool* out;
    } usages[] = {{"certify", &p.can_certify},
                  {"sign", &p.can_sign},
                  {"encrypt", &p.can_encrypt},
                  {"authenticate", &p.can_authenticate}};
    for (const auto& u : usages)
        SEALGATE_RNP("rnp_key_allows_usage", rnp_key_allows_usage(key, u.usage, u.out));
    SEALGATE_RNP("rnp_key_is_revoked", rnp_key_is_revoked(key, &p.revoked));
    if (p.revoked) {
        auto why = revocation_reason(key);
        SEALGATE_CHECK(why);
        p.revocation_reason = std::move(*why);
    }
    SEALGATE_RNP("rnp_key_is_valid", rnp_key_is_valid(key, &p.valid));
    return p;
}

Result<std::vector<UserIdInfo>> read_uids(rnp_key_handle_st* key) {
    size_t count = 0;
    SEALGATE_RNP("rnp_key_get_uid_count", rnp_key_get_uid_count(key, &count));
    std::vector<UserIdInfo> out;
    out.reserve(count);
    for (size_t i = 0; i < count; ++i) {
        UserIdInfo u;
        char* text = nullptr;
        SEALGATE_RNP("rnp_key_get_uid_at", rnp_key_get_uid_at(key, i, &text));
        u.text = detail::take_string(text);
        rnp_uid_handle_t raw = nullptr;
        SEALGATE_RNP("rnp_key_get_uid_handle_at", rnp_key_get_uid_handle_at(key, i, &raw));
        const detail::Uid uid(raw);
        SEALGATE_RNP("rnp_uid_is_revoked", rnp_uid_is_revoked(uid.get(), &u.revoked));
        SEALGATE_RNP("rnp_uid_is_valid", rnp_uid_is_valid(uid.get(), &u.valid));
        out.push_back(std::move(u));
    }
    return out;
}

Result<std::vector<Key>> subkeys(rnp_key_handle_st* primary) {
    size_t count = 0;
    SEALGATE_RNP("rnp_key_get_subkey_count", rnp_key_get_subkey_count(primary, &count));
    std::vector<Key> out;
    out.reserve(count);
    for (size_t i = 0; i < count; ++i) {
        rnp_key_handle_t raw = nullptr;
        SEALGATE_RNP("rnp_key_get_subkey_at", rnp_key_get_subkey_at(primary, i, &raw));
        out.emplace_back(raw);
    }
    return out;
}

// Why librnp rejects the primary key's self-signatures: the pinned SHA-1 rule is the common
// case (docs/architecture.md); otherwise librnp's own verdict on the newest self-signature.
Result<std::string> self_signature_problem(rnp_key_handle_st* key) {
    size_t uids = 0;
    SEALGATE_RNP("rnp_key_get_uid_count", rnp_key_get_uid_count(key, &uids));
    std::string verdict = "no valid self-signature";
    for (size_t i = 0; i < uids; ++i) {
        rnp_uid_handle_t raw_uid = nullptr;
        SEALGATE_RNP("rnp_key_get_uid_handle_at", rnp_key_get_uid_handle_at(key, i, &raw_uid));
        const detail::Uid uid(raw_uid);
        size_t sigs = 0;
        SEALGATE_RNP("rnp_uid_get_signature_count", rnp_uid_get_signature_count(uid.get(), &sigs));
        for (size_t j = 0; j < sigs; ++j) {
            rnp_signature_handle_t raw_sig = nullptr;
            SEALGATE_RNP("rnp_uid_get_signature_at",
                         rnp_uid_get_signature_at(uid.get(), j, &raw_sig));
            const detail::Signature sig(raw_sig);
            char* hash = nullptr;
            SEALGATE_RNP("rnp_signature_get_hash_alg",
                         rnp_signature_get_hash_alg(sig.get(), &hash));
            std::uint32_t created = 0;
            SEALGATE_RNP("rnp_signature_get_creation",
                         rnp_signature_get_creation(sig.get(), &created));
            if (detail::take_string(hash) == RNP_ALGNAME_SHA1 && created >= kSha1KeySigCutoff)
                return std::string("SHA-1 self-signature made after 2024-01-19");
            const rnp_result_t rc = rnp_signature_is_valid(sig.get(), 0);
            if (rc != RNP_SUCCESS)
                verdict = rnp_result_to_string(rc);
        }
    }
    return verdict;
}

bool expired_at(const KeyPart& p, std::time_t now) {
    return p.expires != 0 && now >= p.expires;
}

}  // namespace

std::string uid_address(std::string_view uid) {
    const auto open = uid.rfind('<');
    const auto close = open == std::string_view::npos ? open : uid.find('>', open);
    if (close == std::string_view::npos)
        return std::string(uid);
    return std::string(uid.substr(open + 1, close - open - 1));
}

std::optional<KeyAlgorithm> parse_key_algorithm(std::string_view s) {
    if (s == "ed25519" || s == "cv25519" || s == "25519")
        return KeyAlgorithm::ed25519;
    if (s == "rsa3072")
        return KeyAlgorithm::rsa3072;
    if (s == "rsa4096")
        return KeyAlgorithm::rsa4096;
    return std::nullopt;
}

Result<std::uint32_t> parse_expiry(std::string_view s) {
    const auto bad = [&] {
        return fail(Error::bad_input("invalid expiry '" + std::string(s) +
                                     "': use never, seconds, or a number with y/m/w/d/h"));
    };
    if (s == "never")
        return 0U;
    if (s.empty())
        return bad();
    std::uint64_t unit = 1;
    std::string_view digits = s;
    switch (s.back()) {
        case 'y':
            unit = 365ULL * 86400;
            break;
        case 'm':
            unit = 30ULL * 86400;
            break;
        case 'w':
            unit = 7ULL * 86400;
            break;
        case 'd':
            unit = 86400;
            break;
        case 'h':
            unit = 3600;
            break;
        case 's':
            unit = 1;
            break;
        default:
            unit = 0;
            break;
    }
    if (unit != 0)
        digits.remove_suffix(1);
    else
        unit = 1;
    std::uint64_t n = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    if (ec != std::errc() || end != digits.data() + digits.size() || digits.empty())
        return bad();
    if (n > std::numeric_limits<std::uint32_t>::max() / unit)
        return bad();
    return static_cast<std::uint32_t>(n * unit);
}

Result<KeyMaterial> create_key(std::string_view uid, KeyAlgorithm algorithm,
                               std::uint32_t expiry_seconds) {
    if (uid.empty())
        return fail(Error::bad_input("create key: empty user ID"));
    auto ffi = detail::make_ffi();
    SEALGATE_CHECK(ffi);
    const bool rsa = algorithm != KeyAlgorithm::ed25519;
    const std::uint32_t bits = algorithm == KeyAlgorithm::rsa4096 ? 4096 : 3072;
    const std::string uid_text(uid);

    rnp_op_generate_t raw = nullptr;
    SEALGATE_RNP("generate primary",
                 rnp_op_generate_create(&raw, ffi->get(), rsa ? "RSA" : "EDDSA"));
    const detail::Generate primary_op(raw);
    if (rsa)
        SEALGATE_RNP("generate: bits", rnp_op_generate_set_bits(primary_op.get(), bits));
    SEALGATE_RNP("generate: user ID",
                 rnp_op_generate_set_userid(primary_op.get(), uid_text.c_str()));
    SEALGATE_RNP("generate: hash", rnp_op_generate_set_hash(primary_op.get(), RNP_ALGNAME_SHA256));
    SEALGATE_RNP("generate: expiry",
                 rnp_op_generate_set_expiration(primary_op.get(), expiry_seconds));
    SEALGATE_RNP("generate: usage", rnp_op_generate_clear_usage(primary_op.get()));
    SEALGATE_RNP("generate: usage", rnp_op_generate_add_usage(primary_op.get(), "certify"));
    SEALGATE_RNP("generate: usage", rnp_op_generate_add_usage(primary_op.get(), "sign"));
    SEALGATE_RNP("generate: prefs", rnp_op_generate_clear_pref_ciphers(primary_op.get()));
    SEALGATE_RNP("generate: prefs", rnp_op_generate_add_pref_cipher(primary_op.get(), "AES256"));
    SEALGATE_RNP("generate: prefs", rnp_op_generate_add_pref_cipher(primary_op.get(), "AES128"));
    SEALGATE_RNP("generate: prefs", rnp_op_generate_clear_pref_hashes(primary_op.get()));
    SEALGATE_RNP("generate: prefs", rnp_op_generate_add_pref_hash(primary_op.get(), "SHA256"));
    SEALGATE_RNP("generate: prefs", rnp_op_generate_add_pref_hash(primary_op.get(), "SHA512"));
    SEALGATE_RNP("generate: prefs", rnp_op_generate_clear_pref_compression(primary_op.get()));
    SEALGATE_RNP("generate: prefs",
                 rnp_op_generate_add_pref_compression(primary_op.get(), "uncompressed"));
    SEALGATE_RNP("generate primary", rnp_op_generate_execute(primary_op.get()));
    rnp_key_handle_t raw_key = nullptr;
    SEALGATE_RNP("generate primary", rnp_op_generate_get_key(primary_op.get(), &raw_key));
    const Key primary(raw_key);

    raw = nullptr;
    SEALGATE_RNP("generate subkey", rnp_op_generate_subkey_create(&raw, ffi->get(), primary.get(),
                                                                  rsa ? "RSA" : "ECDH"));
    const detail::Generate sub_op(raw);
    if (rsa)
        SEALGATE_RNP("generate subkey: bits", rnp_op_generate_set_bits(sub_op.get(), bits));
    else
        SEALGATE_RNP("generate subkey: curve",
                     rnp_op_generate_set_curve(sub_op.get(), "Curve25519"));
    SEALGATE_RNP("generate subkey: hash",
                 rnp_op_generate_set_hash(sub_op.get(), RNP_ALGNAME_SHA256));
    SEALGATE_RNP("generate subkey: expiry",
                 rnp_op_generate_set_expiration(sub_op.get(), expiry_seconds));
    SEALGATE_RNP("generate subkey: usage", rnp_op_generate_clear_usage(sub_op.get()));
    SEALGATE_RNP("generate subkey: usage", rnp_op_generate_add_usage(sub_op.get(), "encrypt"));
    SEALGATE_RNP("generate subkey", rnp_op_generate_execute(sub_op.get()));

    KeyMaterial out;
    auto fp = detail::fingerprint(primary.get());
    SEALGATE_CHECK(fp);
    out.fingerprint = std::move(*fp);
    auto pub = detail::export_key(primary.get(), false, false);
    SEALGATE_CHECK(pub);
    out.public_key = std::move(*pub);
    auto sec = detail::export_key(primary.get(), true, false);
    SEALGATE_CHECK(sec);
    out.secret_key = std::move(*sec);
    auto usability = detail::usability_of(primary.get(), 0);
    SEALGATE_CHECK(usability);
    out.usability = std::move(*usability);
    return out;
}

Result<std::vector<KeyMaterial>> parse_keys(std::string_view bytes) {
    auto ffi = detail::make_ffi();
    SEALGATE_CHECK(ffi);
    SEALGATE_TRY(detail::import_keys(ffi->get(), bytes, "key import"));
    auto fps = detail::primary_fingerprints(ffi->get());
    SEALGATE_CHECK(fps);
    if (fps->empty())
        return fail(Error::bad_input("key import: no OpenPGP primary key found"));
    std::vector<KeyMaterial> out;
    out.reserve(fps->size());
    for (const std::string& fp : *fps) {
        auto key = detail::locate(ffi->get(), "fingerprint", fp);
        SEALGATE_CHECK(key);
        if (!*key)
            return fail(Error::temp("key import: imported key vanished"));
        KeyMaterial m;
        m.fingerprint = fp;
        auto pub = detail::export_key((*key)->get(), false, false);
        SEALGATE_CHECK(pub);
        m.public_key = std::move(*pub);
        auto usability = detail::usability_of((*key)->get(), 0);
        SEALGATE_CHECK(usability);
        m.usability = std::move(*usability);
        auto has_secret = flag(rnp_key_have_secret, (*key)->get(), "rnp_key_have_secret");
        SEALGATE_CHECK(has_secret);
        if (*has_secret) {
            auto sec = detail::export_key((*key)->get(), true, false);
            SEALGATE_CHECK(sec);
            m.secret_key = std::move(*sec);
        }
        out.push_back(std::move(m));
    }
    return out;
}

Result<std::string> merge(std::string_view existing_public, std::string_view update) {
    auto held = load(existing_public, 0, "held key");
    SEALGATE_CHECK(held);
    auto in = detail::input_from(update);
    SEALGATE_CHECK(in);
    char* guessed = nullptr;
    SEALGATE_RNP("rnp_guess_contents", rnp_guess_contents(in->get(), &guessed));
    const std::string contents = detail::take_string(guessed);

    if (contents == "signature") {
        // A bare revocation (or other) signature: librnp attaches it to the key it names.
        auto sig_in = detail::input_from(update);
        SEALGATE_CHECK(sig_in);
        char* results = nullptr;
        const rnp_result_t rc = rnp_import_signatures(held->ffi.get(), sig_in->get(), 0, &results);
        const std::string json = detail::take_string(results);
        if (rc != RNP_SUCCESS)
            return fail(detail::rnp_input_error("key update", rc));
        const auto doc = nlohmann::json::parse(json, nullptr, false);
        bool applies = false;
        if (doc.is_object() && doc.contains("sigs") && doc["sigs"].is_array()) {
            for (const auto& sig : doc["sigs"]) {
                if (sig.is_object() && sig.value("signer fingerprint", "") == held->fingerprint)
                    applies = true;
            }
        }
        if (!applies)
            return fail(Error::bad_input("key update: the signature does not belong to key " +
                                         held->fingerprint));
    } else {
        auto before = read_uids(held->primary.get());
        SEALGATE_CHECK(before);
        SEALGATE_TRY(detail::import_keys(held->ffi.get(), update, "key update"));
        auto fps = detail::primary_fingerprints(held->ffi.get());
        SEALGATE_CHECK(fps);
        for (const std::string& fp : *fps) {
            if (fp != held->fingerprint)
                return fail(Error::bad_input("key update: holds another key (" + fp + ") than " +
                                             held->fingerprint));
        }
        // Only what the update validly carries: a new user ID without a valid self-signature
        // (a packet with a copied signature, say) is dropped, not stored for later.
        auto after = read_uids(held->primary.get());
        SEALGATE_CHECK(after);
        for (std::size_t i = after->size(); i-- > 0;) {
            const UserIdInfo& u = (*after)[i];
            const bool known = std::any_of(before->begin(), before->end(),
                                           [&](const UserIdInfo& b) { return b.text == u.text; });
            if (u.valid || known)
                continue;
            rnp_uid_handle_t raw = nullptr;
            SEALGATE_RNP("rnp_key_get_uid_handle_at",
                         rnp_key_get_uid_handle_at(held->primary.get(), i, &raw));
            const detail::Uid uid(raw);
            SEALGATE_RNP("rnp_uid_remove", rnp_uid_remove(held->primary.get(), uid.get()));
        }
    }
    return detail::export_key(held->primary.get(), false, false);
}

Result<std::string> export_public(std::string_view key, Encoding encoding) {
    auto held = load(key, 0, "key export");
    SEALGATE_CHECK(held);
    return detail::export_key(held->primary.get(), false, encoding == Encoding::armored);
}

Result<std::string> export_secret(std::string_view secret_key, Encoding encoding) {
    auto held = load(secret_key, 0, "key export");
    SEALGATE_CHECK(held);
    auto has_secret = flag(rnp_key_have_secret, held->primary.get(), "rnp_key_have_secret");
    SEALGATE_CHECK(has_secret);
    if (!*has_secret)
        return fail(Error::not_found("key export: no secret key held for " + held->fingerprint));
    return detail::export_key(held->primary.get(), true, encoding == Encoding::armored);
}

Result<KeyInfo> key_info(std::string_view key) {
    auto held = load(key, 0, "key");
    SEALGATE_CHECK(held);
    KeyInfo info;
    auto primary = read_part(held->primary.get());
    SEALGATE_CHECK(primary);
    info.primary = std::move(*primary);
    auto subs = subkeys(held->primary.get());
    SEALGATE_CHECK(subs);
    for (const Key& sub : *subs) {
        auto part = read_part(sub.get());
        SEALGATE_CHECK(part);
        info.subkeys.push_back(std::move(*part));
    }
    auto uids = read_uids(held->primary.get());
    SEALGATE_CHECK(uids);
    info.user_ids = std::move(*uids);
    auto has_secret = flag(rnp_key_have_secret, held->primary.get(), "rnp_key_have_secret");
    SEALGATE_CHECK(has_secret);
    info.has_secret = *has_secret;
    return info;
}

Result<Usability> encryption_usability(std::string_view public_key, std::time_t now) {
    if (now == 0)
        now = std::time(nullptr);
    auto held = load(public_key, now, "key");
    SEALGATE_CHECK(held);
    return detail::usability_of(held->primary.get(), now);
}

Result<Usability> signing_usability(std::string_view public_key, std::time_t now) {
    if (now == 0)
        now = std::time(nullptr);
    auto held = load(public_key, now, "key");
    SEALGATE_CHECK(held);
    return detail::signing_usability_of(held->primary.get(), now);
}

namespace detail {

namespace {

// The capability a (sub)key must have for the purpose judged.
enum class Purpose { encrypt, sign };

bool capable(const KeyPart& p, Purpose purpose) {
    return purpose == Purpose::encrypt ? p.can_encrypt : p.can_sign;
}

// The one judgement behind encryption_usability() and signing_usability(): the primary key's
// checks (v3, revoked, expired, not yet valid, invalid self-signature) are the same for both
// purposes; then the newest valid (sub)key capable of the purpose.
Result<Usability> judge_key(rnp_key_handle_st* key, std::time_t now, Purpose purpose) {
    if (now == 0)
        now = std::time(nullptr);
    auto primary = read_part(key);
    SEALGATE_CHECK(primary);
    Usability u;
    u.primary_strength = primary->strength;
    // v3 keys (MD5 fingerprints, RFC 4880 §5.5.2) are obsolete and unsafe: never use one.
    if (primary->fingerprint.size() != 40) {
        u.reason = "unsupported v3 key";
        u.problem = Usability::Problem::other;
        return u;
    }
    if (primary->revoked) {
        u.reason = "revoked (" + primary->revocation_reason + ")";
        u.problem = Usability::Problem::revoked;
        return u;
    }
    if (expired_at(*primary, now)) {
        u.reason = "expired on " + format_timestamp(primary->expires);
        u.problem = Usability::Problem::expired;
        return u;
    }
    if (primary->created > now) {
        u.reason = "not valid before " + format_timestamp(primary->created);
        u.problem = Usability::Problem::other;
        return u;
    }
    if (!primary->valid) {
        auto why = self_signature_problem(key);
        SEALGATE_CHECK(why);
        u.reason = "invalid self-signature (" + *why + ")";
        u.problem = Usability::Problem::other;
        return u;
    }
    // The newest valid capable key wins (what gpg and sq pick); a primary with the flag counts
    // too (an old-style encrypting primary, or the usual certify+sign primary).
    std::time_t best_created = -1;
    if (capable(*primary, purpose)) {
        u.encryption_key = primary->fingerprint;
        u.encryption_strength = primary->strength;
        best_created = primary->created;
    }
    auto subs = subkeys(key);
    SEALGATE_CHECK(subs);
    bool lapsed_expired = false;  // a capable subkey that would serve but for its expiry
    bool lapsed_revoked = false;
    for (const Key& sub : *subs) {
        auto part = read_part(sub.get());
        SEALGATE_CHECK(part);
        const bool can = capable(*part, purpose);
        // librnp calls an expired or revoked subkey invalid; one whose binding was valid until
        // it ended (valid_till, 0 for a key never valid) has lapsed, not been forged.
        if (can && part->created <= now) {
            std::uint64_t till = 0;
            const bool was_valid =
                rnp_key_valid_till64(sub.get(), &till) == RNP_SUCCESS && till != 0;
            lapsed_revoked = lapsed_revoked || part->revoked;
            lapsed_expired =
                lapsed_expired || (!part->revoked && expired_at(*part, now) && was_valid);
        }
        if (!can || part->revoked || !part->valid || expired_at(*part, now) || part->created > now)
            continue;
        if (part->created > best_created) {
            best_created = part->created;
            u.encryption_key = part->fingerprint;
            u.encryption_strength = part->strength;
        }
    }
    if (u.encryption_key.empty()) {
        u.reason =
            purpose == Purpose::encrypt ? "no valid encryption subkey" : "no valid signing subkey";
        u.problem = lapsed_expired   ? Usability::Problem::expired
                    : lapsed_revoked ? Usability::Problem::revoked
                                     : Usability::Problem::other;
        return u;
    }
    u.usable = true;
    return u;
}

}  // namespace

Result<Usability> usability_of(rnp_key_handle_st* key, std::time_t now) {
    return judge_key(key, now, Purpose::encrypt);
}

Result<Usability> signing_usability_of(rnp_key_handle_st* key, std::time_t now) {
    return judge_key(key, now, Purpose::sign);
}

}  // namespace detail

}  // namespace sealgate::openpgp
