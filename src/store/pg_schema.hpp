// store/pg_schema.hpp — internal: the PostgreSQL schema as an ordered list of migrations.
//
// Migration N takes a store from schema_version N-1 to N: the same numbers as the SQLite schema
// (sqlite_schema.hpp), so that both backends say the same version for the same tables.
#pragma once

#include <span>

#include "store/sql_db.hpp"

namespace sealgate::pg {

std::span<const sql::Migration> migrations();

}  // namespace sealgate::pg
