// Write transactions that touch the same records at the same time: they take turns and all
// commit, whatever order they touch the records in (storage.h, WriteTxn::LockRecords).
#include <chrono>
#include <thread>

#include "tests/storage/storage_fixture.h"

namespace homevisit::server::testing {
namespace {

using LockingTest = StorageTest;

// Two transactions over records A and B, one loading A then B, the other B then A, each
// pausing in between so that both are inside at once. Without a common lock order each
// would hold one record and wait for the other.
TEST_P(LockingTest, TransactionsTouchingRecordsInOppositeOrdersBothCommit) {
  const RecordHeader a = Header(1, "qx/hs/s1"), b = Header(2, "qx/hs/s1");
  Put(a, "village", "花山村", S(100, 1));
  Put(b, "village", "石门村", S(100, 1));
  auto run = [&](const RecordHeader& first, const RecordHeader& second, uint32_t node,
                 Status* result) {
    auto txn = storage_->BeginWrite();
    if (!txn.ok()) {
      *result = txn.status();
      return;
    }
    if (Status s = (*txn)->LockRecords({first.id, second.id}); !s.ok()) {
      *result = s;
      return;
    }
    for (const RecordHeader* h : {&first, &second}) {
      auto record = (*txn)->LoadRecord(h->id);
      if (!record.ok()) {
        *result = record.status();
        return;
      }
      const FieldVersion* current = (*record)->Find("hamlet");
      std::optional<FieldVersion> previous;
      if (current) previous = *current;
      if (Status s = (*txn)->PutField(*h, "hamlet",
                                      FieldVersion{Value(static_cast<int64_t>(node)),
                                                   S(200 + node, node)},
                                      previous);
          !s.ok()) {
        *result = s;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
    }
    *result = (*txn)->Commit();
  };
  Status forward, backward;
  std::thread one(run, a, b, 1, &forward);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  std::thread two(run, b, a, 2, &backward);
  one.join();
  two.join();
  EXPECT_TRUE(forward.ok()) << forward.ToString();
  EXPECT_TRUE(backward.ok()) << backward.ToString();
  // Both wrote both records; they took turns, so each record holds the later writer's value.
  EXPECT_EQ((*storage_->GetRecord(a.id))->Find("hamlet")->value, Value(int64_t{2}));
  EXPECT_EQ((*storage_->GetRecord(b.id))->Find("hamlet")->value, Value(int64_t{2}));
}

INSTANTIATE_TEST_SUITE_P(Backends, LockingTest, ::testing::ValuesIn(AvailableBackends()),
                         BackendName());

}  // namespace
}  // namespace homevisit::server::testing
