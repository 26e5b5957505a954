#include "sync-server/blob_store.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/hex.h"

namespace homevisit::server {
namespace {

namespace fs = std::filesystem;

constexpr size_t kShaBytes = 32;

Status IoError(const std::string& what, int err) {
  if (err == ENOSPC || err == EDQUOT) {
    return {StatusCode::kResourceExhausted, "the server's disk is full (" + what + ")"};
  }
  return {StatusCode::kUnavailable, what + ": " + std::strerror(err)};
}

// Makes a rename or a new directory entry in `dir` durable.
void SyncDirectory(const std::string& dir) {
  const int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  fsync(fd);
  close(fd);
}

bool WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// SHA-256 of a whole file, streaming.
Result<std::string> HashFile(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return IoError("cannot read " + path, errno);
  crypto_hash_sha256_state state;
  crypto_hash_sha256_init(&state);
  std::string buf(64 * 1024, '\0');
  for (;;) {
    const ssize_t n = read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      close(fd);
      return IoError("cannot read " + path, err);
    }
    if (n == 0) break;
    crypto_hash_sha256_update(&state, reinterpret_cast<const unsigned char*>(buf.data()),
                              static_cast<unsigned long long>(n));
  }
  close(fd);
  std::string digest(kShaBytes, '\0');
  crypto_hash_sha256_final(&state, reinterpret_cast<unsigned char*>(digest.data()));
  return digest;
}

int64_t ModifiedMs(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1'000'000;
}

Status CheckSha(std::string_view sha256) {
  if (sha256.size() != kShaBytes) {
    return InvalidArgument("a blob is named by its SHA-256: 32 bytes, not " +
                           std::to_string(sha256.size()));
  }
  return Status::Ok();
}

}  // namespace

std::string Sha256Hex(std::string_view sha256) {
  return sha256.size() == kShaBytes ? ToHex(sha256) : "";
}

std::string Sha256FromHex(std::string_view hex) {
  // Only lower case: upper case is not a name the store writes.
  std::string raw;
  if (hex.size() != 2 * kShaBytes || hex.find_first_of("ABCDEF") != std::string_view::npos ||
      !FromHex(hex, &raw)) {
    return "";
  }
  return raw;
}

Result<std::unique_ptr<BlobStore>> BlobStore::Open(const BlobStoreOptions& options) {
  if (sodium_init() < 0) return Internal("libsodium failed to initialise");
  if (options.dir.empty()) return InvalidArgument("the blob store needs a data directory");
  if (options.max_blob_bytes == 0) return InvalidArgument("max_blob_bytes must be positive");
  std::unique_ptr<BlobStore> store(new BlobStore(options));
  store->root_ = (fs::path(options.dir) / "blobs").string();
  std::error_code ec;
  fs::create_directories(fs::path(store->root_) / "partial", ec);
  if (!ec) fs::create_directories(fs::path(store->root_) / "complete", ec);
  if (ec) {
    return Status(StatusCode::kUnavailable,
                  "cannot create the blob directory " + store->root_ + ": " + ec.message());
  }
  if (access(store->PartialPath("").c_str(), W_OK) != 0) {
    return IoError("cannot write to " + store->root_, errno);
  }
  return store;
}

std::string BlobStore::PartialPath(std::string_view hex) const {
  return root_ + "/partial/" + std::string(hex);
}

std::string BlobStore::CompletePath(std::string_view hex) const {
  if (hex.empty()) return root_ + "/complete/";
  return root_ + "/complete/" + std::string(hex.substr(0, 2)) + "/" + std::string(hex);
}

std::mutex& BlobStore::LockFor(std::string_view sha256) {
  return stripes_[static_cast<unsigned char>(sha256[0]) % stripes_.size()];
}

Result<BlobState> BlobStore::StateLocked(const std::string& hex) {
  struct stat st;
  if (stat(CompletePath(hex).c_str(), &st) == 0) {
    return BlobState{static_cast<uint64_t>(st.st_size), true};
  }
  if (stat(PartialPath(hex).c_str(), &st) == 0) {
    return BlobState{static_cast<uint64_t>(st.st_size), false};
  }
  if (errno != ENOENT) return IoError("cannot inspect a blob", errno);
  return BlobState{};
}

Result<BlobState> BlobStore::State(std::string_view sha256) {
  if (Status s = CheckSha(sha256); !s.ok()) return s;
  std::lock_guard<std::mutex> lock(LockFor(sha256));
  return StateLocked(Sha256Hex(sha256));
}

Result<BlobState> BlobStore::Append(std::string_view sha256, uint64_t total_bytes, uint64_t offset,
                                    std::string_view data) {
  if (Status s = CheckSha(sha256); !s.ok()) return s;
  if (total_bytes == 0) return InvalidArgument("a blob has at least one byte");
  if (total_bytes > options_.max_blob_bytes) {
    return Status(StatusCode::kResourceExhausted,
                  "a blob of " + std::to_string(total_bytes) +
                      " bytes is larger than this server accepts (" +
                      std::to_string(options_.max_blob_bytes) + " bytes)");
  }
  if (offset > total_bytes || data.size() > total_bytes - offset) {
    return InvalidArgument("the upload runs past the blob's declared size of " +
                           std::to_string(total_bytes) + " bytes");
  }
  const std::string hex = Sha256Hex(sha256);
  std::lock_guard<std::mutex> lock(LockFor(sha256));
  Result<BlobState> held = StateLocked(hex);
  if (!held.ok()) return held;
  if (held->complete) return Status(StatusCode::kAlreadyExists, "the blob is already stored");
  if (held->offset != offset) {
    return FailedPrecondition("the upload continues at byte " + std::to_string(offset) +
                              " but the server holds " + std::to_string(held->offset));
  }
  if (!data.empty()) {
    const std::string path = PartialPath(hex);
    const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) return IoError("cannot write a blob", errno);
    if (!WriteAll(fd, data)) {
      const int err = errno;
      // Take back a half-written chunk so invariant 2 holds: the size is what was accepted.
      [[maybe_unused]] const int r = ftruncate(fd, static_cast<off_t>(offset));
      close(fd);
      return IoError("cannot write a blob", err);
    }
    close(fd);
    if (offset == 0) SyncDirectory(root_ + "/partial");
  }
  const uint64_t now_held = offset + data.size();
  if (now_held == total_bytes) return Finish(hex, sha256, total_bytes);
  return BlobState{now_held, false};
}

Result<BlobState> BlobStore::Finish(const std::string& hex, std::string_view sha256,
                                    uint64_t total) {
  const std::string partial = PartialPath(hex);
  Result<std::string> digest = HashFile(partial);
  if (!digest.ok()) return digest.status();
  if (*digest != sha256) {
    unlink(partial.c_str());
    return InvalidArgument("the uploaded bytes do not match their SHA-256; nothing was stored");
  }
  const int fd = open(partial.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 || fsync(fd) != 0) {
    const int err = errno;
    if (fd >= 0) close(fd);
    return IoError("cannot flush a blob", err);
  }
  close(fd);
  const std::string final_path = CompletePath(hex);
  const std::string final_dir = final_path.substr(0, final_path.rfind('/'));
  std::error_code ec;
  fs::create_directories(final_dir, ec);
  if (ec || rename(partial.c_str(), final_path.c_str()) != 0) {
    return IoError("cannot store a blob", ec ? ec.value() : errno);
  }
  SyncDirectory(final_dir);
  SyncDirectory(root_ + "/partial");
  return BlobState{total, true};
}

Status BlobStore::SyncPartial(std::string_view sha256) {
  if (Status s = CheckSha(sha256); !s.ok()) return s;
  std::lock_guard<std::mutex> lock(LockFor(sha256));
  const int fd = open(PartialPath(Sha256Hex(sha256)).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::Ok();  // absent or completed meanwhile
  const bool ok = fsync(fd) == 0;
  const int err = errno;
  close(fd);
  return ok ? Status::Ok() : IoError("cannot flush an upload", err);
}

Result<std::string> BlobStore::Read(std::string_view sha256, uint64_t offset, size_t max_bytes) {
  if (Status s = CheckSha(sha256); !s.ok()) return s;
  const int fd = open(CompletePath(Sha256Hex(sha256)).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return NotFound("the server does not hold this blob (yet)");
    return IoError("cannot read a blob", errno);
  }
  struct stat st;
  fstat(fd, &st);
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  if (offset > size) {
    close(fd);
    return InvalidArgument("offset " + std::to_string(offset) + " is past the blob's end (" +
                           std::to_string(size) + " bytes)");
  }
  std::string out(static_cast<size_t>(std::min<uint64_t>(max_bytes, size - offset)), '\0');
  size_t got = 0;
  while (got < out.size()) {
    const ssize_t n =
        pread(fd, out.data() + got, out.size() - got, static_cast<off_t>(offset + got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = n < 0 ? errno : EIO;
      close(fd);
      return IoError("cannot read a blob", err);
    }
    got += static_cast<size_t>(n);
  }
  close(fd);
  return out;
}

Result<std::vector<StoredBlob>> BlobStore::ListUnreferenced(const std::set<std::string>& referenced,
                                                            int64_t older_than_ms) {
  std::vector<StoredBlob> out;
  auto visit = [&](const fs::path& file, bool complete) {
    const std::string sha = Sha256FromHex(file.filename().string());
    if (sha.empty() || referenced.count(sha) > 0) return;  // not ours, or still needed
    struct stat st;
    if (stat(file.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return;
    if (ModifiedMs(st) >= older_than_ms) return;
    out.push_back({sha, static_cast<uint64_t>(st.st_size), complete, ModifiedMs(st)});
  };
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(fs::path(root_) / "partial", ec)) {
    visit(e.path(), false);
  }
  if (ec) return IoError("cannot list uploads", ec.value());
  for (const auto& e : fs::recursive_directory_iterator(fs::path(root_) / "complete", ec)) {
    if (e.is_regular_file()) visit(e.path(), true);
  }
  if (ec) return IoError("cannot list blobs", ec.value());
  return out;
}

Result<std::vector<StoredBlob>> BlobStore::RemoveUnreferenced(
    const std::set<std::string>& referenced, int64_t older_than_ms) {
  Result<std::vector<StoredBlob>> candidates = ListUnreferenced(referenced, older_than_ms);
  if (!candidates.ok()) return candidates;
  std::vector<StoredBlob> removed;
  for (const StoredBlob& b : *candidates) {
    const std::string hex = Sha256Hex(b.sha256);
    const std::string path = b.complete ? CompletePath(hex) : PartialPath(hex);
    std::lock_guard<std::mutex> lock(LockFor(b.sha256));
    struct stat st;
    // An upload that wrote since the listing is alive again: leave it.
    if (stat(path.c_str(), &st) != 0 || ModifiedMs(st) >= older_than_ms) continue;
    if (unlink(path.c_str()) == 0) removed.push_back(b);
  }
  return removed;
}

}  // namespace homevisit::server
