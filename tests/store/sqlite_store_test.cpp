// SQLite-specific behaviour of SqliteStore: files, migrations, sharing, failed lookups.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <sys/stat.h>

#include <fstream>
#include <memory>
#include <string>

#include "store/sqlite_store.hpp"
#include "store/store_backends.hpp"
#include "support/result.hpp"
#include "support/temp_dir.hpp"

namespace sealgate {
namespace {

using test::newest;

struct DbClose {
    void operator()(sqlite3* db) const { sqlite3_close(db); }
};

// Run SQL on the file behind the store's back (another tool, an older or newer sealgate).
void raw_exec(const std::string& path, const std::string& sql) {
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
    const std::unique_ptr<sqlite3, DbClose> db(raw);
    ASSERT_EQ(sqlite3_exec(db.get(), sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK)
        << sqlite3_errmsg(db.get());
}

std::string raw_value(const std::string& path, const std::string& sql) {
    sqlite3* raw = nullptr;
    EXPECT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
    const std::unique_ptr<sqlite3, DbClose> db(raw);
    std::string out;
    const auto cb = [](void* o, int, char** values, char**) {
        *static_cast<std::string*>(o) = values[0] ? values[0] : "";
        return 0;
    };
    EXPECT_EQ(sqlite3_exec(db.get(), sql.c_str(), cb, &out, nullptr), SQLITE_OK);
    return out;
}

// What migrations 8 (discovery), 7 (nodes), 6 (signing), 5 (lifecycle) and 4 (administration)
// add: dropped to make a store of an older version.
const std::string kDropDiscoverySchema = [] {
    std::string sql =
        "ALTER TABLE domains DROP COLUMN discovery;"
        "ALTER TABLE domains DROP COLUMN discovery_address;";
    for (const char* table : {"certificates", "pgp_keys"})
        for (const char* column : {"source", "found_where", "found_at", "ttl"})
            sql += std::string("ALTER TABLE ") + table + " DROP COLUMN " + column + ";";
    for (const char* column :
         {"kind", "found_source", "found_method", "found_address", "found_where", "found_dnssec",
          "found_data", "found_id", "found_ttl", "found_usage"})
        sql += std::string("ALTER TABLE pending_changes DROP COLUMN ") + column + ";";
    return sql;
}();
const std::string kDropNodesSchema =
    kDropDiscoverySchema +
    "ALTER TABLE mail_log DROP COLUMN node; ALTER TABLE audit_log DROP COLUMN node;";
const std::string kDropSigningSchema =
    kDropNodesSchema +
    "ALTER TABLE domains DROP COLUMN sign; ALTER TABLE domains DROP COLUMN require_signature;"
    "ALTER TABLE domains DROP COLUMN on_bad_signature;"
    "ALTER TABLE domains DROP COLUMN keep_signature;"
    "ALTER TABLE domains DROP COLUMN header_protection;"
    "ALTER TABLE mail_log DROP COLUMN signature;";
const std::string kDropLifecycleSchema =
    kDropSigningSchema +
    "DROP TABLE crl_fetches; DROP TABLE pending_changes;"
    "ALTER TABLE domains DROP COLUMN on_expired; ALTER TABLE domains DROP COLUMN revocation;"
    "ALTER TABLE domains DROP COLUMN accept_signed_updates;"
    "ALTER TABLE certificates DROP COLUMN retired; ALTER TABLE pgp_keys DROP COLUMN retired;"
    "ALTER TABLE crls DROP COLUMN source;";
const std::string kDropAdminSchema =
    kDropLifecycleSchema +
    "DROP TABLE audit_log; DROP TABLE admin_accounts; DROP TABLE api_tokens;"
    "DROP TABLE settings;";

std::unique_ptr<SqliteStore> open_or_fail(const std::string& path, OpenMode mode) {
    auto s = SqliteStore::open(path, mode);
    EXPECT_TRUE(s.has_value()) << (s ? "" : s.error().reason);
    return s ? std::move(*s) : nullptr;
}

TEST(SqliteStore, MigratesAFreshFile) {
    test::TempDir dir;
    const auto path = dir.file("fresh.db");
    {
        const auto store = open_or_fail(path, OpenMode::create);
        ASSERT_NE(store, nullptr);
        EXPECT_EQ(value_of(store->generation()), 0u);
    }
    EXPECT_EQ(raw_value(path, "SELECT value FROM meta WHERE key = 'schema_version'"),
              std::to_string(SqliteStore::schema_version()));
    EXPECT_EQ(raw_value(path, "PRAGMA journal_mode"), "wal");
    for (const char* table :
         {"domains", "domain_smime_certs", "certificates", "sealed_keys", "ctl", "roots", "crls",
          "pgp_keys", "pgp_key_domains", "mail_log", "mail_log_recipients", "domain_key_minimum",
          "audit_log", "admin_accounts", "api_tokens", "settings"}) {
        EXPECT_EQ(raw_value(path, std::string("SELECT count(*) FROM sqlite_schema WHERE "
                                              "type = 'table' AND name = '") +
                                      table + "'"),
                  "1")
            << table;
    }
    // Opening again applies nothing twice and keeps the version.
    ASSERT_NE(open_or_fail(path, OpenMode::existing), nullptr);
    EXPECT_EQ(raw_value(path, "SELECT value FROM meta WHERE key = 'schema_version'"),
              std::to_string(SqliteStore::schema_version()));
}

// Schema 2 (next-hop TLS) on a store made by schema 1: require_tls becomes the encrypt level,
// old mail log records read as "not relayed / unknown TLS".
TEST(SqliteStore, MigratesRequireTlsToTheTlsLevel) {
    test::TempDir dir;
    const auto path = dir.file("v1.db");
    ASSERT_NE(open_or_fail(path, OpenMode::create), nullptr);
    // Back to what a version 1 store holds.
    raw_exec(
        path,
        std::string(kDropAdminSchema) +
            "DROP TABLE domain_key_minimum;"
            "ALTER TABLE domains DROP COLUMN tls;"
            "ALTER TABLE mail_log DROP COLUMN tls_level;"
            "ALTER TABLE mail_log DROP COLUMN tls_protocol;"
            "ALTER TABLE mail_log DROP COLUMN tls_cipher;"
            "ALTER TABLE mail_log DROP COLUMN tls_peer;"
            "ALTER TABLE mail_log DROP COLUMN tls_verified;"
            "UPDATE meta SET value = '1' WHERE key = 'schema_version';"
            "INSERT INTO domains (name, local, encrypt_mode, smime_profile, methods, require_tls) "
            "VALUES ('strict.example', 0, 'none', 'compat', 'smime', 1),"
            " ('lax.example', 0, 'none', 'compat', 'smime', 0);"
            "INSERT INTO mail_log (time, queue_id, message_id, sender, direction, action, method,"
            " keys, algorithm, detail) VALUES (1, 'Q', 'm@x', 's@x', 'outbound', 'passed', '',"
            " '', '', 'old');");
    const auto store = open_or_fail(path, OpenMode::existing);
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(raw_value(path, "SELECT value FROM meta WHERE key = 'schema_version'"),
              std::to_string(SqliteStore::schema_version()));
    EXPECT_EQ(value_of(store->find_domain("strict.example"))->tls, TlsLevel::encrypt);
    EXPECT_EQ(value_of(store->find_domain("lax.example"))->tls, TlsLevel::none);
    const auto log = value_of(store->query_log(newest(10, "")));
    ASSERT_EQ(log.size(), 1u);
    EXPECT_EQ(log[0].detail, "old");
    EXPECT_EQ(log[0].tls_level, "");
    EXPECT_FALSE(log[0].tls_verified);
    // The old column keeps its meaning for the new levels.
    DomainRecord d = *value_of(store->find_domain("lax.example"));
    d.tls = TlsLevel::verify;
    ASSERT_OK(store->put_domain(d));
    EXPECT_EQ(raw_value(path, "SELECT require_tls FROM domains WHERE name = 'lax.example'"), "1");
}

// Schema 3 (key strength) on a store made by schema 2: the domains keep their settings and have
// no override.
TEST(SqliteStore, KeyMinimumMigrationKeepsTheDomains) {
    test::TempDir dir;
    const auto path = dir.file("old.db");
    {
        const auto store = open_or_fail(path, OpenMode::create);
        ASSERT_NE(store, nullptr);
        DomainRecord d;
        d.name = "partner.example";
        d.encrypt_mode = EncryptMode::mandatory;
        ASSERT_TRUE(store->put_domain(d));
    }
    raw_exec(path, std::string(kDropAdminSchema) +
                       "DROP TABLE domain_key_minimum;"
                       "UPDATE meta SET value = '2' WHERE key = 'schema_version';");
    const auto store = open_or_fail(path, OpenMode::existing);
    ASSERT_NE(store, nullptr);
    const auto found = value_of(store->find_domain("partner.example"));
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->encrypt_mode, EncryptMode::mandatory);
    EXPECT_EQ(found->min_rsa_bits, 0u);
    EXPECT_EQ(raw_value(path, "SELECT value FROM meta WHERE key = 'schema_version'"),
              std::to_string(SqliteStore::schema_version()));
    auto d = *found;
    d.min_rsa_bits = 1024;
    ASSERT_TRUE(store->put_domain(d));
    EXPECT_EQ(raw_value(path, "SELECT min_rsa_bits FROM domain_key_minimum"), "1024");
}

// Schema 5 (lifecycle) on a store made by schema 4: existing domains get the defaults (defer,
// soft, no automatic updates), existing certificates and keys are not retired.
TEST(SqliteStore, LifecycleMigrationGivesTheDefaults) {
    test::TempDir dir;
    const auto path = dir.file("v4.db");
    {
        const auto store = open_or_fail(path, OpenMode::create);
        ASSERT_NE(store, nullptr);
    }
    raw_exec(path, kDropLifecycleSchema +
                       "UPDATE meta SET value = '4' WHERE key = 'schema_version';"
                       "INSERT INTO domains (name, local, encrypt_mode, smime_profile, methods, "
                       "require_tls) VALUES ('partner.example', 0, 'mandatory', 'compat', "
                       "'smime', 0);"
                       "INSERT INTO certificates (sha256, der, has_private_key, added) VALUES "
                       "('" +
                       std::string(64, 'a') + "', x'00', 1, 1);");
    const auto store = open_or_fail(path, OpenMode::existing);
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(raw_value(path, "SELECT value FROM meta WHERE key = 'schema_version'"),
              std::to_string(SqliteStore::schema_version()));
    const auto d = value_of(store->find_domain("partner.example"));
    ASSERT_TRUE(d);
    EXPECT_EQ(d->encrypt_mode, EncryptMode::mandatory);
    EXPECT_EQ(d->on_expired, ExpiredAction::defer);
    EXPECT_EQ(d->revocation, Revocation::soft);
    EXPECT_FALSE(d->accept_signed_updates);
    EXPECT_FALSE(value_of(store->find_certificate(std::string(64, 'a')))->retired);
    EXPECT_TRUE(value_of(store->list_pending()).empty());
    EXPECT_TRUE(value_of(store->list_crl_fetches()).empty());
}

// Schema 6 (signatures, docs/signing.md) on a store made by schema 5: every existing domain keeps
// today's behaviour (sign none, header protection off, no signature required, refuse, signature
// removed) until the administrator opts in; a domain added afterwards gets the new defaults;
// the mail log written before has no signature.
TEST(SqliteStore, SigningMigrationKeepsExistingDomainsUnsigned) {
    test::TempDir dir;
    const auto path = dir.file("v5.db");
    {
        const auto store = open_or_fail(path, OpenMode::create);
        ASSERT_NE(store, nullptr);
    }
    raw_exec(path, kDropSigningSchema +
                       "UPDATE meta SET value = '5' WHERE key = 'schema_version';"
                       "INSERT INTO domains (name, local, encrypt_mode, smime_profile, methods, "
                       "require_tls, tls, on_expired, revocation, accept_signed_updates) VALUES "
                       "('partner.example', 0, 'mandatory', 'modern', 'pgp', 1, 'verify', "
                       "'reject', 'hard', 1), ('ours.example', 1, 'none', 'compat', "
                       "'smime,pgp', 0, 'none', 'defer', 'soft', 0);"
                       "INSERT INTO mail_log (time, queue_id, message_id, sender, direction, "
                       "action, method, keys, algorithm, detail) VALUES (1, 'Q', 'm@x', 's@x', "
                       "'outbound', 'encrypted', 'smime', '', '', 'old');");
    const auto store = open_or_fail(path, OpenMode::existing);
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(raw_value(path, "SELECT value FROM meta WHERE key = 'schema_version'"),
              std::to_string(SqliteStore::schema_version()));
    for (const char* name : {"partner.example", "ours.example"}) {
        const auto d = value_of(store->find_domain(name));
        ASSERT_TRUE(d) << name;
        EXPECT_EQ(d->sign, SignMode::none) << name;
        EXPECT_FALSE(d->header_protection) << name;
        EXPECT_FALSE(d->require_signature) << name;
        EXPECT_EQ(d->on_bad_signature, SignatureAction::refuse) << name;
        EXPECT_FALSE(d->keep_signature) << name;
    }
    // The older settings are untouched.
    const auto partner = *value_of(store->find_domain("partner.example"));
    EXPECT_EQ(partner.encrypt_mode, EncryptMode::mandatory);
    EXPECT_EQ(partner.smime_profile, SmimeProfile::modern);
    EXPECT_EQ(partner.methods, std::vector<Method>{Method::pgp});
    EXPECT_EQ(partner.tls, TlsLevel::verify);
    EXPECT_EQ(partner.on_expired, ExpiredAction::reject);
    EXPECT_EQ(partner.revocation, Revocation::hard);
    EXPECT_TRUE(partner.accept_signed_updates);
    const auto log = value_of(store->query_log(newest(10, "")));
    ASSERT_EQ(log.size(), 1u);
    EXPECT_EQ(log[0].detail, "old");
    EXPECT_EQ(log[0].signature, "");
    EXPECT_EQ(log[0].node, "") << "records from before schema 7 name no node";

    // A domain added after the migration gets the DomainRecord defaults.
    DomainRecord fresh;
    fresh.name = "new.example";
    ASSERT_OK(store->put_domain(fresh));
    const auto added = value_of(store->find_domain("new.example"));
    ASSERT_TRUE(added);
    EXPECT_EQ(added->sign, SignMode::sign_and_encrypt);
    EXPECT_TRUE(added->header_protection);
    EXPECT_EQ(raw_value(path,
                        "SELECT sign || ',' || header_protection FROM domains WHERE "
                        "name = 'new.example'"),
              "sign-and-encrypt,1");
    // Opting an existing partner in changes that one domain only.
    auto opted = partner;
    opted.sign = SignMode::sign_and_encrypt;
    opted.header_protection = true;
    ASSERT_OK(store->put_domain(opted));
    EXPECT_EQ(value_of(store->find_domain("partner.example"))->sign, SignMode::sign_and_encrypt);
    EXPECT_EQ(value_of(store->find_domain("ours.example"))->sign, SignMode::none);
}

// Schema 8 (discovery, docs/discovery.md) on a store made by schema 7: domains keep discovery
// off, certificates and keys are manual, a staged update bundle is of kind exchange and keeps
// its bundle.
TEST(SqliteStore, DiscoveryMigrationGivesTheDefaults) {
    test::TempDir dir;
    const auto path = dir.file("v7.db");
    {
        const auto store = open_or_fail(path, OpenMode::create);
        ASSERT_NE(store, nullptr);
    }
    raw_exec(path, kDropDiscoverySchema +
                       "UPDATE meta SET value = '7' WHERE key = 'schema_version';"
                       "INSERT INTO domains (name, local, encrypt_mode, smime_profile, methods, "
                       "require_tls) VALUES ('partner.example', 0, 'mandatory', 'compat', "
                       "'smime', 0);"
                       "INSERT INTO certificates (sha256, der, has_private_key, added) VALUES "
                       "('" +
                       std::string(64, 'a') +
                       "', x'3000', 0, 5);"
                       "INSERT INTO pgp_keys (fingerprint, public_key, sealed_secret, trusted, "
                       "added) VALUES ('" +
                       std::string(40, 'b') +
                       "', x'99', x'', 1, 6);"
                       "INSERT INTO pending_changes (domain, sequence, created, signer, summary, "
                       "bundle, state, decided, decided_by) VALUES ('partner.example', 3, 7, "
                       "'signer', 'adds x', 'the bundle', 'pending', 0, '');");
    const auto store = open_or_fail(path, OpenMode::existing);
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(raw_value(path, "SELECT value FROM meta WHERE key = 'schema_version'"), "8");
    const auto d = value_of(store->find_domain("partner.example"));
    ASSERT_TRUE(d);
    EXPECT_EQ(d->discovery, DiscoveryMode::off);
    EXPECT_EQ(d->discovery_address, "");
    EXPECT_EQ(d->encrypt_mode, EncryptMode::mandatory);
    const auto cert = value_of(store->find_certificate(std::string(64, 'a')));
    ASSERT_TRUE(cert);
    EXPECT_EQ(cert->origin.source, KeySource::manual);
    EXPECT_EQ(cert->origin.found, 0);
    const auto key = value_of(store->find_pgp_key(std::string(40, 'b')));
    ASSERT_TRUE(key);
    EXPECT_EQ(key->origin.source, KeySource::manual);
    const auto pending = value_of(store->list_pending());
    ASSERT_EQ(pending.size(), 1u);
    EXPECT_EQ(pending[0].kind, PendingKind::exchange);
    EXPECT_EQ(pending[0].bundle, "the bundle");
    EXPECT_EQ(pending[0].sequence, 3u);
}

// A discovery setting or key source this binary does not know is an error naming the column.
TEST(SqliteStore, UnknownDiscoveryModeOrSourceIsAnError) {
    test::TempDir dir;
    const auto path = dir.file("s.db");
    const auto store = open_or_fail(path, OpenMode::create);
    ASSERT_NE(store, nullptr);
    DomainRecord d;
    d.name = "partner.example";
    ASSERT_OK(store->put_domain(d));
    ASSERT_OK(store->put_certificate(CertRecord{std::string(64, 'a'), "der", false, 1}));
    raw_exec(path,
             "UPDATE domains SET discovery = 'sometimes';"
             "UPDATE certificates SET source = 'ldap';");
    const auto found = store->find_domain("partner.example");
    ASSERT_FALSE(found);
    EXPECT_NE(found.error().reason.find("discovery"), std::string::npos) << found.error().reason;
    const auto cert = store->find_certificate(std::string(64, 'a'));
    ASSERT_FALSE(cert);
    EXPECT_NE(cert.error().reason.find("source"), std::string::npos) << cert.error().reason;
}

// A sign or on_bad_signature value this binary does not know (a newer sealgate, a hand edit) is
// an error naming the column, never a default: a default would sign less than asked.
TEST(SqliteStore, UnknownSignModeIsAnError) {
    test::TempDir dir;
    const auto path = dir.file("sign.db");
    const auto store = open_or_fail(path, OpenMode::create);
    ASSERT_NE(store, nullptr);
    DomainRecord d;
    d.name = "partner.example";
    ASSERT_OK(store->put_domain(d));
    raw_exec(path, "UPDATE domains SET sign = 'always'");
    const auto found = store->find_domain("partner.example");
    ASSERT_FALSE(found.has_value());
    EXPECT_NE(found.error().reason.find("always"), std::string::npos) << found.error().reason;
    EXPECT_NE(found.error().reason.find("sign"), std::string::npos) << found.error().reason;
    raw_exec(path, "UPDATE domains SET sign = 'sign', on_bad_signature = 'ignore'");
    const auto listed = store->list_domains();
    ASSERT_FALSE(listed.has_value());
    EXPECT_NE(listed.error().reason.find("on_bad_signature"), std::string::npos)
        << listed.error().reason;
}

// Schema 4 (administration) on a store made by schema 3: the new tables start empty, the mail
// log written before is found by the sender and recipient filters.
TEST(SqliteStore, AdminMigrationAddsTablesAndKeepsTheLog) {
    test::TempDir dir;
    const auto path = dir.file("v3.db");
    {
        const auto store = open_or_fail(path, OpenMode::create);
        ASSERT_NE(store, nullptr);
        LogRecord r;
        r.message_id = "<old@x>";
        r.sender = "Alice@Example.com";
        r.recipients = {"bob@partner.example", "Carol@Partner.Example"};
        ASSERT_OK(store->append_log(r));
    }
    raw_exec(path, std::string(kDropAdminSchema) +
                       "UPDATE meta SET value = '3' WHERE key = 'schema_version';");
    const auto store = open_or_fail(path, OpenMode::existing);
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(raw_value(path, "SELECT value FROM meta WHERE key = 'schema_version'"),
              std::to_string(SqliteStore::schema_version()));
    EXPECT_EQ(raw_value(path,
                        "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND "
                        "name = 'audit_log_object'"),
              "1");
    EXPECT_TRUE(value_of(store->query_audit(AuditQuery{})).empty());
    EXPECT_TRUE(value_of(store->list_accounts()).empty());
    EXPECT_TRUE(value_of(store->list_tokens()).empty());
    EXPECT_FALSE(value_of(store->find_setting("x")).has_value());
    LogQuery q;
    q.sender = "alice@example.com";
    q.recipient = "carol@partner.example";
    const auto found = value_of(store->query_log(q));
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].message_id, "<old@x>");
    ASSERT_OK(
        store->append_audit(AuditRecord{0, 1, "cli:root", "domain.add", "a.example", "", ""}));
    EXPECT_EQ(value_of(store->query_audit(AuditQuery{})).size(), 1u);
}

// A role this binary does not know (a newer sealgate, a hand edit) is an error, never a default.
TEST(SqliteStore, UnknownRoleIsAnError) {
    test::TempDir dir;
    const auto path = dir.file("roles.db");
    const auto store = open_or_fail(path, OpenMode::create);
    ASSERT_NE(store, nullptr);
    ASSERT_OK(store->put_account(AdminAccount{"alice", AdminRole::viewer, "h", 1}));
    ASSERT_OK(store->put_token(ApiToken{"t", AdminRole::viewer, std::string(64, 'a'), 1, 0}));
    raw_exec(path, "UPDATE admin_accounts SET role = 'root'; UPDATE api_tokens SET role = 'root'");
    const auto account = store->find_account("alice");
    ASSERT_FALSE(account.has_value());
    EXPECT_NE(account.error().reason.find("role 'root' in table admin_accounts"), std::string::npos)
        << account.error().reason;
    const auto token = store->find_token_by_hash(std::string(64, 'a'));
    ASSERT_FALSE(token.has_value());
    EXPECT_NE(token.error().reason.find("role 'root' in table api_tokens"), std::string::npos);
}

TEST(SqliteStore, ReopenKeepsData) {
    test::TempDir dir;
    const auto path = dir.file("keep.db");
    std::uint64_t generation = 0;
    {
        const auto store = open_or_fail(path, OpenMode::create);
        ASSERT_NE(store, nullptr);
        DomainRecord d;
        d.name = "partner.example";
        d.encrypt_mode = EncryptMode::mandatory;
        ASSERT_OK(store->put_domain(d));
        ASSERT_OK(store->put_ctl(CtlEntry{std::string(64, 'e'), CtlAction::block, 9}));
        generation = value_of(store->generation());
    }
    const auto store = open_or_fail(path, OpenMode::existing);
    ASSERT_NE(store, nullptr);
    const auto d = value_of(store->find_domain("partner.example"));
    ASSERT_TRUE(d.has_value());
    EXPECT_EQ(d->encrypt_mode, EncryptMode::mandatory);
    EXPECT_EQ(value_of(store->find_ctl(std::string(64, 'e')))->action, CtlAction::block);
    EXPECT_EQ(value_of(store->generation()), generation);
}

TEST(SqliteStore, ExistingModeRefusesMissingFile) {
    test::TempDir dir;
    const auto path = dir.file("missing.db");
    const auto store = SqliteStore::open(path, OpenMode::existing);
    ASSERT_FALSE(store.has_value());
    EXPECT_EQ(store.error().reason, "no store at " + path + " (run `sealgate init`)");
    EXPECT_FALSE(store.error().temporary());      // no retry makes it appear
    EXPECT_FALSE(std::filesystem::exists(path));  // and it did not create one
}

std::uintmax_t size_of(const std::string& path) {
    return std::filesystem::file_size(path);
}

// A store file left empty by a crashed copy or a full disk is not a new store: it is refused,
// and it stays as it was (nothing written, no schema created in it).
TEST(SqliteStore, ExistingModeRefusesEmptyFile) {
    test::TempDir dir;
    const auto path = dir.file("empty.db");
    std::ofstream(path).close();
    const auto store = SqliteStore::open(path, OpenMode::existing);
    ASSERT_FALSE(store.has_value());
    EXPECT_FALSE(store.error().temporary());
    EXPECT_NE(store.error().reason.find("store " + path +
                                        " is not a sealgate store (an empty "
                                        "file, 0 bytes)"),
              std::string::npos)
        << store.error().reason;
    EXPECT_EQ(size_of(path), 0u);
    EXPECT_FALSE(std::filesystem::exists(path + "-wal"));
}

TEST(SqliteStore, ExistingModeRefusesAFileThatIsNotSqlite) {
    test::TempDir dir;
    const auto path = dir.file("text.db");
    std::ofstream(path) << "this is a text file, not a database, and long enough to have a header"
                        << std::string(200, '.') << "\n";
    const auto before = size_of(path);
    const auto store = SqliteStore::open(path, OpenMode::existing);
    ASSERT_FALSE(store.has_value());
    EXPECT_FALSE(store.error().temporary());
    EXPECT_NE(store.error().reason.find("store " + path +
                                        " is not a sealgate store (not an SQLite database)"),
              std::string::npos)
        << store.error().reason;
    EXPECT_EQ(size_of(path), before);
}

TEST(SqliteStore, CreateRefusesAnExistingFile) {
    test::TempDir dir;
    const auto path = dir.file("there.db");
    std::ofstream(path).close();
    const auto store = SqliteStore::open(path, OpenMode::create);
    ASSERT_FALSE(store.has_value());
    EXPECT_EQ(store.error().reason, "a store exists already at " + path);
    EXPECT_EQ(size_of(path), 0u);  // and left alone
}

// The store holds the mail log and sealed keys: 0600 from creation, whatever the umask, and
// SQLite gives its -wal and -shm files the same mode.
TEST(SqliteStore, CreatedFilesAreOwnerOnly) {
    test::TempDir dir;
    const auto path = dir.file("private.db");
    const mode_t old = ::umask(0);
    auto store = SqliteStore::open(path, OpenMode::create);
    ::umask(old);
    ASSERT_TRUE(store.has_value()) << store.error().reason;
    DomainRecord d;
    d.name = "partner.example";
    ASSERT_OK((*store)->put_domain(d));
    for (const std::string& f : {path, path + "-wal", path + "-shm"}) {
        struct stat st {};
        ASSERT_EQ(::stat(f.c_str(), &st), 0) << f;
        EXPECT_EQ(st.st_mode & 0777, 0600u) << f;
    }
}

TEST(SqliteStore, RefusesNewerSchema) {
    test::TempDir dir;
    const auto path = dir.file("future.db");
    ASSERT_NE(open_or_fail(path, OpenMode::create), nullptr);
    raw_exec(path, "UPDATE meta SET value = '999' WHERE key = 'schema_version'");
    const auto store = SqliteStore::open(path, OpenMode::existing);
    ASSERT_FALSE(store.has_value());
    EXPECT_NE(store.error().reason.find("store " + path +
                                        " has schema version 999, newer than this sealgate"),
              std::string::npos)
        << store.error().reason;
    EXPECT_FALSE(store.error().temporary());
}

TEST(SqliteStore, RefusesForeignDatabase) {
    test::TempDir dir;
    const auto path = dir.file("other.db");
    raw_exec(path, "CREATE TABLE accounts (id INTEGER)");
    const auto store = SqliteStore::open(path, OpenMode::existing);
    ASSERT_FALSE(store.has_value());
    EXPECT_NE(store.error().reason.find("store " + path +
                                        " is not a sealgate store (no sealgate "
                                        "schema)"),
              std::string::npos)
        << store.error().reason;
    EXPECT_FALSE(store.error().temporary());
}

TEST(SqliteStore, TwoConnectionsSeeEachOthersWrites) {
    test::TempDir dir;
    const auto path = dir.file("shared.db");
    const auto cli = open_or_fail(path, OpenMode::create);
    const auto gateway = open_or_fail(path, OpenMode::existing);
    ASSERT_NE(cli, nullptr);
    ASSERT_NE(gateway, nullptr);

    const auto before = value_of(gateway->generation());
    EXPECT_FALSE(value_of(gateway->find_domain("partner.example")).has_value());
    DomainRecord d;
    d.name = "partner.example";
    d.encrypt_mode = EncryptMode::opportunistic;
    ASSERT_OK(cli->put_domain(d));
    EXPECT_GT(value_of(gateway->generation()), before);
    const auto seen = value_of(gateway->find_domain("partner.example"));
    ASSERT_TRUE(seen.has_value());
    EXPECT_EQ(seen->encrypt_mode, EncryptMode::opportunistic);

    // And the other way round, with the gateway's mail log not disturbing the CLI's view.
    const auto gen = value_of(cli->generation());
    LogRecord r;
    r.message_id = "<a@b>";
    ASSERT_OK(gateway->append_log(r));
    EXPECT_EQ(value_of(cli->generation()), gen);
    EXPECT_EQ(value_of(cli->query_log(newest(10, "<a@b>"))).size(), 1u);
}

TEST(SqliteStore, FailedLookupIsAnErrorNotNotFound) {
    test::TempDir dir;
    const auto path = dir.file("damaged.db");
    const auto store = open_or_fail(path, OpenMode::create);
    ASSERT_NE(store, nullptr);
    // A value this binary cannot read (hand edit, damaged file): must not read as "no policy".
    raw_exec(path,
             "INSERT INTO domains (name, local, encrypt_mode, smime_profile, methods, "
             "require_tls) VALUES ('bad.example', 0, 'sometimes', 'compat', 'smime', 0)");
    const auto bad = store->find_domain("bad.example");
    ASSERT_FALSE(bad.has_value());
    EXPECT_TRUE(bad.error().temporary());
    EXPECT_NE(bad.error().reason.find("encrypt_mode 'sometimes'"), std::string::npos);
    EXPECT_FALSE(store->list_domains().has_value());

    // A table that is gone: an SQLite error, reported as a temporary store failure.
    raw_exec(path, "DROP TABLE ctl");
    const auto gone = store->find_ctl(std::string(64, 'a'));
    ASSERT_FALSE(gone.has_value());
    EXPECT_EQ(gone.error().code, 451);
    EXPECT_EQ(gone.error().reason.rfind("store: ", 0), 0u) << gone.error().reason;
}

TEST(SqliteStore, LogRecordsKeepTheirTextAndRefuseWhatDoesNotParse) {
    test::TempDir dir;
    const auto path = dir.file("log.db");
    const auto store = open_or_fail(path, OpenMode::create);
    ASSERT_NE(store, nullptr);
    LogRecord r;
    r.message_id = "<a@b>";
    r.direction = Direction::inbound;
    r.action = CopyAction::deferred;
    ASSERT_OK(store->append_log(r));
    // The columns hold the text forms, as before the enums (no schema change).
    EXPECT_EQ(raw_value(path, "SELECT direction || ' ' || action FROM mail_log"),
              "inbound deferred");
    const auto back = value_of(store->query_log(newest(10, "<a@b>")));
    ASSERT_EQ(back.size(), 1u);
    EXPECT_EQ(back[0].direction, Direction::inbound);
    EXPECT_EQ(back[0].action, CopyAction::deferred);

    for (const std::string column : {"direction", "action"}) {
        raw_exec(path, "UPDATE mail_log SET direction = 'inbound', action = 'deferred'");
        raw_exec(path, "UPDATE mail_log SET " + column + " = 'sideways'");
        const auto bad = store->query_log(newest(10, ""));
        ASSERT_FALSE(bad.has_value()) << column;
        EXPECT_TRUE(bad.error().temporary());
        EXPECT_NE(bad.error().reason.find(column + " 'sideways' in table mail_log"),
                  std::string::npos)
            << bad.error().reason;
    }
}

TEST(SqliteStore, ThumbprintsAreStoredLowerCase) {
    test::TempDir dir;
    const auto path = dir.file("case.db");
    const auto store = open_or_fail(path, OpenMode::create);
    ASSERT_NE(store, nullptr);
    ASSERT_OK(store->put_certificate(CertRecord{std::string(64, 'F'), "der", false, 1}));
    DomainRecord d;
    d.name = "UPPER.Example";
    d.smime_certs = {std::string(64, 'F')};
    ASSERT_OK(store->put_domain(d));
    EXPECT_EQ(raw_value(path, "SELECT sha256 FROM certificates"), std::string(64, 'f'));
    EXPECT_EQ(raw_value(path, "SELECT name FROM domains"), "upper.example");
    EXPECT_EQ(raw_value(path, "SELECT sha256 FROM domain_smime_certs"), std::string(64, 'f'));
}

}  // namespace
}  // namespace sealgate
