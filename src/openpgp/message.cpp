#include "openpgp/message.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <limits>
#include <optional>

#include "openpgp/key.hpp"
#include "openpgp/rnp_handle.hpp"

namespace sealgate::openpgp {

namespace {

using detail::Ffi;

Result<Ffi> load_keys(std::span<const std::string> blobs, std::string_view what) {
    auto ffi = detail::make_ffi();
    SEALGATE_CHECK(ffi);
    for (const std::string& blob : blobs)
        SEALGATE_TRY(detail::import_keys(ffi->get(), blob, what));
    return ffi;
}

// Plaintext sink with a hard cap: past the cap the write fails, librnp aborts the operation,
// and the caller throws the partial buffer away.
struct CappedSink {
    std::string data;
    std::size_t cap = 0;
    bool overflow = false;

    static bool write(void* ctx, const void* buf, size_t len) {
        auto* self = static_cast<CappedSink*>(ctx);
        if (len > self->cap - self->data.size()) {
            self->overflow = true;
            return false;
        }
        self->data.append(static_cast<const char*>(buf), len);
        return true;
    }
};

std::string algorithm_name(const std::string& cipher, const std::string& mode) {
    std::string out = ascii_lower(cipher);
    if (mode == "cfb-mdc")
        return out + "-seipd1";
    return out + "-" + mode;
}

// Primary and (sub)key fingerprints of a key id we hold; nullopt when we hold no secret for it.
Result<std::optional<std::pair<std::string, std::string>>> our_key(rnp_ffi_st* ffi,
                                                                   const std::string& keyid) {
    auto key = detail::locate(ffi, "keyid", keyid);
    SEALGATE_CHECK(key);
    using Found = std::optional<std::pair<std::string, std::string>>;
    if (!*key)
        return Found();
    bool secret = false;
    SEALGATE_RNP("rnp_key_have_secret", rnp_key_have_secret((*key)->get(), &secret));
    if (!secret)
        return Found();
    auto fp = detail::fingerprint((*key)->get());
    SEALGATE_CHECK(fp);
    bool is_primary = false;
    SEALGATE_RNP("rnp_key_is_primary", rnp_key_is_primary((*key)->get(), &is_primary));
    std::string primary = *fp;
    if (!is_primary) {
        char* pfp = nullptr;
        SEALGATE_RNP("rnp_key_get_primary_fprint", rnp_key_get_primary_fprint((*key)->get(), &pfp));
        primary = ascii_lower(detail::take_string(pfp));
    }
    return Found(std::pair(std::move(primary), std::move(*fp)));
}

// Refuse passphrase-protected secret keys up front: the gateway has nobody to ask.
Status check_unprotected(rnp_ffi_st* ffi) {
    auto fps = detail::primary_fingerprints(ffi);
    SEALGATE_CHECK(fps);
    for (const std::string& fp : *fps) {
        auto key = detail::locate(ffi, "fingerprint", fp);
        SEALGATE_CHECK(key);
        if (!*key)
            continue;
        size_t count = 0;
        SEALGATE_RNP("rnp_key_get_subkey_count", rnp_key_get_subkey_count((*key)->get(), &count));
        std::vector<detail::Key> all;
        for (size_t i = 0; i < count; ++i) {
            rnp_key_handle_t raw = nullptr;
            SEALGATE_RNP("rnp_key_get_subkey_at", rnp_key_get_subkey_at((*key)->get(), i, &raw));
            all.emplace_back(raw);
        }
        all.push_back(std::move(**key));
        for (const detail::Key& k : all) {
            bool secret = false;
            bool locked = false;
            SEALGATE_RNP("rnp_key_have_secret", rnp_key_have_secret(k.get(), &secret));
            if (!secret)
                continue;
            SEALGATE_RNP("rnp_key_is_locked", rnp_key_is_locked(k.get(), &locked));
            if (locked)
                return fail(Error::usage("secret key " + fp +
                                         " is passphrase-protected; import it unprotected"));
        }
    }
    return ok();
}

}  // namespace

// ---- Encryptor -------------------------------------------------------------------------------

struct Encryptor::Impl {
    std::shared_ptr<const KeyRing> ring;
    // The primary fingerprints it may encrypt to; nullopt: every key of the ring.
    std::optional<std::vector<std::string>> recipients;

    // Whether `key` (located in the ring, a primary key or a subkey) belongs to a recipient.
    Result<bool> admits(rnp_key_handle_st* key) const {
        if (!recipients)
            return true;
        bool is_primary = false;
        SEALGATE_RNP("rnp_key_is_primary", rnp_key_is_primary(key, &is_primary));
        std::string primary;
        if (is_primary) {
            auto fp = detail::fingerprint(key);
            SEALGATE_CHECK(fp);
            primary = std::move(*fp);
        } else {
            char* raw = nullptr;
            SEALGATE_RNP("rnp_key_get_primary_fprint", rnp_key_get_primary_fprint(key, &raw));
            primary = ascii_lower(detail::take_string(raw));
        }
        return std::find(recipients->begin(), recipients->end(), primary) != recipients->end();
    }
};

Encryptor::Encryptor(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Encryptor::~Encryptor() = default;
Encryptor::Encryptor(Encryptor&&) noexcept = default;
Encryptor& Encryptor::operator=(Encryptor&&) noexcept = default;

Result<Encryptor> Encryptor::create(std::span<const std::string> public_keys) {
    auto ring = detail::load_ring(public_keys, "recipient key");
    SEALGATE_CHECK(ring);
    return Encryptor(std::make_unique<Impl>(Impl{std::move(*ring), std::nullopt}));
}

Encryptor Encryptor::create(std::shared_ptr<const KeyRing> ring,
                            std::span<const std::string> fingerprints) {
    std::vector<std::string> recipients;
    recipients.reserve(fingerprints.size());
    for (const std::string& fp : fingerprints)
        recipients.push_back(ascii_lower(fp));
    return Encryptor(std::make_unique<Impl>(Impl{std::move(ring), std::move(recipients)}));
}

Result<Encrypted> Encryptor::encrypt(std::string_view plaintext,
                                     std::span<const std::string> fingerprints,
                                     const EncryptOptions& options) const {
    if (fingerprints.empty())
        return fail(Error::usage("encrypt: no recipients"));
    rnp_ffi_st* ffi = detail::ring_ffi(*impl_->ring);
    auto in = detail::input_from(plaintext);
    SEALGATE_CHECK(in);
    // Armored size: ~4/3 of the ciphertext plus headers; reserve-free memory output is fine.
    auto out = detail::memory_output();
    SEALGATE_CHECK(out);
    rnp_op_encrypt_t raw = nullptr;
    SEALGATE_RNP("rnp_op_encrypt_create", rnp_op_encrypt_create(&raw, ffi, in->get(), out->get()));
    const detail::EncryptOp op(raw);

    Encrypted result;
    for (const std::string& fp : fingerprints) {
        auto key = detail::locate(ffi, "fingerprint", fp);
        SEALGATE_CHECK(key);
        bool admitted = false;
        if (*key) {
            auto admits = impl_->admits((*key)->get());
            SEALGATE_CHECK(admits);
            admitted = *admits;
        }
        if (!admitted)
            return fail(Error::temp("encrypt: recipient key " + fp + " is not loaded"));
        auto usability = detail::usability_of((*key)->get(), options.now);
        SEALGATE_CHECK(usability);
        if (!usability->usable)
            return fail(Error::perm(550, "5.7.1", "No usable encryption key for the recipient",
                                    "PGP key " + fp + " unusable: " + usability->reason));
        auto sub = detail::locate(ffi, "fingerprint", usability->encryption_key);
        SEALGATE_CHECK(sub);
        if (!*sub)
            return fail(Error::temp("encrypt: subkey vanished"));
        SEALGATE_RNP("rnp_op_encrypt_add_recipient",
                     rnp_op_encrypt_add_recipient(op.get(), (*sub)->get()));
        result.keys.push_back(ascii_lower(fp));
        result.subkeys.push_back(usability->encryption_key);
    }
    // SEIPD v1 + AES-256, no AEAD, no compression, armored — all explicit.
    SEALGATE_RNP("encrypt: armor", rnp_op_encrypt_set_armor(op.get(), true));
    SEALGATE_RNP("encrypt: cipher", rnp_op_encrypt_set_cipher(op.get(), RNP_ALGNAME_AES_256));
    SEALGATE_RNP("encrypt: aead", rnp_op_encrypt_set_aead(op.get(), "None"));
    SEALGATE_RNP("encrypt: compression",
                 rnp_op_encrypt_set_compression(op.get(), "Uncompressed", 0));
    SEALGATE_RNP("encrypt", rnp_op_encrypt_execute(op.get()));
    SEALGATE_RNP("encrypt: output", rnp_output_finish(out->get()));
    result.armored = detail::output_bytes(out->get());
    result.algorithm = "aes256-seipd1";
    return result;
}

Result<std::vector<std::string>> Encryptor::loaded_keys() const {
    const std::vector<std::string>& loaded = impl_->ring->keys();
    if (!impl_->recipients)
        return loaded;
    std::vector<std::string> out;
    for (const std::string& fp : loaded)
        if (std::find(impl_->recipients->begin(), impl_->recipients->end(), fp) !=
            impl_->recipients->end())
            out.push_back(fp);
    return out;
}

Result<Encrypted> encrypt(std::string_view plaintext, std::span<const std::string> public_keys,
                          const EncryptOptions& options) {
    auto encryptor = Encryptor::create(public_keys);
    SEALGATE_CHECK(encryptor);
    auto fps = encryptor->loaded_keys();
    SEALGATE_CHECK(fps);
    return encryptor->encrypt(plaintext, *fps, options);
}

// ---- Decryptor -------------------------------------------------------------------------------

// The ffi holds our secret keys between calls, and nothing else: the public keys a
// decrypt(message, verify_keys) call imports are removed again when it returns. The secret
// blobs stay (wiped on destruction) to rebuild the ffi when such a call merged something into
// one of our own keys (its public key given as a verify key, with new signatures or subkeys).
struct Decryptor::Impl {
    Ffi ffi;
    std::vector<std::string> secrets;
    std::vector<std::string> held;  // our primary fingerprints

    Impl(Ffi f, std::vector<std::string> s, std::vector<std::string> h)
        : ffi(std::move(f)), secrets(std::move(s)), held(std::move(h)) {}
    ~Impl() {
        for (std::string& secret : secrets)
            rnp_buffer_clear(secret.data(), secret.size());
    }
    Impl(const Impl&) = delete;
    Impl& operator=(const Impl&) = delete;

    bool holds(const std::string& fingerprint) const {
        return std::find(held.begin(), held.end(), fingerprint) != held.end();
    }
};

Decryptor::Decryptor(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Decryptor::~Decryptor() = default;
Decryptor::Decryptor(Decryptor&&) noexcept = default;
Decryptor& Decryptor::operator=(Decryptor&&) noexcept = default;

Result<Decryptor> Decryptor::create(std::span<const std::string> secret_keys) {
    auto ffi = load_keys(secret_keys, "secret key");
    SEALGATE_CHECK(ffi);
    SEALGATE_TRY(check_unprotected(ffi->get()));
    auto held = detail::primary_fingerprints(ffi->get());
    SEALGATE_CHECK(held);
    return Decryptor(std::make_unique<Impl>(
        std::move(*ffi), std::vector<std::string>(secret_keys.begin(), secret_keys.end()),
        std::move(*held)));
}

Status Decryptor::reload(std::span<const std::string> secret_keys) {
    auto fresh = create(secret_keys);
    SEALGATE_CHECK(fresh);
    impl_ = std::move(fresh->impl_);
    return ok();
}

namespace {

// Decrypt; with `facts`, also what librnp found out about the signatures inside (judged by
// the caller, who knows by then which keys were given).
Result<std::optional<Decrypted>> run_decrypt(rnp_ffi_st* ffi, std::string_view message,
                                             const DecryptOptions& options,
                                             std::vector<detail::SignatureFacts>* facts,
                                             std::time_t now) {
    constexpr std::size_t kSlack = 64UL << 20;  // 64 MiB
    std::size_t cap = options.max_output;
    if (cap == 0) {
        cap = message.size() > (std::numeric_limits<std::size_t>::max() - kSlack) / 4
                  ? std::numeric_limits<std::size_t>::max()
                  : message.size() * 4 + kSlack;
    }
    auto in = detail::input_from(message);
    SEALGATE_CHECK(in);
    CappedSink sink;
    sink.cap = cap;
    sink.data.reserve(std::min(message.size(), cap));
    rnp_output_t raw_out = nullptr;
    SEALGATE_RNP("rnp_output_to_callback",
                 rnp_output_to_callback(&raw_out, &CappedSink::write, nullptr, &sink));
    const detail::Output out(raw_out);
    rnp_op_verify_t raw_op = nullptr;
    SEALGATE_RNP("rnp_op_verify_create", rnp_op_verify_create(&raw_op, ffi, in->get(), out.get()));
    const detail::VerifyOp op(raw_op);
    // librnp fails the whole operation on a bad signature unless told not to: the signatures
    // are reported (facts) or left to the recipient's mail client, never a reason to
    // lose the plaintext.
    SEALGATE_RNP("rnp_op_verify_set_flags",
                 rnp_op_verify_set_flags(op.get(), RNP_VERIFY_IGNORE_SIGS_ON_DECRYPT));
    const rnp_result_t rc = rnp_op_verify_execute(op.get());
    if (sink.overflow)
        return fail(Error::perm(
            552, "5.3.4", "Message too big for system",
            "decrypt: plaintext exceeds the limit of " + std::to_string(cap) + " bytes"));

    if (rc == RNP_ERROR_NO_SUITABLE_KEY) {
        // Either none of the PKESKs names a key we hold (pass the message on), or one does and
        // its decryption failed (corrupt data: an error).
        size_t count = 0;
        SEALGATE_RNP("rnp_op_verify_get_recipient_count",
                     rnp_op_verify_get_recipient_count(op.get(), &count));
        for (size_t i = 0; i < count; ++i) {
            rnp_recipient_handle_t r = nullptr;
            SEALGATE_RNP("rnp_op_verify_get_recipient_at",
                         rnp_op_verify_get_recipient_at(op.get(), i, &r));
            char* keyid = nullptr;
            SEALGATE_RNP("rnp_recipient_get_keyid", rnp_recipient_get_keyid(r, &keyid));
            auto ours = our_key(ffi, detail::take_string(keyid));
            SEALGATE_CHECK(ours);
            if (*ours)
                return fail(Error::bad_input("decrypt: session key for our key " + (*ours)->second +
                                             " cannot be decrypted"));
        }
        size_t symenc = 0;
        SEALGATE_RNP("rnp_op_verify_get_symenc_count",
                     rnp_op_verify_get_symenc_count(op.get(), &symenc));
        if (count == 0 && symenc == 0)
            return fail(Error::bad_input("decrypt: not an encrypted OpenPGP message"));
        return std::optional<Decrypted>();
    }
    if (rc != RNP_SUCCESS)
        return fail(detail::rnp_input_error("decrypt: corrupt or truncated OpenPGP message", rc));

    char* mode = nullptr;
    char* cipher = nullptr;
    bool valid = false;
    SEALGATE_RNP("rnp_op_verify_get_protection_info",
                 rnp_op_verify_get_protection_info(op.get(), &mode, &cipher, &valid));
    const std::string mode_s = detail::take_string(mode);
    const std::string cipher_s = detail::take_string(cipher);
    if (mode_s == "none")
        return fail(Error::bad_input("decrypt: not an encrypted OpenPGP message"));
    if (mode_s == "cfb" || !valid)
        return fail(Error::bad_input(
            "decrypt: refused: data without integrity protection (SED packet, no MDC)"));

    rnp_recipient_handle_t used = nullptr;
    SEALGATE_RNP("rnp_op_verify_get_used_recipient",
                 rnp_op_verify_get_used_recipient(op.get(), &used));
    if (used == nullptr)
        return fail(Error::bad_input("decrypt: refused: not encrypted to a public key"));
    char* keyid = nullptr;
    SEALGATE_RNP("rnp_recipient_get_keyid", rnp_recipient_get_keyid(used, &keyid));
    auto ours = our_key(ffi, detail::take_string(keyid));
    SEALGATE_CHECK(ours);
    if (!*ours)
        return fail(Error::temp("decrypt: used key is not held"));

    Decrypted d;
    d.plaintext = std::move(sink.data);
    d.key = std::move((*ours)->first);
    d.subkey = std::move((*ours)->second);
    d.algorithm = algorithm_name(cipher_s, mode_s);
    if (facts != nullptr) {
        auto found = detail::signature_facts(ffi, op.get(), now);
        SEALGATE_CHECK(found);
        *facts = std::move(*found);
    }
    return std::optional<Decrypted>(std::move(d));
}

// The public keys one decrypt(message, verify_keys) call judges signatures with, imported into
// the Decryptor's ffi: their primary fingerprints, and whether the import changed one of our
// own keys (`held`) — then the ffi must be rebuilt from our secret keys afterwards.
struct VerifyKeys {
    std::vector<std::string> given;
    bool touched_ours = false;
};

Status import_verify_keys(rnp_ffi_st* ffi, const std::vector<std::string>& held,
                          std::span<const std::string> keys, VerifyKeys& out) {
    for (const std::string& blob : keys) {
        if (blob.empty())
            return fail(Error::temp("signer key: empty key"));
        auto in = detail::input_from(blob);
        SEALGATE_CHECK(in);
        char* raw = nullptr;
        const rnp_result_t rc = rnp_import_keys(ffi, in->get(), RNP_LOAD_SAVE_PUBLIC_KEYS, &raw);
        const std::string json = detail::take_string(raw);
        if (rc != RNP_SUCCESS) {
            out.touched_ours = true;  // not known what a failed import left behind
            return fail(detail::rnp_error("signer key", rc));
        }
        const auto doc = nlohmann::json::parse(json, nullptr, false);
        if (!doc.is_object() || !doc.contains("keys") || !doc["keys"].is_array()) {
            out.touched_ours = true;
            return fail(Error::temp("signer key: librnp reported no import result"));
        }
        for (const auto& entry : doc["keys"]) {
            const std::string fp =
                entry.is_object() ? ascii_lower(entry.value("fingerprint", "")) : "";
            const std::string status = entry.is_object() ? entry.value("public", "") : "";
            auto key = detail::locate(ffi, "fingerprint", fp);
            SEALGATE_CHECK(key);
            if (fp.empty() || !*key) {
                out.touched_ours = true;
                return fail(Error::temp("signer key: imported key " + fp + " not found"));
            }
            bool is_primary = false;
            SEALGATE_RNP("rnp_key_is_primary", rnp_key_is_primary((*key)->get(), &is_primary));
            std::string primary = fp;
            if (!is_primary) {
                char* pfp = nullptr;
                SEALGATE_RNP("rnp_key_get_primary_fprint",
                             rnp_key_get_primary_fprint((*key)->get(), &pfp));
                primary = ascii_lower(detail::take_string(pfp));
            }
            const bool ours = std::find(held.begin(), held.end(), primary) != held.end();
            if (ours && status != "unchanged")
                out.touched_ours = true;
            if (!primary.empty() &&
                std::find(out.given.begin(), out.given.end(), primary) == out.given.end())
                out.given.push_back(std::move(primary));
        }
    }
    return ok();
}

// Remove every primary key (with its subkeys) that is not one of ours.
Status remove_foreign_keys(rnp_ffi_st* ffi, const std::vector<std::string>& held) {
    auto fps = detail::primary_fingerprints(ffi);
    SEALGATE_CHECK(fps);
    for (const std::string& fp : *fps) {
        if (std::find(held.begin(), held.end(), fp) != held.end())
            continue;
        auto key = detail::locate(ffi, "fingerprint", fp);
        SEALGATE_CHECK(key);
        if (*key)
            SEALGATE_RNP(
                "rnp_key_remove",
                rnp_key_remove((*key)->get(), RNP_KEY_REMOVE_PUBLIC | RNP_KEY_REMOVE_SUBKEYS));
    }
    auto left = detail::primary_fingerprints(ffi);
    SEALGATE_CHECK(left);
    if (left->size() != held.size())
        return fail(Error::temp("decrypt: signer keys could not be removed"));
    return ok();
}

// The verify keys of one call, imported when librnp first asks for a public key it does not
// hold (rnp_ffi_set_key_provider: a signature by someone other than us). A message without
// signatures — what RFC 3156 §6.1 senders like sealgate send — pays no import: importing one
// Ed25519 key validates its self-signatures, three times the cost of the decryption
// (bench/RESULTS.md).
struct LazyVerifyKeys {
    rnp_ffi_st* ffi = nullptr;
    const std::vector<std::string>* held = nullptr;
    std::span<const std::string> keys;
    bool imported = false;
    VerifyKeys result;
    std::optional<Error> error;

    void import() {
        if (imported)
            return;
        imported = true;
        const Status st = import_verify_keys(ffi, *held, keys, result);
        if (!st)
            error = st.error();
    }
    // librnp's C callback: no exception may leave it.
    static void provide(rnp_ffi_t, void* ctx, const char*, const char*, bool secret) noexcept {
        if (secret)
            return;  // a PKESK's key: only our own secret keys decrypt
        auto* self = static_cast<LazyVerifyKeys*>(ctx);
        try {
            self->import();
        } catch (...) {
            self->result.touched_ours = true;
            self->error = Error::temp("signer keys: import failed");
        }
    }
};

}  // namespace

Result<std::optional<Decrypted>> Decryptor::decrypt(std::string_view message,
                                                    const DecryptOptions& options) const {
    if (!impl_->ffi)
        return fail(Error::temp("decrypt: the OpenPGP key context was lost; reload it"));
    return run_decrypt(impl_->ffi.get(), message, options, nullptr, 0);
}

Result<std::optional<Decrypted>> Decryptor::decrypt(std::string_view message,
                                                    std::span<const std::string> verify_keys,
                                                    const DecryptOptions& options) const {
    Impl& impl = *impl_;
    if (!impl.ffi)
        return fail(Error::temp("decrypt: the OpenPGP key context was lost; reload it"));
    rnp_ffi_st* ffi = impl.ffi.get();
    const std::time_t now = std::time(nullptr);
    LazyVerifyKeys lazy;
    lazy.ffi = ffi;
    lazy.held = &impl.held;
    lazy.keys = verify_keys;
    SEALGATE_RNP("rnp_ffi_set_key_provider",
                 rnp_ffi_set_key_provider(ffi, &LazyVerifyKeys::provide, &lazy));
    std::vector<detail::SignatureFacts> facts;
    Result<std::optional<Decrypted>> result = run_decrypt(ffi, message, options, &facts, now);
    if (result && *result && !facts.empty() && !lazy.imported) {
        // Signed only by keys we hold (our own): judged with our loaded copies so far, but the
        // verdict belongs to the given keys (one could carry a revocation): once more with them.
        lazy.import();
        if (!lazy.error) {
            facts.clear();
            result = run_decrypt(ffi, message, options, &facts, now);
        }
    }
    const rnp_result_t unset = rnp_ffi_set_key_provider(ffi, nullptr, nullptr);
    if (lazy.error)
        result = fail(Error::temp("decrypt: " + lazy.error->reason));
    else if (unset != RNP_SUCCESS)
        result = fail(detail::rnp_error("rnp_ffi_set_key_provider", unset));
    else if (result && *result)
        for (const detail::SignatureFacts& f : facts)
            (*result)->signatures.push_back(detail::judge_signature(f, lazy.result.given, now));
    const VerifyKeys& keys = lazy.result;
    if (!lazy.imported)
        return result;
    // The keys of this call must not judge the next one (the Decryptor is reused): remove them,
    // or when one of our own keys took something from them, rebuild the ffi from our secrets.
    if (!keys.touched_ours && remove_foreign_keys(impl.ffi.get(), impl.held))
        return result;
    auto fresh = load_keys(impl.secrets, "secret key");
    if (!fresh) {
        impl.ffi.reset();  // fail closed: every later call fails until reload()
        return fail(Error::temp("decrypt: cannot restore the OpenPGP key context: " +
                                fresh.error().reason));
    }
    impl.ffi = std::move(*fresh);
    return result;
}

Result<std::string> Decryptor::sign_detached(std::string_view fingerprint,
                                             std::string_view data) const {
    rnp_ffi_st* ffi = impl_->ffi.get();
    if (ffi == nullptr)
        return fail(Error::temp("sign: the OpenPGP key context was lost; reload it"));
    const std::string fp = ascii_lower(fingerprint);
    if (!impl_->holds(fp))
        return fail(Error::not_found("no secret key loaded for OpenPGP key " + fp));
    auto primary = detail::locate(ffi, "fingerprint", fp);
    SEALGATE_CHECK(primary);
    if (!*primary)
        return fail(Error::not_found("no secret key loaded for OpenPGP key " + fp));
    // Never sign with a key that could not sign now (revoked, expired since it was chosen):
    // the same judgement as signing_usability(), on the loaded key.
    auto usability = detail::signing_usability_of((*primary)->get(), 0);
    SEALGATE_CHECK(usability);
    if (!usability->usable)
        return fail(Error::unusable("OpenPGP key " + fp + " cannot sign: " + usability->reason));
    auto signer = detail::locate(ffi, "fingerprint", usability->encryption_key);
    SEALGATE_CHECK(signer);
    bool secret = false;
    if (*signer)
        SEALGATE_RNP("rnp_key_have_secret", rnp_key_have_secret((*signer)->get(), &secret));
    if (!secret)
        return fail(Error::not_found("no secret part loaded for the signing key " +
                                     usability->encryption_key + " of OpenPGP key " + fp));
    // RFC 3156 §5 signs the CRLF-canonical entity, which the caller hands in, as it is.
    return detail::sign_detached_with(ffi, (*signer)->get(), data, true);
}

}  // namespace sealgate::openpgp
