#include "net/tls.hpp"

#include <asio/ssl.hpp>

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
        ctx->set_verify_mode(asio::ssl::verify_none, ec);
    } else {
        ctx->load_verify_file(ca_file, ec);
        if (ec)
            return fail(Error::usage("TLS CA file " + ca_file + ": " + ec.message()));
        ctx->set_verify_mode(asio::ssl::verify_peer, ec);
    }
    if (ec)
        return fail(Error::usage("TLS client context: " + ec.message()));
    return ctx;
}

}  // namespace sealgate::net
