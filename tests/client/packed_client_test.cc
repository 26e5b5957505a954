// The device's side of packed sync: a packed pulled batch is stored exactly as the same batch
// of Field messages is, a damaged one is refused whole (cursor included), and the sync client
// pushes everything both to a server that knows PushPacked and to one from before it (which
// answers UNIMPLEMENTED: the client falls back to Push for the rest of its life).
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <set>

#include "core/varint.h"
#include "e2e_fixture.h"
#include "packed.h"
#include "sync-server/sync_service.h"
#include "wire.h"

namespace homevisit {
namespace {

using store::FieldValues;
using store::PullTarget;
using store::testing::kNode;
using store::testing::kSchool;

// `batch` with every record's fields packed, as a server answering PullRequest.packed sends
// it: the record's stamp is its first field's, the others carry their own when it differs.
v1::ChangeBatch Packed(const v1::ChangeBatch& batch) {
  v1::ChangeBatch out;
  out.set_cursor(batch.cursor());
  wire::FieldNameTable names(out.mutable_field_names());
  for (const v1::Record& r : batch.records()) {
    v1::Record* p = out.add_records();
    p->set_id(r.id());
    p->set_type(r.type());
    p->set_scope(r.scope());
    if (r.fields_size() == 0) continue;
    const Stamp record = wire::FromProto(r.fields(0).stamp());
    wire::ToProto(record, p->mutable_stamp());
    for (const v1::Field& f : r.fields()) {
      wire::AppendPackedField(p->mutable_packed_fields(), names.IndexOf(f.name()),
                              f.value().SerializeAsString(), wire::FromProto(f.stamp()), record);
    }
  }
  return out;
}

std::vector<Record> Confirmed(store::DeviceStore& s) {
  auto reader = s.OpenReader();
  EXPECT_TRUE(reader.ok());
  auto records = (*reader)->ConfirmedRecords();
  EXPECT_TRUE(records.ok()) << records.status().ToString();
  std::vector<Record> out = records.ok() ? *records : std::vector<Record>{};
  std::sort(out.begin(), out.end(), [](const Record& a, const Record& b) { return a.id < b.id; });
  return out;
}

std::vector<std::string> Names(const Result<std::vector<store::RecordView>>& views) {
  std::vector<std::string> out;
  EXPECT_TRUE(views.ok()) << views.status().ToString();
  if (!views.ok()) return out;
  for (const auto& v : *views) out.push_back(v.record.id.ToString());
  std::sort(out.begin(), out.end());
  return out;
}

// Two devices side by side: `store_` takes batches of Field messages, `packed_` the same
// batches packed.
class PackedStoreTest : public store::testing::StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    Login();
    store::DeviceStore::Options options;
    options.wall_clock = [this] { return wall_ms_; };
    auto s = store::DeviceStore::Open(dir_.file("packed.db"), options);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    packed_ = std::move(s).value();
    store::LoginInfo login;
    login.server = "127.0.0.1:1";
    login.user = "wang";
    login.display_name = "王老师";
    login.role = Role::kTeacher;
    login.scopes = {kSchool};
    login.node = kNode;
    login.token = std::string(32, 'k');
    ASSERT_TRUE(packed_->SaveLogin(login, wall_ms_).ok());
  }

  // Applies `batch` to the first device as it is and to the second packed.
  void ApplyBoth(const v1::ChangeBatch& batch) {
    auto plain = store_->ApplyPulled(batch, PullTarget::kMain);
    ASSERT_TRUE(plain.ok()) << plain.status().ToString();
    auto packed = packed_->ApplyPulled(Packed(batch), PullTarget::kMain);
    ASSERT_TRUE(packed.ok()) << packed.status().ToString();
    EXPECT_EQ(*packed, *plain) << "a different count of applied fields";
  }

  void ExpectSame() {
    EXPECT_EQ(Confirmed(*packed_), Confirmed(*store_));
    auto a = store_->ChecksumOf(kSchool), b = packed_->ChecksumOf(kSchool);
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(b->sum, a->sum);
    EXPECT_EQ(b->count, a->count);
    EXPECT_EQ(packed_->State()->cursor, store_->State()->cursor);
  }

  std::unique_ptr<store::DeviceStore> packed_;
};

Value Blob(char c) { return Value(BlobRef{std::string(32, c)}); }

TEST_F(PackedStoreTest, APackedBatchIsStoredAsTheSameBatchOfFieldMessages) {
  const Uuid ming = MakeId(1), home = MakeId(2), fang = MakeId(3);
  const Stamp s1{Stamp::Pack(wall_ms_ - 60'000, 0), 0};
  const Stamp s2{Stamp::Pack(wall_ms_ - 50'000, 4), 3};
  Row member;
  member.Set("name", "王芳").Set("age", 41);
  v1::ChangeBatch first;
  *first.add_records() = ServerRecord(
      ming, "student", kSchool,
      {{"name", Value("李明")}, {"class_name", Value("三年级1班")}, {"village", Value("花山村")},
       {"household_id", Value(home.ToString())}, {"grade", Value(3)}, {"boarding", Value(true)}},
      s1);
  v1::Record household = ServerRecord(
      home, "household", kSchool,
      {{"head_name", Value("李大山")}, {"categories", Value(StringList{"最低生活保障家庭"})},
       {"member_count", Value(4)}, {"income", Value(Decimal{"8000.50"})},
       {"location", Value(GeoPoint{27.5, 109.9, 12})}, {"photo", Blob('p')},
       {"members", Value(Rows{{member}})}, {"visited", Value(Date{20'000})}, {"note", Value()}},
      s1);
  // One field written later by another device: its stamp differs from the record's.
  for (auto& f : *household.mutable_fields()) {
    if (f.name() == "member_count") wire::ToProto(s2, f.mutable_stamp());
  }
  *first.add_records() = household;
  *first.add_records() = ServerRecord(fang, "student", kSchool,
                                      {{"name", Value("李芳")}, {"village", Value("石门村")}}, s2);
  first.set_cursor(10);
  {
    // The packed form really is packed, with one own stamp (member_count's).
    const v1::ChangeBatch packed = Packed(first);
    ASSERT_EQ(packed.records_size(), 3);
    EXPECT_EQ(packed.records(1).fields_size(), 0);
    std::vector<wire::PackedField> fields;
    ASSERT_TRUE(wire::DecodePackedFields(packed.records(1).packed_fields(), packed.field_names(),
                                         s1, &fields).ok());
    EXPECT_EQ(fields.size(), 9u);
    EXPECT_EQ(std::count_if(fields.begin(), fields.end(), [&](const auto& f) { return f.stamp == s2; }), 1);
    EXPECT_LT(packed.ByteSizeLong(), first.ByteSizeLong());
  }
  ApplyBoth(first);
  ExpectSame();
  ASSERT_EQ(Confirmed(*packed_).size(), 3u);
  EXPECT_EQ(packed_->State()->cursor, 10u);

  // A local edit on both devices, then the records edited on the server after creation.
  ASSERT_TRUE(store_->Set(fang, {{"village", Value("本地村")}}).ok());
  ASSERT_TRUE(packed_->Set(fang, {{"village", Value("本地村")}}).ok());
  const Stamp s3{Stamp::Pack(wall_ms_ - 40'000, 1), 5};
  v1::ChangeBatch second;
  *second.add_records() = ServerRecord(ming, "student", kSchool, {{"village", Value("石门村")}}, s3);
  *second.add_records() = ServerRecord(fang, "student", kSchool, {{"village", Value("花山村")}}, s3);
  v1::Record twice = ServerRecord(home, "household", kSchool, {{"phone", Value("138")}}, s3);
  // The same name twice in one record: the last counts, in either form.
  auto* again = twice.add_fields();
  again->set_name("phone");
  again->mutable_value()->set_text("139");
  wire::ToProto(Stamp{s3.hlc + 1, 5}, again->mutable_stamp());
  *second.add_records() = twice;
  v1::Record empty;  // a record with no fields
  empty.set_id(std::string(MakeId(9).AsBytes()));
  empty.set_type("student");
  empty.set_scope(kSchool);
  *second.add_records() = empty;
  second.set_cursor(20);
  ApplyBoth(second);
  ExpectSame();

  // Read back through the reader, as the app shows them.
  auto reader = packed_->OpenReader();
  ASSERT_TRUE(reader.ok());
  auto view = (*reader)->Get(home);
  ASSERT_TRUE(view.ok() && view->has_value());
  const Record& r = (*view)->record;
  EXPECT_EQ(r.Find("member_count")->value, Value(4));
  EXPECT_EQ(r.Find("member_count")->stamp, s2);
  EXPECT_EQ(r.Find("head_name")->stamp, s1);
  EXPECT_EQ(r.Find("members")->value, Value(Rows{{member}}));
  EXPECT_EQ(r.Find("photo")->value, Blob('p'));
  EXPECT_EQ(r.Find("phone")->value, Value("139"));
  EXPECT_EQ(r.Find("note")->value, Value());
  // Query keys follow the pulled values, under the local write where there is one.
  auto plain_reader = store_->OpenReader();
  for (const std::string village : {"花山村", "石门村", "本地村"}) {
    EXPECT_EQ(Names((*reader)->StudentsOfVillage(village)),
              Names((*plain_reader)->StudentsOfVillage(village)))
        << village;
  }
  EXPECT_EQ(Names((*reader)->StudentsOfVillage("石门村")), std::vector<std::string>{ming.ToString()});
  auto fang_view = (*reader)->Get(fang);
  EXPECT_EQ((*fang_view)->record.Find("village")->value, Value("本地村")) << "the local write shows";
  EXPECT_EQ((*fang_view)->pending, std::set<std::string>{"village"});
}

TEST_F(PackedStoreTest, ADamagedPackedBatchIsRefusedAndNothingOfItIsApplied) {
  const Uuid ming = MakeId(1), fang = MakeId(2);
  const Stamp s1{Stamp::Pack(wall_ms_ - 60'000, 0), 0};
  v1::ChangeBatch base;
  *base.add_records() = ServerRecord(ming, "student", kSchool, {{"name", Value("李明")}}, s1);
  base.set_cursor(10);
  ApplyBoth(base);
  const std::vector<Record> before = Confirmed(*packed_);
  const auto sum_before = *packed_->ChecksumOf(kSchool);

  // A batch whose first record is fine and whose second is damaged.
  auto good_then = [&](const std::function<void(v1::ChangeBatch&, v1::Record*)>& damage) {
    v1::ChangeBatch batch;
    *batch.add_records() = ServerRecord(ming, "student", kSchool, {{"name", Value("李小明")}},
                                        Stamp{s1.hlc + 10, 0});
    *batch.add_records() = ServerRecord(fang, "student", kSchool,
                                        {{"name", Value("李芳")}, {"grade", Value(5)}},
                                        Stamp{s1.hlc + 11, 0});
    batch.set_cursor(20);
    v1::ChangeBatch packed = Packed(batch);
    damage(packed, packed.mutable_records(1));
    return packed;
  };
  auto replace_value = [](v1::Record* r, const std::string& value) {
    // fang's fields packed again, with `value` for grade (name index 1).
    std::string p;
    wire::AppendPackedField(&p, 0, std::string("\x12\x02\x41\x42", 4), wire::FromProto(r->stamp()),
                            wire::FromProto(r->stamp()));
    wire::AppendPackedField(&p, 1, value, wire::FromProto(r->stamp()), wire::FromProto(r->stamp()));
    r->set_packed_fields(p);
  };
  struct Case {
    std::string what;
    std::function<void(v1::ChangeBatch&, v1::Record*)> damage;
  };
  const std::vector<Case> cases = {
      {"a text that is not UTF-8", [&](auto&, v1::Record* r) { replace_value(r, std::string("\x12\x01\xff", 3)); }},
      {"a blob of 31 bytes",
       [&](auto&, v1::Record* r) { replace_value(r, "\x4a\x1f" + std::string(31, 'b')); }},
      {"an integer in a longer form than its own", [&](auto&, v1::Record* r) { replace_value(r, std::string("\x18\x8a\x00", 3)); }},
      {"a value of no kind", [&](auto&, v1::Record* r) { replace_value(r, ""); }},
      {"a geopoint out of range",
       [&](auto&, v1::Record* r) {
         v1::Value v;
         v.mutable_geopoint()->set_latitude(95);
         replace_value(r, v.SerializeAsString());
       }},
      {"a name index outside the table",
       [](v1::ChangeBatch& b, v1::Record* r) {
         wire::AppendPackedField(r->mutable_packed_fields(), b.field_names_size(), "\x18\x02",
                                 wire::FromProto(r->stamp()), wire::FromProto(r->stamp()));
       }},
      {"truncated",
       [](auto&, v1::Record* r) { r->mutable_packed_fields()->resize(r->packed_fields().size() - 1); }},
      {"a stamp node above 32 bits",
       [](auto&, v1::Record* r) {
         std::string p;
         AppendVarint(p, (0u << 1) | 1);
         AppendVarint(p, 5);
         AppendVarint(p, uint64_t{1} << 32);
         AppendLengthPrefixed(p, std::string("\x12\x01\x41", 3));
         r->mutable_packed_fields()->append(p);
       }},
      {"a field of no stamp",
       [](auto&, v1::Record* r) {
         std::string p;
         wire::AppendPackedField(&p, 0, std::string("\x12\x01\x41", 3), Stamp{0, 3},
                                 wire::FromProto(r->stamp()));
         r->mutable_packed_fields()->append(p);
       }},
      {"packed and unpacked fields in one record",
       [](auto&, v1::Record* r) {
         auto* f = r->add_fields();
         f->set_name("class_name");
         f->mutable_value()->set_text("五年级2班");
         f->mutable_stamp()->set_hlc(99);
       }},
      {"a name in the table that no field may have",
       [](v1::ChangeBatch& b, v1::Record*) { b.add_field_names(std::string("bad\nname")); }},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    auto applied = packed_->ApplyPulled(good_then(c.damage), PullTarget::kMain);
    EXPECT_EQ(applied.status().code(), StatusCode::kInvalidArgument) << applied.status().ToString();
    EXPECT_EQ(packed_->State()->cursor, 10u) << "the cursor moved";
    EXPECT_EQ(Confirmed(*packed_), before) << "something of the batch was stored";
    EXPECT_EQ(packed_->ChecksumOf(kSchool)->sum, sum_before.sum);
  }
  // The same batch undamaged is applied.
  auto applied = packed_->ApplyPulled(good_then([](auto&, v1::Record*) {}), PullTarget::kMain);
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  EXPECT_EQ(*applied, 3u);
  EXPECT_EQ(packed_->State()->cursor, 20u);
}

// ---- the sync client against servers with and without PushPacked ----

// A Sync service from before packing: Login, Push and Pull of a real SyncService; PushPacked
// left to the generated base class, which answers UNIMPLEMENTED.
class OldSyncService : public v1::Sync::Service {
 public:
  explicit OldSyncService(server::Storage& storage)
      : real_(storage, clock_, server::ServiceLimits{}, [](const std::string&) {}) {}

  grpc::Status Login(grpc::ServerContext* c, const v1::LoginRequest* q, v1::LoginResponse* r) override {
    return real_.Login(c, q, r);
  }
  grpc::Status Push(grpc::ServerContext* c, const v1::PushRequest* q, v1::PushResponse* r) override {
    ++pushes;
    for (const auto& w : q->writes()) {
      if (!w.packed_fields().empty()) ++packed_records_in_push;
    }
    if (!q->zstd().empty() || q->field_names_size() > 0) ++packed_records_in_push;
    return real_.Push(c, q, r);
  }
  grpc::Status Pull(grpc::ServerContext* c, const v1::PullRequest* q,
                    grpc::ServerWriter<v1::PullResponse>* w) override {
    return real_.Pull(c, q, w);
  }

  std::atomic<int> pushes{0};
  std::atomic<int> packed_records_in_push{0};

 protected:
  server::ServerClock clock_;
  server::SyncService real_;
};

// The same, also counting the PushPacked calls it refuses (from the client's side no
// different from the base class's answer).
class CountingOldSyncService : public OldSyncService {
 public:
  using OldSyncService::OldSyncService;
  grpc::Status PushPacked(grpc::ServerContext*, const v1::PushRequest*, v1::PushResponse*) override {
    ++packed_calls;
    return grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "");
  }
  std::atomic<int> packed_calls{0};
};

// A current server, counting which push method the client uses.
class CountingSyncService : public OldSyncService {
 public:
  using OldSyncService::OldSyncService;
  grpc::Status PushPacked(grpc::ServerContext* c, const v1::PushRequest* q, v1::PushResponse* r) override {
    ++packed_calls;
    if (!q->zstd().empty()) ++zstd_calls;
    return real_.PushPacked(c, q, r);
  }
  std::atomic<int> packed_calls{0};
  std::atomic<int> zstd_calls{0};
};

// A current server with PushStream as well, counting its streams.
class StreamingSyncService : public CountingSyncService {
 public:
  using CountingSyncService::CountingSyncService;
  grpc::Status PushStream(grpc::ServerContext* c,
                          grpc::ServerReaderWriter<v1::PushResponse, v1::PushRequest>* s) override {
    ++stream_calls;
    return real_.PushStream(c, s);
  }
  std::atomic<int> stream_calls{0};
};

class Served {
 public:
  explicit Served(grpc::Service* service) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(service);
    server_ = builder.BuildAndStart();
  }
  ~Served() {
    if (server_) server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  bool ok() const { return server_ && port_ > 0; }

 private:
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

class PackedClientTest : public ::testing::Test {
 protected:
  void SetUp() override { StartHarness("server.db"); }
  void StartHarness(const std::string& db) {
    harness_ = std::make_unique<e2e::ServerHarness>(dir_.file(db));
    harness_->Start();
    harness_->SeedAccounts();
    home_ = harness_->SeedRecord("household", e2e::kSchool,
                                 {{"head_name", Value("李大山")}, {"village", Value("花山村")}});
    ming_ = harness_->SeedRecord("student", e2e::kSchool,
                                 {{"name", Value("李明")}, {"household_id", Value(home_.ToString())}});
  }

  std::unique_ptr<e2e::Device> Enrol(const std::string& user, const std::string& address) {
    sync::SyncOptions options = e2e::Device::Fast();
    options.push_limits.max_fields = 40;  // several batches
    auto d = std::make_unique<e2e::Device>(dir_.file(user + std::to_string(++devices_)), address,
                                           options);
    auto login = d->Login(user);
    EXPECT_TRUE(login.ok()) << user << ": " << login.error.detail;
    auto first = d->Sync();
    EXPECT_TRUE(first.ok()) << user << ": " << first.error.detail;
    return d;
  }

  // Visits of ming with `answers` answers each, and an edit of the household.
  void Write(e2e::Device& d, int visits, int answers, const std::string& village) {
    for (int i = 0; i < visits; ++i) {
      FieldValues f = {{"student_id", Value(ming_.ToString())},
                       {"household_id", Value(home_.ToString())},
                       {"status", Value("draft")},
                       {"author", Value("wang")}};
      for (int q = 0; q < answers; ++q) f["q" + std::to_string(q)] = Value("答 " + std::to_string(q * i));
      f["where"] = Value(GeoPoint{27.5, 109.9, 5});
      f["members"] = Value(Rows{{Row().Set("name", "王芳").Set("age", 41)}});
      auto id = d.store().Create("visit", e2e::kSchool, f);
      ASSERT_TRUE(id.ok()) << id.status().ToString();
    }
    ASSERT_TRUE(d.store().Set(home_, {{"village", Value(village)}}).ok());
  }

  void ExpectConverged(e2e::Device& d) {
    EXPECT_EQ(*d.reader().PendingCount(), 0) << "unsynced writes left";
    const auto want = harness_->Snapshot(e2e::kSchool);
    const auto got = d.Snapshot(e2e::kSchool);
    EXPECT_EQ(got, want);
    EXPECT_GT(want.size(), 10u);
  }

  e2e::TempDir dir_;
  std::unique_ptr<e2e::ServerHarness> harness_;
  Uuid home_, ming_;
  int devices_ = 0;
};

TEST_F(PackedClientTest, AgainstAServerWithoutPushPackedEverythingIsPushedWithPush) {
  OldSyncService old(harness_->storage());
  Served served(&old);
  ASSERT_TRUE(served.ok());
  auto wang = Enrol("wang", served.address());
  Write(*wang, 5, 20, "石门村");  // 5 × 26 + 1 writes: several batches of 40
  const int64_t pending = *wang->reader().PendingCount();
  EXPECT_GE(pending, 131);
  const auto report = wang->Sync();
  EXPECT_TRUE(report.ok()) << report.error.detail;
  EXPECT_EQ(report.pushed, static_cast<uint64_t>(pending));
  EXPECT_EQ(report.rejected, 0u);
  EXPECT_GE(old.pushes.load(), 4);
  EXPECT_EQ(old.packed_records_in_push.load(), 0) << "Push got packed records";
  ExpectConverged(*wang);

  // And on the next sync of the same client.
  Write(*wang, 2, 10, "花山村");
  const int64_t more = *wang->reader().PendingCount();
  const auto next = wang->Sync();
  EXPECT_TRUE(next.ok()) << next.error.detail;
  EXPECT_EQ(next.pushed, static_cast<uint64_t>(more));
  ExpectConverged(*wang);

  // Another device sees it all, through the same server.
  auto li = Enrol("li", served.address());
  EXPECT_EQ(li->Snapshot(e2e::kSchool), harness_->Snapshot(e2e::kSchool));
}

TEST_F(PackedClientTest, AfterOneUnimplementedAnswerTheClientNoLongerTriesPushPacked) {
  CountingOldSyncService old(harness_->storage());
  Served served(&old);
  ASSERT_TRUE(served.ok());
  auto wang = Enrol("wang", served.address());
  for (int round = 0; round < 3; ++round) {
    Write(*wang, 3, 20, "村" + std::to_string(round));
    const int64_t pending = *wang->reader().PendingCount();
    const auto report = wang->Sync();
    EXPECT_TRUE(report.ok()) << report.error.detail;
    EXPECT_EQ(report.pushed, static_cast<uint64_t>(pending));
  }
  EXPECT_EQ(old.packed_calls.load(), 1) << "PushPacked tried again after UNIMPLEMENTED";
  EXPECT_GE(old.pushes.load(), 6);
  ExpectConverged(*wang);
}

TEST_F(PackedClientTest, AgainstACurrentServerEverythingIsPushedPackedWithTheSameOutcomes) {
  // The same offline edits against a current server and against an old one (another
  // database): the same reports, conflicts included, and each server ends where its devices do.
  struct Outcome {
    uint64_t pushed, conflicts, rejected;
  };
  std::vector<Outcome> outcomes;
  enum Kind { kStreaming, kPackedOnly, kOld };
  for (Kind kind : {kStreaming, kPackedOnly, kOld}) {
    SCOPED_TRACE(kind == kStreaming ? "current server" : kind == kPackedOnly ? "server without PushStream" : "old server");
    const bool current = kind == kPackedOnly;
    // A fresh database and roster for each server after the first.
    if (kind != kStreaming) StartHarness(kind == kOld ? "old.db" : "packed.db");
    StreamingSyncService streaming(harness_->storage());
    CountingSyncService counting(harness_->storage());
    OldSyncService old(harness_->storage());
    Served served(kind == kStreaming  ? static_cast<grpc::Service*>(&streaming)
                  : kind == kPackedOnly ? static_cast<grpc::Service*>(&counting)
                                        : &old);
    ASSERT_TRUE(served.ok());
    auto wang = Enrol("wang", served.address());
    auto li = Enrol("li", served.address());
    // Both edit the household's village offline; wang syncs first.
    Write(*wang, 4, 15, "石门村");
    ASSERT_TRUE(li->store().Set(home_, {{"village", Value("花山村二组")}, {"phone", Value("138")}}).ok());
    const auto a = wang->Sync();
    EXPECT_TRUE(a.ok()) << a.error.detail;
    const auto b = li->Sync();
    EXPECT_TRUE(b.ok()) << b.error.detail;
    ASSERT_TRUE(wang->Sync().ok());
    outcomes.push_back({a.pushed + b.pushed, a.conflicts + b.conflicts, a.rejected + b.rejected});
    if (kind == kStreaming) {
      // wang's 4 × 19 + 1 writes in batches of 40 go over one stream per sync.
      EXPECT_GE(a.batches, 2u);
      EXPECT_EQ(streaming.stream_calls.load(), 2) << "one stream for each sync with writes to push";
      EXPECT_EQ(streaming.packed_calls.load(), 0) << "PushPacked used beside PushStream";
      EXPECT_EQ(streaming.pushes.load(), 0);
    } else if (current) {
      EXPECT_GE(counting.packed_calls.load(), 3);
      EXPECT_EQ(counting.zstd_calls.load(), counting.packed_calls.load());
      EXPECT_EQ(counting.pushes.load(), 0) << "Push used against a server that knows PushPacked";
    } else {
      EXPECT_GE(old.pushes.load(), 3);
    }
    ExpectConverged(*wang);
    ExpectConverged(*li);
    EXPECT_EQ(outcomes.back().conflicts, 1u) << "the village was edited concurrently";
  }
  ASSERT_EQ(outcomes.size(), 3u);
  for (size_t k = 1; k < outcomes.size(); ++k) {
    EXPECT_EQ(outcomes[0].pushed, outcomes[k].pushed);
    EXPECT_EQ(outcomes[0].conflicts, outcomes[k].conflicts);
    EXPECT_EQ(outcomes[0].rejected, outcomes[k].rejected);
  }
}

}  // namespace
}  // namespace homevisit
