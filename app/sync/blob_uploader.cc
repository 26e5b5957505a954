#include "app/sync/blob_uploader.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <random>

namespace homevisit::sync {
namespace {

constexpr size_t kShaBytes = 32;

// A link or server hiccup that a later try may get past. Anything else is an answer.
bool IsTransient(const grpc::Status& s) {
  switch (s.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::ABORTED:
    case grpc::StatusCode::CANCELLED:
    case grpc::StatusCode::INTERNAL:
    case grpc::StatusCode::UNKNOWN:
      return true;
    default:
      return false;
  }
}

// clang-format off
Status FromGrpc(const grpc::Status& s) {
  StatusCode code = StatusCode::kInternal;
  switch (s.error_code()) {
    case grpc::StatusCode::OK: return Status::Ok();
    case grpc::StatusCode::INVALID_ARGUMENT: code = StatusCode::kInvalidArgument; break;
    case grpc::StatusCode::NOT_FOUND: code = StatusCode::kNotFound; break;
    case grpc::StatusCode::ALREADY_EXISTS: code = StatusCode::kAlreadyExists; break;
    case grpc::StatusCode::PERMISSION_DENIED: code = StatusCode::kPermissionDenied; break;
    case grpc::StatusCode::UNAUTHENTICATED: code = StatusCode::kUnauthenticated; break;
    case grpc::StatusCode::FAILED_PRECONDITION: code = StatusCode::kFailedPrecondition; break;
    case grpc::StatusCode::RESOURCE_EXHAUSTED: code = StatusCode::kResourceExhausted; break;
    case grpc::StatusCode::DEADLINE_EXCEEDED: code = StatusCode::kDeadlineExceeded; break;
    case grpc::StatusCode::CANCELLED: code = StatusCode::kCancelled; break;
    case grpc::StatusCode::UNAVAILABLE: code = StatusCode::kUnavailable; break;
    default: break;
  }
  return {code, s.error_message()};
}
// clang-format on

Status GaveUp(uint64_t offset, int tries) {
  return {StatusCode::kUnavailable, "the link failed " + std::to_string(tries) +
                                        " times in a row; the transfer resumes from byte " +
                                        std::to_string(offset) + " next time"};
}

Result<std::string> Sha256OfFile(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status(StatusCode::kUnavailable, "cannot read " + path);
  crypto_hash_sha256_state state;
  crypto_hash_sha256_init(&state);
  unsigned char buf[64 * 1024];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) {
    crypto_hash_sha256_update(&state, buf, static_cast<unsigned long long>(n));
  }
  close(fd);
  if (n < 0) return Status(StatusCode::kUnavailable, "cannot read " + path);
  std::string digest(kShaBytes, '\0');
  crypto_hash_sha256_final(&state, reinterpret_cast<unsigned char*>(digest.data()));
  return digest;
}

uint64_t FileSize(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
}

}  // namespace

std::string Sha256Of(std::string_view data) {
  std::string digest(kShaBytes, '\0');
  crypto_hash_sha256(reinterpret_cast<unsigned char*>(digest.data()),
                     reinterpret_cast<const unsigned char*>(data.data()), data.size());
  return digest;
}

BlobUploader::BlobUploader(std::shared_ptr<v1::Blobs::StubInterface> stub,
                           BlobTransferOptions options)
    : stub_(std::move(stub)), options_(std::move(options)) {
  if (options_.chunk_bytes == 0) options_.chunk_bytes = BlobTransferOptions().chunk_bytes;
  if (options_.min_bytes_per_s <= 0) options_.min_bytes_per_s = 1;
  [[maybe_unused]] const int r = sodium_init();
}

void BlobUploader::Cancel() {
  std::lock_guard<std::mutex> lock(mu_);
  cancelled_ = true;
  if (active_ != nullptr) active_->TryCancel();
  wake_.notify_all();
}

void BlobUploader::Prepare(grpc::ClientContext* context, std::chrono::milliseconds deadline) {
  context->set_deadline(std::chrono::system_clock::now() + deadline);
  if (!options_.bearer_token_hex.empty()) {
    context->AddMetadata("authorization", "Bearer " + options_.bearer_token_hex);
  }
}

std::chrono::milliseconds BlobUploader::TransferDeadline(uint64_t remaining) const {
  const auto per_rate =
      static_cast<int64_t>(remaining * 1000 / static_cast<uint64_t>(options_.min_bytes_per_s));
  return options_.transfer_base_deadline + std::chrono::milliseconds(per_rate);
}

bool BlobUploader::BackOff(std::chrono::milliseconds* backoff) {
  thread_local std::minstd_rand jitter(std::random_device{}());
  const auto wait = std::chrono::milliseconds(
      backoff->count() / 2 + static_cast<int64_t>(jitter() % (backoff->count() / 2 + 1)));
  *backoff = std::min(options_.max_backoff, *backoff * 2);
  std::unique_lock<std::mutex> lock(mu_);
  return !wake_.wait_for(lock, wait, [this] { return cancelled_.load(); });
}

bool BlobUploader::SetActive(grpc::ClientContext* context) {
  std::lock_guard<std::mutex> lock(mu_);
  if (context != nullptr && cancelled_) return false;
  active_ = context;
  return true;
}

grpc::Status BlobUploader::Probe(const std::string& sha256, const std::string& record_id,
                                 v1::BlobStatusResponse* response, TransferReport* report) {
  grpc::ClientContext context;
  Prepare(&context, options_.status_deadline);
  if (!SetActive(&context)) return {grpc::StatusCode::CANCELLED, "cancelled"};
  v1::BlobStatusRequest request;
  request.set_sha256(sha256);
  request.set_record_id(record_id);
  report->status_calls++;
  grpc::Status s = stub_->BlobStatus(&context, request, response);
  SetActive(nullptr);
  return s;
}

BlobUploader::PutOutcome BlobUploader::PutFrom(const std::string& sha256,
                                               const std::string& record_id,
                                               std::string_view content, uint64_t offset,
                                               uint32_t chunk, TransferReport* report) {
  PutOutcome out;
  grpc::ClientContext context;
  Prepare(&context, TransferDeadline(content.size() - offset));
  if (!SetActive(&context)) return {{grpc::StatusCode::CANCELLED, "cancelled"}, {}};
  report->transfer_calls++;
  report->call_offsets.push_back(offset);
  auto writer = stub_->PutBlob(&context, &out.response);
  v1::PutBlobRequest message;
  message.set_sha256(sha256);
  message.set_record_id(record_id);
  message.set_total_bytes(content.size());
  message.set_offset(offset);
  uint64_t pos = offset;
  do {  // at least one message, even with no data left (the server then verifies and stores)
    const size_t n = static_cast<size_t>(std::min<uint64_t>(chunk, content.size() - pos));
    message.set_data(content.data() + pos, n);
    if (!writer->Write(message)) break;  // the call ended: Finish() says why
    pos += n;
    report->data_bytes += n;
    message.clear_sha256();
    message.clear_record_id();
    message.clear_total_bytes();
    message.clear_offset();
  } while (pos < content.size());
  writer->WritesDone();
  out.status = writer->Finish();
  SetActive(nullptr);
  return out;
}

Result<TransferReport> BlobUploader::Upload(const std::string& sha256, const std::string& record_id,
                                            std::string_view content, bool never_sent) {
  if (sha256.size() != kShaBytes) return InvalidArgument("a blob is named by 32 bytes of SHA-256");
  if (content.empty()) return InvalidArgument("an attachment has at least one byte");
  if (Sha256Of(content) != sha256) {
    return InvalidArgument("the attachment on this device does not match its SHA-256; not sent");
  }
  const Status cancelled(StatusCode::kCancelled, "the upload was cancelled");
  TransferReport report;
  report.total_bytes = content.size();
  uint32_t chunk = options_.chunk_bytes;
  uint64_t offset = 0;  // where the next PutBlob starts: always an offset the server gave
  uint64_t acked = 0;   // the most the server has said it holds
  int fruitless = 0;    // tries in a row that did not move `acked`
  auto backoff = options_.initial_backoff;
  // Books a try that ended with the server at `server_offset`. False when it is time to
  // give up; backs off after a try that gained nothing.
  auto account = [&](uint64_t server_offset, bool gained_expected) -> bool {
    if (server_offset > acked) {
      acked = server_offset;
      fruitless = 0;
      backoff = options_.initial_backoff;
      return true;
    }
    if (!gained_expected) return true;
    if (++fruitless >= options_.max_attempts_without_progress) return false;
    return BackOff(&backoff);
  };
  bool probe = !never_sent;
  bool probed = false;         // the server's limits are known
  bool after_failure = false;  // the previous PutBlob or BlobStatus broke off
  for (;;) {
    if (cancelled_) return cancelled;
    if (probe) {
      v1::BlobStatusResponse st;
      const grpc::Status s = Probe(sha256, record_id, &st, &report);
      if (!s.ok()) {
        if (cancelled_) return cancelled;
        if (!IsTransient(s)) return FromGrpc(s);
        if (!account(acked, true)) return cancelled_ ? cancelled : GaveUp(acked, fruitless);
        after_failure = true;
        continue;
      }
      probed = true;
      if (st.complete()) {
        report.already_complete = report.transfer_calls == 0;
        return report;
      }
      if (st.max_blob_bytes() > 0 && content.size() > st.max_blob_bytes()) {
        return Status(StatusCode::kResourceExhausted, "the attachment has " +
                                                          std::to_string(content.size()) +
                                                          " bytes; the server accepts at most " +
                                                          std::to_string(st.max_blob_bytes()));
      }
      if (st.max_chunk_bytes() > 0) chunk = std::min(chunk, st.max_chunk_bytes());
      if (st.offset() > content.size()) {
        return Internal("the server holds more bytes than the attachment has");
      }
      if (!account(st.offset(), after_failure)) {
        return cancelled_ ? cancelled : GaveUp(acked, fruitless);
      }
      offset = st.offset();
      probe = false;
    }
    PutOutcome put = PutFrom(sha256, record_id, content, offset, chunk, &report);
    if (put.status.ok()) {
      if (put.response.complete()) return report;
      if (put.response.offset() > content.size()) {
        return Internal("the server holds more bytes than the attachment has");
      }
      // The server was elsewhere (offset_mismatch) or the call ended early: resume there.
      if (!account(put.response.offset(), true)) {
        return cancelled_ ? cancelled : GaveUp(acked, fruitless);
      }
      offset = put.response.offset();
      after_failure = false;
      continue;
    }
    if (cancelled_) return cancelled;
    if (put.status.error_code() == grpc::StatusCode::INVALID_ARGUMENT && !probed) {
      probe = true;  // started blind: learn the server's limits (chunk size) and try again
      continue;
    }
    if (!IsTransient(put.status)) return FromGrpc(put.status);
    probe = true;  // the server kept some of what was sent: ask how much
    after_failure = true;
  }
}

grpc::Status BlobUploader::GetFrom(const std::string& sha256, const std::string& record_id,
                                   const std::string& part_path, uint64_t* offset, uint64_t* total,
                                   TransferReport* report) {
  grpc::ClientContext context;
  // Until the first answer the size is unknown: guess 1 MiB. A deadline that proves short
  // only ends the call; the next one resumes where it stopped.
  Prepare(&context, TransferDeadline(*total > *offset ? *total - *offset : 1u << 20));
  if (!SetActive(&context)) return {grpc::StatusCode::CANCELLED, "cancelled"};
  report->transfer_calls++;
  report->call_offsets.push_back(*offset);
  v1::GetBlobRequest request;
  request.set_sha256(sha256);
  request.set_record_id(record_id);
  request.set_offset(*offset);
  auto reader = stub_->GetBlob(&context, request);
  FILE* part = std::fopen(part_path.c_str(), "ab");
  grpc::Status bad = grpc::Status::OK;
  v1::GetBlobResponse chunk;
  while (part != nullptr && reader->Read(&chunk)) {
    if (chunk.offset() != *offset || chunk.total_bytes() > options_.max_download_bytes ||
        chunk.data().size() > chunk.total_bytes() - std::min(chunk.total_bytes(), *offset)) {
      bad = {grpc::StatusCode::INTERNAL, "the server sent an inconsistent chunk"};
      context.TryCancel();
      break;
    }
    *total = chunk.total_bytes();
    if (std::fwrite(chunk.data().data(), 1, chunk.data().size(), part) != chunk.data().size()) {
      bad = {grpc::StatusCode::RESOURCE_EXHAUSTED, "cannot write the attachment on this device"};
      context.TryCancel();
      break;
    }
    *offset += chunk.data().size();
    report->data_bytes += chunk.data().size();
  }
  grpc::Status s = reader->Finish();
  if (part != nullptr) {
    std::fflush(part);
    fsync(fileno(part));
    std::fclose(part);
  } else {
    bad = {grpc::StatusCode::RESOURCE_EXHAUSTED, "cannot write " + part_path};
  }
  SetActive(nullptr);
  return bad.ok() ? s : bad;
}

Result<TransferReport> BlobUploader::Download(const std::string& sha256,
                                              const std::string& record_id,
                                              const std::string& path) {
  if (sha256.size() != kShaBytes) return InvalidArgument("a blob is named by 32 bytes of SHA-256");
  const std::string part = path + ".part";
  TransferReport report;
  uint64_t offset = FileSize(part);
  uint64_t total = 0;
  int fruitless = 0;
  auto backoff = options_.initial_backoff;
  for (;;) {
    if (cancelled_) return Status(StatusCode::kCancelled, "the download was cancelled");
    const uint64_t before = offset;
    grpc::Status s = GetFrom(sha256, record_id, part, &offset, &total, &report);
    report.total_bytes = total;
    if (s.ok() && offset == total) {
      Result<std::string> digest = Sha256OfFile(part);
      if (!digest.ok()) return digest.status();
      if (*digest != sha256) {
        std::remove(part.c_str());  // start clean next time
        return InvalidArgument("the downloaded attachment does not match its SHA-256");
      }
      if (std::rename(part.c_str(), path.c_str()) != 0) {
        return Status(StatusCode::kUnavailable, "cannot store the attachment at " + path);
      }
      return report;
    }
    if (s.error_code() == grpc::StatusCode::INVALID_ARGUMENT && before > 0 && offset == before) {
      std::remove(part.c_str());  // a stale or foreign partial file: start again from zero
      offset = 0;
      continue;
    }
    if (cancelled_) return Status(StatusCode::kCancelled, "the download was cancelled");
    if (!s.ok() && !IsTransient(s)) return FromGrpc(s);
    if (offset > before) {
      fruitless = 0;
      backoff = options_.initial_backoff;
      continue;
    }
    if (++fruitless >= options_.max_attempts_without_progress) return GaveUp(offset, fruitless);
    BackOff(&backoff);
  }
}

}  // namespace homevisit::sync
