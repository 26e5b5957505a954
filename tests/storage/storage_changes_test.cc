// The change feed a pull reads: commit order, scope filtering, limits, resuming, and that a
// reader racing writers never skips a change.
#include <atomic>
#include <map>
#include <thread>

#include "tests/storage/storage_fixture.h"

namespace homevisit::server::testing {
namespace {

using ChangesTest = StorageTest;

TEST_P(ChangesTest, ChangesComeInCommitOrderWithIncreasingPositions) {
  {
    auto txn = Begin();
    PutIn(*txn, Header(1, "qx/hs/s1"), "a", 1, S(300, 1));
    PutIn(*txn, Header(2, "qx/hs/s1"), "a", 2, S(100, 1));
    ASSERT_TRUE(txn->Commit().ok());
  }
  Put(Header(3, "qx/hs/s1"), "a", 3, S(200, 2));
  const auto changes = Changes({"qx"});
  EXPECT_EQ(Render(changes),
            "qx/hs/s1:a=1@300.0@1\n"
            "qx/hs/s1:a=2@100.0@1\n"
            "qx/hs/s1:a=3@200.0@2\n");
  for (size_t i = 1; i < changes.size(); ++i) EXPECT_GT(changes[i].seq, changes[i - 1].seq);
}

TEST_P(ChangesTest, FieldChangedTwiceAppearsOnceAtItsLatestPosition) {
  Put(Header(1, "qx/hs/s1"), "a", "first", S(100, 1));
  Put(Header(2, "qx/hs/s1"), "a", "other", S(110, 1));
  const uint64_t cursor = Changes({"qx"}).back().seq;
  Put(Header(1, "qx/hs/s1"), "a", "second", S(120, 1));
  EXPECT_EQ(Render(Changes({"qx"})),
            "qx/hs/s1:a='other'@110.0@1\n"
            "qx/hs/s1:a='second'@120.0@1\n");
  EXPECT_EQ(Render(Changes({"qx"}, cursor)), "qx/hs/s1:a='second'@120.0@1\n");
}

TEST_P(ChangesTest, ChangesAreFilteredToTheScopeSubtrees) {
  Put(Header(1, "qx/hs/s1"), "a", 1, S(100, 1));
  Put(Header(2, "qx/hs/s1x"), "a", 2, S(101, 1));  // a sibling whose name extends s1
  Put(Header(3, "qx/hs"), "a", 3, S(102, 1));
  Put(Header(4, "qx/lt/s1"), "a", 4, S(103, 1));
  Put(Header(5, "qx/hs/s2"), "a", 5, S(104, 1));
  auto values = [&](const std::vector<std::string>& scopes) {
    std::string out;
    for (const Change& c : Changes(scopes)) out += c.version.value.DebugString() + " ";
    return out;
  };
  EXPECT_EQ(values({"qx/hs/s1"}), "1 ");
  EXPECT_EQ(values({"qx/hs"}), "1 2 3 5 ");
  EXPECT_EQ(values({"qx/hs/s1", "qx/lt/s1"}), "1 4 ");
  EXPECT_EQ(values({"qx"}), "1 2 3 4 5 ");
  EXPECT_EQ(values({"qx/hs/s3"}), "");
  EXPECT_EQ(values({}), "");
  auto limited = Changes({"qx/lt/s1", "qx/hs/s2"}, 0, 1);
  ASSERT_EQ(limited.size(), 1u);
  EXPECT_EQ(limited[0].version.value, Value(4)) << "the limit applies after the scope filter";
}

TEST_P(ChangesTest, ReadingResumedFromAnyPositionReturnsExactlyTheRest) {
  for (uint64_t n = 0; n < 20; ++n) Put(Header(n, "qx/hs/s1"), "a", static_cast<int64_t>(n), S(100 + n, 1));
  const auto all = Changes({"qx"});
  ASSERT_EQ(all.size(), 20u);
  for (size_t cut = 0; cut < all.size(); ++cut) {
    const auto rest = Changes({"qx"}, all[cut].seq);
    ASSERT_EQ(rest.size(), all.size() - cut - 1) << "after position " << all[cut].seq;
    for (size_t i = 0; i < rest.size(); ++i) EXPECT_EQ(rest[i].seq, all[cut + 1 + i].seq);
  }
  // Pages of 7 cover everything once.
  std::vector<Change> paged;
  uint64_t cursor = 0;
  while (true) {
    auto page = Changes({"qx"}, cursor, 7);
    if (page.empty()) break;
    cursor = page.back().seq;
    paged.insert(paged.end(), page.begin(), page.end());
  }
  EXPECT_EQ(Render(paged), Render(all));
}

// The fields of a record written together share a position and a page never splits
// them; a later edit moves the record forward with only its changed field. Paging with any
// limit from any position gives every current field exactly once.
TEST_P(ChangesTest, RecordsWrittenWholeAndEditedLaterArePagedWithoutLossOrRepeat) {
  constexpr int kRecords = 12, kFields = 5;
  {
    auto txn = Begin();
    for (int r = 0; r < kRecords; ++r) {
      for (int f = 0; f < kFields; ++f) {
        PutIn(*txn, Header(r, r % 3 ? "qx/hs/s1" : "qx/hs/s2"), "f" + std::to_string(f),
              static_cast<int64_t>(r * 10 + f), S(100 + r, 1));
      }
    }
    ASSERT_TRUE(txn->Commit().ok());
  }
  const uint64_t before_edits = Changes({"qx"}).back().seq;
  for (int r = 0; r < kRecords; r += 2) {
    auto txn = Begin();
    auto record = txn->LoadRecord(Id(r));
    ASSERT_TRUE(record.ok() && *record);
    const FieldVersion previous = *(*record)->Find("f3");
    ASSERT_TRUE(txn->PutField(Header(r, r % 3 ? "qx/hs/s1" : "qx/hs/s2"), "f3",
                              FieldVersion{Value(static_cast<int64_t>(-r)), S(500 + r, 2)},
                              previous)
                    .ok());
    ASSERT_TRUE(txn->Commit().ok());
  }
  const auto all = Changes({"qx"});
  ASSERT_EQ(all.size(), static_cast<size_t>(kRecords * kFields));
  std::map<std::pair<Uuid, std::string>, Value> expected;
  for (const Change& c : all) expected[{c.record.id, c.field}] = c.version.value;
  ASSERT_EQ(expected.size(), all.size()) << "a field came twice";
  EXPECT_EQ((expected[{Id(4), "f3"}]), Value(-4));
  EXPECT_EQ((expected[{Id(5), "f3"}]), Value(53));
  for (size_t limit : {1, 3, 5, 7, 100}) {
    for (uint64_t start : {uint64_t{0}, before_edits}) {
      std::map<std::pair<Uuid, std::string>, Value> got;
      uint64_t cursor = start;
      size_t pages = 0;
      while (true) {
        auto page = Changes({"qx"}, cursor, limit);
        if (page.empty()) break;
        ASSERT_LT(++pages, 200u);
        for (const Change& c : page) {
          ASSERT_GT(c.seq, cursor);
          EXPECT_TRUE(got.emplace(std::make_pair(c.record.id, c.field), c.version.value).second)
              << "field " << c.field << " came twice with limit " << limit;
        }
        // A page ends at a position boundary: nothing at its last position is left over.
        cursor = page.back().seq;
      }
      if (start == 0) {
        EXPECT_EQ(got, expected) << "limit " << limit;
      } else {
        EXPECT_EQ(got.size(), static_cast<size_t>(kRecords / 2)) << "only the edited fields";
      }
    }
  }
}

// Writers commit while a reader follows the feed with its cursor. Whatever the interleaving,
// the reader ends with exactly the final state: no change was skipped.
TEST_P(ChangesTest, ReaderFollowingWritersNeverSkipsAChange) {
  constexpr int kWriters = 4, kTxnsPerWriter = 40, kFieldsPerTxn = 3;
  std::atomic<int> writers_done{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (int t = 0; t < kTxnsPerWriter; ++t) {
        auto txn = storage_->BeginWrite();
        ASSERT_TRUE(txn.ok()) << txn.status().ToString();
        for (int f = 0; f < kFieldsPerTxn; ++f) {
          // Records shared between writers, so fields are overwritten concurrently.
          const uint64_t n = static_cast<uint64_t>((t * kFieldsPerTxn + f) % 10);
          auto record = (*txn)->LoadRecord(Id(n));
          ASSERT_TRUE(record.ok());
          const std::string field = "w" + std::to_string(f);
          std::optional<FieldVersion> previous;
          if (*record && (*record)->Find(field)) previous = *(*record)->Find(field);
          const Stamp stamp = S(1000 + t, static_cast<uint32_t>(w + 1), static_cast<uint16_t>(f));
          ASSERT_TRUE((*txn)
                          ->PutField(Header(n, n % 2 ? "qx/hs/s1" : "qx/hs/s2"), field,
                                     FieldVersion{Value(static_cast<int64_t>(t)), stamp},
                                     previous)
                          .ok());
        }
        ASSERT_TRUE((*txn)->Commit().ok());
      }
      ++writers_done;
    });
  }
  std::map<std::pair<Uuid, std::string>, FieldVersion> replica;
  uint64_t cursor = 0;
  bool last_round = false;
  while (true) {
    const bool done_before_read = writers_done.load() == kWriters;
    auto page = storage_->ReadChanges({"qx/hs"}, cursor, 50);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    const uint64_t page_start = cursor;
    for (const Change& c : *page) {
      ASSERT_GT(c.seq, page_start);
      ASSERT_GE(c.seq, cursor) << "positions go backwards";
      cursor = c.seq;
      replica[{c.record.id, c.field}] = c.version;
    }
    if (page->empty() && done_before_read) {
      if (last_round) break;
      last_round = true;
    }
  }
  for (auto& t : writers) t.join();
  std::map<std::pair<Uuid, std::string>, FieldVersion> server;
  for (const Change& c : Changes({"qx"})) server[{c.record.id, c.field}] = c.version;
  EXPECT_EQ(replica.size(), server.size());
  EXPECT_TRUE(replica == server) << "the reader missed a change";
  ScopeChecksum from_replica;
  for (const auto& [key, v] : replica) from_replica.Add(FieldHash(key.first, key.second, v.stamp));
  EXPECT_EQ(from_replica, *storage_->ChecksumOf("qx/hs"));
}

INSTANTIATE_TEST_SUITE_P(Backends, ChangesTest, ::testing::ValuesIn(AvailableBackends()),
                         BackendName());

}  // namespace
}  // namespace homevisit::server::testing
