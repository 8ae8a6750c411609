// net/tls.hpp — TLS contexts for the listener (STARTTLS) and the relay client.
//
// Server: certificate chain and private key from PEM files, TLS 1.2 or newer. Client: TLS 1.2
// or newer; without a CA file the peer is not verified (opportunistic TLS, RFC 7435: encrypt
// against passive listeners, the content itself is protected by S/MIME/OpenPGP); with a CA file
// the next hop's certificate must chain to it. Failures (unreadable or mismatched files) are
// returned as errors; configuration is checked at start-up.
#pragma once

#include <memory>
#include <string>

#include <asio/ssl/context.hpp>

#include "core/result.hpp"

namespace sealgate::net {

Result<std::shared_ptr<asio::ssl::context>> make_server_tls(const std::string& cert_chain_file,
                                                            const std::string& key_file);
Result<std::shared_ptr<asio::ssl::context>> make_client_tls(const std::string& ca_file = {});

}  // namespace sealgate::net
