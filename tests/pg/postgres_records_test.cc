// The PostgreSQL backend's record rows: the stored fields format (round trip, and a damaged
// row is kInternal, never a crash), change entries, and the migration from schema 2 (one
// row per field) to schema 3 (one row per record) with the data kept.
#include <gtest/gtest.h>

#include <random>

#include "core/checksum.h"
#include "sync-server/storage/postgres_internal.h"
#include "sync-server/storage/postgres_schema.h"
#include "tests/pg/pg_test_support.h"

namespace homevisit::server::testing {
namespace {

std::vector<pg::StoredField> SampleFields(const std::vector<std::string>& values) {
  return {{"age", values[0], Stamp{1, 2}, 3, 4},
          {"name", values[1], Stamp{~uint64_t{0}, 0xFFFFFFFFu}, ~uint64_t{0} >> 1, 0x7FFFFFFF},
          {"名字", values[2], Stamp{Stamp::Pack(1700000000000, 5), 300}, 1u << 20, 1}};
}

TEST(StoredFieldsTest, RoundTripsEveryFieldExactly) {
  const std::vector<std::string> values = {pg::EncodeValue(Value(41)),
                                           pg::EncodeValue(Value(std::string(300, 'x'))),
                                           pg::EncodeValue(Value("王芳"))};
  const auto fields = SampleFields(values);
  const std::string bytes = pg::EncodeStoredFields(fields);
  EXPECT_EQ(bytes[0], 0x01) << "format byte";
  std::vector<pg::StoredField> back;
  ASSERT_TRUE(pg::DecodeStoredFields(bytes, &back).ok());
  ASSERT_EQ(back.size(), fields.size());
  for (size_t i = 0; i < fields.size(); ++i) {
    EXPECT_EQ(back[i].name, fields[i].name);
    EXPECT_EQ(back[i].value, fields[i].value);
    EXPECT_EQ(back[i].stamp, fields[i].stamp);
    EXPECT_EQ(back[i].txn, fields[i].txn);
    EXPECT_EQ(back[i].ord, fields[i].ord);
  }
  EXPECT_TRUE(pg::DecodeStoredFields(pg::EncodeStoredFields({}), &back).ok());
  EXPECT_TRUE(back.empty());
}

TEST(StoredFieldsTest, DamagedRowsAreInternalErrors) {
  const std::vector<std::string> values = {"a", "bb", "ccc"};
  const std::string good = pg::EncodeStoredFields(SampleFields(values));
  std::vector<pg::StoredField> out;
  auto refused = [&](const std::string& bytes) {
    Status s = pg::DecodeStoredFields(bytes, &out);
    return s.code() == StatusCode::kInternal;
  };
  EXPECT_TRUE(refused(""));
  EXPECT_TRUE(refused(std::string("\x02") + good.substr(1))) << "unknown format";
  for (size_t n = 0; n < good.size(); ++n) {
    EXPECT_TRUE(refused(good.substr(0, n))) << "truncated to " << n;
  }
  EXPECT_TRUE(refused(good + "x")) << "trailing bytes";
  EXPECT_TRUE(refused(std::string("\x01\xFF\xFF\xFF\xFF\x0F", 6))) << "huge count";
  // Out of order or repeated names.
  auto swapped = SampleFields(values);
  std::swap(swapped[0], swapped[1]);
  EXPECT_TRUE(refused(pg::EncodeStoredFields(swapped)));
  auto twice = SampleFields(values);
  twice[1].name = twice[0].name;
  EXPECT_TRUE(refused(pg::EncodeStoredFields(twice)));
  // Whatever the bytes, decoding returns (ok or not) without reading outside them.
  std::mt19937_64 rng(TestSeed());
  for (int i = 0; i < 20000; ++i) {
    std::string bytes = good;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f) bytes[rng() % bytes.size()] = static_cast<char>(rng());
    if (rng() % 2) bytes.resize(rng() % (bytes.size() + 1));
    (void)pg::DecodeStoredFields(bytes, &out);
  }
}

class PostgresRecordsTest : public PostgresTest {};

TEST_F(PostgresRecordsTest, ADamagedRecordRowIsAnInternalErrorEverywhere) {
  auto storage = OpenMigrated();
  ASSERT_TRUE(storage);
  const RecordHeader h{TestId(1), "visit", "c/t/s"};
  ASSERT_TRUE(WriteFields(*storage, h, {{"status", {Value("draft"), At(1000, 7)}}}).ok());
  RunSql("UPDATE records SET fields = '\\x01020161'::bytea");
  EXPECT_EQ(storage->GetRecord(h.id).status().code(), StatusCode::kInternal);
  EXPECT_EQ(storage->ReadChanges({"c"}, 0, 100).status().code(), StatusCode::kInternal);
  EXPECT_EQ(storage->ListRecords("visit", "c", 10).status().code(), StatusCode::kInternal);
  auto txn = storage->BeginWrite();
  ASSERT_TRUE(txn.ok());
  EXPECT_EQ((*txn)->LoadRecord(h.id).status().code(), StatusCode::kInternal);
  EXPECT_FALSE((*txn)->Commit().ok()) << "a failed load fails the transaction";
}

TEST_F(PostgresRecordsTest, AnEntryWhoseFieldsWereAllChangedAgainIsRemoved) {
  auto storage = OpenMigrated();
  ASSERT_TRUE(storage);
  const RecordHeader h{TestId(2), "visit", "c/t/s"};
  ASSERT_TRUE(WriteFields(*storage, h, {{"a", {Value(1), At(1000, 7)}},
                                        {"b", {Value(1), At(1000, 7)}}}).ok());
  ASSERT_TRUE(WriteFields(*storage, h, {{"a", {Value(2), At(2000, 7)}}}).ok());
  ASSERT_TRUE(WriteFields(*storage, h, {{"a", {Value(3), At(3000, 7)}}}).ok());
  auto conn = pg::Connection::Open(conninfo_);
  ASSERT_TRUE(conn.ok());
  // The first entry still brings b; the second lost its only field to the third.
  EXPECT_EQ((*conn)->Run("SELECT count(*) FROM changes")->Text(0, 0), "2");
  auto changes = storage->ReadChanges({"c"}, 0, 100);
  ASSERT_TRUE(changes.ok());
  ASSERT_EQ(changes->size(), 2u);
  EXPECT_EQ((*changes)[0].field, "b");
  EXPECT_EQ((*changes)[1].field, "a");
  EXPECT_EQ((*changes)[1].version.value, Value(3));
  EXPECT_EQ((*changes)[1].seq, 3u);
}

// Schema 2 as its writer left it: one row per field with its (txn, ord), the commits that
// gave them positions, the counter and the checksums.
void WriteVersion2Field(pg::Connection& conn, const RecordHeader& h, const std::string& name,
                        const FieldVersion& v, int64_t txn, int32_t ord) {
  static const pg::Statement kRecord = {"v2_record", R"sql(
INSERT INTO records (id, type, scope) VALUES ($1::bytea, $2::text, $3::text)
ON CONFLICT DO NOTHING)sql"};
  static const pg::Statement kField = {"v2_field", R"sql(
INSERT INTO fields (record_id, name, type, scope, value, hlc, node, txn, ord)
VALUES ($1::bytea, $2::text, $3::text, $4::text, $5::bytea, $6::int8, $7::int8, $8::int8,
        $9::int4)
ON CONFLICT (record_id, name) DO UPDATE
SET value = excluded.value, hlc = excluded.hlc, node = excluded.node, txn = excluded.txn,
    ord = excluded.ord)sql"};
  ASSERT_TRUE(conn.Exec(kRecord, pg::Params().Bytes(h.id.AsBytes()).Text(h.type).Text(h.scope))
                  .ok());
  ASSERT_TRUE(conn.Exec(kField, pg::Params()
                                    .Bytes(h.id.AsBytes())
                                    .Text(name)
                                    .Text(h.type)
                                    .Text(h.scope)
                                    .Bytes(pg::EncodeValue(v.value))
                                    .Int64(static_cast<int64_t>(v.stamp.hlc))
                                    .Int64(v.stamp.node)
                                    .Int64(txn)
                                    .Int32(ord))
                  .ok());
}

void CommitVersion2(pg::Connection& conn, int64_t txn, int64_t writes, const std::string& scope) {
  const std::string t = std::to_string(txn), n = std::to_string(writes);
  ASSERT_TRUE(conn.Run("UPDATE commit_counter SET last_pos = last_pos + " + n + ";" +
                       "INSERT INTO commits (last_pos, first_pos, txn, scopes) "
                       "SELECT last_pos, last_pos - " + n + " + 1, " + t + ", ARRAY['" + scope +
                       "'] FROM commit_counter")
                  .ok());
}

TEST_F(PostgresRecordsTest, MigrationFromOneRowPerFieldKeepsFieldsPositionsAndStats) {
  {
    auto conn = pg::Connection::Open(conninfo_);
    ASSERT_TRUE(conn.ok());
    ASSERT_TRUE(pg::MigrateSchema(**conn, 2).ok());
  }
  auto conn = pg::Connection::Open(conninfo_);
  ASSERT_TRUE(conn.ok());
  const RecordHeader a{TestId(10), "visit", "c/t/s"};
  const RecordHeader b{TestId(11), "visit", "c/t/s"};
  const RecordHeader gone{TestId(12), "visit", "c/t/s"};
  const RecordHeader conflict{TestId(13), "conflict", "c/t/s"};
  const FieldVersion long_text{Value(std::string(500, 'x') + "花山村"), At(1000, 7)};
  const FieldVersion top_bit{Value(41), Stamp{~uint64_t{0} - 5, 0xFFFFFFFFu}};
  // txn 5: positions 1..3. a.name, a.age (later overwritten), b.名字
  WriteVersion2Field(**conn, a, "name", long_text, 5, 1);
  WriteVersion2Field(**conn, a, "age", {Value(40), At(1000, 7)}, 5, 2);
  WriteVersion2Field(**conn, b, "名字", {Value("王芳"), At(1001, 8)}, 5, 3);
  CommitVersion2(**conn, 5, 3, "c/t/s");
  // txn 9: position 4. a.age again: the row moves.
  WriteVersion2Field(**conn, a, "age", top_bit, 9, 1);
  CommitVersion2(**conn, 9, 1, "c/t/s");
  // txn 7: positions 5..7. A deleted record and an open conflict.
  WriteVersion2Field(**conn, gone, "name", {Value("x"), At(1002, 7)}, 7, 1);
  WriteVersion2Field(**conn, gone, kDeletedField, {Value(true), At(1003, 7)}, 7, 2);
  WriteVersion2Field(**conn, conflict, "status", {Value("open"), At(1004, 0)}, 7, 3);
  CommitVersion2(**conn, 7, 3, "c/t/s");
  // The checksum as the old writer kept it, over the current fields.
  ScopeChecksum sum;
  sum.Add(FieldHash(a.id, "name", long_text.stamp));
  sum.Add(FieldHash(a.id, "age", top_bit.stamp));
  sum.Add(FieldHash(b.id, "名字", At(1001, 8)));
  sum.Add(FieldHash(gone.id, "name", At(1002, 7)));
  sum.Add(FieldHash(gone.id, kDeletedField, At(1003, 7)));
  sum.Add(FieldHash(conflict.id, "status", At(1004, 0)));
  ASSERT_TRUE((*conn)->Run("INSERT INTO scope_checksums VALUES ('c/t/s', " +
                           std::to_string(sum.sum) + ", " + std::to_string(sum.count) + ")")
                  .ok());
  ASSERT_TRUE((*conn)->Run("SELECT setval('write_txns', 9)").ok());

  auto storage = OpenMigrated();  // migrates 2 -> 3
  ASSERT_TRUE(storage);
  EXPECT_EQ((*conn)->Run("SELECT version FROM schema_version")->Text(0, 0), "3");
  EXPECT_EQ((*conn)->Run("SELECT to_regclass('fields') IS NULL")->Text(0, 0), "t");

  Record expected_a{a.id, a.type, a.scope, {{"name", long_text}, {"age", top_bit}}};
  auto got_a = storage->GetRecord(a.id);
  ASSERT_TRUE(got_a.ok()) << got_a.status().ToString();
  ASSERT_TRUE(got_a->has_value());
  EXPECT_EQ(**got_a, expected_a);
  auto got_b = storage->GetRecord(b.id);
  ASSERT_TRUE(got_b.ok() && got_b->has_value());
  EXPECT_EQ((*got_b)->Find("名字")->value, Value("王芳"));

  // Every field keeps its position: the cursors devices hold stay valid.
  auto changes = storage->ReadChanges({"c"}, 0, 100);
  ASSERT_TRUE(changes.ok()) << changes.status().ToString();
  std::vector<std::pair<uint64_t, std::string>> positions;
  for (const Change& c : *changes) positions.emplace_back(c.seq, c.field);
  EXPECT_EQ(positions, (std::vector<std::pair<uint64_t, std::string>>{
                           {1, "name"}, {3, "名字"}, {4, "age"}, {5, "name"},
                           {6, kDeletedField}, {7, "status"}}));
  auto after_3 = storage->ReadChanges({"c"}, 3, 100);
  ASSERT_TRUE(after_3.ok());
  ASSERT_EQ(after_3->size(), 4u);
  EXPECT_EQ((*after_3)[0].version, top_bit);

  auto stats = storage->GetStats();
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  using Counts = std::vector<std::pair<std::string, int64_t>>;
  EXPECT_EQ(stats->records_by_type, (Counts{{"conflict", 1}, {"visit", 2}}));
  EXPECT_EQ(stats->fields, 6);
  EXPECT_EQ(stats->open_conflicts, 1);
  EXPECT_EQ(stats->last_seq, 7u);

  // Writing on top of migrated rows: a.name moves to a new position, the rest stay.
  const FieldVersion renamed{Value("李华"), At(5000, 7)};
  ASSERT_TRUE(WriteFields(*storage, a, {{"name", renamed}}).ok());
  auto later = storage->ReadChanges({"c"}, 7, 100);
  ASSERT_TRUE(later.ok());
  ASSERT_EQ(later->size(), 1u);
  EXPECT_EQ((*later)[0].seq, 8u);
  EXPECT_EQ((*later)[0].version, renamed);
  auto all = storage->ReadChanges({"c"}, 0, 100);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 6u) << "a.name once, at its new position";
  EXPECT_EQ((*conn)->Run("SELECT count(*) FROM changes WHERE txn = 5 AND ord = 1")->Text(0, 0),
            "0")
      << "the entry that only brought a.name is gone";
  expected_a.fields["name"] = renamed;
  EXPECT_EQ(**storage->GetRecord(a.id), expected_a);
  std::vector<Record> records;
  for (const RecordHeader& h : {a, b, gone, conflict}) records.push_back(**storage->GetRecord(h.id));
  EXPECT_EQ(*storage->ChecksumOf("c"), ChecksumOfRecords(records));
}

}  // namespace
}  // namespace homevisit::server::testing
