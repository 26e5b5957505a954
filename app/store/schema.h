// The device database schema and its migrations. The schema version lives in
// PRAGMA user_version; each migration step runs in one transaction with its version bump.
#pragma once

#include "app/store/sqlite.h"

namespace homevisit::store {

// The schema version this build writes.
inline constexpr int kDeviceSchemaVersion = 6;

// Brings the database to kDeviceSchemaVersion. Refuses (kFailedPrecondition, naming both
// versions) a database written by a newer build, changing nothing. `target_version` stops
// earlier (tests build a database of an older version with it).
Status MigrateDeviceSchema(Connection& db, int target_version = kDeviceSchemaVersion);

}  // namespace homevisit::store
