// The storage backends the storage suite and the server tests run against. Every test that
// touches a database is parameterized over AvailableBackends(), so each backend passes the
// same tests.
//
// Adding a backend: write a function returning its StorageBackend and push it in
// AvailableBackends() (backends.cc). PostgreSQL: implement PostgresBackend() in
// tests/storage/postgres_backend.cc; with -DHOMEVISIT_HAVE_POSTGRES=ON it is compiled and
// registered by the one line marked in backends.cc whenever PG_CONNINFO is set.
#pragma once

#include <functional>
#include <ostream>
#include <memory>
#include <string>
#include <vector>

#include "sync-server/storage/storage.h"

namespace homevisit::server::testing {

struct StorageBackend {
  // A short name, used as the test-name suffix ("sqlite", "postgres").
  std::string name;
  // Makes a new, empty database and returns the URL OpenStorage() opens it with.
  std::function<Result<std::string>()> create_database;
  // Overwrites the schema version recorded in the database at `url`, as a newer build
  // would have left it.
  std::function<Status(const std::string& url, int version)> set_schema_version;
};

std::vector<StorageBackend> AvailableBackends();

#if HOMEVISIT_HAVE_POSTGRES
// Databases on the PostgreSQL server that `conninfo` (PG_CONNINFO) reaches.
StorageBackend PostgresBackend(const std::string& conninfo);
#endif

// Test output shows a backend by its name.
inline void PrintTo(const StorageBackend& backend, std::ostream* os) { *os << backend.name; }

// For INSTANTIATE_TEST_SUITE_P: names a test after its backend.
struct BackendName {
  template <typename Info>
  std::string operator()(const Info& info) const { return info.param.name; }
};

// A new, empty, migrated database of `backend`; its URL in *url if given.
Result<std::unique_ptr<Storage>> OpenFreshStorage(const StorageBackend& backend,
                                                  std::string* url = nullptr);

// A directory for this test process's files, removed when the process exits.
const std::string& TestTempDir();

}  // namespace homevisit::server::testing
