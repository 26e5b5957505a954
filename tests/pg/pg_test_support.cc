#include "tests/pg/pg_test_support.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <random>

#include "core/checksum.h"
#include "sync-server/storage/postgres_conn.h"

namespace homevisit::server::testing {

std::string WithSearchPath(const std::string& conninfo, const std::string& schema) {
  const bool url = conninfo.rfind("postgresql://", 0) == 0 || conninfo.rfind("postgres://", 0) == 0;
  if (url) {
    const char sep = conninfo.find('?') == std::string::npos ? '?' : '&';
    return conninfo + sep + "options=-csearch_path%3D" + schema;
  }
  return conninfo + " options='-c search_path=" + schema + "'";
}

void PostgresTest::SetUp() {
  const char* conninfo = std::getenv("PG_CONNINFO");
  if (conninfo == nullptr || *conninfo == '\0') {
    const char* required = std::getenv("HOMEVISIT_REQUIRE_POSTGRES");
    if (required && std::string(required) == "1") {
      FAIL() << "PG_CONNINFO is not set but HOMEVISIT_REQUIRE_POSTGRES=1: start PostgreSQL "
                "with `source scripts/lib/postgres.sh; pg_start` (scripts/test does)";
    }
    GTEST_SKIP() << "PG_CONNINFO not set; run through scripts/test to test PostgreSQL";
  }
  base_conninfo_ = conninfo;
  static std::atomic<int> counter{0};
  std::random_device rd;
  schema_ = "t_" + std::to_string(getpid()) + "_" + std::to_string(counter++) + "_" +
            std::to_string(rd() % 100000);
  auto admin = pg::Connection::Open(base_conninfo_);
  ASSERT_TRUE(admin.ok()) << admin.status().ToString();
  auto created = (*admin)->Run("CREATE SCHEMA " + schema_);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  conninfo_ = WithSearchPath(base_conninfo_, schema_);
}

void PostgresTest::TearDown() {
  if (schema_.empty()) return;
  if (std::getenv("HOMEVISIT_KEEP_SCHEMA")) {
    std::printf("kept schema %s for inspection\n", schema_.c_str());
    return;
  }
  auto admin = pg::Connection::Open(base_conninfo_);
  if (admin.ok()) (void)(*admin)->Run("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE");
}

std::unique_ptr<Storage> PostgresTest::OpenMigrated(const PostgresOptions& options) {
  auto storage = OpenPostgresStorage(conninfo_, options);
  EXPECT_TRUE(storage.ok()) << storage.status().ToString();
  if (!storage.ok()) return nullptr;
  Status migrated = (*storage)->Migrate();
  EXPECT_TRUE(migrated.ok()) << migrated.ToString();
  return std::move(storage).value();
}

void PostgresTest::RunSql(const std::string& sql) {
  auto conn = pg::Connection::Open(conninfo_);
  ASSERT_TRUE(conn.ok()) << conn.status().ToString();
  auto r = (*conn)->Run(sql);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
}

Status WriteFields(Storage& storage, const RecordHeader& record,
                   const std::vector<std::pair<std::string, FieldVersion>>& fields) {
  auto txn = storage.BeginWrite();
  if (!txn.ok()) return txn.status();
  auto loaded = (*txn)->LoadRecord(record.id);
  if (!loaded.ok()) return loaded.status();
  Record current = loaded->value_or(Record{record.id, record.type, record.scope, {}});
  for (const auto& [name, version] : fields) {
    std::optional<FieldVersion> previous;
    if (const FieldVersion* f = current.Find(name)) previous = *f;
    if (Status s = (*txn)->PutField(record, name, version, previous); !s.ok()) return s;
    current.fields[name] = version;
  }
  return (*txn)->Commit();
}

ScopeChecksum ChecksumOfRecords(const std::vector<Record>& records) {
  ScopeChecksum sum;
  for (const Record& r : records) {
    for (const auto& [name, version] : r.fields) sum.Add(FieldHash(r.id, name, version.stamp));
  }
  return sum;
}

Uuid TestId(uint64_t n) {
  return Uuid::V7(1732780800000 + static_cast<int64_t>(n), n * 0x9E3779B97F4A7C15ull,
                  n ^ 0xC2B2AE3D27D4EB4Full);
}

uint64_t TestSeed() {
  uint64_t seed;
  if (const char* s = std::getenv("HOMEVISIT_SEED")) {
    seed = std::strtoull(s, nullptr, 10);
  } else {
    seed = static_cast<uint64_t>(
        std::chrono::steady_clock::now().time_since_epoch().count() % 1000000007);
  }
  std::printf("seed %llu (replay with HOMEVISIT_SEED=%llu)\n",
              static_cast<unsigned long long>(seed), static_cast<unsigned long long>(seed));
  return seed;
}

}  // namespace homevisit::server::testing
