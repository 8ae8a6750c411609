// store/pg_connection.cpp — one owned libpq connection.
#include "store/pg_connection.hpp"

#include <charconv>
#include <cstdlib>
#include <utility>

namespace sealgate::pg {
namespace {

struct OptionsFree {
    void operator()(PQconninfoOption* o) const noexcept { PQconninfoFree(o); }
};
struct NotifyFree {
    void operator()(PGnotify* n) const noexcept { PQfreemem(n); }
};

// The oids of the parameter types (pg_type.h): a typed parameter lets the server check the
// statement instead of guessing from the context.
constexpr Oid kText = 25;
constexpr Oid kBytea = 17;
constexpr Oid kInt8 = 20;

// libpq's message on one line: its hints come on lines of their own ("\n\tIs the server
// running...?"), and an error is one line in the log and on the CLI's stderr.
std::string trimmed_message(const char* message) {
    std::string m;
    bool space = false;
    for (const char* p = message ? message : ""; *p != '\0'; ++p) {
        if (*p == '\n' || *p == '\t' || *p == ' ') {
            space = !m.empty();
            continue;
        }
        if (space)
            m += ' ';
        space = false;
        m += *p;
    }
    return m.empty() ? "unknown error" : m;
}

// A value of the key=value form, quoted when it needs it.
std::string quoted(std::string_view value) {
    bool plain = !value.empty();
    for (const char c : value)
        if (c == ' ' || c == '\'' || c == '\\')
            plain = false;
    if (plain)
        return std::string(value);
    std::string out = "'";
    for (const char c : value) {
        if (c == '\'' || c == '\\')
            out += '\\';
        out += c;
    }
    return out + "'";
}

int hex_value(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

}  // namespace

Result<std::string> redacted(const std::string& conninfo) {
    char* err = nullptr;
    std::unique_ptr<PQconninfoOption, OptionsFree> options(PQconninfoParse(conninfo.c_str(), &err));
    if (!options) {
        // libpq's message may quote the string it could not read, password and all: say only
        // that it could not be read.
        PQfreemem(err);
        return fail(
            Error::usage("store: the PostgreSQL connection string (url) cannot be read by libpq"));
    }
    std::string out;
    for (const PQconninfoOption* o = options.get(); o->keyword != nullptr; ++o) {
        if (o->val == nullptr || std::string_view(o->keyword) == "password")
            continue;
        if (!out.empty())
            out += ' ';
        out += o->keyword;
        out += '=';
        out += quoted(o->val);
    }
    return out;
}

std::string Rows::text(int row, int column) const {
    const char* p = PQgetvalue(res_.get(), row, column);
    const int n = PQgetlength(res_.get(), row, column);
    if (p == nullptr || n <= 0)
        return {};
    return std::string(p, static_cast<std::size_t>(n));
}

std::string Rows::bytea(int row, int column) const {
    // Text format of bytea is "\x" and two hex digits per byte (bytea_output = hex, the
    // default since 9.0; the store sets it on connect).
    const std::string t = text(row, column);
    if (t.size() < 2 || t[0] != '\\' || t[1] != 'x')
        return t;
    std::string out;
    out.reserve((t.size() - 2) / 2);
    for (std::size_t i = 2; i + 1 < t.size(); i += 2) {
        const int hi = hex_value(t[i]);
        const int lo = hex_value(t[i + 1]);
        if (hi < 0 || lo < 0)
            break;
        out += static_cast<char>(hi * 16 + lo);
    }
    return out;
}

std::int64_t Rows::integer(int row, int column) const {
    const std::string t = text(row, column);
    std::int64_t v = 0;
    std::from_chars(t.data(), t.data() + t.size(), v);
    return v;
}

std::int64_t Rows::affected() const {
    const char* n = PQcmdTuples(res_.get());
    std::int64_t v = 0;
    if (n != nullptr)
        std::from_chars(n, n + std::char_traits<char>::length(n), v);
    return v;
}

Result<Connection> Connection::connect(const std::string& conninfo, const std::string& password) {
    auto described = redacted(conninfo);
    if (!described)
        return fail(std::move(described).error());
    // expand_dbname: "dbname" is the whole connection string (either form). libpq takes the
    // keywords in order, the last value wins: the string may set its own connect_timeout (a
    // server that does not answer must not hang a node for minutes: 5 s unless it says so),
    // and the password given overrides one in the string.
    const char* keywords[] = {"connect_timeout", "dbname", password.empty() ? nullptr : "password",
                              nullptr};
    const char* values[] = {"5", conninfo.c_str(), password.empty() ? nullptr : password.c_str(),
                            nullptr};
    ConnPtr conn(PQconnectdbParams(keywords, values, 1));
    if (!conn)
        return fail(Error::temp("store: postgresql: out of memory"));
    Connection c(std::move(conn), std::move(*described));
    if (PQstatus(c.conn_.get()) != CONNECTION_OK)
        return fail(c.error("cannot connect to " + c.described_));
    // libpq prints the server's notices and warnings on stderr by default ("terminating
    // connection due to administrator command"); what matters comes back as an error.
    PQsetNoticeProcessor(
        c.conn_.get(), [](void*, const char*) {}, nullptr);
    return c;
}

Error Connection::error(std::string_view what) const {
    std::string reason = "store: postgresql: ";
    reason += what;
    reason += ": ";
    reason += trimmed_message(PQerrorMessage(conn_.get()));
    return Error::temp(std::move(reason));
}

Status Connection::exec(std::string_view sql) {
    ResultPtr res(PQexec(conn_.get(), std::string(sql).c_str()));
    const auto status = res ? PQresultStatus(res.get()) : PGRES_FATAL_ERROR;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
        return fail(error("statement failed"));
    return ok();
}

Result<Rows> Connection::query(std::string_view sql, const std::vector<Param>& params) {
    std::vector<Oid> types;
    std::vector<const char*> values;
    std::vector<int> lengths;
    std::vector<int> formats;
    for (const auto& p : params) {
        types.push_back(p.type == Param::Type::text    ? kText
                        : p.type == Param::Type::bytea ? kBytea
                                                       : kInt8);
        values.push_back(p.value.data());
        lengths.push_back(static_cast<int>(p.value.size()));
        formats.push_back(p.type == Param::Type::bytea ? 1 : 0);  // bytea: raw bytes
    }
    ResultPtr res(PQexecParams(conn_.get(), std::string(sql).c_str(),
                               static_cast<int>(params.size()), types.data(), values.data(),
                               lengths.data(), formats.data(), 0));
    const auto status = res ? PQresultStatus(res.get()) : PGRES_FATAL_ERROR;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
        return fail(error("statement failed"));
    return Rows(std::move(res));
}

bool Connection::broken() const {
    return PQstatus(conn_.get()) == CONNECTION_BAD;
}

Status Connection::reconnect() {
    PQreset(conn_.get());
    if (PQstatus(conn_.get()) != CONNECTION_OK)
        return fail(error("cannot connect to " + described_));
    return ok();
}

int Connection::socket() const {
    return PQsocket(conn_.get());
}

Status Connection::consume_input() {
    if (PQconsumeInput(conn_.get()) == 0)
        return fail(error("reading from the server failed"));
    return ok();
}

std::vector<Notification> Connection::notifications() {
    std::vector<Notification> out;
    while (true) {
        std::unique_ptr<PGnotify, NotifyFree> n(PQnotifies(conn_.get()));
        if (!n)
            return out;
        out.push_back({n->relname ? n->relname : "", n->extra ? n->extra : "", n->be_pid});
    }
}

}  // namespace sealgate::pg
