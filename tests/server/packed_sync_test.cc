// Packed pulls and pushes (PullRequest.packed/zstd, PushPacked) against a real server over
// every backend: a packed pull carries exactly what an unpacked one carries, a packed push
// has exactly the outcomes and leaves exactly the state a push of Field messages does, and a
// malformed packed batch is refused whole.
#include <grpcpp/grpcpp.h>

#include <functional>
#include <limits>
#include <random>
#include <regex>
#include <set>
#include <tuple>

#include "core/scope.h"
#include "core/varint.h"
#include "proto/packed.h"
#include "proto/wire.h"
#include "proto/zstd_frame.h"
#include "sync-server/auth.h"
#include "sync-server/form_publish.h"
#include "tests/server/server_harness.h"

namespace homevisit::server::testing {
namespace {

constexpr auto kDeadline = std::chrono::seconds(20);

std::unique_ptr<v1::Sync::Stub> StubFor(int port) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(16 << 20);
  return v1::Sync::NewStub(grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(port),
                                                     grpc::InsecureChannelCredentials(), args));
}

void Prepare(grpc::ClientContext* context, const TestDevice& device) {
  context->set_deadline(std::chrono::system_clock::now() + kDeadline);
  context->AddMetadata("authorization", "Bearer " + ToHex(device.token()));
}

// The writes of `plain` with their fields packed (every record, or every other one when
// `mixed`: a batch may hold records of both forms).
v1::PushRequest Packed(const v1::PushRequest& plain, bool mixed = false) {
  v1::PushRequest out;
  out.set_batch_seq(plain.batch_seq());
  wire::FieldNameTable names(out.mutable_field_names());
  for (int i = 0; i < plain.writes_size(); ++i) {
    const v1::RecordWrite& w = plain.writes(i);
    v1::RecordWrite* o = out.add_writes();
    o->set_record_id(w.record_id());
    o->set_type(w.type());
    o->set_scope(w.scope());
    o->set_hlc(w.hlc());
    if (mixed && i % 2 == 1) {
      *o->mutable_fields() = w.fields();
      continue;
    }
    for (const v1::FieldWrite& f : w.fields()) {
      std::optional<Stamp> base;
      if (f.has_base()) base = wire::FromProto(f.base());
      wire::AppendPackedWrite(o->mutable_packed_fields(), names.IndexOf(f.name()),
                              f.value().SerializeAsString(), f.hlc(), base);
    }
  }
  return out;
}

// `inner` as a zstd body, as the device sends it.
v1::PushRequest Zstd(const v1::PushRequest& inner) {
  v1::PushRequest outer;
  outer.set_batch_seq(inner.batch_seq());
  outer.set_zstd(wire::CompressMessage(inner));
  return outer;
}

grpc::Status CallPushPacked(int port, const TestDevice& device, const v1::PushRequest& request,
                            v1::PushResponse* response) {
  auto stub = StubFor(port);
  grpc::ClientContext context;
  Prepare(&context, device);
  return stub->PushPacked(&context, request, response);
}

grpc::Status CallPush(int port, const TestDevice& device, const v1::PushRequest& request,
                      v1::PushResponse* response) {
  auto stub = StubFor(port);
  grpc::ClientContext context;
  Prepare(&context, device);
  return stub->Push(&context, request, response);
}

// ---- reading pulls in every form ----

struct PulledField {
  std::string id, type, scope, name;
  std::string value;  // serialized v1.Value
  Stamp stamp;
  bool operator==(const PulledField&) const = default;
};

std::ostream& operator<<(std::ostream& os, const PulledField& f) {
  auto v = wire::ValueFromBytes(f.value);
  return os << Uuid::FromBytes(f.id)->ToString() << " " << f.type << " " << f.scope << " " << f.name
            << " = " << (v.ok() ? v->DebugString() : "<" + v.status().message() + ">") << " @ "
            << f.stamp.ToString();
}

struct Pulled {
  std::vector<PulledField> fields;  // in the order they came
  std::vector<uint64_t> cursors;    // of every batch
  uint64_t end_cursor = 0;
  std::vector<std::tuple<std::string, uint64_t, uint64_t>> checksums;
};

enum class PullForm { kFields, kSharedStamps, kPacked, kPackedZstd };

std::string FormName(PullForm form) {
  switch (form) {
    case PullForm::kFields: return "fields";
    case PullForm::kSharedStamps: return "shared stamps";
    case PullForm::kPacked: return "packed";
    case PullForm::kPackedZstd: return "packed+zstd";
  }
  return "?";
}

// Pulls in `form` and reads every batch, checking that it is in that form.
Pulled PullIn(int port, const TestDevice& device, PullForm form, uint64_t cursor,
              uint32_t max_batch_fields, const std::vector<std::string>& scopes = {}) {
  Pulled out;
  auto stub = StubFor(port);
  grpc::ClientContext context;
  Prepare(&context, device);
  v1::PullRequest request;
  request.set_cursor(cursor);
  request.set_max_batch_fields(max_batch_fields);
  for (const auto& s : scopes) request.add_scopes(s);
  request.set_shared_stamps(form == PullForm::kSharedStamps);
  request.set_packed(form == PullForm::kPacked || form == PullForm::kPackedZstd);
  request.set_zstd(form == PullForm::kPackedZstd);
  auto reader = stub->Pull(&context, request);
  v1::PullResponse response;
  const std::string what = FormName(form);
  while (reader->Read(&response)) {
    if (response.has_end()) {
      out.end_cursor = response.end().cursor();
      for (const auto& c : response.end().checksums()) {
        out.checksums.emplace_back(c.scope(), c.checksum(), c.field_count());
      }
      continue;
    }
    if (!response.has_batch()) continue;
    v1::ChangeBatch batch = response.batch();
    out.cursors.push_back(batch.cursor());
    if (form == PullForm::kPackedZstd) {
      EXPECT_EQ(batch.records_size(), 0) << what << ": records outside the frame";
      EXPECT_EQ(batch.field_names_size(), 0) << what << ": names outside the frame";
      EXPECT_FALSE(batch.zstd().empty()) << what;
      v1::ChangeBatch inner;
      Status s = wire::DecompressMessage(batch.zstd(), 16 << 20, &inner);
      EXPECT_TRUE(s.ok()) << what << ": " << s.ToString();
      EXPECT_EQ(inner.cursor(), 0u) << "the cursor stays outside the frame";
      inner.set_cursor(batch.cursor());
      batch = std::move(inner);
    } else {
      EXPECT_TRUE(batch.zstd().empty()) << what;
    }
    const bool packed = form == PullForm::kPacked || form == PullForm::kPackedZstd;
    if (packed) {
      std::set<std::string> names(batch.field_names().begin(), batch.field_names().end());
      EXPECT_EQ(names.size(), static_cast<size_t>(batch.field_names_size()))
          << what << ": a name twice in one batch's table";
    } else {
      EXPECT_EQ(batch.field_names_size(), 0) << what;
    }
    for (const v1::Record& r : batch.records()) {
      if (packed) {
        EXPECT_EQ(r.fields_size(), 0) << what << ": Field messages in a packed pull";
        EXPECT_TRUE(r.has_stamp()) << what << ": a packed record without its stamp";
        std::vector<wire::PackedField> fields;
        Status s = wire::DecodePackedFields(r.packed_fields(), batch.field_names(),
                                            wire::FromProto(r.stamp()), &fields);
        EXPECT_TRUE(s.ok()) << what << ": " << s.ToString();
        for (const auto& f : fields) {
          out.fields.push_back({r.id(), r.type(), r.scope(), std::string(f.name),
                                std::string(f.value), f.stamp});
        }
      } else {
        EXPECT_TRUE(r.packed_fields().empty()) << what;
        for (const v1::Field& f : r.fields()) {
          if (form == PullForm::kFields) EXPECT_TRUE(f.has_stamp()) << what;
          const Stamp stamp = wire::FromProto(f.has_stamp() ? f.stamp() : r.stamp());
          out.fields.push_back({r.id(), r.type(), r.scope(), f.name(), f.value().SerializeAsString(),
                                stamp});
        }
      }
    }
  }
  grpc::Status status = reader->Finish();
  EXPECT_TRUE(status.ok()) << what << ": " << Describe(status);
  return out;
}

// Every current field the server holds in `scopes` (conflict records aside), as lines.
std::map<std::string, std::string> StateOf(Storage& storage, bool conflicts = false) {
  std::map<std::string, std::string> out;
  auto changes = storage.ReadChanges({kSchoolA, kSchoolB}, 0, 1'000'000);
  EXPECT_TRUE(changes.ok()) << changes.status().ToString();
  if (!changes.ok()) return out;
  for (const Change& c : *changes) {
    if ((c.record.type == "conflict") != conflicts) continue;
    out[c.record.id.ToString() + " " + c.field] = c.record.type + " " + c.record.scope + " " +
                                                  c.version.value.DebugString() + " " +
                                                  c.version.stamp.ToString();
  }
  return out;
}

std::string Diff(const std::map<std::string, std::string>& want,
                 const std::map<std::string, std::string>& got) {
  std::string out;
  for (const auto& [k, v] : want) {
    auto it = got.find(k);
    if (it == got.end()) out += "missing: " + k + " " + v + "\n";
    else if (it->second != v) out += "want " + k + " " + v + "\n got " + it->second + "\n";
  }
  for (const auto& [k, v] : got) {
    if (!want.count(k)) out += "extra:   " + k + " " + v + "\n";
  }
  return out;
}

class PackedSyncTest : public ServerTest {
 protected:
  int port() const { return server_->port(); }

  // Another server over another fresh database of the same backend, seeded like the
  // fixture's (same scopes, users and published form), for comparing two ways of pushing.
  struct World {
    std::unique_ptr<Storage> storage;
    std::unique_ptr<SyncServer> server;
  };
  World NewWorld() {
    World w;
    auto storage = OpenFreshStorage(GetParam());
    EXPECT_TRUE(storage.ok()) << storage.status().ToString();
    if (!storage.ok()) return w;
    w.storage = std::move(storage).value();
    for (const auto& [path, title] : std::vector<std::pair<std::string, std::string>>{
             {"qx", "清溪县"}, {kTownship, "花山镇"}, {kSchoolA, "a"}, {kSchoolB, "b"}}) {
      EXPECT_TRUE(w.storage->AddScope({path, title}).ok());
    }
    EXPECT_TRUE(InitCrypto().ok());
    static const std::string hash = *HashPassword(kPassword, PasswordCost::kMinimum);
    for (const auto& [name, role, scope] :
         std::vector<std::tuple<std::string, Role, std::string>>{
             {"teacher_a", Role::kTeacher, kSchoolA},
             {"teacher_a2", Role::kTeacher, kSchoolA},
             {"teacher_b", Role::kTeacher, kSchoolB},
             {"coordinator", Role::kCoordinator, kTownship},
             {"admin", Role::kAdmin, "qx"}}) {
      User user;
      user.name = name;
      user.display_name = name;
      user.role = role;
      user.password_hash = hash;
      user.scopes = {scope};
      EXPECT_TRUE(w.storage->AddUser(user).ok());
    }
    ServerClock clock;
    EXPECT_TRUE(server::PublishDefaultForm(*w.storage, clock).ok());
    auto server = SyncServer::Start(*w.storage, options_);
    EXPECT_TRUE(server.ok()) << server.status().ToString();
    if (server.ok()) w.server = std::move(server).value();
    return w;
  }

  std::unique_ptr<TestDevice> LoggedInAt(int port, const std::string& user) {
    grpc::ChannelArguments args;
    auto device = std::make_unique<TestDevice>(grpc::CreateCustomChannel(
        "127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials(), args));
    grpc::Status status = device->Login(user);
    EXPECT_TRUE(status.ok()) << user << ": " << Describe(status);
    return device;
  }

  void TearDown() override {
    for (World& w : worlds_) {
      if (w.server) w.server->Shutdown();
      w.server.reset();
      w.storage.reset();
    }
    ServerTest::TearDown();
  }

  std::vector<World> worlds_;
};

Value Blob(char c) { return Value(BlobRef{std::string(32, c)}); }

// ---- pulls ----

TEST_P(PackedSyncTest, PackedPullsCarryExactlyWhatUnpackedPullsCarry) {
  auto wang = LoggedIn("teacher_a");
  auto li = LoggedIn("teacher_a2");
  auto zhao = LoggedIn("teacher_b");
  auto coordinator = LoggedIn("coordinator");
  const uint64_t h = wang->NextHlc();

  // A household written at once (one stamp), every kind of value.
  Row member;
  member.Set("name", "王芳").Set("age", 41).Set("income", Decimal{"8000.50"});
  const Uuid home = NewRecordId(), other = NewRecordId(), far = NewRecordId();
  v1::PushRequest first;
  first.set_batch_seq(1);
  auto* household = AddRecord(first, home, "household", kSchoolA);
  household->set_hlc(h);
  for (const auto& [name, value] : std::vector<std::pair<std::string, Value>>{
           {"head_name", Value("向国华")}, {"village", Value("石门村")},
           {"categories", Value(StringList{"最低生活保障家庭", "脱贫不稳定户"})},
           {"member_count", Value(4)}, {"income", Value(Decimal{"-1234.50"})},
           {"visited_on", Value(Date{20'000})}, {"verified", Value(true)}, {"note", Value()},
           {"location", Value(GeoPoint{27.5, 109.9, 12})}, {"photo", Blob('p')},
           {"members", Value(Rows{{member, Row{}}})},
           {"big", Value(std::numeric_limits<int64_t>::min())}}) {
    AddField(household, name, value, 0);
  }
  // Another household whose phone was written later than its other fields.
  auto* second = AddRecord(first, other, "household", kSchoolA);
  second->set_hlc(h + 1);
  AddField(second, "head_name", Value("李大山"), 0);
  AddField(second, "village", Value("花山村"), 0);
  AddField(second, "phone", Value("13800000000"), h + 5);
  v1::PushResponse response;
  ASSERT_TRUE(wang->Push(first, &response).ok());
  ASSERT_EQ(response.applied_count(), 15u);

  // Another teacher edits the first household afterwards; the first teacher the second's.
  v1::PushRequest edit;
  edit.set_batch_seq(1);
  AddField(AddRecord(edit, home, "", ""), "village", Value("花山村二组"), h + 10,
           Stamp{h, wang->node()});
  ASSERT_TRUE(li->Push(edit, &response).ok());
  ASSERT_EQ(response.applied_count(), 1u) << (response.outcomes_size() ? response.outcomes(0).reason() : "");
  v1::PushRequest edit2;
  edit2.set_batch_seq(2);
  AddField(AddRecord(edit2, other, "", ""), "member_count", Value(7), h + 20);
  AddField(AddRecord(edit2, home, "", ""), "note", Value("补充说明"), h + 21, Stamp{h, wang->node()});
  ASSERT_TRUE(wang->Push(edit2, &response).ok());
  ASSERT_EQ(response.applied_count(), 2u);
  // A record of the other school.
  v1::PushRequest b;
  b.set_batch_seq(1);
  AddField(AddRecord(b, far, "student", kSchoolB), "name", Value("孙小明"), zhao->NextHlc());
  ASSERT_TRUE(zhao->Push(b, &response).ok());

  for (TestDevice* device : {wang.get(), coordinator.get()}) {
    for (uint32_t max : {0u, 1u, 3u}) {
      const Pulled want = PullIn(port(), *device, PullForm::kFields, 0, max);
      ASSERT_FALSE(want.fields.empty());
      for (PullForm form : {PullForm::kSharedStamps, PullForm::kPacked, PullForm::kPackedZstd}) {
        SCOPED_TRACE(FormName(form) + ", max_batch_fields " + std::to_string(max));
        const Pulled got = PullIn(port(), *device, form, 0, max);
        EXPECT_EQ(got.fields, want.fields);
        EXPECT_EQ(got.cursors, want.cursors);
        EXPECT_EQ(got.end_cursor, want.end_cursor);
        EXPECT_EQ(got.checksums, want.checksums);
        // Resuming from every cursor of the unpacked pull gives the same rest.
        for (uint64_t cursor : want.cursors) {
          EXPECT_EQ(PullIn(port(), *device, form, cursor, max).fields,
                    PullIn(port(), *device, PullForm::kFields, cursor, max).fields)
              << "from cursor " << cursor;
        }
      }
    }
  }

  // What the packed pull carries is what the server holds, stamps included.
  const Pulled packed = PullIn(port(), *coordinator, PullForm::kPackedZstd, 0, 0);
  std::map<std::string, PulledField> current;
  for (const PulledField& f : packed.fields) current[Uuid::FromBytes(f.id)->ToString() + " " + f.name] = f;
  auto stored = storage_->ReadChanges({kTownship}, 0, 100000);
  ASSERT_TRUE(stored.ok());
  size_t compared = 0;
  for (const Change& c : *stored) {
    if (c.record.type == "form") continue;
    auto it = current.find(c.record.id.ToString() + " " + c.field);
    ASSERT_NE(it, current.end()) << c.record.id.ToString() << " " << c.field;
    EXPECT_EQ(*wire::ValueFromBytes(it->second.value), c.version.value) << c.field;
    EXPECT_EQ(it->second.stamp, c.version.stamp) << c.field;
    ++compared;
  }
  EXPECT_EQ(compared, 17u);
  EXPECT_EQ(current.size(), compared);
  EXPECT_EQ(current[home.ToString() + " village"].stamp, (Stamp{h + 10, li->node()}));
  EXPECT_EQ(current[home.ToString() + " note"].stamp, (Stamp{h + 21, wang->node()}));
  EXPECT_EQ(current[home.ToString() + " photo"].stamp, (Stamp{h, wang->node()}));
  EXPECT_EQ(current[other.ToString() + " phone"].stamp, (Stamp{h + 5, wang->node()}));
  EXPECT_EQ(current[other.ToString() + " village"].stamp, (Stamp{h + 1, wang->node()}));

  // The teacher of school A sees nothing of school B, packed or not.
  for (const PulledField& f : PullIn(port(), *wang, PullForm::kPackedZstd, 0, 0).fields) {
    EXPECT_NE(f.scope, kSchoolB);
  }
}

TEST_P(PackedSyncTest, ZstdWithoutPackedIsIgnored) {
  auto wang = LoggedIn("teacher_a");
  v1::PushRequest push;
  push.set_batch_seq(1);
  AddField(AddRecord(push, NewRecordId(), "household", kSchoolA), "village", Value("花山村"),
           wang->NextHlc());
  v1::PushResponse response;
  ASSERT_TRUE(wang->Push(push, &response).ok());

  auto stub = StubFor(port());
  grpc::ClientContext context;
  Prepare(&context, *wang);
  v1::PullRequest request;
  request.set_zstd(true);  // without packed
  auto reader = stub->Pull(&context, request);
  v1::PullResponse message;
  int batches = 0;
  while (reader->Read(&message)) {
    if (!message.has_batch()) continue;
    ++batches;
    EXPECT_TRUE(message.batch().zstd().empty());
    EXPECT_EQ(message.batch().field_names_size(), 0);
    ASSERT_EQ(message.batch().records_size(), 1);
    EXPECT_EQ(message.batch().records(0).fields_size(), 1);
    EXPECT_TRUE(message.batch().records(0).packed_fields().empty());
  }
  EXPECT_TRUE(reader->Finish().ok());
  EXPECT_EQ(batches, 1);
}

// ---- pushes ----

enum class PushForm { kPush, kPushPacked, kPushPackedMixedZstd };

struct Outcome {
  uint32_t write_index, field_index;
  int status;
  std::string reason;
  bool has_conflict_id;
  bool operator==(const Outcome&) const = default;
};
std::ostream& operator<<(std::ostream& os, const Outcome& o) {
  return os << o.write_index << "/" << o.field_index << " " << o.status << " " << o.reason
            << (o.has_conflict_id ? " (conflict id)" : "");
}
struct Answer {
  grpc::StatusCode code;
  std::string message;
  bool duplicate;
  uint32_t applied;
  std::vector<Outcome> outcomes;
  bool operator==(const Answer&) const = default;
};
std::ostream& operator<<(std::ostream& os, const Answer& a) {
  os << "code " << a.code << " " << a.message << (a.duplicate ? " duplicate" : "") << " applied " << a.applied;
  for (const auto& o : a.outcomes) os << "\n  " << o;
  return os;
}

Answer PushIn(PushForm form, int port, const TestDevice& device, const v1::PushRequest& plain) {
  v1::PushResponse response;
  grpc::Status status;
  switch (form) {
    case PushForm::kPush: status = CallPush(port, device, plain, &response); break;
    case PushForm::kPushPacked: status = CallPushPacked(port, device, Packed(plain), &response); break;
    case PushForm::kPushPackedMixedZstd:
      status = CallPushPacked(port, device, Zstd(Packed(plain, /*mixed=*/true)), &response);
      break;
  }
  Answer a{status.error_code(), status.error_message(), response.duplicate(), response.applied_count(), {}};
  for (const auto& o : response.outcomes()) {
    a.outcomes.push_back({o.write_index(), o.field_index(), static_cast<int>(o.status()), o.reason(),
                          o.conflict_id().size() == 16});
  }
  return a;
}

TEST_P(PackedSyncTest, PushPackedHasTheOutcomesAndLeavesTheStateOfPush) {
  PublishDefaultForm();
  worlds_.push_back(NewWorld());
  worlds_.push_back(NewWorld());
  ASSERT_TRUE(worlds_[0].server && worlds_[1].server);
  const std::vector<PushForm> forms = {PushForm::kPush, PushForm::kPushPacked,
                                       PushForm::kPushPackedMixedZstd};
  const std::vector<int> ports = {port(), worlds_[0].server->port(), worlds_[1].server->port()};
  std::vector<Storage*> storages = {storage_.get(), worlds_[0].storage.get(),
                                    worlds_[1].storage.get()};

  const uint64_t h = Stamp::Pack(HybridClock::SystemMillis(), 0);
  const Uuid home = NewRecordId(), student = NewRecordId(), complete = NewRecordId(),
             incomplete = NewRecordId(), elsewhere = NewRecordId(), untyped = NewRecordId();
  std::vector<std::vector<Answer>> answers(forms.size());
  std::vector<uint32_t> wang_nodes, li_nodes;
  for (size_t k = 0; k < forms.size(); ++k) {
    SCOPED_TRACE(static_cast<int>(k));
    auto wang = LoggedInAt(ports[k], "teacher_a");
    auto li = LoggedInAt(ports[k], "teacher_a2");
    wang_nodes.push_back(wang->node());
    li_nodes.push_back(li->node());
    const uint32_t w = wang->node();
    auto push = [&](const TestDevice& d, const v1::PushRequest& r) {
      answers[k].push_back(PushIn(forms[k], ports[k], d, r));
    };

    // Batch 1 of wang: new records, with refused writes among them.
    v1::PushRequest one;
    one.set_batch_seq(1);
    auto* hh = AddRecord(one, home, "household", kSchoolA);
    hh->set_hlc(h);
    AddField(hh, "head_name", Value("向国华"), 0);
    AddField(hh, "village", Value("石门村"), 0);
    AddField(hh, "member_count", Value("four"), 0);         // rejected: not an integer
    AddField(hh, "photo", Value(BlobRef{std::string(31, 'x')}), 0);  // rejected: not 32 bytes
    AddField(hh, "phone", Value("138"), h + 3);              // its own hlc
    AddField(hh, "bad name!", Value(1), 0);                  // rejected: not a field name
    auto* st = AddRecord(one, student, "student", kSchoolA);
    st->set_hlc(h + 1);
    AddField(st, "name", Value("李明"), 0);
    AddField(st, "grade", Value(3), 0);
    AddField(st, "household_id", Value(home.ToString()), 0);
    AddField(AddRecord(one, untyped, "", ""), "name", Value("无类型"), h + 2);  // new without a type
    // A complete submitted visit and one that lacks an answer.
    for (const auto& [id, drop] : {std::pair{complete, false}, std::pair{incomplete, true}}) {
      auto* visit = AddRecord(one, id, "visit", kSchoolA);
      visit->set_hlc(h + 4);
      AddField(visit, "status", Value("submitted"), 0);
      AddField(visit, "student_id", Value(student.ToString()), 0);
      AddField(visit, "form_id", Value("home_visit"), 0);
      AddField(visit, "form_version", Value(1), 0);
      auto complete_answers = CompleteHomeVisit();
      if (drop) complete_answers.erase(complete_answers.begin());
      for (const auto& [name, value] : complete_answers) AddField(visit, name, value, 0);
    }
    push(*wang, one);
    // A batch with a record of another school is refused whole (its number stays free).
    v1::PushRequest outside;
    outside.set_batch_seq(2);
    AddField(AddRecord(outside, home, "", ""), "hamlet", Value("一组"), h + 2);
    AddField(AddRecord(outside, elsewhere, "student", kSchoolB), "name", Value("孙"), h + 2);
    push(*wang, outside);

    // Li edits the village having seen it; wang, not having seen that, edits it too (later).
    v1::PushRequest by_li;
    by_li.set_batch_seq(1);
    AddField(AddRecord(by_li, home, "", ""), "village", Value("花山村"), h + 10, Stamp{h, w});
    AddField(AddRecord(by_li, student, "", ""), "grade", Value(4), h + 10, Stamp{h + 1, w});
    push(*li, by_li);
    v1::PushRequest two;
    two.set_batch_seq(2);
    auto* again = AddRecord(two, home, "", "");
    again->set_hlc(h + 11);
    AddField(again, "village", Value("石门村一组"), 0, Stamp{h, w});   // conflict, wins
    AddField(again, "head_name", Value("向国华"), 0, Stamp{h, w});     // the same value again
    AddField(again, "address", Value("石门村12号"), 0);                // new field
    AddField(AddRecord(two, student, "", ""), "grade", Value(5), h + 5, Stamp{h + 1, w});  // loses
    push(*wang, two);
    // Batch 2 again (its answer was lost): acknowledged with the same outcomes.
    push(*wang, two);
  }

  EXPECT_EQ(wang_nodes[1], wang_nodes[0]);
  EXPECT_EQ(wang_nodes[2], wang_nodes[0]);
  EXPECT_EQ(li_nodes[1], li_nodes[0]);
  EXPECT_EQ(li_nodes[2], li_nodes[0]);
  // The outcomes are of every kind, so the comparison means something.
  std::set<int> kinds;
  ASSERT_EQ(answers[0].size(), 5u);
  for (size_t i = 0; i < answers[0].size(); ++i) {
    const Answer& a = answers[0][i];
    EXPECT_EQ(a.code, i == 1 ? grpc::StatusCode::PERMISSION_DENIED : grpc::StatusCode::OK) << a;
    for (const Outcome& o : a.outcomes) kinds.insert(o.status);
  }
  EXPECT_EQ(kinds, (std::set<int>{v1::WRITE_CONFLICT, v1::WRITE_REJECTED}));
  EXPECT_TRUE(answers[0].back().duplicate);
  EXPECT_GT(answers[0][0].applied, 0u);

  const auto want_state = StateOf(*storages[0]);
  EXPECT_TRUE(want_state.count(complete.ToString() + " status"));
  EXPECT_FALSE(want_state.count(incomplete.ToString() + " status"));
  const auto want_conflicts = StateOf(*storages[0], /*conflicts=*/true);
  for (size_t k = 1; k < forms.size(); ++k) {
    SCOPED_TRACE(k == 1 ? "PushPacked" : "PushPacked, mixed records, zstd");
    ASSERT_EQ(answers[k].size(), answers[0].size());
    for (size_t i = 0; i < answers[0].size(); ++i) {
      EXPECT_EQ(answers[k][i], answers[0][i]) << "batch " << i;
    }
    const auto state = StateOf(*storages[k]);
    EXPECT_TRUE(state == want_state) << Diff(want_state, state);
    EXPECT_EQ(StateOf(*storages[k], true).size(), want_conflicts.size());
    EXPECT_EQ(storages[k]->GetStats()->open_conflicts, storages[0]->GetStats()->open_conflicts);
    EXPECT_EQ(storages[k]->GetStats()->last_seq, storages[0]->GetStats()->last_seq);
  }
}

TEST_P(PackedSyncTest, APackedValueThatDoesNotDecodeIsRejectedAloneNotTheBatch) {
  auto wang = LoggedIn("teacher_a");
  const Uuid id = NewRecordId();
  v1::PushRequest push;
  push.set_batch_seq(1);
  auto* record = push.add_writes();
  record->set_record_id(std::string(id.AsBytes()));
  record->set_type("household");
  record->set_scope(kSchoolA);
  record->set_hlc(wang->NextHlc());
  wire::FieldNameTable names(push.mutable_field_names());
  auto bytes = [](const Value& v) {
    v1::Value p;
    wire::ToProto(v, &p);
    return p.SerializeAsString();
  };
  const std::vector<std::pair<std::string, std::string>> writes = {
      {"head_name", bytes(Value("向国华"))},
      {"a", std::string("\x12\x01\xff", 3)},   // text that is not UTF-8
      {"b", std::string()},                     // no kind
      {"c", std::string("\x42\x09\x09", 3)},    // a geopoint cut short
      {"village", bytes(Value("石门村"))},
      {"d", bytes(Value(BlobRef{"short"}))},     // a blob of 5 bytes
  };
  for (const auto& [name, value] : writes) {
    wire::AppendPackedWrite(record->mutable_packed_fields(), names.IndexOf(name), value, 0,
                            std::nullopt);
  }
  v1::PushResponse response;
  grpc::Status status = CallPushPacked(port(), *wang, push, &response);
  ASSERT_TRUE(status.ok()) << Describe(status);
  EXPECT_EQ(response.applied_count(), 2u);
  ASSERT_EQ(response.outcomes_size(), 4);
  const std::vector<uint32_t> rejected = {1, 2, 3, 5};
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(response.outcomes(i).status(), v1::WRITE_REJECTED);
    EXPECT_EQ(response.outcomes(i).write_index(), 0u);
    EXPECT_EQ(response.outcomes(i).field_index(), rejected[i]);
    EXPECT_NE(response.outcomes(i).reason().find("field '" + writes[rejected[i]].first + "'"),
              std::string::npos)
        << response.outcomes(i).reason();
  }
  auto stored = storage_->GetRecord(id);
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_EQ((*stored)->fields.size(), 2u);
  EXPECT_EQ((*stored)->Find("village")->value, Value("石门村"));

  // The blob's reason is the one an unpacked push of it gets.
  v1::PushRequest plain;
  plain.set_batch_seq(2);
  AddField(AddRecord(plain, id, "", ""), "d", Value(BlobRef{"short"}), wang->NextHlc());
  v1::PushResponse plain_response;
  ASSERT_TRUE(wang->Push(plain, &plain_response).ok());
  ASSERT_EQ(plain_response.outcomes_size(), 1);
  EXPECT_EQ(plain_response.outcomes(0).reason(), response.outcomes(3).reason());
}

// A batch of two records: the first well formed, the second damaged by `damage`.
v1::PushRequest DamagedBatch(TestDevice& device, const Uuid& good, const Uuid& bad,
                             const std::function<void(v1::PushRequest&, v1::RecordWrite*)>& damage) {
  v1::PushRequest plain;
  plain.set_batch_seq(1);
  auto* a = AddRecord(plain, good, "household", kSchoolA);
  a->set_hlc(device.NextHlc());
  AddField(a, "head_name", Value("向国华"), 0);
  AddField(a, "village", Value("石门村"), 0);
  auto* b = AddRecord(plain, bad, "household", kSchoolA);
  b->set_hlc(device.NextHlc());
  AddField(b, "head_name", Value("李大山"), 0);
  AddField(b, "phone", Value("138"), 0);
  v1::PushRequest packed = Packed(plain);
  damage(packed, packed.mutable_writes(1));
  return packed;
}

TEST_P(PackedSyncTest, AMalformedPackedBatchIsRefusedWholeAndItsNumberStaysFree) {
  auto wang = LoggedIn("teacher_a");
  struct Case {
    std::string what;
    std::function<void(v1::PushRequest&, v1::RecordWrite*)> damage;
  };
  const std::vector<Case> cases = {
      {"a name index outside the table",
       [](v1::PushRequest& r, v1::RecordWrite* w) {
         wire::AppendPackedWrite(w->mutable_packed_fields(), r.field_names_size(), "\x18\x02", 0,
                                 std::nullopt);
       }},
      {"a name index far outside the table",
       [](v1::PushRequest&, v1::RecordWrite* w) {
         std::string p;
         wire::AppendPackedWrite(&p, 1u << 30, "\x18\x02", 0, std::nullopt);
         w->set_packed_fields(p + w->packed_fields());
       }},
      {"truncated in a value",
       [](v1::PushRequest&, v1::RecordWrite* w) {
         w->mutable_packed_fields()->resize(w->packed_fields().size() - 1);
       }},
      {"truncated in a base stamp",
       [](v1::PushRequest&, v1::RecordWrite* w) {
         std::string p;
         wire::AppendPackedWrite(&p, 0, "\x18\x02", 0, Stamp{1, 2});
         w->mutable_packed_fields()->append(p.substr(0, 2));
       }},
      {"a base node above 32 bits",
       [](v1::PushRequest&, v1::RecordWrite* w) {
         std::string p;
         AppendVarint(p, (0u << 2) | 1);
         AppendVarint(p, 12345);
         AppendVarint(p, uint64_t{1} << 33);
         AppendLengthPrefixed(p, std::string("\x18\x02", 2));
         w->mutable_packed_fields()->append(p);
       }},
      {"packed and unpacked fields in one record",
       [](v1::PushRequest&, v1::RecordWrite* w) {
         auto* f = w->add_fields();
         f->set_name("address");
         f->mutable_value()->set_text("石门村12号");
       }},
  };
  const Uuid good = NewRecordId(), bad = NewRecordId();
  const uint64_t seq_before = storage_->GetStats()->last_seq;
  for (const Case& c : cases) {
    for (bool zstd : {false, true}) {
      SCOPED_TRACE(c.what + (zstd ? ", in a zstd body" : ""));
      v1::PushRequest request = DamagedBatch(*wang, good, bad, c.damage);
      if (zstd) request = Zstd(request);
      v1::PushResponse response;
      grpc::Status status = CallPushPacked(port(), *wang, request, &response);
      EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << Describe(status);
      EXPECT_EQ(storage_->GetStats()->last_seq, seq_before) << "something was applied";
      auto first = storage_->GetRecord(good);
      ASSERT_TRUE(first.ok());
      EXPECT_FALSE(first->has_value()) << "the well-formed record of the batch was applied";
    }
  }
  // The batch number was not used up: the batch, sent well formed, is applied (not a duplicate).
  v1::PushRequest fine = DamagedBatch(*wang, good, bad, [](v1::PushRequest&, v1::RecordWrite*) {});
  v1::PushResponse response;
  grpc::Status status = CallPushPacked(port(), *wang, Zstd(fine), &response);
  ASSERT_TRUE(status.ok()) << Describe(status);
  EXPECT_FALSE(response.duplicate());
  EXPECT_EQ(response.applied_count(), 4u);
  EXPECT_EQ(response.outcomes_size(), 0);
  EXPECT_TRUE(storage_->GetRecord(good)->has_value());
  EXPECT_TRUE(storage_->GetRecord(bad)->has_value());
}

TEST_P(PackedSyncTest, ZstdBodiesAreBoundedAndCheckedBeforeAnythingIsApplied) {
  auto wang = LoggedIn("teacher_a");
  const Uuid id = NewRecordId();
  const uint64_t seq_before = storage_->GetStats()->last_seq;
  auto expect_nothing_applied = [&] {
    EXPECT_EQ(storage_->GetStats()->last_seq, seq_before);
    EXPECT_FALSE(storage_->GetRecord(id)->has_value());
  };

  // Well under the transport's limit compressed, over the batch limit (64 KiB) decompressed.
  v1::PushRequest big;
  big.set_batch_seq(1);
  auto* record = AddRecord(big, id, "household", kSchoolA);
  AddField(record, "note", Value(std::string(100 << 10, 'a')), wang->NextHlc());
  const v1::PushRequest body = Zstd(Packed(big));
  ASSERT_LT(body.ByteSizeLong(), 4u << 10);
  v1::PushResponse response;
  grpc::Status status = CallPushPacked(port(), *wang, body, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << Describe(status);
  expect_nothing_applied();
  // A frame stating far more (16 MiB of zeros in a few KiB) is refused unread.
  v1::PushRequest bomb;
  bomb.set_batch_seq(1);
  bomb.add_writes()->set_packed_fields(std::string(16u << 20, '\0'));
  const v1::PushRequest bomb_body = Zstd(bomb);
  bomb = v1::PushRequest();
  ASSERT_LT(bomb_body.ByteSizeLong(), 200u << 10);
  status = CallPushPacked(port(), *wang, bomb_body, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << Describe(status);

  // Damaged, truncated, or with writes outside the frame too.
  v1::PushRequest small;
  small.set_batch_seq(1);
  AddField(AddRecord(small, id, "household", kSchoolA), "village", Value("石门村"), wang->NextHlc());
  v1::PushRequest truncated = Zstd(Packed(small));
  truncated.mutable_zstd()->resize(truncated.zstd().size() - 3);
  v1::PushRequest not_zstd = truncated;
  not_zstd.set_zstd("this is not a zstd frame");
  v1::PushRequest both = Zstd(Packed(small));
  *both.add_writes() = Packed(small).writes(0);
  v1::PushRequest names_outside = Zstd(Packed(small));
  names_outside.add_field_names("village");
  for (const auto* request : {&truncated, &not_zstd, &both, &names_outside}) {
    status = CallPushPacked(port(), *wang, *request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << Describe(status);
    expect_nothing_applied();
  }

  // More writes than the batch limit (100) inside a small frame: refused like an open batch.
  v1::PushRequest many;
  many.set_batch_seq(1);
  auto* m = AddRecord(many, id, "household", kSchoolA);
  m->set_hlc(wang->NextHlc());
  for (int i = 0; i < 101; ++i) AddField(m, "q" + std::to_string(i), Value(i), 0);
  status = CallPushPacked(port(), *wang, Zstd(Packed(many)), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << Describe(status);
  expect_nothing_applied();

  // Batch 1 is still free.
  status = CallPushPacked(port(), *wang, Zstd(Packed(small)), &response);
  ASSERT_TRUE(status.ok()) << Describe(status);
  EXPECT_FALSE(response.duplicate());
  EXPECT_EQ(response.applied_count(), 1u);
}

// The server stores a new record whose writes come in name order (as a device sends them)
// in one step, without merging field by field (BatchRun::NewRecord). Random batches of new
// records of every type, with values, names, stamps, statuses and writers the checks refuse,
// are pushed to three servers: packed in name order (that path), packed in reverse name order
// (the general merge) and unpacked in name order. Every write must have the same outcome and
// every server must end in the same state.
TEST_P(PackedSyncTest, NewRecordsInNameOrderGetTheOutcomesOfTheGeneralMerge) {
  const uint64_t seed = std::random_device{}();
  std::printf("seed %llu\n", static_cast<unsigned long long>(seed));
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  PublishDefaultForm();
  worlds_.push_back(NewWorld());
  worlds_.push_back(NewWorld());
  ASSERT_TRUE(worlds_[0].server && worlds_[1].server);
  const std::vector<int> ports = {port(), worlds_[0].server->port(), worlds_[1].server->port()};
  std::vector<Storage*> storages = {storage_.get(), worlds_[0].storage.get(),
                                    worlds_[1].storage.get()};

  const std::vector<std::string> types = {"household", "student", "visit", "review", "conflict",
                                          "form", "notice"};
  const std::vector<std::string> names = {
      "head_name", "village", "member_count", "categories", "phone", "name", "grade",
      "birth_date", "boarding", "status", "student_id", "form_version", "tier", "reviewed_at",
      "income", "notes", "q_1", "q_2", "decision", "comment", "_deleted", "bad name!", "_x"};
  const uint64_t now = Stamp::Pack(HybridClock::SystemMillis(), 0);
  auto value = [&]() -> Value {
    switch (rng() % 11) {
      case 0: return Value();
      case 1: return Value(static_cast<int64_t>(rng() % 100));
      case 2: return Value(rng() % 2 == 0);
      case 3: return Value(Decimal{"1200.50"});
      case 4: return Value(Decimal{"12..5"});  // malformed
      case 5: return Value(StringList{"低保"});
      case 6: return Value(BlobRef{std::string(rng() % 2 ? 32 : 5, 'b')});
      case 7: return Value(Date{20700});
      default: {
        static const std::vector<std::string> texts = {"draft", "submitted", "approved",
                                                       "returned", "rejected", "石门村", "A"};
        return Value(texts[rng() % texts.size()]);
      }
    }
  };
  // One batch: each record's fields, kept in name order here.
  struct NewRecordWrite {
    Uuid id;
    std::string type, scope;
    uint64_t hlc;
    std::vector<std::tuple<std::string, Value, uint64_t>> fields;  // name, value, own hlc
  };
  std::vector<std::pair<std::string, std::vector<NewRecordWrite>>> batches;  // user, records
  for (int b = 0; b < 6; ++b) {
    std::vector<NewRecordWrite> records;
    const int n = 5 + static_cast<int>(rng() % 20);
    for (int r = 0; r < n; ++r) {
      NewRecordWrite w;
      w.id = NewRecordId();
      w.type = types[rng() % types.size()];
      w.scope = rng() % 12 == 0 ? std::string(kSchoolA) + "/none" : kSchoolA;
      w.hlc = rng() % 15 == 0 ? 0 : now + rng() % 1000;
      std::map<std::string, std::pair<Value, uint64_t>> fields;
      const int k = 1 + static_cast<int>(rng() % 12);
      for (int f = 0; f < k; ++f) {
        uint64_t own = rng() % 6 == 0 ? now + 2000 + rng() % 1000 : 0;
        if (rng() % 40 == 0) own = Stamp::Pack(HybridClock::SystemMillis() + 86'400'000, 0);
        fields[names[rng() % names.size()]] = {value(), own};
      }
      // Half the visits set a status: which ones a new visit may start in is checked.
      if (w.type == "visit" && rng() % 2 == 0) {
        static const std::vector<std::string> statuses = {"draft", "returned", "rejected",
                                                          "resubmitted", "approved"};
        fields["status"] = {rng() % 4 ? Value(statuses[rng() % statuses.size()]) : value(), 0};
      }
      for (auto& [name, v] : fields) w.fields.emplace_back(name, v.first, v.second);
      records.push_back(std::move(w));
    }
    batches.emplace_back(b % 3 == 2 ? "coordinator" : "teacher_a", std::move(records));
  }

  enum Form { kPackedInOrder, kPackedReversed, kUnpackedInOrder };
  // Per server: every write's answer by (record, field), and how each batch ended.
  std::vector<std::map<std::string, std::string>> outcomes(3);
  std::vector<std::vector<std::string>> calls(3);
  for (int form = 0; form < 3; ++form) {
    SCOPED_TRACE(form);
    std::map<std::string, std::unique_ptr<TestDevice>> devices;
    for (const char* user : {"teacher_a", "coordinator"}) devices[user] = LoggedInAt(ports[form], user);
    std::map<std::string, uint64_t> next_seq;
    for (const auto& [user, records] : batches) {
      v1::PushRequest plain;
      plain.set_batch_seq(++next_seq[user]);
      std::vector<std::vector<std::string>> sent;  // field names per record write, as sent
      for (const NewRecordWrite& w : records) {
        auto* rw = AddRecord(plain, w.id, w.type, w.scope);
        rw->set_hlc(w.hlc);
        sent.emplace_back();
        auto add = [&](const auto& f) {
          AddField(rw, std::get<0>(f), std::get<1>(f), std::get<2>(f));
          sent.back().push_back(std::get<0>(f));
        };
        if (form == kPackedReversed) {
          for (auto it = w.fields.rbegin(); it != w.fields.rend(); ++it) add(*it);
        } else {
          for (const auto& f : w.fields) add(f);
        }
      }
      v1::PushResponse response;
      grpc::Status status = form == kUnpackedInOrder
                                ? CallPush(ports[form], *devices[user], plain, &response)
                                : CallPushPacked(ports[form], *devices[user], Packed(plain), &response);
      calls[form].push_back(std::to_string(status.error_code()) + " " + status.error_message() +
                            " applied " + std::to_string(response.applied_count()));
      for (const auto& o : response.outcomes()) {
        ASSERT_LT(o.write_index(), sent.size());
        ASSERT_LT(o.field_index(), sent[o.write_index()].size());
        outcomes[form][records[o.write_index()].id.ToString() + " " +
                       sent[o.write_index()][o.field_index()]] =
            std::to_string(o.status()) + " " +
            // How far ahead a refused stamp was depends on when it arrived.
            std::regex_replace(o.reason(), std::regex("is [0-9]+ ms ahead"), "is N ms ahead");
      }
    }
  }
  // The batches refuse writes of several kinds, so the comparison means something.
  std::set<std::string> reasons;
  for (const auto& [key, answer] : outcomes[kPackedInOrder]) reasons.insert(answer);
  EXPECT_GE(reasons.size(), 5u);
  const auto want = StateOf(*storages[kPackedReversed]);
  EXPECT_FALSE(want.empty());
  for (int form : {kPackedInOrder, kUnpackedInOrder}) {
    SCOPED_TRACE(form == kPackedInOrder ? "packed, in name order" : "unpacked, in name order");
    EXPECT_EQ(calls[form], calls[kPackedReversed]);
    EXPECT_TRUE(outcomes[form] == outcomes[kPackedReversed])
        << Diff(outcomes[kPackedReversed], outcomes[form]);
    const auto state = StateOf(*storages[form]);
    EXPECT_TRUE(state == want) << Diff(want, state);
    auto stats = storages[form]->GetStats();
    auto want_stats = storages[kPackedReversed]->GetStats();
    ASSERT_TRUE(stats.ok() && want_stats.ok());
    EXPECT_EQ(stats->last_seq, want_stats->last_seq);
    EXPECT_EQ(stats->open_conflicts, want_stats->open_conflicts);
    for (const char* scope : {kSchoolA, kTownship}) {
      auto sum = storages[form]->ChecksumOf(scope);
      auto want_sum = storages[kPackedReversed]->ChecksumOf(scope);
      ASSERT_TRUE(sum.ok() && want_sum.ok());
      EXPECT_EQ(*sum, *want_sum) << scope;
    }
  }
}

// Sends every one of `batches` on one PushStream before reading any answer, as a device
// that pipelines; the answers it got and how the stream ended.
std::pair<std::vector<v1::PushResponse>, grpc::Status> PushOnStream(
    int port, const TestDevice& device, const std::vector<v1::PushRequest>& batches) {
  auto stub = StubFor(port);
  grpc::ClientContext context;
  Prepare(&context, device);
  auto stream = stub->PushStream(&context);
  for (const v1::PushRequest& b : batches) {
    if (!stream->Write(b)) break;
  }
  stream->WritesDone();
  std::vector<v1::PushResponse> answers;
  v1::PushResponse answer;
  while (stream->Read(&answer)) answers.push_back(answer);
  return {answers, stream->Finish()};
}

v1::PushRequest NewHousehold(uint64_t batch_seq, const Uuid& id, const std::string& scope,
                             uint64_t hlc) {
  v1::PushRequest plain;
  plain.set_batch_seq(batch_seq);
  auto* w = AddRecord(plain, id, "household", scope);
  w->set_hlc(hlc);
  AddField(w, "head_name", Value("向国华"), 0);
  AddField(w, "village", Value("石门村"), 0);
  return Zstd(Packed(plain));
}

TEST_P(PackedSyncTest, APushStreamStopsAtTheFirstBatchThatFailsAndAppliesNoneAfterIt) {
  auto wang = LoggedIn("teacher_a");
  const Uuid one = NewRecordId(), elsewhere = NewRecordId(), three = NewRecordId();
  const uint64_t h = wang->NextHlc();
  auto [answers, status] = PushOnStream(
      port(), *wang,
      {NewHousehold(1, one, kSchoolA, h), NewHousehold(2, elsewhere, kSchoolB, h + 1),
       NewHousehold(3, three, kSchoolA, h + 2)});
  ASSERT_EQ(answers.size(), 1u) << "only the batch before the refused one is answered";
  EXPECT_EQ(answers[0].batch_seq(), 1u);
  EXPECT_EQ(answers[0].applied_count(), 2u);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << status.error_message();
  EXPECT_TRUE(storage_->GetRecord(one)->has_value());
  EXPECT_FALSE(storage_->GetRecord(elsewhere)->has_value());
  EXPECT_FALSE(storage_->GetRecord(three)->has_value()) << "a batch after the failed one was applied";
  // Neither later number was recorded: the device sends the third batch again as number 2,
  // and batch 1 again is acknowledged, not reapplied.
  auto [again, again_status] =
      PushOnStream(port(), *wang, {NewHousehold(1, one, kSchoolA, h), NewHousehold(2, three, kSchoolA, h + 2)});
  ASSERT_TRUE(again_status.ok()) << again_status.error_message();
  ASSERT_EQ(again.size(), 2u);
  EXPECT_TRUE(again[0].duplicate());
  EXPECT_FALSE(again[1].duplicate());
  EXPECT_EQ(again[1].applied_count(), 2u);
  EXPECT_TRUE(storage_->GetRecord(three)->has_value());
}

TEST_P(PackedSyncTest, APushStreamCarriesABoundedNumberOfBatches) {
  options_.limits.max_stream_batches = 2;
  worlds_.push_back(NewWorld());
  ASSERT_TRUE(worlds_[0].server);
  const int at = worlds_[0].server->port();
  auto wang = LoggedInAt(at, "teacher_a");
  const uint64_t h = wang->NextHlc();
  std::vector<Uuid> ids = {NewRecordId(), NewRecordId(), NewRecordId()};
  auto [answers, status] = PushOnStream(at, *wang,
                                        {NewHousehold(1, ids[0], kSchoolA, h),
                                         NewHousehold(2, ids[1], kSchoolA, h + 1),
                                         NewHousehold(3, ids[2], kSchoolA, h + 2)});
  EXPECT_EQ(answers.size(), 2u);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << status.error_message();
  EXPECT_TRUE(worlds_[0].storage->GetRecord(ids[1])->has_value());
  EXPECT_FALSE(worlds_[0].storage->GetRecord(ids[2])->has_value());
}

INSTANTIATE_TEST_SUITE_P(Backends, PackedSyncTest, ::testing::ValuesIn(AvailableBackends()),
                         BackendName());

}  // namespace
}  // namespace homevisit::server::testing
