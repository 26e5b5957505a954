// The confirmed replica: applying pulled batches with their cursor, per-scope checksums, and
// the repair of a scope whose checksum disagreed with the server's.
//
// Repair: BeginRepair(scope) empties repair_seen and starts a second cursor at 0; pulled
// batches of the repair mark every field they carry in repair_seen; FinishRepair removes
// the scope's confirmed fields that were not sent again (the server no longer has them).
// The replica stays readable throughout, and an interrupted repair resumes from
// repair_cursor.
#include <cstdlib>
#include <map>

#include "app/store/device_store.h"
#include "app/store/record_fields.h"
#include "app/store/store_internal.h"
#include "app/store/value_codec.h"
#include "core/scope.h"
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

Status ValidatePulled(const v1::ChangeBatch& batch) {
  for (const v1::Record& r : batch.records()) {
    if (r.id().size() != 16) return InvalidArgument("pulled record id is not 16 bytes");
    if (r.type().empty() || r.type().size() > 64) return InvalidArgument("pulled record type is invalid");
    if (!IsValidScopePath(r.scope())) return InvalidArgument("pulled record scope is invalid");
    for (const v1::Field& f : r.fields()) {
      if (!IsValidPulledName(f.name())) return InvalidArgument("pulled field name is invalid");
      if (f.value().ByteSizeLong() > kMaxValueBytes) return InvalidArgument("pulled value is too large");
      if (auto v = wire::FromProto(f.value()); !v.ok()) {
        return InvalidArgument("pulled field '" + f.name() + "': " + v.status().message());
      }
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
  if (Status s = ValidatePulled(batch); !s.ok()) return s;
  std::lock_guard lock(mu_);
  // A pulled batch can always be fetched again (its cursor commits with it), so it need not
  // wait for the disk the way a user's own write does.
  if (Status s = db_.Exec("PRAGMA synchronous=NORMAL"); !s.ok()) return s;
  struct RestoreMode {
    Connection& db;
    bool full;
    ~RestoreMode() {
      if (full) (void)db.Exec("PRAGMA synchronous=FULL");
    }
  } restore{db_, options_.durable_local_writes};

  Transaction txn(db_);
  if (Status s = txn.Begin(); !s.ok()) return s;
  auto outbox_rows = db_.QueryInt("SELECT EXISTS (SELECT 1 FROM outbox)");
  if (!outbox_rows.ok()) return outbox_rows.status();
  const bool has_outbox = *outbox_rows != 0;

  auto old_record = db_.Cached("SELECT scope FROM record WHERE id = ?");
  auto put_record = db_.Cached(
      "INSERT INTO record(id, type, scope, confirmed) VALUES (?, ?, ?, 1) ON CONFLICT(id) DO "
      "UPDATE SET type = excluded.type, scope = excluded.scope, confirmed = 1");
  auto old_field = db_.Cached("SELECT hlc, node FROM field WHERE record_id = ? AND name = ?");
  auto field_names = db_.Cached("SELECT name, hlc, node FROM field WHERE record_id = ?");
  auto put_field = db_.Cached(
      "INSERT INTO field(record_id, name, value, hlc, node) VALUES (?, ?, ?, ?, ?) "
      "ON CONFLICT(record_id, name) DO UPDATE SET value = excluded.value, hlc = excluded.hlc, "
      "node = excluded.node");
  auto pending = db_.Cached("SELECT 1 FROM outbox WHERE record_id = ? AND name = ? LIMIT 1");
  auto seen = db_.Cached("INSERT OR IGNORE INTO repair_seen(record_id, name) VALUES (?, ?)");
  for (auto* s : {&old_record, &put_record, &old_field, &field_names, &put_field, &pending, &seen}) {
    if (!s->ok()) return s->status();
  }

  std::map<std::string, ChecksumDelta> deltas;
  size_t applied = 0;
  std::string encoded;
  for (const v1::Record& r : batch.records()) {
    const Uuid id = IdOf(r.id());
    old_record->Reset();
    old_record->BindBlob(1, r.id());
    auto known = old_record->Step();
    if (!known.ok()) return known.status();
    if (*known && old_record->Text(0) != r.scope()) {
      // Scopes do not change; if the server says otherwise, move the record's confirmed
      // fields between the two sums so both stay true to the replica.
      const std::string old_scope = old_record->Text(0);
      field_names->Reset();
      field_names->BindBlob(1, r.id());
      for (;;) {
        auto row = field_names->Step();
        if (!row.ok()) return row.status();
        if (!*row) break;
        const uint64_t h = FieldHash(id, field_names->Text(0),
                                     Stamp{static_cast<uint64_t>(field_names->Int(1)),
                                           static_cast<uint32_t>(field_names->Int(2))});
        deltas[old_scope].sum -= h;
        --deltas[old_scope].count;
        deltas[r.scope()].sum += h;
        ++deltas[r.scope()].count;
      }
    }
    put_record->Reset();
    put_record->BindBlob(1, r.id()).BindText(2, r.type()).BindText(3, r.scope());
    if (Status s = put_record->Run(); !s.ok()) return s;

    ChecksumDelta& delta = deltas[r.scope()];
    for (const v1::Field& f : r.fields()) {
      const Stamp stamp = wire::FromProto(f.stamp());
      // A record seen for the first time has no field to replace (most of a first pull).
      Result<bool> old = false;
      if (*known) {
        old_field->Reset();
        old_field->BindBlob(1, r.id()).BindText(2, f.name());
        old = old_field->Step();
        if (!old.ok()) return old.status();
      }
      if (*old) {
        delta.sum -= FieldHash(id, f.name(), Stamp{static_cast<uint64_t>(old_field->Int(0)),
                                                   static_cast<uint32_t>(old_field->Int(1))});
        --delta.count;
      }
      delta.sum += FieldHash(id, f.name(), stamp);
      ++delta.count;

      encoded.clear();
      f.value().SerializeToString(&encoded);
      put_field->Reset();
      put_field->BindBlob(1, r.id()).BindText(2, f.name()).BindBlob(3, encoded);
      put_field->Bind(4, static_cast<int64_t>(stamp.hlc)).Bind(5, stamp.node);
      if (Status s = put_field->Run(); !s.ok()) return s;
      // A stamp from a clock too far ahead is stored but not followed (core/hlc.h).
      (void)clock_.Observe(stamp.hlc);

      if (target == PullTarget::kRepair) {
        seen->Reset();
        seen->BindBlob(1, r.id()).BindText(2, f.name());
        if (Status s = seen->Run(); !s.ok()) return s;
      }
      if (IsQueryKey(f.name())) {
        bool overlaid = false;
        if (has_outbox) {
          pending->Reset();
          pending->BindBlob(1, r.id()).BindText(2, f.name());
          auto row = pending->Step();
          if (!row.ok()) return row.status();
          overlaid = *row;
        }
        if (!overlaid) {
          if (Status s = PutKey(db_, std::string(r.id()), f.name(), KeyText(f.value())); !s.ok()) {
            return s;
          }
        }
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

  auto stale = db_.Cached(
      "SELECT f.record_id, f.name, f.hlc, f.node, r.scope FROM field f JOIN record r ON "
      "r.id = f.record_id WHERE " + ScopeWithinSql("r.scope", "?1") +
      " AND NOT EXISTS (SELECT 1 FROM repair_seen s WHERE s.record_id = f.record_id AND "
      "s.name = f.name)");
  auto drop = db_.Cached("DELETE FROM field WHERE record_id = ? AND name = ?");
  if (!stale.ok()) return stale.status();
  if (!drop.ok()) return drop.status();
  stale->BindText(1, scope);
  std::map<std::string, ChecksumDelta> deltas;
  std::vector<std::pair<std::string, std::string>> dropped;
  for (;;) {
    auto row = stale->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    const std::string id = stale->Blob(0);
    const std::string name = stale->Text(1);
    ChecksumDelta& d = deltas[stale->Text(4)];
    d.sum -= FieldHash(IdOf(id), name, Stamp{static_cast<uint64_t>(stale->Int(2)),
                                             static_cast<uint32_t>(stale->Int(3))});
    --d.count;
    dropped.emplace_back(id, name);
  }
  for (const auto& [id, name] : dropped) {
    drop->Reset();
    drop->BindBlob(1, id).BindText(2, name);
    if (Status s = drop->Run(); !s.ok()) return s;
    if (IsQueryKey(name)) {
      if (Status s = RefreshKey(db_, id, name); !s.ok()) return s;
    }
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
