// PostgreSQL-specific behaviour of PgStore: opening and refusing, migrations from an older
// schema, NOTIFY on every generation bump, two nodes on one database, a password never shown,
// and a lost connection that comes back by itself. The behaviour shared with SQLite is in the
// conformance suites (store_*conformance_test.cpp), which run on both backends.
#include <gtest/gtest.h>
#include <poll.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "store/pg_connection.hpp"
#include "store/pg_schema.hpp"
#include "store/pg_store.hpp"
#include "store/sqlite_store.hpp"
#include "support/pg_server.hpp"
#include "support/result.hpp"

namespace sealgate {
namespace {

using test::PgServer;

std::string fresh_database() {
    auto& server = PgServer::instance();
    return server.conninfo(server.create_database());
}

std::unique_ptr<PgStore> create(const std::string& conninfo) {
    auto s = PgStore::open(conninfo, "", OpenMode::create, {});
    EXPECT_TRUE(s) << (s ? "" : s.error().reason);
    return s ? std::move(*s) : nullptr;
}

pg::Connection connect(const std::string& conninfo) {
    auto c = pg::Connection::connect(conninfo);
    EXPECT_TRUE(c) << (c ? "" : c.error().reason);
    return std::move(*c);
}

DomainRecord domain(const std::string& name) {
    DomainRecord d;
    d.name = name;
    d.encrypt_mode = EncryptMode::mandatory;
    return d;
}

// Wait (at most 10 s) until the listener's socket has input, then read its notifications.
std::vector<pg::Notification> wait_for_notifications(pg::Connection& listener) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    std::vector<pg::Notification> got;
    while (got.empty() && std::chrono::steady_clock::now() < deadline) {
        pollfd fd{listener.socket(), POLLIN, 0};
        if (::poll(&fd, 1, 1000) > 0) {
            EXPECT_TRUE(listener.consume_input());
            got = listener.notifications();
        }
    }
    return got;
}

TEST(PgStore, CreateThenExistingOpensTheSameStore) {
    const auto db = fresh_database();
    {
        auto s = create(db);
        ASSERT_TRUE(s);
        EXPECT_EQ(s->engine(), "postgresql");
        ASSERT_OK(s->put_domain(domain("Partner.Example")));
    }
    auto s = PgStore::open(db, "", OpenMode::existing, {});
    ASSERT_TRUE(s) << s.error().reason;
    auto found = (*s)->find_domain("partner.example");
    ASSERT_TRUE(found);
    ASSERT_TRUE(found->has_value());
    EXPECT_EQ((*found)->name, "partner.example");
    auto version = (*s)->stored_schema_version();
    ASSERT_TRUE(version);
    EXPECT_EQ(*version, SqliteStore::schema_version());  // the same numbers on both backends
}

TEST(PgStore, ExistingRefusesADatabaseWithoutTheSchema) {
    auto s = PgStore::open(fresh_database(), "", OpenMode::existing, {});
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().kind, ErrorKind::usage);
    EXPECT_NE(s.error().reason.find("sealgate init"), std::string::npos) << s.error().reason;
}

TEST(PgStore, CreateRefusesAnExistingStoreAndForeignTables) {
    const auto db = fresh_database();
    ASSERT_TRUE(create(db));
    auto again = PgStore::open(db, "", OpenMode::create, {});
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().kind, ErrorKind::usage);
    EXPECT_NE(again.error().reason.find("exists already"), std::string::npos);

    const auto foreign = fresh_database();
    auto c = connect(foreign);
    ASSERT_TRUE(c.exec("CREATE TABLE invoices (id integer)"));
    auto s = PgStore::open(foreign, "", OpenMode::create, {});
    ASSERT_FALSE(s);
    EXPECT_NE(s.error().reason.find("not a sealgate store"), std::string::npos) << s.error().reason;
    // Nothing was created beside the foreign table.
    auto rows = c.query("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'");
    ASSERT_TRUE(rows);
    EXPECT_EQ(rows->integer(0, 0), 1);
}

TEST(PgStore, RefusesANewerSchemaNamingBothVersions) {
    const auto db = fresh_database();
    ASSERT_TRUE(create(db));
    auto c = connect(db);
    ASSERT_TRUE(c.exec("UPDATE meta SET value = '99' WHERE key = 'schema_version'"));
    auto s = PgStore::open(db, "", OpenMode::existing, {});
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().kind, ErrorKind::usage);
    EXPECT_NE(s.error().reason.find("99"), std::string::npos) << s.error().reason;
    EXPECT_NE(s.error().reason.find("(" + std::to_string(SqliteStore::schema_version()) + ")"),
              std::string::npos)
        << s.error().reason;
}

// A store made by an older sealgate (schema 5): a node refuses it until `store migrate`, which
// keeps the data and gives the new columns their defaults.
TEST(PgStore, MigratesFromAnOlderSchemaOnlyWhenAsked) {
    const auto db = fresh_database();
    {
        auto c = connect(db);
        for (const auto& m : pg::migrations()) {
            if (m.version > 5)
                break;
            ASSERT_TRUE(c.exec(m.sql)) << m.version;
        }
        ASSERT_TRUE(
            c.exec("INSERT INTO meta (key, value) VALUES ('schema_version', '5');"
                   "INSERT INTO domains (name, local, encrypt_mode, smime_profile, "
                   "methods, require_tls) VALUES ('old.example', 0, 'mandatory', "
                   "'compat', 'smime', 0)"));
    }
    auto refused = PgStore::open(db, "", OpenMode::existing, {});
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().reason.find("store migrate"), std::string::npos)
        << refused.error().reason;

    SqlStore::Options as_is;
    as_is.migrate = false;
    auto s = PgStore::open(db, "", OpenMode::existing, as_is);
    ASSERT_TRUE(s) << s.error().reason;
    auto report = (*s)->migrate();
    ASSERT_TRUE(report) << report.error().reason;
    EXPECT_EQ(report->from, 5);
    EXPECT_EQ(report->to, SqliteStore::schema_version());
    auto d = (*s)->find_domain("old.example");
    ASSERT_TRUE(d);
    ASSERT_TRUE(d->has_value());
    EXPECT_EQ((*d)->encrypt_mode, EncryptMode::mandatory);
    EXPECT_EQ((*d)->sign, SignMode::none);  // migration 6's default for existing domains
    EXPECT_FALSE((*d)->header_protection);
    EXPECT_EQ((*d)->discovery, DiscoveryMode::off);  // migration 8's default

    auto again = (*s)->migrate();
    ASSERT_TRUE(again);
    EXPECT_EQ(again->from, again->to);
    EXPECT_TRUE(PgStore::open(db, "", OpenMode::existing, {}));
}

TEST(PgStore, EveryGenerationBumpIsNotifiedWithTheNewGeneration) {
    const auto db = fresh_database();
    auto s = create(db);
    ASSERT_TRUE(s);
    auto listener = connect(db);
    ASSERT_TRUE(listener.exec(std::string("LISTEN ") + PgStore::kChangeChannel));

    ASSERT_TRUE(s->put_domain(domain("a.example")));
    auto got = wait_for_notifications(listener);
    ASSERT_EQ(got.size(), 1u);
    auto generation = s->generation();
    ASSERT_TRUE(generation);
    EXPECT_EQ(got[0].channel, PgStore::kChangeChannel);
    EXPECT_EQ(got[0].payload, std::to_string(*generation));

    // Not policy: no bump, no notice. Then a policy write again: exactly its notice arrives.
    LogRecord log;
    log.message_id = "<m@x>";
    ASSERT_TRUE(s->append_log(log));
    ASSERT_TRUE(s->put_setting("x", "y"));
    ASSERT_TRUE(s->remove_domain("a.example"));
    got = wait_for_notifications(listener);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].payload, std::to_string(*generation + 1));
}

TEST(PgStore, TwoNodesSeeEachOthersChanges) {
    const auto db = fresh_database();
    auto node1 = create(db);
    ASSERT_TRUE(node1);
    auto node2 = PgStore::open(db, "", OpenMode::existing, {});
    ASSERT_TRUE(node2) << node2.error().reason;
    auto before = (*node2)->generation();
    ASSERT_TRUE(before);
    ASSERT_TRUE(node1->put_domain(domain("shared.example")));
    auto after = (*node2)->generation();
    ASSERT_TRUE(after);
    EXPECT_EQ(*after, *before + 1);
    auto d = (*node2)->find_domain("shared.example");
    ASSERT_TRUE(d);
    EXPECT_TRUE(d->has_value());
    // One mail log for both, ids never shared.
    LogRecord r;
    r.message_id = "<1@x>";
    r.node = "node1";
    ASSERT_TRUE(node1->append_log(r));
    r.node = "node2";
    ASSERT_TRUE((*node2)->append_log(r));
    LogQuery all;
    all.last = 10;
    auto log = node1->query_log(all);
    ASSERT_TRUE(log);
    ASSERT_EQ(log->size(), 2u);
    EXPECT_EQ((*log)[0].node, "node1");
    EXPECT_EQ((*log)[1].node, "node2");
    EXPECT_LT((*log)[0].id, (*log)[1].id);
}

TEST(PgStore, APasswordIsNeverShown) {
    auto& server = PgServer::instance();
    const std::string secret = "s3cret-Pa55";
    // A database that does not exist: the connection fails, and says where it tried.
    const std::string conninfo = server.conninfo("no_such_db") + " password=" + secret;
    auto s = PgStore::open(conninfo, "", OpenMode::existing, {});
    ASSERT_FALSE(s);
    EXPECT_TRUE(s.error().temporary());
    EXPECT_EQ(s.error().reason.find(secret), std::string::npos) << s.error().reason;
    EXPECT_NE(s.error().reason.find("no_such_db"), std::string::npos) << s.error().reason;

    const std::string url = "postgresql://sealgate:" + secret +
                            "@localhost:1/x?host=" + server.socket_dir() + "/nowhere";
    auto u = PgStore::open(url, secret, OpenMode::existing, {});
    ASSERT_FALSE(u);
    EXPECT_EQ(u.error().reason.find(secret), std::string::npos) << u.error().reason;

    auto shown = pg::redacted(url);
    ASSERT_TRUE(shown);
    EXPECT_EQ(shown->find(secret), std::string::npos) << *shown;
    EXPECT_NE(shown->find("dbname=x"), std::string::npos) << *shown;

    auto bad = pg::redacted("postgresql://sealgate:" + secret + "@[oops");
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().reason.find(secret), std::string::npos) << bad.error().reason;
}

// PostgreSQL goes away and comes back: every call in between is a temporary error (never a
// "not found"), and the same store object serves again by itself, with the data intact.
TEST(PgStore, ALostConnectionIsTemporaryAndComesBack) {
    auto& server = PgServer::instance();
    const auto db = fresh_database();
    auto s = create(db);
    ASSERT_TRUE(s);
    ASSERT_TRUE(s->put_domain(domain("kept.example")));

    server.stop();
    auto lost = s->find_domain("kept.example");
    ASSERT_FALSE(lost);
    EXPECT_TRUE(lost.error().temporary()) << lost.error().reason;
    auto write = s->put_domain(domain("lost.example"));
    ASSERT_FALSE(write);
    EXPECT_TRUE(write.error().temporary());
    auto generation = s->generation();
    ASSERT_FALSE(generation);
    EXPECT_TRUE(generation.error().temporary());

    server.start();
    // The store reconnects on a later call, at most 1 s apart: poll for it, 10 s at the most.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    Result<std::optional<DomainRecord>> back = fail(Error::temp("not tried"));
    while (!back && std::chrono::steady_clock::now() < deadline) {
        back = s->find_domain("kept.example");
        if (!back)
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ASSERT_TRUE(back) << back.error().reason;
    EXPECT_TRUE(back->has_value());
    // The write that failed during the outage left nothing behind; a new one works.
    auto lost_domain = s->find_domain("lost.example");
    ASSERT_TRUE(lost_domain);
    EXPECT_FALSE(lost_domain->has_value());
    EXPECT_TRUE(s->put_domain(domain("after.example")));
}

}  // namespace
}  // namespace sealgate
