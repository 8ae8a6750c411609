// store/sqlite_db.hpp — internal: the SQLite driver of the SQL store (sql_db.hpp).
//
// Owns the sqlite3 handle and every prepared statement (prepared once, kept for the life of the
// connection). Write transactions are BEGIN IMMEDIATE: the write lock is taken up front, so a
// later upgrade cannot fail with SQLITE_BUSY half-way through (busy_timeout applies to BEGIN
// IMMEDIATE itself). A change needs no announcement: other processes poll the generation.
// Every SQLite failure becomes Error::temp("store: <sqlite message>").
#pragma once

#include <sqlite3.h>

#include <memory>
#include <string>

#include "core/result.hpp"
#include "store/sql_db.hpp"

namespace sealgate::sqlite {

// Open an existing file: SQLite never creates one (SqliteStore::open decides that).
Result<std::unique_ptr<sql::Driver>> open(const std::string& path);

// The primary result code of the last failed call on the handle of a driver that open() made
// (SQLITE_NOTADB, ...).
int error_code(const sql::Driver& driver);

}  // namespace sealgate::sqlite
