// The device's sync client over homevisit.v1.Sync (see sync_client.cc for its state
// machine). Runs on one worker thread; Cancel() may be called from any thread. Every call
// has a deadline, transient failures are retried with backoff, and every step is resumable:
// what the server acknowledged or sent is in the store before the next step begins.
#pragma once

#include <grpcpp/channel.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "app/store/device_store.h"
#include "app/sync/backoff.h"
#include "app/sync/blob_uploader.h"
#include "app/sync/sync_errors.h"
#include "homevisit/v1/sync.grpc.pb.h"

namespace grpc {
class ClientContext;
}

namespace homevisit::sync {

struct SyncOptions {
  // HOST:PORT. Empty: the server of the last login.
  std::string server;
  // Shown to operators in the device list (at most 100 bytes).
  std::string device_name = "homevisit-device";
  std::chrono::milliseconds login_deadline{15'000};
  std::chrono::milliseconds push_deadline{30'000};
  // For one Pull stream; a cut stream resumes from the stored cursor.
  std::chrono::milliseconds pull_deadline{120'000};
  // Within the server's limits (10,000 writes, 4 MiB per Push); see store::BatchLimits.
  store::BatchLimits push_limits;
  // Packed batches go over one PushStream call, several at a time, so the next batch is on
  // its way while the server merges the one before (SyncClient::PushStreamed). A stream
  // carries at most this many batches and gets push_deadline for each of them.
  bool stream_push = true;
  uint32_t batches_per_stream = 16;
  uint32_t pull_batch_fields = 5000;
  BackoffPolicy backoff;
  // gzip every request (the server compresses its answers).
  bool compress = true;
  // Largest message accepted from the server.
  int max_receive_bytes = 16 << 20;
  // Attachments (blob_sync.cc): chunking, deadlines and back-off of each transfer. The
  // token is filled in from the login.
  BlobTransferOptions blob_transfer;
};

// kBlobs: attachments, sent after the push (done/total: bytes) and fetched after the pull
// when prefetch_blobs is on (done/total: attachments).
enum class SyncPhase { kLogin, kPush, kPull, kVerify, kRepair, kBlobs, kDone };
const char* SyncPhaseName(SyncPhase phase);

struct SyncProgress {
  SyncPhase phase = SyncPhase::kPush;
  uint64_t done = 0;
  uint64_t total = 0;  // 0 when unknown (a pull does not know how much is coming)
};
using ProgressFn = std::function<void(const SyncProgress&)>;

struct SyncReport {
  SyncError error;
  uint64_t pushed = 0;      // field writes the server answered
  uint64_t conflicts = 0;   // of which kept as conflicts
  uint64_t rejected = 0;    // of which refused
  uint64_t pulled = 0;      // fields applied from the server
  uint64_t calls = 0;       // RPCs started, retries included
  uint64_t batches = 0;     // push batches the server answered (several per PushStream call)
  uint64_t repaired_scopes = 0;
  uint64_t blobs_sent = 0;       // attachments the server now holds whole, sent by this sync
  uint64_t blob_bytes_sent = 0;  // attachment bytes put on the link (a resumed one: the rest)
  uint64_t blobs_fetched = 0;    // attachments downloaded (prefetch_blobs on, or FetchBlob)
  // The first attachment failure. Records are pushed and pulled regardless; the sync's
  // `error` holds it too when nothing else failed.
  SyncError blob_error;
  bool ok() const { return error.ok(); }
};

class SyncClient {
 public:
  SyncClient(store::DeviceStore& store, SyncOptions options);
  ~SyncClient();

  // Enrols this device for `user`. A device holding another user's data is wiped first if
  // nothing of it is unsynced, else refused.
  SyncReport Login(const std::string& user, const std::string& password);
  // One sync: push the outbox, pull what changed, verify the checksums (repairing a scope
  // that disagrees). Progress is reported on the calling thread.
  SyncReport Sync(const ProgressFn& progress = {});
  // Downloads the attachment `sha256` (32 bytes) into the device's blob directory, resuming
  // a partial download, unless it is there already; `*path` is its file. A record on this
  // device must reference it (the server checks that the record is in the user's scopes).
  SyncReport FetchBlob(const std::string& sha256, std::string* path);
  // Stops the running Login, Sync or FetchBlob as soon as possible (or, if none runs, the
  // next one to start); it returns kCancelled. What was already stored stays stored.
  void Cancel();

 private:
  struct Attempt;
  using AttemptFn = std::function<Attempt(grpc::ClientContext&)>;

  SyncError Push(const ProgressFn& progress, SyncReport* report);
  // The part of Push that goes over PushStream: batches until `total` fields were answered
  // (*done counts them) or the outbox is empty. Ok with *fall_back set when the rest must
  // go one batch per call: the server does not know PushStream, or it refused a batch as a
  // whole (the halving that finds the write at fault is the one-call loop's).
  SyncError PushStreamed(const ProgressFn& progress, SyncReport* report,
                         const store::BatchLimits& limits, uint64_t total, uint64_t* done,
                         bool* fall_back);
  SyncError Pull(const ProgressFn& progress, SyncReport* report, v1::PullEnd* end);
  SyncError PullInto(store::PullTarget target, const std::string& scope, const ProgressFn& progress,
                     SyncReport* report, v1::PullEnd* end);
  SyncError Verify(const ProgressFn& progress, SyncReport* report, const v1::PullEnd& end);
  SyncError Repair(const std::string& scope, const ProgressFn& progress, SyncReport* report);
  // Attachments (blob_sync.cc): uploads what the server lacks, after the push; fetches what
  // pulled records reference, when the setting asks for it. Failures go to blob_error.
  void SendBlobs(const ProgressFn& progress, SyncReport* report);
  void PrefetchBlobs(const ProgressFn& progress, SyncReport* report);
  // A transfer over the channel that Cancel() can reach, and its release.
  std::unique_ptr<BlobUploader> OpenBlobTransfer();
  void CloseBlobTransfer();
  // Mismatching scopes of `end` against the confirmed replica.
  Result<std::vector<std::string>> Mismatches(const v1::PullEnd& end);

  // Runs one call with its deadline and retries; an attempt that made progress resets the
  // retry count. Handles revocation (wipes the store) and an expired token.
  SyncError Call(const char* name, std::chrono::milliseconds deadline, bool authorized,
                 const AttemptFn& attempt, SyncReport* report);
  // Sleeps before a retry; false if cancelled meanwhile.
  bool Wait(std::chrono::milliseconds delay);
  Status EnsureChannel(const std::string& server);
  SyncError Finish(SyncError error, SyncReport* report);

  store::DeviceStore& store_;
  const SyncOptions options_;
  Backoff backoff_;
  std::string channel_server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Sync::Stub> stub_;
  std::string bearer_;  // "Bearer <hex token>"
  // The status of the last failed call, for callers that treat some codes specially.
  // Batches go packed through PushPacked until a server answers that it does not know it.
  bool packed_push_ = true;
  // Batches go over PushStream until a server answers that it does not know it.
  bool stream_push_ = true;
  grpc::StatusCode last_code_ = grpc::StatusCode::OK;
  std::string last_message_;

  struct CancelScope;
  std::atomic<bool> cancelled_{false};
  std::mutex mu_;
  std::condition_variable wake_;
  grpc::ClientContext* active_ = nullptr;  // guarded by mu_
  BlobUploader* blob_transfer_ = nullptr;  // guarded by mu_
};

}  // namespace homevisit::sync
