#include "sync-server/blob_service.h"

#include "sync-server/grpc_status.h"

namespace homevisit::server {
namespace {

constexpr size_t kShaBytes = 32;
constexpr size_t kRecordIdBytes = 16;

}  // namespace

BlobService::BlobService(BlobStore* store, BlobAccess* access, BlobServiceOptions options)
    : store_(store), access_(access), options_(options) {}

Status BlobService::Admit(grpc::ServerContext* context, const std::string& sha256,
                          const std::string& record_id) {
  Result<BlobCaller> caller = access_->Authenticate(context);
  if (!caller.ok()) return caller.status();
  if (sha256.size() != kShaBytes) {
    return InvalidArgument("a blob is named by its SHA-256: 32 bytes, not " +
                           std::to_string(sha256.size()));
  }
  if (record_id.size() != kRecordIdBytes) {
    return InvalidArgument("name the record that refers to the attachment (16-byte id)");
  }
  Result<bool> may = access_->MayRead(*caller, sha256, record_id);
  if (!may.ok()) return may.status();
  if (!*may) return PermissionDenied("no record in your scopes refers to this attachment");
  return Status::Ok();
}

grpc::Status BlobService::BlobStatus(grpc::ServerContext* context,
                                     const v1::BlobStatusRequest* request,
                                     v1::BlobStatusResponse* response) {
  if (Status s = Admit(context, request->sha256(), request->record_id()); !s.ok())
    return ToGrpcStatus(s);
  Result<BlobState> state = store_->State(request->sha256());
  if (!state.ok()) return ToGrpcStatus(state.status());
  response->set_offset(state->offset);
  response->set_complete(state->complete);
  response->set_max_blob_bytes(store_->max_blob_bytes());
  response->set_max_chunk_bytes(options_.max_chunk_bytes);
  return grpc::Status::OK;
}

grpc::Status BlobService::PutBlob(grpc::ServerContext* context,
                                  grpc::ServerReader<v1::PutBlobRequest>* reader,
                                  v1::PutBlobResponse* response) {
  v1::PutBlobRequest first;
  if (!reader->Read(&first)) {
    return {grpc::StatusCode::INVALID_ARGUMENT, "an upload starts with a message naming the blob"};
  }
  if (Status s = Admit(context, first.sha256(), first.record_id()); !s.ok()) return ToGrpcStatus(s);
  if (first.data().size() > options_.max_chunk_bytes) {
    return {grpc::StatusCode::INVALID_ARGUMENT,
            "a chunk may carry at most " + std::to_string(options_.max_chunk_bytes) + " bytes"};
  }
  Result<BlobState> held = store_->State(first.sha256());
  if (!held.ok()) return ToGrpcStatus(held.status());
  response->set_offset(held->offset);
  if (held->complete) {
    response->set_complete(true);  // someone uploaded it already: nothing to send
    return grpc::Status::OK;
  }
  if (held->offset != first.offset()) {
    response->set_offset_mismatch(true);  // answer at once; the client resumes from offset
    return grpc::Status::OK;
  }
  return ReceiveChunks(context, reader, first, response);
}

grpc::Status BlobService::ReceiveChunks(grpc::ServerContext* context,
                                        grpc::ServerReader<v1::PutBlobRequest>* reader,
                                        const v1::PutBlobRequest& first,
                                        v1::PutBlobResponse* response) {
  const std::string& sha = first.sha256();
  const uint64_t total = first.total_bytes();
  Result<BlobState> state = store_->Append(sha, total, first.offset(), first.data());
  v1::PutBlobRequest next;
  grpc::Status failure = grpc::Status::OK;
  for (;;) {
    if (!state.ok()) {
      const StatusCode code = state.status().code();
      if (code == StatusCode::kAlreadyExists || code == StatusCode::kFailedPrecondition) {
        // Another call of the same blob moved it on (a retry racing a stale call): report
        // where it stands so the client resumes from there.
        Result<BlobState> now = store_->State(sha);
        if (!now.ok()) return ToGrpcStatus(now.status());
        response->set_offset(now->offset);
        response->set_complete(now->complete);
        response->set_offset_mismatch(!now->complete);
        return grpc::Status::OK;
      }
      failure = ToGrpcStatus(state.status());
      break;
    }
    response->set_offset(state->offset);
    if (state->complete) {
      response->set_complete(true);
      return grpc::Status::OK;
    }
    if (!reader->Read(&next)) break;  // the client finished early, or the link dropped
    if (!next.sha256().empty() && next.sha256() != sha) {
      failure = {grpc::StatusCode::INVALID_ARGUMENT, "one upload carries one blob"};
      break;
    }
    if (next.data().size() > options_.max_chunk_bytes) {
      failure = {
          grpc::StatusCode::INVALID_ARGUMENT,
          "a chunk may carry at most " + std::to_string(options_.max_chunk_bytes) + " bytes"};
      break;
    }
    state = store_->Append(sha, total, state->offset, next.data());
  }
  // Whatever arrived is kept and made durable, so the next call resumes after it.
  if (Status s = store_->SyncPartial(sha); !s.ok() && failure.ok()) failure = ToGrpcStatus(s);
  if (!failure.ok()) return failure;
  if (context->IsCancelled()) return {grpc::StatusCode::CANCELLED, "the upload was interrupted"};
  return grpc::Status::OK;
}

grpc::Status BlobService::GetBlob(grpc::ServerContext* context, const v1::GetBlobRequest* request,
                                  grpc::ServerWriter<v1::GetBlobResponse>* writer) {
  const std::string& sha = request->sha256();
  if (Status s = Admit(context, sha, request->record_id()); !s.ok()) return ToGrpcStatus(s);
  Result<BlobState> state = store_->State(sha);
  if (!state.ok()) return ToGrpcStatus(state.status());
  if (!state->complete) {
    return {grpc::StatusCode::NOT_FOUND, "this attachment has not been fully uploaded yet"};
  }
  const uint64_t total = state->offset;
  if (request->offset() > total) {
    return {grpc::StatusCode::INVALID_ARGUMENT, "offset " + std::to_string(request->offset()) +
                                                    " is past the attachment's end (" +
                                                    std::to_string(total) + " bytes)"};
  }
  uint64_t offset = request->offset();
  v1::GetBlobResponse chunk;
  do {
    Result<std::string> data = store_->Read(sha, offset, options_.max_chunk_bytes);
    if (!data.ok()) return ToGrpcStatus(data.status());
    chunk.set_offset(offset);
    chunk.set_total_bytes(total);
    offset += data->size();
    chunk.set_data(std::move(data.value()));
    if (!writer->Write(chunk)) {
      return {grpc::StatusCode::CANCELLED, "the download was interrupted"};
    }
  } while (offset < total && !context->IsCancelled());
  return grpc::Status::OK;
}

}  // namespace homevisit::server
