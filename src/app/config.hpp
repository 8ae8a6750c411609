// app/config.hpp — the TOML configuration file (examples/sealgate.toml documents every key).
//
// Precedence: command-line flags > environment (SEALGATE_STORE) > config file > defaults.
// The defaults run on a fresh machine: SQLite store ./sealgate.db, master key beside it,
// listen 127.0.0.1:10025, next hop 127.0.0.1:10026.
// load() throws nothing: a missing explicit file, a syntax error or an unknown key is an Error
// with the file, line and key.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/log_fields.hpp"
#include "core/result.hpp"
#include "core/tls_level.hpp"

namespace sealgate::app {

struct TlsConfig {
    std::string certificate;  // PEM chain for STARTTLS on the listener
    std::string private_key;
};

// [next_hop_tls]: TLS toward the next hop (core/tls_level.hpp).
struct NextHopTlsConfig {
    TlsLevel level = TlsLevel::may;  // [smtp] relay_starttls = false is the old spelling of none
    std::string ca_file;             // verify: trust anchors (PEM); empty: the system CA store
    std::string server_name;  // verify: the name to match (and SNI); empty: the next-hop host
    std::vector<std::string> fingerprints;  // verify: pinned SHA-256, lower-case hex
};

// [admin]: the admin listener (REST API and web UI, HTTPS only; docs/api.md).
struct AdminConfig {
    std::string listen;       // "127.0.0.1:8443"; empty: no admin listener
    std::string certificate;  // PEM; empty (with key): a self-signed one kept in the store
    std::string key;
};

// [notify]: the daemon's daily expiry summary (app/expiry_watch.hpp).
struct NotifyConfig {
    // The administrator's address: one summary mail a day, through the next hop, when a
    // certificate or key reaches a warning threshold or has expired; empty: the log only.
    std::string admin;
};

// [metrics]: /metrics, /healthz, /readyz over plain HTTP (app/metrics_listener.hpp).
struct MetricsConfig {
    // Empty: off. Not authenticated: a loopback address or a monitoring network only.
    std::string listen = "127.0.0.1:9310";
    // Set in the file: a listen address that cannot be bound stops `serve`; the built-in
    // default only gets a warning (another gateway on the host may hold it).
    bool listen_set = false;
};

// [keys]: the key process of `sealgate serve` (docs/keys-process.md).
struct KeysConfig {
    // true: serve's private keys live in a key process of their own; false (development and
    // measurement only): in the serve process, as before issue 16.
    bool process = true;
    // The key process's user when serve is started as root; empty: it stays root.
    std::string user;
};

// [discovery]: looking up partners' keys in DNS and WKD (docs/discovery.md).
struct DiscoveryConfig {
    // "IP@PORT" or "IP": forward every query there (a private zone's server); empty: libunbound
    // recurses from the root itself.
    std::string resolver;
    std::string trust_anchor;  // DS or DNSKEY file; empty: /usr/share/dns/root.key
    bool wkd = true;
    std::chrono::seconds timeout{5};  // each DNS lookup; a WKD fetch gets twice as long
    // For tests and private setups only: the CA file that verifies the WKD servers instead of
    // the system's, and "HOST:PORT" to connect to for every WKD URL instead of what DNS says.
    std::string wkd_ca_file;
    std::string wkd_connect_to;
};

struct Config {
    std::string source;  // the file it came from, empty for built-in defaults

    // [store]
    std::string store_path = "sealgate.db";
    // PostgreSQL (several nodes on one store): a libpq connection string, a postgresql:// url
    // or "host=... dbname=...". Empty: SQLite at store_path. Both in the file: a config error.
    std::string store_url;
    // A file holding the PostgreSQL password (read at start, never logged); empty: libpq's own
    // PGPASSWORD / PGPASSFILE / ~/.pgpass.
    std::string store_password_file;
    std::string master_key_path;  // empty: store_path + ".key" (required with store_url)
    std::size_t log_retention = 100000;
    // How long the gateway may decide on the policy it has while the store cannot be read
    // (app/store_watch.hpp); past it new mail gets 451 4.3.0. "60s", "2m", "1h"; 5 s to 1 day.
    std::chrono::seconds store_max_stale{60};

    // [smtp]
    std::string listen = "127.0.0.1:10025";
    std::string next_hop = "127.0.0.1:10026";
    // Where copies for local domains' recipients go (inbound mail, decrypted); empty: next_hop.
    // With it one `serve` relays both directions without an MTA sorting them behind it.
    std::string inbound_next_hop;
    std::string hostname = "localhost";
    std::vector<std::string> relay_networks{"127.0.0.0/8", "::1/128"};
    std::size_t max_message_size = 50 * 1024 * 1024;
    std::size_t max_recipients = 1000;
    std::size_t max_connections = 200;
    std::size_t command_timeout_s = 300;
    std::size_t data_timeout_s = 600;
    TlsConfig tls;
    std::size_t workers = 0;  // pipeline threads; 0: one per CPU core beyond the first
    std::size_t max_connections_per_ip = 100;
    std::size_t session_deadline_s = 3600;
    std::size_t data_deadline_s = 1800;
    std::size_t max_junk_commands = 100;
    // A message that already has this many Received: fields is refused (554 5.4.6): relaying
    // it would exceed the limit. Postfix's hopcount_limit, same default.
    std::size_t hopcount_limit = 50;
    // SIGTERM: how long sessions in progress may take to finish their transaction before those
    // still sending DATA get 421 (a delivery to the next hop is never cut).
    std::size_t shutdown_timeout_s = 30;

    // [next_hop_tls]
    NextHopTlsConfig next_hop_tls;

    // [admin]
    AdminConfig admin;

    // [notify]
    NotifyConfig notify;

    // [metrics]
    MetricsConfig metrics;
    // [log] format: the per-message line as key=value text or one JSON object (docs/logging.md)
    LogFormat log_format = LogFormat::text;
    // [keys]
    KeysConfig keys;
    // [discovery]
    DiscoveryConfig discovery;

    // [limits]
    std::size_t max_header_bytes = 1024 * 1024;
    // DATA held by all sessions and messages being delivered; 0: a quarter of the physical
    // memory, at least twice max_message_size (see buffered_bytes_limit()).
    std::size_t max_buffered_bytes = 0;
    // Mail log records waiting for the store (locked, unwritable) before new mail gets 451.
    std::size_t log_queue = 100000;

    std::uint64_t buffered_bytes_limit() const;

    // [node] name: this gateway node's name in the mail log and the audit log, which several
    // nodes sharing one store write together; empty (or not given): the host's name (node()).
    std::string node_name;
    // The node's name: node_name, else the host name (gethostname), else "localhost".
    std::string node() const;

    std::string master_key() const {
        return master_key_path.empty() ? store_path + ".key" : master_key_path;
    }
};

// path empty: SEALGATE_CONFIG, then /etc/sealgate/sealgate.toml if it exists, else defaults.
Result<Config> load_config(const std::string& path);

}  // namespace sealgate::app
