#include "openpgp/signature.hpp"

#include <algorithm>

#include "openpgp/rnp_handle.hpp"

namespace sealgate::openpgp {

namespace {

struct SignDeleter {
    void operator()(rnp_op_sign_st* p) const { rnp_op_sign_destroy(p); }
};
using SignOp = std::unique_ptr<rnp_op_sign_st, SignDeleter>;

// Refused unless `key` is usable at `now`: created by then, not expired, not revoked. librnp
// judges a signing key at the signature's creation time, so a backdated signature by a key
// that has expired since would pass without this.
Status valid_at(rnp_key_handle_t key, std::time_t now, const std::string& what) {
    std::uint32_t created = 0;
    std::uint32_t expiration = 0;
    bool revoked = false;
    SEALGATE_RNP("rnp_key_get_creation", rnp_key_get_creation(key, &created));
    SEALGATE_RNP("rnp_key_get_expiration", rnp_key_get_expiration(key, &expiration));
    SEALGATE_RNP("rnp_key_is_revoked", rnp_key_is_revoked(key, &revoked));
    if (revoked)
        return fail(Error::unusable(what + " is revoked"));
    if (static_cast<std::time_t>(created) > now)
        return fail(Error::unusable(what + " is not valid yet"));
    if (expiration != 0 &&
        static_cast<std::time_t>(created) + static_cast<std::time_t>(expiration) <= now)
        return fail(Error::unusable(what + " has expired"));
    return ok();
}

}  // namespace

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
    auto in = detail::input_from(data);
    SEALGATE_CHECK(in);
    auto out = detail::memory_output();
    SEALGATE_CHECK(out);
    rnp_op_sign_t raw_op = nullptr;
    SEALGATE_RNP("rnp_op_sign_detached_create",
                 rnp_op_sign_detached_create(&raw_op, ffi->get(), in->get(), out->get()));
    SignOp op(raw_op);
    SEALGATE_RNP("rnp_op_sign_set_armor", rnp_op_sign_set_armor(op.get(), false));
    SEALGATE_RNP("rnp_op_sign_set_hash", rnp_op_sign_set_hash(op.get(), "SHA256"));
    SEALGATE_RNP("rnp_op_sign_add_signature",
                 rnp_op_sign_add_signature(op.get(), signer.get(), nullptr));
    SEALGATE_RNP("rnp_op_sign_execute", rnp_op_sign_execute(op.get()));
    return detail::output_bytes(out->get());
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
    auto data_in = detail::input_from(data);
    SEALGATE_CHECK(data_in);
    auto sig_in = detail::input_from(signature);
    SEALGATE_CHECK(sig_in);
    rnp_op_verify_t raw_op = nullptr;
    rnp_result_t rc =
        rnp_op_verify_detached_create(&raw_op, ffi->get(), data_in->get(), sig_in->get());
    if (rc != RNP_SUCCESS)
        return fail(detail::rnp_input_error("OpenPGP signature", rc));
    detail::VerifyOp op(raw_op);
    rc = rnp_op_verify_execute(op.get());
    std::size_t count = 0;
    if (rnp_op_verify_get_signature_count(op.get(), &count) != RNP_SUCCESS || count == 0) {
        if (rc != RNP_SUCCESS)
            return fail(detail::rnp_input_error("OpenPGP signature", rc));
        return fail(Error::bad_input("no OpenPGP signature in it"));
    }
    std::time_t newest = 0;
    for (std::size_t i = 0; i < count; ++i) {
        rnp_op_verify_signature_t sig = nullptr;
        SEALGATE_RNP("rnp_op_verify_get_signature_at",
                     rnp_op_verify_get_signature_at(op.get(), i, &sig));
        const rnp_result_t status = rnp_op_verify_signature_get_status(sig);
        rnp_key_handle_t raw_key = nullptr;
        if (rnp_op_verify_signature_get_key(sig, &raw_key) != RNP_SUCCESS || raw_key == nullptr)
            return fail(
                Error::unusable("OpenPGP signature by a key other than " + expected.substr(0, 16)));
        detail::Key key(raw_key);
        bool primary = false;
        SEALGATE_RNP("rnp_key_is_primary", rnp_key_is_primary(key.get(), &primary));
        std::string owner;
        if (primary) {
            auto fpr = detail::fingerprint(key.get());
            SEALGATE_TRY(fpr);
            owner = *fpr;
        } else {
            char* raw = nullptr;
            SEALGATE_RNP("rnp_key_get_primary_fprint", rnp_key_get_primary_fprint(key.get(), &raw));
            owner = ascii_lower(detail::take_string(raw));
        }
        if (owner != expected)
            return fail(
                Error::unusable("OpenPGP signature by a key other than " + expected.substr(0, 16)));
        if (status != RNP_SUCCESS)
            return fail(Error::unusable("OpenPGP signature does not verify with " +
                                        expected.substr(0, 16) + ": " +
                                        rnp_result_to_string(status)));
        if (!primary)
            SEALGATE_TRY(
                valid_at(key.get(), now, "the signing subkey of " + expected.substr(0, 16)));
        std::uint32_t made = 0;
        std::uint32_t expires = 0;
        SEALGATE_RNP("rnp_op_verify_signature_get_times",
                     rnp_op_verify_signature_get_times(sig, &made, &expires));
        if (static_cast<std::time_t>(made) > now + kMaxFutureSeconds)
            return fail(Error::unusable("OpenPGP signature made in the future (" +
                                        std::to_string(made) + ")"));
        if (expires != 0 &&
            static_cast<std::time_t>(made) + static_cast<std::time_t>(expires) <= now)
            return fail(Error::unusable("OpenPGP signature has expired"));
        newest = std::max(newest, static_cast<std::time_t>(made));
    }
    if (rc != RNP_SUCCESS)
        return fail(Error::unusable(std::string("OpenPGP signature does not verify: ") +
                                    rnp_result_to_string(rc)));
    return newest;
}

}  // namespace sealgate::openpgp
