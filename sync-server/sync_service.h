// The gRPC service homevisit.v1.Sync (proto/homevisit/v1/sync.proto): Login, Push, Pull.
//
// Every call is checked, logged once (call_log.h) and answered with the server time. Errors
// are core Statuses until the very end of a handler, where ToGrpcStatus maps them.
//   Login   validates its input, refuses while the user or the peer address is throttled
//           (RESOURCE_EXHAUSTED, checked before the password), verifies the Argon2id hash,
//           and enrols the device with a new random token (stored as its SHA-256).
//   Push    authenticates the token, bounds the batch (count and bytes:
//           RESOURCE_EXHAUSTED), and hands it to the BatchMerger.
//   Pull    authenticates, checks the requested scopes lie within the user's
//           (PERMISSION_DENIED), streams bounded ChangeBatches in cursor order, then one
//           PullEnd whose per-scope checksums describe exactly the state after its cursor.
#pragma once

#include <semaphore>

#include "homevisit/v1/sync.grpc.pb.h"
#include "sync-server/call_log.h"
#include "sync-server/merger.h"
#include "sync-server/server_clock.h"
#include "sync-server/storage/storage.h"

namespace homevisit::server {

struct ServiceLimits {
  // Field writes per Push (summed over its records).
  uint32_t max_batch_writes = 10000;
  // Serialized size of a PushRequest.
  uint64_t max_batch_bytes = 4u << 20;
  // Batches per PushStream call.
  uint32_t max_stream_batches = 64;
  // Fields per ChangeBatch when the client asks for 0, and the most it may ask for.
  uint32_t default_pull_batch_fields = 500;
  uint32_t max_pull_batch_fields = 5000;
  // A ChangeBatch is closed once it holds this many bytes of values.
  uint64_t max_pull_batch_bytes = 1u << 20;
  // Failed logins tolerated per user name and per peer address within the window.
  int max_failed_logins_per_user = 5;
  int max_failed_logins_per_peer = 30;
  int64_t login_window_ms = 15 * 60 * 1000;
};

class SyncService final : public v1::Sync::Service {
 public:
  SyncService(Storage& storage, ServerClock& clock, ServiceLimits limits, LogSink log);

  grpc::Status Login(grpc::ServerContext* context, const v1::LoginRequest* request,
                     v1::LoginResponse* response) override;
  grpc::Status Push(grpc::ServerContext* context, const v1::PushRequest* request,
                    v1::PushResponse* response) override;
  grpc::Status PushPacked(grpc::ServerContext* context, const v1::PushRequest* request,
                          v1::PushResponse* response) override;
  grpc::Status PushStream(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<v1::PushResponse, v1::PushRequest>* stream) override;
  grpc::Status Pull(grpc::ServerContext* context, const v1::PullRequest* request,
                    grpc::ServerWriter<v1::PullResponse>* writer) override;

 private:
  Status DoLogin(grpc::ServerContext* context, const v1::LoginRequest& request,
                 v1::LoginResponse* response, CallLog& log);
  grpc::Status LoggedPush(const char* method, grpc::ServerContext* context,
                          const v1::PushRequest& request, v1::PushResponse* response);
  Status DoPush(grpc::ServerContext* context, const v1::PushRequest& request,
                v1::PushResponse* response, CallLog& log);
  Status DoPull(grpc::ServerContext* context, const v1::PullRequest& request,
                grpc::ServerWriter<v1::PullResponse>* writer, CallLog& log);
  // The user and device behind the call's bearer token; UNAUTHENTICATED otherwise.
  Result<Caller> Authenticate(grpc::ServerContext* context, CallLog& log);
  Status CheckThrottle(const std::string& user_key, const std::string& peer_key);

  Storage& storage_;
  ServerClock& clock_;
  const ServiceLimits limits_;
  const LogSink log_;
  BatchMerger merger_;
  // Argon2id needs 64 MiB per evaluation: at most two at once.
  std::counting_semaphore<2> password_checks_{2};
};

}  // namespace homevisit::server
