// The device store on real SQLite files: local writes and their outbox, coalescing, the
// in-flight batch across restarts, answers, pulls, checksums, repair, wipe, migrations.
#include <fstream>
#include <iterator>
#include <thread>
#include <tuple>
#include <variant>

#include "app/store/record_fields.h"
#include "app/store/schema.h"
#include "app/store/store_internal.h"
#include "app/store/value_codec.h"
#include "core/merge.h"
#include "store_fixture.h"

namespace homevisit::store::testing {
namespace {

const std::string& Text(const RecordView& v, const std::string& field) {
  static const std::string kMissing = "<missing>";
  const FieldVersion* fv = v.record.Find(field);
  if (!fv) return kMissing;
  const auto* s = fv->value.get_if<std::string>();
  return s ? *s : kMissing;
}

// The outbox as "field=value base=hlc@node state" lines, for one record.
std::string OutboxOf(DeviceStore& store, const Uuid& id) {
  auto db = Connection::Open(store.path(), false, true);
  EXPECT_TRUE(db.ok());
  auto stmt = db->Prepare(
      "SELECT name, value, base_hlc, base_node, state FROM outbox WHERE record_id = ? "
      "ORDER BY seq");
  EXPECT_TRUE(stmt.ok());
  stmt->BindBlob(1, id.AsBytes());
  std::string out;
  while (*stmt->Step()) {
    std::vector<StoredField> written;  // a group (a new record's first fields): each of them
    EXPECT_TRUE(EntryFields(stmt->BlobView(0), stmt->BlobView(1), 0, 0, &written).ok());
    for (const StoredField& f : written) {
      auto v = DecodeValue(f.value);
      out += std::string(f.name) + "=" + v->DebugString() + " base=" +
             (stmt->IsNull(2) ? "none" : std::to_string(stmt->Int(2)) + "@" + std::to_string(stmt->Int(3))) +
             " state=" + std::to_string(stmt->Int(4)) + "\n";
    }
  }
  return out;
}

TEST_F(StoreTest, WritesBeforeLoginAreRefusedAndChangeNothing) {
  auto id = store_->Create(type::kVisit, kSchool, {{"status", Value("draft")}});
  EXPECT_EQ(id.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(*Reader()->PendingCount(), 0);
}

TEST_F(StoreTest, ADecisionAndItsReviewRecordAreWrittenTogetherOrNotAtAll) {
  Login();
  auto visit = store_->Create(type::kVisit, kSchool, {{"status", Value("submitted")}});
  ASSERT_TRUE(visit.ok());
  const int64_t pending = *Reader()->PendingCount();
  // The review record cannot be written (a field name the store refuses): the visit's
  // status must not change either.
  auto bad = store_->SetAndCreate(*visit, {{"notes", Value("看过了")}}, type::kHousehold, kSchool,
                                  {{"bad name!", Value("x")}});
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(*Reader()->PendingCount(), pending);
  EXPECT_EQ(Text(**Reader()->Get(*visit), "notes"), "<missing>");

  auto review = store_->SetAndCreate(*visit, {{"notes", Value("看过了")}}, type::kHousehold,
                                     kSchool, {{"village", Value("桃源村")}});
  ASSERT_TRUE(review.ok()) << review.status().message();
  EXPECT_EQ(Text(**Reader()->Get(*visit), "notes"), "看过了");
  EXPECT_EQ(Text(**Reader()->Get(*review), "village"), "桃源村");
  EXPECT_EQ((*Reader()->Get(*visit))->record.Find("notes")->stamp,
            (*Reader()->Get(*review))->record.Find("village")->stamp)
      << "one decision, one stamp";
}

TEST_F(StoreTest, CreateOutsideTheLoginScopesIsRefused) {
  Login();
  auto id = store_->Create(type::kVisit, kOtherSchool, {{"status", Value("draft")}});
  EXPECT_EQ(id.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(*Reader()->PendingCount(), 0);
}

TEST_F(StoreTest, BadFieldNamesAreRefusedAndTheWholeWriteIsRolledBack) {
  Login();
  auto id = store_->Create(type::kVisit, kSchool, {{"status", Value("draft")}});
  ASSERT_TRUE(id.ok());
  for (const std::string& bad : std::vector<std::string>{"", "_secret", "two words", std::string(65, 'x')}) {
    Status s = store_->Set(*id, {{"a_fine_field", Value("x")}, {bad, Value("y")}});
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << "'" << bad << "'";
  }
  EXPECT_EQ(store_->Set(*id, {{kDeletedField, Value("yes")}}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(View(*id).record.Find("a_fine_field"), nullptr);
  EXPECT_EQ(*Reader()->PendingCount(), 1);
}

TEST_F(StoreTest, WritesTheServerWouldRefuseForTheirFormOrTheRoleAreRefusedAtOnce) {
  Login();  // a teacher
  EXPECT_EQ(store_->Create("parcel", kSchool, {{"x", Value(1)}}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->Create(type::kStudent, kSchool, {{"grade", Value("three")}}).status().code(),
            StatusCode::kInvalidArgument)
      << "grade is an integer";
  EXPECT_EQ(store_->Create(type::kVisit, kSchool, {{"status", Value("finished")}}).status().code(),
            StatusCode::kInvalidArgument)
      << "not a review status";
  EXPECT_EQ(store_->Create("grant", kSchool, {{"amount", Value(Decimal{"500.00"})}}).status().code(),
            StatusCode::kPermissionDenied);
  auto visit = store_->Create(type::kVisit, kSchool, {{"status", Value("draft")}});
  ASSERT_TRUE(visit.ok());
  EXPECT_EQ(store_->Set(*visit, {{"tier", Value("困难")}}).code(), StatusCode::kPermissionDenied)
      << "the tier is the coordinator's";
  EXPECT_EQ(*Reader()->PendingCount(), 1);
}

TEST_F(StoreTest, LocalWriteAndItsOutboxEntriesSurviveARestart) {
  Login();
  auto id = store_->Create(type::kVisit, kSchool,
                           {{"status", Value("draft")}, {"income", Value(Decimal{"8000.50"})}});
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  Reopen();
  RecordView v = View(*id);
  EXPECT_EQ(Text(v, "status"), "draft");
  EXPECT_EQ(v.record.Find("income")->value, Value(Decimal{"8000.50"}));
  EXPECT_EQ(v.pending, (std::set<std::string>{"income", "status"}));
  EXPECT_FALSE(v.confirmed);
  EXPECT_EQ(*Reader()->PendingCount(), 2);
  // Both fields of one save carry one stamp, from this device.
  EXPECT_EQ(v.record.Find("status")->stamp, v.record.Find("income")->stamp);
  EXPECT_EQ(v.record.Find("status")->stamp.node, kNode);
}

TEST_F(StoreTest, RepeatedWritesToOneFieldCoalesceKeepingTheFirstBase) {
  Login();
  const Uuid id = MakeId(1);
  const Stamp server{Stamp::Pack(wall_ms_ - 5000, 0), 3};
  Pull({ServerRecord(id, type::kHousehold, kSchool, {{"village", Value("花山村")}}, server)}, 10);
  ASSERT_TRUE(store_->Set(id, {{"village", Value("石门村")}}).ok());
  ASSERT_TRUE(store_->Set(id, {{"village", Value("桃源村")}}).ok());
  EXPECT_EQ(OutboxOf(*store_, id), "village='桃源村' base=" + std::to_string(server.hlc) + "@3 state=0\n");
  EXPECT_EQ(Text(View(id), "village"), "桃源村");
  EXPECT_EQ(*Reader()->PendingCount(), 1);
}

TEST_F(StoreTest, FieldsWrittenTogetherShareTheirRecordsStampOnTheWire) {
  Login();
  auto id = store_->Create(type::kVisit, kSchool,
                           {{"status", Value("draft")}, {"notes", Value("家里有三口人")}});
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(store_->Set(*id, {{"notes", Value("家里有四口人")}}).ok());  // coalesces
  auto other = store_->Create(type::kVisit, kSchool, {{"status", Value("draft")}});
  ASSERT_TRUE(other.ok());
  auto batch = store_->NextBatch({});
  ASSERT_TRUE(batch.ok());
  ASSERT_EQ(batch->request.writes_size(), 2);
  const v1::RecordWrite& first = batch->request.writes(0);
  const v1::RecordWrite& second = batch->request.writes(1);
  ASSERT_EQ(first.fields_size(), 2);
  EXPECT_NE(first.hlc(), 0u);
  // Each field's stamp is its own if set, else the record's: the status keeps the creation's
  // stamp, the edited notes a later one; only one of them needs to spell it out.
  auto stamp_of = [](const v1::RecordWrite& w, const std::string& name) -> uint64_t {
    for (const auto& f : w.fields()) {
      if (f.name() == name) return f.hlc() != 0 ? f.hlc() : w.hlc();
    }
    return 0;
  };
  EXPECT_NE(stamp_of(first, "status"), 0u);
  EXPECT_GT(stamp_of(first, "notes"), stamp_of(first, "status"));
  EXPECT_EQ((first.fields(0).hlc() == 0) + (first.fields(1).hlc() == 0), 1);
  EXPECT_EQ(second.fields(0).hlc(), 0u) << "a one-field record sends its stamp once";
}

TEST_F(StoreTest, AWriteWhileTheFirstIsInFlightIsBasedOnIt) {
  Login();
  auto id = store_->Create(type::kVisit, kSchool, {{"status", Value("draft")}});
  ASSERT_TRUE(id.ok());
  auto batch = store_->NextBatch({});
  ASSERT_TRUE(batch.ok());
  ASSERT_EQ(batch->field_count, 1u);
  const uint64_t sent_hlc = batch->request.writes(0).hlc();  // the first field's, shared
  ASSERT_TRUE(store_->Set(*id, {{"status", Value("submitted")}}).ok());
  ASSERT_TRUE(store_->Set(*id, {{"status", Value("draft")}}).ok());
  EXPECT_EQ(OutboxOf(*store_, *id),
            "status='draft' base=none state=1\n"
            "status='draft' base=" + std::to_string(sent_hlc) + "@7 state=0\n");
}

// A new record's first fields are one outbox entry (a group): one row for a whole visit.
// Edits before the push change the group; edits once it is sent are entries of their own,
// based on the field as sent; the reader shows every field of it as pending.
TEST_F(StoreTest, ANewRecordsFieldsAreOneEntryThatLaterEditsChangeUntilItIsSent) {
  Login();
  auto id = store_->Create(type::kVisit, kSchool,
                           {{"status", Value("draft")}, {"notes", Value("三口人")}, {"n", Value(1)}});
  ASSERT_TRUE(id.ok());
  auto db = Connection::Open(store_->path(), false, true);
  ASSERT_TRUE(db.ok());
  EXPECT_EQ(*db->QueryInt("SELECT count(*) FROM outbox_entry"), 1) << "one row for the record";
  EXPECT_EQ(*Reader()->PendingCount(), 3) << "three field writes";
  ASSERT_TRUE(store_->Set(*id, {{"notes", Value("四口人")}}).ok());
  ASSERT_TRUE(store_->Set(*id, {{"notes", Value("五口人")}, {"income", Value(300)}}).ok());
  EXPECT_EQ(OutboxOf(*store_, *id),
            "n=1 base=none state=0\n"
            "notes='五口人' base=none state=0\n"
            "status='draft' base=none state=0\n"
            "income=300 base=none state=0\n");
  EXPECT_EQ(*Reader()->PendingCount(), 4);
  const RecordView v = View(*id);
  EXPECT_EQ(Text(v, "notes"), "五口人");
  EXPECT_EQ(v.pending, (std::set<std::string>{"income", "n", "notes", "status"}));
  EXPECT_EQ(Reader()->Drafts("")->size(), 1u) << "the group's status is the record's query key";

  auto batch = store_->NextBatch({.max_fields = 100, .packed = false});
  ASSERT_TRUE(batch.ok());
  ASSERT_EQ(batch->field_count, 4u);
  ASSERT_EQ(batch->request.writes_size(), 1);
  const v1::RecordWrite& w = batch->request.writes(0);
  ASSERT_EQ(w.fields_size(), 4);
  EXPECT_EQ(w.fields(1).name(), "notes");
  EXPECT_EQ(w.fields(1).value().text(), "五口人");
  EXPECT_FALSE(w.fields(1).has_base()) << "a new record's field has no base";
  const uint64_t notes_hlc = w.fields(1).hlc() != 0 ? w.fields(1).hlc() : w.hlc();
  EXPECT_NE(notes_hlc, w.hlc()) << "the edited field keeps its own, later stamp";

  ASSERT_TRUE(store_->Set(*id, {{"notes", Value("六口人")}}).ok());
  EXPECT_NE(OutboxOf(*store_, *id).find("notes='六口人' base=" + std::to_string(notes_hlc) + "@7 state=0"),
            std::string::npos)
      << OutboxOf(*store_, *id);
  EXPECT_EQ(Text(View(*id), "notes"), "六口人");
}

// A server may refuse one field of a new record: that field alone leaves the outbox, the
// rest of the record's group is answered with its batch.
TEST_F(StoreTest, OneRefusedFieldOfANewRecordIsRejectedAloneAndItsOtherFieldsAreAnswered) {
  Login();
  auto id = store_->Create(type::kVisit, kSchool,
                           {{"a", Value(1)}, {"b", Value(2)}, {"c", Value(3)}, {"status", Value("draft")}});
  ASSERT_TRUE(id.ok());
  auto batch = store_->NextBatch({});
  ASSERT_TRUE(batch.ok());
  ASSERT_EQ(batch->field_count, 4u);
  ASSERT_TRUE(store_->Set(*id, {{"c", Value(30)}}).ok());  // based on the refused c
  v1::PushResponse answer;
  answer.set_batch_seq(batch->batch_seq);
  for (int field : {1, 3}) {  // b and status
    auto* o = answer.add_outcomes();
    o->set_write_index(0);
    o->set_field_index(field);
    o->set_status(v1::WRITE_REJECTED);
    o->set_reason(field == 1 ? "b is wrong" : "status is wrong");
  }
  auto* c = answer.add_outcomes();
  c->set_write_index(0);
  c->set_field_index(2);
  c->set_status(v1::WRITE_REJECTED);
  c->set_reason("c is wrong");
  auto tally = store_->Acknowledge(*batch, answer);
  ASSERT_TRUE(tally.ok()) << tally.status().ToString();
  EXPECT_EQ(tally->rejected, 3u);
  EXPECT_EQ(tally->applied, 1u);
  auto rejected = Reader()->RejectedWrites(10);
  ASSERT_TRUE(rejected.ok());
  std::set<std::string> refused;
  for (const auto& r : *rejected) refused.insert(r.field + ": " + r.reason);
  EXPECT_EQ(refused, (std::set<std::string>{"b: b is wrong", "c: c is wrong", "status: status is wrong"}));
  EXPECT_EQ(OutboxOf(*store_, *id), "a=1 base=none state=2\nc=30 base=none state=0\n")
      << "the later c is re-based on nothing: the server never saw the refused one";
  EXPECT_EQ(*Reader()->PendingCount(), 1);
  EXPECT_TRUE(Reader()->Drafts("")->empty()) << "the refused status is no longer shown";
}

TEST_F(StoreTest, TheInFlightBatchIsResentUnchangedWithItsNumberAfterARestart) {
  Login();
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(store_->Create(type::kVisit, kSchool, {{"status", Value("draft")}, {"n", Value(i)}}).ok());
  }
  auto first = store_->NextBatch({.max_fields = 4, .max_bytes = 1 << 20});
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->batch_seq, 1u);
  EXPECT_FALSE(first->resent);
  EXPECT_EQ(first->field_count, 4u);
  const std::string sent = first->request.SerializeAsString();
  // New writes made meanwhile do not join the batch in flight.
  ASSERT_TRUE(store_->Create(type::kVisit, kSchool, {{"status", Value("draft")}}).ok());
  Reopen();
  auto again = store_->NextBatch({});
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->resent);
  EXPECT_EQ(again->batch_seq, 1u);
  EXPECT_EQ(again->request.SerializeAsString(), sent);
}

// The record ids of a batch's writes, in order.
std::vector<std::string> RecordsOf(const OutboxBatch& batch) {
  std::vector<std::string> ids;
  for (const auto& w : batch.request.writes()) ids.push_back(w.record_id());
  return ids;
}

// The batch numbers of the outbox view (entries in flight), in seq order.
std::vector<int64_t> InFlightBatchNumbers(DeviceStore& store) {
  auto db = Connection::Open(store.path(), false, true);
  EXPECT_TRUE(db.ok());
  auto stmt = db->Prepare("SELECT batch_seq, field_count FROM outbox WHERE state = 1 ORDER BY seq");
  EXPECT_TRUE(stmt.ok());
  std::vector<int64_t> out;  // one per field write: a group counts each of its fields
  while (*stmt->Step()) out.insert(out.end(), static_cast<size_t>(stmt->Int(1)), stmt->Int(0));
  return out;
}

v1::PushResponse AllApplied(const OutboxBatch& batch) {
  v1::PushResponse answer;
  answer.set_batch_seq(batch.batch_seq);
  answer.set_applied_count(static_cast<uint32_t>(batch.field_count));
  return answer;
}

TEST_F(StoreTest, AFollowingBatchHoldsNoneOfTheFirstsRecordsAndTheTwoAreAnsweredInOrder) {
  Login();
  auto a = store_->Create(type::kVisit, kSchool, {{"status", Value("draft")}, {"n", Value(1)}});
  auto b = store_->Create(type::kVisit, kSchool, {{"status", Value("draft")}, {"n", Value(2)}});
  ASSERT_TRUE(a.ok() && b.ok());
  // The first batch takes a's two fields; a's next write comes after b's fields.
  auto first = store_->NextBatch({.max_fields = 2, .max_bytes = 1 << 20});
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(store_->Set(*a, {{"n", Value(3)}}).ok());
  auto c = store_->Create(type::kVisit, kSchool, {{"status", Value("draft")}});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(RecordsOf(*first), std::vector<std::string>{std::string(a->AsBytes())});
  auto following = store_->NextFollowingBatch({.max_fields = 100, .max_bytes = 1 << 20});
  ASSERT_TRUE(following.ok()) << following.status().ToString();
  EXPECT_EQ(following->batch_seq, 2u);
  EXPECT_EQ(following->field_count, 2u) << "b's fields, and it stops before a's later write";
  EXPECT_EQ(RecordsOf(*following), std::vector<std::string>{std::string(b->AsBytes())});
  EXPECT_EQ(InFlightBatchNumbers(*store_), (std::vector<int64_t>{1, 1, 2, 2}));

  // Answered out of order: refused, nothing changes.
  EXPECT_FALSE(store_->Acknowledge(*following, AllApplied(*following)).ok());
  ASSERT_TRUE(store_->Acknowledge(*first, AllApplied(*first)).ok());
  EXPECT_EQ(InFlightBatchNumbers(*store_), (std::vector<int64_t>{2, 2}));
  ASSERT_TRUE(store_->Acknowledge(*following, AllApplied(*following)).ok());
  EXPECT_TRUE(InFlightBatchNumbers(*store_).empty());
  auto next = store_->NextBatch({});
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->batch_seq, 3u);
  EXPECT_EQ(next->field_count, 2u) << "a's later write and c's status";
}

// Four new two-field visits, and two batches of four fields in flight: *first and *following.
void PutTwoBatchesInFlight(DeviceStore& store, const BatchLimits& limits, OutboxBatch* first,
                           OutboxBatch* following) {
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(store.Create(type::kVisit, kSchool, {{"status", Value("draft")}, {"n", Value(i)}}).ok());
  }
  auto a = store.NextBatch(limits);
  auto b = store.NextFollowingBatch(limits);
  ASSERT_TRUE(a.ok() && b.ok());
  *first = std::move(a).value();
  *following = std::move(b).value();
}

TEST_F(StoreTest, BothBatchesInFlightAreResentUnchangedAfterARestart) {
  Login();
  const BatchLimits limits{.max_fields = 4, .max_bytes = 1 << 20};
  std::optional<OutboxBatch> first(std::in_place), following(std::in_place);
  ASSERT_NO_FATAL_FAILURE(PutTwoBatchesInFlight(*store_, limits, &*first, &*following));
  ASSERT_EQ(following->batch_seq, 2u);
  const std::string sent_first = first->request.SerializeAsString();
  const std::string sent_following = following->request.SerializeAsString();
  Reopen();
  auto again = store_->NextBatch(limits);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->resent);
  EXPECT_EQ(again->batch_seq, 1u);
  EXPECT_EQ(again->request.SerializeAsString(), sent_first);
  auto again_following = store_->NextFollowingBatch(limits);
  ASSERT_TRUE(again_following.ok());
  EXPECT_TRUE(again_following->resent);
  EXPECT_EQ(again_following->batch_seq, 2u);
  EXPECT_EQ(again_following->request.SerializeAsString(), sent_following);
  // Once the first is answered, the following one is the batch in flight: resent alone.
  ASSERT_TRUE(store_->Acknowledge(*again, AllApplied(*again)).ok());
  Reopen();
  auto alone = store_->NextBatch(limits);
  ASSERT_TRUE(alone.ok());
  EXPECT_EQ(alone->batch_seq, 2u);
  EXPECT_EQ(alone->request.SerializeAsString(), sent_following);
}

TEST_F(StoreTest, ADroppedFollowingBatchGoesBackToTheOutboxAndFreesItsNumber) {
  Login();
  const BatchLimits limits{.max_fields = 4, .max_bytes = 1 << 20};
  std::optional<OutboxBatch> first(std::in_place), following(std::in_place);
  ASSERT_NO_FATAL_FAILURE(PutTwoBatchesInFlight(*store_, limits, &*first, &*following));
  EXPECT_EQ(store_->ShrinkInFlight(2).status().code(), StatusCode::kFailedPrecondition)
      << "the first batch is halved only once the one behind it is out of flight";
  ASSERT_TRUE(store_->DropFollowingBatch().ok());
  EXPECT_EQ(InFlightBatchNumbers(*store_), (std::vector<int64_t>{1, 1, 1, 1}));
  EXPECT_EQ(store_->DropFollowingBatch().code(), StatusCode::kFailedPrecondition);
  ASSERT_TRUE(store_->ShrinkInFlight(2).ok());
  ASSERT_TRUE(store_->Acknowledge(*store_->NextBatch(limits), [&] {
    v1::PushResponse r;
    r.set_batch_seq(1);
    r.set_applied_count(2);
    return r;
  }()).ok());
  // Everything not answered is pending again: the next batch takes number 2 and the rest.
  auto next = store_->NextBatch({});
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->batch_seq, 2u);
  EXPECT_FALSE(next->resent);
  EXPECT_EQ(next->field_count, 6u);
}

TEST_F(StoreTest, BatchesAreBoundedByFieldsAndBytes) {
  Login();
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(store_->Create(type::kVisit, kSchool, {{"note", Value(std::string(1000, 'x'))}}).ok());
  }
  auto by_bytes = store_->NextBatch({.max_fields = 100, .max_bytes = 2500});
  ASSERT_TRUE(by_bytes.ok());
  EXPECT_EQ(by_bytes->field_count, 3u);  // the entry that crosses the bound still goes
  v1::PushResponse answer;
  answer.set_batch_seq(by_bytes->batch_seq);
  answer.set_applied_count(3);
  ASSERT_TRUE(store_->Acknowledge(*by_bytes, answer).ok());
  auto by_count = store_->NextBatch({.max_fields = 1, .max_bytes = 1 << 20});
  ASSERT_TRUE(by_count.ok());
  EXPECT_EQ(by_count->field_count, 1u);
  EXPECT_EQ(by_count->batch_seq, 2u);
}

TEST_F(StoreTest, AnsweredWritesStayShownUntilAPullCompletes) {
  Login();
  auto id = store_->Create(type::kVisit, kSchool, {{"status", Value("draft")}});
  ASSERT_TRUE(id.ok());
  auto batch = store_->NextBatch({});
  ASSERT_TRUE(batch.ok());
  v1::PushResponse answer;
  answer.set_batch_seq(batch->batch_seq);
  answer.set_applied_count(1);
  auto tally = store_->Acknowledge(*batch, answer);
  ASSERT_TRUE(tally.ok()) << tally.status().ToString();
  EXPECT_EQ(tally->applied, 1u);
  EXPECT_EQ(*Reader()->PendingCount(), 0);
  EXPECT_EQ(Text(View(*id), "status"), "draft") << "an answered write must not vanish before the pull";
  // A write made now is based on the answered one.
  ASSERT_TRUE(store_->Set(*id, {{"status", Value("submitted")}}).ok());
  const uint64_t sent_hlc = batch->request.writes(0).hlc();  // the first field's, shared
  EXPECT_NE(OutboxOf(*store_, *id).find("base=" + std::to_string(sent_hlc) + "@7 state=0"),
            std::string::npos);
  // The pull brings the server's state; completing it drops the answered entry.
  Pull({ServerRecord(*id, type::kVisit, kSchool, {{"status", Value("draft")}}, Stamp{sent_hlc, kNode})}, 5);
  ASSERT_TRUE(store_->FinishPull(wall_ms_).ok());
  EXPECT_EQ(OutboxOf(*store_, *id).find("state=2"), std::string::npos);
  RecordView v = View(*id);
  EXPECT_TRUE(v.confirmed);
  EXPECT_EQ(Text(v, "status"), "submitted");
  EXPECT_EQ(v.pending, std::set<std::string>{"status"});
}

TEST_F(StoreTest, ARejectedWriteIsListedWithItsReasonAndNoLongerShown) {
  Login();
  const Uuid id = MakeId(2);
  const Stamp server{Stamp::Pack(wall_ms_ - 5000, 0), 3};
  Pull({ServerRecord(id, type::kVisit, kSchool, {{"status", Value("approved")}, {"income", Value(100)}}, server)}, 3);
  ASSERT_TRUE(store_->Set(id, {{"status", Value("draft")}, {"income", Value(200)}}).ok());
  auto batch = store_->NextBatch({});
  ASSERT_TRUE(batch.ok());
  ASSERT_TRUE(store_->Set(id, {{"status", Value("submitted")}}).ok());  // based on the rejected one
  v1::PushResponse answer;
  answer.set_batch_seq(batch->batch_seq);
  answer.set_applied_count(1);
  auto* o = answer.add_outcomes();
  o->set_write_index(0);
  // Entries are sorted by name within the save: income, then status.
  o->set_field_index(1);
  o->set_status(v1::WRITE_REJECTED);
  o->set_reason("a visit cannot move from approved to draft");
  auto tally = store_->Acknowledge(*batch, answer);
  ASSERT_TRUE(tally.ok());
  EXPECT_EQ(tally->rejected, 1u);
  auto rejected = Reader()->RejectedWrites(10);
  ASSERT_TRUE(rejected.ok());
  ASSERT_EQ(rejected->size(), 1u);
  EXPECT_EQ((*rejected)[0].field, "status");
  EXPECT_EQ((*rejected)[0].reason, "a visit cannot move from approved to draft");
  // The later write is re-based on what the server has.
  EXPECT_NE(OutboxOf(*store_, id).find("status='submitted' base=" + std::to_string(server.hlc) + "@3"),
            std::string::npos);
}

// Entry numbers never come back: a write made after the newest entry was rejected and
// removed is a new pending write, not part of the answered batch before it.
TEST_F(StoreTest, AWriteAfterARejectedNewestEntryIsPendingAndSentNext) {
  Login();
  auto id = store_->Create(type::kVisit, kSchool, {{"income", Value(1)}, {"status", Value("draft")}});
  ASSERT_TRUE(id.ok());
  auto batch = store_->NextBatch({});
  ASSERT_TRUE(batch.ok());
  v1::PushResponse answer;
  answer.set_batch_seq(batch->batch_seq);
  auto* o = answer.add_outcomes();
  o->set_write_index(0);
  o->set_field_index(1);  // status, the newest entry
  o->set_status(v1::WRITE_REJECTED);
  ASSERT_TRUE(store_->Acknowledge(*batch, answer).ok());
  EXPECT_EQ(*Reader()->PendingCount(), 0);
  ASSERT_TRUE(store_->Set(*id, {{"notes", Value("补充")}}).ok());
  EXPECT_EQ(*Reader()->PendingCount(), 1);
  auto next = store_->NextBatch({});
  ASSERT_TRUE(next.ok());
  ASSERT_EQ(next->field_count, 1u);
  EXPECT_EQ(next->request.writes(0).fields(0).name(), "notes");
  ASSERT_TRUE(store_->FinishPull(wall_ms_).ok());
  EXPECT_EQ(OutboxOf(*store_, *id), "notes='补充' base=none state=1\n")
      << "only the answered entry is dropped";
}

TEST_F(StoreTest, AWriteAfterAPullThatClearedTheOutboxIsPending) {
  Login();
  auto id = store_->Create(type::kVisit, kSchool, {{"status", Value("draft")}});
  ASSERT_TRUE(id.ok());
  auto batch = store_->NextBatch({});
  ASSERT_TRUE(batch.ok());
  v1::PushResponse answer;
  answer.set_batch_seq(batch->batch_seq);
  ASSERT_TRUE(store_->Acknowledge(*batch, answer).ok());
  ASSERT_TRUE(store_->FinishPull(wall_ms_).ok());  // every entry answered: all go
  EXPECT_EQ(OutboxOf(*store_, *id), "");
  Reopen();
  ASSERT_TRUE(store_->Set(*id, {{"status", Value("submitted")}}).ok());
  EXPECT_EQ(*Reader()->PendingCount(), 1) << "entry numbers do not start again";
  auto next = store_->NextBatch({});
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->field_count, 1u);
  EXPECT_EQ(next->batch_seq, batch->batch_seq + 1);
}

TEST_F(StoreTest, AnAnswerForAnotherBatchIsRefused) {
  Login();
  ASSERT_TRUE(store_->Create(type::kVisit, kSchool, {{"status", Value("draft")}}).ok());
  auto batch = store_->NextBatch({});
  ASSERT_TRUE(batch.ok());
  v1::PushResponse answer;
  answer.set_batch_seq(batch->batch_seq + 1);
  EXPECT_EQ(store_->Acknowledge(*batch, answer).status().code(), StatusCode::kInvalidArgument);
  answer.set_batch_seq(batch->batch_seq);
  auto* o = answer.add_outcomes();
  o->set_write_index(5);
  EXPECT_EQ(store_->Acknowledge(*batch, answer).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(*Reader()->PendingCount(), 1);
}

TEST_F(StoreTest, ARefusedBatchShrinksAndAPoisonWriteIsRejectedAlone) {
  Login();
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(store_->Create(type::kVisit, kSchool, {{"n", Value(i)}}).ok());
  }
  auto batch = store_->NextBatch({});
  ASSERT_TRUE(batch.ok());
  ASSERT_EQ(batch->field_count, 4u);
  ASSERT_TRUE(store_->ShrinkInFlight(1).ok());
  auto smaller = store_->NextBatch({});
  ASSERT_TRUE(smaller.ok());
  EXPECT_TRUE(smaller->resent);
  EXPECT_EQ(smaller->batch_seq, batch->batch_seq);
  EXPECT_EQ(smaller->field_count, 1u);
  ASSERT_TRUE(store_->RejectInFlight("the server refused it").ok());
  auto next = store_->NextBatch({});
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->batch_seq, batch->batch_seq) << "an unrecorded number is reused";
  EXPECT_EQ(next->field_count, 3u);
  EXPECT_EQ(Reader()->RejectedWrites(10)->size(), 1u);
}

TEST_F(StoreTest, APulledBatchAndItsCursorCommitTogetherAndAMalformedOneChangesNothing) {
  Login();
  const Stamp s{Stamp::Pack(wall_ms_, 1), 2};
  Pull({ServerRecord(MakeId(1), type::kStudent, kSchool, {{"name", Value("李明")}}, s)}, 41);
  EXPECT_EQ(store_->State()->cursor, 41u);

  v1::ChangeBatch bad;
  *bad.add_records() = ServerRecord(MakeId(2), type::kStudent, kSchool, {{"name", Value("张华")}}, s);
  *bad.add_records() = ServerRecord(MakeId(3), type::kStudent, kSchool, {{"name", Value("x")}}, s);
  bad.mutable_records(1)->mutable_fields(0)->mutable_value()->Clear();  // a value with no type
  bad.set_cursor(99);
  EXPECT_EQ(store_->ApplyPulled(bad, PullTarget::kMain).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->State()->cursor, 41u);
  EXPECT_FALSE(Reader()->Get(MakeId(2))->has_value());
}

// A record pulled with a shared stamp (PullRequest.shared_stamps): its fields without a
// stamp of their own take the record's, and count in the checksum with it.
TEST_F(StoreTest, PulledFieldsWithoutAStampTakeTheirRecordsAndNoStampAtAllIsRefused) {
  Login();
  const Stamp shared{Stamp::Pack(wall_ms_, 1), 2};
  const Stamp own{Stamp::Pack(wall_ms_, 2), 2};
  v1::ChangeBatch batch;
  *batch.add_records() = ServerRecord(MakeId(1), type::kStudent, kSchool,
                                      {{"name", Value("李明")}, {"village", Value("杨柳村")}}, shared);
  v1::Record& r = *batch.mutable_records(0);
  wire::ToProto(shared, r.mutable_stamp());
  r.mutable_fields(0)->clear_stamp();
  wire::ToProto(own, r.mutable_fields(1)->mutable_stamp());
  batch.set_cursor(5);
  ASSERT_TRUE(store_->ApplyPulled(batch, PullTarget::kMain).ok());
  const auto view = View(MakeId(1));
  EXPECT_EQ(view.record.Find(r.fields(0).name())->stamp, shared);
  EXPECT_EQ(view.record.Find(r.fields(1).name())->stamp, own);
  ScopeChecksum expected;
  expected.Add(FieldHash(MakeId(1), r.fields(0).name(), shared));
  expected.Add(FieldHash(MakeId(1), r.fields(1).name(), own));
  EXPECT_EQ(*store_->ChecksumOf(kSchool), expected);

  v1::ChangeBatch bare;
  *bare.add_records() = ServerRecord(MakeId(2), type::kStudent, kSchool, {{"name", Value("张华")}}, shared);
  bare.mutable_records(0)->mutable_fields(0)->clear_stamp();
  bare.set_cursor(6);
  EXPECT_EQ(store_->ApplyPulled(bare, PullTarget::kMain).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->State()->cursor, 5u);
}

TEST_F(StoreTest, PulledStampsMoveTheClockButATooDistantOneDoesNot) {
  Login();
  const uint64_t ahead = Stamp::Pack(wall_ms_ + 60'000, 0);
  Pull({ServerRecord(MakeId(1), type::kStudent, kSchool, {{"name", Value("a")}}, Stamp{ahead, 2})}, 1);
  EXPECT_GE(store_->ClockLast(), ahead);
  const uint64_t far = Stamp::Pack(wall_ms_ + 365LL * 86'400'000, 0);
  Pull({ServerRecord(MakeId(2), type::kStudent, kSchool, {{"name", Value("b")}}, Stamp{far, 2})}, 2);
  EXPECT_LT(store_->ClockLast(), far);
}

TEST_F(StoreTest, TheClockNeverGoesBackAcrossARestart) {
  Login();
  auto a = store_->Create(type::kVisit, kSchool, {{"n", Value(1)}});
  ASSERT_TRUE(a.ok());
  const Stamp first = View(*a).record.Find("n")->stamp;
  wall_ms_ -= 3'600'000;  // the phone's clock is set back an hour
  Reopen();
  auto b = store_->Create(type::kVisit, kSchool, {{"n", Value(2)}});
  ASSERT_TRUE(b.ok());
  EXPECT_GT(View(*b).record.Find("n")->stamp, first);
}

TEST_F(StoreTest, TheClockFollowsServerTime) {
  Login();
  const int64_t server_ms = wall_ms_ + 3 * 86'400'000LL;  // the phone is three days behind
  ASSERT_TRUE(store_->ObserveServerTime(server_ms).ok());
  Reopen();
  auto id = store_->Create(type::kVisit, kSchool, {{"n", Value(1)}});
  ASSERT_TRUE(id.ok());
  EXPECT_GE(View(*id).record.Find("n")->stamp.physical_ms(), static_cast<uint64_t>(server_ms));
}

TEST_F(StoreTest, TheChecksumIsTheSumOfFieldHashesOfTheConfirmedReplica) {
  Login("wang", {"qx/hs"});
  const Uuid a = MakeId(1), b = MakeId(2), c = MakeId(3);
  const Stamp s1{Stamp::Pack(wall_ms_, 0), 2}, s2{Stamp::Pack(wall_ms_, 5), 4};
  Pull({ServerRecord(a, type::kStudent, kSchool, {{"name", Value("甲")}, {"class_name", Value("3")}}, s1),
        ServerRecord(b, type::kStudent, kOtherSchool, {{"name", Value("乙")}}, s1)},
       2);
  Pull({ServerRecord(a, type::kStudent, kSchool, {{"class_name", Value("4")}}, s2),
        ServerRecord(c, type::kStudent, "qx/hs/s10", {{"name", Value("丙")}}, s2)},
       4);
  EXPECT_EQ(View(a).record.Find("name")->stamp, s1) << "each field keeps its own stamp";
  EXPECT_EQ(View(a).record.Find("class_name")->stamp, s2);
  // Local writes are not part of the confirmed replica.
  ASSERT_TRUE(store_->Set(a, {{"name", Value("甲甲")}}).ok());
  ScopeChecksum s1_expected;
  s1_expected.Add(FieldHash(a, "name", s1));
  s1_expected.Add(FieldHash(a, "class_name", s2));
  EXPECT_EQ(*store_->ChecksumOf(kSchool), s1_expected);
  ScopeChecksum all = s1_expected;
  all.Add(FieldHash(b, "name", s1));
  all.Add(FieldHash(c, "name", s2));
  EXPECT_EQ(*store_->ChecksumOf("qx/hs"), all);
  EXPECT_EQ(store_->ChecksumOf("qx/h")->count, 0u) << "qx/h does not cover qx/hs";
}

TEST_F(StoreTest, ARepairRemovesFieldsTheServerNoLongerSends) {
  Login();
  const Uuid a = MakeId(1), b = MakeId(2);
  const Stamp s{Stamp::Pack(wall_ms_, 0), 2};
  Pull({ServerRecord(a, type::kStudent, kSchool, {{"name", Value("甲")}, {"class_name", Value("3")}}, s),
        ServerRecord(b, type::kStudent, kSchool, {{"name", Value("乙")}}, s)},
       2);
  ASSERT_TRUE(store_->BeginRepair(kSchool).ok());
  v1::ChangeBatch again;
  *again.add_records() = ServerRecord(a, type::kStudent, kSchool, {{"name", Value("甲")}}, s);
  again.set_cursor(1);
  ASSERT_TRUE(store_->ApplyPulled(again, PullTarget::kRepair).ok());
  EXPECT_EQ(store_->State()->repair_cursor, 1u);
  EXPECT_EQ(store_->State()->cursor, 2u) << "a repair has its own cursor";
  ASSERT_TRUE(store_->FinishRepair().ok());
  ScopeChecksum expected;
  expected.Add(FieldHash(a, "name", s));
  EXPECT_EQ(*store_->ChecksumOf(kSchool), expected);
  EXPECT_EQ(View(a).record.Find("class_name"), nullptr);
  EXPECT_TRUE(Reader()->StudentsOfClass(kSchool, "3")->empty());
  EXPECT_TRUE(store_->State()->repair_scope.empty());
}

TEST_F(StoreTest, QueriesShowLocalWritesOverTheServerState) {
  Login();
  const Stamp s{Stamp::Pack(wall_ms_, 0), 2};
  const Uuid home = MakeId(1), li = MakeId(2), zhang = MakeId(3), wu = MakeId(4);
  Pull({ServerRecord(home, type::kHousehold, kSchool, {{"head_name", Value("李大山")}, {"village", Value("花山村")}}, s),
        ServerRecord(li, type::kStudent, kSchool, {{"name", Value("李明")}, {"class_name", Value("3")}, {"village", Value("花山村")}, {"household_id", Value(home.ToString())}}, s),
        ServerRecord(zhang, type::kStudent, kSchool, {{"name", Value("张华")}, {"class_name", Value("4")}, {"village", Value("石门村")}}, s),
        ServerRecord(wu, type::kStudent, kOtherSchool, {{"name", Value("吴红")}, {"class_name", Value("3")}, {"household_id", Value(home.ToString())}}, s)},
       4);
  auto reader = Reader();
  auto names = [](const Result<std::vector<RecordView>>& views) {
    std::string out;
    for (const auto& v : *views) out += Text(v, "name") + ";";
    return out;
  };
  EXPECT_EQ(names(reader->StudentsOfSchool(kSchool)), "李明;张华;");
  EXPECT_EQ(names(reader->StudentsOfClass(kSchool, "3")), "李明;");
  EXPECT_EQ(names(reader->StudentsOfVillage("花山村")), "李明;");
  auto household = reader->Household(home);
  ASSERT_TRUE(household.ok() && household->has_value());
  EXPECT_EQ(names(Result<std::vector<RecordView>>((*household)->students)), "李明;吴红;");

  // The teacher moves 张华 to class 3 and records two visits, one submitted.
  ASSERT_TRUE(store_->Set(zhang, {{"class_name", Value("3")}}).ok());
  auto v1 = store_->Create(type::kVisit, kSchool, {{"student_id", Value(li.ToString())}, {"status", Value("draft")}, {"author", Value("wang")}});
  auto v2 = store_->Create(type::kVisit, kSchool, {{"student_id", Value(zhang.ToString())}, {"status", Value("draft")}, {"author", Value("wang")}});
  ASSERT_TRUE(v1.ok() && v2.ok());
  ASSERT_TRUE(store_->Set(*v2, {{"status", Value("submitted")}}).ok());
  EXPECT_EQ(names(reader->StudentsOfClass(kSchool, "3")), "李明;张华;");
  ASSERT_EQ(reader->Drafts("wang")->size(), 1u);
  EXPECT_EQ((*reader->Drafts("wang"))[0].record.id, *v1);
  EXPECT_EQ(reader->Visits("submitted", "wang")->size(), 1u);
  EXPECT_EQ(reader->Visits("submitted", "li")->size(), 0u);
  EXPECT_EQ(reader->Visits("", "")->size(), 2u);
  EXPECT_EQ(*reader->PendingCount(), 7);

  ASSERT_TRUE(store_->Delete(*v1).ok());
  EXPECT_TRUE(reader->Drafts("wang")->empty()) << "a deleted visit leaves the lists";
  EXPECT_TRUE(reader->Get(*v1)->value().record.deleted());
}

TEST_F(StoreTest, OpenConflictsAreListedAndResolvingOneWritesTheChosenValue) {
  Login("zhao", {kSchool}, Role::kCoordinator);
  const Uuid visit = MakeId(1);
  const Stamp s{Stamp::Pack(wall_ms_, 0), 2};
  Record target{visit, type::kVisit, kSchool, {{"income", FieldVersion{Value(300), s}}}};
  Record conflict = MakeConflictRecord(target, "income", FieldVersion{Value(300), s},
                                       FieldVersion{Value(500), Stamp{s.hlc - 1, 4}}, s);
  v1::Record target_proto, conflict_proto;
  wire::ToProto(target, &target_proto);
  wire::ToProto(conflict, &conflict_proto);
  Pull({target_proto, conflict_proto}, 3);
  auto open = Reader()->OpenConflicts();
  ASSERT_TRUE(open.ok());
  ASSERT_EQ(open->size(), 1u);
  ASSERT_TRUE(store_->ResolveConflict(conflict.id, Value(500), "kept the teacher's figure").ok());
  EXPECT_TRUE(Reader()->OpenConflicts()->empty());
  RecordView decided = View(conflict.id);
  EXPECT_EQ(Text(decided, "resolved_by"), "zhao");
  EXPECT_EQ(Text(decided, "resolution"), "kept the teacher's figure");
  RecordView v = View(visit);
  EXPECT_EQ(v.record.Find("income")->value, Value(500));
  EXPECT_NE(OutboxOf(*store_, visit).find("base=" + std::to_string(s.hlc) + "@2"), std::string::npos)
      << "the decision is based on the current value";
  EXPECT_EQ(store_->ResolveConflict(visit, Value(1), "").code(), StatusCode::kNotFound);
}

TEST_F(StoreTest, AWipeErasesEverythingIncludingFreedPagesAndMakesANewDevice) {
  Login();
  const std::string marker = "身份证号-MARKER-4521";
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(store_->Create(type::kVisit, kSchool, {{"note", Value(marker + std::to_string(i))}}).ok());
  }
  const std::string old_device = store_->State()->device_id;
  ASSERT_TRUE(store_->Wipe().ok());
  auto state = store_->State();
  EXPECT_FALSE(state->logged_in());
  EXPECT_NE(state->device_id, old_device);
  EXPECT_EQ(*Reader()->PendingCount(), 0);
  EXPECT_TRUE(Reader()->Visits("", "")->empty());
  store_.reset();
  for (const char* suffix : {"", "-wal"}) {
    std::ifstream in(dir_.file("device.db") + suffix, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(bytes.find("MARKER"), std::string::npos) << "device.db" << suffix << " still holds data";
  }
}

TEST_F(StoreTest, AnotherUsersLoginIsRefusedUntilTheDeviceIsWiped) {
  Login("wang");
  LoginInfo other;
  other.user = "li";
  other.node = 9;
  other.token = std::string(32, 'z');
  EXPECT_EQ(store_->SaveLogin(other, wall_ms_).code(), StatusCode::kFailedPrecondition);
  ASSERT_TRUE(store_->Wipe().ok());
  EXPECT_TRUE(store_->SaveLogin(other, wall_ms_).ok());
}

TEST_F(StoreTest, ADatabaseFromANewerBuildIsRefused) {
  store_.reset();
  {
    auto db = Connection::Open(dir_.file("device.db"), false, false);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE(db->Exec("PRAGMA user_version = 99").ok());
  }
  auto opened = DeviceStore::Open(dir_.file("device.db"));
  EXPECT_EQ(opened.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(opened.status().message().find("99"), std::string::npos);
}

// A device that ran a build with schema 2 (one row per confirmed field, a state per outbox
// entry) keeps everything across the update: its replica, checksums, query keys, answered
// and pending writes, and the batch in flight, which is resent exactly as before.
TEST_F(StoreTest, AVersion2DatabaseIsMigratedKeepingTheReplicaAndTheOutbox) {
  store_.reset();
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(dir_.file("device.db") + suffix);
  const Uuid student = MakeId(1), visit = MakeId(2);
  const Stamp s1{Stamp::Pack(wall_ms_ - 9000, 0), 2}, s2{Stamp::Pack(wall_ms_ - 8000, 3), 4};
  const int64_t local = static_cast<int64_t>(Stamp::Pack(wall_ms_ - 1000, 0));
  const std::string sid(student.AsBytes()), vid(visit.AsBytes());
  ScopeChecksum sum;
  {
    auto db = Connection::Open(dir_.file("device.db"), true, false);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE(MigrateDeviceSchema(*db, 2).ok());
    ASSERT_EQ(*db->QueryInt("PRAGMA user_version"), 2);
    using Arg = std::variant<std::string, int64_t, std::nullptr_t>;
    auto exec = [&](const std::string& sql, const std::vector<Arg>& args) {
      auto stmt = db->Prepare(sql);
      ASSERT_TRUE(stmt.ok()) << sql;
      for (size_t i = 0; i < args.size(); ++i) {
        const int at = static_cast<int>(i) + 1;
        if (auto* b = std::get_if<std::string>(&args[i])) stmt->BindBlob(at, *b);
        else if (auto* n = std::get_if<int64_t>(&args[i])) stmt->Bind(at, *n);
        else stmt->BindNull(at);
      }
      ASSERT_TRUE(stmt->Run().ok()) << sql;
    };
    exec("INSERT INTO sync_state(id, device_id, server, user, role, scopes, node, token, cursor, "
         "next_batch_seq, in_flight_seq, hlc_last) VALUES (1, 'old-device', '127.0.0.1:1', 'wang', "
         "0, 'qx/hs/s1', 7, x'6b6b', 30, 5, 4, ?)",
         {local + 10});
    exec("INSERT INTO record(id, type, scope, confirmed) VALUES (?, 'student', 'qx/hs/s1', 1)", {sid});
    exec("INSERT INTO record(id, type, scope, confirmed) VALUES (?, 'visit', 'qx/hs/s1', 0)", {vid});
    const std::vector<std::tuple<std::string, Value, Stamp>> confirmed = {
        {"name", Value("李明"), s1}, {"class_name", Value("3"), s1}, {"village", Value("花山村"), s2}};
    for (const auto& [name, value, stamp] : confirmed) {
      exec("INSERT INTO field(record_id, name, value, hlc, node) VALUES (?, CAST(? AS TEXT), ?, ?, ?)",
           {sid, name, EncodeValue(value), static_cast<int64_t>(stamp.hlc), int64_t{stamp.node}});
      sum.Add(FieldHash(student, name, stamp));
    }
    exec("INSERT INTO scope_checksum(scope, sum, count) VALUES ('qx/hs/s1', ?, ?)",
         {static_cast<int64_t>(sum.sum), static_cast<int64_t>(sum.count)});
    exec("INSERT INTO record_key(record_id, name, value) VALUES (?, 'class_name', '4')", {sid});
    exec("INSERT INTO record_key(record_id, name, value) VALUES (?, 'village', '石门村')", {sid});
    exec("INSERT INTO record_key(record_id, name, value) VALUES (?, 'status', 'draft')", {vid});
    // Key rows no query reads (a visit's household, a student's grade) go.
    exec("INSERT INTO record_key(record_id, name, value) VALUES (?, 'household_id', 'h')", {vid});
    exec("INSERT INTO record_key(record_id, name, value) VALUES (?, 'grade', '3')", {sid});
    const std::string entry =
        "INSERT INTO outbox(seq, record_id, name, value, hlc, base_hlc, base_node, state, batch_seq) "
        "VALUES (?, ?, CAST(? AS TEXT), ?, ?, ?, ?, ?, ?)";
    // Answered in batch 3; batch 4 (two fields of the visit) in flight; one write pending;
    // an old rejected write numbered above them all.
    exec(entry, {int64_t{21}, sid, "village", EncodeValue(Value("石门村")), local - 5,
                 static_cast<int64_t>(s2.hlc), int64_t{4}, int64_t{2}, int64_t{3}});
    exec(entry, {int64_t{22}, vid, "notes", EncodeValue(Value("家里有三口人")), local, nullptr, nullptr,
                 int64_t{1}, int64_t{4}});
    exec(entry, {int64_t{23}, vid, "status", EncodeValue(Value("draft")), local, nullptr, nullptr,
                 int64_t{1}, int64_t{4}});
    exec(entry, {int64_t{24}, sid, "class_name", EncodeValue(Value("4")), local + 10,
                 static_cast<int64_t>(s1.hlc), int64_t{2}, int64_t{0}, nullptr});
    exec("INSERT INTO rejected_write(seq, record_id, name, value, hlc, reason, at_ms) "
         "VALUES (30, ?, 'grade', x'00', 1, 'old', 1)", {sid});
  }
  Reopen();
  EXPECT_EQ(*Connection::Open(dir_.file("device.db"), false, true)->QueryInt("PRAGMA user_version"),
            kDeviceSchemaVersion);
  EXPECT_EQ(store_->State()->cursor, 30u);
  EXPECT_EQ(*store_->ChecksumOf(kSchool), sum);
  {
    auto db = Connection::Open(dir_.file("device.db"), false, true);
    EXPECT_EQ(*db->QueryInt("SELECT count(*) FROM record WHERE key_household IS NOT NULL"), 0)
        << "a visit's household is no query key";
    EXPECT_EQ(*db->QueryInt("SELECT count(*) FROM sqlite_schema WHERE name = 'record_key'"), 0);
    EXPECT_EQ(*db->QueryInt("SELECT count(*) FROM record WHERE key_class = '4' AND "
                            "key_village = '石门村' AND key_status IS NULL"),
              1)
        << "the student's keys are its columns now";
  }
  EXPECT_EQ(Reader()->Drafts("")->size(), 1u) << "the visit's status key stays";
  EXPECT_EQ(*Reader()->PendingCount(), 3);

  RecordView s = View(student);
  EXPECT_TRUE(s.confirmed);
  EXPECT_EQ(Text(s, "name"), "李明");
  EXPECT_EQ(s.record.Find("name")->stamp, s1);
  EXPECT_EQ(Text(s, "village"), "石门村") << "the answered write is still shown";
  EXPECT_EQ(Text(s, "class_name"), "4");
  EXPECT_EQ(s.pending, (std::set<std::string>{"class_name", "village"}));
  EXPECT_EQ(OutboxOf(*store_, student),
            "village='石门村' base=" + std::to_string(s2.hlc) + "@4 state=2\n"
            "class_name='4' base=" + std::to_string(s1.hlc) + "@2 state=0\n");
  EXPECT_EQ(Reader()->StudentsOfClass(kSchool, "4")->size(), 1u);

  // The batch in flight is resent with its number and its entries in their order.
  auto resent = store_->NextBatch({});
  ASSERT_TRUE(resent.ok()) << resent.status().ToString();
  EXPECT_TRUE(resent->resent);
  EXPECT_EQ(resent->batch_seq, 4u);
  ASSERT_EQ(resent->request.writes_size(), 1);
  ASSERT_EQ(resent->request.writes(0).fields_size(), 2);
  EXPECT_EQ(resent->request.writes(0).record_id(), vid);
  EXPECT_EQ(resent->request.writes(0).fields(0).name(), "notes");
  EXPECT_EQ(resent->request.writes(0).fields(1).name(), "status");
  v1::PushResponse answer;
  answer.set_batch_seq(4);
  ASSERT_TRUE(store_->Acknowledge(*resent, answer).ok());

  // The next batch takes the next number; a rejected write joins the old rejected one.
  auto next = store_->NextBatch({});
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->batch_seq, 5u);
  EXPECT_EQ(next->field_count, 1u);
  ASSERT_TRUE(store_->RejectInFlight("refused").ok());
  EXPECT_EQ(Reader()->RejectedWrites(10)->size(), 2u);
  EXPECT_EQ((*Reader()->RejectedWrites(10))[0].field, "class_name");

  // A complete pull drops the answered entries: the confirmed value shows again.
  Pull({ServerRecord(student, type::kStudent, kSchool, {{"village", Value("石门村")}},
                     Stamp{static_cast<uint64_t>(local - 5), kNode})},
       31);
  ASSERT_TRUE(store_->FinishPull(wall_ms_).ok());
  s = View(student);
  EXPECT_TRUE(s.pending.empty());
  EXPECT_EQ(Text(s, "class_name"), "3");
  EXPECT_EQ(Reader()->StudentsOfClass(kSchool, "3")->size(), 1u);
  EXPECT_TRUE(Reader()->StudentsOfClass(kSchool, "4")->empty());
  EXPECT_EQ(*Reader()->PendingCount(), 0);
}

// The replica's blob is checked when read: damage is an error, never a crash.
// Schema 6 marks outbox entries that may reference an attachment in a column: an entry
// written by version 5 with a photo is still found as the photo's record, and a new
// record's group with a photo is found too.
TEST_F(StoreTest, AVersion5OutboxKeepsItsAttachmentReferencesAfterTheMigration) {
  Login();
  const std::string old_sha(32, 'a'), new_sha(32, 'b');
  auto old_visit = store_->Create(type::kVisit, kSchool, {{"status", Value("draft")}});
  ASSERT_TRUE(old_visit.ok());
  store_.reset();
  {
    // Back to version 5 by hand: the columns go, the entry holds the photo as before.
    auto db = Connection::Open(dir_.file("device.db"), true, false);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE(db->Exec("DROP VIEW outbox; DROP INDEX outbox_entry_blobs; DROP INDEX outbox_entry_count; "
                         "ALTER TABLE outbox_entry DROP COLUMN field_count; "
                         "ALTER TABLE outbox_entry DROP COLUMN has_blobs; "
                         "CREATE INDEX outbox_entry_blobs ON outbox_entry(seq) "
                         "WHERE substr(value, 1, 1) IN (x'4a', x'52'); "
                         "CREATE VIEW outbox AS SELECT * FROM outbox_entry; "
                         "PRAGMA user_version = 5").ok());
    auto put = db->Prepare("UPDATE outbox_entry SET name = 'photo_family', value = ?");
    ASSERT_TRUE(put.ok());
    put->BindBlob(1, EncodeValue(Value(BlobRef{old_sha})));
    ASSERT_TRUE(put->Run().ok());
  }
  Reopen();
  EXPECT_EQ(*Connection::Open(dir_.file("device.db"), false, true)->QueryInt("PRAGMA user_version"),
            kDeviceSchemaVersion);
  auto found = store_->RecordReferencingBlob(old_sha);
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(*found, std::optional<Uuid>(*old_visit));
  auto new_visit = store_->Create(type::kVisit, kSchool, {{"status", Value("draft")},
                                                          {"photo_family", Value(BlobRef{new_sha})}});
  ASSERT_TRUE(new_visit.ok());
  found = store_->RecordReferencingBlob(new_sha);
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(*found, std::optional<Uuid>(*new_visit));
  EXPECT_EQ(*Reader()->PendingCount(), 3);
}

TEST_F(StoreTest, ADamagedConfirmedRecordIsAnErrorNotACrash) {
  Login();
  const Uuid id = MakeId(1);
  const Stamp s{Stamp::Pack(wall_ms_, 0), 2};
  Pull({ServerRecord(id, type::kStudent, kSchool, {{"name", Value("李明")}, {"class_name", Value("3")}}, s)}, 1);
  auto db = Connection::Open(dir_.file("device.db"), false, false);
  ASSERT_TRUE(db.ok());
  for (const std::string& damage :
       {std::string("\x02", 1),                                    // unknown version
        std::string("\x01\x05na", 4),                              // name cut short
        std::string("\x01\x04name\xff\xff\xff", 8),                  // value length too large
        std::string("\x01\x01z\x00\x00", 5),                        // first field: no own stamp
        std::string("\x01\x01z\x00\x01\x05\x02\x01" "a\x00\x00", 11),  // names out of order
        std::string("\x01\x01z\x00\x07", 5)}) {                     // unknown stamp form
    auto put = db->Prepare("UPDATE record SET fields = ? WHERE id = ?");
    ASSERT_TRUE(put.ok());
    put->BindBlob(1, damage).BindBlob(2, id.AsBytes());
    ASSERT_TRUE(put->Run().ok());
    auto view = Reader()->Get(id);
    EXPECT_EQ(view.status().code(), StatusCode::kInternal);
    EXPECT_FALSE(store_->Set(id, {{"name", Value("x")}}).ok());
    v1::ChangeBatch batch;
    *batch.add_records() = ServerRecord(id, type::kStudent, kSchool, {{"name", Value("y")}}, s);
    batch.set_cursor(2);
    EXPECT_FALSE(store_->ApplyPulled(batch, PullTarget::kMain).ok());
  }
}

TEST_F(StoreTest, ReadersSeeCommittedStatesWhileTheWriterWrites) {
  Login();
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (int i = 0; i < 200; ++i) {
      ASSERT_TRUE(store_->Create(type::kVisit, kSchool, {{"status", Value("draft")}, {"author", Value("wang")}}).ok());
    }
    done = true;
  });
  auto reader = Reader();
  int64_t last = 0;
  while (!done) {
    auto drafts = reader->Drafts("wang");
    ASSERT_TRUE(drafts.ok()) << drafts.status().ToString();
    auto count = static_cast<int64_t>(drafts->size());
    EXPECT_GE(count, last) << "a reader went back in time";
    last = count;
  }
  writer.join();
  EXPECT_EQ(reader->Drafts("wang")->size(), 200u);
}

// A pull's batches are not checkpointed one by one (replica.cc): the end of the pull moves
// them into the database file, so a phone that is switched off afterwards loses nothing and
// its WAL does not stay the size of everything it ever pulled.
TEST_F(StoreTest, ALargePullReachesTheDatabaseFileWhenThePullEnds) {
  const std::string padding(2000, 'x');  // about 8 MB over 4,000 records: far past 1,000 pages
  uint64_t cursor = 0;
  for (int batch = 0; batch < 40; ++batch) {
    std::vector<v1::Record> records;
    for (int i = 0; i < 100; ++i) {
      const uint64_t n = static_cast<uint64_t>(batch * 100 + i + 1);
      records.push_back(ServerRecord(MakeId(n), type::kStudent, kSchool,
                                     {{"name", Value("学生" + std::to_string(n))},
                                      {"notes", Value(padding)}},
                                     Stamp{Stamp::Pack(wall_ms_, 0), 2}));
    }
    Pull(std::move(records), ++cursor);
  }
  ASSERT_TRUE(store_->FinishPull(wall_ms_).ok());
  const auto db_bytes = std::filesystem::file_size(dir_.file("device.db"));
  EXPECT_GT(db_bytes, 8'000'000u) << "the pulled pages are still only in the WAL";
  // A fresh open (another process, after a restart) reads every record.
  Reopen();
  EXPECT_EQ(Reader()->StudentsOfSchool(kSchool)->size(), 4000u);
  EXPECT_EQ(store_->State()->cursor, 40u);
}

}  // namespace
}  // namespace homevisit::store::testing
