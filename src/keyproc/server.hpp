// keyproc/server.hpp — the key process: `sealgate key-process --control-fd N`, started by serve.
//
// What it does: it takes channels over the control socket (SCM_RIGHTS) and serves each on a
// thread of its own with a KeyStore of its own (its own store connection and cache of unsealed
// keys). What it parses: the protocol frames, CMS envelopes, OpenPGP messages, certificates and
// keys it is handed, the store's rows. What it never does: SMTP, MIME, HTTP, TLS, network
// sockets, exec (keyproc/sandbox.hpp enforces the last two).
//
// Contract:
//   - Before it reads the master key: every descriptor but 0-2 and the control socket closed,
//     not dumpable, no new privileges, the configured user when started as root, then the
//     seccomp filter. Any failure there: it reports the reason to serve and exits non-zero.
//   - Ready ("R") once the master key and the store opened; "E<reason>" and exit otherwise.
//   - A malformed request (protocol.hpp) is refused with an error reply when the stream is still
//     in step, logged ("key process: refused ... request: reason") and the channel closed.
//   - A channel is served at most max_rate requests a second (a token bucket: a faster client
//     waits) and its frames are bounded by max_body.
//   - EOF on the control socket (serve is gone): the process exits.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "core/result.hpp"
#include "keystore/keys.hpp"
#include "store/store.hpp"

namespace sealgate::keyproc {

// A Keys with the store connection it reads (destroyed in reverse order: keys first).
struct KeysOnStore {
    std::unique_ptr<Store> store;
    std::unique_ptr<keystore::Keys> keys;
};

struct ServerOptions {
    int control_fd = 3;
    std::size_t max_body = 0;
    double max_rate = 5000;  // requests per second and channel
    // Run as this user when started as root ([keys] user); empty: stay.
    std::string user;
    // The store is a server (PostgreSQL): the sandbox lets it connect to it (sandbox.hpp).
    bool store_connections = false;
    // Loads the master key and opens a KeyStore on a store connection of its own: once at start
    // (the ready check) and once per channel.
    std::function<Result<KeysOnStore>()> open_keys;
};

// Runs until serve closes the control socket; the exit status of the process.
int run_key_process(const ServerOptions& options);

// Serves one channel until it closes or a request is malformed (exposed for the unit tests).
void serve_channel(int fd, keystore::Keys& keys, const ServerOptions& options);

}  // namespace sealgate::keyproc
