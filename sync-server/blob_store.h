// BlobStore: attachments (photos, signatures) as content-addressed files under the server's
// data directory. The central database holds only references (blob_sha256 field values);
// the bytes live here.
//
// Layout under <dir>/blobs:
//   partial/<hex sha256>          an unfinished upload: the first N bytes of the blob
//   complete/<hh>/<hex sha256>    a verified blob (hh = first two hex digits)
//
// Life of a blob (one per SHA-256):
//   ABSENT --Append(offset 0)--> PARTIAL --Append(...)--> PARTIAL
//   PARTIAL --Append reaching total, hash matches--> COMPLETE  (fsync file, rename, fsync dir)
//   PARTIAL --Append reaching total, hash differs--> ABSENT    (partial removed; nothing kept)
//   PARTIAL/COMPLETE --RemoveUnreferenced--> ABSENT
// Invariants:
//  1. A file under complete/ always holds exactly the bytes whose SHA-256 is its name: it
//     only gets there by rename after the whole content was hashed and fsynced.
//  2. The bytes a partial upload holds are its file's size; an append is accepted only at
//     exactly that offset, so two uploads of one blob (a stale call after a cut and its
//     retry) can never interleave or leave a gap.
//  3. A partial file survives a server restart; SyncPartial (called when an upload call
//     ends, normally or cut) makes it survive power loss too. A torn tail after a crash is
//     caught by the hash check of invariant 1 and costs one re-upload, never a bad blob.
// Thread-safe: operations on one blob are serialised by a striped lock.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace homevisit::server {

struct BlobStoreOptions {
  std::string dir;                        // the server's data directory; created if missing
  uint64_t max_blob_bytes = 10ull << 20;  // largest blob accepted, bytes
};

// What the store holds of one blob.
struct BlobState {
  uint64_t offset = 0;    // bytes held, counted from the start; the blob's size if complete
  bool complete = false;  // stored whole and verified
};

// A blob file, as the unreferenced-blob listing reports it.
struct StoredBlob {
  std::string sha256;       // 32 raw bytes
  uint64_t bytes = 0;       // file size
  bool complete = false;    // false for an unfinished upload
  int64_t modified_ms = 0;  // last write, milliseconds since the Unix epoch
};

class BlobStore {
 public:
  // Creates <dir>/blobs/{partial,complete} if needed. Fails (kUnavailable) if the directory
  // cannot be created or written.
  static Result<std::unique_ptr<BlobStore>> Open(const BlobStoreOptions& options);

  uint64_t max_blob_bytes() const { return options_.max_blob_bytes; }

  // What the store holds of `sha256` (32 raw bytes; kInvalidArgument otherwise).
  Result<BlobState> State(std::string_view sha256);

  // Appends `data` to the upload of the blob `sha256` whose whole size is `total_bytes`,
  // at `offset`. Fails, storing nothing, with:
  //   kInvalidArgument    a malformed hash, total_bytes 0, or data running past total_bytes;
  //   kResourceExhausted  total_bytes over max_blob_bytes (the message names both), or a full disk;
  //   kFailedPrecondition offset differs from the bytes held (the caller should ask State);
  //   kAlreadyExists      the blob is already complete (nothing to do: not an error to a client).
  // When the bytes held reach total_bytes the blob is verified: a match makes it complete;
  // a mismatch removes the upload and fails with kInvalidArgument. Returns the new state.
  Result<BlobState> Append(std::string_view sha256, uint64_t total_bytes, uint64_t offset,
                           std::string_view data);

  // Flushes an unfinished upload to stable storage. A no-op for an absent or complete blob.
  Status SyncPartial(std::string_view sha256);

  // Up to `max_bytes` of a complete blob from `offset`. kNotFound if not complete;
  // kInvalidArgument if offset is past the end (at the end it returns "").
  Result<std::string> Read(std::string_view sha256, uint64_t offset, size_t max_bytes);

  // Blob files (complete and partial) whose hash is not in `referenced` and that were last
  // written before `older_than_ms` (milliseconds since the Unix epoch). The age guard
  // keeps a blob whose referencing record is being pushed while the referenced set is read.
  Result<std::vector<StoredBlob>> ListUnreferenced(const std::set<std::string>& referenced,
                                                   int64_t older_than_ms);
  // Removes what ListUnreferenced lists, re-checking each file under its lock; returns the
  // removed ones.
  Result<std::vector<StoredBlob>> RemoveUnreferenced(const std::set<std::string>& referenced,
                                                     int64_t older_than_ms);

 private:
  explicit BlobStore(BlobStoreOptions options) : options_(std::move(options)) {}
  std::string PartialPath(std::string_view hex) const;
  std::string CompletePath(std::string_view hex) const;
  std::mutex& LockFor(std::string_view sha256);
  Result<BlobState> StateLocked(const std::string& hex);
  Result<BlobState> Finish(const std::string& hex, std::string_view sha256, uint64_t total);

  BlobStoreOptions options_;
  std::string root_;  // <dir>/blobs
  std::array<std::mutex, 64> stripes_;
};

// Lower-case hex of a 32-byte SHA-256; "" if the input is not 32 bytes.
std::string Sha256Hex(std::string_view sha256);
// The 32 raw bytes of a 64-digit hex SHA-256; "" if malformed.
std::string Sha256FromHex(std::string_view hex);

}  // namespace homevisit::server
