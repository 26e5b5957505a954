// The PostgreSQL backend of the storage suite: every test database is a fresh schema on the
// server PG_CONNINFO names, selected through search_path in the URL; the schemas are
// dropped when the test process exits.
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <random>
#include <vector>

#include "sync-server/storage/postgres_conn.h"
#include "tests/storage/backends.h"

namespace homevisit::server::testing {
namespace {

struct CreatedSchemas {
  std::mutex mu;
  std::string conninfo;
  std::vector<std::string> names;
  ~CreatedSchemas() {
    if (names.empty() || std::getenv("HOMEVISIT_KEEP_SCHEMA")) return;
    auto admin = pg::Connection::Open(conninfo);
    if (!admin.ok()) return;
    for (const auto& n : names) (void)(*admin)->Run("DROP SCHEMA IF EXISTS " + n + " CASCADE");
  }
};

CreatedSchemas& Schemas() {
  static CreatedSchemas schemas;
  return schemas;
}

std::string WithSearchPath(const std::string& conninfo, const std::string& schema) {
  if (conninfo.rfind("postgresql://", 0) == 0 || conninfo.rfind("postgres://", 0) == 0) {
    const char sep = conninfo.find('?') == std::string::npos ? '?' : '&';
    return conninfo + sep + "options=-csearch_path%3D" + schema;
  }
  return conninfo + " options='-c search_path=" + schema + "'";
}

}  // namespace

StorageBackend PostgresBackend(const std::string& conninfo) {
  StorageBackend b;
  b.name = "postgres";
  b.create_database = [conninfo]() -> Result<std::string> {
    if (conninfo.empty()) {
      return FailedPrecondition(
          "PG_CONNINFO is not set but HOMEVISIT_REQUIRE_POSTGRES=1: start PostgreSQL with "
          "`source scripts/lib/postgres.sh; pg_start` (scripts/test does)");
    }
    static std::atomic<int> counter{0};
    const std::string schema = "suite_" + std::to_string(::getpid()) + "_" +
                               std::to_string(++counter) + "_" +
                               std::to_string(std::random_device{}() % 100000);
    auto admin = pg::Connection::Open(conninfo);
    if (!admin.ok()) return admin.status();
    if (auto r = (*admin)->Run("CREATE SCHEMA " + schema); !r.ok()) return r.status();
    {
      CreatedSchemas& s = Schemas();
      std::lock_guard lock(s.mu);
      s.conninfo = conninfo;
      s.names.push_back(schema);
    }
    return WithSearchPath(conninfo, schema);
  };
  b.set_schema_version = [](const std::string& url, int version) -> Status {
    auto conn = pg::Connection::Open(url);
    if (!conn.ok()) return conn.status();
    return (*conn)->Run("UPDATE schema_version SET version = " + std::to_string(version)).status();
  };
  return b;
}

}  // namespace homevisit::server::testing
