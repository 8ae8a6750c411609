#include "openpgp/keyring.hpp"

#include <algorithm>

#include "openpgp/rnp_handle.hpp"

namespace sealgate::openpgp {

struct KeyRing::Impl {
    detail::Ffi ffi;
    std::vector<std::string> loaded;  // primary fingerprints, in load order
};

KeyRing::KeyRing(Made, std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
KeyRing::~KeyRing() = default;

Result<std::shared_ptr<const KeyRing>> KeyRing::create(std::span<const std::string> public_keys) {
    return detail::load_ring(public_keys, "OpenPGP public key");
}

const std::vector<std::string>& KeyRing::keys() const {
    return impl_->loaded;
}

bool KeyRing::holds(std::span<const std::string> fingerprints) const {
    return std::all_of(fingerprints.begin(), fingerprints.end(), [this](const std::string& fp) {
        return std::find(impl_->loaded.begin(), impl_->loaded.end(), fp) != impl_->loaded.end();
    });
}

namespace detail {

rnp_ffi_st* ring_ffi(const KeyRing& ring) {
    return ring.impl_->ffi.get();
}

Result<std::shared_ptr<const KeyRing>> load_ring(std::span<const std::string> blobs,
                                                 std::string_view what) {
    // Validity is judged at each operation's time, as librnp's clock (no fixed timestamp).
    auto ffi = make_ffi();
    SEALGATE_CHECK(ffi);
    for (const std::string& blob : blobs)
        SEALGATE_TRY(import_keys(ffi->get(), blob, what));
    auto loaded = primary_fingerprints(ffi->get());
    SEALGATE_CHECK(loaded);
    return std::make_shared<const KeyRing>(
        KeyRing::Made{},
        std::make_unique<KeyRing::Impl>(KeyRing::Impl{std::move(*ffi), std::move(*loaded)}));
}

}  // namespace detail

}  // namespace sealgate::openpgp
