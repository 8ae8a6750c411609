// store/pg_store.hpp — the shared Store: one PostgreSQL database for several gateway nodes.
//
// The SQL and every rule of the store are SqlStore's (sql_store.hpp); this is the opener and
// the PostgreSQL driver (pg_store.cpp).
//
// Contract (in addition to sql_store.hpp):
//   - open() takes a libpq connection string (a postgresql:// url or "host=... dbname=...") and
//     a password (may be empty: then libpq's own PGPASSWORD / PGPASSFILE / .pgpass apply). No
//     message ever shows the password: the store names itself by the connection string without
//     it (where()).
//   - OpenMode::create creates the schema in the database and refuses one that holds a sealgate
//     schema already, or tables of something else. Two nodes running it at once: one creates,
//     the other is refused.
//   - OpenMode::existing refuses a database without the sealgate schema ("run `sealgate init`")
//     and a schema newer than this binary (naming both versions), as errors that are not
//     temporary. It does not migrate: an older schema is refused ("run `sealgate store
//     migrate`") unless Options::migrate is false, which `store migrate` uses to open it and
//     call migrate(). Upgrading the schema of a shared store is the administrator's step, not
//     a side effect of the first upgraded node that starts.
//   - Every generation bump also runs pg_notify('sealgate_changes', '<new generation>') in the
//     same transaction: PostgreSQL delivers it at commit, to every connection that LISTENs
//     (a node's change listener, pg_connection.hpp). Notices sent while a listener was
//     disconnected are lost: a listener that reconnects must reload in full.
//   - Connection loss: every call on a broken connection is an Error::temp; a later call (one
//     that begins a transaction or runs a statement outside one) tries to connect again, at
//     most once per backoff step (100 ms doubling to a cap of 1 s), so a node serves again
//     within about a second of PostgreSQL coming back. A transaction cut by the loss is rolled
//     back by the server: never a partial write.
//   - Failures become Error::temp("store: postgresql: <libpq's message>").
#pragma once

#include <memory>
#include <string>

#include "store/sql_store.hpp"

namespace sealgate {

class PgStore final : public SqlStore {
  public:
    // The NOTIFY channel of the generation bumps; the payload is the new generation.
    static constexpr const char* kChangeChannel = "sealgate_changes";

    static Result<std::unique_ptr<PgStore>> open(const std::string& conninfo,
                                                 const std::string& password, OpenMode mode,
                                                 const Options& options);

  private:
    using SqlStore::SqlStore;
};

}  // namespace sealgate
