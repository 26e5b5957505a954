// Attachments in the sync client.
//
//   Sync():  PUSH ──ok──▶ BLOBS(send) ──▶ PULL ──▶ VERIFY ──▶ BLOBS(prefetch, if on) ──▶ DONE
//
//   SendBlobs      for every blob of BlobsToUpload() (its record has nothing unsent left, so
//                  the server already holds the reference that lets this device upload it):
//                  BlobUploader::Upload (BlobStatus, then PutBlob from the server's offset)
//                  → MarkBlobUploaded.
//   PrefetchBlobs  when the setting prefetch_blobs is "on": for every blob a confirmed record
//                  references and the device lacks, BlobUploader::Download → NoteFetchedBlob.
//   FetchBlob      one blob on demand, the same way.
//
// Invariants:
//  1. An attachment failure never undoes or blocks the records: the phase records the
//     first failure in SyncReport::blob_error and the sync goes on to pull.
//  2. A link failure (offline, deadline), a cancel or an expired login ends the phase: the
//     next blob would meet the same. A refusal (too big, not allowed, bad hash) skips that
//     blob only.
//  3. Every upload starts at an offset the server reported, so after a cut the next sync
//     sends only what the server lacks (see blob_uploader.h).
//  4. A blob row is written only once its file is whole and verified (blob_index.cc).
#include "app/sync/blob_sync.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "app/sync/sync_client.h"

namespace homevisit::sync {

namespace {

namespace fs = std::filesystem;

constexpr size_t kPrefetchLimit = 1000;  // blobs per sync; the next sync takes the rest

Status EnsureDir(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status(StatusCode::kUnavailable, "cannot create " + dir + ": " + ec.message());
  return Status::Ok();
}

Result<std::string> ReadWhole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status(StatusCode::kNotFound, "the attachment file " + path + " is missing");
  std::ostringstream data;
  data << in.rdbuf();
  return data.str();
}

// Writes `content` to `path` so that a crash leaves either no file or the whole one.
Status WriteDurably(const std::string& path, std::string_view content) {
  const std::string tmp = path + ".tmp";
  const int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Status(StatusCode::kUnavailable, "cannot write " + tmp);
  size_t written = 0;
  while (written < content.size()) {
    const ssize_t n = write(fd, content.data() + written, content.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    written += static_cast<size_t>(n);
  }
  const bool ok = written == content.size() && fsync(fd) == 0;
  close(fd);
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return Status(StatusCode::kUnavailable, "cannot write " + path + " (disk full?)");
  }
  const int dir = open(fs::path(path).parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    fsync(dir);
    close(dir);
  }
  return Status::Ok();
}

SyncError RefusedBlobError(std::string detail) {
  return SyncError{SyncErrorKind::kRejected, "有附件未被服务器接受（过大或无权访问），记录已同步",
                   "The server refused an attachment (too large or not allowed); the records "
                   "are synced",
                   std::move(detail)};
}

// How an attachment transfer's failure is told (sync_errors.h).
SyncError BlobError(const Status& s, const char* what) {
  std::string detail = std::string(what) + ": " + s.message();
  switch (s.code()) {
    case StatusCode::kUnavailable:
    case StatusCode::kDeadlineExceeded: return OfflineError(std::move(detail));
    case StatusCode::kCancelled: return CancelledError();
    case StatusCode::kUnauthenticated: return LoginExpiredError(std::move(detail));
    case StatusCode::kInternal: return ServerError(std::move(detail));
    case StatusCode::kNotFound:
      return SyncError{SyncErrorKind::kRejected, "附件尚未上传到服务器，请稍后再试",
                       "The attachment is not on the server yet; try again later",
                       std::move(detail)};
    default: return RefusedBlobError(std::move(detail));
  }
}

// Invariant 2: these end the phase.
bool EndsPhase(const SyncError& e) {
  return e.kind == SyncErrorKind::kOffline || e.kind == SyncErrorKind::kCancelled ||
         e.kind == SyncErrorKind::kAuth;
}

void Note(SyncReport* report, SyncError error) {
  if (report->blob_error.ok()) report->blob_error = std::move(error);
}

}  // namespace

Result<std::string> AttachContent(store::DeviceStore& store, const Uuid& id,
                                  const std::string& field, std::string_view content) {
  if (content.empty()) return InvalidArgument("the attachment is empty");
  if (content.size() > kMaxLocalBlobBytes) {
    return InvalidArgument("the attachment has " + std::to_string(content.size()) +
                           " bytes; at most " + std::to_string(kMaxLocalBlobBytes) +
                           " are accepted (photos are downscaled first)");
  }
  const std::string sha256 = Sha256Of(content);
  if (Status s = EnsureDir(store.BlobDir()); !s.ok()) return s;
  const std::string path = store.BlobPath(sha256);
  std::error_code ec;
  if (fs::file_size(path, ec) != content.size() || ec) {
    if (Status s = WriteDurably(path, content); !s.ok()) return s;
  }
  if (Status s = store.AttachBlob(id, field, sha256, content.size()); !s.ok()) return s;
  return sha256;
}

std::unique_ptr<BlobUploader> SyncClient::OpenBlobTransfer() {
  BlobTransferOptions options = options_.blob_transfer;
  options.bearer_token_hex = bearer_.substr(std::string_view("Bearer ").size());
  std::shared_ptr<v1::Blobs::StubInterface> stub = v1::Blobs::NewStub(channel_);
  auto transfer = std::make_unique<BlobUploader>(std::move(stub), options);
  std::lock_guard lock(mu_);
  blob_transfer_ = transfer.get();
  if (cancelled_) transfer->Cancel();  // Cancel() ran before the transfer was visible
  return transfer;
}

void SyncClient::CloseBlobTransfer() {
  std::lock_guard lock(mu_);
  blob_transfer_ = nullptr;
}

void SyncClient::SendBlobs(const ProgressFn& progress, SyncReport* report) {
  auto blobs = store_.BlobsToUpload();
  if (!blobs.ok()) return Note(report, LocalError(blobs.status()));
  if (blobs->empty()) return;
  uint64_t total = 0, done = 0;
  for (const store::LocalBlob& b : *blobs) total += b.bytes;
  if (progress) progress({SyncPhase::kBlobs, 0, total});
  std::unique_ptr<BlobUploader> transfer = OpenBlobTransfer();
  for (const store::LocalBlob& blob : *blobs) {
    auto content = ReadWhole(store_.BlobPath(blob.sha256));
    if (!content.ok()) {
      Note(report, LocalError(content.status()));
      continue;
    }
    auto sent = transfer->Upload(blob.sha256, std::string(blob.record_id.AsBytes()), *content);
    if (!sent.ok()) {
      SyncError e = BlobError(sent.status(), "PutBlob");
      const bool stop = EndsPhase(e);
      Note(report, std::move(e));
      if (stop) break;
      continue;
    }
    report->calls += static_cast<uint64_t>(sent->transfer_calls + sent->status_calls);
    report->blob_bytes_sent += sent->data_bytes;
    ++report->blobs_sent;
    if (Status s = store_.MarkBlobUploaded(blob.sha256); !s.ok()) Note(report, LocalError(s));
    done += blob.bytes;
    if (progress) progress({SyncPhase::kBlobs, done, total});
  }
  CloseBlobTransfer();
}

void SyncClient::PrefetchBlobs(const ProgressFn& progress, SyncReport* report) {
  auto setting = store_.Setting(kPrefetchBlobsSetting);
  if (!setting.ok()) return Note(report, LocalError(setting.status()));
  if (*setting != "on") return;
  auto missing = store_.MissingBlobs(kPrefetchLimit);
  if (!missing.ok()) return Note(report, LocalError(missing.status()));
  if (missing->empty()) return;
  if (Status s = EnsureDir(store_.BlobDir()); !s.ok()) return Note(report, LocalError(s));
  const uint64_t total = missing->size();
  uint64_t done = 0;
  if (progress) progress({SyncPhase::kBlobs, 0, total});
  std::unique_ptr<BlobUploader> transfer = OpenBlobTransfer();
  for (const store::MissingBlob& m : *missing) {
    const std::string path = store_.BlobPath(m.sha256);
    auto got = transfer->Download(m.sha256, std::string(m.record_id.AsBytes()), path);
    if (got.ok()) {
      report->calls += static_cast<uint64_t>(got->transfer_calls);
      ++report->blobs_fetched;
      if (Status s = store_.NoteFetchedBlob(m.sha256, got->total_bytes, m.record_id); !s.ok()) {
        Note(report, LocalError(s));
      }
    } else if (got.status().code() != StatusCode::kNotFound &&
               got.status().code() != StatusCode::kPermissionDenied) {
      // Not uploaded yet, or no longer visible: the next sync tries again quietly.
      SyncError e = BlobError(got.status(), "GetBlob");
      const bool stop = EndsPhase(e);
      Note(report, std::move(e));
      if (stop) break;
    }
    if (progress) progress({SyncPhase::kBlobs, ++done, total});
  }
  CloseBlobTransfer();
}

SyncReport SyncClient::FetchBlob(const std::string& sha256, std::string* path) {
  // Like Login() and Sync(): a Cancel() before the start is heard, and cleared on return.
  struct ClearCancel {
    std::atomic<bool>& cancelled;
    ~ClearCancel() { cancelled = false; }
  } clear_cancel{cancelled_};
  SyncReport report;
  if (sha256.size() != 32) {
    report.error = LocalError(InvalidArgument("an attachment is named by 32 bytes of SHA-256"));
    return report;
  }
  *path = store_.BlobPath(sha256);
  auto local = store_.FindLocalBlob(sha256);
  if (!local.ok()) return report.error = LocalError(local.status()), report;
  std::error_code ec;
  if (*local && fs::exists(*path, ec)) return report;  // here already
  auto record = store_.RecordReferencingBlob(sha256);
  if (!record.ok()) return report.error = LocalError(record.status()), report;
  if (!*record) {
    report.error = LocalError(NotFound("no record on this device refers to this attachment"));
    return report;
  }
  auto state = store_.State();
  if (!state.ok()) return report.error = LocalError(state.status()), report;
  if (!state->logged_in()) return report.error = NotLoggedInError(), report;
  const std::string server = options_.server.empty() ? state->login.server : options_.server;
  if (Status s = EnsureChannel(server); !s.ok()) return report.error = LocalError(s), report;
  if (Status s = EnsureDir(store_.BlobDir()); !s.ok()) return report.error = LocalError(s), report;
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char c : state->login.token) hex += {kDigits[c >> 4], kDigits[c & 15]};
  bearer_ = "Bearer " + hex;
  std::unique_ptr<BlobUploader> transfer = OpenBlobTransfer();
  auto got = transfer->Download(sha256, std::string((*record)->AsBytes()), *path);
  CloseBlobTransfer();
  if (!got.ok()) {
    report.error = BlobError(got.status(), "GetBlob");
    return report;
  }
  report.calls += static_cast<uint64_t>(got->transfer_calls);
  report.blobs_fetched = 1;
  if (Status s = store_.NoteFetchedBlob(sha256, got->total_bytes, **record); !s.ok()) {
    report.error = LocalError(s);
  }
  return report;
}

}  // namespace homevisit::sync
