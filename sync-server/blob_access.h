// The blob service's access rules over the central database, and the reference scan behind
// the admin command that removes unreferenced blobs.
//
// StorageBlobAccess answers the two questions of BlobAccess (blob_service.h):
//   Authenticate: the bearer token → its device (not revoked) → its user (not disabled) →
//                 the user's scopes. The same rules as the Sync service's calls.
//   MayRead:      the named record exists, is not deleted, lies within one of the caller's
//                 scopes, and one of its current fields (or a cell of its repeat rows) holds
//                 the blob reference. One record lookup per call.
#pragma once

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/value.h"
#include "sync-server/blob_service.h"
#include "sync-server/blob_store.h"
#include "sync-server/storage/storage.h"

namespace homevisit::server {

class StorageBlobAccess final : public BlobAccess {
 public:
  explicit StorageBlobAccess(Storage& storage) : storage_(storage) {}  // must outlive this

  Result<BlobCaller> Authenticate(grpc::ServerContext* context) override;
  Result<bool> MayRead(const BlobCaller& caller, const std::string& sha256,
                       const std::string& record_id) override;

 private:
  Storage& storage_;
};

// What a sync server needs to serve homevisit.v1.Blobs next to Sync: the store under
// `blob_dir`, the access rules over `storage`, and the service to register with the
// grpc::ServerBuilder. Keep it alive as long as the grpc::Server.
struct BlobServing {
  std::unique_ptr<BlobStore> store;
  std::unique_ptr<StorageBlobAccess> access;
  std::unique_ptr<BlobService> service;
};
struct BlobServingOptions {
  std::string blob_dir;                   // required; blobs live in <blob_dir>/blobs
  uint64_t max_blob_bytes = 10ull << 20;  // largest attachment accepted
  uint32_t max_chunk_bytes = 64 * 1024;   // the gRPC message limit must exceed it
};
Result<BlobServing> OpenBlobServing(Storage& storage, const BlobServingOptions& options);

// True if `value` is the blob reference `sha256`, or holds it in a cell of its rows.
bool ValueReferencesBlob(const Value& value, const std::string& sha256);

// Every blob hash (32 raw bytes) held by a current field of any record. Deleted records
// count: an undelete must find its photos again. Reads every current field once, in pages.
Result<std::set<std::string>> ReferencedBlobs(Storage& storage);

// The admin command "remove unreferenced blobs": blob files (complete or unfinished) that
// no current field references and that nobody wrote for `min_age_ms`. With `dry_run` it
// only lists them. Run it when few devices sync: a blob that a record references again
// between the scan and the removal (the same photo attached anew) would be lost.
Result<std::vector<StoredBlob>> CollectUnreferencedBlobs(Storage& storage, BlobStore& store,
                                                         int64_t min_age_ms, bool dry_run);

}  // namespace homevisit::server
