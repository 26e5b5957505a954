// Cursor correctness of the PostgreSQL backend with concurrent writers: a change that
// commits late must still reach a reader whose cursor is already past changes committed
// before it (postgres_storage.cc explains the design).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "core/checksum.h"
#include "core/scope.h"
#include "sync-server/storage/postgres_conn.h"
#include "tests/pg/pg_test_support.h"

namespace homevisit::server::testing {
namespace {

using namespace std::chrono_literals;

class CursorTest : public PostgresTest {};

TEST_F(CursorTest, ATransactionThatCommitsLateIsNotSkipped) {
  auto instance_a = OpenMigrated();
  auto instance_b = OpenMigrated();
  ASSERT_TRUE(instance_a && instance_b);
  const RecordHeader early{TestId(1), "visit", "c/t/s"};
  const RecordHeader late{TestId(2), "visit", "c/t/s"};

  // The late transaction starts first and has written before the other one even begins.
  auto slow = instance_a->BeginWrite();
  ASSERT_TRUE(slow.ok());
  ASSERT_TRUE((*slow)->LoadRecord(late.id).ok());
  ASSERT_TRUE((*slow)->PutField(late, "status", {Value("draft"), At(1000, 7)}, std::nullopt).ok());
  ASSERT_TRUE(WriteFields(*instance_b, early, {{"status", {Value("draft"), At(1001, 8)}}}).ok());

  auto first = instance_b->ReadChanges({"c"}, 0, 100);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_EQ(first->size(), 1u);
  EXPECT_EQ((*first)[0].record.id, early.id);
  const uint64_t cursor = (*first)[0].seq;

  ASSERT_TRUE((*slow)->Commit().ok());
  auto second = instance_b->ReadChanges({"c"}, cursor, 100);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  ASSERT_EQ(second->size(), 1u) << "the late commit was skipped by a reader past the cursor";
  EXPECT_EQ((*second)[0].record.id, late.id);
  EXPECT_GT((*second)[0].seq, cursor);
}

TEST_F(CursorTest, ARolledBackWriterDoesNotHoldReadersBack) {
  auto storage = OpenMigrated();
  ASSERT_TRUE(storage);
  {
    auto abandoned = storage->BeginWrite();
    ASSERT_TRUE((*abandoned)->PutField({TestId(1), "visit", "c/t/s"}, "status",
                                       {Value("draft"), At(1000, 7)}, std::nullopt)
                    .ok());
    // Dropped without Commit.
  }
  ASSERT_TRUE(WriteFields(*storage, {TestId(2), "visit", "c/t/s"},
                          {{"status", {Value("draft"), At(1001, 7)}}})
                  .ok());
  auto changes = storage->ReadChanges({"c"}, 0, 100);
  ASSERT_EQ(changes->size(), 1u);
  EXPECT_EQ((*changes)[0].record.id, TestId(2));
}

TEST_F(CursorTest, ACommitCannotOvertakeOneThatTookItsPositionFirst) {
  auto storage = OpenMigrated();
  ASSERT_TRUE(storage);
  // Another session holds the commit counter, as a committer does between taking its
  // position and finishing COMMIT.
  auto holder = pg::Connection::Open(conninfo_);
  ASSERT_TRUE(holder.ok());
  ASSERT_TRUE((*holder)->Run("BEGIN; UPDATE commit_counter SET last_pos = last_pos + 1").ok());
  std::atomic<bool> committed{false};
  std::thread writer([&] {
    EXPECT_TRUE(WriteFields(*storage, {TestId(1), "visit", "c/t/s"},
                            {{"status", {Value("draft"), At(1000, 7)}}})
                    .ok());
    committed = true;
  });
  std::this_thread::sleep_for(300ms);
  EXPECT_FALSE(committed) << "a commit finished while an earlier position was still open";
  EXPECT_TRUE(storage->ReadChanges({"c"}, 0, 100)->empty());
  ASSERT_TRUE((*holder)->Run("ROLLBACK").ok());
  writer.join();
  EXPECT_EQ(storage->ReadChanges({"c"}, 0, 100)->size(), 1u);
}

// ---------------------------------------------------------------------------------------
// Many writers on two instances, readers following the change feed the whole time.

constexpr int kWriters = 8;
constexpr int kTxnsPerWriter = 500;
constexpr int kSharedRecords = 24;
const std::vector<std::string> kSchools = {"c/t/s0", "c/t/s1", "c/t/s2", "c/t/s3"};

struct ReaderResult {
  std::map<std::pair<Uuid, std::string>, FieldVersion> replica;
  std::map<Uuid, std::string> scope_of;
  uint64_t cursor = 0;
  int64_t changes = 0;
  int64_t reads = 0;
  std::string error;  // first ordering violation or failure
};

// Follows the feed of `scopes` until `stop` is set and a final read finds nothing new.
void FollowFeed(Storage& storage, const std::vector<std::string>& scopes, uint64_t seed,
                const std::atomic<bool>& stop, ReaderResult& out) {
  std::mt19937_64 rng(seed);
  for (;;) {
    const bool last_round = stop.load();
    bool drained = false;
    while (!drained) {
      const size_t limit = 1 + rng() % 300;
      auto page = storage.ReadChanges(scopes, out.cursor, limit);
      ++out.reads;
      if (!page.ok()) {
        out.error = "read failed: " + page.status().ToString();
        return;
      }
      // The fields of one record changed by one transaction share a position: positions
      // never go backwards within a page and all lie after the cursor the page started at.
      const uint64_t page_start = out.cursor;
      for (const Change& c : *page) {
        if (c.seq <= page_start || c.seq < out.cursor) {
          out.error = "position " + std::to_string(c.seq) + " after cursor " +
                      std::to_string(out.cursor);
          return;
        }
        if (!AnyScopeCovers(scopes, c.record.scope)) {
          out.error = "change outside the reader's scopes: " + c.record.scope;
          return;
        }
        out.cursor = c.seq;
        out.replica[{c.record.id, c.field}] = c.version;
        out.scope_of[c.record.id] = c.record.scope;
        ++out.changes;
      }
      drained = page->size() < limit;
    }
    if (last_round) return;
  }
}

struct WriterStats {
  int64_t committed_writes = 0;
  int64_t rolled_back = 0;
  int64_t retries = 0;
  std::string error;
};

// One transaction: a few fields on the writer's own new records and on shared records that
// every writer updates, then, after a random pause, commit (or now and then roll back).
Status WriteOnce(Storage& storage, int writer, int txn, std::mt19937_64& rng,
                 std::atomic<uint64_t>& clock, WriterStats& stats) {
  auto t = storage.BeginWrite();
  if (!t.ok()) return t.status();
  WriteTxn& w = **t;
  const uint32_t node = static_cast<uint32_t>(writer + 1);
  int writes = 0;
  std::vector<RecordHeader> targets;
  const int own = 1 + static_cast<int>(rng() % 3);
  for (int i = 0; i < own; ++i) {
    const uint64_t n = (uint64_t(writer) << 40) | (uint64_t(txn) << 8) | uint64_t(i);
    targets.push_back({TestId(n), "visit", kSchools[rng() % kSchools.size()]});
  }
  if (rng() % 2 == 0) {
    const int s = static_cast<int>(rng() % kSharedRecords);
    targets.push_back({TestId(1000000 + s), "household", kSchools[s % kSchools.size()]});
  }
  for (const RecordHeader& h : targets) {
    auto loaded = w.LoadRecord(h.id);
    if (!loaded.ok()) return loaded.status();
    const int fields = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < fields; ++f) {
      const std::string name = "q" + std::to_string(rng() % 6);
      std::optional<FieldVersion> previous;
      if (loaded->has_value()) {
        if (const FieldVersion* p = (*loaded)->Find(name)) previous = *p;
      }
      const FieldVersion version{Value(static_cast<int64_t>(rng() % 1000)),
                                 Stamp{clock.fetch_add(1) + 1, node}};
      if (Status s = w.PutField(h, name, version, previous); !s.ok()) return s;
      if (!loaded->has_value()) *loaded = Record{h.id, h.type, h.scope, {}};
      (*loaded)->fields[name] = version;
      ++writes;
    }
  }
  std::this_thread::sleep_for(std::chrono::microseconds(rng() % 800));
  if (rng() % 20 == 0) {
    ++stats.rolled_back;
    return Status::Ok();  // dropped: rolls back, leaving a gap in the positions
  }
  if (Status s = w.Commit(); !s.ok()) return s;
  stats.committed_writes += writes;
  return Status::Ok();
}

void RunWriter(Storage& storage, int writer, uint64_t seed, std::atomic<uint64_t>& clock,
               WriterStats& stats) {
  std::mt19937_64 rng(seed);
  for (int txn = 0; txn < kTxnsPerWriter; ++txn) {
    for (int attempt = 0;; ++attempt) {
      Status s = WriteOnce(storage, writer, txn, rng, clock, stats);
      if (s.ok()) break;
      // Two writers locking shared records in opposite orders deadlock; PostgreSQL aborts
      // one and it retries, as the server retries a batch.
      if (s.code() != StatusCode::kUnavailable || attempt == 20) {
        stats.error = s.ToString();
        return;
      }
      ++stats.retries;
    }
  }
}

TEST_F(CursorTest, ConcurrentWritersOnTwoInstancesNeverMakeAReaderSkipAChange) {
  const uint64_t seed = TestSeed();
  auto instance_a = OpenMigrated(PostgresOptions{.max_connections = 8});
  auto instance_b = OpenMigrated(PostgresOptions{.max_connections = 8});
  ASSERT_TRUE(instance_a && instance_b);
  Storage* instances[] = {instance_a.get(), instance_b.get()};

  std::atomic<uint64_t> clock{Stamp::Pack(1732780800000, 0)};
  std::atomic<bool> writers_done{false};
  const std::vector<std::vector<std::string>> reader_scopes = {{"c"}, {"c/t/s1", "c/t/s2"}};
  std::vector<ReaderResult> readers(reader_scopes.size());
  std::vector<std::thread> reader_threads;
  for (size_t r = 0; r < readers.size(); ++r) {
    reader_threads.emplace_back([&, r] {
      FollowFeed(*instances[r % 2], reader_scopes[r], seed + 100 + r, writers_done, readers[r]);
    });
  }
  std::vector<WriterStats> writers(kWriters);
  std::vector<std::thread> writer_threads;
  for (int w = 0; w < kWriters; ++w) {
    writer_threads.emplace_back(
        [&, w] { RunWriter(*instances[w % 2], w, seed + w, clock, writers[w]); });
  }
  for (auto& t : writer_threads) t.join();
  writers_done = true;
  for (auto& t : reader_threads) t.join();

  int64_t writes = 0, rolled_back = 0, retries = 0;
  for (const WriterStats& w : writers) {
    ASSERT_EQ(w.error, "") << "seed " << seed;
    writes += w.committed_writes;
    rolled_back += w.rolled_back;
    retries += w.retries;
  }
  std::printf("committed field writes %lld, rolled back txns %lld, retried txns %lld\n",
              static_cast<long long>(writes), static_cast<long long>(rolled_back),
              static_cast<long long>(retries));
  EXPECT_GE(writes, 20000) << "the test must put real load on the feed";

  // The server's state: every record any writer could have created.
  std::map<std::pair<Uuid, std::string>, FieldVersion> server;
  std::map<Uuid, std::string> server_scope;
  auto add = [&](const Uuid& id) {
    auto r = instance_a->GetRecord(id);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    if (!r->has_value()) return;
    server_scope[id] = (*r)->scope;
    for (const auto& [name, v] : (*r)->fields) server[{id, name}] = v;
  };
  for (int w = 0; w < kWriters; ++w) {
    for (int txn = 0; txn < kTxnsPerWriter; ++txn) {
      for (int i = 0; i < 3; ++i) add(TestId((uint64_t(w) << 40) | (uint64_t(txn) << 8) | i));
    }
  }
  for (int s = 0; s < kSharedRecords; ++s) add(TestId(1000000 + s));

  for (size_t r = 0; r < readers.size(); ++r) {
    const ReaderResult& reader = readers[r];
    SCOPED_TRACE("reader " + std::to_string(r) + ", seed " + std::to_string(seed));
    ASSERT_EQ(reader.error, "");
    std::printf("reader %zu: %lld reads, %lld changes\n", r, static_cast<long long>(reader.reads),
                static_cast<long long>(reader.changes));
    std::map<std::pair<Uuid, std::string>, FieldVersion> expected;
    for (const auto& [key, v] : server) {
      if (AnyScopeCovers(reader_scopes[r], server_scope[key.first])) expected[key] = v;
    }
    EXPECT_EQ(reader.replica.size(), expected.size());
    int shown = 0;
    for (const auto& [key, v] : expected) {
      auto it = reader.replica.find(key);
      if (it == reader.replica.end() || !(it->second == v)) {
        if (shown++ < 5) {
          ADD_FAILURE() << "field " << key.second << " of " << key.first.ToString()
                        << (it == reader.replica.end() ? " never reached the reader"
                                                       : " is stale at the reader: " +
                                                             it->second.stamp.ToString())
                        << "; server has " << v.stamp.ToString();
        }
      }
    }
    // And the checksum a device would compare at the end of its pull.
    for (const std::string& scope : reader_scopes[r]) {
      ScopeChecksum replica_sum;
      for (const auto& [key, v] : reader.replica) {
        if (ScopeCovers(scope, reader.scope_of.at(key.first))) {
          replica_sum.Add(FieldHash(key.first, key.second, v.stamp));
        }
      }
      auto server_sum = instance_b->ChecksumOf(scope);
      ASSERT_TRUE(server_sum.ok());
      EXPECT_EQ(replica_sum, *server_sum) << "checksum of " << scope;
    }
  }
}

}  // namespace
}  // namespace homevisit::server::testing
