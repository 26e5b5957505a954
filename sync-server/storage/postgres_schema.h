// Forward-only schema migrations of the PostgreSQL backend. Internal to the backend.
//
// The schema version lives in the one-row table schema_version. Migrate runs every
// migration newer than the stored version, in one transaction, under an advisory lock, so
// several server instances starting at once migrate once and never see a half-built
// schema. A database whose version is newer than this build knows is refused untouched.
#pragma once

#include "core/status.h"
#include "sync-server/storage/postgres_conn.h"

namespace homevisit::server::pg {

// The schema version this build creates and understands.
inline constexpr int kSchemaVersion = 3;

// Brings the schema of the connection's database (its current schema, i.e. the first entry
// of search_path) to kSchemaVersion. kFailedPrecondition, naming both versions, when the
// database is newer.
// `target` below kSchemaVersion stops at that version: for tests that build an older
// database to migrate.
Status MigrateSchema(Connection& conn, int target = kSchemaVersion);

// The stored version; 0 for an empty database.
Result<int> StoredSchemaVersion(Connection& conn);

}  // namespace homevisit::server::pg
