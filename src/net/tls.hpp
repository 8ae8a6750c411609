// net/tls.hpp — TLS contexts for the listener (STARTTLS) and the relay client, and what a TLS
// session to the next hop turned out to be.
//
// Server: certificate chain and private key from PEM files, TLS 1.2 or newer. Client: TLS 1.2
// or newer, trust anchors from a CA file (PEM) or, without one, the system's CA store. The
// client context never aborts a handshake over the certificate (verify mode none): OpenSSL still
// verifies the chain and, when set_verify_name() named one, the host name (SSL_set1_host /
// X509_VERIFY_PARAM_set1_ip_asc) and records the result, which the relay client reads after the
// handshake. That is how a pinned fingerprint can stand in for the chain (TlsLevel::verify), and
// how the mail log can say which certificate a copy went to even at the levels that do not
// verify. Failures (unreadable or mismatched files) are returned as errors; configuration is
// checked at start-up.
#pragma once

#include <openssl/ssl.h>

#include <memory>
#include <string>
#include <string_view>

#include <asio/ssl/context.hpp>

#include "core/result.hpp"

namespace sealgate::net {

Result<std::shared_ptr<asio::ssl::context>> make_server_tls(const std::string& cert_chain_file,
                                                            const std::string& key_file);
// ca_file empty: the system's default CA store (a store that cannot be loaded leaves the context
// without anchors: then nothing verifies, which fails closed).
Result<std::shared_ptr<asio::ssl::context>> make_client_tls(const std::string& ca_file = {});

// Before a client handshake: the name the peer's certificate must match (a DNS name, wildcards
// only as a whole left-most label, or an IP address). False when OpenSSL refused the name.
bool set_verify_name(SSL* ssl, const std::string& name);

struct TlsSession {
    std::string protocol;     // "TLSv1.3"; empty: the session is not TLS
    std::string cipher;       // "TLS_AES_256_GCM_SHA384"
    std::string peer_sha256;  // the peer certificate's SHA-256, lower-case hex; empty: none
    long verify_result = -1;  // X509_V_OK (0) when the chain (and name) verified
    std::string verify_error;
    bool verified = false;  // the relay client accepted the certificate (chain+name or pin)

    bool active() const { return !protocol.empty(); }
    // "TLSv1.3 TLS_AES_256_GCM_SHA384 peer=<sha256> verified|unverified", or "none".
    std::string summary() const;
};

// What an established TLS session is (after the handshake).
TlsSession describe_session(const SSL* ssl);

}  // namespace sealgate::net
