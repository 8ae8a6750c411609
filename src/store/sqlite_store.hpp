// store/sqlite_store.hpp — the embedded Store: one SQLite file in WAL mode.
//
// The SQL and every rule of the store are SqlStore's (sql_store.hpp); this is the opener.
//
// Contract (in addition to sql_store.hpp):
//   - OpenMode::create makes a new file (mode 0600, and so are its -wal and -shm) and refuses a
//     path where one exists; if the store cannot be completed the file is removed again.
//   - OpenMode::existing never creates or replaces a store: it refuses a missing file ("no store
//     at PATH (run `sealgate init`)"), a file that is not SQLite, an empty (0-byte) file or an
//     SQLite database without the sealgate schema, and a schema newer than this binary, each
//     with an error that names the path and is not temporary (no retry makes it a store).
//     These checks only read: nothing is written to a file that is refused.
//   - open() applies the schema migrations that a sealgate store lacks, each in its own
//     transaction (one file has one user: there is no older node to keep working).
//   - Connection settings: journal_mode=WAL (readers never block the writer), busy_timeout 5 s
//     (a CLI write waits for the gateway instead of failing), foreign_keys=ON,
//     synchronous=NORMAL (WAL stays consistent on power loss; the last commits may be lost).
//   - SQLite failures become Error::temp("store: <sqlite message>").
#pragma once

#include <memory>
#include <string>

#include "store/sql_store.hpp"

namespace sealgate {

class SqliteStore final : public SqlStore {
  public:
    using OpenMode = sealgate::OpenMode;

    // The schema version this binary writes (the last migration); the same for PostgreSQL.
    static int schema_version();

    static Result<std::unique_ptr<SqliteStore>> open(const std::string& path, OpenMode mode);
    static Result<std::unique_ptr<SqliteStore>> open(const std::string& path, OpenMode mode,
                                                     const Options& options);

  private:
    using SqlStore::SqlStore;
    static Status create_file(const std::string& path);
    static Result<std::unique_ptr<SqliteStore>> open_file(const std::string& path, OpenMode mode,
                                                          const Options& options);
};

}  // namespace sealgate
