#include "app/store/store_internal.h"

#include <algorithm>

#include "app/store/record_fields.h"
#include "app/store/value_codec.h"
#include "core/varint.h"

namespace homevisit::store {

namespace {

constexpr char kFieldsVersion1 = 0x01;
constexpr char kSameStamp = 0x00;  // the field's stamp is the previous field's
constexpr char kOwnStamp = 0x01;   // hlc and node follow
constexpr size_t kMaxStoredName = 128;  // as pulled names (replica.cc)

}  // namespace

Result<OutboxMarks> ReadMarks(Connection& db) {
  auto stmt = db.Cached(
      "SELECT next_batch_seq, in_flight_seq, in_flight_through, answered_through, in_flight_split "
      "FROM sync_state WHERE id = 1");
  if (!stmt.ok()) return stmt.status();
  auto row = stmt->Step();
  if (!row.ok()) return row.status();
  if (!*row) return Internal("sync state row is missing");
  OutboxMarks m;
  m.next_batch_seq = static_cast<uint64_t>(stmt->Int(0));
  m.in_flight_seq = static_cast<uint64_t>(stmt->Int(1));
  m.in_flight_through = stmt->Int(2);
  m.answered_through = stmt->Int(3);
  m.in_flight_split = stmt->Int(4);
  return m;
}

Status WriteMarks(Connection& db, const OutboxMarks& m) {
  auto stmt = db.Cached(
      "UPDATE sync_state SET next_batch_seq = ?, in_flight_seq = ?, in_flight_through = ?, "
      "answered_through = ?, in_flight_split = ? WHERE id = 1");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, static_cast<int64_t>(m.next_batch_seq)).Bind(2, static_cast<int64_t>(m.in_flight_seq));
  stmt->Bind(3, m.in_flight_through).Bind(4, m.answered_through).Bind(5, m.in_flight_split);
  return stmt->Run();
}

void EncodeFields(const std::vector<StoredField>& fields, std::string* out) {
  out->clear();
  out->push_back(kFieldsVersion1);
  for (size_t i = 0; i < fields.size(); ++i) {
    const StoredField& f = fields[i];
    AppendVarint(*out, f.name.size());
    out->append(f.name);
    AppendVarint(*out, f.value.size());
    out->append(f.value);
    if (i > 0 && fields[i - 1].hlc == f.hlc && fields[i - 1].node == f.node) {
      out->push_back(kSameStamp);
    } else {
      out->push_back(kOwnStamp);
      AppendVarint(*out, f.hlc);
      AppendVarint(*out, f.node);
    }
  }
}

Status DecodeFields(std::string_view blob, std::vector<StoredField>* out) {
  out->clear();
  if (blob.empty()) return Status::Ok();
  if (blob.front() != kFieldsVersion1) return Internal("stored fields have an unknown encoding");
  blob.remove_prefix(1);
  while (!blob.empty()) {
    StoredField f;
    uint64_t hlc = 0, node = 0;
    if (!ReadLengthPrefixed(&blob, kMaxStoredName, &f.name) || f.name.empty() ||
        !ReadLengthPrefixed(&blob, kMaxValueBytes, &f.value) || blob.empty()) {
      return Internal("stored fields are malformed");
    }
    const char stamp = blob.front();
    blob.remove_prefix(1);
    if (stamp == kSameStamp && !out->empty()) {
      hlc = out->back().hlc;
      node = out->back().node;
    } else if (stamp != kOwnStamp || !ReadVarint(&blob, &hlc) || !ReadVarint(&blob, &node) ||
               node > UINT32_MAX) {
      return Internal("stored fields are malformed");
    }
    if (!out->empty() && !(out->back().name < f.name)) {
      return Internal("stored fields are out of order");
    }
    f.hlc = hlc;
    f.node = static_cast<uint32_t>(node);
    out->push_back(f);
  }
  return Status::Ok();
}

const StoredField* FindField(const std::vector<StoredField>& fields, std::string_view name) {
  auto it = std::lower_bound(fields.begin(), fields.end(), name,
                             [](const StoredField& f, std::string_view n) { return f.name < n; });
  return it != fields.end() && it->name == name ? &*it : nullptr;
}

Status EntryFields(std::string_view name, std::string_view value, uint64_t hlc, uint32_t node,
                   std::vector<StoredField>* out) {
  if (name != kGroupEntry) {
    out->assign(1, StoredField{name, value, hlc, node});
    return Status::Ok();
  }
  return DecodeFields(value, out);
}

bool EncodeGroup(const std::vector<StoredField>& fields, std::string* out) {
  EncodeFields(fields, out);
  bool blobs = false;
  for (const StoredField& f : fields) blobs = blobs || MayHoldBlob(f.value);
  return blobs;
}

Result<int64_t> ReadGroup(Connection& db, const std::string& id_bytes, std::string* blob) {
  blob->clear();
  auto q = db.Cached(
      "SELECT seq, value FROM outbox_entry WHERE record_id = ? AND name = '' "
      "ORDER BY seq DESC LIMIT 1");
  if (!q.ok()) return q.status();
  q->BindBlob(1, id_bytes);
  auto held = q->Step();
  if (!held.ok()) return held.status();
  int64_t seq = 0;
  if (*held) {
    seq = q->Int(0);
    *blob = q->Blob(1);
  }
  q->Reset();
  return seq;
}

bool MayHoldBlob(std::string_view v) { return !v.empty() && (v[0] == 0x4a || v[0] == 0x52); }

Status PutKey(Connection& db, const std::string& id_bytes, const std::string& name,
              const std::optional<std::string>& text) {
  const int column = KeyColumnOf(name);
  if (column < 0) return Internal("'" + name + "' is no query key");
  // IS NOT: writing the value a key already has changes nothing on disk.
  const std::string col = kKeyColumns[column].column;
  auto stmt = db.Cached("UPDATE record SET " + col + " = ?1 WHERE id = ?2 AND " + col + " IS NOT ?1");
  if (!stmt.ok()) return stmt.status();
  if (text) {
    stmt->BindText(1, *text);
  } else {
    stmt->BindNull(1);
  }
  stmt->BindBlob(2, id_bytes);
  return stmt->Run();
}

Status RefreshKeys(Connection& db, const std::string& id_bytes, const std::vector<std::string>& names) {
  auto head = db.Cached("SELECT type, fields FROM record WHERE id = ?");
  auto newest = db.Cached(
      "SELECT value FROM outbox_entry WHERE record_id = ? AND name = ? ORDER BY seq DESC LIMIT 1");
  if (!head.ok()) return head.status();
  if (!newest.ok()) return newest.status();
  // The record's group, if any, is older than its single entries (kGroupEntry).
  std::string group_blob;
  std::vector<StoredField> group_fields;
  bool group_read = false;
  head->BindBlob(1, id_bytes);
  auto known = head->Step();
  if (!known.ok()) return known.status();
  if (!*known) return Status::Ok();  // no record, no keys
  const std::string type = head->Text(0);
  const std::string blob = head->Blob(1);
  head->Reset();
  std::vector<StoredField> fields;
  if (Status s = DecodeFields(blob, &fields); !s.ok()) return s;
  for (const std::string& name : names) {
    if (!IsQueryKey(type, name)) continue;
    newest->Reset();
    newest->BindBlob(1, id_bytes).BindText(2, name);
    auto row = newest->Step();
    if (!row.ok()) return row.status();
    std::string_view encoded;
    bool found = *row;
    if (found) {
      encoded = newest->BlobView(0);
    } else {
      if (!group_read) {
        group_read = true;
        if (auto seq = ReadGroup(db, id_bytes, &group_blob); !seq.ok()) return seq.status();
        if (Status s = DecodeFields(group_blob, &group_fields); !s.ok()) return s;
      }
      const StoredField* f = FindField(group_fields, name);
      if (!f) f = FindField(fields, name);
      if (f) {
        encoded = f->value;
        found = true;
      }
    }
    std::optional<std::string> text;
    if (found) {
      v1::Value value;
      if (value.ParseFromArray(encoded.data(), static_cast<int>(encoded.size()))) text = KeyText(value);
    }
    if (Status s = PutKey(db, id_bytes, name, text); !s.ok()) return s;
  }
  return Status::Ok();
}

std::string ScopeWithinSql(const std::string& column, const std::string& param) {
  return "(" + column + " = " + param + " OR substr(" + column + ", 1, length(" + param +
         ") + 1) = " + param + " || '/')";
}

}  // namespace homevisit::store
