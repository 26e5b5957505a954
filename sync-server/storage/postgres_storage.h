// The PostgreSQL backend of the central database (storage.h). Several server processes may
// share one database: the server keeps no state outside it, and change positions are
// handed out in commit order so no pull ever skips a late commit (see postgres_storage.cc).
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "core/status.h"
#include "sync-server/storage/storage.h"

namespace homevisit::server {

struct PostgresOptions {
  // Connections this process opens at most. Every storage call holds one for its duration,
  // a write transaction until Commit or destruction. More connections than about twice the
  // database server's cores, summed over all server processes, only add contention. The
  // connection string may set it: pool_max_conns=N (key=value) or ?pool_max_conns=N (URL).
  int max_connections = 8;
  // How long a call waits for a free connection before failing with kUnavailable.
  std::chrono::milliseconds acquire_timeout{10000};
};

// True for "postgresql://...", "postgres://..." and libpq "key=value ..." strings.
bool LooksLikePostgres(const std::string& url);

// Opens the database named by a postgresql:// or postgres:// URL or a libpq key=value
// string. Validates the string (kInvalidArgument naming the problem, never echoing a
// password) and connects once (kUnavailable if the server cannot be reached). Does not
// migrate: call Migrate(). A pool_max_conns in the string overrides options.max_connections.
Result<std::unique_ptr<Storage>> OpenPostgresStorage(const std::string& conninfo,
                                                     const PostgresOptions& options = {});

}  // namespace homevisit::server
