#include "openpgp/lifecycle.hpp"

#include <algorithm>
#include <limits>
#include <vector>

#include "openpgp/rnp_handle.hpp"

namespace sealgate::openpgp {

namespace {

using detail::Ffi;
using detail::Key;

struct Held {
    Ffi ffi;
    Key primary;
};

// Our secret key loaded into a fresh ffi; bad_input when it holds no secret primary key.
Result<Held> load_secret(std::string_view secret_key, std::string_view what) {
    auto ffi = detail::make_ffi();
    SEALGATE_CHECK(ffi);
    SEALGATE_TRY(detail::import_keys(ffi->get(), secret_key, what));
    auto fps = detail::primary_fingerprints(ffi->get());
    SEALGATE_CHECK(fps);
    if (fps->empty())
        return fail(Error::bad_input(std::string(what) + ": no OpenPGP primary key found"));
    auto key = detail::locate(ffi->get(), "fingerprint", fps->front());
    SEALGATE_CHECK(key);
    if (!*key)
        return fail(Error::temp(std::string(what) + ": imported key vanished"));
    bool secret = false;
    SEALGATE_RNP("rnp_key_have_secret", rnp_key_have_secret((*key)->get(), &secret));
    if (!secret)
        return fail(Error::bad_input(std::string(what) + ": no secret key for " + fps->front()));
    return Held{std::move(*ffi), std::move(**key)};
}

Result<KeyMaterial> material(rnp_key_handle_st* primary) {
    KeyMaterial out;
    auto fp = detail::fingerprint(primary);
    SEALGATE_CHECK(fp);
    out.fingerprint = std::move(*fp);
    auto pub = detail::export_key(primary, false, false);
    SEALGATE_CHECK(pub);
    out.public_key = std::move(*pub);
    auto sec = detail::export_key(primary, true, false);
    SEALGATE_CHECK(sec);
    out.secret_key = std::move(*sec);
    auto usability = detail::usability_of(primary, 0);
    SEALGATE_CHECK(usability);
    out.usability = std::move(*usability);
    return out;
}

// The expiry relative to the key's creation (what OpenPGP stores) for `seconds` from now.
Result<std::uint32_t> relative_expiry(rnp_key_handle_st* key, std::uint32_t seconds,
                                      std::time_t now) {
    if (seconds == 0)
        return 0U;
    std::uint32_t created = 0;
    SEALGATE_RNP("rnp_key_get_creation", rnp_key_get_creation(key, &created));
    const auto age = now > static_cast<std::time_t>(created)
                         ? static_cast<std::uint64_t>(now - static_cast<std::time_t>(created))
                         : 0;
    const std::uint64_t total = age + seconds;
    if (total > std::numeric_limits<std::uint32_t>::max())
        return fail(Error::bad_input("the expiry is too far in the future for OpenPGP"));
    return static_cast<std::uint32_t>(total);
}

struct Part {
    Key key;
    std::string algorithm;
    std::string curve;
    std::uint32_t bits = 0;
    std::uint32_t created = 0;
    std::uint32_t expiration = 0;  // relative to created; 0: never
    bool can_encrypt = false;
    bool revoked = false;
};

Result<Part> part_of(Key key) {
    Part p;
    char* s = nullptr;
    SEALGATE_RNP("rnp_key_get_alg", rnp_key_get_alg(key.get(), &s));
    p.algorithm = detail::take_string(s);
    if (p.algorithm == RNP_ALGNAME_ECDH || p.algorithm == RNP_ALGNAME_EDDSA ||
        p.algorithm == RNP_ALGNAME_ECDSA) {
        s = nullptr;
        SEALGATE_RNP("rnp_key_get_curve", rnp_key_get_curve(key.get(), &s));
        p.curve = detail::take_string(s);
    }
    SEALGATE_RNP("rnp_key_get_bits", rnp_key_get_bits(key.get(), &p.bits));
    SEALGATE_RNP("rnp_key_get_creation", rnp_key_get_creation(key.get(), &p.created));
    SEALGATE_RNP("rnp_key_get_expiration", rnp_key_get_expiration(key.get(), &p.expiration));
    SEALGATE_RNP("rnp_key_allows_usage",
                 rnp_key_allows_usage(key.get(), "encrypt", &p.can_encrypt));
    SEALGATE_RNP("rnp_key_is_revoked", rnp_key_is_revoked(key.get(), &p.revoked));
    p.key = std::move(key);
    return p;
}

Result<std::vector<Part>> subkey_parts(rnp_key_handle_st* primary) {
    size_t count = 0;
    SEALGATE_RNP("rnp_key_get_subkey_count", rnp_key_get_subkey_count(primary, &count));
    std::vector<Part> out;
    for (size_t i = 0; i < count; ++i) {
        rnp_key_handle_t raw = nullptr;
        SEALGATE_RNP("rnp_key_get_subkey_at", rnp_key_get_subkey_at(primary, i, &raw));
        auto part = part_of(Key(raw));
        SEALGATE_CHECK(part);
        out.push_back(std::move(*part));
    }
    return out;
}

}  // namespace

Result<KeyMaterial> add_encryption_subkey(std::string_view secret_key,
                                          std::uint32_t expiry_seconds) {
    auto held = load_secret(secret_key, "rotate");
    SEALGATE_CHECK(held);
    auto subs = subkey_parts(held->primary.get());
    SEALGATE_CHECK(subs);
    // The newest encryption subkey that is not revoked gives the kind of its successor.
    const Part* model = nullptr;
    for (const auto& p : *subs)
        if (p.can_encrypt && !p.revoked && (model == nullptr || p.created >= model->created))
            model = &p;
    const bool rsa = model != nullptr && model->algorithm == RNP_ALGNAME_RSA;
    const std::uint32_t bits = rsa && model->bits > 3072 ? model->bits : 3072;

    rnp_op_generate_t raw = nullptr;
    SEALGATE_RNP("generate subkey",
                 rnp_op_generate_subkey_create(&raw, held->ffi.get(), held->primary.get(),
                                               rsa ? "RSA" : "ECDH"));
    const detail::Generate op(raw);
    if (rsa)
        SEALGATE_RNP("generate subkey: bits", rnp_op_generate_set_bits(op.get(), bits));
    else
        SEALGATE_RNP("generate subkey: curve", rnp_op_generate_set_curve(op.get(), "Curve25519"));
    SEALGATE_RNP("generate subkey: hash", rnp_op_generate_set_hash(op.get(), RNP_ALGNAME_SHA256));
    SEALGATE_RNP("generate subkey: expiry",
                 rnp_op_generate_set_expiration(op.get(), expiry_seconds));
    SEALGATE_RNP("generate subkey: usage", rnp_op_generate_clear_usage(op.get()));
    SEALGATE_RNP("generate subkey: usage", rnp_op_generate_add_usage(op.get(), "encrypt"));
    SEALGATE_RNP("generate subkey", rnp_op_generate_execute(op.get()));
    return material(held->primary.get());
}

Result<KeyMaterial> create_successor(std::string_view secret_key, std::uint32_t expiry_seconds) {
    auto held = load_secret(secret_key, "rotate");
    SEALGATE_CHECK(held);
    char* s = nullptr;
    SEALGATE_RNP("rnp_key_get_alg", rnp_key_get_alg(held->primary.get(), &s));
    const std::string alg = detail::take_string(s);
    std::uint32_t bits = 0;
    SEALGATE_RNP("rnp_key_get_bits", rnp_key_get_bits(held->primary.get(), &bits));
    const KeyAlgorithm algorithm =
        alg == RNP_ALGNAME_RSA ? (bits > 3072 ? KeyAlgorithm::rsa4096 : KeyAlgorithm::rsa3072)
                               : KeyAlgorithm::ed25519;
    // The user IDs that are not revoked, the primary one first.
    std::vector<std::string> uids;
    s = nullptr;
    if (rnp_key_get_primary_uid(held->primary.get(), &s) == RNP_SUCCESS)
        uids.push_back(detail::take_string(s));
    size_t count = 0;
    SEALGATE_RNP("rnp_key_get_uid_count", rnp_key_get_uid_count(held->primary.get(), &count));
    for (size_t i = 0; i < count; ++i) {
        rnp_uid_handle_t raw = nullptr;
        SEALGATE_RNP("rnp_key_get_uid_handle_at",
                     rnp_key_get_uid_handle_at(held->primary.get(), i, &raw));
        const detail::Uid uid(raw);
        bool revoked = false;
        SEALGATE_RNP("rnp_uid_is_revoked", rnp_uid_is_revoked(uid.get(), &revoked));
        s = nullptr;
        SEALGATE_RNP("rnp_key_get_uid_at", rnp_key_get_uid_at(held->primary.get(), i, &s));
        std::string text = detail::take_string(s);
        if (revoked || std::find(uids.begin(), uids.end(), text) != uids.end())
            continue;
        uids.push_back(std::move(text));
    }
    if (uids.empty())
        return fail(Error::bad_input("rotate: the key has no user ID that is not revoked"));

    auto made = create_key(uids.front(), algorithm, expiry_seconds);
    SEALGATE_CHECK(made);
    if (uids.size() == 1)
        return made;
    auto fresh = load_secret(made->secret_key, "rotate");
    SEALGATE_CHECK(fresh);
    for (std::size_t i = 1; i < uids.size(); ++i)
        SEALGATE_RNP("rnp_key_add_uid", rnp_key_add_uid(fresh->primary.get(), uids[i].c_str(),
                                                        RNP_ALGNAME_SHA256, 0, 0, false));
    return material(fresh->primary.get());
}

Result<KeyMaterial> set_expiry(std::string_view secret_key, std::uint32_t expiry_seconds,
                               std::time_t now) {
    if (now == 0)
        now = std::time(nullptr);
    auto held = load_secret(secret_key, "extend");
    SEALGATE_CHECK(held);
    bool revoked = false;
    SEALGATE_RNP("rnp_key_is_revoked", rnp_key_is_revoked(held->primary.get(), &revoked));
    if (revoked)
        return fail(Error::bad_input("extend: the key is revoked; create or rotate to a new key"));
    auto rel = relative_expiry(held->primary.get(), expiry_seconds, now);
    SEALGATE_CHECK(rel);
    SEALGATE_RNP("rnp_key_set_expiration", rnp_key_set_expiration(held->primary.get(), *rel));
    auto subs = subkey_parts(held->primary.get());
    SEALGATE_CHECK(subs);
    std::size_t extended = 0;
    for (auto& p : *subs) {
        const bool expired =
            p.expiration != 0 &&
            static_cast<std::time_t>(p.created) + static_cast<std::time_t>(p.expiration) <= now;
        if (!p.can_encrypt || p.revoked || expired)
            continue;
        auto sub_rel = relative_expiry(p.key.get(), expiry_seconds, now);
        SEALGATE_CHECK(sub_rel);
        SEALGATE_RNP("rnp_key_set_expiration", rnp_key_set_expiration(p.key.get(), *sub_rel));
        ++extended;
    }
    if (extended == 0)
        return fail(Error::bad_input(
            "extend: no encryption subkey is still valid; rotate instead (`pgp rotate`)"));
    return material(held->primary.get());
}

Result<KeyMaterial> revoke(std::string_view secret_key, RevocationCode code,
                           std::string_view text) {
    auto held = load_secret(secret_key, "revoke");
    SEALGATE_CHECK(held);
    bool revoked = false;
    SEALGATE_RNP("rnp_key_is_revoked", rnp_key_is_revoked(held->primary.get(), &revoked));
    if (revoked)
        return fail(Error::conflict("revoke: the key is revoked already"));
    const char* code_text = code == RevocationCode::superseded    ? "superseded"
                            : code == RevocationCode::compromised ? "compromised"
                                                                  : "retired";
    const std::string reason(text);
    SEALGATE_RNP("rnp_key_revoke", rnp_key_revoke(held->primary.get(), 0, RNP_ALGNAME_SHA256,
                                                  code_text, reason.c_str()));
    return material(held->primary.get());
}

}  // namespace sealgate::openpgp
