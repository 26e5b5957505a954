// The batch a push prepares while the server works on the one in flight
// (DeviceStore::PrepareNextBatch / MakeInFlight): it must be exactly the batch NextBatch would
// form after the answer, and must never go out once the outbox changed under it.
#include "app/store/record_fields.h"
#include "store_fixture.h"

namespace homevisit::store::testing {
namespace {

v1::PushResponse AllApplied(const OutboxBatch& batch) {
  v1::PushResponse answer;
  answer.set_batch_seq(batch.batch_seq);
  answer.set_applied_count(static_cast<uint32_t>(batch.field_count));
  return answer;
}

class PreparedBatchTest : public StoreTest {
 protected:
  void MakeVisits(int n) {
    for (int i = 0; i < n; ++i) {
      auto id = store_->Create(type::kVisit, kSchool, {{"status", Value("draft")}, {"n", Value(i)}});
      ASSERT_TRUE(id.ok());
      ids_.push_back(*id);
    }
  }
  std::vector<Uuid> ids_;
};

TEST_F(PreparedBatchTest, APreparedBatchIsTheOneNextBatchWouldFormAfterTheAnswer) {
  Login();
  MakeVisits(6);
  for (bool packed : {false, true}) {
    SCOPED_TRACE(packed ? "packed" : "unpacked");
    const BatchLimits limits{.max_fields = 4, .max_bytes = 1 << 20, .packed = packed};
    auto first = store_->NextBatch(limits);
    ASSERT_TRUE(first.ok());
    auto prepared = store_->PrepareNextBatch(limits);
    ASSERT_TRUE(prepared.ok());
    ASSERT_FALSE(prepared->empty());
    // Preparing changes nothing: the batch in flight is still the one resent.
    auto resent = store_->NextBatch(limits);
    ASSERT_TRUE(resent.ok());
    EXPECT_TRUE(resent->resent);
    EXPECT_EQ(resent->request.SerializeAsString(), first->request.SerializeAsString());
    // Not before the batch in flight is answered.
    EXPECT_FALSE(*store_->MakeInFlight(*prepared));
    ASSERT_TRUE(store_->Acknowledge(*first, AllApplied(*first)).ok());
    auto again = store_->PrepareNextBatch(limits);  // the same after the answer
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->request.SerializeAsString(), prepared->request.SerializeAsString());
    ASSERT_TRUE(*store_->MakeInFlight(*prepared));
    EXPECT_EQ(prepared->batch_seq, first->batch_seq + 1);
    // Now it is the batch in flight, resent unchanged if its answer is lost.
    auto in_flight = store_->NextBatch(limits);
    ASSERT_TRUE(in_flight.ok());
    EXPECT_TRUE(in_flight->resent);
    EXPECT_EQ(in_flight->batch_seq, prepared->batch_seq);
    EXPECT_EQ(in_flight->request.SerializeAsString(), prepared->request.SerializeAsString());
    ASSERT_TRUE(store_->Acknowledge(*in_flight, AllApplied(*in_flight)).ok());
    // The rest, then nothing.
    auto rest = store_->NextBatch({.max_fields = 100, .max_bytes = 1 << 20, .packed = packed});
    ASSERT_TRUE(rest.ok());
    EXPECT_EQ(rest->field_count, 4u);
    ASSERT_TRUE(store_->Acknowledge(*rest, AllApplied(*rest)).ok());
    EXPECT_TRUE(store_->PrepareNextBatch(limits)->empty());
    ASSERT_TRUE(store_->FinishPull(wall_ms_).ok());
    if (!packed) {
      ids_.clear();
      MakeVisits(6);
    }
  }
}

TEST_F(PreparedBatchTest, ALocalWriteAfterPreparingMakesThePreparedBatchStale) {
  Login();
  MakeVisits(4);
  const BatchLimits limits{.max_fields = 4, .max_bytes = 1 << 20};
  auto first = store_->NextBatch(limits);
  ASSERT_TRUE(first.ok());
  auto prepared = store_->PrepareNextBatch(limits);
  ASSERT_TRUE(prepared.ok());
  // The user edits a field whose pending entry the prepared batch holds: it coalesces, so the
  // prepared copy carries the old value and must not go out.
  ASSERT_TRUE(store_->Set(ids_[3], {{"n", Value(99)}}).ok());
  ASSERT_TRUE(store_->Acknowledge(*first, AllApplied(*first)).ok());
  EXPECT_FALSE(*store_->MakeInFlight(*prepared));
  auto next = store_->NextBatch(limits);
  ASSERT_TRUE(next.ok());
  EXPECT_FALSE(next->resent);
  EXPECT_EQ(next->batch_seq, first->batch_seq + 1) << "the stale batch took no number";
  bool has_new_value = false;
  for (const auto& w : next->request.writes()) {
    for (const auto& f : w.fields()) has_new_value |= f.name() == "n" && f.value().integer() == 99;
  }
  EXPECT_TRUE(has_new_value);
}

TEST_F(PreparedBatchTest, ARejectionInTheAnswerMakesThePreparedBatchStale) {
  Login();
  MakeVisits(4);
  const BatchLimits limits{.max_fields = 2, .max_bytes = 1 << 20};
  auto first = store_->NextBatch(limits);
  ASSERT_TRUE(first.ok());
  auto prepared = store_->PrepareNextBatch(limits);
  ASSERT_TRUE(prepared.ok());
  v1::PushResponse answer;
  answer.set_batch_seq(first->batch_seq);
  answer.set_applied_count(1);
  auto* o = answer.add_outcomes();
  o->set_write_index(0);
  o->set_field_index(0);
  o->set_status(v1::WRITE_REJECTED);
  o->set_reason("refused");
  ASSERT_TRUE(store_->Acknowledge(*first, answer).ok());
  // Later entries may have been re-based on what the rejected one was based on.
  EXPECT_FALSE(*store_->MakeInFlight(*prepared));
  auto next = store_->NextBatch(limits);
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->field_count, 2u);
}

}  // namespace
}  // namespace homevisit::store::testing
