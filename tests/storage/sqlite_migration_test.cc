// A database written by the schema-2 server (one row per field) is migrated to one row per
// record without losing a field, a stamp, a change position or a checksum.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>

#include "core/checksum.h"
#include "sync-server/storage/sqlite_db.h"
#include "sync-server/storage/sqlite_schema.h"
#include "sync-server/storage/storage.h"
#include "sync-server/storage/value_codec.h"

namespace homevisit::server {
namespace {

Uuid Id(uint64_t n) { return Uuid::V7(1700000000000 + static_cast<int64_t>(n), n, n); }

TEST(SqliteMigrationTest, FieldRowsOfSchemaTwoBecomeRecordRowsWithTheirPositions) {
  const std::string path =
      (std::filesystem::temp_directory_path() /
       ("homevisit_migration_" + std::to_string(::getpid()) + ".db")).string();
  std::filesystem::remove(path);
  {
    auto conn = sqlite::Connection::Open(path, 1000);
    ASSERT_TRUE(conn.ok()) << conn.status().ToString();
    ASSERT_TRUE(sqlite::MigrateTo(**conn, 2).ok());
    ASSERT_TRUE((*conn)->Exec("INSERT INTO scopes VALUES ('qx', 'x'), ('qx/hs', 'y')").ok());
    // Two records: the first written at positions 1 and 3, the second at 2.
    struct Row { uint64_t record; const char* name; Value value; uint64_t hlc; int64_t seq; };
    const std::vector<Row> rows = {{1, "name", Value("王芳"), 100, 1},
                                   {2, "name", Value("李强"), 101, 2},
                                   {1, "grade", Value(3), 102, 3}};
    for (uint64_t r : {1, 2}) {
      auto q = (*conn)->Prepare("INSERT INTO records(id, type, scope) VALUES (?1, 'student', 'qx/hs')");
      ASSERT_TRUE(q.ok());
      q->BindBlob(1, Id(r).AsBytes());
      ASSERT_TRUE(q->Run().ok());
    }
    ScopeChecksum sum;
    for (const Row& row : rows) {
      auto q = (*conn)->Prepare(
          "INSERT INTO fields(record_id, name, scope, value, hlc, node, seq) "
          "VALUES (?1, ?2, 'qx/hs', ?3, ?4, 7, ?5)");
      ASSERT_TRUE(q.ok());
      q->BindBlob(1, Id(row.record).AsBytes()).Bind(2, row.name).BindBlob(3, EncodeValue(row.value));
      q->Bind(4, static_cast<int64_t>(row.hlc)).Bind(5, row.seq);
      ASSERT_TRUE(q->Run().ok());
      sum.Add(FieldHash(Id(row.record), row.name, Stamp{row.hlc, 7}));
    }
    auto q = (*conn)->Prepare("INSERT INTO scope_checksums VALUES ('qx/hs', ?1, 3)");
    ASSERT_TRUE(q.ok());
    q->Bind(1, static_cast<int64_t>(sum.sum));
    ASSERT_TRUE(q->Run().ok());
    ASSERT_TRUE((*conn)->Exec("UPDATE counters SET value = 3 WHERE name = 'last_seq'").ok());
  }
  auto storage = OpenStorage("sqlite:" + path);
  ASSERT_TRUE(storage.ok());
  ASSERT_TRUE((*storage)->Migrate().ok());

  auto first = (*storage)->GetRecord(Id(1));
  ASSERT_TRUE(first.ok() && *first);
  EXPECT_EQ((*first)->type, "student");
  EXPECT_EQ((*first)->Find("name")->value, Value("王芳"));
  EXPECT_EQ((*first)->Find("grade")->stamp, (Stamp{102, 7}));

  // The feed keeps every field at its old position: resuming after 2 gives only grade.
  auto all = (*storage)->ReadChanges({"qx"}, 0, 100);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].seq, 1u);
  EXPECT_EQ((*all)[1].seq, 2u);
  EXPECT_EQ((*all)[2].seq, 3u);
  auto rest = (*storage)->ReadChanges({"qx"}, 2, 100);
  ASSERT_TRUE(rest.ok());
  ASSERT_EQ(rest->size(), 1u);
  EXPECT_EQ((*rest)[0].field, "grade");

  ScopeChecksum expected;
  for (const Change& c : *all) expected.Add(FieldHash(c.record.id, c.field, c.version.stamp));
  EXPECT_EQ(*(*storage)->ChecksumOf("qx"), expected);
  auto stats = (*storage)->GetStats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->fields, 3);
  EXPECT_EQ(stats->records_by_type, (std::vector<std::pair<std::string, int64_t>>{{"student", 2}}));

  // New writes continue after the old positions.
  auto txn = (*storage)->BeginWrite();
  ASSERT_TRUE(txn.ok());
  ASSERT_TRUE((*txn)->PutField({Id(2), "student", "qx/hs"}, "grade",
                               FieldVersion{Value(5), Stamp{200, 7}}, std::nullopt).ok());
  ASSERT_TRUE((*txn)->Commit().ok());
  auto later = (*storage)->ReadChanges({"qx"}, 3, 100);
  ASSERT_TRUE(later.ok());
  ASSERT_EQ(later->size(), 1u);
  EXPECT_GT((*later)[0].seq, 3u);
  storage->reset();
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace homevisit::server
