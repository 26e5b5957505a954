// What the blob tests share: a real gRPC server with the real BlobService over a real
// BlobStore in a temporary directory, listening on 127.0.0.1:0, and channels to it
// (directly or through the fault proxy).
//
// The only stand-in is TestBlobAccess: the sync server's token check and record lookup are
// replaced by a table of tokens and of records (scope, referenced blobs). Scope coverage
// itself is the real rule (core/scope.h). blob_access_test.cc runs the real
// StorageBlobAccess over a real database.
#pragma once

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "app/sync/blob_uploader.h"
#include "sync-server/blob_service.h"
#include "sync-server/blob_store.h"

namespace homevisit::testing {

class TestBlobAccess : public server::BlobAccess {
 public:
  // A user whose device token is `token_hex`.
  void AddUser(const std::string& token_hex, const std::string& name,
               std::vector<std::string> scopes);
  // The record `record_id` lies in `scope` and references the blobs `sha256s`.
  void AddRecord(const std::string& record_id, const std::string& scope,
                 std::set<std::string> sha256s);

  Result<server::BlobCaller> Authenticate(grpc::ServerContext* context) override;
  Result<bool> MayRead(const server::BlobCaller& caller, const std::string& sha256,
                       const std::string& record_id) override;

 private:
  struct RecordRefs {
    std::string scope;
    std::set<std::string> sha256s;
  };
  std::mutex mu_;
  std::map<std::string, server::BlobCaller> users_;  // by token
  std::map<std::string, RecordRefs> records_;        // by record id
};

// A temporary directory removed with its contents at destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The blob server. Restart() stops it and starts a fresh store and service over the same
// directory on the same port, as a server process restart would.
class BlobServer {
 public:
  BlobServer(const std::string& dir, TestBlobAccess* access, uint64_t max_blob_bytes = 10ull << 20);
  ~BlobServer();
  void Restart();
  void Stop();
  uint16_t port() const { return port_; }
  server::BlobStore& store() { return *store_; }

 private:
  void Start(uint16_t port);

  std::string dir_;
  TestBlobAccess* access_;
  uint64_t max_blob_bytes_;
  uint16_t port_ = 0;
  std::unique_ptr<server::BlobStore> store_;
  std::unique_ptr<server::BlobService> service_;
  std::unique_ptr<grpc::Server> server_;
};

// A channel to 127.0.0.1:port that reconnects quickly after a cut (tests only).
std::shared_ptr<grpc::Channel> LoopbackChannel(uint16_t port);
std::shared_ptr<v1::Blobs::Stub> BlobsStub(uint16_t port);

// Deterministic incompressible bytes (like a JPEG) from a seed.
std::string RandomBytes(size_t n, uint64_t seed);

// Options for a test uploader: the given token, short back-off.
sync::BlobTransferOptions TestTransferOptions(const std::string& token_hex);

// Files under <dir>/blobs, relative, sorted ("complete/ab/ab12...", "partial/...").
std::vector<std::string> BlobFiles(const std::string& dir);

}  // namespace homevisit::testing
