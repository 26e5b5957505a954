#include "sync-server/blob_access.h"

#include <sodium.h>

#include <chrono>

#include "core/scope.h"

namespace homevisit::server {
namespace {

constexpr size_t kTokenBytes = 32;
constexpr std::string_view kBearer = "Bearer ";

// Lower- or upper-case hex to bytes; false if malformed.
bool DecodeHex(std::string_view hex, std::string* out) {
  if (hex.size() % 2 != 0) return false;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  out->assign(hex.size() / 2, '\0');
  for (size_t i = 0; i < out->size(); ++i) {
    const int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    (*out)[i] = static_cast<char>(hi << 4 | lo);
  }
  return true;
}

// The database keeps only the SHA-256 of a device token (see sync-server/auth.h).
std::string Digest(std::string_view token) {
  std::string d(crypto_hash_sha256_BYTES, '\0');
  crypto_hash_sha256(reinterpret_cast<unsigned char*>(d.data()),
                     reinterpret_cast<const unsigned char*>(token.data()), token.size());
  return d;
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void CollectBlobs(const Value& value, std::set<std::string>* out) {
  if (const BlobRef* ref = value.get_if<BlobRef>()) {
    out->insert(ref->sha256);
  } else if (const Rows* rows = value.get_if<Rows>()) {
    for (const Row& row : rows->rows) {
      for (const Cell& cell : row.cells) CollectBlobs(cell.value, out);
    }
  }
}

}  // namespace

Result<BlobCaller> StorageBlobAccess::Authenticate(grpc::ServerContext* context) {
  const auto& metadata = context->client_metadata();
  auto it = metadata.find("authorization");
  if (it == metadata.end()) {
    return Status(StatusCode::kUnauthenticated,
                  "missing 'authorization: Bearer <token>' metadata; log in first");
  }
  const std::string_view header(it->second.data(), it->second.size());
  std::string token;
  if (header.substr(0, kBearer.size()) != kBearer ||
      header.size() != kBearer.size() + 2 * kTokenBytes ||
      !DecodeHex(header.substr(kBearer.size()), &token)) {
    return Status(StatusCode::kUnauthenticated,
                  "malformed authorization: expected 'Bearer ' and 64 hex digits");
  }
  auto device = storage_.FindDeviceByToken(Digest(token));
  if (!device.ok()) return device.status();
  if (!*device) return Status(StatusCode::kUnauthenticated, "unknown device token; log in again");
  if ((*device)->revoked) {
    return Status(StatusCode::kUnauthenticated, "this device was revoked by an operator");
  }
  auto user = storage_.GetUser((*device)->user_id);
  if (!user.ok()) return user.status();
  if (!*user) return Status(StatusCode::kUnauthenticated, "the device's user no longer exists");
  if ((*user)->disabled) return Status(StatusCode::kUnauthenticated, "this account is disabled");
  return BlobCaller{(*user)->name, (*user)->scopes};
}

Result<bool> StorageBlobAccess::MayRead(const BlobCaller& caller, const std::string& sha256,
                                        const std::string& record_id) {
  const std::optional<Uuid> id = Uuid::FromBytes(record_id);
  if (!id) return false;
  auto record = storage_.GetRecord(*id);
  if (!record.ok()) return record.status();
  if (!*record || (*record)->deleted()) return false;
  if (!AnyScopeCovers(caller.scopes, (*record)->scope)) return false;
  for (const auto& [name, version] : (*record)->fields) {
    if (ValueReferencesBlob(version.value, sha256)) return true;
  }
  return false;
}

Result<BlobServing> OpenBlobServing(Storage& storage, const BlobServingOptions& options) {
  if (options.blob_dir.empty()) return InvalidArgument("give a directory for attachments");
  BlobStoreOptions so;
  so.dir = options.blob_dir;
  so.max_blob_bytes = options.max_blob_bytes;
  auto store = BlobStore::Open(so);
  if (!store.ok()) return store.status();
  BlobServing serving;
  serving.store = std::move(store).value();
  serving.access = std::make_unique<StorageBlobAccess>(storage);
  BlobServiceOptions service_options;
  service_options.max_chunk_bytes = options.max_chunk_bytes;
  serving.service = std::make_unique<BlobService>(serving.store.get(), serving.access.get(),
                                                  service_options);
  return serving;
}

bool ValueReferencesBlob(const Value& value, const std::string& sha256) {
  std::set<std::string> found;
  CollectBlobs(value, &found);
  return found.count(sha256) > 0;
}

Result<std::set<std::string>> ReferencedBlobs(Storage& storage) {
  auto scopes = storage.ListScopes();
  if (!scopes.ok()) return scopes.status();
  std::vector<std::string> roots;
  for (const ScopeRow& s : *scopes) {
    if (ScopeDepth(s.path) == 1) roots.push_back(s.path);
  }
  std::set<std::string> referenced;
  uint64_t after = 0;
  for (;;) {
    auto page = storage.ReadChanges(roots, after, 5000);
    if (!page.ok()) return page.status();
    if (page->empty()) break;
    for (const Change& c : *page) {
      CollectBlobs(c.version.value, &referenced);
      after = c.seq;
    }
  }
  return referenced;
}

Result<std::vector<StoredBlob>> CollectUnreferencedBlobs(Storage& storage, BlobStore& store,
                                                         int64_t min_age_ms, bool dry_run) {
  if (min_age_ms < 0) return InvalidArgument("the minimum age must not be negative");
  auto referenced = ReferencedBlobs(storage);
  if (!referenced.ok()) return referenced.status();
  const int64_t older_than = NowMs() - min_age_ms;
  return dry_run ? store.ListUnreferenced(*referenced, older_than)
                 : store.RemoveUnreferenced(*referenced, older_than);
}

}  // namespace homevisit::server
