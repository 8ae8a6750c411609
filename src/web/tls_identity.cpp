#include "web/tls_identity.hpp"

#include <openssl/crypto.h>

#include <fstream>
#include <sstream>

#include "core/hex.hpp"
#include "crypto/import.hpp"
#include "crypto/keygen.hpp"

namespace sealgate::web {

namespace {

constexpr const char* kCertSetting = "admin-tls-certificate";
constexpr const char* kKeySetting = "admin-tls-key";
constexpr int kDays = 825;
constexpr std::time_t kRenewBefore = 30 * 86400;

Result<std::string> slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return fail(Error::usage("[admin] cannot open " + path));
    std::ostringstream ss;
    ss << in.rdbuf();
    if (in.bad())
        return fail(Error::usage("[admin] cannot read " + path));
    return ss.str();
}

Result<TlsIdentity> make_and_store(Store& store, keystore::Keys& keys,
                                   const std::vector<std::string>& hosts) {
    auto made = crypto::create_server_certificate(hosts, kDays);
    SEALGATE_TRY(made);
    std::string pkcs8 = made->second.to_pkcs8_der();
    auto sealed = keys.seal_secret(kKeySetting, pkcs8);
    OPENSSL_cleanse(pkcs8.data(), pkcs8.size());
    SEALGATE_TRY(sealed);
    SEALGATE_TRY(store.put_setting(kCertSetting, to_hex(made->first.der())));
    SEALGATE_TRY(store.put_setting(kKeySetting, to_hex(*sealed)));
    return TlsIdentity{std::move(made->first), {}, std::move(made->second), true, true};
}

}  // namespace

Result<TlsIdentity> load_tls_identity(const std::string& certificate_file,
                                      const std::string& key_file) {
    auto cert_pem = slurp(certificate_file);
    SEALGATE_TRY(cert_pem);
    auto key_pem = slurp(key_file);
    SEALGATE_TRY(key_pem);
    std::string both = *cert_pem + "\n" + *key_pem;
    auto bundle = crypto::read_bundle(both, std::nullopt);
    OPENSSL_cleanse(both.data(), both.size());
    OPENSSL_cleanse(key_pem->data(), key_pem->size());
    if (!bundle)
        return fail(Error::usage("[admin] certificate " + certificate_file + " and key " +
                                 key_file + ": " + bundle.error().reason));
    if (!bundle->key || bundle->certificates.empty())
        return fail(Error::usage("[admin] key " + key_file + " holds no private key of " +
                                 certificate_file));
    std::vector<crypto::Certificate> chain(bundle->certificates.begin() + 1,
                                           bundle->certificates.end());
    return TlsIdentity{bundle->certificates.front(), std::move(chain), std::move(*bundle->key),
                       false, false};
}

Result<TlsIdentity> stored_tls_identity(Store& store, keystore::Keys& keys,
                                        const std::vector<std::string>& hosts) {
    auto cert_hex = store.find_setting(kCertSetting);
    SEALGATE_TRY(cert_hex);
    auto key_hex = store.find_setting(kKeySetting);
    SEALGATE_TRY(key_hex);
    if (!*cert_hex || !*key_hex)
        return make_and_store(store, keys, hosts);

    const auto der = from_hex(**cert_hex);
    const auto sealed = from_hex(**key_hex);
    if (!der || !sealed)
        return make_and_store(store, keys, hosts);
    auto cert = crypto::Certificate::from_der(*der);
    if (!cert || cert->not_after() < std::time(nullptr) + kRenewBefore)
        return make_and_store(store, keys, hosts);
    // A key that does not unseal (the master key was replaced): a new identity, not a dead
    // listener. Its new fingerprint is printed at start like any other.
    auto pkcs8 = keys.unseal_secret(kKeySetting, *sealed);
    if (!pkcs8)
        return make_and_store(store, keys, hosts);
    auto key = crypto::PrivateKey::from_pkcs8_der(*pkcs8);
    OPENSSL_cleanse(pkcs8->data(), pkcs8->size());
    if (!key || !key->matches(*cert))
        return make_and_store(store, keys, hosts);
    return TlsIdentity{std::move(*cert), {}, std::move(*key), true, false};
}

std::string fingerprint_text(const crypto::Certificate& cert) {
    return hex_colons(cert.sha256());
}

}  // namespace sealgate::web
