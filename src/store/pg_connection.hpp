// store/pg_connection.hpp — one owned libpq connection: connect, run SQL, LISTEN/NOTIFY.
//
// The PostgreSQL store (pg_store.hpp) runs its statements through it, and a listener for the
// store's change notices ('sealgate_changes', see pg_store.hpp) opens a second one: socket()
// for the event loop, consume_input() when it is readable, then notifications().
//
// Contract:
//   - connect() takes a libpq connection string, either form ("postgresql://u@h/db" or
//     "host=h dbname=db"); password, when not empty, is given to libpq beside it (never put
//     into a string that could be logged). describe() is the connection string with any
//     password removed: the only form of it for messages and logs.
//   - Every failure is Error::temp("store: postgresql: <libpq's message>"): a server that is
//     away, a broken connection, a failed statement (the caller decides what is permanent).
//     A connection string libpq cannot parse is Error::usage.
//   - broken(): the connection is lost (PQstatus is CONNECTION_BAD). reconnect() tries once to
//     connect again with the same parameters (PQreset); a caller that wants backoff keeps its
//     own clock (the store waits at most 1 s between tries).
//   - Parameters are typed (text, bytea, bigint) and sent separately from the SQL text, never
//     spliced into it. Results come back in text format; bytea() decodes the hex form.
//   - Not thread-safe: one user at a time (the store holds a mutex; a listener owns its own).
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace sealgate::pg {

struct ConnFinish {
    void operator()(PGconn* conn) const noexcept { PQfinish(conn); }
};
struct ResultClear {
    void operator()(PGresult* res) const noexcept { PQclear(res); }
};
using ConnPtr = std::unique_ptr<PGconn, ConnFinish>;
using ResultPtr = std::unique_ptr<PGresult, ResultClear>;

// The connection string without its password (key=value form), for messages; Error::usage when
// libpq cannot parse it.
Result<std::string> redacted(const std::string& conninfo);

// One statement parameter. text and bytea are strings; bigint an integer.
struct Param {
    enum class Type { text, bytea, bigint };
    Type type = Type::text;
    std::string value;  // bigint: its decimal text
    static Param text(std::string_view v) { return {Type::text, std::string(v)}; }
    static Param bytea(std::string_view v) { return {Type::bytea, std::string(v)}; }
    static Param bigint(std::int64_t v) { return {Type::bigint, std::to_string(v)}; }
};

// The rows of one statement (text format).
class Rows {
  public:
    explicit Rows(ResultPtr res) : res_(std::move(res)) {}
    int count() const { return PQntuples(res_.get()); }
    bool is_null(int row, int column) const { return PQgetisnull(res_.get(), row, column) != 0; }
    std::string text(int row, int column) const;
    std::string bytea(int row, int column) const;     // decoded from the hex form
    std::int64_t integer(int row, int column) const;  // 0 for NULL or a non-number
    std::int64_t affected() const;                    // rows changed by INSERT/UPDATE/DELETE

  private:
    ResultPtr res_;
};

struct Notification {
    std::string channel;
    std::string payload;
    int backend_pid = 0;  // the server process that sent it
};

class Connection {
  public:
    static Result<Connection> connect(const std::string& conninfo,
                                      const std::string& password = {});

    // Run SQL without parameters; several statements are allowed (schema, LISTEN).
    Status exec(std::string_view sql);
    // Run one statement with parameters ($1, $2, ...).
    Result<Rows> query(std::string_view sql, const std::vector<Param>& params = {});

    bool broken() const;
    Status reconnect();

    // For a listener: the socket to wait on (-1 when broken), reading what arrived without
    // blocking, and the notifications received so far (each returned once).
    int socket() const;
    Status consume_input();
    std::vector<Notification> notifications();

    const std::string& describe() const { return described_; }
    PGconn* raw() const { return conn_.get(); }

  private:
    Connection(ConnPtr conn, std::string described)
        : conn_(std::move(conn)), described_(std::move(described)) {}
    Error error(std::string_view what) const;
    ConnPtr conn_;
    std::string described_;
};

}  // namespace sealgate::pg
