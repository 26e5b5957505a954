// The fixture of the storage suite: a fresh, migrated database of one backend per test.
#pragma once

#include <gtest/gtest.h>

#include "tests/storage/backends.h"

namespace homevisit::server::testing {

class StorageTest : public ::testing::TestWithParam<StorageBackend> {
 protected:
  void SetUp() override {
    auto storage = OpenFreshStorage(GetParam(), &url_);
    ASSERT_TRUE(storage.ok()) << storage.status().ToString();
    storage_ = std::move(storage).value();
  }

  static Stamp S(uint64_t ms, uint32_t node, uint16_t counter = 0) {
    return Stamp{Stamp::Pack(ms, counter), node};
  }
  static Uuid Id(uint64_t n) { return Uuid::V7(1700000000000 + static_cast<int64_t>(n), n, n); }
  static RecordHeader Header(uint64_t n, const std::string& scope, const std::string& type =
                                                                       "household") {
    return RecordHeader{Id(n), type, scope};
  }

  std::unique_ptr<WriteTxn> Begin() {
    auto txn = storage_->BeginWrite();
    EXPECT_TRUE(txn.ok()) << txn.status().ToString();
    return txn.ok() ? std::move(txn).value() : nullptr;
  }

  // Writes `value` at `stamp` as the new current version of (record, field), giving the
  // stored current version as `previous`, in its own transaction.
  void Put(const RecordHeader& h, const std::string& field, Value value, Stamp stamp) {
    auto txn = Begin();
    ASSERT_TRUE(txn);
    PutIn(*txn, h, field, std::move(value), stamp);
    ASSERT_TRUE(txn->Commit().ok());
  }
  void PutIn(WriteTxn& txn, const RecordHeader& h, const std::string& field, Value value,
             Stamp stamp) {
    auto record = txn.LoadRecord(h.id);
    ASSERT_TRUE(record.ok()) << record.status().ToString();
    std::optional<FieldVersion> previous;
    if (*record && (*record)->Find(field)) previous = *(*record)->Find(field);
    Status s = txn.PutField(h, field, FieldVersion{std::move(value), stamp}, previous);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  std::vector<Change> Changes(const std::vector<std::string>& scopes, uint64_t after = 0,
                              size_t limit = 100000) {
    auto changes = storage_->ReadChanges(scopes, after, limit);
    EXPECT_TRUE(changes.ok()) << changes.status().ToString();
    return changes.ok() ? std::move(changes).value() : std::vector<Change>{};
  }

  // "record-n.field=value@stamp" per change, for readable diffs.
  static std::string Render(const std::vector<Change>& changes) {
    std::string out;
    for (const Change& c : changes) {
      out += c.record.scope + ":" + c.field + "=" + c.version.value.DebugString() + "@" +
             c.version.stamp.ToString() + "\n";
    }
    return out;
  }

  std::string url_;
  std::unique_ptr<Storage> storage_;
};

}  // namespace homevisit::server::testing
