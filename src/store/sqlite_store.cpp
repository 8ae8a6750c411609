// store/sqlite_store.cpp — the embedded Store: opening one SQLite file (the SQL itself is
// SqlStore's, sql_store.cpp).
#include "store/sqlite_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <utility>

#include "core/text.hpp"
#include "store/sql_store_impl.hpp"
#include "store/sqlite_db.hpp"
#include "store/sqlite_schema.hpp"

namespace sealgate {

namespace {

constexpr int kBusyTimeoutMs = 5000;

// SQLite opens a store it may not write read-only without a word, and in WAL mode it must also
// create PATH-wal and PATH-shm beside it; either way the first statement then fails with "unable
// to open database file" or "attempt to write a readonly database". Every user of the store
// writes (the daemon its mail log, every admin command at least the -shm index), so an
// unwritable store is refused at open, saying which cause it is.
Status check_writable(const std::string& path) {
    auto dir = std::filesystem::path(path).parent_path();
    if (dir.empty())
        dir = ".";
    struct statvfs fs {};
    if (::statvfs(path.c_str(), &fs) == 0 && (fs.f_flag & ST_RDONLY) != 0)
        return fail(Error::usage("store " + path +
                                 " is on a read-only filesystem: the gateway writes its mail "
                                 "log there; mount it read-write or move the store"));
    // The -wal and -shm files left by an earlier run must be writable too: SQLite gives them
    // the mode of the store file as it was then, and a leftover read-only -shm fails every open.
    for (const char* suffix : {"", "-wal", "-shm"}) {
        const std::string file = path + suffix;
        if (*suffix != '\0' && ::faccessat(AT_FDCWD, file.c_str(), F_OK, AT_EACCESS) != 0)
            continue;
        if (::faccessat(AT_FDCWD, file.c_str(), R_OK | W_OK, AT_EACCESS) != 0) {
            const int err = errno;
            return fail(Error::usage("no write permission on " + file + " (" + std::strerror(err) +
                                     "): the store and its -wal and -shm "
                                     "files must be readable and writable by the user sealgate "
                                     "runs as"));
        }
    }
    if (::faccessat(AT_FDCWD, dir.c_str(), W_OK | X_OK, AT_EACCESS) != 0) {
        const int err = errno;
        return fail(Error::usage("no write permission on directory " + dir.string() + " (" +
                                 std::strerror(err) + "): SQLite creates " + path + "-wal and " +
                                 path + "-shm beside the store"));
    }
    return ok();
}

// Not temporary: waiting does not turn this file into a store. And never repaired by creating
// a schema in it: a store that lost its content must be restored, not silently replaced by an
// empty one (no domains: a mandatory partner's mail would be relayed in clear).
Error refuse_file(const std::string& path, const std::string& what) {
    return Error::usage("store " + path + " " + what +
                        ": refusing to use it (check the path, or restore the store from a "
                        "backup; only `sealgate init` creates a store, where no file is)");
}

}  // namespace

Status SqliteStore::create_file(const std::string& path) {
    // O_EXCL: `init` never takes over a file that exists, even one created a moment ago by
    // another process. 0600 from the first byte: the store holds the mail log and sealed keys,
    // and SQLite gives the -wal and -shm files the mode of the database file.
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        const int err = errno;
        if (err == EEXIST)
            return fail(Error::usage("a store exists already at " + path));
        return fail(Error::usage("cannot create store " + path + ": " + std::strerror(err)));
    }
    // The umask may have removed bits from 0600 (SQLite needs to write): make the mode exact.
    const int rc = ::fchmod(fd, 0600);
    const int err = errno;
    ::close(fd);
    if (rc != 0) {
        ::unlink(path.c_str());
        return fail(Error::usage("cannot chmod store " + path + ": " + std::strerror(err)));
    }
    return ok();
}

int SqliteStore::schema_version() {
    return sqlite::migrations().back().version;
}

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const std::string& path, OpenMode mode) {
    return open(path, mode, Options{});
}

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const std::string& path, OpenMode mode,
                                                       const Options& options) {
    if (mode == OpenMode::existing) {
        std::error_code ec;
        if (!std::filesystem::exists(path, ec))
            return fail(Error::usage("no store at " + path + " (run `sealgate init`)"));
        SEALGATE_TRY(check_writable(path));
    } else {
        SEALGATE_TRY(create_file(path));
    }
    auto store = open_file(path, mode, options);
    if (!store && store.error().reason.find(path) == std::string::npos)
        store = fail(std::move(store).error().with_context("store " + path));
    if (!store && mode == OpenMode::create) {
        // Half a store is worse than none: every later command would refuse it. The file is
        // ours (O_EXCL above), and so are the journal files beside it.
        for (const char* suffix : {"", "-wal", "-shm", "-journal"})
            ::unlink((path + suffix).c_str());
    }
    return store;
}

Result<std::unique_ptr<SqliteStore>> SqliteStore::open_file(const std::string& path, OpenMode mode,
                                                            const Options& options) {
    auto driver = sqlite::open(path);
    if (!driver)
        return fail(std::move(driver).error());
    Options opts = options;
    opts.log_retention = std::max<std::size_t>(opts.log_retention, 1);
    auto impl = std::make_unique<Impl>(sql::Connection(std::move(*driver)), opts);
    auto& db = impl->db;

    SEALGATE_TRY(db.exec(("PRAGMA busy_timeout = " + std::to_string(kBusyTimeoutMs)).c_str()));
    if (mode == OpenMode::existing) {
        // The file must hold a sealgate schema this binary knows. Reads only: runs before
        // anything (the WAL switch, a migration) could write to a file that is not ours.
        auto version = impl->stored_schema_version();
        if (!version) {
            if (sqlite::error_code(db.driver()) == SQLITE_NOTADB)
                return fail(refuse_file(path, "is not a sealgate store (not an SQLite database)"));
            return fail(std::move(version).error().with_context(path));
        }
        if (*version > schema_version())
            return fail(newer_schema(path, *version, schema_version()));
        if (*version == 0) {
            std::error_code ec;
            const bool empty = std::filesystem::file_size(path, ec) == 0 && !ec;
            return fail(refuse_file(path, empty ? "is not a sealgate store (an empty file, 0 bytes)"
                                                : "is not a sealgate store (no sealgate schema)"));
        }
    }
    {
        auto q = db.query("PRAGMA journal_mode = WAL");
        if (!q)
            return fail(std::move(q).error());
        auto row = q->step();
        if (!row)
            return fail(std::move(row).error());
        const auto journal = *row ? ascii_lower(q->text(0)) : std::string();
        if (journal != "wal")
            return fail(
                Error::temp("store: " + path + " cannot use WAL (journal mode '" + journal + "')"));
    }
    SEALGATE_TRY(db.exec("PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL"));
    if (mode == OpenMode::create || opts.migrate)
        SEALGATE_TRY(impl->migrate(schema_version()));
    return std::unique_ptr<SqliteStore>(new SqliteStore(std::move(impl)));
}

}  // namespace sealgate
