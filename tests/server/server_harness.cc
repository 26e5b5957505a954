#include "tests/server/server_harness.h"

#include <grpcpp/generic/generic_stub.h>

#include <random>

#include "core/scope.h"
#include "proto/wire.h"
#include "sync-server/auth.h"
#include "sync-server/form_publish.h"
#include "tests/forms/home_visit_answers.h"

namespace homevisit::server::testing {

namespace {

constexpr auto kDeadline = std::chrono::seconds(20);

const std::string& PasswordHash() {
  static const std::string hash = [] {
    EXPECT_TRUE(InitCrypto().ok());
    auto h = HashPassword(kPassword, PasswordCost::kMinimum);
    EXPECT_TRUE(h.ok());
    return h.ok() ? *h : std::string();
  }();
  return hash;
}

}  // namespace

std::string Describe(const grpc::Status& status) {
  if (status.ok()) return "OK";
  return std::to_string(status.error_code()) + ": " + status.error_message();
}

Uuid NewRecordId() {
  static std::mutex mu;
  static UuidGenerator ids{std::random_device{}()};
  std::lock_guard lock(mu);
  return ids.Next(HybridClock::SystemMillis());
}

// Calls `method` with one raw request message, as a tool without our .proto files would,
// and returns every raw response message (empty on failure, with *status set).
std::vector<std::string> RawCall(int port, const std::string& method, const std::string& request,
                                 grpc::Status* status) {
  auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                     grpc::InsecureChannelCredentials());
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  grpc::CompletionQueue cq;
  void* tag = nullptr;
  bool ok = false;
  auto wait = [&] { return cq.Next(&tag, &ok) && ok; };
  auto call = stub.PrepareCall(&context, method, &cq);
  std::vector<std::string> responses;
  call->StartCall(nullptr);
  if (wait()) {
    grpc::Slice slice(request);
    grpc::ByteBuffer buffer(&slice, 1);
    call->Write(buffer, nullptr);
    wait();
    call->WritesDone(nullptr);
    wait();
    while (true) {
      grpc::ByteBuffer response;
      call->Read(&response, nullptr);
      if (!wait()) break;
      std::vector<grpc::Slice> slices;
      (void)response.Dump(&slices);
      std::string bytes;
      for (const auto& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
      responses.push_back(bytes);
    }
  }
  call->Finish(status, nullptr);
  cq.Next(&tag, &ok);
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
  return responses;
}

// ---- Replica ----

void Replica::Apply(const v1::ChangeBatch& batch) {
  for (const v1::Record& pulled : batch.records()) {
    auto record = wire::FromProto(pulled);
    ASSERT_TRUE(record.ok()) << record.status().ToString();
    Record& mine = records[record->id];
    mine.id = record->id;
    mine.type = record->type;
    mine.scope = record->scope;
    for (auto& [name, version] : record->fields) mine.fields[name] = version;
  }
  cursor = batch.cursor();
}

ScopeChecksum Replica::Checksum(const std::string& scope) const {
  ScopeChecksum sum;
  for (const auto& [id, record] : records) {
    if (!ScopeCovers(scope, record.scope)) continue;
    for (const auto& [name, version] : record.fields) sum.Add(FieldHash(id, name, version.stamp));
  }
  return sum;
}

const Record* Replica::Find(const Uuid& id) const {
  auto it = records.find(id);
  return it == records.end() ? nullptr : &it->second;
}

// ---- TestDevice ----

TestDevice::TestDevice(std::shared_ptr<grpc::Channel> channel)
    : stub_(v1::Sync::NewStub(std::move(channel))), device_id_(NewRecordId().ToString()) {}

void TestDevice::Prepare(grpc::ClientContext* context) const {
  context->set_deadline(std::chrono::system_clock::now() + kDeadline);
  if (!token_.empty()) context->AddMetadata("authorization", "Bearer " + ToHex(token_));
}

grpc::Status TestDevice::Login(const std::string& user, const std::string& password,
                               v1::LoginResponse* response) {
  grpc::ClientContext context;
  Prepare(&context);
  v1::LoginRequest request;
  request.set_user(user);
  request.set_password(password);
  request.set_device_id(device_id_);
  request.set_device_name(user + "'s test phone");
  v1::LoginResponse local;
  v1::LoginResponse* out = response ? response : &local;
  grpc::Status status = stub_->Login(&context, request, out);
  if (status.ok()) {
    token_ = out->token();
    node_ = out->node();
    clock_.set_node(node_);
  }
  return status;
}

grpc::Status TestDevice::Push(const v1::PushRequest& request, v1::PushResponse* response) {
  grpc::ClientContext context;
  Prepare(&context);
  grpc::Status status = stub_->Push(&context, request, response);
  if (status.ok()) (void)clock_.Observe(Stamp::Pack(response->server_time_ms(), 0));
  return status;
}

grpc::Status TestDevice::Pull(uint64_t cursor, const std::vector<std::string>& scopes,
                              uint32_t max_batch_fields, std::vector<v1::PullResponse>* responses,
                              bool shared_stamps) {
  grpc::ClientContext context;
  Prepare(&context);
  v1::PullRequest request;
  request.set_cursor(cursor);
  request.set_shared_stamps(shared_stamps);
  for (const auto& s : scopes) request.add_scopes(s);
  request.set_max_batch_fields(max_batch_fields);
  auto reader = stub_->Pull(&context, request);
  v1::PullResponse response;
  while (reader->Read(&response)) responses->push_back(response);
  return reader->Finish();
}

grpc::Status TestDevice::Sync(const std::vector<std::string>& scopes, v1::PullEnd* end) {
  std::vector<v1::PullResponse> responses;
  grpc::Status status = Pull(replica_.cursor, scopes, 0, &responses);
  if (!status.ok()) return status;
  for (const auto& r : responses) {
    if (r.has_batch()) replica_.Apply(r.batch());
    if (r.has_end()) {
      replica_.cursor = r.end().cursor();
      if (end) *end = r.end();
    }
  }
  return status;
}

// ---- requests ----

v1::RecordWrite* AddRecord(v1::PushRequest& request, const Uuid& id, const std::string& type,
                           const std::string& scope) {
  auto* record = request.add_writes();
  record->set_record_id(std::string(id.AsBytes()));
  record->set_type(type);
  record->set_scope(scope);
  return record;
}

v1::FieldWrite* AddField(v1::RecordWrite* record, const std::string& name, const Value& value,
                         uint64_t hlc, std::optional<Stamp> base) {
  auto* field = record->add_fields();
  field->set_name(name);
  wire::ToProto(value, field->mutable_value());
  field->set_hlc(hlc);
  if (base) wire::ToProto(*base, field->mutable_base());
  return field;
}

// ---- fixture ----

void ServerTest::SetUp() {
  auto storage = OpenFreshStorage(GetParam(), &url_);
  ASSERT_TRUE(storage.ok()) << storage.status().ToString();
  storage_ = std::move(storage).value();
  for (const auto& [path, title] : std::vector<std::pair<std::string, std::string>>{
           {"qx", "清溪县"}, {kTownship, "花山镇"}, {kSchoolA, "花山镇中心小学"},
           {kSchoolB, "石门小学"}}) {
    ASSERT_TRUE(storage_->AddScope({path, title}).ok());
  }
  AddUser("teacher_a", Role::kTeacher, {kSchoolA});
  AddUser("teacher_a2", Role::kTeacher, {kSchoolA});
  AddUser("teacher_b", Role::kTeacher, {kSchoolB});
  AddUser("coordinator", Role::kCoordinator, {kTownship});
  AddUser("admin", Role::kAdmin, {"qx"});
  options_.listen = "127.0.0.1:0";
  options_.log = log_.Sink();
  options_.limits.max_failed_logins_per_user = 3;
  options_.limits.max_failed_logins_per_peer = 8;
  options_.limits.max_batch_writes = 100;
  options_.limits.max_batch_bytes = 64 << 10;
  options_.max_message_bytes = 256 << 10;
  Configure(options_);
  StartServer();
}

void ServerTest::PublishDefaultForm() {
  ServerClock clock;
  auto published = server::PublishDefaultForm(*storage_, clock);
  ASSERT_TRUE(published.ok()) << published.status().ToString();
}

std::map<std::string, Value> CompleteHomeVisit() {
  return forms::testing::CompleteHomeVisitAnswers();
}

void AddHomeVisitAnswers(v1::RecordWrite* visit, const std::map<std::string, Value>& answers,
                         TestDevice& device) {
  AddField(visit, "form_id", Value("home_visit"), device.NextHlc());
  AddField(visit, "form_version", Value(int64_t{1}), device.NextHlc());
  for (const auto& [name, value] : answers) AddField(visit, name, value, device.NextHlc());
}

void ServerTest::StartServer() {
  auto server = SyncServer::Start(*storage_, options_);
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  server_ = std::move(server).value();
}

void ServerTest::TearDown() {
  if (server_) server_->Shutdown();
  server_.reset();
  storage_.reset();
}

void ServerTest::AddUser(const std::string& name, Role role,
                         const std::vector<std::string>& scopes) {
  User user;
  user.name = name;
  user.display_name = name;
  user.role = role;
  user.password_hash = PasswordHash();
  user.scopes = scopes;
  auto id = storage_->AddUser(user);
  ASSERT_TRUE(id.ok()) << id.status().ToString();
}

std::unique_ptr<TestDevice> ServerTest::NewDevice() {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(16 << 20);
  return std::make_unique<TestDevice>(grpc::CreateCustomChannel(
      "127.0.0.1:" + std::to_string(server_->port()), grpc::InsecureChannelCredentials(), args));
}

std::unique_ptr<TestDevice> ServerTest::LoggedIn(const std::string& user) {
  auto device = NewDevice();
  grpc::Status status = device->Login(user);
  EXPECT_TRUE(status.ok()) << user << ": " << Describe(status);
  return device;
}

}  // namespace homevisit::server::testing
