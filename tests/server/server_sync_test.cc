// Push and Pull against a real server: delivery between devices, resent batches, concurrent
// edits, resuming, checksums, limits and malformed input.
#include <atomic>
#include <thread>

#include "core/merge.h"
#include "core/scope.h"
#include "tests/server/server_harness.h"

namespace homevisit::server::testing {
namespace {

using SyncTest = ServerTest;

// The stamp the server gave a field, as a device would learn it from a pull.
Stamp StampOf(const TestDevice& device, const Uuid& id, const std::string& field) {
  const Record* r = device.replica().Find(id);
  return r && r->Find(field) ? r->Find(field)->stamp : Stamp{};
}

TEST_P(SyncTest, PushOnOneDeviceIsPulledOnAnother) {
  auto phone = LoggedIn("teacher_a");
  auto other = LoggedIn("teacher_a2");
  const Uuid id = NewRecordId();
  v1::PushRequest push;
  push.set_batch_seq(1);
  auto* household = AddRecord(push, id, "household", kSchoolA);
  const uint64_t hlc = phone->NextHlc();
  AddField(household, "head_name", Value("向国华"), hlc);
  AddField(household, "village", Value("石门村"), hlc + 1);
  AddField(household, "categories", Value(StringList{"最低生活保障家庭"}), hlc + 2);
  v1::PushResponse response;
  grpc::Status status = phone->Push(push, &response);
  ASSERT_TRUE(status.ok()) << Describe(status);
  EXPECT_EQ(response.applied_count(), 3u);
  EXPECT_EQ(response.outcomes_size(), 0);
  EXPECT_FALSE(response.duplicate());
  EXPECT_GT(response.server_time_ms(), 0);

  ASSERT_TRUE(other->Sync().ok());
  const Record* pulled = other->replica().Find(id);
  ASSERT_TRUE(pulled);
  EXPECT_EQ(pulled->type, "household");
  EXPECT_EQ(pulled->scope, kSchoolA);
  EXPECT_EQ(pulled->Find("head_name")->value, Value("向国华"));
  EXPECT_EQ(pulled->Find("categories")->value, Value(StringList{"最低生活保障家庭"}));
  EXPECT_EQ(pulled->Find("village")->stamp, (Stamp{hlc + 1, phone->node()}))
      << "the stamp carries the pushing device's node";
}

TEST_P(SyncTest, ResentBatchIsAcknowledgedButNotReapplied) {
  auto phone = LoggedIn("teacher_a");
  auto other = LoggedIn("teacher_a2");
  const Uuid id = NewRecordId();
  v1::PushRequest first;
  first.set_batch_seq(1);
  AddField(AddRecord(first, id, "household", kSchoolA), "village", Value("花山村"),
           phone->NextHlc());
  v1::PushResponse response;
  ASSERT_TRUE(phone->Push(first, &response).ok());

  // Another teacher corrects the village, having seen the first value.
  ASSERT_TRUE(other->Sync().ok());
  v1::PushRequest fix;
  fix.set_batch_seq(1);
  AddField(AddRecord(fix, id, "", ""), "village", Value("石门村"), other->NextHlc(),
           StampOf(*other, id, "village"));
  ASSERT_TRUE(other->Push(fix, &response).ok());
  ASSERT_EQ(response.applied_count(), 1u);
  const uint64_t cursor_before = storage_->GetStats()->last_seq;

  // The first phone never saw its answer and sends batch 1 again.
  v1::PushResponse again;
  grpc::Status status = phone->Push(first, &again);
  ASSERT_TRUE(status.ok()) << Describe(status);
  EXPECT_TRUE(again.duplicate());
  EXPECT_EQ(again.applied_count(), 0u);
  EXPECT_EQ(again.outcomes_size(), 0);
  EXPECT_EQ(again.batch_seq(), 1u);
  auto record = storage_->GetRecord(id);
  EXPECT_EQ((*record)->Find("village")->value, Value("石门村"));
  EXPECT_EQ(storage_->GetStats()->last_seq, cursor_before) << "the resend changed something";
  EXPECT_EQ(storage_->GetStats()->open_conflicts, 0);
}

TEST_P(SyncTest, TwoOfflineEditsOfOneFieldKeepOneValueAndAConflictWithTheOther) {
  auto wang = LoggedIn("teacher_a");
  auto li = LoggedIn("teacher_a2");
  const Uuid id = NewRecordId();
  v1::PushRequest create;
  create.set_batch_seq(1);
  AddField(AddRecord(create, id, "household", kSchoolA), "member_count", Value(4),
           wang->NextHlc());
  v1::PushResponse response;
  ASSERT_TRUE(wang->Push(create, &response).ok());
  ASSERT_TRUE(wang->Sync().ok());
  ASSERT_TRUE(li->Sync().ok());
  const Stamp seen = StampOf(*li, id, "member_count");

  // Both edit offline from the same value; Li edits later, so Li's stamp is greater.
  v1::PushRequest by_wang, by_li;
  const uint64_t wang_hlc = wang->NextHlc();
  by_wang.set_batch_seq(2);
  AddField(AddRecord(by_wang, id, "", ""), "member_count", Value(5), wang_hlc, seen);
  by_li.set_batch_seq(1);
  AddField(AddRecord(by_li, id, "", ""), "member_count", Value(6), wang_hlc + (1 << 16), seen);

  v1::PushResponse wang_result, li_result;
  ASSERT_TRUE(wang->Push(by_wang, &wang_result).ok());
  EXPECT_EQ(wang_result.applied_count(), 1u);
  ASSERT_TRUE(li->Push(by_li, &li_result).ok());
  ASSERT_EQ(li_result.outcomes_size(), 1);
  EXPECT_EQ(li_result.outcomes(0).status(), v1::WRITE_CONFLICT);
  EXPECT_EQ(li_result.outcomes(0).conflict_id().size(), 16u);

  auto coordinator = LoggedIn("coordinator");
  ASSERT_TRUE(coordinator->Sync().ok());
  const Record* household = coordinator->replica().Find(id);
  ASSERT_TRUE(household);
  EXPECT_EQ(household->Find("member_count")->value, Value(6)) << "the greater stamp wins";
  const Record* conflict =
      coordinator->replica().Find(*Uuid::FromBytes(li_result.outcomes(0).conflict_id()));
  ASSERT_TRUE(conflict) << "the coordinator must receive the conflict record";
  EXPECT_EQ(conflict->type, "conflict");
  EXPECT_EQ(conflict->scope, kSchoolA);
  EXPECT_EQ(conflict->Find("loser")->value, Value(5)) << "Wang's value must be kept";
  EXPECT_EQ(conflict->Find("winner")->value, Value(6));
  EXPECT_EQ(conflict->Find("record_id")->value, Value(id.ToString()));
  EXPECT_EQ(conflict->Find("field")->value, Value("member_count"));
  EXPECT_EQ(conflict->Find("status")->value, Value("open"));
  ASSERT_TRUE(conflict->Find("loser_by") && conflict->Find("winner_by"));
  EXPECT_EQ(conflict->Find("loser_by")->value, Value("teacher_a")) << "who wrote the kept value";
  EXPECT_EQ(conflict->Find("winner_by")->value, Value("teacher_a2"));
  EXPECT_EQ(storage_->GetStats()->open_conflicts, 1);
}

TEST_P(SyncTest, ConcurrentWriteWithASmallerStampLosesButIsKept) {
  auto wang = LoggedIn("teacher_a");
  auto li = LoggedIn("teacher_a2");
  const Uuid id = NewRecordId();
  v1::PushRequest create;
  create.set_batch_seq(1);
  AddField(AddRecord(create, id, "household", kSchoolA), "phone", Value("13900000000"),
           wang->NextHlc());
  v1::PushResponse response;
  ASSERT_TRUE(wang->Push(create, &response).ok());
  ASSERT_TRUE(li->Sync().ok());
  const Stamp seen = StampOf(*li, id, "phone");
  const uint64_t early = li->NextHlc();
  v1::PushRequest later;
  later.set_batch_seq(2);
  AddField(AddRecord(later, id, "", ""), "phone", Value("13911111111"), early + (1 << 16), seen);
  ASSERT_TRUE(wang->Push(later, &response).ok());
  v1::PushRequest stale;
  stale.set_batch_seq(1);
  AddField(AddRecord(stale, id, "", ""), "phone", Value("13922222222"), early, seen);
  ASSERT_TRUE(li->Push(stale, &response).ok());
  ASSERT_EQ(response.outcomes_size(), 1);
  EXPECT_EQ(response.outcomes(0).status(), v1::WRITE_CONFLICT);
  auto stored = storage_->GetRecord(id);
  EXPECT_EQ((*stored)->Find("phone")->value, Value("13911111111"));
  auto conflict = storage_->GetRecord(*Uuid::FromBytes(response.outcomes(0).conflict_id()));
  ASSERT_TRUE(conflict.ok() && *conflict);
  EXPECT_EQ((*conflict)->Find("loser")->value, Value("13922222222"));
}

TEST_P(SyncTest, PullResumedFromACursorInTheMiddleGetsExactlyTheRest) {
  auto phone = LoggedIn("teacher_a");
  v1::PushRequest push;
  push.set_batch_seq(1);
  for (int r = 0; r < 6; ++r) {
    auto* record = AddRecord(push, NewRecordId(), "student", kSchoolA);
    for (const char* f : {"name", "class_name", "village", "hamlet", "grade"}) {
      AddField(record, f, f == std::string("grade") ? Value(r + 1) : Value("值" + std::to_string(r)),
               phone->NextHlc());
    }
  }
  v1::PushResponse response;
  ASSERT_TRUE(phone->Push(push, &response).ok());
  ASSERT_EQ(response.applied_count(), 30u);

  auto reader = LoggedIn("teacher_a2");
  std::vector<v1::PullResponse> whole;
  ASSERT_TRUE(reader->Pull(0, {}, 4, &whole).ok());
  // 30 fields in batches of at most 4, then the end; a record's fields written together
  // share one position and are never split, so a batch may be one whole 5-field record.
  ASSERT_GE(whole.size(), 7u);
  auto render = [](const std::vector<v1::PullResponse>& rs, size_t from) {
    std::string out;
    for (size_t i = from; i < rs.size(); ++i) {
      if (!rs[i].has_batch()) continue;
      for (const auto& rec : rs[i].batch().records()) {
        for (const auto& f : rec.fields()) {
          out += Uuid::FromBytes(rec.id())->ToString() + "." + f.name() + " ";
        }
      }
    }
    return out;
  };
  uint64_t previous = 0;
  int total_fields = 0;
  for (size_t i = 0; i + 1 < whole.size(); ++i) {
    ASSERT_TRUE(whole[i].has_batch());
    int fields = 0;
    for (const auto& rec : whole[i].batch().records()) fields += rec.fields_size();
    EXPECT_TRUE(fields <= 4 || whole[i].batch().records_size() == 1) << fields << " fields";
    total_fields += fields;
    EXPECT_GT(whole[i].batch().cursor(), previous);
    previous = whole[i].batch().cursor();
    EXPECT_GT(whole[i].server_time_ms(), 0);
  }
  ASSERT_TRUE(whole.back().has_end());
  EXPECT_EQ(whole.back().end().cursor(), previous);
  EXPECT_EQ(total_fields, 30);

  // The connection broke after the third batch: resume from its cursor.
  std::vector<v1::PullResponse> rest;
  ASSERT_TRUE(reader->Pull(whole[2].batch().cursor(), {}, 4, &rest).ok());
  EXPECT_EQ(render(rest, 0), render(whole, 3));
  EXPECT_FALSE(render(rest, 0).empty());
  EXPECT_EQ(rest.back().end().cursor(), previous);
}

// A client that reads Record.stamp gets a shared stamp once per record; one that does not
// ask gets every field's stamp, as before.
TEST_P(SyncTest, SharedStampsAreSentOncePerRecordOnlyToClientsThatAskForThem) {
  auto phone = LoggedIn("teacher_a");
  v1::PushRequest push;
  push.set_batch_seq(1);
  const Uuid id = NewRecordId();
  auto* record = AddRecord(push, id, "student", kSchoolA);
  const uint64_t together = phone->NextHlc();
  for (const char* f : {"name", "class_name", "village"}) AddField(record, f, Value("值"), together);
  const uint64_t later = phone->NextHlc();
  AddField(record, "hamlet", Value("下寨"), later);
  v1::PushResponse response;
  ASSERT_TRUE(phone->Push(push, &response).ok());
  ASSERT_EQ(response.applied_count(), 4u);

  auto reader = LoggedIn("teacher_a2");
  auto pulled = [&](bool shared) {
    std::vector<v1::PullResponse> responses;
    EXPECT_TRUE(reader->Pull(0, {kSchoolA}, 0, &responses, shared).ok());
    for (const auto& r : responses) {
      if (!r.has_batch()) continue;
      for (const auto& rec : r.batch().records()) {
        if (rec.id() == id.AsBytes()) return rec;
      }
    }
    return v1::Record();
  };
  const v1::Record shared = pulled(true);
  ASSERT_EQ(shared.fields_size(), 4);
  EXPECT_EQ(shared.stamp().hlc(), together);
  EXPECT_EQ(shared.stamp().node(), phone->node());
  for (const auto& f : shared.fields()) {
    // The three written together carry none of their own; the later one keeps its stamp.
    EXPECT_EQ(f.has_stamp(), f.name() == "hamlet") << f.name();
    const uint64_t hlc = f.has_stamp() ? f.stamp().hlc() : shared.stamp().hlc();
    EXPECT_EQ(hlc, f.name() == "hamlet" ? later : together) << f.name();
  }
  const v1::Record plain = pulled(false);
  ASSERT_EQ(plain.fields_size(), 4);
  EXPECT_FALSE(plain.has_stamp());
  for (const auto& f : plain.fields()) EXPECT_TRUE(f.has_stamp()) << f.name();
}

TEST_P(SyncTest, PullEndChecksumMatchesTheReplica) {
  auto wang = LoggedIn("teacher_a");
  auto li = LoggedIn("teacher_a2");
  const Uuid id = NewRecordId();
  v1::PushRequest push;
  push.set_batch_seq(1);
  auto* visit = AddRecord(push, id, "visit", kSchoolA);
  AddField(visit, "status", Value("draft"), wang->NextHlc());
  AddField(visit, "household_income", Value(Decimal{"8600.00"}), wang->NextHlc());
  v1::PushResponse response;
  ASSERT_TRUE(wang->Push(push, &response).ok());

  v1::PullEnd end;
  ASSERT_TRUE(li->Sync({}, &end).ok());
  ASSERT_EQ(end.checksums_size(), 2) << "the user's scope and the global one";
  EXPECT_EQ(end.checksums(0).scope(), kGlobalScope);
  EXPECT_EQ(end.checksums(0).field_count(), 0u) << "no form was published";
  EXPECT_EQ(end.checksums(1).scope(), kSchoolA);
  ScopeChecksum mine = li->replica().Checksum(kSchoolA);
  EXPECT_EQ(end.checksums(1).checksum(), mine.sum);
  EXPECT_EQ(end.checksums(1).field_count(), mine.count);
  EXPECT_EQ(mine.count, 2u);

  // An overwrite and a conflict later, an incremental pull still ends on a matching sum.
  const Stamp seen = StampOf(*li, id, "household_income");
  v1::PushRequest edit_a, edit_b;
  edit_a.set_batch_seq(2);
  AddField(AddRecord(edit_a, id, "", ""), "household_income", Value(Decimal{"9000.00"}),
           wang->NextHlc(), seen);
  edit_b.set_batch_seq(1);
  AddField(AddRecord(edit_b, id, "", ""), "household_income", Value(Decimal{"7000.00"}),
           li->NextHlc() + 500, seen);
  ASSERT_TRUE(wang->Push(edit_a, &response).ok());
  ASSERT_TRUE(li->Push(edit_b, &response).ok());
  ASSERT_TRUE(li->Sync({kSchoolA}, &end).ok());
  mine = li->replica().Checksum(kSchoolA);
  EXPECT_EQ(end.checksums(0).checksum(), mine.sum);
  EXPECT_EQ(end.checksums(0).field_count(), mine.count);
  EXPECT_EQ(mine.count, 2u + 11u) << "the record's two fields and a conflict's eleven";
  EXPECT_EQ(mine, *storage_->ChecksumOf(kSchoolA));
}

TEST_P(SyncTest, PullWithNothingNewEndsAtTheSameCursor) {
  auto phone = LoggedIn("teacher_a");
  v1::PullEnd end;
  ASSERT_TRUE(phone->Sync({}, &end).ok());
  EXPECT_EQ(end.cursor(), 0u);
  std::vector<v1::PullResponse> responses;
  ASSERT_TRUE(phone->Pull(123, {}, 0, &responses).ok());
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0].end().cursor(), 123u);
  EXPECT_GT(responses[0].server_time_ms(), 0);
}

TEST_P(SyncTest, TeacherOfSchoolACannotWriteSchoolBAndNothingChanges) {
  auto teacher_b = LoggedIn("teacher_b");
  const Uuid in_b = NewRecordId();
  v1::PushRequest create;
  create.set_batch_seq(1);
  AddField(AddRecord(create, in_b, "household", kSchoolB), "village", Value("石门村"),
           teacher_b->NextHlc());
  v1::PushResponse response;
  ASSERT_TRUE(teacher_b->Push(create, &response).ok());
  const Stats before = *storage_->GetStats();

  auto teacher_a = LoggedIn("teacher_a");
  // A new record in B, an edit of B's record claiming to be in A, and a mixed batch.
  v1::PushRequest new_in_b, disguised, mixed;
  new_in_b.set_batch_seq(1);
  AddField(AddRecord(new_in_b, NewRecordId(), "household", kSchoolB), "village",
           Value("花山村"), teacher_a->NextHlc());
  disguised.set_batch_seq(1);
  AddField(AddRecord(disguised, in_b, "household", kSchoolA), "village", Value("花山村"),
           teacher_a->NextHlc());
  mixed.set_batch_seq(1);
  AddField(AddRecord(mixed, NewRecordId(), "household", kSchoolA), "village", Value("花山村"),
           teacher_a->NextHlc());
  AddField(AddRecord(mixed, in_b, "", ""), "village", Value("花山村"), teacher_a->NextHlc());
  for (const v1::PushRequest* request : {&new_in_b, &disguised, &mixed}) {
    grpc::Status status = teacher_a->Push(*request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << Describe(status);
  }
  const Stats after = *storage_->GetStats();
  EXPECT_EQ(after.last_seq, before.last_seq) << "a refused batch changed the database";
  EXPECT_EQ(after.fields, before.fields);
  EXPECT_EQ((*storage_->GetRecord(in_b))->Find("village")->value, Value("石门村"));

  // The refused batch did not use up its number: a valid batch 1 is applied.
  v1::PushRequest valid;
  valid.set_batch_seq(1);
  AddField(AddRecord(valid, NewRecordId(), "household", kSchoolA), "village", Value("花山村"),
           teacher_a->NextHlc());
  ASSERT_TRUE(teacher_a->Push(valid, &response).ok());
  EXPECT_FALSE(response.duplicate());
  EXPECT_EQ(response.applied_count(), 1u);
}

TEST_P(SyncTest, TeacherOfSchoolACannotReadSchoolB) {
  auto teacher_b = LoggedIn("teacher_b");
  v1::PushRequest create;
  create.set_batch_seq(1);
  AddField(AddRecord(create, NewRecordId(), "student", kSchoolB), "name", Value("石小龙"),
           teacher_b->NextHlc());
  v1::PushResponse response;
  ASSERT_TRUE(teacher_b->Push(create, &response).ok());

  auto teacher_a = LoggedIn("teacher_a");
  for (const std::string scope : {kSchoolB, kTownship, "qx"}) {
    std::vector<v1::PullResponse> responses;
    grpc::Status status = teacher_a->Pull(0, {scope}, 0, &responses);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << scope;
    EXPECT_TRUE(responses.empty()) << scope;
  }
  v1::PullEnd end;
  ASSERT_TRUE(teacher_a->Sync({}, &end).ok());
  EXPECT_TRUE(teacher_a->replica().records.empty()) << "school B's record reached school A";

  auto coordinator = LoggedIn("coordinator");
  ASSERT_TRUE(coordinator->Sync().ok());
  EXPECT_EQ(coordinator->replica().records.size(), 1u) << "the township sees both schools";
}

TEST_P(SyncTest, OversizeBatchIsRefusedClearlyAndChangesNothing) {
  auto phone = LoggedIn("teacher_a");
  v1::PushRequest too_many;
  too_many.set_batch_seq(1);
  auto* record = AddRecord(too_many, NewRecordId(), "visit", kSchoolA);
  for (uint32_t i = 0; i <= options_.limits.max_batch_writes; ++i) {
    AddField(record, "q" + std::to_string(i), Value(1), phone->NextHlc());
  }
  v1::PushResponse response;
  grpc::Status status = phone->Push(too_many, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << Describe(status);
  EXPECT_NE(status.error_message().find(std::to_string(options_.limits.max_batch_writes)),
            std::string::npos)
      << "the message names the limit: " << status.error_message();

  v1::PushRequest too_big;
  too_big.set_batch_seq(1);
  AddField(AddRecord(too_big, NewRecordId(), "visit", kSchoolA), "notes",
           Value(std::string(options_.limits.max_batch_bytes + 1, 'x')), phone->NextHlc());
  status = phone->Push(too_big, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << Describe(status);
  EXPECT_NE(status.error_message().find("bytes"), std::string::npos) << status.error_message();

  v1::PushRequest beyond_message;
  beyond_message.set_batch_seq(1);
  AddField(AddRecord(beyond_message, NewRecordId(), "visit", kSchoolA), "notes",
           Value(std::string(static_cast<size_t>(options_.max_message_bytes) + 1, 'x')),
           phone->NextHlc());
  status = phone->Push(beyond_message, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << Describe(status);

  EXPECT_EQ(storage_->GetStats()->fields, 0);
  v1::PushRequest fits;
  fits.set_batch_seq(1);
  AddField(AddRecord(fits, NewRecordId(), "visit", kSchoolA), "notes", Value("ok"),
           phone->NextHlc());
  ASSERT_TRUE(phone->Push(fits, &response).ok());
  EXPECT_FALSE(response.duplicate()) << "a refused batch must not use up its number";
}

TEST_P(SyncTest, MalformedWritesAreRejectedWithReasonsAndChangeNothing) {
  auto phone = LoggedIn("teacher_a");
  const Uuid good = NewRecordId();
  v1::PushRequest push;
  push.set_batch_seq(1);
  auto* household = AddRecord(push, good, "household", kSchoolA);
  const uint64_t hlc = phone->NextHlc();
  AddField(household, "village", Value("花山村"), hlc);                       // 0: fine
  household->add_fields()->set_name("hamlet");                                // 1: no value
  household->mutable_fields(1)->set_hlc(hlc + 1);
  auto* blob = household->add_fields();                                       // 2: short blob
  blob->set_name("photo");
  blob->mutable_value()->set_blob_sha256("12345");
  blob->set_hlc(hlc + 2);
  AddField(household, "member_count", Value("five"), hlc + 3);               // 3: wrong type
  AddField(household, "income", Value(Decimal{"12,000"}), hlc + 4);          // 4: bad decimal
  AddField(household, "bad name!", Value("x"), hlc + 5);                     // 5: bad name
  AddField(household, "_secret", Value("x"), hlc + 6);                       // 6: reserved
  AddField(household, "address", Value("x"), 0);                             // 7: no stamp
  AddField(AddRecord(push, NewRecordId(), "spaceship", kSchoolA), "name", Value("x"), hlc + 7);
  auto* short_id = push.add_writes();                                         // write 2: bad id
  short_id->set_record_id("abc");
  short_id->set_type("household");
  short_id->set_scope(kSchoolA);
  AddField(short_id, "village", Value("x"), hlc + 8);
  AddField(AddRecord(push, NewRecordId(), "household", "qx/hs/a/ghost"), "village", Value("x"),
           hlc + 9);                                                          // write 3: bad scope
  AddField(AddRecord(push, NewRecordId(), "household", ""), "village", Value("x"), hlc + 10);

  v1::PushResponse response;
  grpc::Status status = phone->Push(push, &response);
  ASSERT_TRUE(status.ok()) << Describe(status);
  EXPECT_EQ(response.applied_count(), 1u);
  std::string reasons;
  for (const auto& o : response.outcomes()) {
    EXPECT_EQ(o.status(), v1::WRITE_REJECTED) << o.reason();
    EXPECT_FALSE(o.reason().empty());
    reasons += std::to_string(o.write_index()) + "." + std::to_string(o.field_index()) + " ";
  }
  EXPECT_EQ(reasons, "0.1 0.2 0.3 0.4 0.5 0.6 0.7 1.0 2.0 3.0 4.0 ");
  EXPECT_NE(response.outcomes(2).reason().find("member_count"), std::string::npos);
  EXPECT_EQ(response.outcomes(2).reason().find("five"), std::string::npos)
      << "a reason never repeats the value";

  const Stats stats = *storage_->GetStats();
  EXPECT_EQ(stats.fields, 1) << "only the valid write was stored";
  const std::vector<std::pair<std::string, int64_t>> only_household = {{"household", 1}};
  EXPECT_EQ(stats.records_by_type, only_household);
}

TEST_P(SyncTest, ResentBatchGetsTheSameRejectionsAsTheFirstTime) {
  // The answer to a batch with a refused write is lost; the device sends the batch again.
  // It must still learn which write was refused, or the teacher's value vanishes silently.
  auto phone = LoggedIn("teacher_a");
  v1::PushRequest push;
  push.set_batch_seq(1);
  const uint64_t hlc = phone->NextHlc();
  auto* household = AddRecord(push, NewRecordId(), "household", kSchoolA);
  AddField(household, "village", Value("花山村"), hlc);
  AddField(household, "member_count", Value("five"), hlc + 1);
  v1::PushResponse first;
  ASSERT_TRUE(phone->Push(push, &first).ok());
  ASSERT_EQ(first.outcomes_size(), 1);
  const uint64_t cursor_before = storage_->GetStats()->last_seq;

  v1::PushResponse again;
  grpc::Status status = phone->Push(push, &again);
  ASSERT_TRUE(status.ok()) << Describe(status);
  EXPECT_TRUE(again.duplicate());
  ASSERT_EQ(again.outcomes_size(), 1);
  EXPECT_EQ(again.outcomes(0).status(), v1::WRITE_REJECTED);
  EXPECT_EQ(again.outcomes(0).write_index(), 0u);
  EXPECT_EQ(again.outcomes(0).field_index(), 1u);
  EXPECT_EQ(again.outcomes(0).reason(), first.outcomes(0).reason());
  EXPECT_EQ(storage_->GetStats()->last_seq, cursor_before) << "the resend changed something";
}

TEST_P(SyncTest, StampFarInTheFutureIsRejected) {
  auto phone = LoggedIn("teacher_a");
  v1::PushRequest push;
  push.set_batch_seq(1);
  const uint64_t next_year = Stamp::Pack(
      static_cast<uint64_t>(HybridClock::SystemMillis() + 365LL * 24 * 3600 * 1000), 0);
  AddField(AddRecord(push, NewRecordId(), "household", kSchoolA), "village", Value("花山村"),
           next_year);
  v1::PushResponse response;
  ASSERT_TRUE(phone->Push(push, &response).ok());
  ASSERT_EQ(response.outcomes_size(), 1);
  EXPECT_EQ(response.outcomes(0).status(), v1::WRITE_REJECTED);
  EXPECT_NE(response.outcomes(0).reason().find("ahead"), std::string::npos)
      << response.outcomes(0).reason();
  EXPECT_EQ(storage_->GetStats()->fields, 0);
}

TEST_P(SyncTest, BatchNumberZeroIsInvalid) {
  auto phone = LoggedIn("teacher_a");
  v1::PushRequest push;
  AddField(AddRecord(push, NewRecordId(), "household", kSchoolA), "village", Value("x"),
           phone->NextHlc());
  v1::PushResponse response;
  EXPECT_EQ(phone->Push(push, &response).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

// Devices push at the same time as another follows with pulls: the follower ends with the
// server's exact state (its checksum matches), so no change slipped past its cursor.
TEST_P(SyncTest, ConcurrentPushesAndPullsConverge) {
  constexpr int kDevices = 4, kBatches = 15, kRecordsPerBatch = 3;
  std::vector<std::unique_ptr<TestDevice>> devices;
  for (int d = 0; d < kDevices; ++d) devices.push_back(LoggedIn(d % 2 ? "teacher_a" : "teacher_a2"));
  auto follower = LoggedIn("coordinator");
  // Shared records, so devices also overwrite each other's fields concurrently.
  std::vector<Uuid> shared(5);
  for (Uuid& id : shared) id = NewRecordId();
  std::atomic<int> done{0};
  std::vector<std::thread> pushers;
  for (int d = 0; d < kDevices; ++d) {
    pushers.emplace_back([&, d] {
      TestDevice& device = *devices[static_cast<size_t>(d)];
      for (int b = 1; b <= kBatches; ++b) {
        v1::PushRequest push;
        push.set_batch_seq(static_cast<uint64_t>(b));
        for (int r = 0; r < kRecordsPerBatch; ++r) {
          auto* record = AddRecord(push, shared[static_cast<size_t>((b + r) % 5)], "household",
                                   kSchoolA);
          AddField(record, "member_count", Value(b), device.NextHlc());
          AddField(record, "d" + std::to_string(d), Value(b * 10 + r), device.NextHlc());
        }
        v1::PushResponse response;
        grpc::Status status = device.Push(push, &response);
        EXPECT_TRUE(status.ok()) << Describe(status);
      }
      ++done;
    });
  }
  v1::PullEnd end;
  while (done.load() < kDevices) ASSERT_TRUE(follower->Sync({}, &end).ok());
  for (auto& t : pushers) t.join();
  ASSERT_TRUE(follower->Sync({}, &end).ok());
  const ScopeChecksum server = *storage_->ChecksumOf(kTownship);
  EXPECT_EQ(follower->replica().Checksum(kTownship), server);
  ASSERT_EQ(end.checksums_size(), 2);
  EXPECT_EQ(end.checksums(1).scope(), kTownship);
  EXPECT_EQ(end.checksums(1).checksum(), server.sum);
  EXPECT_GT(storage_->GetStats()->open_conflicts, 0) << "the devices never overlapped";
}

INSTANTIATE_TEST_SUITE_P(Backends, SyncTest, ::testing::ValuesIn(AvailableBackends()),
                         BackendName());

}  // namespace
}  // namespace homevisit::server::testing
