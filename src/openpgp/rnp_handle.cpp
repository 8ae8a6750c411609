#include "openpgp/rnp_handle.hpp"
#include "core/text.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>

namespace sealgate::openpgp::detail {

namespace {

// The policy dates (docs/architecture.md, library traps), pinned here (see the header).
constexpr std::uint64_t kSha1KeySigInsecureFrom = 1705622400;   // 2024-01-19T00:00:00Z
constexpr std::uint64_t kSha1DataSigInsecureFrom = 1547856000;  // 2019-01-19T00:00:00Z
constexpr std::uint64_t kMd5InsecureFrom = 1325376000;          // 2012-01-01T00:00:00Z

std::string describe(std::string_view what, rnp_result_t rc) {
    std::string s(what);
    s += ": ";
    s += rnp_result_to_string(rc);
    return s;
}

Status pin_security_rules(rnp_ffi_st* ffi) {
    size_t removed = 0;
    for (const char* hash : {RNP_ALGNAME_SHA1, RNP_ALGNAME_MD5}) {
        const rnp_result_t rc = rnp_remove_security_rule(ffi, RNP_FEATURE_HASH_ALG, hash, 0,
                                                         RNP_SECURITY_REMOVE_ALL, 0, &removed);
        if (rc != RNP_SUCCESS)
            return fail(rnp_error("rnp security rules", rc));
    }
    struct Rule {
        const char* hash;
        std::uint32_t flags;
        std::uint64_t from;
    };
    const Rule rules[] = {
        {RNP_ALGNAME_SHA1, RNP_SECURITY_VERIFY_KEY, kSha1KeySigInsecureFrom},
        {RNP_ALGNAME_SHA1, RNP_SECURITY_VERIFY_DATA, kSha1DataSigInsecureFrom},
        {RNP_ALGNAME_MD5, 0, kMd5InsecureFrom},
    };
    for (const Rule& r : rules) {
        const rnp_result_t rc = rnp_add_security_rule(ffi, RNP_FEATURE_HASH_ALG, r.hash, r.flags,
                                                      r.from, RNP_SECURITY_INSECURE);
        if (rc != RNP_SUCCESS)
            return fail(rnp_error("rnp security rules", rc));
    }
    return ok();
}

}  // namespace

Error rnp_error(std::string_view what, rnp_result_t rc) {
    return Error::temp(describe(what, rc));
}

Error rnp_input_error(std::string_view what, rnp_result_t rc) {
    return Error::bad_input(describe(what, rc));
}

std::string take_string(char* s) {
    if (s == nullptr)
        return {};
    std::string out(s);
    rnp_buffer_destroy(s);
    return out;
}

Result<Ffi> make_ffi(std::time_t now) {
    rnp_ffi_t raw = nullptr;
    rnp_result_t rc = rnp_ffi_create(&raw, RNP_KEYSTORE_GPG, RNP_KEYSTORE_GPG);
    if (rc != RNP_SUCCESS)
        return fail(rnp_error("rnp_ffi_create", rc));
    Ffi ffi(raw);

    // librnp writes its diagnostics to the ffi's log stream (stderr by default); the CLI must
    // print one clean line per error, so they go to /dev/null. rnp_ffi_set_log_fd fdopen()s
    // the descriptor and closes it when the ffi is destroyed: ownership passes on success.
    const int fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return fail(Error::temp("open /dev/null for librnp diagnostics failed"));
    rc = rnp_ffi_set_log_fd(ffi.get(), fd);
    if (rc != RNP_SUCCESS) {
        ::close(fd);
        return fail(rnp_error("rnp_ffi_set_log_fd", rc));
    }
    SEALGATE_TRY(pin_security_rules(ffi.get()));
    if (now != 0) {
        rc = rnp_set_timestamp(ffi.get(), static_cast<std::uint64_t>(now));
        if (rc != RNP_SUCCESS)
            return fail(rnp_error("rnp_set_timestamp", rc));
    }
    return ffi;
}

Result<Input> input_from(std::string_view bytes) {
    rnp_input_t raw = nullptr;
    // librnp reads from the buffer in place when do_copy is false; callers keep bytes alive.
    const rnp_result_t rc = rnp_input_from_memory(
        &raw, reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size(), false);
    if (rc != RNP_SUCCESS)
        return fail(rnp_error("rnp_input_from_memory", rc));
    return Input(raw);
}

Result<Output> memory_output(std::size_t max_bytes) {
    rnp_output_t raw = nullptr;
    const rnp_result_t rc = rnp_output_to_memory(&raw, max_bytes);
    if (rc != RNP_SUCCESS)
        return fail(rnp_error("rnp_output_to_memory", rc));
    return Output(raw);
}

std::string output_bytes(rnp_output_st* out) {
    std::uint8_t* buf = nullptr;
    size_t len = 0;
    if (rnp_output_memory_get_buf(out, &buf, &len, false) != RNP_SUCCESS || buf == nullptr)
        return {};
    return std::string(reinterpret_cast<const char*>(buf), len);
}

Status import_keys(rnp_ffi_st* ffi, std::string_view bytes, std::string_view what) {
    if (bytes.empty())
        return fail(Error::bad_input(std::string(what) + ": empty input"));
    auto in = input_from(bytes);
    SEALGATE_CHECK(in);
    char* results = nullptr;
    const rnp_result_t rc = rnp_import_keys(
        ffi, in->get(), RNP_LOAD_SAVE_PUBLIC_KEYS | RNP_LOAD_SAVE_SECRET_KEYS, &results);
    rnp_buffer_destroy(results);
    if (rc != RNP_SUCCESS)
        return fail(rnp_input_error(what, rc));
    return ok();
}

Result<std::optional<Key>> locate(rnp_ffi_st* ffi, const char* id_type, const std::string& id) {
    rnp_key_handle_t raw = nullptr;
    const rnp_result_t rc = rnp_locate_key(ffi, id_type, id.c_str(), &raw);
    if (rc != RNP_SUCCESS)
        return fail(rnp_error("rnp_locate_key", rc));
    if (raw == nullptr)
        return std::optional<Key>();
    return std::optional<Key>(Key(raw));
}

Result<std::string> fingerprint(rnp_key_handle_st* key) {
    char* fp = nullptr;
    const rnp_result_t rc = rnp_key_get_fprint(key, &fp);
    if (rc != RNP_SUCCESS)
        return fail(rnp_error("rnp_key_get_fprint", rc));
    return ascii_lower(take_string(fp));
}

Result<std::string> export_key(rnp_key_handle_st* key, bool secret, bool armored) {
    auto out = memory_output();
    SEALGATE_CHECK(out);
    std::uint32_t flags = RNP_KEY_EXPORT_SUBKEYS;
    flags |= secret ? RNP_KEY_EXPORT_SECRET : RNP_KEY_EXPORT_PUBLIC;
    if (armored)
        flags |= RNP_KEY_EXPORT_ARMORED;
    const rnp_result_t rc = rnp_key_export(key, out->get(), flags);
    if (rc != RNP_SUCCESS)
        return fail(rnp_error("rnp_key_export", rc));
    return output_bytes(out->get());
}

Result<std::vector<std::string>> primary_fingerprints(rnp_ffi_st* ffi) {
    rnp_identifier_iterator_t raw = nullptr;
    rnp_result_t rc = rnp_identifier_iterator_create(ffi, &raw, "fingerprint");
    if (rc != RNP_SUCCESS)
        return fail(rnp_error("rnp_identifier_iterator_create", rc));
    const Iterator it(raw);
    std::vector<std::string> out;
    for (;;) {
        const char* id = nullptr;
        rc = rnp_identifier_iterator_next(it.get(), &id);
        if (rc != RNP_SUCCESS)
            return fail(rnp_error("rnp_identifier_iterator_next", rc));
        if (id == nullptr)
            break;
        auto key = locate(ffi, "fingerprint", id);
        SEALGATE_CHECK(key);
        if (!*key)
            continue;
        bool primary = false;
        rc = rnp_key_is_primary((*key)->get(), &primary);
        if (rc != RNP_SUCCESS)
            return fail(rnp_error("rnp_key_is_primary", rc));
        if (primary)
            out.push_back(ascii_lower(id));
    }
    return out;
}

}  // namespace sealgate::openpgp::detail
