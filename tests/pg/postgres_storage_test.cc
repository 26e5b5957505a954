// The PostgreSQL backend against a real PostgreSQL: opening, migrations, records, the
// change feed and checksums.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <thread>

#include "sync-server/storage/postgres_conn.h"
#include "sync-server/storage/postgres_schema.h"
#include "tests/pg/pg_test_support.h"

namespace homevisit::server::testing {
namespace {

using namespace std::chrono_literals;

using Fields = std::vector<std::pair<std::string, FieldVersion>>;

// "host=H port=P dbname=D user=U" as a postgresql:// URL, for the URL form tests.
std::string AsUrl(const std::string& conninfo, const std::string& scheme) {
  std::map<std::string, std::string> kv;
  size_t i = 0;
  while (i < conninfo.size()) {
    const size_t end = std::min(conninfo.find(' ', i), conninfo.size());
    const std::string item = conninfo.substr(i, end - i);
    const size_t eq = item.find('=');
    if (eq != std::string::npos) kv[item.substr(0, eq)] = item.substr(eq + 1);
    i = end + 1;
  }
  return scheme + "://" + kv["user"] + "@" + kv["host"] + ":" + kv["port"] + "/" + kv["dbname"];
}

Result<int> StoredVersion(const std::string& conninfo) {
  auto conn = pg::Connection::Open(conninfo);
  if (!conn.ok()) return conn.status();
  auto rows = (*conn)->Run("SELECT version FROM schema_version");
  if (!rows.ok()) return rows.status();
  return std::stoi(rows->Text(0, 0));
}

class PostgresStorageTest : public PostgresTest {};

TEST_F(PostgresStorageTest, OpensUrlsAndKeyValueStrings) {
  if (base_conninfo_.find("://") != std::string::npos) GTEST_SKIP() << "PG_CONNINFO is a URL";
  for (const std::string scheme : {"postgresql", "postgres"}) {
    const std::string url = WithSearchPath(AsUrl(base_conninfo_, scheme), schema_);
    auto storage = OpenPostgresStorage(url);
    ASSERT_TRUE(storage.ok()) << scheme << ": " << storage.status().ToString();
    EXPECT_TRUE((*storage)->Migrate().ok());
  }
  auto storage = OpenPostgresStorage(conninfo_);
  ASSERT_TRUE(storage.ok()) << storage.status().ToString();
  EXPECT_TRUE((*storage)->Migrate().ok());
}

TEST_F(PostgresStorageTest, BadConnectionStringsAreRefusedWithAReason) {
  auto not_pg = OpenPostgresStorage("sqlite:/tmp/x.db");
  EXPECT_EQ(not_pg.status().code(), StatusCode::kInvalidArgument);
  auto bad_key = OpenPostgresStorage("host=127.0.0.1 colour=blue");
  EXPECT_EQ(bad_key.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad_key.status().message().find("colour"), std::string::npos)
      << bad_key.status().message();
}

TEST_F(PostgresStorageTest, PoolSizeFromTheConnectionStringLimitsConnections) {
  // Two connections: two open write transactions hold both, a third caller waits and then
  // hears the database is busy.
  auto storage = OpenPostgresStorage(conninfo_ + " pool_max_conns=2",
                                     PostgresOptions{.acquire_timeout = 300ms});
  ASSERT_TRUE(storage.ok()) << storage.status().ToString();
  ASSERT_TRUE((*storage)->Migrate().ok());
  auto first = (*storage)->BeginWrite();
  auto second = (*storage)->BeginWrite();
  ASSERT_TRUE(first.ok() && second.ok());
  auto third = (*storage)->BeginWrite();
  EXPECT_EQ(third.status().code(), StatusCode::kUnavailable) << third.status().ToString();
  first->reset();
  EXPECT_TRUE((*storage)->BeginWrite().ok()) << "a released connection is reused";
}

TEST_F(PostgresStorageTest, PoolSizeIsAcceptedInUrlsAndCheckedForRange) {
  if (base_conninfo_.find("://") != std::string::npos) GTEST_SKIP() << "PG_CONNINFO is a URL";
  const std::string url = AsUrl(base_conninfo_, "postgresql");
  EXPECT_TRUE(OpenPostgresStorage(url + "?pool_max_conns=3").ok());
  EXPECT_TRUE(OpenPostgresStorage(url + "?connect_timeout=5&pool_max_conns=3").ok());
  EXPECT_TRUE(OpenPostgresStorage(url + "?pool_max_conns=3&connect_timeout=5").ok());
  for (const std::string bad : {"0", "-1", "many", "", "5000"}) {
    EXPECT_EQ(OpenPostgresStorage(url + "?pool_max_conns=" + bad).status().code(),
              StatusCode::kInvalidArgument)
        << bad;
    EXPECT_EQ(OpenPostgresStorage(base_conninfo_ + " pool_max_conns=" + bad).status().code(),
              StatusCode::kInvalidArgument)
        << bad;
  }
}

TEST_F(PostgresStorageTest, UnreachableServerIsUnavailableAndThePasswordIsNotShown) {
  auto storage = OpenPostgresStorage(
      "postgresql://homevisit:s3cret-pw@127.0.0.1:1/homevisit?connect_timeout=2");
  EXPECT_EQ(storage.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(storage.status().message().find("s3cret-pw"), std::string::npos)
      << storage.status().message();
}

TEST_F(PostgresStorageTest, MigrateCreatesTheSchemaOnceAndRecordsItsVersion) {
  auto storage = OpenMigrated();
  ASSERT_TRUE(storage);
  EXPECT_TRUE(storage->Migrate().ok()) << "a second Migrate must be a no-op";
  auto version = StoredVersion(conninfo_);
  ASSERT_TRUE(version.ok()) << version.status().ToString();
  EXPECT_EQ(*version, storage->SchemaVersion());
}

TEST_F(PostgresStorageTest, NewerSchemaIsRefusedAndLeftUntouched) {
  auto storage = OpenMigrated();
  ASSERT_TRUE(storage);
  ASSERT_TRUE(storage->AddScope({"县", "某县"}).ok());
  RunSql("UPDATE schema_version SET version = 99");
  auto newer = OpenPostgresStorage(conninfo_);
  ASSERT_TRUE(newer.ok());
  Status s = (*newer)->Migrate();
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("99"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find(std::to_string((*newer)->SchemaVersion())), std::string::npos);
  EXPECT_EQ(*StoredVersion(conninfo_), 99);
  auto scopes = storage->ListScopes();
  ASSERT_TRUE(scopes.ok());
  EXPECT_EQ(scopes->size(), 1u);
}

TEST_F(PostgresStorageTest, SeveralInstancesStartingAtOnceMigrateOnce) {
  std::vector<std::thread> threads;
  std::vector<Status> results(4);
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      auto s = OpenPostgresStorage(conninfo_);
      results[i] = s.ok() ? (*s)->Migrate() : s.status();
    });
  }
  for (auto& t : threads) t.join();
  for (const Status& s : results) EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(*StoredVersion(conninfo_), pg::kSchemaVersion);
}

TEST_F(PostgresStorageTest, EveryValueTypeIsStoredLosslessly) {
  auto storage = OpenMigrated();
  ASSERT_TRUE(storage);
  Row member;
  member.Set("name", "王芳").Set("age", 41).Set("income", Decimal{"8000.50"});
  const std::vector<Value> values = {
      Value(), Value("花山村"), Value(std::numeric_limits<int64_t>::min()),
      Value(std::numeric_limits<int64_t>::max()), Value(Decimal{"12.30"}), Value(true),
      Value(false), Value(Date{-3}), Value(StringList{"dibao", "disabled"}),
      Value(GeoPoint{27.123456789, 109.987654321, 12.5}),
      Value(BlobRef{std::string(32, '\0')}), Value(Rows{{member, Row{}}})};
  const RecordHeader h{TestId(1), "household", "县/乡/校"};
  Fields fields;
  for (size_t i = 0; i < values.size(); ++i) {
    // The largest stamps a 64-bit hlc can hold survive the bigint column too.
    fields.push_back({"f" + std::to_string(i),
                      FieldVersion{values[i], Stamp{~uint64_t{0} - i, 0xFFFFFFFFu}}});
  }
  ASSERT_TRUE(WriteFields(*storage, h, fields).ok());
  auto got = storage->GetRecord(h.id);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_TRUE(got->has_value());
  Record expected{h.id, h.type, h.scope, {}};
  for (const auto& [name, v] : fields) expected.fields[name] = v;
  EXPECT_EQ((*got)->DebugString(), expected.DebugString());
  EXPECT_EQ(**got, expected);
}

TEST_F(PostgresStorageTest, ATransactionDroppedWithoutCommitLeavesNoTrace) {
  auto storage = OpenMigrated();
  ASSERT_TRUE(storage);
  const RecordHeader h{TestId(2), "visit", "c/t/s"};
  {
    auto txn = storage->BeginWrite();
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE(*(*txn)->MarkBatch(7, 1));
    ASSERT_TRUE((*txn)->PutField(h, "status", {Value("draft"), At(1000, 7)}, std::nullopt).ok());
  }
  EXPECT_FALSE(storage->GetRecord(h.id)->has_value());
  EXPECT_TRUE(storage->ReadChanges({"c"}, 0, 100)->empty());
  EXPECT_EQ(*storage->ChecksumOf("c"), ScopeChecksum{});
  auto txn = storage->BeginWrite();
  EXPECT_TRUE(*(*txn)->MarkBatch(7, 1)) << "the rolled-back batch mark must not count";
}

TEST_F(PostgresStorageTest, ATransactionReadsItsOwnWrites) {
  auto storage = OpenMigrated();
  ASSERT_TRUE(storage);
  const RecordHeader h{TestId(3), "visit", "c/t/s"};
  auto txn = storage->BeginWrite();
  ASSERT_TRUE(txn.ok());
  ASSERT_TRUE((*txn)->PutField(h, "status", {Value("draft"), At(1000, 7)}, std::nullopt).ok());
  auto loaded = (*txn)->LoadRecord(h.id);
  ASSERT_TRUE(loaded.ok() && loaded->has_value());
  EXPECT_EQ((*loaded)->Find("status")->value, Value("draft"));
  EXPECT_FALSE(storage->GetRecord(h.id)->has_value()) << "not visible before commit";
  ASSERT_TRUE((*txn)->Commit().ok());
  EXPECT_TRUE(storage->GetRecord(h.id)->has_value());
}

TEST_F(PostgresStorageTest, AnOverwrittenVersionIsRememberedAsSuperseded) {
  auto storage = OpenMigrated();
  ASSERT_TRUE(storage);
  const RecordHeader h{TestId(4), "visit", "c/t/s"};
  ASSERT_TRUE(WriteFields(*storage, h, {{"income", {Value(100), At(1000, 7)}}}).ok());
  ASSERT_TRUE(WriteFields(*storage, h, {{"income", {Value(200), At(2000, 8)}}}).ok());
  auto txn = storage->BeginWrite();
  EXPECT_TRUE(*(*txn)->WasSuperseded(h.id, "income", At(1000, 7)));
  EXPECT_FALSE(*(*txn)->WasSuperseded(h.id, "income", At(2000, 8))) << "current, not superseded";
  EXPECT_FALSE(*(*txn)->WasSuperseded(h.id, "income", At(1500, 7))) << "never seen";
  EXPECT_FALSE(*(*txn)->WasSuperseded(h.id, "status", At(1000, 7))) << "other field";
  // Superseded inside the same, still open, transaction counts too.
  auto loaded = (*txn)->LoadRecord(h.id);
  ASSERT_TRUE((*txn)->PutField(h, "income", {Value(300), At(3000, 9)},
                               *(*loaded)->Find("income")).ok());
  EXPECT_TRUE(*(*txn)->WasSuperseded(h.id, "income", At(2000, 8)));
}

TEST_F(PostgresStorageTest, PutFieldWithAStalePreviousVersionFailsTheTransaction) {
  auto storage = OpenMigrated();
  ASSERT_TRUE(storage);
  const RecordHeader h{TestId(5), "visit", "c/t/s"};
  ASSERT_TRUE(WriteFields(*storage, h, {{"income", {Value(100), At(1000, 7)}}}).ok());
  auto txn = storage->BeginWrite();
  ASSERT_TRUE(txn.ok());
  ASSERT_TRUE((*txn)->PutField({TestId(6), "visit", "c/t/s"}, "income",
                               {Value(7), At(3000, 8)}, std::nullopt)
                  .ok());
  Status s = (*txn)->PutField(h, "income", {Value(1), At(3000, 8)}, std::nullopt);
  EXPECT_EQ(s.code(), StatusCode::kInternal) << s.ToString();
  EXPECT_FALSE((*txn)->Commit().ok()) << "a batch must never commit half-merged";
  EXPECT_EQ((*storage->GetRecord(h.id))->Find("income")->value, Value(100));
  EXPECT_FALSE(storage->GetRecord(TestId(6))->has_value());
}

TEST_F(PostgresStorageTest, ARecordKeepsItsTypeAndScope) {
  auto storage = OpenMigrated();
  ASSERT_TRUE(storage);
  ASSERT_TRUE(WriteFields(*storage, {TestId(7), "visit", "c/t/s"},
                          {{"income", {Value(100), At(1000, 7)}}}).ok());
  auto txn = storage->BeginWrite();
  Status s = (*txn)->PutField({TestId(7), "visit", "c/t/other"}, "status",
                              {Value("draft"), At(2000, 7)}, std::nullopt);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
}

TEST_F(PostgresStorageTest, ResentBatchIsMarkedOnlyOnceEvenFromTwoInstances) {
  auto a = OpenMigrated();
  auto b = OpenMigrated();
  ASSERT_TRUE(a && b);
  auto first = a->BeginWrite();
  ASSERT_TRUE(*(*first)->MarkBatch(9, 1));
  // The same batch arriving at another instance waits for the first to finish...
  Result<bool> second_mark = false;
  std::thread other([&] {
    auto second = b->BeginWrite();
    second_mark = (*second)->MarkBatch(9, 1);
    (void)(*second)->Commit();
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  ASSERT_TRUE((*first)->Commit().ok());
  other.join();
  // ...and then sees it as applied.
  ASSERT_TRUE(second_mark.ok()) << second_mark.status().ToString();
  EXPECT_FALSE(*second_mark);
  EXPECT_TRUE(*(*b->BeginWrite())->MarkBatch(9, 2));
  EXPECT_TRUE(*(*b->BeginWrite())->MarkBatch(10, 1));
}

TEST_F(PostgresStorageTest, ChangesComeInCommitOrderAndResumeFromTheCursor) {
  auto storage = OpenMigrated();
  ASSERT_TRUE(storage);
  for (int i = 0; i < 5; ++i) {
    const RecordHeader h{TestId(100 + i), "visit", "c/t/s"};
    ASSERT_TRUE(WriteFields(*storage, h, {{"n", {Value(i), At(1000 + i, 7)}},
                                          {"m", {Value(i), At(1000 + i, 7)}}})
                    .ok());
  }
  // The two fields of a record share its position, and a page never splits a position: a
  // page of limit 3 may hold one record's fields more (4 here).
  std::vector<Change> all;
  uint64_t cursor = 0;
  for (int round = 0; round < 10; ++round) {
    auto page = storage->ReadChanges({"c/t/s"}, cursor, 3);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    if (page->empty()) break;
    EXPECT_LE(page->size(), 3u + 1u);
    const uint64_t page_start = cursor;
    for (const Change& c : *page) {
      EXPECT_GT(c.seq, page_start);
      EXPECT_GE(c.seq, cursor) << "positions go backwards";
      cursor = c.seq;
      all.push_back(c);
    }
  }
  ASSERT_EQ(all.size(), 10u);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(all[2 * i].record.id, TestId(100 + i)) << "commit order";
    EXPECT_EQ(all[2 * i + 1].record.id, TestId(100 + i)) << "a record comes whole";
    EXPECT_EQ(all[2 * i].seq, all[2 * i + 1].seq) << "one position per record and commit";
    if (i > 0) EXPECT_GT(all[2 * i].seq, all[2 * i - 1].seq);
    EXPECT_EQ(all[2 * i].field + all[2 * i + 1].field, "mn") << "fields in name order";
    EXPECT_EQ(all[2 * i].record.type, "visit");
    EXPECT_EQ(all[2 * i].record.scope, "c/t/s");
  }
  auto stats = storage->GetStats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->last_seq, cursor);
}

TEST_F(PostgresStorageTest, ChangesAreLimitedToCoveredScopes) {
  auto storage = OpenMigrated();
  ASSERT_TRUE(storage);
  const std::vector<std::string> scopes = {"c/t_1", "c/t_1/s", "c/tx1", "c/t_10", "d/t_1"};
  for (size_t i = 0; i < scopes.size(); ++i) {
    ASSERT_TRUE(WriteFields(*storage, {TestId(200 + i), "visit", scopes[i]},
                            {{"n", {Value(1), At(1000, 7)}}})
                    .ok());
  }
  auto scopes_of = [&](const std::vector<std::string>& asked) {
    std::vector<std::string> got;
    auto changes = storage->ReadChanges(asked, 0, 100);
    EXPECT_TRUE(changes.ok()) << changes.status().ToString();
    if (!changes.ok()) return got;
    for (const Change& c : *changes) got.push_back(c.record.scope);
    std::sort(got.begin(), got.end());
    return got;
  };
  EXPECT_EQ(scopes_of({"c/t_1"}), (std::vector<std::string>{"c/t_1", "c/t_1/s"}));
  EXPECT_EQ(scopes_of({"c/t_1/s", "d"}), (std::vector<std::string>{"c/t_1/s", "d/t_1"}));
  EXPECT_EQ(scopes_of({"c/t"}), std::vector<std::string>{});
  EXPECT_EQ(scopes_of({}), std::vector<std::string>{});
}

TEST_F(PostgresStorageTest, AnOverwrittenFieldIsSentOnceWithItsLatestVersion) {
  auto storage = OpenMigrated();
  ASSERT_TRUE(storage);
  const RecordHeader h{TestId(300), "visit", "c/t/s"};
  ASSERT_TRUE(WriteFields(*storage, h, {{"income", {Value(1), At(1000, 7)}}}).ok());
  auto before = storage->ReadChanges({"c"}, 0, 100);
  ASSERT_EQ(before->size(), 1u);
  ASSERT_TRUE(WriteFields(*storage, h, {{"income", {Value(2), At(2000, 7)}}}).ok());
  auto from_start = storage->ReadChanges({"c"}, 0, 100);
  ASSERT_EQ(from_start->size(), 1u);
  EXPECT_EQ((*from_start)[0].version.value, Value(2));
  auto from_cursor = storage->ReadChanges({"c"}, (*before)[0].seq, 100);
  ASSERT_EQ(from_cursor->size(), 1u);
  EXPECT_GT((*from_cursor)[0].seq, (*before)[0].seq);
}

TEST_F(PostgresStorageTest, ChecksumIsTheSumOfFieldHashesOverCoveredScopes) {
  auto storage = OpenMigrated();
  ASSERT_TRUE(storage);
  std::vector<Record> s1, s2;
  for (int i = 0; i < 20; ++i) {
    const RecordHeader h{TestId(400 + i), "visit", i % 2 ? "c/t/s1" : "c/t/s2"};
    ASSERT_TRUE(WriteFields(*storage, h, {{"a", {Value(i), At(1000 + i, 7)}},
                                          {"b", {Value(i), At(1000 + i, 8)}}})
                    .ok());
    if (i % 3 == 0) {
      ASSERT_TRUE(WriteFields(*storage, h, {{"a", {Value(-i), At(5000 + i, 9)}}}).ok());
    }
    (i % 2 ? s1 : s2).push_back(**storage->GetRecord(h.id));
  }
  std::vector<Record> both = s1;
  both.insert(both.end(), s2.begin(), s2.end());
  EXPECT_EQ(*storage->ChecksumOf("c/t/s1"), ChecksumOfRecords(s1));
  EXPECT_EQ(*storage->ChecksumOf("c/t/s2"), ChecksumOfRecords(s2));
  EXPECT_EQ(*storage->ChecksumOf("c/t"), ChecksumOfRecords(both));
  EXPECT_EQ(*storage->ChecksumOf("c"), ChecksumOfRecords(both));
  EXPECT_EQ(storage->ChecksumOf("c/t")->count, 40u);
  EXPECT_EQ(*storage->ChecksumOf("c/t/s"), ScopeChecksum{}) << "s is not a prefix scope of s1";
}

TEST_F(PostgresStorageTest, ListRecordsReturnsOneTypeWithinAScope) {
  auto storage = OpenMigrated();
  ASSERT_TRUE(storage);
  ASSERT_TRUE(WriteFields(*storage, {TestId(501), "conflict", "c/t/s"},
                          {{"status", {Value("open"), At(1, 0)}}}).ok());
  ASSERT_TRUE(WriteFields(*storage, {TestId(502), "conflict", "c/t2/s"},
                          {{"status", {Value("open"), At(1, 0)}}}).ok());
  ASSERT_TRUE(WriteFields(*storage, {TestId(503), "visit", "c/t/s"},
                          {{"status", {Value("draft"), At(1, 7)}}}).ok());
  auto got = storage->ListRecords("conflict", "c/t", 10);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ((*got)[0].id, TestId(501));
  EXPECT_EQ((*got)[0].Find("status")->value, Value("open"));
  EXPECT_EQ(storage->ListRecords("conflict", "c", 10)->size(), 2u);
  EXPECT_EQ(storage->ListRecords("conflict", "c", 1)->size(), 1u);
}

TEST_F(PostgresStorageTest, StatsCountLiveRecordsAndOpenConflicts) {
  auto storage = OpenMigrated();
  ASSERT_TRUE(storage);
  ASSERT_TRUE(WriteFields(*storage, {TestId(601), "visit", "c/t/s"},
                          {{"status", {Value("draft"), At(1, 7)}}}).ok());
  ASSERT_TRUE(WriteFields(*storage, {TestId(602), "visit", "c/t/s"},
                          {{"status", {Value("draft"), At(1, 7)}},
                           {kDeletedField, {Value(true), At(2, 7)}}}).ok());
  ASSERT_TRUE(WriteFields(*storage, {TestId(603), "conflict", "c/t/s"},
                          {{"status", {Value("open"), At(1, 0)}}}).ok());
  ASSERT_TRUE(WriteFields(*storage, {TestId(604), "conflict", "c/t/s"},
                          {{"status", {Value("resolved"), At(1, 0)}}}).ok());
  auto stats = storage->GetStats();
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  using Counts = std::vector<std::pair<std::string, int64_t>>;
  EXPECT_EQ(stats->records_by_type, (Counts{{"conflict", 2}, {"visit", 1}}));
  EXPECT_EQ(stats->fields, 5);
  EXPECT_EQ(stats->open_conflicts, 1);
  EXPECT_GT(stats->last_seq, 0u);
}

TEST_F(PostgresStorageTest, ALostConnectionIsReplacedByTheNextCall) {
  if (conninfo_.find("://") != std::string::npos) GTEST_SKIP() << "PG_CONNINFO is a URL";
  // A name of its own, so only this storage's connection is cut.
  const std::string app = "lost_" + schema_;
  auto opened = OpenPostgresStorage(conninfo_ + " application_name=" + app,
                                    PostgresOptions{.max_connections = 1});
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  auto& storage = *opened;
  ASSERT_TRUE(storage->Migrate().ok());
  ASSERT_TRUE(storage->AddScope({"c", "county"}).ok());
  RunSql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '" +
         app + "'");
  // The first call on the dead connection fails as retryable; the pool then reconnects.
  auto first = storage->ListScopes();
  if (!first.ok()) {
    EXPECT_EQ(first.status().code(), StatusCode::kUnavailable);
  }
  auto second = storage->ListScopes();
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->size(), 1u);
}

}  // namespace
}  // namespace homevisit::server::testing
