// BlobService: the gRPC service homevisit.v1.Blobs (proto/homevisit/v1/blobs.proto) over a
// BlobStore. Who the caller is and what the caller may see come from a BlobAccess that the
// sync server supplies (its token check and a query over the central database), so this
// file knows nothing of users, devices or the database.
//
// Every call: Authenticate (UNAUTHENTICATED), check the hash is 32 bytes and the record id
// 16 (INVALID_ARGUMENT), then MayRead (PERMISSION_DENIED) before anything about the blob is
// revealed. MayRead guards uploads too: the sync client pushes a visit's records before
// its blobs, so a device can upload only what one of its records references, and nobody can
// park arbitrary files on the server.
#pragma once

#include <grpcpp/grpcpp.h>

#include <string>
#include <vector>

#include "core/status.h"
#include "homevisit/v1/blobs.grpc.pb.h"
#include "sync-server/blob_store.h"

namespace homevisit::server {

// The caller of a blob call, as the blob service needs it.
struct BlobCaller {
  std::string user;                 // login name (for the sync server's own logs)
  std::vector<std::string> scopes;  // scope paths the caller may read
};

class BlobAccess {
 public:
  virtual ~BlobAccess() = default;
  // The caller of `context` from its "authorization: Bearer <hex token>" metadata.
  // kUnauthenticated for a missing, unknown or revoked token; kUnavailable if the database
  // cannot answer.
  virtual Result<BlobCaller> Authenticate(grpc::ServerContext* context) = 0;
  // True if the record `record_id` (16 bytes) exists, is not deleted, lies within one of
  // `caller.scopes`, and has a current field whose value (or a cell of whose rows)
  // is the blob reference `sha256` (32 raw bytes).
  virtual Result<bool> MayRead(const BlobCaller& caller, const std::string& sha256,
                               const std::string& record_id) = 0;
};

struct BlobServiceOptions {
  // Largest `data` in one PutBlobRequest or GetBlobResponse, bytes. The server's gRPC
  // maximum receive message size must exceed it by a little (message framing).
  uint32_t max_chunk_bytes = 64 * 1024;
};

class BlobService final : public v1::Blobs::Service {
 public:
  // `store` and `access` must outlive the service.
  BlobService(BlobStore* store, BlobAccess* access, BlobServiceOptions options = {});

  grpc::Status BlobStatus(grpc::ServerContext* context, const v1::BlobStatusRequest* request,
                          v1::BlobStatusResponse* response) override;
  grpc::Status PutBlob(grpc::ServerContext* context, grpc::ServerReader<v1::PutBlobRequest>* reader,
                       v1::PutBlobResponse* response) override;
  grpc::Status GetBlob(grpc::ServerContext* context, const v1::GetBlobRequest* request,
                       grpc::ServerWriter<v1::GetBlobResponse>* writer) override;

 private:
  // Authenticates and checks the caller may touch `sha256` through `record_id`; OK means go on.
  Status Admit(grpc::ServerContext* context, const std::string& sha256,
               const std::string& record_id);
  // Appends the rest of an upload whose first message was accepted at `offset`.
  grpc::Status ReceiveChunks(grpc::ServerContext* context,
                             grpc::ServerReader<v1::PutBlobRequest>* reader,
                             const v1::PutBlobRequest& first, v1::PutBlobResponse* response);

  BlobStore* store_;
  BlobAccess* access_;
  BlobServiceOptions options_;
};

}  // namespace homevisit::server
