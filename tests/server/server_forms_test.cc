// Forms on the server: the default form published once and pulled by every device, and a
// submitted visit checked against its form version (sync-server/visit_check.h).
#include <thread>

#include "core/forms/form_parser.h"
#include "core/forms/form_record.h"
#include "core/scope.h"
#include "sync-server/form_publish.h"
#include "tests/server/server_harness.h"

namespace homevisit::server::testing {
namespace {

const Uuid kDefaultFormRecord = forms::FormRecordId("home_visit", 1);

class FormsTest : public ServerTest {
 protected:
  // Pushes one new visit of school A: `status`, the form fields and `answers`, in one batch.
  v1::PushResponse PushVisit(TestDevice& teacher, const Uuid& id, const std::string& status,
                             const std::map<std::string, Value>& answers) {
    v1::PushRequest push;
    push.set_batch_seq(++batch_seq_[&teacher]);
    auto* visit = AddRecord(push, id, "visit", kSchoolA);
    AddField(visit, "status", Value(status), teacher.NextHlc());
    AddField(visit, "student_id", Value(NewRecordId().ToString()), teacher.NextHlc());
    AddHomeVisitAnswers(visit, answers, teacher);
    v1::PushResponse response;
    const grpc::Status s = teacher.Push(push, &response);
    EXPECT_TRUE(s.ok()) << Describe(s);
    return response;
  }
  // Pushes field writes to an existing visit, based on what the device last pulled.
  v1::PushResponse PushEdit(TestDevice& device, const Uuid& id,
                            const std::map<std::string, Value>& fields) {
    v1::PushRequest push;
    push.set_batch_seq(++batch_seq_[&device]);
    auto* visit = AddRecord(push, id, "", "");
    const Record* known = device.replica().Find(id);
    for (const auto& [name, value] : fields) {
      std::optional<Stamp> base;
      if (known && known->Find(name)) base = known->Find(name)->stamp;
      AddField(visit, name, value, device.NextHlc(), base);
    }
    v1::PushResponse response;
    const grpc::Status s = device.Push(push, &response);
    EXPECT_TRUE(s.ok()) << Describe(s);
    return response;
  }
  std::optional<Record> Stored(const Uuid& id) {
    auto record = storage_->GetRecord(id);
    EXPECT_TRUE(record.ok());
    return record.ok() ? *record : std::nullopt;
  }

  std::map<TestDevice*, uint64_t> batch_seq_;
};

// Every outcome is a rejection, and the reasons name `path` but none of `answers`' texts.
void ExpectRejectedFor(const v1::PushResponse& response, int writes, const std::string& path,
                       const std::map<std::string, Value>& answers) {
  EXPECT_EQ(response.applied_count(), 0u);
  ASSERT_EQ(response.outcomes_size(), writes);
  for (const auto& o : response.outcomes()) {
    EXPECT_EQ(o.status(), v1::WRITE_REJECTED);
    EXPECT_NE(o.reason().find(path + ": "), std::string::npos) << o.reason();
    for (const auto& [name, value] : answers) {
      if (const auto* text = value.get_if<std::string>(); text && text->size() > 3) {
        EXPECT_EQ(o.reason().find(*text), std::string::npos) << "an answer in: " << o.reason();
      }
    }
  }
}

TEST_P(FormsTest, DefaultFormIsPublishedOnceAndEveryDevicePullsIt) {
  ServerClock clock;
  auto first = server::PublishDefaultForm(*storage_, clock);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_TRUE(*first);
  auto again = server::PublishDefaultForm(*storage_, clock);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(*again) << "a published version is not written twice";

  // Teachers of two schools and the coordinator of the township all receive it.
  for (const char* user : {"teacher_a", "teacher_b", "coordinator"}) {
    auto device = LoggedIn(user);
    v1::PullEnd end;
    ASSERT_TRUE(device->Sync({}, &end).ok()) << user;
    const Record* form = device->replica().Find(kDefaultFormRecord);
    ASSERT_TRUE(form) << user << " did not receive the default form";
    EXPECT_EQ(form->scope, kGlobalScope);
    auto parsed = forms::FormFromRecord(*form);
    ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
    EXPECT_EQ(parsed->definition, DefaultForm()->definition);
    bool global_checked = false;
    for (const auto& c : end.checksums()) {
      if (c.scope() != kGlobalScope) continue;
      global_checked = true;
      EXPECT_EQ(c.checksum(), device->replica().Checksum(kGlobalScope).sum) << user;
      EXPECT_EQ(c.field_count(), 5u) << user;
    }
    EXPECT_TRUE(global_checked) << user << ": the pull did not end on the global checksum";
  }
  // A device may also pull the global scope alone (as it does to repair it).
  auto device = LoggedIn("teacher_b");
  ASSERT_TRUE(device->Sync({kGlobalScope}).ok());
  EXPECT_TRUE(device->replica().Find(kDefaultFormRecord));
}

// Two server instances starting at once on one database: one publishes, the other finds it.
TEST_P(FormsTest, ServersStartingTogetherPublishTheDefaultFormOnce) {
  constexpr int kServers = 4;
  std::vector<std::unique_ptr<Storage>> instances;
  for (int i = 0; i < kServers; ++i) {
    auto storage = OpenStorage(url_);
    ASSERT_TRUE(storage.ok()) << storage.status().ToString();
    instances.push_back(std::move(storage).value());
  }
  std::vector<Result<bool>> outcomes(kServers, Internal("not run"));
  std::vector<std::thread> starts;
  for (int i = 0; i < kServers; ++i) {
    starts.emplace_back([&, i] {
      ServerClock clock;
      outcomes[i] = server::PublishDefaultForm(*instances[i], clock);
    });
  }
  for (auto& t : starts) t.join();
  int published = 0;
  for (const auto& o : outcomes) {
    ASSERT_TRUE(o.ok()) << o.status().ToString();
    published += *o;
  }
  EXPECT_EQ(published, 1);
  auto forms = ListPublishedForms(*storage_);
  ASSERT_TRUE(forms.ok());
  ASSERT_EQ(forms->size(), 1u);
  EXPECT_EQ((*forms)[0].id, "home_visit");
  EXPECT_EQ(storage_->ChecksumOf(kGlobalScope)->count, 5u) << "the form's fields, once each";
}

TEST_P(FormsTest, SubmittedVisitMissingARequiredAnswerIsRejectedWithThatFieldsMessage) {
  PublishDefaultForm();
  auto teacher = LoggedIn("teacher_a");
  auto answers = CompleteHomeVisit();
  answers.erase("housing");
  const Uuid id = NewRecordId();
  const v1::PushResponse response = PushVisit(*teacher, id, "submitted", answers);
  ExpectRejectedFor(response, 4 + static_cast<int>(answers.size()), "housing", answers);
  EXPECT_NE(response.outcomes(0).reason().find("form home_visit version 1"), std::string::npos)
      << response.outcomes(0).reason();
  EXPECT_NE(response.outcomes(0).reason().find("(This question is required)"), std::string::npos)
      << "the message in English too: " << response.outcomes(0).reason();
  EXPECT_FALSE(Stored(id)) << "nothing of a rejected visit is stored";
}

// A device saving a visit at once sends one stamp for the whole record: judged the same.
TEST_P(FormsTest, VisitSentWithOneStampForTheRecordIsJudgedTheSame) {
  PublishDefaultForm();
  auto teacher = LoggedIn("teacher_a");
  for (const bool complete : {false, true}) {
    auto answers = CompleteHomeVisit();
    if (!complete) answers.erase("assessed_tier");
    v1::PushRequest push;
    push.set_batch_seq(complete ? 2 : 1);
    const Uuid id = NewRecordId();
    auto* visit = AddRecord(push, id, "visit", kSchoolA);
    visit->set_hlc(teacher->NextHlc());
    AddField(visit, "status", Value("submitted"), 0);
    AddField(visit, "form_id", Value("home_visit"), 0);
    AddField(visit, "form_version", Value(int64_t{1}), 0);
    for (const auto& [name, value] : answers) AddField(visit, name, value, 0);
    v1::PushResponse response;
    ASSERT_TRUE(teacher->Push(push, &response).ok());
    if (complete) {
      EXPECT_EQ(response.outcomes_size(), 0) << response.outcomes(0).reason();
      EXPECT_TRUE(Stored(id));
    } else {
      ExpectRejectedFor(response, 3 + static_cast<int>(answers.size()), "assessed_tier", answers);
      EXPECT_FALSE(Stored(id));
    }
  }
}

TEST_P(FormsTest, RequiredAnswerOfARelevantQuestionIsCheckedAndOfAnIrrelevantOneIsNot) {
  PublishDefaultForm();
  auto teacher = LoggedIn("teacher_a");
  // A left-behind child: the guardian's name becomes relevant and required.
  auto answers = CompleteHomeVisit();
  answers["left_behind"] = Value("yes");
  answers["guardian_relation"] = Value("grandparent");
  const Uuid left_behind = NewRecordId();
  ExpectRejectedFor(PushVisit(*teacher, left_behind, "submitted", answers),
                    4 + static_cast<int>(answers.size()), "guardian_name", answers);
  EXPECT_FALSE(Stored(left_behind));
  // Not left behind: the same missing name is no reason to refuse.
  const Uuid at_home = NewRecordId();
  const v1::PushResponse ok = PushVisit(*teacher, at_home, "submitted", CompleteHomeVisit());
  EXPECT_EQ(ok.outcomes_size(), 0) << ok.outcomes(0).reason();
  ASSERT_TRUE(Stored(at_home));
  EXPECT_EQ(Stored(at_home)->Find("status")->value, Value("submitted"));
}

TEST_P(FormsTest, IncompleteDraftIsAcceptedAndCanBeSubmittedOnceComplete) {
  PublishDefaultForm();
  auto teacher = LoggedIn("teacher_a");
  auto answers = CompleteHomeVisit();
  answers.erase("housing");
  const Uuid id = NewRecordId();
  const v1::PushResponse draft = PushVisit(*teacher, id, "draft", answers);
  EXPECT_EQ(draft.outcomes_size(), 0) << draft.outcomes(0).reason();
  ASSERT_TRUE(Stored(id));
  ASSERT_TRUE(teacher->Sync().ok());

  // Submitting it as it is: the status write is judged with the stored answers.
  ExpectRejectedFor(PushEdit(*teacher, id, {{"status", Value("submitted")}}), 1, "housing",
                    answers);
  EXPECT_EQ(Stored(id)->Find("status")->value, Value("draft"));
  // The missing answer and the submission in one batch are judged together.
  const v1::PushResponse submitted =
      PushEdit(*teacher, id, {{"housing", Value("brick_concrete")}, {"status", Value("submitted")}});
  EXPECT_EQ(submitted.outcomes_size(), 0) << submitted.outcomes(0).reason();
  EXPECT_EQ(Stored(id)->Find("status")->value, Value("submitted"));
}

TEST_P(FormsTest, AnswerChangeThatBreaksASubmittedVisitIsRejected) {
  PublishDefaultForm();
  auto teacher = LoggedIn("teacher_a");
  auto coordinator = LoggedIn("coordinator");
  const Uuid id = NewRecordId();
  ASSERT_EQ(PushVisit(*teacher, id, "submitted", CompleteHomeVisit()).outcomes_size(), 0);
  ASSERT_TRUE(teacher->Sync().ok());
  ExpectRejectedFor(PushEdit(*teacher, id, {{"members", Value(Rows{})}}), 1, "members", {});
  EXPECT_EQ(Stored(id)->Find("members")->value, CompleteHomeVisit()["members"]);
  // A coordinator's approval alone is not a reason to check again; review fields never are.
  ASSERT_TRUE(coordinator->Sync().ok());
  const v1::PushResponse approve = PushEdit(
      *coordinator, id, {{"status", Value("approved")}, {"review_comment", Value("属实")}});
  EXPECT_EQ(approve.outcomes_size(), 0) << approve.outcomes(0).reason();
}

TEST_P(FormsTest, SubmittedVisitOfAnUnpublishedFormVersionIsRejected) {
  PublishDefaultForm();
  auto teacher = LoggedIn("teacher_a");
  v1::PushRequest push;
  push.set_batch_seq(1);
  const Uuid id = NewRecordId();
  auto* visit = AddRecord(push, id, "visit", kSchoolA);
  AddField(visit, "status", Value("submitted"), teacher->NextHlc());
  AddField(visit, "form_id", Value("home_visit"), teacher->NextHlc());
  AddField(visit, "form_version", Value(int64_t{7}), teacher->NextHlc());
  v1::PushResponse response;
  ASSERT_TRUE(teacher->Push(push, &response).ok());
  ASSERT_EQ(response.outcomes_size(), 3);
  EXPECT_EQ(response.outcomes(0).status(), v1::WRITE_REJECTED);
  EXPECT_NE(response.outcomes(0).reason().find("form home_visit version 7 is not published"),
            std::string::npos)
      << response.outcomes(0).reason();
  // A submitted visit that names no form at all.
  v1::PushRequest bare;
  bare.set_batch_seq(2);
  AddField(AddRecord(bare, NewRecordId(), "visit", kSchoolA), "status", Value("submitted"),
           teacher->NextHlc());
  ASSERT_TRUE(teacher->Push(bare, &response).ok());
  ASSERT_EQ(response.outcomes_size(), 1);
  EXPECT_NE(response.outcomes(0).reason().find("must name the form"), std::string::npos)
      << response.outcomes(0).reason();
  EXPECT_FALSE(Stored(id));
}

// Forms are the server's to write: not even an admin's device may push one.
TEST_P(FormsTest, DevicePushOfAFormRecordIsRefused) {
  PublishDefaultForm();
  auto admin = LoggedIn("admin");
  auto form = DefaultForm();
  ASSERT_TRUE(form.ok());
  v1::PushRequest push;
  push.set_batch_seq(1);
  // A new version in the global scope, one in the admin's own county, and a change to the
  // published default form.
  const Uuid v2 = forms::FormRecordId("home_visit", 2);
  auto* global = AddRecord(push, v2, "form", kGlobalScope);
  auto* county = AddRecord(push, NewRecordId(), "form", "qx");
  auto* published = AddRecord(push, kDefaultFormRecord, "form", kGlobalScope);
  for (const auto& [name, value] : forms::FormToRecordFields(*form)) {
    AddField(global, name, name == forms::kFormVersionField ? Value(int64_t{2}) : value,
             admin->NextHlc());
    AddField(county, name, value, admin->NextHlc());
  }
  AddField(published, forms::kFormTitleZhField, Value("改过的标题"), admin->NextHlc());
  v1::PushResponse response;
  const grpc::Status s = admin->Push(push, &response);
  ASSERT_TRUE(s.ok()) << Describe(s);
  EXPECT_EQ(response.applied_count(), 0u);
  ASSERT_EQ(response.outcomes_size(), 11);
  for (const auto& o : response.outcomes()) {
    EXPECT_EQ(o.status(), v1::WRITE_REJECTED);
    EXPECT_NE(o.reason().find("server only"), std::string::npos) << o.reason();
  }
  EXPECT_FALSE(Stored(v2));
  EXPECT_EQ(Stored(kDefaultFormRecord)->Find(forms::kFormTitleZhField)->value,
            Value(form->title.zh));
  EXPECT_EQ(ListPublishedForms(*storage_)->size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Backends, FormsTest, ::testing::ValuesIn(AvailableBackends()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace homevisit::server::testing
