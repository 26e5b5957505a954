// The running sync server: the Sync service, the Blobs service (attachments, when a blob
// directory is given) plus the standard gRPC health service and server reflection, on one
// listening address.
//
// Without TLS the server listens on loopback only, unless `insecure` says so explicitly:
// tokens and children's records must not cross a network in clear text by accident.
#pragma once

#include <memory>
#include <string>

#include "sync-server/blob_access.h"
#include "sync-server/call_log.h"
#include "sync-server/server_clock.h"
#include "sync-server/storage/storage.h"
#include "sync-server/sync_service.h"

namespace grpc {
class Server;
}

namespace homevisit::server {

struct ServerOptions {
  std::string listen = "127.0.0.1:50051";  // HOST:PORT; port 0 picks a free one
  std::string tls_cert_file;                // PEM; TLS is on when both files are given
  std::string tls_key_file;
  bool insecure = false;                    // allow plain text on a non-loopback address
  ServiceLimits limits;
  int max_message_bytes = 8 << 20;          // any gRPC message, either direction
  int64_t max_clock_drift_ms = HybridClock::kDefaultMaxDriftMs;
  HybridClock::WallClock wall_clock = HybridClock::SystemMillis;
  LogSink log = StderrLog();
  // Attachments live in <blob_dir>/blobs; empty: no Blobs service.
  std::string blob_dir;
  uint64_t max_blob_bytes = 10ull << 20;  // largest attachment accepted
  uint32_t max_blob_chunk_bytes = 64 * 1024;  // must stay below max_message_bytes
};

// Ok if `listen` is HOST:PORT and may be used with the given security. Loopback hosts are
// 127.0.0.0/8, localhost and [::1].
Status CheckListenAddress(const std::string& listen, bool tls, bool insecure);

class SyncServer {
 public:
  // Starts serving `storage` (which must outlive the server and be migrated).
  static Result<std::unique_ptr<SyncServer>> Start(Storage& storage, ServerOptions options);
  ~SyncServer();

  // The bound port (the chosen one when the address asked for port 0).
  int port() const { return port_; }
  // Stops accepting calls and waits for running ones (cancelled after a grace period).
  void Shutdown();
  // Blocks until Shutdown() has completed.
  void Wait();

 private:
  SyncServer() = default;
  std::unique_ptr<ServerClock> clock_;
  std::unique_ptr<SyncService> service_;
  BlobServing blobs_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

}  // namespace homevisit::server
