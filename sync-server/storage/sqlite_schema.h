// The SQLite schema and its forward-only migrations.
//
// The database records its schema version in `schema_version` (one row). Migrate() applies,
// in one transaction, every migration newer than the recorded version; it never goes back.
// A database written by a newer build (a higher version) is refused, so an old server cannot
// damage data it does not understand. A file that holds tables but no schema_version is not
// a HomeVisit database and is refused too.
#pragma once

#include "core/status.h"
#include "sync-server/storage/sqlite_db.h"

namespace homevisit::server::sqlite {

// The schema version this build writes.
inline constexpr int kSchemaVersion = 3;

// The version recorded in the database; 0 for an empty database.
Result<int> StoredSchemaVersion(Connection& conn);
Status Migrate(Connection& conn);
// Migrates to `version` (<= kSchemaVersion) only: for tests that build an old database.
Status MigrateTo(Connection& conn, int version);

}  // namespace homevisit::server::sqlite
