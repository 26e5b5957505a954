// The type policies on top of the merge rule: the review state machine, who may decide,
// the approved-visit lock, and who may write which record types.
#include "tests/server/server_harness.h"

namespace homevisit::server::testing {
namespace {

class PolicyTest : public ServerTest {
 protected:
  // Submitted visits must pass the default form (visit_check.h), so it is published.
  void SetUp() override {
    ServerTest::SetUp();
    PublishDefaultForm();
  }
  // Pushes one field write to `id` (a visit of school A) as `device`, basing it on the
  // version the device last pulled. Returns the single outcome's status (APPLIED when the
  // write was simply applied).
  v1::WriteStatus Write(TestDevice& device, const Uuid& id, const std::string& field,
                        const Value& value, std::string* reason = nullptr) {
    v1::PushRequest push;
    push.set_batch_seq(++batch_seq_[&device]);
    const Record* known = device.replica().Find(id);
    std::optional<Stamp> base;
    if (known && known->Find(field)) base = known->Find(field)->stamp;
    AddField(AddRecord(push, id, "visit", kSchoolA), field, value, device.NextHlc(), base);
    v1::PushResponse response;
    grpc::Status status = device.Push(push, &response);
    EXPECT_TRUE(status.ok()) << Describe(status);
    if (response.outcomes_size() == 0) return v1::WRITE_APPLIED;
    if (reason) *reason = response.outcomes(0).reason();
    last_conflict_id_ = response.outcomes(0).conflict_id();
    return response.outcomes(0).status();
  }
  Value Current(const Uuid& id, const std::string& field) {
    auto record = storage_->GetRecord(id);
    if (!record.ok() || !*record || !(*record)->Find(field)) return Value("<absent>");
    return (*record)->Find(field)->value;
  }
  // Pushes visit `id` of school A as a complete draft of the default form, in one batch.
  void PushDraft(TestDevice& teacher, const Uuid& id) {
    v1::PushRequest push;
    push.set_batch_seq(++batch_seq_[&teacher]);
    auto* visit = AddRecord(push, id, "visit", kSchoolA);
    AddField(visit, "status", Value("draft"), teacher.NextHlc());
    AddField(visit, "household_income", Value(Decimal{"8600.00"}), teacher.NextHlc());
    AddHomeVisitAnswers(visit, CompleteHomeVisit(), teacher);
    v1::PushResponse response;
    ASSERT_TRUE(teacher.Push(push, &response).ok());
    ASSERT_EQ(response.outcomes_size(), 0) << response.outcomes(0).reason();
  }
  // A complete visit of school A created by `teacher` and submitted.
  Uuid SubmittedVisit(TestDevice& teacher) {
    const Uuid id = NewRecordId();
    PushDraft(teacher, id);
    EXPECT_TRUE(teacher.Sync().ok());
    EXPECT_EQ(Write(teacher, id, "status", Value("submitted")), v1::WRITE_APPLIED);
    EXPECT_TRUE(teacher.Sync().ok());
    return id;
  }

  std::map<TestDevice*, uint64_t> batch_seq_;
  std::string last_conflict_id_;
};

TEST_P(PolicyTest, ApprovedVisitLocksSurveyFieldsAgainstTeachers) {
  auto teacher = LoggedIn("teacher_a");
  auto coordinator = LoggedIn("coordinator");
  const Uuid visit = SubmittedVisit(*teacher);
  ASSERT_TRUE(coordinator->Sync().ok());
  ASSERT_EQ(Write(*coordinator, visit, "status", Value("approved")), v1::WRITE_APPLIED);

  // The teacher, offline and unaware of the approval, and again after pulling it.
  std::string reason;
  EXPECT_EQ(Write(*teacher, visit, "household_income", Value(Decimal{"3000.00"}), &reason),
            v1::WRITE_CONFLICT);
  EXPECT_NE(reason.find("approved"), std::string::npos) << reason;
  const std::string first_conflict = last_conflict_id_;
  ASSERT_TRUE(teacher->Sync().ok());
  EXPECT_EQ(Write(*teacher, visit, "household_income", Value(Decimal{"2500.00"})),
            v1::WRITE_CONFLICT);
  EXPECT_EQ(Write(*teacher, visit, "new_answer", Value("x")), v1::WRITE_CONFLICT);
  EXPECT_EQ(Current(visit, "household_income"), Value(Decimal{"8600.00"}));
  EXPECT_EQ(Current(visit, "new_answer"), Value("<absent>"));

  // The change is kept for review, in the visit's scope.
  auto conflict = storage_->GetRecord(*Uuid::FromBytes(first_conflict));
  ASSERT_TRUE(conflict.ok() && *conflict);
  EXPECT_EQ((*conflict)->scope, kSchoolA);
  EXPECT_EQ((*conflict)->Find("loser")->value, Value(Decimal{"3000.00"}));
  EXPECT_EQ((*conflict)->Find("winner")->value, Value(Decimal{"8600.00"}));
  EXPECT_EQ(storage_->GetStats()->open_conflicts, 3);

  // A coordinator may still correct the approved visit.
  ASSERT_TRUE(coordinator->Sync().ok());
  EXPECT_EQ(Write(*coordinator, visit, "household_income", Value(Decimal{"8800.00"})),
            v1::WRITE_APPLIED);
  EXPECT_EQ(Current(visit, "household_income"), Value(Decimal{"8800.00"}));
}

TEST_P(PolicyTest, TeacherCannotDecideOrSkipReviewSteps) {
  auto teacher = LoggedIn("teacher_a");
  const Uuid visit = NewRecordId();
  std::string reason;
  EXPECT_EQ(Write(*teacher, visit, "status", Value("approved"), &reason), v1::WRITE_REJECTED);
  EXPECT_NE(reason.find("draft or submitted"), std::string::npos) << reason;
  EXPECT_EQ(Current(visit, "status"), Value("<absent>"));

  PushDraft(*teacher, visit);
  ASSERT_TRUE(teacher->Sync().ok());
  EXPECT_EQ(Write(*teacher, visit, "status", Value("approved"), &reason), v1::WRITE_REJECTED);
  EXPECT_NE(reason.find("cannot move from draft to approved"), std::string::npos) << reason;
  EXPECT_EQ(Write(*teacher, visit, "status", Value("submitted")), v1::WRITE_APPLIED);
  ASSERT_TRUE(teacher->Sync().ok());
  for (const char* decision : {"approved", "returned", "rejected"}) {
    EXPECT_EQ(Write(*teacher, visit, "status", Value(decision), &reason), v1::WRITE_REJECTED)
        << decision;
    EXPECT_NE(reason.find("only a coordinator"), std::string::npos) << reason;
  }
  EXPECT_EQ(Write(*teacher, visit, "status", Value("finished"), &reason), v1::WRITE_REJECTED);
  EXPECT_EQ(Current(visit, "status"), Value("submitted"));
}

TEST_P(PolicyTest, ReviewMovesAlongTheStateMachine) {
  auto teacher = LoggedIn("teacher_a");
  auto coordinator = LoggedIn("coordinator");
  const Uuid visit = SubmittedVisit(*teacher);
  ASSERT_TRUE(coordinator->Sync().ok());
  EXPECT_EQ(Write(*coordinator, visit, "status", Value("returned")), v1::WRITE_APPLIED);
  EXPECT_EQ(Write(*coordinator, visit, "review_comment", Value("请补充收入")), v1::WRITE_APPLIED);
  ASSERT_TRUE(teacher->Sync().ok());
  EXPECT_EQ(Write(*teacher, visit, "household_income", Value(Decimal{"9100.00"})),
            v1::WRITE_APPLIED);
  EXPECT_EQ(Write(*teacher, visit, "status", Value("resubmitted")), v1::WRITE_APPLIED);
  ASSERT_TRUE(coordinator->Sync().ok());
  EXPECT_EQ(Write(*coordinator, visit, "status", Value("rejected")), v1::WRITE_APPLIED);
  ASSERT_TRUE(teacher->Sync().ok());
  EXPECT_EQ(Write(*teacher, visit, "status", Value("submitted")), v1::WRITE_REJECTED);
  EXPECT_EQ(Current(visit, "status"), Value("rejected"));
}

TEST_P(PolicyTest, TeachersWriteNeitherReviewFieldsNorFormsNorConflicts) {
  auto teacher = LoggedIn("teacher_a");
  const Uuid visit = SubmittedVisit(*teacher);
  std::string reason;
  EXPECT_EQ(Write(*teacher, visit, "tier", Value("特别困难"), &reason), v1::WRITE_REJECTED);
  EXPECT_NE(reason.find("coordinator"), std::string::npos) << reason;

  v1::PushRequest push;
  push.set_batch_seq(100);
  AddField(AddRecord(push, NewRecordId(), "form", kSchoolA), "definition", Value("{}"),
           teacher->NextHlc());
  AddField(AddRecord(push, NewRecordId(), "conflict", kSchoolA), "status", Value("open"),
           teacher->NextHlc());
  AddField(AddRecord(push, NewRecordId(), "review", kSchoolA), "decision", Value("approve"),
           teacher->NextHlc());
  v1::PushResponse response;
  ASSERT_TRUE(teacher->Push(push, &response).ok());
  EXPECT_EQ(response.applied_count(), 0u);
  ASSERT_EQ(response.outcomes_size(), 3);
  for (const auto& o : response.outcomes()) EXPECT_EQ(o.status(), v1::WRITE_REJECTED) << o.reason();
}

TEST_P(PolicyTest, CoordinatorResolvesAConflictWithOrdinaryWrites) {
  auto wang = LoggedIn("teacher_a");
  auto coordinator = LoggedIn("coordinator");
  const Uuid visit = SubmittedVisit(*wang);
  ASSERT_TRUE(coordinator->Sync().ok());
  ASSERT_EQ(Write(*coordinator, visit, "status", Value("approved")), v1::WRITE_APPLIED);
  ASSERT_EQ(Write(*wang, visit, "household_income", Value(Decimal{"1.00"})), v1::WRITE_CONFLICT);
  const Uuid conflict = *Uuid::FromBytes(last_conflict_id_);
  ASSERT_TRUE(coordinator->Sync().ok());
  const Record* pulled = coordinator->replica().Find(conflict);
  ASSERT_TRUE(pulled);

  v1::PushRequest resolve;
  resolve.set_batch_seq(50);
  auto* record = AddRecord(resolve, conflict, "", "");
  AddField(record, "status", Value("resolved"), coordinator->NextHlc(),
           pulled->Find("status")->stamp);
  AddField(record, "resolved_by", Value("coordinator"), coordinator->NextHlc());
  AddField(record, "loser", Value("tampered"), coordinator->NextHlc(),
           pulled->Find("loser")->stamp);
  v1::PushResponse response;
  ASSERT_TRUE(coordinator->Push(resolve, &response).ok());
  EXPECT_EQ(response.applied_count(), 2u);
  ASSERT_EQ(response.outcomes_size(), 1);
  EXPECT_EQ(response.outcomes(0).field_index(), 2u) << "the kept value itself is not writable";
  EXPECT_EQ(storage_->GetStats()->open_conflicts, 0);
}

INSTANTIATE_TEST_SUITE_P(Backends, PolicyTest, ::testing::ValuesIn(AvailableBackends()),
                         BackendName());

}  // namespace
}  // namespace homevisit::server::testing
