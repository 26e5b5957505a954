// Devices syncing with the real server (in this process, on 127.0.0.1, over SQLite):
// convergence after offline edits in any order, conflicts reaching the coordinator, a server
// that is down, revocation, refused writes, resent batches, checksum repair, cancel.
#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>

#include <algorithm>
#include <cstdlib>
#include <random>

#include "app/store/record_fields.h"
#include "app/store/sqlite.h"
#include "app/store/store_internal.h"
#include "app/store/value_codec.h"
#include "e2e_fixture.h"
#include "tests/forms/home_visit_answers.h"

namespace homevisit::e2e {
namespace {

using store::FieldValues;
using sync::SyncErrorKind;

std::string Text(const store::RecordView& v, const std::string& field) {
  const FieldVersion* fv = v.record.Find(field);
  if (!fv) return "<missing>";
  if (const auto* s = fv->value.get_if<std::string>()) return *s;
  return fv->value.DebugString();
}

std::string Diff(const std::map<std::string, std::string>& want,
                 const std::map<std::string, std::string>& got) {
  std::string out;
  for (const auto& [k, v] : want) {
    auto it = got.find(k);
    if (it == got.end()) out += "missing: " + v + "\n";
    else if (it->second != v) out += "server: " + v + "\ndevice: " + it->second + "\n";
  }
  for (const auto& [k, v] : got) {
    if (!want.count(k)) out += "extra:   " + v + "\n";
  }
  return out;
}

class E2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<ServerHarness>(dir_.file("server.db"));
    server_->Start();
    server_->SeedAccounts();
    home_ = server_->SeedRecord(store::type::kHousehold, kSchool,
                                {{"head_name", Value("李大山")}, {"village", Value("花山村")},
                                 {"member_count", Value(4)}});
    ming_ = server_->SeedRecord(store::type::kStudent, kSchool,
                                {{"name", Value("李明")}, {"class_name", Value("三年级1班")},
                                 {"household_id", Value(home_.ToString())}, {"village", Value("花山村")}});
    fang_ = server_->SeedRecord(store::type::kStudent, kSchool,
                                {{"name", Value("李芳")}, {"class_name", Value("五年级2班")},
                                 {"household_id", Value(home_.ToString())}, {"village", Value("花山村")}});
  }

  // A logged-in device that has pulled the roster.
  std::unique_ptr<Device> Enrol(const std::string& user, sync::SyncOptions options = Device::Fast()) {
    auto d = std::make_unique<Device>(dir_.file(user + std::to_string(++devices_)), server_->address(), options);
    auto login = d->Login(user);
    EXPECT_TRUE(login.ok()) << user << ": " << login.error.detail;
    auto first = d->Sync();
    EXPECT_TRUE(first.ok()) << user << ": " << first.error.detail;
    return d;
  }

  // `n` visits of ming by wang, each with 36 answers: 40 field writes a visit.
  void NewVisitsOf36Answers(Device& d, int n) {
    for (int i = 0; i < n; ++i) {
      FieldValues answers;
      for (int q = 0; q < 36; ++q) answers["q" + std::to_string(q)] = Value(q * i);
      NewVisit(d, ming_, "wang", answers);
    }
  }
  Uuid NewVisit(Device& d, const Uuid& student, const std::string& author, FieldValues extra = {}) {
    FieldValues f = {{"student_id", Value(student.ToString())},
                     {"household_id", Value(home_.ToString())},
                     {"status", Value("draft")},
                     {"author", Value(author)}};
    f.insert(extra.begin(), extra.end());
    auto id = d.store().Create(store::type::kVisit, kSchool, f);
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    return id.ok() ? *id : Uuid{};
  }

  // A draft with the form it follows and complete answers (kCompleteVisitFields fields in
  // all), so submitting it passes the server's check; `extra` replaces answers.
  Uuid NewCompleteVisit(Device& d, const Uuid& student, const std::string& author,
                        FieldValues extra = {}) {
    extra.emplace("form_id", Value("home_visit"));
    extra.emplace("form_version", Value(1));
    for (auto& [name, value] : forms::testing::CompleteHomeVisitAnswers()) extra.emplace(name, value);
    return NewVisit(d, student, author, std::move(extra));
  }
  static constexpr int kCompleteVisitFields = 4 + 2 + 19;

  void ExpectConverged(Device& d, const std::string& who) {
    EXPECT_EQ(*d.reader().PendingCount(), 0) << who << " kept unsynced writes";
    const auto want = server_->Snapshot(kSchool);
    const auto got = d.Snapshot(kSchool);
    EXPECT_TRUE(want == got) << who << " differs from the server:\n" << Diff(want, got);
  }

  TempDir dir_;
  std::unique_ptr<ServerHarness> server_;
  Uuid home_, ming_, fang_;
  int devices_ = 0;
};

uint64_t SeedFromEnv(uint64_t fallback) {
  const char* s = std::getenv("HOMEVISIT_SEED");
  return s && *s ? std::strtoull(s, nullptr, 10) : fallback;
}

TEST_F(E2eTest, TwoTeachersAndACoordinatorEditOfflineSyncInAnyOrderAndConverge) {
  const uint64_t seed = SeedFromEnv(std::random_device{}());
  std::printf("seed %llu (replay: HOMEVISIT_SEED=%llu)\n", static_cast<unsigned long long>(seed),
              static_cast<unsigned long long>(seed));
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  auto wang = Enrol("wang");
  auto li = Enrol("li");
  auto zhao = Enrol("zhao");

  // Offline: each edits without seeing the others.
  const Uuid wang_visit = NewCompleteVisit(*wang, ming_, "wang", {{"income_total", Value(Decimal{"8000.50"})}, {"housing", Value("brick_concrete")}});
  ASSERT_TRUE(wang->store().Set(home_, {{"member_count", Value(5)}}).ok());
  ASSERT_TRUE(wang->store().Set(wang_visit, {{"status", Value("submitted")}}).ok());
  const Uuid li_visit = NewVisit(*li, fang_, "li", {{"housing", Value("earth_wood")}});
  ASSERT_TRUE(li->store().Set(home_, {{"member_count", Value(6)}, {"phone", Value("13800000000")}}).ok());
  ASSERT_TRUE(zhao->store().Set(ming_, {{"class_name", Value("三年级2班")}}).ok());
  ASSERT_TRUE(zhao->store().Set(home_, {{"head_name", Value("李大善")}}).ok());

  std::vector<Device*> order = {wang.get(), li.get(), zhao.get()};
  for (int round = 0; round < 2; ++round) {
    std::shuffle(order.begin(), order.end(), rng);
    for (Device* d : order) {
      auto r = d->Sync();
      ASSERT_TRUE(r.ok()) << r.error.detail;
    }
  }
  for (Device* d : order) ASSERT_TRUE(d->Sync().ok());

  ExpectConverged(*wang, "wang");
  ExpectConverged(*li, "li");
  ExpectConverged(*zhao, "zhao");
  for (Device* d : {wang.get(), li.get(), zhao.get()}) {
    EXPECT_EQ(Text(**d->reader().Get(wang_visit), "status"), "submitted");
    EXPECT_EQ(Text(**d->reader().Get(li_visit), "housing"), "earth_wood");
    EXPECT_EQ(Text(**d->reader().Get(ming_), "class_name"), "三年级2班");
    EXPECT_EQ(Text(**d->reader().Get(home_), "head_name"), "李大善");
    EXPECT_EQ(Text(**d->reader().Get(home_), "phone"), "13800000000");
  }
  // Wang's 5 and Li's 6 were concurrent: one is current, the other kept for the coordinator.
  auto conflicts = zhao->reader().OpenConflicts();
  ASSERT_TRUE(conflicts.ok());
  ASSERT_EQ(conflicts->size(), 1u);
  const auto& c = (*conflicts)[0];
  EXPECT_EQ(Text(c, "field"), "member_count");
  std::set<std::string> both = {Text(c, "winner"), Text(c, "loser")};
  EXPECT_EQ(both, (std::set<std::string>{"5", "6"}));
  EXPECT_EQ(Text(**zhao->reader().Get(home_), "member_count"), Text(c, "winner"));
}

TEST_F(E2eTest, AConflictReachesTheCoordinatorWhoseDecisionReachesTheTeachers) {
  auto wang = Enrol("wang");
  auto li = Enrol("li");
  auto zhao = Enrol("zhao");
  ASSERT_TRUE(wang->store().Set(home_, {{"village", Value("杨柳村")}}).ok());
  ASSERT_TRUE(li->store().Set(home_, {{"village", Value("石门村")}}).ok());
  ASSERT_TRUE(wang->Sync().ok());
  auto second = li->Sync();
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second.conflicts, 1u) << "li's write was concurrent with wang's";

  ASSERT_TRUE(zhao->Sync().ok());
  auto open = zhao->reader().OpenConflicts();
  ASSERT_TRUE(open.ok());
  ASSERT_EQ(open->size(), 1u) << "the conflict did not reach the coordinator";
  const store::RecordView conflict = (*open)[0];
  EXPECT_EQ(Text(conflict, "record_id"), home_.ToString());
  const std::string loser = Text(conflict, "loser");
  ASSERT_TRUE(loser == "杨柳村" || loser == "石门村");
  ASSERT_TRUE(zhao->store().ResolveConflict(conflict.record.id, conflict.record.Find("loser")->value,
                                            "村委会核实").ok());
  auto decided = zhao->Sync();
  ASSERT_TRUE(decided.ok()) << decided.error.detail;
  EXPECT_EQ(decided.rejected, 0u);

  ASSERT_TRUE(wang->Sync().ok());
  EXPECT_EQ(Text(**wang->reader().Get(home_), "village"), loser);
  EXPECT_EQ(Text(**wang->reader().Get(conflict.record.id), "status"), "resolved");
  EXPECT_TRUE(zhao->reader().OpenConflicts()->empty());
  ExpectConverged(*wang, "wang");
  ExpectConverged(*zhao, "zhao");
}

TEST_F(E2eTest, ADeviceWhoseServerIsDownKeepsWorkingKeepsItsWritesAndReportsOffline) {
  auto wang = Enrol("wang");
  server_->Stop();
  const Uuid visit = NewCompleteVisit(*wang, ming_, "wang");
  ASSERT_TRUE(wang->store().Set(visit, {{"housing", Value("dangerous")}}).ok());
  auto offline = wang->Sync();
  EXPECT_EQ(offline.error.kind, SyncErrorKind::kOffline) << offline.error.detail;
  EXPECT_NE(offline.error.message_zh.find("服务器不可达"), std::string::npos);
  EXPECT_GE(offline.calls, 3u) << "a transient failure is retried";
  // Everything stays usable and kept.
  EXPECT_EQ(*wang->reader().PendingCount(), kCompleteVisitFields) << "housing written twice";
  EXPECT_EQ(wang->reader().Drafts("wang")->size(), 1u);
  ASSERT_TRUE(wang->store().Set(visit, {{"status", Value("submitted")}}).ok());
  EXPECT_TRUE(wang->store().State()->logged_in()) << "being offline is no reason to log out";

  server_->Start();
  auto back = wang->Sync();
  ASSERT_TRUE(back.ok()) << back.error.detail;
  ExpectConverged(*wang, "wang");
  EXPECT_EQ(Text(**wang->reader().Get(visit), "status"), "submitted");
}

TEST_F(E2eTest, ARevokedDeviceWipesItsDataAtItsNextContact) {
  auto wang = Enrol("wang");
  NewVisit(*wang, ming_, "wang");
  const std::string device_id = wang->store().State()->device_id;
  ASSERT_TRUE(server_->storage().RevokeDevice(device_id).ok());
  auto r = wang->Sync();
  EXPECT_EQ(r.error.kind, SyncErrorKind::kRevoked) << r.error.detail;
  EXPECT_FALSE(wang->store().State()->logged_in());
  EXPECT_TRUE(wang->reader().List(store::type::kStudent, 100)->empty());
  EXPECT_EQ(*wang->reader().PendingCount(), 0);
  EXPECT_NE(wang->store().State()->device_id, device_id);
}

TEST_F(E2eTest, AWriteTheServerRefusesIsReportedAndListedWhileTheOthersArrive) {
  auto wang = Enrol("wang");
  auto li = Enrol("li");
  auto zhao = Enrol("zhao");
  const Uuid visit = NewCompleteVisit(*wang, ming_, "wang");
  ASSERT_TRUE(wang->Sync().ok());
  ASSERT_TRUE(li->Sync().ok());
  // Offline, wang submits the visit he still sees as a draft, and notes the housing...
  ASSERT_TRUE(wang->store().Set(visit, {{"status", Value("submitted")}, {"housing", Value("brick_concrete")}}).ok());
  // ...while li submitted it and the coordinator returned it for correction.
  ASSERT_TRUE(li->store().Set(visit, {{"status", Value("submitted")}}).ok());
  ASSERT_TRUE(li->Sync().ok());
  ASSERT_TRUE(zhao->Sync().ok());
  ASSERT_TRUE(zhao->store().Set(visit, {{"status", Value("returned")}, {"review_comment", Value("补充收入")}}).ok());
  ASSERT_TRUE(zhao->Sync().ok());

  auto r = wang->Sync();
  EXPECT_EQ(r.error.kind, SyncErrorKind::kRejected) << r.error.detail;
  EXPECT_EQ(r.rejected, 1u) << "a returned visit cannot move to submitted";
  auto refused = wang->reader().RejectedWrites(10);
  ASSERT_EQ(refused->size(), 1u);
  EXPECT_EQ((*refused)[0].field, "status");
  EXPECT_FALSE((*refused)[0].reason.empty());
  auto v = wang->reader().Get(visit);
  EXPECT_EQ(Text(**v, "housing"), "brick_concrete") << "the rest of the batch arrived";
  EXPECT_EQ(Text(**v, "status"), "returned") << "a refused value is not shown as saved";
  ExpectConverged(*wang, "wang");
}

TEST_F(E2eTest, AWriteOutsideTheUsersScopesIsRefusedAloneAndTheRestOfItsBatchArrives) {
  auto wang = Enrol("wang");
  std::vector<Uuid> visits;
  for (int i = 0; i < 6; ++i) visits.push_back(NewVisit(*wang, ming_, "wang", {{"n", Value(i)}}));
  {
    // As if the user had lost the other school after the write: the record belongs there.
    auto db = store::Connection::Open(wang->db_path(), false, false);
    ASSERT_TRUE(db.ok());
    auto stmt = db->Prepare("UPDATE record SET scope = ? WHERE id = ?");
    stmt->BindText(1, kOtherSchool).BindBlob(2, visits[3].AsBytes());
    ASSERT_TRUE(stmt->Run().ok());
  }
  auto r = wang->Sync();
  EXPECT_EQ(r.error.kind, SyncErrorKind::kRejected) << r.error.detail;
  EXPECT_EQ(*wang->reader().PendingCount(), 0);
  const auto on_server = server_->Snapshot(kTownship);
  for (int i = 0; i < 6; ++i) {
    const bool arrived = on_server.count(visits[i].ToString() + " n") > 0;
    EXPECT_EQ(arrived, i != 3) << "visit " << i;
  }
  EXPECT_EQ(wang->reader().RejectedWrites(100)->size(), 5u) << "the five fields of the refused record";
}

TEST_F(E2eTest, ABatchWhoseAnswerWasLostIsResentWithItsNumberAndNotReapplied) {
  auto wang = Enrol("wang");
  const Uuid visit = NewVisit(*wang, ming_, "wang", {{"housing", Value("brick_concrete")}});
  // Send the batch ourselves and "lose" the answer: the device never hears of it.
  auto batch = wang->store().NextBatch({});
  ASSERT_TRUE(batch.ok());
  auto channel = grpc::CreateChannel(server_->address(), grpc::InsecureChannelCredentials());
  auto stub = v1::Sync::NewStub(channel);
  grpc::ClientContext context;
  std::string hex;
  const std::string token = wang->store().State()->login.token;
  for (unsigned char ch : token) {
    static constexpr char kDigits[] = "0123456789abcdef";
    hex += kDigits[ch >> 4];
    hex += kDigits[ch & 15];
  }
  context.AddMetadata("authorization", "Bearer " + hex);
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  v1::PushResponse lost;
  const grpc::Status sent = stub->Push(&context, batch->request, &lost);
  ASSERT_TRUE(sent.ok()) << sent.error_code() << " " << sent.error_message();
  ASSERT_FALSE(lost.duplicate());
  const auto after_first = server_->Snapshot(kSchool);
  // The device also writes again meanwhile; that write goes in a later batch.
  ASSERT_TRUE(wang->store().Set(visit, {{"housing", Value("earth_wood")}}).ok());

  auto r = wang->Sync();
  ASSERT_TRUE(r.ok()) << r.error.detail;
  EXPECT_EQ(r.conflicts, 0u) << "the resent batch must not conflict with itself";
  ExpectConverged(*wang, "wang");
  EXPECT_EQ(Text(**wang->reader().Get(visit), "housing"), "earth_wood");
  auto stats = server_->storage().GetStats();
  EXPECT_EQ(stats->open_conflicts, 0);
  EXPECT_EQ(after_first.size() + 0, server_->Snapshot(kSchool).size());
}

TEST_F(E2eTest, AReplicaThatDisagreesWithTheServerIsRepairedFromItsChecksum) {
  auto wang = Enrol("wang");
  {
    // A field the server does not have, counted in the device's checksum (as a restored
    // server backup would leave it).
    auto db = store::Connection::Open(wang->db_path(), false, false);
    ASSERT_TRUE(db.ok());
    const Stamp ghost{Stamp::Pack(HybridClock::SystemMillis() - 1000, 9), 99};
    // The confirmed fields of a record are one blob (app/store/store_internal.h).
    auto get = db->Prepare("SELECT fields FROM record WHERE id = ?");
    ASSERT_TRUE(get.ok());
    get->BindBlob(1, ming_.AsBytes());
    ASSERT_TRUE(*get->Step());
    const std::string blob = get->Blob(0);
    get->Reset();
    std::vector<store::StoredField> fields;
    ASSERT_TRUE(store::DecodeFields(blob, &fields).ok());
    const std::string value = store::EncodeValue(Value("x"));
    fields.push_back({"ghost", value, ghost.hlc, ghost.node});
    std::sort(fields.begin(), fields.end(),
              [](const store::StoredField& a, const store::StoredField& b) { return a.name < b.name; });
    std::string with_ghost;
    store::EncodeFields(fields, &with_ghost);
    auto put = db->Prepare("UPDATE record SET fields = ? WHERE id = ?");
    ASSERT_TRUE(put.ok());
    put->BindBlob(1, with_ghost).BindBlob(2, ming_.AsBytes());
    ASSERT_TRUE(put->Run().ok());
    // Sums wrap modulo 2^64: add in C++ (SQL would overflow into floating point).
    auto read = db->Prepare("SELECT sum FROM scope_checksum WHERE scope = ?");
    read->BindText(1, kSchool);
    ASSERT_TRUE(*read->Step());
    const uint64_t sum = static_cast<uint64_t>(read->Int(0)) + FieldHash(ming_, "ghost", ghost);
    auto write = db->Prepare("UPDATE scope_checksum SET sum = ?, count = count + 1 WHERE scope = ?");
    write->Bind(1, static_cast<int64_t>(sum)).BindText(2, kSchool);
    ASSERT_TRUE(write->Run().ok());
  }
  auto r = wang->Sync();
  ASSERT_TRUE(r.ok()) << r.error.detail;
  EXPECT_EQ(r.repaired_scopes, 1u);
  EXPECT_EQ((*wang->reader().Get(ming_))->record.Find("ghost"), nullptr);
  ExpectConverged(*wang, "wang");
  auto again = wang->Sync();
  EXPECT_EQ(again.repaired_scopes, 0u) << "a repaired replica verifies";
}

TEST_F(E2eTest, AWrongPasswordIsAnAuthErrorAndChangesNothing) {
  Device d(dir_.file("d"), server_->address(), Device::Fast());
  auto r = d.client().Login("wang", "not-the-password");
  EXPECT_EQ(r.error.kind, SyncErrorKind::kAuth);
  EXPECT_EQ(r.error.message_zh, "用户名或密码错误");
  EXPECT_EQ(r.calls, 1u) << "a wrong password is not retried";
  EXPECT_FALSE(d.store().State()->logged_in());
  auto sync = d.Sync();
  EXPECT_EQ(sync.error.kind, SyncErrorKind::kAuth);
  EXPECT_EQ(sync.calls, 0u);
}

TEST_F(E2eTest, AnUnknownTokenAsksForANewLoginAndKeepsTheWrites) {
  auto wang = Enrol("wang");
  NewVisit(*wang, ming_, "wang");
  {
    auto db = store::Connection::Open(wang->db_path(), false, false);
    ASSERT_TRUE(db->Exec("UPDATE sync_state SET token = zeroblob(32)").ok());
  }
  auto r = wang->Sync();
  EXPECT_EQ(r.error.kind, SyncErrorKind::kAuth) << r.error.detail;
  EXPECT_EQ(*wang->reader().PendingCount(), 4);
  ASSERT_TRUE(wang->Login("wang").ok());
  ASSERT_TRUE(wang->Sync().ok());
  ExpectConverged(*wang, "wang");
}

TEST_F(E2eTest, CancelStopsASyncKeepingEverythingAndTheNextSyncFinishesIt) {
  auto options = Device::Fast();
  options.push_limits.max_fields = 50;
  auto wang = Enrol("wang", options);
  for (int i = 0; i < 40; ++i) NewVisit(*wang, ming_, "wang", {{"n", Value(i)}});
  auto r = wang->Sync([&](const sync::SyncProgress& p) {
    if (p.phase == sync::SyncPhase::kPush && p.done >= 50) wang->client().Cancel();
  });
  EXPECT_EQ(r.error.kind, SyncErrorKind::kCancelled) << r.error.detail;
  EXPECT_GT(*wang->reader().PendingCount(), 0);
  auto rest = wang->Sync();
  ASSERT_TRUE(rest.ok()) << rest.error.detail;
  ExpectConverged(*wang, "wang");
  EXPECT_EQ(wang->reader().Drafts("wang")->size(), 40u);
}

TEST_F(E2eTest, PushesAreSplitIntoBoundedBatches) {
  auto options = Device::Fast();
  options.push_limits.max_fields = 100;
  auto wang = Enrol("wang", options);
  NewVisitsOf36Answers(*wang, 30);
  auto r = wang->Sync();
  ASSERT_TRUE(r.ok()) << r.error.detail;
  EXPECT_EQ(r.pushed, 30u * 40u);
  EXPECT_EQ(r.batches, 15u) << "30 new visits of 40 fields, each visit whole in one batch: "
                               "two (80 writes) per batch of at most 100";
  EXPECT_EQ(r.calls, 1u + 1u) << "on one push stream, then one pull";
  ExpectConverged(*wang, "wang");
}

TEST_F(E2eTest, AServerThatTakesSmallerBatchesGetsThemForTheRestOfTheSync) {
  server_->Stop();
  server::ServiceLimits limits;
  limits.max_batch_writes = 100;  // a server whose limit is below the device's batch size
  server_->Start(limits);
  auto options = Device::Fast();
  options.push_limits.max_fields = 400;
  auto wang = Enrol("wang", options);
  NewVisitsOf36Answers(*wang, 30);
  auto r = wang->Sync();
  ASSERT_TRUE(r.ok()) << r.error.detail;
  EXPECT_EQ(r.pushed, 30u * 40u);
  EXPECT_EQ(r.rejected, 0u);
  EXPECT_EQ(r.batches, 15u) << "batches of at most 100 (two whole visits) once the server "
                               "refused larger ones";
  EXPECT_EQ(r.calls, 1u + 2u + 15u + 1u)
      << "the push stream ends at the refused batch of 400; that one and its half of 200 "
         "are refused again one call each; then batches of 80 one call each; one pull";
  ExpectConverged(*wang, "wang");
}

TEST_F(E2eTest, AnotherUserMayUseTheDeviceOnlyOnceItsWritesAreSynced) {
  auto wang = Enrol("wang");
  NewVisit(*wang, ming_, "wang");
  auto refused = wang->client().Login("li", kPassword);
  EXPECT_EQ(refused.error.kind, SyncErrorKind::kAuth);
  EXPECT_EQ(*wang->reader().PendingCount(), 4) << "wang's writes are kept";
  ASSERT_TRUE(wang->Sync().ok());
  auto li = wang->client().Login("li", kPassword);
  ASSERT_TRUE(li.ok()) << li.error.detail;
  EXPECT_EQ(wang->store().State()->login.user, "li");
  EXPECT_TRUE(wang->reader().Drafts("wang")->empty()) << "wang's data left with wang's login";
  ASSERT_TRUE(wang->Sync().ok());
  EXPECT_EQ(wang->reader().Drafts("wang")->size(), 1u) << "li sees the school's visits after a sync";
}

}  // namespace
}  // namespace homevisit::e2e
