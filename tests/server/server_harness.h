// A real sync server on 127.0.0.1 (port 0) over a fresh database of one backend, and test
// devices that talk to it through real gRPC stubs. Every call has a deadline.
#pragma once

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <map>
#include <mutex>

#include "core/hlc.h"
#include "homevisit/v1/sync.grpc.pb.h"
#include "sync-server/server.h"
#include "tests/storage/backends.h"

namespace homevisit::server::testing {

inline constexpr char kSchoolA[] = "qx/hs/a";
inline constexpr char kSchoolB[] = "qx/hs/b";
inline constexpr char kTownship[] = "qx/hs";
inline constexpr char kPassword[] = "correct horse 7";

// Collects log lines from the server's threads.
class LogCapture {
 public:
  LogSink Sink() {
    return [this](const std::string& line) {
      std::lock_guard lock(mu_);
      lines_.push_back(line);
    };
  }
  std::vector<std::string> Lines() {
    std::lock_guard lock(mu_);
    return lines_;
  }

 private:
  std::mutex mu_;
  std::vector<std::string> lines_;
};

// One replica: what a device holds after applying pulled batches.
struct Replica {
  std::map<Uuid, Record> records;
  uint64_t cursor = 0;
  void Apply(const v1::ChangeBatch& batch);
  ScopeChecksum Checksum(const std::string& scope) const;
  const Record* Find(const Uuid& id) const;
};

class TestDevice {
 public:
  explicit TestDevice(std::shared_ptr<grpc::Channel> channel);

  grpc::Status Login(const std::string& user, const std::string& password = kPassword,
                     v1::LoginResponse* response = nullptr);
  grpc::Status Push(const v1::PushRequest& request, v1::PushResponse* response);
  // Reads a whole Pull stream.
  grpc::Status Pull(uint64_t cursor, const std::vector<std::string>& scopes,
                    uint32_t max_batch_fields, std::vector<v1::PullResponse>* responses,
                    bool shared_stamps = false);
  // Pulls from the replica's cursor and applies everything; the PullEnd in *end.
  grpc::Status Sync(const std::vector<std::string>& scopes = {}, v1::PullEnd* end = nullptr);

  // A stamp for a local write (hlc only; the server adds the node).
  uint64_t NextHlc() { return clock_.Now().hlc; }
  uint32_t node() const { return node_; }
  const std::string& device_id() const { return device_id_; }
  void set_token(std::string token) { token_ = std::move(token); }
  const std::string& token() const { return token_; }
  Replica& replica() { return replica_; }
  const Replica& replica() const { return replica_; }

 private:
  void Prepare(grpc::ClientContext* context) const;
  std::unique_ptr<v1::Sync::Stub> stub_;
  std::string device_id_;
  std::string token_;
  uint32_t node_ = 0;
  HybridClock clock_{0, HybridClock::SystemMillis};
  Replica replica_;
};

// Building Push requests.
v1::RecordWrite* AddRecord(v1::PushRequest& request, const Uuid& id, const std::string& type,
                           const std::string& scope);
v1::FieldWrite* AddField(v1::RecordWrite* record, const std::string& name, const Value& value,
                         uint64_t hlc, std::optional<Stamp> base = std::nullopt);
Uuid NewRecordId();

// Answers to the default form (home_visit version 1) that validate
// (tests/forms/home_visit_answers.h).
std::map<std::string, Value> CompleteHomeVisit();
// Adds the form a visit follows (home_visit version 1) and `answers` to a visit write.
void AddHomeVisitAnswers(v1::RecordWrite* visit, const std::map<std::string, Value>& answers,
                         TestDevice& device);

// The fixture: a fresh database with two schools A and B of township qx/hs, users
//   teacher_a, teacher_a2 (teachers of A), teacher_b (teacher of B),
//   coordinator (qx/hs), admin (qx), all with password kPassword,
// and a running server.
class ServerTest : public ::testing::TestWithParam<StorageBackend> {
 protected:
  void SetUp() override;
  void TearDown() override;
  // Options the server is started with; a test may change them before StartServer().
  virtual void Configure(ServerOptions& options) {}
  void StartServer();
  std::unique_ptr<TestDevice> NewDevice();
  // A device logged in as `user` (asserts success).
  std::unique_ptr<TestDevice> LoggedIn(const std::string& user);
  void AddUser(const std::string& name, Role role, const std::vector<std::string>& scopes);
  // Publishes the default form as `serve` does at its first start (asserts success).
  void PublishDefaultForm();

  std::string url_;
  std::unique_ptr<Storage> storage_;
  std::unique_ptr<SyncServer> server_;
  LogCapture log_;
  ServerOptions options_;
};

// Calls `method` with one raw request message, as a tool without our .proto files would,
// and returns every raw response message (empty on failure, with *status set).
std::vector<std::string> RawCall(int port, const std::string& method, const std::string& request,
                                 grpc::Status* status);

// "OK" or "PERMISSION_DENIED: message", for assertion messages.
std::string Describe(const grpc::Status& status);

}  // namespace homevisit::server::testing
