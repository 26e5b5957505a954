// `homevisit-server blobs-gc`: lists (and with --delete removes) attachment files that no
// record references, and where attachments live by default (shared with `serve`).
#include <chrono>
#include <iostream>

#include "sync-server/blob_access.h"
#include "sync-server/blob_store.h"
#include "sync-server/cli.h"

namespace homevisit::server {

namespace {

constexpr char kDefaultDb[] = "sqlite:homevisit.db";

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Result<std::string> BlobDirOption(const Args& args) {
  if (auto dir = args.Get("--blob-dir")) {
    if (dir->empty()) return InvalidArgument("--blob-dir needs a directory");
    return *dir;
  }
  const std::string url = args.Get("--db").value_or(kDefaultDb);
  if (url.rfind("sqlite:", 0) == 0 && url.size() > 7) return url.substr(7) + ".blobs";
  return InvalidArgument(
      "with a PostgreSQL database give --blob-dir DIR: attachments are files, and every "
      "server instance must see the same directory");
}

Status RunBlobsGc(const Args& args, CliIo& io) {
  auto dir = BlobDirOption(args);
  if (!dir.ok()) return dir.status();
  auto hours = args.GetInt("--min-age-hours", 24, 0, 24 * 365);
  if (!hours.ok()) return hours.status();
  const bool remove = args.Has("--delete");
  auto storage = OpenDatabase(args);
  if (!storage.ok()) return storage.status();
  BlobStoreOptions options;
  options.dir = *dir;
  auto store = BlobStore::Open(options);
  if (!store.ok()) return store.status();
  const int64_t min_age_ms = *hours * 3600 * 1000;
  auto blobs = CollectUnreferencedBlobs(**storage, **store, min_age_ms, /*dry_run=*/!remove);
  if (!blobs.ok()) return blobs.status();
  uint64_t bytes = 0;
  for (const StoredBlob& b : *blobs) {
    bytes += b.bytes;
    io.out << Sha256Hex(b.sha256) << "  " << b.bytes << " bytes  "
           << (b.complete ? "complete" : "unfinished upload") << "  age "
           << (NowMs() - b.modified_ms) / 3'600'000 << " h\n";
  }
  io.out << (remove ? "removed " : "unreferenced ") << blobs->size() << " attachment file(s), "
         << bytes << " bytes"
         << (remove || blobs->empty() ? "" : "; run again with --delete to remove them") << "\n";
  return Status::Ok();
}

}  // namespace homevisit::server
