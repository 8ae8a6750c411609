#include "openpgp/signature.hpp"

#include <algorithm>
#include <optional>
#include <vector>

#include "core/time.hpp"
#include "openpgp/rnp_handle.hpp"

namespace sealgate::openpgp {

namespace {

// "" when `key` is usable at `now`: created by then, not expired, not revoked; else what is
// wrong ("is revoked", ...). librnp judges a signing key at the signature's creation time, so a
// backdated signature by a key that has expired since would pass without this.
Result<std::string> problem_at(rnp_key_handle_t key, std::time_t now) {
    std::uint32_t created = 0;
    std::uint32_t expiration = 0;
    bool revoked = false;
    SEALGATE_RNP("rnp_key_get_creation", rnp_key_get_creation(key, &created));
    SEALGATE_RNP("rnp_key_get_expiration", rnp_key_get_expiration(key, &expiration));
    SEALGATE_RNP("rnp_key_is_revoked", rnp_key_is_revoked(key, &revoked));
    if (revoked)
        return std::string("is revoked");
    if (static_cast<std::time_t>(created) > now)
        return std::string("is not valid yet");
    if (expiration != 0 &&
        static_cast<std::time_t>(created) + static_cast<std::time_t>(expiration) <= now)
        return std::string("has expired");
    return std::string();
}

Status valid_at(rnp_key_handle_t key, std::time_t now, const std::string& what) {
    auto problem = problem_at(key, now);
    SEALGATE_CHECK(problem);
    if (!problem->empty())
        return fail(Error::unusable(what + " " + *problem));
    return ok();
}

// A detached verification of `signature` over `data` (both must outlive the operation).
struct VerifyInputs {
    detail::Input data;
    detail::Input signature;
    detail::VerifyOp op;
    rnp_op_verify_st* get() const { return op.get(); }
};

Result<std::unique_ptr<VerifyInputs>> verify_op(rnp_ffi_st* ffi, std::string_view data,
                                                std::string_view signature) {
    auto data_in = detail::input_from(data);
    SEALGATE_CHECK(data_in);
    auto sig_in = detail::input_from(signature);
    SEALGATE_CHECK(sig_in);
    rnp_op_verify_t raw_op = nullptr;
    const rnp_result_t rc =
        rnp_op_verify_detached_create(&raw_op, ffi, data_in->get(), sig_in->get());
    if (rc != RNP_SUCCESS)
        return fail(detail::rnp_input_error("OpenPGP signature", rc));
    return std::make_unique<VerifyInputs>(
        VerifyInputs{std::move(*data_in), std::move(*sig_in), detail::VerifyOp(raw_op)});
}

}  // namespace

namespace detail {

Result<std::vector<SignatureFacts>> signature_facts(rnp_ffi_st* ffi, rnp_op_verify_st* op,
                                                    std::time_t now) {
    std::size_t count = 0;
    SEALGATE_RNP("rnp_op_verify_get_signature_count",
                 rnp_op_verify_get_signature_count(op, &count));
    std::vector<SignatureFacts> out;
    out.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        rnp_op_verify_signature_t sig = nullptr;
        SEALGATE_RNP("rnp_op_verify_get_signature_at", rnp_op_verify_get_signature_at(op, i, &sig));
        SignatureFacts f;
        f.status = rnp_op_verify_signature_get_status(sig);
        std::uint32_t made = 0;
        std::uint32_t lifetime = 0;
        SEALGATE_RNP("rnp_op_verify_signature_get_times",
                     rnp_op_verify_signature_get_times(sig, &made, &lifetime));
        f.created = static_cast<std::time_t>(made);
        f.expires = lifetime == 0 ? 0 : f.created + static_cast<std::time_t>(lifetime);
        rnp_signature_handle_t raw_handle = nullptr;
        if (rnp_op_verify_signature_get_handle(sig, &raw_handle) == RNP_SUCCESS &&
            raw_handle != nullptr) {
            const Signature handle(raw_handle);
            char* keyid = nullptr;
            if (rnp_signature_get_keyid(handle.get(), &keyid) == RNP_SUCCESS)
                f.keyid = ascii_lower(take_string(keyid));
        }
        rnp_key_handle_t raw_key = nullptr;
        if (rnp_op_verify_signature_get_key(sig, &raw_key) == RNP_SUCCESS && raw_key != nullptr) {
            const Key key(raw_key);
            f.key_found = true;
            auto fpr = fingerprint(key.get());
            SEALGATE_CHECK(fpr);
            f.signing_key = std::move(*fpr);
            SEALGATE_RNP("rnp_key_is_primary", rnp_key_is_primary(key.get(), &f.by_primary));
            auto problem = problem_at(key.get(), now);
            SEALGATE_CHECK(problem);
            SEALGATE_RNP("rnp_key_is_valid", rnp_key_is_valid(key.get(), &f.key_valid));
            if (f.by_primary) {
                f.owner = f.signing_key;
                f.primary_problem = std::move(*problem);
            } else {
                f.subkey_problem = std::move(*problem);
                char* raw = nullptr;
                SEALGATE_RNP("rnp_key_get_primary_fprint",
                             rnp_key_get_primary_fprint(key.get(), &raw));
                f.owner = ascii_lower(take_string(raw));
                auto primary = locate(ffi, "fingerprint", f.owner);
                SEALGATE_CHECK(primary);
                if (*primary) {
                    auto primary_problem = problem_at((*primary)->get(), now);
                    SEALGATE_CHECK(primary_problem);
                    f.primary_problem = std::move(*primary_problem);
                    bool primary_valid = false;
                    SEALGATE_RNP("rnp_key_is_valid",
                                 rnp_key_is_valid((*primary)->get(), &primary_valid));
                    f.key_valid = f.key_valid && primary_valid;
                } else {
                    f.key_valid = false;
                }
            }
        }
        out.push_back(std::move(f));
    }
    return out;
}

SignatureInfo judge_signature(const SignatureFacts& f, std::span<const std::string> given,
                              std::time_t now) {
    SignatureInfo info;
    info.created = f.created;
    info.signing_key = f.key_found ? f.signing_key : f.keyid;
    const bool is_given =
        f.key_found && std::find(given.begin(), given.end(), f.owner) != given.end();
    if (!is_given) {
        // As if it had not been loaded (the daemon's Verifier holds every partner's keys).
        info.signing_key = f.keyid;
        info.reason = "made by a key not given (key id " +
                      (f.keyid.empty() ? std::string("unknown") : f.keyid) + ")";
        return info;
    }
    info.key = f.owner;
    const char* const signer = f.by_primary ? "the signing key " : "the signer's primary key ";
    if (!f.primary_problem.empty())
        info.reason = signer + f.primary_problem;
    else if (!f.subkey_problem.empty())
        info.reason = "the signing subkey " + f.subkey_problem;
    else if (!f.key_valid)
        info.reason = "the signing key is not valid (no valid self-signature or binding)";
    else if (f.status == RNP_ERROR_SIGNATURE_EXPIRED || (f.expires != 0 && f.expires <= now))
        info.reason = "the signature has expired";
    else if (f.status == RNP_ERROR_SIGNATURE_INVALID)
        info.reason = "the signed data was modified";
    else if (f.status == RNP_ERROR_SIGNATURE_UNKNOWN)
        info.reason = "the signature has an unknown format";
    else if (f.status != RNP_SUCCESS)
        info.reason =
            std::string("the signature does not verify: ") + rnp_result_to_string(f.status);
    else if (f.created > now + kMaxFutureSeconds)
        info.reason = "the signature was made in the future (" + format_timestamp(f.created) + ")";
    else
        info.valid = true;
    return info;
}

Result<std::string> sign_detached_with(rnp_ffi_st* ffi, rnp_key_handle_st* signer,
                                       std::string_view data, bool armored) {
    auto in = input_from(data);
    SEALGATE_CHECK(in);
    auto out = memory_output();
    SEALGATE_CHECK(out);
    rnp_op_sign_t raw_op = nullptr;
    SEALGATE_RNP("rnp_op_sign_detached_create",
                 rnp_op_sign_detached_create(&raw_op, ffi, in->get(), out->get()));
    const SignOp op(raw_op);
    SEALGATE_RNP("rnp_op_sign_set_armor", rnp_op_sign_set_armor(op.get(), armored));
    SEALGATE_RNP("rnp_op_sign_set_hash", rnp_op_sign_set_hash(op.get(), RNP_ALGNAME_SHA256));
    SEALGATE_RNP("rnp_op_sign_add_signature", rnp_op_sign_add_signature(op.get(), signer, nullptr));
    SEALGATE_RNP("rnp_op_sign_execute", rnp_op_sign_execute(op.get()));
    SEALGATE_RNP("rnp_output_finish", rnp_output_finish(out->get()));
    return output_bytes(out->get());
}

}  // namespace detail

Result<std::string> sign_detached(std::string_view secret_key, std::string_view data) {
    auto ffi = detail::make_ffi();
    SEALGATE_CHECK(ffi);
    SEALGATE_TRY(detail::import_keys(ffi->get(), secret_key, "OpenPGP secret key"));
    auto primaries = detail::primary_fingerprints(ffi->get());
    SEALGATE_TRY(primaries);
    if (primaries->empty())
        return fail(Error::bad_input("no OpenPGP key in the secret key blob"));
    auto primary = detail::locate(ffi->get(), "fingerprint", primaries->front());
    SEALGATE_TRY(primary);
    if (!*primary)
        return fail(Error::temp("OpenPGP key vanished from its context"));
    rnp_key_handle_t raw_signer = nullptr;
    if (rnp_key_get_default_key((*primary)->get(), "sign", 0, &raw_signer) != RNP_SUCCESS ||
        raw_signer == nullptr)
        return fail(
            Error::unusable("OpenPGP key " + primaries->front() + " has no valid signing key"));
    detail::Key signer(raw_signer);
    bool has_secret = false;
    SEALGATE_RNP("rnp_key_have_secret", rnp_key_have_secret(signer.get(), &has_secret));
    if (!has_secret)
        return fail(Error::unusable("no secret part for the signing key of " + primaries->front()));
    return detail::sign_detached_with(ffi->get(), signer.get(), data, false);
}

Result<std::time_t> verify_detached(std::string_view public_key, std::string_view data,
                                    std::string_view signature, std::time_t now) {
    if (now == 0)
        now = std::time(nullptr);
    auto ffi = detail::make_ffi(now);
    SEALGATE_CHECK(ffi);
    SEALGATE_TRY(detail::import_keys(ffi->get(), public_key, "OpenPGP public key"));
    auto primaries = detail::primary_fingerprints(ffi->get());
    SEALGATE_TRY(primaries);
    if (primaries->size() != 1)
        return fail(Error::bad_input("the trusted key blob must hold exactly one key"));
    const std::string expected = primaries->front();
    auto primary_key = detail::locate(ffi->get(), "fingerprint", expected);
    SEALGATE_TRY(primary_key);
    if (!*primary_key)
        return fail(Error::temp("OpenPGP key vanished from its context"));
    SEALGATE_TRY(valid_at((*primary_key)->get(), now, "OpenPGP key " + expected.substr(0, 16)));
    auto op = verify_op(ffi->get(), data, signature);
    SEALGATE_CHECK(op);
    const rnp_result_t rc = rnp_op_verify_execute((*op)->get());
    auto facts = detail::signature_facts(ffi->get(), (*op)->get(), now);
    SEALGATE_CHECK(facts);
    if (facts->empty()) {
        if (rc != RNP_SUCCESS)
            return fail(detail::rnp_input_error("OpenPGP signature", rc));
        return fail(Error::bad_input("no OpenPGP signature in it"));
    }
    std::time_t newest = 0;
    for (const detail::SignatureFacts& f : *facts) {
        if (!f.key_found || f.owner != expected)
            return fail(
                Error::unusable("OpenPGP signature by a key other than " + expected.substr(0, 16)));
        if (f.status != RNP_SUCCESS)
            return fail(Error::unusable("OpenPGP signature does not verify with " +
                                        expected.substr(0, 16) + ": " +
                                        rnp_result_to_string(f.status)));
        if (!f.subkey_problem.empty())
            return fail(Error::unusable("the signing subkey of " + expected.substr(0, 16) + " " +
                                        f.subkey_problem));
        if (f.created > now + kMaxFutureSeconds)
            return fail(Error::unusable("OpenPGP signature made in the future (" +
                                        std::to_string(f.created) + ")"));
        if (f.expires != 0 && f.expires <= now)
            return fail(Error::unusable("OpenPGP signature has expired"));
        newest = std::max(newest, f.created);
    }
    if (rc != RNP_SUCCESS)
        return fail(Error::unusable(std::string("OpenPGP signature does not verify: ") +
                                    rnp_result_to_string(rc)));
    return newest;
}

namespace {

// The verdict on `signature` over `data` in `ffi` (the keys loaded), for signatures by `given`.
Result<SignatureInfo> judge_in(rnp_ffi_st* ffi, std::span<const std::string> given,
                               std::string_view data, std::string_view signature, std::time_t now) {
    auto op = verify_op(ffi, data, signature);
    SEALGATE_CHECK(op);
    const rnp_result_t rc = rnp_op_verify_execute((*op)->get());
    auto facts = detail::signature_facts(ffi, (*op)->get(), now);
    SEALGATE_CHECK(facts);
    if (facts->empty()) {
        if (rc != RNP_SUCCESS)
            return fail(detail::rnp_input_error("OpenPGP signature", rc));
        return fail(Error::bad_input("OpenPGP signature: no signature in it"));
    }
    // The first valid signature decides; else the first by a given key (its reason says the
    // most), else the first one.
    std::optional<SignatureInfo> by_given;
    std::optional<SignatureInfo> first;
    for (const detail::SignatureFacts& f : *facts) {
        SignatureInfo info = detail::judge_signature(f, given, now);
        if (info.valid)
            return info;
        if (!by_given && !info.key.empty())
            by_given = info;
        if (!first)
            first = std::move(info);
    }
    return by_given ? *by_given : *first;
}

}  // namespace

Result<SignatureInfo> check_signature(std::span<const std::string> public_keys,
                                      std::string_view data, std::string_view signature,
                                      std::time_t now) {
    if (now == 0)
        now = std::time(nullptr);
    auto ffi = detail::make_ffi(now);
    SEALGATE_CHECK(ffi);
    for (const std::string& key : public_keys)
        SEALGATE_TRY(detail::import_keys(ffi->get(), key, "OpenPGP public key"));
    auto given = detail::primary_fingerprints(ffi->get());
    SEALGATE_CHECK(given);
    return judge_in(ffi->get(), *given, data, signature, now);
}

struct Verifier::Impl {
    std::shared_ptr<const KeyRing> ring;
};

Verifier::Verifier(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Verifier::~Verifier() = default;
Verifier::Verifier(Verifier&&) noexcept = default;
Verifier& Verifier::operator=(Verifier&&) noexcept = default;

Result<Verifier> Verifier::create(std::span<const std::string> public_keys) {
    auto ring = KeyRing::create(public_keys);
    SEALGATE_CHECK(ring);
    return create(std::move(*ring));
}

Verifier Verifier::create(std::shared_ptr<const KeyRing> ring) {
    return Verifier(std::make_unique<Impl>(Impl{std::move(ring)}));
}

bool Verifier::holds(std::span<const std::string> fingerprints) const {
    return impl_->ring->holds(fingerprints);
}

Result<SignatureInfo> Verifier::check(std::span<const std::string> signers, std::string_view data,
                                      std::string_view signature, std::time_t now) const {
    if (now == 0)
        now = std::time(nullptr);
    return judge_in(detail::ring_ffi(*impl_->ring), signers, data, signature, now);
}

}  // namespace sealgate::openpgp
