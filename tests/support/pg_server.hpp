// tests/support/pg_server.hpp — a throwaway PostgreSQL server for the tests of the PostgreSQL
// store: one server per test binary, a fresh database per test.
//
// The server is started on first use: initdb into a new temporary directory, listening on a Unix
// socket in that directory only (listen_addresses = ''), fsync off (a test's data need not
// survive a power cut; synchronous_commit stays on, so a commit survives stop(), which is a crash
// to PostgreSQL), trust authentication for the one local role `sealgate`. PostgreSQL
// refuses to run as root: as root the directory is given to `nobody` and the server runs as
// nobody (runuser). A gtest Environment stops it and removes the directory at the end.
//
// Nothing is skipped silently: without PostgreSQL's server binaries (Debian package
// `postgresql`; /usr/lib/postgresql/<version>/bin, or SEALGATE_PG_BINDIR) every test that asks
// for a server fails, saying so.
#pragma once

#include <string>

namespace sealgate::test {

class PgServer {
  public:
    // The server of this test binary, started on first call; fails the test (and throws) when
    // it cannot be started.
    static PgServer& instance();

    // A new, empty database; its name.
    std::string create_database();
    // The libpq connection string of database `db` (key=value form).
    std::string conninfo(const std::string& db) const;
    // The socket directory (the "host" of the connection string).
    const std::string& socket_dir() const { return dir_; }

    // Stop the server (immediate shutdown, as a crash would) and start it again on the same
    // data: for the tests of a lost connection. start() waits until it accepts connections.
    void stop();
    void start();
    bool running() const { return running_; }
    // Stop the server for good and remove its directory (the end of the test binary).
    void remove();

    ~PgServer();
    PgServer(const PgServer&) = delete;
    PgServer& operator=(const PgServer&) = delete;

  private:
    PgServer();
    std::string bindir_;
    std::string dir_;   // the temporary directory: data in dir_/data, the socket in dir_
    std::string user_;  // runuser -u <user> when running as root, else empty
    bool running_ = false;
    int databases_ = 0;
};

}  // namespace sealgate::test
