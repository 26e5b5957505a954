// Test support for the PostgreSQL backend: each test gets its own schema in the server
// named by PG_CONNINFO (scripts/lib/postgres.sh starts one), dropped afterwards.
//
// Without PG_CONNINFO the tests skip, unless HOMEVISIT_REQUIRE_POSTGRES=1 (scripts/test
// and CI set it): then they fail, so PostgreSQL tests can never be skipped silently there.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "sync-server/storage/postgres_storage.h"

namespace homevisit::server::testing {

// `conninfo` (libpq key=value string or URL) with search_path set to `schema`.
std::string WithSearchPath(const std::string& conninfo, const std::string& schema);

class PostgresTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // A new storage (its own connection pool, like another server process) on the test's
  // schema, migrated. Fails the test if that does not work.
  std::unique_ptr<Storage> OpenMigrated(const PostgresOptions& options = {});
  // Runs SQL in the test's schema on a separate connection (to set up odd states).
  void RunSql(const std::string& sql);

  std::string base_conninfo_;  // PG_CONNINFO
  std::string schema_;         // this test's schema
  std::string conninfo_;       // PG_CONNINFO pointing at schema_
};

// A stamp at physical time `ms` with counter 0 written by `node`.
inline Stamp At(uint64_t ms, uint32_t node) { return Stamp{Stamp::Pack(ms, 0), node}; }

// Writes fields to a record in one committed transaction, the way the merger does: load
// the record (locking it), then put each field with the version it replaces.
Status WriteFields(Storage& storage, const RecordHeader& record,
                   const std::vector<std::pair<std::string, FieldVersion>>& fields);

// The checksum a replica computes from its records (what ChecksumOf must equal).
ScopeChecksum ChecksumOfRecords(const std::vector<Record>& records);

// A random-ish but reproducible record id.
Uuid TestId(uint64_t n);

// The seed of a randomized test: HOMEVISIT_SEED if set, else from the clock. Printed so a
// failure can be replayed.
uint64_t TestSeed();

}  // namespace homevisit::server::testing
