// BlobUploader: moves one attachment between the device and the server over
// homevisit.v1.Blobs, resuming after every cut of a bad link.
//
// The sync client decides what to send and when (records first, then the blobs they
// reference); this class sends or fetches one blob and survives the link dropping under it.
//
// Upload, as a state machine (one Upload() call):
//   PROBE   BlobStatus → the server's offset (skipped when the caller knows the blob was
//           never sent: the server's answer to PutBlob corrects a wrong guess at once).
//   SEND    PutBlob from the server's offset, chunk after chunk, then wait for the answer.
//             complete          → DONE
//             offset_mismatch   → SEND from the offset the server gave
//             link error        → PROBE (backing off only when the last try gained nothing)
//             refusal           → FAILED (bad hash, not allowed, too big: retrying is useless)
//   Gives up (kUnavailable, "resume later") after max_attempts_without_progress tries in a
//   row that did not move the server's offset, or when Cancel() is called.
// Invariant: every PutBlob starts at an offset the server itself reported, so a byte the
// server acknowledged (holds) is never sent again. Bytes lost in a cut are at most what was
// in flight: under one chunk on the link plus what the sender had buffered.
//
// Download resumes the same way from the bytes already in "<path>.part", verifies the
// SHA-256 of the whole file and only then renames it to <path>.
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "homevisit/v1/blobs.grpc.pb.h"

namespace homevisit::sync {

struct BlobTransferOptions {
  // The device token, hex; sent as "authorization: Bearer <token>".
  std::string bearer_token_hex;
  // Data bytes per PutBlobRequest; lowered to the server's max_chunk_bytes if larger.
  // A cut loses at most the chunk in flight, so chunks are small: the default fills one
  // 16 KiB HTTP/2 frame with its gRPC and protobuf framing (~20 bytes of overhead, 0.1 %).
  uint32_t chunk_bytes = 16 * 1024 - 64;
  // Deadline of a BlobStatus call.
  std::chrono::milliseconds status_deadline{20'000};
  // Deadline of a PutBlob/GetBlob call: base + remaining bytes / min_bytes_per_s.
  std::chrono::milliseconds transfer_base_deadline{30'000};
  int64_t min_bytes_per_s = 2'000;
  // Back-off between tries that gained nothing: initial, doubling up to max, with jitter.
  std::chrono::milliseconds initial_backoff{500};
  std::chrono::milliseconds max_backoff{30'000};
  int max_attempts_without_progress = 6;
  // Largest blob a download accepts, bytes (the server's declared size is checked).
  uint64_t max_download_bytes = 64ull << 20;
};

// What one Upload() or Download() did.
struct TransferReport {
  uint64_t total_bytes = 0;
  uint64_t data_bytes = 0;             // blob bytes handed to the link (upload) or received
  int transfer_calls = 0;              // PutBlob or GetBlob calls
  int status_calls = 0;                // BlobStatus calls
  std::vector<uint64_t> call_offsets;  // where each PutBlob/GetBlob call started
  // The server had the whole blob before any byte was sent (known when BlobStatus was
  // asked first, i.e. not for a never_sent upload).
  bool already_complete = false;
};

// SHA-256 of `data` (32 raw bytes).
std::string Sha256Of(std::string_view data);

class BlobUploader {
 public:
  BlobUploader(std::shared_ptr<v1::Blobs::StubInterface> stub, BlobTransferOptions options);

  // Uploads `content`, whose SHA-256 must be `sha256` (checked first: a corrupt local file
  // is never sent). `record_id` (16 bytes) is a record that references the blob and was
  // pushed before: the server lets the caller touch the blob through it. `never_sent` =
  // this device never started uploading this blob, which saves the first BlobStatus round
  // trip. Errors: kInvalidArgument (hash mismatch, here or on the server), kPermissionDenied,
  // kUnauthenticated, kResourceExhausted (too big), kUnavailable (the link kept failing: call
  // again later, it resumes), kCancelled.
  Result<TransferReport> Upload(const std::string& sha256, const std::string& record_id,
                                std::string_view content, bool never_sent = false);

  // Downloads the blob referenced by record `record_id` to `path`, resuming from
  // "<path>.part". On success `path` holds the verified blob. Errors as for Upload, plus
  // kNotFound (not uploaded yet).
  Result<TransferReport> Download(const std::string& sha256, const std::string& record_id,
                                  const std::string& path);

  // Makes a running or later Upload/Download return kCancelled soon. Thread-safe.
  void Cancel();

 private:
  struct PutOutcome {
    grpc::Status status;
    v1::PutBlobResponse response;
  };
  PutOutcome PutFrom(const std::string& sha256, const std::string& record_id,
                     std::string_view content, uint64_t offset, uint32_t chunk,
                     TransferReport* report);
  grpc::Status GetFrom(const std::string& sha256, const std::string& record_id,
                       const std::string& part_path, uint64_t* offset, uint64_t* total,
                       TransferReport* report);
  grpc::Status Probe(const std::string& sha256, const std::string& record_id,
                     v1::BlobStatusResponse* response, TransferReport* report);
  void Prepare(grpc::ClientContext* context, std::chrono::milliseconds deadline);
  // Records the running call for Cancel(); false (and nothing recorded) if already cancelled.
  bool SetActive(grpc::ClientContext* context);
  std::chrono::milliseconds TransferDeadline(uint64_t remaining) const;
  // Sleeps the current back-off (with jitter) and doubles it; false if cancelled meanwhile.
  bool BackOff(std::chrono::milliseconds* backoff);

  std::shared_ptr<v1::Blobs::StubInterface> stub_;
  BlobTransferOptions options_;
  std::atomic<bool> cancelled_{false};
  std::mutex mu_;
  std::condition_variable wake_;           // wakes a back-off sleep on Cancel()
  grpc::ClientContext* active_ = nullptr;  // the running call, for Cancel(); guarded by mu_
};

}  // namespace homevisit::sync
