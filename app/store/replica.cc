// The confirmed replica: applying pulled batches with their cursor, per-scope checksums, and
// the repair of a scope whose checksum disagreed with the server's.
//
// The confirmed fields of a record are one blob in record.fields (store_internal.h): a
// pulled record is merged into it in memory, with the checksum deltas, and written once.
//
// Repair: BeginRepair(scope) empties repair_seen and starts a second cursor at 0; pulled
// batches of the repair mark every field they carry in repair_seen; FinishRepair removes
// the scope's confirmed fields that were not sent again (the server no longer has them).
// The replica stays readable throughout, and an interrupted repair resumes from
// repair_cursor.
#include <cstdlib>
#include <deque>
#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "app/store/device_store.h"
#include "app/store/record_fields.h"
#include "app/store/store_internal.h"
#include "app/store/value_codec.h"
#include "core/scope.h"
#include "packed.h"
#include "wire.h"

namespace homevisit::store {

namespace {

bool IsValidPulledName(const std::string& name) {
  if (name.empty() || name.size() > 128) return false;
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7F) return false;
  }
  return true;
}

// A pulled record, whichever form it came in: packed fields view the batch's bytes;
// Field messages have their values serialized into the batch's scratch strings.
struct PulledRecord {
  std::string_view id, type, scope;
  std::vector<wire::PackedField> fields;
};

// Reads and validates every record of `batch`. Nothing is applied from a batch that holds
// one bad record.
Status ReadPulled(const v1::ChangeBatch& batch, std::vector<PulledRecord>* out,
                  std::deque<std::string>* scratch) {
  for (const std::string& name : batch.field_names()) {
    if (!IsValidPulledName(name)) return InvalidArgument("pulled field name is invalid");
  }
  out->resize(batch.records_size());
  for (int k = 0; k < batch.records_size(); ++k) {
    const v1::Record& r = batch.records(k);
    PulledRecord& p = (*out)[k];
    if (r.id().size() != 16) return InvalidArgument("pulled record id is not 16 bytes");
    if (r.type().empty() || r.type().size() > 64) return InvalidArgument("pulled record type is invalid");
    if (!IsValidScopePath(r.scope())) return InvalidArgument("pulled record scope is invalid");
    p.id = r.id();
    p.type = r.type();
    p.scope = r.scope();
    p.fields.clear();
    if (!r.packed_fields().empty()) {
      if (r.fields_size() > 0) return InvalidArgument("a pulled record has packed and unpacked fields");
      if (Status s = wire::DecodePackedFields(r.packed_fields(), batch.field_names(),
                                              wire::FromProto(r.stamp()), &p.fields);
          !s.ok()) {
        return s;
      }
    }
    // A field sent without a stamp has its record's (PullRequest.shared_stamps).
    for (const v1::Field& f : r.fields()) {
      if (!IsValidPulledName(f.name())) return InvalidArgument("pulled field name is invalid");
      if (f.value().ByteSizeLong() > kMaxValueBytes) return InvalidArgument("pulled value is too large");
      if (auto v = wire::FromProto(f.value()); !v.ok()) {
        return InvalidArgument("pulled field '" + f.name() + "': " + v.status().message());
      }
      scratch->emplace_back();
      f.value().SerializeToString(&scratch->back());
      p.fields.push_back({f.name(), scratch->back(),
                          wire::FromProto(f.has_stamp() ? f.stamp() : r.stamp())});
    }
    for (const wire::PackedField& f : p.fields) {
      if (f.stamp.hlc == 0) return InvalidArgument("pulled field has no stamp");
      if (f.value.size() > kMaxValueBytes) return InvalidArgument("pulled value is too large");
    }
  }
  return Status::Ok();
}

struct ChecksumDelta {
  uint64_t sum = 0;
  int64_t count = 0;
};

Status AddChecksumDeltas(Connection& db, const std::map<std::string, ChecksumDelta>& deltas) {
  auto read = db.Cached("SELECT sum, count FROM scope_checksum WHERE scope = ?");
  auto write = db.Cached(
      "INSERT INTO scope_checksum(scope, sum, count) VALUES (?, ?, ?) ON CONFLICT(scope) DO "
      "UPDATE SET sum = excluded.sum, count = excluded.count");
  if (!read.ok()) return read.status();
  if (!write.ok()) return write.status();
  for (const auto& [scope, delta] : deltas) {
    read->Reset();
    read->BindText(1, scope);
    auto row = read->Step();
    if (!row.ok()) return row.status();
    // Sums wrap modulo 2^64: add as unsigned, store the same 64 bits as a signed integer.
    uint64_t sum = *row ? static_cast<uint64_t>(read->Int(0)) : 0;
    int64_t count = *row ? read->Int(1) : 0;
    sum += delta.sum;
    count += delta.count;
    write->Reset();
    write->BindText(1, scope).Bind(2, static_cast<int64_t>(sum)).Bind(3, count);
    if (Status s = write->Run(); !s.ok()) return s;
  }
  return Status::Ok();
}

Uuid IdOf(std::string_view bytes) { return *Uuid::FromBytes(bytes); }

}  // namespace

Result<size_t> DeviceStore::ApplyPulled(const v1::ChangeBatch& batch, PullTarget target) {
  std::vector<PulledRecord> pulled;
  std::deque<std::string> scratch;
  if (Status s = ReadPulled(batch, &pulled, &scratch); !s.ok()) return s;
  std::lock_guard lock(mu_);
  // A pulled batch can always be fetched again (its cursor commits with it), so it need not
  // wait for the disk the way a user's own write does.
  // Nor does it checkpoint the WAL into the database file (a copy and two fsyncs at every
  // commit once the WAL is past 1,000 pages): a pull's batches accumulate in the WAL and the
  // next other commit, FinishPull's at the end of the pull, checkpoints them all at once.
  if (Status s = db_.Exec("PRAGMA synchronous=NORMAL; PRAGMA wal_autocheckpoint=0"); !s.ok()) {
    return s;
  }
  struct RestoreMode {
    Connection& db;
    bool full;
    ~RestoreMode() {
      (void)db.Exec("PRAGMA wal_autocheckpoint=1000");
      if (full) (void)db.Exec("PRAGMA synchronous=FULL");
    }
  } restore{db_, options_.durable_local_writes};

  Transaction txn(db_);
  if (Status s = txn.Begin(); !s.ok()) return s;
  auto outbox_rows = db_.QueryInt("SELECT EXISTS (SELECT 1 FROM outbox_entry)");
  if (!outbox_rows.ok()) return outbox_rows.status();
  const bool has_outbox = *outbox_rows != 0;

  // One read and one write per record: its confirmed fields are one blob (store_internal.h).
  // The query keys travel in the same row (record_fields.h kKeyColumns).
  static const std::string kKeys = [] {
    std::string cols;
    for (const KeyColumn& k : kKeyColumns) cols += std::string(", ") + k.column;
    return cols;
  }();
  static const std::string kPutRecord = [] {
    std::string values, updates;
    for (int i = 0; i < kKeyColumnCount; ++i) {
      values += ", ?" + std::to_string(6 + i);
      updates += std::string(", ") + kKeyColumns[i].column + " = excluded." + kKeyColumns[i].column;
    }
    return "INSERT INTO record(id, type, scope, confirmed, fields, has_blobs" + kKeys +
           ") VALUES (?1, ?2, ?3, 1, ?4, ?5" + values + ") "
           "ON CONFLICT(id) DO UPDATE SET type = excluded.type, scope = excluded.scope, "
           "confirmed = 1, fields = excluded.fields, has_blobs = excluded.has_blobs" + updates;
  }();
  auto old_record = db_.Cached("SELECT scope, fields" + kKeys + " FROM record WHERE id = ?");
  auto put_record = db_.Cached(kPutRecord);
  auto written = db_.Cached(
      "SELECT name, CASE WHEN name = '' THEN value END FROM outbox_entry WHERE record_id = ?");
  auto seen = db_.Cached("INSERT OR IGNORE INTO repair_seen(record_id, name) VALUES (?, ?)");
  for (auto* s : {&old_record, &put_record, &written, &seen}) {
    if (!s->ok()) return s->status();
  }

  std::map<std::string, ChecksumDelta> deltas;
  size_t applied = 0;
  std::string old_blob, new_blob;
  std::vector<StoredField> old_fields, merged;
  std::vector<int> order;           // pulled fields by name, the last of equal names
  std::vector<int> unique;
  std::set<std::string, std::less<>> overlaid;
  std::vector<StoredField> group;  // the field writes of one outbox entry
  std::optional<std::string> keys[kKeyColumnCount];  // the record's key columns
  uint64_t last_observed = 0;
  for (const PulledRecord& r : pulled) {
    const Uuid id = IdOf(r.id);
    const std::string scope(r.scope);
    old_record->Reset();
    old_record->BindBlob(1, r.id);
    auto known = old_record->Step();
    if (!known.ok()) return known.status();
    const std::string old_scope = *known ? old_record->Text(0) : scope;
    old_blob = *known ? old_record->Blob(1) : std::string();
    for (int k = 0; k < kKeyColumnCount; ++k) {
      if (*known && !old_record->IsNull(2 + k)) {
        keys[k] = old_record->Text(2 + k);
      } else {
        keys[k].reset();
      }
    }
    old_record->Reset();
    if (Status s = DecodeFields(old_blob, &old_fields); !s.ok()) return s;
    if (old_scope != scope) {
      // Scopes do not change; if the server says otherwise, move the record's confirmed
      // fields between the two sums so both stay true to the replica.
      for (const StoredField& f : old_fields) {
        const uint64_t h = FieldHash(id, f.name, Stamp{f.hlc, f.node});
        deltas[old_scope].sum -= h;
        --deltas[old_scope].count;
        deltas[scope].sum += h;
        ++deltas[scope].count;
      }
    }

    const auto& fields = r.fields;
    const int n = static_cast<int>(fields.size());
    order.clear();
    for (int i = 0; i < n; ++i) order.push_back(i);
    // A server sends a record's fields in name order (its rows keep them so): sorted already.
    const auto by_name = [&](int a, int b) { return fields[a].name < fields[b].name; };
    if (!std::is_sorted(order.begin(), order.end(), by_name)) {
      std::stable_sort(order.begin(), order.end(), by_name);
    }
    // Of fields sent twice in one record the last counts, as when each was a row.
    unique.clear();
    for (int i : order) {
      if (!unique.empty() && fields[unique.back()].name == fields[i].name) {
        unique.back() = i;
      } else {
        unique.push_back(i);
      }
    }

    // Merge the pulled fields into the confirmed ones, both in name order.
    ChecksumDelta& delta = deltas[scope];
    merged.clear();
    bool has_blobs = false;
    size_t o = 0;
    for (int i : unique) {
      const wire::PackedField& f = fields[i];
      while (o < old_fields.size() && old_fields[o].name < f.name) {
        merged.push_back(old_fields[o]);
        has_blobs = has_blobs || MayHoldBlob(old_fields[o].value);
        ++o;
      }
      if (o < old_fields.size() && old_fields[o].name == f.name) {
        delta.sum -= FieldHash(id, f.name, Stamp{old_fields[o].hlc, old_fields[o].node});
        --delta.count;
        ++o;
      }
      delta.sum += FieldHash(id, f.name, f.stamp);
      ++delta.count;
      merged.push_back({f.name, f.value, f.stamp.hlc, f.stamp.node});
      has_blobs = has_blobs || MayHoldBlob(f.value);
    }
    for (; o < old_fields.size(); ++o) {
      merged.push_back(old_fields[o]);
      has_blobs = has_blobs || MayHoldBlob(old_fields[o].value);
    }
    // The query keys of pulled fields, unless a local write is shown over them.
    bool names_read = false;
    overlaid.clear();
    for (int i : unique) {
      const wire::PackedField& f = fields[i];
      if (!IsQueryKey(r.type, f.name)) continue;
      if (has_outbox && !names_read) {
        names_read = true;
        written->Reset();
        written->BindBlob(1, r.id);
        for (;;) {
          auto row = written->Step();
          if (!row.ok()) return row.status();
          if (!*row) break;
          if (Status s = EntryFields(written->BlobView(0), written->BlobView(1), 0, 0, &group);
              !s.ok()) {
            return s;
          }
          for (const StoredField& w : group) overlaid.emplace(w.name);
        }
        written->Reset();
      }
      if (overlaid.count(f.name)) continue;
      v1::Value value;
      if (!value.ParseFromArray(f.value.data(), static_cast<int>(f.value.size()))) {
        return InvalidArgument("pulled field '" + std::string(f.name) + "' does not decode");
      }
      keys[KeyColumnOf(f.name)] = KeyText(value);
    }

    EncodeFields(merged, &new_blob);
    put_record->Reset();
    put_record->BindBlob(1, r.id).BindText(2, r.type).BindText(3, r.scope);
    put_record->BindBlob(4, new_blob).Bind(5, has_blobs ? 1 : 0);
    for (int k = 0; k < kKeyColumnCount; ++k) {
      if (keys[k]) {
        put_record->BindText(6 + k, *keys[k]);
      } else {
        put_record->BindNull(6 + k);
      }
    }
    if (Status s = put_record->Run(); !s.ok()) return s;

    for (const wire::PackedField& f : fields) {
      // A stamp from a clock too far ahead is stored but not followed (core/hlc.h). Fields
      // written together share a stamp: observing it again would change nothing.
      if (f.stamp.hlc != last_observed) {
        last_observed = f.stamp.hlc;
        (void)clock_.Observe(last_observed);
      }
      if (target == PullTarget::kRepair) {
        seen->Reset();
        seen->BindBlob(1, r.id).BindText(2, f.name);
        if (Status s = seen->Run(); !s.ok()) return s;
      }
      ++applied;
    }
  }
  if (Status s = AddChecksumDeltas(db_, deltas); !s.ok()) return s;
  auto cursor = db_.Cached(target == PullTarget::kMain
                                ? "UPDATE sync_state SET cursor = ? WHERE id = 1"
                                : "UPDATE sync_state SET repair_cursor = ? WHERE id = 1");
  if (!cursor.ok()) return cursor.status();
  cursor->Bind(1, static_cast<int64_t>(batch.cursor()));
  if (Status s = cursor->Run(); !s.ok()) return s;
  if (Status s = SaveClock(); !s.ok()) return s;
  if (Status s = txn.Commit(); !s.ok()) return s;
  return applied;
}

Result<ScopeChecksum> DeviceStore::ChecksumOf(const std::string& scope) {
  std::lock_guard lock(mu_);
  auto stmt = db_.Cached("SELECT scope, sum, count FROM scope_checksum");
  if (!stmt.ok()) return stmt.status();
  ScopeChecksum total;
  for (;;) {
    auto row = stmt->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    if (!ScopeCovers(scope, stmt->Text(0))) continue;
    total.sum += static_cast<uint64_t>(stmt->Int(1));
    total.count += static_cast<uint64_t>(stmt->Int(2));
  }
  return total;
}

Status DeviceStore::BeginRepair(const std::string& scope) {
  if (!IsValidScopePath(scope)) return InvalidArgument("invalid scope to repair");
  std::lock_guard lock(mu_);
  Transaction txn(db_);
  if (Status s = txn.Begin(); !s.ok()) return s;
  if (Status s = db_.Exec("DELETE FROM repair_seen"); !s.ok()) return s;
  auto stmt = db_.Cached("UPDATE sync_state SET repair_scope = ?, repair_cursor = 0 WHERE id = 1");
  if (!stmt.ok()) return stmt.status();
  stmt->BindText(1, scope);
  if (Status s = stmt->Run(); !s.ok()) return s;
  return txn.Commit();
}

Status DeviceStore::FinishRepair() {
  std::lock_guard lock(mu_);
  Transaction txn(db_);
  if (Status s = txn.Begin(); !s.ok()) return s;
  auto scope_row = db_.Cached("SELECT repair_scope FROM sync_state WHERE id = 1");
  if (!scope_row.ok()) return scope_row.status();
  if (auto row = scope_row->Step(); !row.ok()) return row.status();
  const std::string scope = scope_row->Text(0);
  if (scope.empty()) return FailedPrecondition("no repair in progress");

  // Record by record: drop the confirmed fields the re-pull did not send.
  auto records = db_.Cached("SELECT id, scope, fields FROM record WHERE " +
                            ScopeWithinSql("scope", "?1") + " AND fields IS NOT NULL");
  auto sent = db_.Cached("SELECT name FROM repair_seen WHERE record_id = ?");
  auto put = db_.Cached("UPDATE record SET fields = ?, has_blobs = ? WHERE id = ?");
  for (auto* s : {&records, &sent, &put}) {
    if (!s->ok()) return s->status();
  }
  records->BindText(1, scope);
  struct Stale {
    std::string id, scope, blob;
  };
  std::vector<Stale> candidates;
  for (;;) {
    auto row = records->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    candidates.push_back({records->Blob(0), records->Text(1), records->Blob(2)});
  }
  records->Reset();
  std::map<std::string, ChecksumDelta> deltas;
  std::vector<StoredField> fields, kept;
  std::set<std::string, std::less<>> names;
  std::string blob;
  for (const Stale& c : candidates) {
    if (Status s = DecodeFields(c.blob, &fields); !s.ok()) return s;
    if (fields.empty()) continue;
    names.clear();
    sent->Reset();
    sent->BindBlob(1, c.id);
    for (;;) {
      auto row = sent->Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      names.insert(sent->Text(0));
    }
    sent->Reset();
    kept.clear();
    bool has_blobs = false;
    std::vector<std::string> dropped_keys;
    for (const StoredField& f : fields) {
      if (names.count(f.name)) {
        kept.push_back(f);
        has_blobs = has_blobs || MayHoldBlob(f.value);
        continue;
      }
      ChecksumDelta& d = deltas[c.scope];
      d.sum -= FieldHash(IdOf(c.id), f.name, Stamp{f.hlc, f.node});
      --d.count;
      if (MayBeQueryKey(f.name)) dropped_keys.emplace_back(f.name);
    }
    if (kept.size() == fields.size()) continue;
    EncodeFields(kept, &blob);
    put->Reset();
    put->BindBlob(1, blob).Bind(2, has_blobs ? 1 : 0).BindBlob(3, c.id);
    if (Status s = put->Run(); !s.ok()) return s;
    if (Status s = RefreshKeys(db_, c.id, dropped_keys); !s.ok()) return s;
  }
  if (Status s = AddChecksumDeltas(db_, deltas); !s.ok()) return s;
  if (Status s = db_.Exec("DELETE FROM repair_seen"); !s.ok()) return s;
  if (Status s = db_.Exec("UPDATE sync_state SET repair_scope = '', repair_cursor = 0 WHERE id = 1");
      !s.ok()) {
    return s;
  }
  return txn.Commit();
}

Status DeviceStore::ObserveServerTime(int64_t server_time_ms) {
  if (server_time_ms <= 0) return Status::Ok();  // an old or broken server: nothing to follow
  std::lock_guard lock(mu_);
  const int64_t raw_wall = WallNow() - clock_offset_ms_;
  const int64_t offset = server_time_ms - raw_wall;
  // Network delay makes every sample a little late; only a real difference moves the clock.
  constexpr int64_t kIgnoreBelowMs = 1000;
  const bool moved = std::llabs(offset - clock_offset_ms_) > kIgnoreBelowMs;
  if (moved) clock_offset_ms_ = offset;
  (void)clock_.Observe(Stamp::Pack(static_cast<uint64_t>(server_time_ms), 0));
  // The observed value is saved with the next write; only a new offset is saved now.
  return moved ? SaveClock() : Status::Ok();
}

}  // namespace homevisit::store
