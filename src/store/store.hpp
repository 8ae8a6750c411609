// store/store.hpp — the one interface to sealgate's state.
//
// Holds domains and their settings, certificates (DER), sealed private keys (the store never sees
// a key in clear: keystore/ seals them with the master key before they get here), CTL entries,
// trust roots, CRLs, OpenPGP keys with their domain bindings and trust, and the mail log.
//
// Contract:
//   - Every call returns a Result. Lookups return Result<std::optional<T>>: found, not found,
//     failed. A failed lookup is never reported as "not found".
//   - Every write bumps generation(); a running gateway polls it to see an administrator's change
//     (another process) and reloads its caches.
//   - Names of domains are stored lower-case; thumbprints and fingerprints as lower-case hex.
//   - Implementations: SQLite (sqlite_store.hpp, the embedded default). A PostgreSQL backend
//     implements the same interface and runs the same conformance tests.
#pragma once

#include <cstdint>
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "core/tls_level.hpp"

namespace sealgate {

enum class EncryptMode { none, opportunistic, mandatory };
enum class SmimeProfile { compat, modern };
enum class Method { smime, pgp };
enum class CtlAction { trust, block };

std::string_view to_string(EncryptMode m);
std::string_view to_string(SmimeProfile p);
std::string_view to_string(Method m);
std::string_view to_string(CtlAction a);
std::optional<EncryptMode> parse_encrypt_mode(std::string_view s);
std::optional<SmimeProfile> parse_smime_profile(std::string_view s);
std::optional<CtlAction> parse_ctl_action(std::string_view s);
// "smime", "pgp", "smime,pgp", "pgp,smime" → ordered list; nullopt on anything else.
std::optional<std::vector<Method>> parse_methods(std::string_view s);
std::string methods_to_string(const std::vector<Method>& methods);

struct DomainRecord {
    std::string name;  // "example.com" or "*.example.com"
    bool local = false;
    EncryptMode encrypt_mode = EncryptMode::none;
    SmimeProfile smime_profile = SmimeProfile::compat;
    std::vector<Method> methods{Method::smime, Method::pgp};
    // TLS to the next hop for every copy to this domain, whatever its direction; none: no
    // requirement of its own (the next hop's setting applies). `require-tls yes` is encrypt.
    TlsLevel tls = TlsLevel::none;
    std::vector<std::string> smime_certs;  // SHA-256 thumbprints chosen for this domain
    // Minimum size of RSA, DSA and ElGamal keys for this domain; 0: the default
    // (policy/key_strength.hpp judges keys and bounds the value).
    unsigned min_rsa_bits = 0;
};

struct CertRecord {
    std::string sha256;  // lower-case hex, primary key
    std::string der;
    bool has_private_key = false;
    std::time_t added = 0;
};

struct CtlEntry {
    std::string sha256;
    CtlAction action = CtlAction::trust;
    std::time_t added = 0;
};

struct RootRecord {
    std::string sha256;
    std::string der;
};

struct CrlRecord {
    std::string issuer;  // issuer name (one line), for display
    std::string der;
    std::time_t added = 0;
};

struct PgpKeyRecord {
    std::string fingerprint;    // primary key fingerprint, lower-case hex
    std::string public_key;     // transferable public key, binary
    std::string sealed_secret;  // secret key sealed by keystore/, empty when we hold none
    bool trusted = false;
    std::vector<std::string> domains;  // bound domains ("add domain to PGP key")
    std::time_t added = 0;
};

struct LogRecord {
    std::int64_t id = 0;
    std::time_t time = 0;
    std::string queue_id;
    std::string message_id;
    std::string sender;
    std::vector<std::string> recipients;
    std::string direction;  // inbound, outbound, relay
    std::string action;     // encrypted, decrypted, passed, rejected, deferred
    std::string method;     // smime, pgp, or empty
    std::string keys;       // thumbprints / fingerprints used, comma separated
    std::string algorithm;
    std::string detail;  // next-hop reply or reason
    // How the copy went to the next hop. tls_level empty: not relayed (refused before);
    // tls_protocol empty: in clear.
    std::string tls_level;     // none, may, encrypt, verify: what the copy required
    std::string tls_protocol;  // "TLSv1.3"
    std::string tls_cipher;    // "TLS_AES_256_GCM_SHA384"
    std::string tls_peer;      // SHA-256 of the next hop's certificate, lower-case hex
    bool tls_verified = false;
};

struct LogQuery {
    std::size_t last = 50;
    std::string message_id;  // empty: any
};

class Store {
  public:
    virtual ~Store() = default;

    // Change counter: increases with every write by any process sharing the store.
    virtual Result<std::uint64_t> generation() = 0;

    // Domains.
    virtual Result<std::optional<DomainRecord>> find_domain(std::string_view name) = 0;
    virtual Result<std::vector<DomainRecord>> list_domains() = 0;
    virtual Status put_domain(const DomainRecord& domain) = 0;      // insert or replace
    virtual Result<bool> remove_domain(std::string_view name) = 0;  // false: was not there

    // Certificates and their sealed private keys.
    virtual Status put_certificate(const CertRecord& cert) = 0;  // insert or keep existing
    virtual Result<std::optional<CertRecord>> find_certificate(std::string_view sha256) = 0;
    // All certificates whose thumbprint starts with the lower-case hex prefix.
    virtual Result<std::vector<CertRecord>> find_certificates_by_prefix(
        std::string_view prefix) = 0;
    virtual Result<std::vector<CertRecord>> list_certificates() = 0;
    virtual Result<bool> remove_certificate(std::string_view sha256) = 0;
    virtual Status put_sealed_key(std::string_view sha256, std::string_view sealed) = 0;
    virtual Result<std::optional<std::string>> find_sealed_key(std::string_view sha256) = 0;

    // Certificate trust list.
    virtual Status put_ctl(const CtlEntry& entry) = 0;  // insert or replace
    virtual Result<std::optional<CtlEntry>> find_ctl(std::string_view sha256) = 0;
    virtual Result<std::vector<CtlEntry>> list_ctl() = 0;
    virtual Result<bool> remove_ctl(std::string_view sha256) = 0;

    // Trust roots and CRLs.
    virtual Status put_root(const RootRecord& root) = 0;
    virtual Result<std::vector<RootRecord>> list_roots() = 0;
    virtual Result<bool> remove_root(std::string_view sha256) = 0;
    virtual Status put_crl(const CrlRecord& crl) = 0;  // replaces an older CRL of the same issuer
    virtual Result<std::vector<CrlRecord>> list_crls() = 0;

    // OpenPGP keys.
    virtual Status put_pgp_key(const PgpKeyRecord& key) = 0;  // insert or replace
    virtual Result<std::optional<PgpKeyRecord>> find_pgp_key(std::string_view fingerprint) = 0;
    virtual Result<std::vector<PgpKeyRecord>> find_pgp_keys_by_prefix(std::string_view prefix) = 0;
    virtual Result<std::vector<PgpKeyRecord>> list_pgp_keys() = 0;
    virtual Result<bool> remove_pgp_key(std::string_view fingerprint) = 0;

    // Mail log, with bounded retention (oldest records dropped past the limit).
    virtual Status append_log(const LogRecord& record) = 0;
    // Several records in one transaction, in order: all of them are stored or none (a busy
    // gateway writes its log in batches; one transaction per record costs more than the mail).
    virtual Status append_logs(const std::vector<LogRecord>& records) = 0;
    virtual Result<std::vector<LogRecord>> query_log(const LogQuery& query) = 0;
};

}  // namespace sealgate
