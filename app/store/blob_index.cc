// Attachments and settings of the device store (see device_store.h and schema.cc, version 2).
//
// Invariants:
//  1. A device_blob row exists only for a file at BlobPath() holding the whole, verified
//     blob: the caller writes (and fsyncs) the file before the row, and a download stays
//     "<path>.part" until its hash is checked.
//  2. uploaded = 1 only after the server said it holds the whole blob.
#include <sys/stat.h>

#include <filesystem>
#include <set>
#include <tuple>

#include "app/store/device_store.h"
#include "app/store/store_internal.h"
#include "app/store/value_codec.h"
#include "core/hex.h"

namespace homevisit::store {

namespace {

namespace fs = std::filesystem;

constexpr size_t kShaBytes = 32;

// The serialized protocol Value starts with its oneof tag: blob_sha256 (field 9) or rows
// (field 10), both length-delimited. Other values cannot hold a blob reference, so a scan
// decodes only these (MayHoldBlob). Outbox entries with such a value, or groups with such
// a field, have has_blobs = 1, the condition of the partial index outbox_entry_blobs
// (schema.cc), so the scan reads only them; confirmed records with such a field have
// has_blobs = 1 too (index record_with_blobs).
constexpr char kMayHoldBlobSql[] = "has_blobs = 1";

// The values of one outbox entry's field writes that may hold a blob reference.
std::vector<std::string_view> BlobValuesOf(std::string_view name, std::string_view value) {
  std::vector<StoredField> fields;
  std::vector<std::string_view> out;
  if (!EntryFields(name, value, 0, 0, &fields).ok()) return out;  // damaged: holds none
  for (const StoredField& f : fields) {
    if (MayHoldBlob(f.value)) out.push_back(f.value);
  }
  return out;
}

void CollectBlobs(const Value& value, std::vector<std::string>* out) {
  if (const BlobRef* ref = value.get_if<BlobRef>()) {
    out->push_back(ref->sha256);
  } else if (const Rows* rows = value.get_if<Rows>()) {
    for (const Row& row : rows->rows) {
      for (const Cell& cell : row.cells) CollectBlobs(cell.value, out);
    }
  }
}

bool References(std::string_view encoded, const std::string& sha256) {
  auto value = DecodeValue(encoded);
  if (!value.ok()) return false;
  std::vector<std::string> found;
  CollectBlobs(*value, &found);
  for (const auto& f : found) {
    if (f == sha256) return true;
  }
  return false;
}

Status CheckSha(const std::string& sha256) {
  if (sha256.size() != kShaBytes) return InvalidArgument("an attachment is named by 32 bytes of SHA-256");
  return Status::Ok();
}

}  // namespace

std::string DeviceStore::BlobDir() const {
  const fs::path parent = fs::path(path_).parent_path();
  return (parent.empty() ? fs::path("attachments") : parent / "attachments").string();
}

std::string DeviceStore::BlobPath(std::string_view sha256) const {
  return (fs::path(BlobDir()) / ToHex(sha256)).string();
}

Status DeviceStore::AttachBlob(const Uuid& id, const std::string& field, const std::string& sha256,
                               uint64_t bytes) {
  if (Status s = CheckSha(sha256); !s.ok()) return s;
  struct stat st;
  if (stat(BlobPath(sha256).c_str(), &st) != 0 || static_cast<uint64_t>(st.st_size) != bytes) {
    return FailedPrecondition("the attachment's file is not in " + BlobDir());
  }
  std::lock_guard lock(mu_);
  if (clock_.node() == 0) return FailedPrecondition("log in before writing");
  Transaction txn(db_);
  if (Status s = txn.Begin(); !s.ok()) return s;
  if (Status s = WriteFields(id, {{field, Value(BlobRef{sha256})}}, clock_.Now()); !s.ok()) return s;
  // The same photo attached again keeps its row; an unsent one now goes with this record.
  auto note = db_.Cached(
      "INSERT INTO device_blob(sha256, bytes, record_id, uploaded, added_ms) "
      "VALUES (?, ?, ?, 0, ?) ON CONFLICT(sha256) DO UPDATE SET record_id = excluded.record_id "
      "WHERE uploaded = 0");
  if (!note.ok()) return note.status();
  note->BindBlob(1, sha256).Bind(2, static_cast<int64_t>(bytes)).BindBlob(3, id.AsBytes());
  note->Bind(4, WallNow());
  if (Status s = note->Run(); !s.ok()) return s;
  if (Status s = SaveClock(); !s.ok()) return s;
  return txn.Commit();
}

Status DeviceStore::AdoptWrittenBlobs() {
  auto q = db_.Cached(std::string("SELECT record_id, value, name FROM outbox_entry WHERE ") +
                      kMayHoldBlobSql);
  auto note = db_.Cached(
      "INSERT INTO device_blob(sha256, bytes, record_id, uploaded, added_ms) "
      "VALUES (?, ?, ?, 0, ?) ON CONFLICT(sha256) DO NOTHING");
  if (!q.ok()) return q.status();
  if (!note.ok()) return note.status();
  std::vector<std::tuple<std::string, std::string, uint64_t>> found;  // sha, record, bytes
  for (;;) {
    auto row = q->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    std::vector<std::string> shas;
    for (std::string_view encoded : BlobValuesOf(q->BlobView(2), q->BlobView(1))) {
      auto value = DecodeValue(encoded);
      if (value.ok()) CollectBlobs(*value, &shas);
    }
    for (const std::string& sha : shas) {
      struct stat st;
      if (sha.size() != kShaBytes || stat(BlobPath(sha).c_str(), &st) != 0) continue;
      found.emplace_back(sha, q->Blob(0), static_cast<uint64_t>(st.st_size));
    }
  }
  q->Reset();
  for (const auto& [sha, record, bytes] : found) {
    note->Reset();
    note->BindBlob(1, sha).Bind(2, static_cast<int64_t>(bytes)).BindBlob(3, record);
    note->Bind(4, WallNow());
    if (Status s = note->Run(); !s.ok()) return s;
  }
  return Status::Ok();
}

Result<std::vector<LocalBlob>> DeviceStore::BlobsToUpload() {
  std::lock_guard lock(mu_);
  if (Status s = AdoptWrittenBlobs(); !s.ok()) return s;
  auto q = db_.Cached(
      "SELECT b.sha256, b.bytes, b.record_id FROM device_blob b WHERE b.uploaded = 0 "
      "AND b.record_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM outbox_entry o "
      "WHERE o.record_id = b.record_id AND o.seq > (SELECT answered_through FROM sync_state "
      "WHERE id = 1)) ORDER BY b.added_ms");
  if (!q.ok()) return q.status();
  std::vector<LocalBlob> out;
  for (;;) {
    auto row = q->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    auto id = Uuid::FromBytes(q->BlobView(2));
    if (!id) continue;
    out.push_back({q->Blob(0), static_cast<uint64_t>(q->Int(1)), *id, false});
  }
  return out;
}

Status DeviceStore::MarkBlobUploaded(const std::string& sha256) {
  std::lock_guard lock(mu_);
  auto q = db_.Cached("UPDATE device_blob SET uploaded = 1 WHERE sha256 = ?");
  if (!q.ok()) return q.status();
  q->BindBlob(1, sha256);
  return q->Run();
}

Status DeviceStore::NoteFetchedBlob(const std::string& sha256, uint64_t bytes,
                                    const Uuid& record_id) {
  if (Status s = CheckSha(sha256); !s.ok()) return s;
  std::lock_guard lock(mu_);
  auto q = db_.Cached(
      "INSERT INTO device_blob(sha256, bytes, record_id, uploaded, added_ms) "
      "VALUES (?, ?, ?, 1, ?) ON CONFLICT(sha256) DO UPDATE SET uploaded = 1");
  if (!q.ok()) return q.status();
  q->BindBlob(1, sha256).Bind(2, static_cast<int64_t>(bytes)).BindBlob(3, record_id.AsBytes());
  q->Bind(4, WallNow());
  return q->Run();
}

Result<std::optional<LocalBlob>> DeviceStore::FindLocalBlob(const std::string& sha256) {
  std::lock_guard lock(mu_);
  auto q = db_.Cached("SELECT bytes, record_id, uploaded FROM device_blob WHERE sha256 = ?");
  if (!q.ok()) return q.status();
  q->BindBlob(1, sha256);
  auto row = q->Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<LocalBlob>();
  LocalBlob blob{sha256, static_cast<uint64_t>(q->Int(0)), Uuid(), q->Int(2) != 0};
  if (auto id = Uuid::FromBytes(q->BlobView(1))) blob.record_id = *id;
  return std::optional<LocalBlob>(blob);
}

Result<std::optional<Uuid>> DeviceStore::RecordReferencingBlob(const std::string& sha256) {
  if (Status s = CheckSha(sha256); !s.ok()) return s;
  std::lock_guard lock(mu_);
  // Confirmed records first: decode those whose blob holds the hash at all.
  auto confirmed = db_.Cached(
      "SELECT id, fields FROM record WHERE has_blobs = 1 AND instr(fields, ?) > 0");
  if (!confirmed.ok()) return confirmed.status();
  confirmed->BindBlob(1, sha256);
  std::vector<StoredField> fields;
  for (;;) {
    auto row = confirmed->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    if (!DecodeFields(confirmed->BlobView(1), &fields).ok()) continue;
    for (const StoredField& f : fields) {
      if (!MayHoldBlob(f.value) || !References(f.value, sha256)) continue;
      if (auto id = Uuid::FromBytes(confirmed->BlobView(0))) return std::optional<Uuid>(*id);
    }
  }
  confirmed->Reset();
  auto q = db_.Cached(std::string("SELECT record_id, value, name FROM outbox_entry WHERE ") +
                      kMayHoldBlobSql + " AND instr(value, ?) > 0");
  if (!q.ok()) return q.status();
  q->BindBlob(1, sha256);
  for (;;) {
    auto row = q->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    bool referenced = false;
    for (std::string_view encoded : BlobValuesOf(q->BlobView(2), q->BlobView(1))) {
      referenced = referenced || References(encoded, sha256);
    }
    if (!referenced) continue;
    if (auto id = Uuid::FromBytes(q->BlobView(0))) return std::optional<Uuid>(*id);
  }
  return std::optional<Uuid>();
}

Result<std::vector<MissingBlob>> DeviceStore::MissingBlobs(size_t limit) {
  std::lock_guard lock(mu_);
  auto q = db_.Cached("SELECT id, fields FROM record WHERE has_blobs = 1");
  auto held = db_.Cached("SELECT 1 FROM device_blob WHERE sha256 = ?");
  if (!q.ok()) return q.status();
  if (!held.ok()) return held.status();
  const std::string deleted = EncodeValue(Value(true));
  std::vector<MissingBlob> out;
  std::set<std::string> seen;
  std::vector<StoredField> fields;
  while (out.size() < limit) {
    auto row = q->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    auto id = Uuid::FromBytes(q->BlobView(0));
    if (!id || !DecodeFields(q->BlobView(1), &fields).ok()) continue;
    const StoredField* gone = FindField(fields, kDeletedField);
    if (gone && gone->value == deleted) continue;  // a deleted record needs no attachment
    for (const StoredField& f : fields) {
      if (!MayHoldBlob(f.value)) continue;
      auto value = DecodeValue(f.value);
      if (!value.ok()) continue;
      std::vector<std::string> found;
      CollectBlobs(*value, &found);
      for (const std::string& sha : found) {
        if (sha.size() != kShaBytes || !seen.insert(sha).second) continue;
        held->Reset();
        held->BindBlob(1, sha);
        auto have = held->Step();
        if (!have.ok()) return have.status();
        if (!*have && out.size() < limit) out.push_back({sha, *id});
      }
    }
  }
  return out;
}

Result<std::string> DeviceStore::Setting(const std::string& name) {
  std::lock_guard lock(mu_);
  auto q = db_.Cached("SELECT value FROM setting WHERE name = ?");
  if (!q.ok()) return q.status();
  q->BindText(1, name);
  auto row = q->Step();
  if (!row.ok()) return row.status();
  return *row ? q->Text(0) : std::string();
}

Status DeviceStore::SetSetting(const std::string& name, const std::string& value) {
  std::lock_guard lock(mu_);
  auto q = db_.Cached(
      "INSERT INTO setting(name, value) VALUES (?, ?) "
      "ON CONFLICT(name) DO UPDATE SET value = excluded.value");
  if (!q.ok()) return q.status();
  q->BindText(1, name).BindText(2, value);
  return q->Run();
}

Status DeviceStore::RemoveBlobFiles() {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(BlobDir(), ec)) {
    fs::remove(entry.path(), ec);
    if (ec) return Internal("cannot remove " + entry.path().string() + ": " + ec.message());
  }
  return Status::Ok();  // a missing directory holds nothing
}

}  // namespace homevisit::store
