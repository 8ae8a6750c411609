// tests/support/pg_server.cpp — a throwaway PostgreSQL server per test binary.
#include "support/pg_server.hpp"

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace sealgate::test {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void give_up(const std::string& why) {
    ADD_FAILURE() << "PostgreSQL test server: " << why;
    throw std::runtime_error("PostgreSQL test server: " + why);
}

// The newest /usr/lib/postgresql/<version>/bin that has initdb, or SEALGATE_PG_BINDIR.
std::string find_bindir() {
    if (const char* env = std::getenv("SEALGATE_PG_BINDIR"); env != nullptr && *env != '\0')
        return env;
    std::string best;
    int best_version = -1;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", ec)) {
        const auto bin = entry.path() / "bin";
        if (!fs::exists(bin / "initdb") || !fs::exists(bin / "pg_ctl"))
            continue;
        const int version = std::atoi(entry.path().filename().c_str());
        if (version > best_version) {
            best_version = version;
            best = bin.string();
        }
    }
    if (best.empty())
        give_up(
            "no PostgreSQL server binaries (initdb, pg_ctl) under /usr/lib/postgresql: "
            "install the Debian package `postgresql` (scripts/install-deps.sh), or set "
            "SEALGATE_PG_BINDIR");
    return best;
}

std::string quote(const std::string& s) {
    std::string out = "'";
    for (const char c : s) {
        if (c == '\'')
            out += "'\\''";
        else
            out += c;
    }
    return out + "'";
}

std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Stops the server at the end of the test binary (registered on first use).
class StopAtEnd : public ::testing::Environment {
  public:
    void TearDown() override {
        if (auto* s = server())
            s->remove();
    }
    static PgServer*& server() {
        static PgServer* s = nullptr;
        return s;
    }
};

}  // namespace

PgServer& PgServer::instance() {
    static PgServer* server = [] {
        auto* s = new PgServer();  // lives to the end of the process; the Environment stops it
        StopAtEnd::server() = s;
        ::testing::AddGlobalTestEnvironment(new StopAtEnd);
        return s;
    }();
    return *server;
}

PgServer::PgServer() : bindir_(find_bindir()) {
    std::string tmpl = (fs::temp_directory_path() / "sealgate-pg-XXXXXX").string();
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    if (::mkdtemp(buf.data()) == nullptr)
        give_up("mkdtemp failed");
    dir_ = buf.data();
    if (::geteuid() == 0) {
        // PostgreSQL refuses to run as root: the server runs as nobody, in a directory of its own.
        user_ = "nobody";
        const passwd* pw = ::getpwnam(user_.c_str());
        if (pw == nullptr)
            give_up("running as root, and there is no user `nobody` to run the server as");
        if (::chown(dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0)
            give_up("cannot give " + dir_ + " to nobody");
    }
    const std::string prefix = user_.empty() ? "" : "runuser -u " + user_ + " -- ";
    const std::string initdb = prefix + quote(bindir_ + "/initdb") + " -D " +
                               quote(dir_ + "/data") +
                               " -U sealgate --auth=trust --no-sync --encoding=UTF8 "
                               "--locale=C.UTF-8 > " +
                               quote(dir_ + "/initdb.log") + " 2>&1";
    if (std::system(initdb.c_str()) != 0)
        give_up("initdb failed: " + slurp(dir_ + "/initdb.log"));
    start();
}

PgServer::~PgServer() {
    remove();
}

void PgServer::remove() {
    stop();
    if (!dir_.empty()) {
        std::error_code ec;
        fs::remove_all(dir_, ec);
        dir_.clear();
    }
}

void PgServer::start() {
    if (running_)
        return;
    const std::string prefix = user_.empty() ? "" : "runuser -u " + user_ + " -- ";
    const std::string options = "-c listen_addresses='' -c unix_socket_directories=" + dir_ +
                                " -c fsync=off -c full_page_writes=off"
                                " -c max_connections=200";
    const std::string cmd = prefix + quote(bindir_ + "/pg_ctl") + " -D " + quote(dir_ + "/data") +
                            " -l " + quote(dir_ + "/server.log") + " -o " + quote(options) +
                            " -w -t 60 start > /dev/null 2>&1";
    if (std::system(cmd.c_str()) != 0)
        give_up("pg_ctl start failed: " + slurp(dir_ + "/server.log"));
    running_ = true;
}

void PgServer::stop() {
    if (!running_)
        return;
    const std::string prefix = user_.empty() ? "" : "runuser -u " + user_ + " -- ";
    const std::string cmd = prefix + quote(bindir_ + "/pg_ctl") + " -D " + quote(dir_ + "/data") +
                            " -m immediate -w -t 60 stop > /dev/null 2>&1";
    (void)std::system(cmd.c_str());
    running_ = false;
}

std::string PgServer::create_database() {
    const std::string name = "t" + std::to_string(++databases_);
    std::unique_ptr<PGconn, decltype(&PQfinish)> conn(PQconnectdb(conninfo("postgres").c_str()),
                                                      &PQfinish);
    if (PQstatus(conn.get()) != CONNECTION_OK)
        give_up("cannot connect: " + std::string(PQerrorMessage(conn.get())));
    std::unique_ptr<PGresult, decltype(&PQclear)> res(
        PQexec(conn.get(), ("CREATE DATABASE " + name).c_str()), &PQclear);
    if (PQresultStatus(res.get()) != PGRES_COMMAND_OK)
        give_up("CREATE DATABASE " + name + " failed: " + PQerrorMessage(conn.get()));
    return name;
}

std::string PgServer::conninfo(const std::string& db) const {
    return "host=" + dir_ + " dbname=" + db + " user=sealgate";
}

}  // namespace sealgate::test
