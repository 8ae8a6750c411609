#include "crypto/pkcs12.hpp"

#include <openssl/pkcs12.h>

#include "crypto/ossl.hpp"

namespace sealgate::crypto {

Result<std::string> write_pkcs12(const Certificate& cert, const PrivateKey& key,
                                 const std::vector<Certificate>& chain, std::string_view password,
                                 std::string_view name) {
    if (password.size() < kPkcs12MinPassword)
        return fail(Error::bad_input("the PKCS#12 password must have at least " +
                                     std::to_string(kPkcs12MinPassword) + " characters"));
    if (password.find('\0') != std::string_view::npos)
        return fail(Error::bad_input("the PKCS#12 password must not contain a NUL character"));
    if (!key.matches(cert))
        return fail(
            Error::bad_input("the private key does not match certificate " + cert.sha256()));
    ossl::X509StackPtr ca(sk_X509_new_null());
    if (!ca)
        return fail(Error::temp(ossl::reason("cannot build the PKCS#12 chain")));
    for (const auto& c : chain) {
        if (X509_up_ref(c.get()) != 1)
            return fail(Error::temp(ossl::reason("cannot build the PKCS#12 chain")));
        if (sk_X509_push(ca.get(), c.get()) <= 0) {
            X509_free(c.get());
            return fail(Error::temp(ossl::reason("cannot build the PKCS#12 chain")));
        }
    }
    const std::string pass(password);
    const std::string friendly(name);
    // mac_iter -1: no MAC yet; PKCS12_set_mac below adds an HMAC-SHA-256 one (PKCS12_create's
    // own MAC would be HMAC-SHA-1).
    ossl::Pkcs12Ptr p12(PKCS12_create_ex(pass.c_str(), friendly.c_str(), key.get(), cert.get(),
                                         ca.get(), NID_aes_256_cbc, NID_aes_256_cbc,
                                         kPkcs12Iterations, -1, 0, nullptr, nullptr));
    if (!p12)
        return fail(Error::temp(ossl::reason("cannot build the PKCS#12 file")));
    if (PKCS12_set_mac(p12.get(), pass.c_str(), -1, nullptr, 0, kPkcs12Iterations, EVP_sha256()) !=
        1)
        return fail(Error::temp(ossl::reason("cannot add the PKCS#12 MAC")));
    auto out = ossl::mem_writer();
    if (!out || i2d_PKCS12_bio(out.get(), p12.get()) != 1)
        return fail(Error::temp(ossl::reason("cannot write the PKCS#12 file")));
    char* data = nullptr;
    const long len = BIO_get_mem_data(out.get(), &data);
    return std::string(data, static_cast<std::size_t>(len));
}

}  // namespace sealgate::crypto
