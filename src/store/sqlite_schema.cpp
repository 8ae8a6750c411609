// store/sqlite_schema.cpp — the migrations of the SQLite store, oldest first.
#include "store/sqlite_schema.hpp"

#include <array>

namespace sealgate::sqlite {
namespace {

// Version 1. Thumbprints, fingerprints and domain names are lower-case text keys. Ordered child
// lists (a domain's S/MIME certificates, a PGP key's domains, a log record's recipients) carry an
// explicit position. A domain may name a certificate that is not (or no longer) in the store:
// that is not a foreign key, the policy layer reports it; remove_certificate deletes such
// references itself.
constexpr const char* kSchema1 = R"sql(
CREATE TABLE meta (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO meta (key, value) VALUES ('generation', '0');

CREATE TABLE domains (
    name          TEXT PRIMARY KEY NOT NULL,
    local         INTEGER NOT NULL,
    encrypt_mode  TEXT NOT NULL,
    smime_profile TEXT NOT NULL,
    methods       TEXT NOT NULL,
    require_tls   INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE domain_smime_certs (
    domain   TEXT NOT NULL REFERENCES domains (name) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    sha256   TEXT NOT NULL,
    PRIMARY KEY (domain, position)
) WITHOUT ROWID;
CREATE INDEX domain_smime_certs_sha256 ON domain_smime_certs (sha256);

CREATE TABLE certificates (
    sha256          TEXT PRIMARY KEY NOT NULL,
    der             BLOB NOT NULL,
    has_private_key INTEGER NOT NULL,
    added           INTEGER NOT NULL
);

CREATE TABLE sealed_keys (
    sha256 TEXT PRIMARY KEY NOT NULL REFERENCES certificates (sha256) ON DELETE CASCADE,
    sealed BLOB NOT NULL
);

CREATE TABLE ctl (
    sha256 TEXT PRIMARY KEY NOT NULL,
    action TEXT NOT NULL,
    added  INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE roots (
    sha256 TEXT PRIMARY KEY NOT NULL,
    der    BLOB NOT NULL
);

CREATE TABLE crls (
    issuer TEXT PRIMARY KEY NOT NULL,
    der    BLOB NOT NULL,
    added  INTEGER NOT NULL
);

CREATE TABLE pgp_keys (
    fingerprint   TEXT PRIMARY KEY NOT NULL,
    public_key    BLOB NOT NULL,
    sealed_secret BLOB NOT NULL,
    trusted       INTEGER NOT NULL,
    added         INTEGER NOT NULL
);

CREATE TABLE pgp_key_domains (
    fingerprint TEXT NOT NULL REFERENCES pgp_keys (fingerprint) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    domain      TEXT NOT NULL,
    PRIMARY KEY (fingerprint, position)
) WITHOUT ROWID;
CREATE INDEX pgp_key_domains_domain ON pgp_key_domains (domain);

-- AUTOINCREMENT: ids are never reused, so an id in an operator's notes keeps meaning one record,
-- and ids stay dense, which lets retention trim with one range delete.
CREATE TABLE mail_log (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    time       INTEGER NOT NULL,
    queue_id   TEXT NOT NULL,
    message_id TEXT NOT NULL,
    sender     TEXT NOT NULL,
    direction  TEXT NOT NULL,
    action     TEXT NOT NULL,
    method     TEXT NOT NULL,
    keys       TEXT NOT NULL,
    algorithm  TEXT NOT NULL,
    detail     TEXT NOT NULL
);
CREATE INDEX mail_log_message_id ON mail_log (message_id);
CREATE INDEX mail_log_time ON mail_log (time);

CREATE TABLE mail_log_recipients (
    log_id   INTEGER NOT NULL REFERENCES mail_log (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    address  TEXT NOT NULL,
    PRIMARY KEY (log_id, position)
) WITHOUT ROWID;
)sql";

// Version 2: next-hop TLS. A domain's TLS level (core/tls_level.hpp) replaces the require_tls
// flag, which becomes its old spelling: require_tls = 1 is "encrypt". require_tls stays (written
// as tls >= encrypt) so that the column keeps its meaning for anyone reading it. Each mail log
// record says how its copy went to the next hop: the level required, and the TLS session
// (protocol empty: in clear or not relayed).
constexpr const char* kSchema2 = R"sql(
ALTER TABLE domains ADD COLUMN tls TEXT NOT NULL DEFAULT 'none';
UPDATE domains SET tls = 'encrypt' WHERE require_tls <> 0;

ALTER TABLE mail_log ADD COLUMN tls_level    TEXT NOT NULL DEFAULT '';
ALTER TABLE mail_log ADD COLUMN tls_protocol TEXT NOT NULL DEFAULT '';
ALTER TABLE mail_log ADD COLUMN tls_cipher   TEXT NOT NULL DEFAULT '';
ALTER TABLE mail_log ADD COLUMN tls_peer     TEXT NOT NULL DEFAULT '';
ALTER TABLE mail_log ADD COLUMN tls_verified INTEGER NOT NULL DEFAULT 0;
)sql";

// Version 3: key strength. A domain's override of the minimum RSA/DSA/ElGamal key size; a row
// only while the administrator sets one (no row: the default), so the domains table stays as it
// is.
constexpr const char* kSchemaKeyMinimum = R"sql(
CREATE TABLE domain_key_minimum (
    domain       TEXT PRIMARY KEY NOT NULL REFERENCES domains (name) ON DELETE CASCADE,
    min_rsa_bits INTEGER NOT NULL
) WITHOUT ROWID;
)sql";

// Version 4: administration. The audit log of administrators' changes (kept, no retention: it is
// small and it is the record), the admin listener's accounts and API tokens (a token is stored as
// the SHA-256 of its value only), and the gateway's own small named values (settings). None of
// these tables is policy: writing them does not bump the generation. The mail log gets no index
// for the search by sender or recipient: indexes on lower(sender) and lower(address) made batched
// log writes 3-4x slower (sqlite3 shell, 100k records in transactions of 100 on a 100k-record
// log: 4.5-5.5 s -> 17.7 s), while a search that scans 100-200k records takes 10-60 ms, and an
// administrator searches rarely; the gateway writes with every message.
constexpr const char* kSchemaAdmin = R"sql(
CREATE TABLE audit_log (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    time   INTEGER NOT NULL,
    actor  TEXT NOT NULL CHECK (actor <> ''),
    action TEXT NOT NULL CHECK (action <> ''),
    object TEXT NOT NULL,
    change TEXT NOT NULL
);
CREATE INDEX audit_log_object ON audit_log (object, id);

CREATE TABLE admin_accounts (
    name          TEXT PRIMARY KEY NOT NULL CHECK (name <> ''),
    role          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created       INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE api_tokens (
    name       TEXT PRIMARY KEY NOT NULL CHECK (name <> ''),
    role       TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE CHECK (token_hash <> ''),
    created    INTEGER NOT NULL,
    last_used  INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE settings (
    name  TEXT PRIMARY KEY NOT NULL CHECK (name <> ''),
    value BLOB NOT NULL
) WITHOUT ROWID;

)sql";

// Version 5: lifecycle. A domain's answer to mandatory mail whose partner keys have all expired
// (on_expired), what an unknown revocation state means (revocation), and whether a partner's
// signed update bundle applies at once (accept_signed_updates); own certificates and keys of an
// older generation (retired); where a CRL came from (source: the distribution point, or empty
// when imported by hand) and the outcome of each distribution point's last fetch (crl_fetches,
// not policy: no generation bump); partners' verified update bundles staged for approval
// (pending_changes, ids never reused so that "pending approve 7" always means one change).
constexpr const char* kSchemaLifecycle = R"sql(
ALTER TABLE domains ADD COLUMN on_expired TEXT NOT NULL DEFAULT 'defer';
ALTER TABLE domains ADD COLUMN revocation TEXT NOT NULL DEFAULT 'soft';
ALTER TABLE domains ADD COLUMN accept_signed_updates INTEGER NOT NULL DEFAULT 0;
ALTER TABLE certificates ADD COLUMN retired INTEGER NOT NULL DEFAULT 0;
ALTER TABLE pgp_keys ADD COLUMN retired INTEGER NOT NULL DEFAULT 0;
ALTER TABLE crls ADD COLUMN source TEXT NOT NULL DEFAULT '';

CREATE TABLE crl_fetches (
    url          TEXT PRIMARY KEY NOT NULL CHECK (url <> ''),
    issuer       TEXT NOT NULL,
    last_attempt INTEGER NOT NULL,
    last_success INTEGER NOT NULL,
    last_error   TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE pending_changes (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    domain     TEXT NOT NULL CHECK (domain <> ''),
    sequence   INTEGER NOT NULL,
    created    INTEGER NOT NULL,
    signer     TEXT NOT NULL,
    summary    TEXT NOT NULL,
    bundle     BLOB NOT NULL,
    state      TEXT NOT NULL,
    decided    INTEGER NOT NULL,
    decided_by TEXT NOT NULL
);
)sql";

// Version 6: signatures and header protection (docs/signing.md). A domain's outbound signing
// (sign), what inbound mail from it must show (require_signature, on_bad_signature), whether its
// signature is delivered (keep_signature) and RFC 9788 header protection (header_protection).
// The column defaults are what every EXISTING domain gets: sign = none and header protection
// off, today's behaviour until the administrator opts in per domain; a domain added later gets
// the DomainRecord defaults (sign-and-encrypt, header protection on), which put_domain writes.
// Each mail log record gets the signature of its copy (empty for the records before).
constexpr const char* kSchemaSigning = R"sql(
ALTER TABLE domains ADD COLUMN sign TEXT NOT NULL DEFAULT 'none';
ALTER TABLE domains ADD COLUMN require_signature INTEGER NOT NULL DEFAULT 0;
ALTER TABLE domains ADD COLUMN on_bad_signature TEXT NOT NULL DEFAULT 'refuse';
ALTER TABLE domains ADD COLUMN keep_signature INTEGER NOT NULL DEFAULT 0;
ALTER TABLE domains ADD COLUMN header_protection INTEGER NOT NULL DEFAULT 0;

ALTER TABLE mail_log ADD COLUMN signature TEXT NOT NULL DEFAULT '';
)sql";

// Version 7. Several gateway nodes share one store (PostgreSQL): each mail log and audit record
// names the node that wrote it. Records from before have none.
constexpr const char* kSchemaNodes = R"sql(
ALTER TABLE mail_log ADD COLUMN node TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_log ADD COLUMN node TEXT NOT NULL DEFAULT '';
)sql";

// Version 8: key discovery (docs/discovery.md). A partner domain's discovery setting (off,
// review, auto-dane) and the address to look up (empty: domain-cert@DOMAIN). Where each
// certificate and OpenPGP key came from (source: manual, exchange, dane, dns, wkd; every row from
// before is 'manual': which ones came with an update bundle is not recorded anywhere), and for a
// discovered one where and when it was found and the record's TTL (found_at + ttl: when the
// daemon looks again). A pending change gets its kind: a signed update bundle (every change from
// before) or a discovery, which carries what was found in the found_* columns instead of a
// bundle.
constexpr const char* kSchemaDiscovery = R"sql(
ALTER TABLE domains ADD COLUMN discovery TEXT NOT NULL DEFAULT 'off';
ALTER TABLE domains ADD COLUMN discovery_address TEXT NOT NULL DEFAULT '';

ALTER TABLE certificates ADD COLUMN source TEXT NOT NULL DEFAULT 'manual';
ALTER TABLE certificates ADD COLUMN found_where TEXT NOT NULL DEFAULT '';
ALTER TABLE certificates ADD COLUMN found_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE certificates ADD COLUMN ttl INTEGER NOT NULL DEFAULT 0;
ALTER TABLE pgp_keys ADD COLUMN source TEXT NOT NULL DEFAULT 'manual';
ALTER TABLE pgp_keys ADD COLUMN found_where TEXT NOT NULL DEFAULT '';
ALTER TABLE pgp_keys ADD COLUMN found_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE pgp_keys ADD COLUMN ttl INTEGER NOT NULL DEFAULT 0;

ALTER TABLE pending_changes ADD COLUMN kind TEXT NOT NULL DEFAULT 'exchange';
ALTER TABLE pending_changes ADD COLUMN found_source TEXT NOT NULL DEFAULT '';
ALTER TABLE pending_changes ADD COLUMN found_method TEXT NOT NULL DEFAULT '';
ALTER TABLE pending_changes ADD COLUMN found_address TEXT NOT NULL DEFAULT '';
ALTER TABLE pending_changes ADD COLUMN found_where TEXT NOT NULL DEFAULT '';
ALTER TABLE pending_changes ADD COLUMN found_dnssec TEXT NOT NULL DEFAULT '';
ALTER TABLE pending_changes ADD COLUMN found_data BLOB NOT NULL DEFAULT x'';
ALTER TABLE pending_changes ADD COLUMN found_id TEXT NOT NULL DEFAULT '';
ALTER TABLE pending_changes ADD COLUMN found_ttl INTEGER NOT NULL DEFAULT 0;
ALTER TABLE pending_changes ADD COLUMN found_usage INTEGER NOT NULL DEFAULT 0;
)sql";

constexpr std::array kMigrations{
    Migration{1, kSchema1},     Migration{2, kSchema2},         Migration{3, kSchemaKeyMinimum},
    Migration{4, kSchemaAdmin}, Migration{5, kSchemaLifecycle}, Migration{6, kSchemaSigning},
    Migration{7, kSchemaNodes}, Migration{8, kSchemaDiscovery},
};

}  // namespace

std::span<const Migration> migrations() {
    return kMigrations;
}

}  // namespace sealgate::sqlite
