// openpgp/rnp_handle.hpp — internal: owned librnp handles and the one place an rnp_ffi_t is made.
//
// Not part of the module's public API (callers include key.hpp and message.hpp).
//
// Contract:
//   - Every librnp handle lives in a std::unique_ptr with its deleter; every rnp_result_t is
//     turned into a sealgate::Error at the call site, once, with a one-line reason.
//   - make_ffi() creates an ffi whose diagnostics go to /dev/null (rnp_ffi_set_log_fd; the ffi
//     owns and closes the descriptor), and pins the hash security policy explicitly
//     (docs/architecture.md), so that a future librnp default cannot change which keys we accept:
//       SHA-1 in key signatures: insecure for signatures made from 2024-01-19 00:00 UTC on
//       SHA-1 in data signatures: insecure from 2019-01-19 00:00 UTC on
//       MD5: insecure from 2012-01-01 00:00 UTC on
//     A key whose only self-signatures fall under these rules is invalid for librnp; key.cpp
//     reports it as unusable with reason "invalid self-signature (...)".
//   - An ffi is not thread-safe: one per thread, or behind a mutex.
#pragma once

#include <rnp/rnp.h>
#include <rnp/rnp_err.h>

#include <cstdint>
#include <ctime>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "core/text.hpp"
#include "openpgp/key.hpp"
#include "openpgp/message.hpp"

namespace sealgate::openpgp::detail {

struct FfiDeleter {
    void operator()(rnp_ffi_st* p) const { rnp_ffi_destroy(p); }
};
struct KeyDeleter {
    void operator()(rnp_key_handle_st* p) const { rnp_key_handle_destroy(p); }
};
struct InputDeleter {
    void operator()(rnp_input_st* p) const { rnp_input_destroy(p); }
};
struct OutputDeleter {
    void operator()(rnp_output_st* p) const { rnp_output_destroy(p); }
};
struct UidDeleter {
    void operator()(rnp_uid_handle_st* p) const { rnp_uid_handle_destroy(p); }
};
struct SignatureDeleter {
    void operator()(rnp_signature_handle_st* p) const { rnp_signature_handle_destroy(p); }
};
struct GenerateDeleter {
    void operator()(rnp_op_generate_st* p) const { rnp_op_generate_destroy(p); }
};
struct EncryptDeleter {
    void operator()(rnp_op_encrypt_st* p) const { rnp_op_encrypt_destroy(p); }
};
struct VerifyDeleter {
    void operator()(rnp_op_verify_st* p) const { rnp_op_verify_destroy(p); }
};
struct SignDeleter {
    void operator()(rnp_op_sign_st* p) const { rnp_op_sign_destroy(p); }
};
struct IteratorDeleter {
    void operator()(rnp_identifier_iterator_st* p) const { rnp_identifier_iterator_destroy(p); }
};

using Ffi = std::unique_ptr<rnp_ffi_st, FfiDeleter>;
using Key = std::unique_ptr<rnp_key_handle_st, KeyDeleter>;
using Input = std::unique_ptr<rnp_input_st, InputDeleter>;
using Output = std::unique_ptr<rnp_output_st, OutputDeleter>;
using Uid = std::unique_ptr<rnp_uid_handle_st, UidDeleter>;
using Signature = std::unique_ptr<rnp_signature_handle_st, SignatureDeleter>;
using Generate = std::unique_ptr<rnp_op_generate_st, GenerateDeleter>;
using EncryptOp = std::unique_ptr<rnp_op_encrypt_st, EncryptDeleter>;
using VerifyOp = std::unique_ptr<rnp_op_verify_st, VerifyDeleter>;
using SignOp = std::unique_ptr<rnp_op_sign_st, SignDeleter>;
using Iterator = std::unique_ptr<rnp_identifier_iterator_st, IteratorDeleter>;

// "what: librnp's text for rc" as a temporary local failure (451 4.3.0).
Error rnp_error(std::string_view what, rnp_result_t rc);
// The same as malformed input (554 5.6.0): for data handed to us.
Error rnp_input_error(std::string_view what, rnp_result_t rc);

// Takes ownership of a char* that librnp allocated; "" for nullptr.
std::string take_string(char* s);

// A fresh ffi (GPG keyring format) with diagnostics routed away and the pinned hash policy.
// now != 0 sets librnp's notion of the current time (validity, expiry) for this ffi.
Result<Ffi> make_ffi(std::time_t now = 0);

// Memory input over bytes that must outlive the input (no copy).
Result<Input> input_from(std::string_view bytes);
// Memory output; max_bytes == 0 means unlimited. A write past the limit makes the operation fail.
Result<Output> memory_output(std::size_t max_bytes = 0);
// The bytes written to a memory output so far (copied).
std::string output_bytes(rnp_output_st* out);

// Import keys (public and secret, armored or binary, several) strictly: garbage fails.
Status import_keys(rnp_ffi_st* ffi, std::string_view bytes, std::string_view what);

// rnp_locate_key by "fingerprint" (upper or lower hex) or "keyid"; nullopt when absent.
Result<std::optional<Key>> locate(rnp_ffi_st* ffi, const char* id_type, const std::string& id);

// Lower-case 40-hex fingerprint of the key.
Result<std::string> fingerprint(rnp_key_handle_st* key);

// Export a primary key with its subkeys: public or secret, binary or armored.
Result<std::string> export_key(rnp_key_handle_st* key, bool secret, bool armored);

// Lower-case fingerprints of all primary keys in the ffi, in keyring order.
Result<std::vector<std::string>> primary_fingerprints(rnp_ffi_st* ffi);

// encryption_usability() and signing_usability() on a primary key already loaded in an ffi
// (implemented in key.cpp).
Result<Usability> usability_of(rnp_key_handle_st* primary, std::time_t now);
Result<Usability> signing_usability_of(rnp_key_handle_st* primary, std::time_t now);

// What one signature of an executed verify operation says before anyone judged it
// (signature.cpp): the facts verify_detached() and the mail signature checks both decide on.
struct SignatureFacts {
    rnp_result_t status = RNP_SUCCESS;  // librnp's verdict on the signature itself
    std::string keyid;                  // the issuer key id (16 lower-case hex), when it says
    bool key_found = false;             // the signing key is in the ffi
    std::string signing_key;            // its fingerprint (the primary or a subkey)
    std::string owner;                  // the primary fingerprint of the signing key
    bool by_primary = false;
    // At `now`: "" or "is revoked", "has expired", "is not valid yet" — for the primary key and
    // for the signing subkey (empty when by_primary) — and librnp's validity of both.
    std::string primary_problem;
    std::string subkey_problem;
    bool key_valid = false;
    std::time_t created = 0;
    std::time_t expires = 0;  // absolute; 0: the signature does not expire
};
Result<std::vector<SignatureFacts>> signature_facts(rnp_ffi_st* ffi, rnp_op_verify_st* op,
                                                    std::time_t now);

// The mail verdict on those facts: valid when made by one of `given` (primary fingerprints,
// lower-case), intact, by a key valid at `now`, not from the future, not expired.
SignatureInfo judge_signature(const SignatureFacts& facts, std::span<const std::string> given,
                              std::time_t now);

}  // namespace sealgate::openpgp::detail

// Propagate the error of a named Result without copying it (its value may be move-only).
#define SEALGATE_CHECK(result)                                  \
    do {                                                        \
        if (!(result))                                          \
            return ::sealgate::fail(std::move(result).error()); \
    } while (0)

// Call librnp; on failure return a temporary local error naming the call.
#define SEALGATE_RNP(what, expr)                                                 \
    do {                                                                         \
        const rnp_result_t sealgate_rnp_rc_ = (expr);                            \
        if (sealgate_rnp_rc_ != RNP_SUCCESS)                                     \
            return ::sealgate::fail(                                             \
                ::sealgate::openpgp::detail::rnp_error(what, sealgate_rnp_rc_)); \
    } while (0)
