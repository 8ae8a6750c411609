// store/sqlite_schema.hpp — internal: the SQLite schema as an ordered list of migrations.
//
// Migration N (1-based) takes a store from schema_version N-1 to N. A released migration is
// never edited: a change to the schema is a new migration appended to the list. open() applies
// each missing one in its own transaction and records the version in meta('schema_version').
#pragma once

#include <span>

#include "store/sql_db.hpp"

namespace sealgate::sqlite {

using Migration = sql::Migration;

std::span<const Migration> migrations();

}  // namespace sealgate::sqlite
