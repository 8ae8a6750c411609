#include "net/tls.hpp"

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <asio/ip/address.hpp>
#include <asio/ssl.hpp>

#include "core/hex.hpp"

namespace sealgate::net {
namespace {

std::shared_ptr<asio::ssl::context> base_context(asio::ssl::context::method method) {
    auto ctx = std::make_shared<asio::ssl::context>(method);
    ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                     asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                     asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use);
    return ctx;
}

}  // namespace

Result<std::shared_ptr<asio::ssl::context>> make_server_tls(const std::string& cert_chain_file,
                                                            const std::string& key_file) {
    auto ctx = base_context(asio::ssl::context::tls_server);
    asio::error_code ec;
    ctx->use_certificate_chain_file(cert_chain_file, ec);
    if (ec)
        return fail(Error::usage("TLS certificate " + cert_chain_file + ": " + ec.message()));
    ctx->use_private_key_file(key_file, asio::ssl::context::pem, ec);
    if (ec)
        return fail(Error::usage("TLS key " + key_file + ": " + ec.message()));
    if (SSL_CTX_check_private_key(ctx->native_handle()) != 1)
        return fail(Error::usage("TLS key " + key_file + " does not match the certificate"));
    return ctx;
}

Result<std::shared_ptr<asio::ssl::context>> make_client_tls(const std::string& ca_file) {
    auto ctx = base_context(asio::ssl::context::tls_client);
    asio::error_code ec;
    if (ca_file.empty()) {
        ctx->set_default_verify_paths(ec);
        ec.clear();  // no system store: nothing verifies, which is fail closed
    } else {
        ctx->load_verify_file(ca_file, ec);
        if (ec)
            return fail(Error::usage("TLS CA file " + ca_file + ": " + ec.message()));
    }
    // The decision is the relay client's, after the handshake (see the header).
    ctx->set_verify_mode(asio::ssl::verify_none, ec);
    if (ec)
        return fail(Error::usage("TLS client context: " + ec.message()));
    return ctx;
}

bool set_verify_name(SSL* ssl, const std::string& name) {
    asio::error_code ec;
    asio::ip::make_address(name, ec);
    if (!ec)
        return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name.c_str()) == 1;
    SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    return SSL_set1_host(ssl, name.c_str()) == 1;
}

std::string TlsSession::summary() const {
    if (!active())
        return "none";
    return protocol + " " + cipher + " peer=" + (peer_sha256.empty() ? "-" : peer_sha256) +
           (verified ? " verified" : " unverified");
}

TlsSession describe_session(const SSL* ssl) {
    TlsSession s;
    if (ssl == nullptr)
        return s;
    s.protocol = SSL_get_version(ssl);
    if (const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl))
        s.cipher = SSL_CIPHER_get_name(cipher);
    if (X509* peer = SSL_get0_peer_certificate(ssl)) {
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int len = 0;
        if (X509_digest(peer, EVP_sha256(), md, &len) == 1)
            s.peer_sha256 = to_hex(std::string_view(reinterpret_cast<const char*>(md), len));
    }
    s.verify_result = SSL_get_verify_result(ssl);
    if (s.verify_result != X509_V_OK)
        s.verify_error = X509_verify_cert_error_string(s.verify_result);
    if (s.peer_sha256.empty() && s.verify_error.empty())
        s.verify_error = "no peer certificate";
    return s;
}

}  // namespace sealgate::net
