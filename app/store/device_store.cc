// Opening, identity, login, wipe and local writes of the device store. The outbox's sync side
// is in outbox.cc, the confirmed replica in replica.cc.
#include "app/store/device_store.h"

#include <random>

#include "app/store/reader.h"
#include "app/store/record_fields.h"
#include "app/store/schema.h"
#include "app/store/store_internal.h"
#include "app/store/value_codec.h"
#include "core/record_types.h"
#include "core/scope.h"

namespace homevisit::store {

namespace {

uint64_t PlatformRandom() {
  std::random_device rd;
  return (static_cast<uint64_t>(rd()) << 32) ^ rd();
}

std::string JoinScopes(const std::vector<std::string>& scopes) {
  std::string out;
  for (const auto& s : scopes) out += (out.empty() ? "" : "\n") + s;
  return out;
}

}  // namespace

std::vector<std::string> SplitScopes(const std::string& joined) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < joined.size()) {
    size_t end = joined.find('\n', start);
    if (end == std::string::npos) end = joined.size();
    out.push_back(joined.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

DeviceStore::DeviceStore(std::string path, Connection db, Options options)
    : path_(std::move(path)),
      db_(std::move(db)),
      options_(std::move(options)),
      clock_(0, [this] { return WallNow(); }) {
  ids_ = std::make_unique<UuidGenerator>(options_.random_seed ? options_.random_seed
                                                              : PlatformRandom());
}

DeviceStore::~DeviceStore() = default;

Result<std::unique_ptr<DeviceStore>> DeviceStore::Open(const std::string& path,
                                                       Options options) {
  auto db = Connection::Open(path, /*create=*/true, /*read_only=*/false);
  if (!db.ok()) return db.status();
  // WAL: readers never block the writer. FULL: a local write that returned is on disk.
  for (const char* pragma : {"PRAGMA journal_mode=WAL",
                             options.durable_local_writes ? "PRAGMA synchronous=FULL"
                                                          : "PRAGMA synchronous=NORMAL",
                             "PRAGMA foreign_keys=OFF",
                             // A pull lets the WAL grow (replica.cc); once checkpointed and
                             // reset it shrinks back to this.
                             "PRAGMA journal_size_limit=4194304",
                             // Pages read in place instead of copied by pread: push and
                             // pull of 10,000 visits about 10% faster (bench/sync_bench).
                             // Only the first 256 MiB of the file are mapped.
                             "PRAGMA mmap_size=268435456"}) {
    if (Status s = db->Exec(pragma); !s.ok()) return s;
  }
  if (Status s = MigrateDeviceSchema(*db); !s.ok()) return s;
  std::unique_ptr<DeviceStore> store(new DeviceStore(path, std::move(db).value(), options));
  std::lock_guard lock(store->mu_);
  auto rows = store->db_.QueryInt("SELECT count(*) FROM sync_state");
  if (!rows.ok()) return rows.status();
  if (*rows == 0) {
    auto insert = store->db_.Cached("INSERT INTO sync_state(id, device_id) VALUES (1, ?)");
    if (!insert.ok()) return insert.status();
    insert->BindText(1, store->NewId().ToString());
    if (Status s = insert->Run(); !s.ok()) return s;
  }
  if (Status s = store->LoadClock(); !s.ok()) return s;
  return store;
}

Result<std::unique_ptr<StoreReader>> DeviceStore::OpenReader() { return StoreReader::Open(path_); }

int64_t DeviceStore::WallNow() const {
  const int64_t wall = options_.wall_clock ? options_.wall_clock() : HybridClock::SystemMillis();
  return wall + clock_offset_ms_;
}

Uuid DeviceStore::NewId() { return ids_->Next(WallNow()); }

Status DeviceStore::LoadClock() {
  auto stmt = db_.Cached(
      "SELECT hlc_last, clock_offset_ms, node, scopes, user, role FROM sync_state WHERE id = 1");
  if (!stmt.ok()) return stmt.status();
  auto row = stmt->Step();
  if (!row.ok()) return row.status();
  if (!*row) return Internal("sync state row is missing");
  clock_offset_ms_ = stmt->Int(1);
  clock_.Restore(static_cast<uint64_t>(stmt->Int(0)));
  clock_.set_node(static_cast<uint32_t>(stmt->Int(2)));
  scopes_ = SplitScopes(stmt->Text(3));
  user_ = stmt->Text(4);
  role_ = static_cast<Role>(stmt->Int(5));
  return Status::Ok();
}

Status DeviceStore::SaveClock() {
  auto stmt = db_.Cached("UPDATE sync_state SET hlc_last = ?, clock_offset_ms = ? WHERE id = 1");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, static_cast<int64_t>(clock_.last())).Bind(2, clock_offset_ms_);
  return stmt->Run();
}

uint64_t DeviceStore::ClockLast() {
  std::lock_guard lock(mu_);
  return clock_.last();
}

Result<DeviceState> DeviceStore::State() {
  std::lock_guard lock(mu_);
  auto stmt = db_.Cached(
      "SELECT device_id, server, user, display_name, role, scopes, node, token, cursor, "
      "next_batch_seq, in_flight_seq, hlc_last, clock_offset_ms, repair_scope, repair_cursor, "
      "last_sync_ms FROM sync_state WHERE id = 1");
  if (!stmt.ok()) return stmt.status();
  auto row = stmt->Step();
  if (!row.ok()) return row.status();
  if (!*row) return Internal("sync state row is missing");
  DeviceState s;
  s.device_id = stmt->Text(0);
  s.login.server = stmt->Text(1);
  s.login.user = stmt->Text(2);
  s.login.display_name = stmt->Text(3);
  s.login.role = static_cast<Role>(stmt->Int(4));
  s.login.scopes = SplitScopes(stmt->Text(5));
  s.login.node = static_cast<uint32_t>(stmt->Int(6));
  s.login.token = stmt->Blob(7);
  s.cursor = static_cast<uint64_t>(stmt->Int(8));
  s.next_batch_seq = static_cast<uint64_t>(stmt->Int(9));
  s.in_flight_seq = static_cast<uint64_t>(stmt->Int(10));
  s.hlc_last = static_cast<uint64_t>(stmt->Int(11));
  s.clock_offset_ms = stmt->Int(12);
  s.repair_scope = stmt->Text(13);
  s.repair_cursor = static_cast<uint64_t>(stmt->Int(14));
  s.last_sync_ms = stmt->Int(15);
  return s;
}

Status DeviceStore::SaveLogin(const LoginInfo& login, int64_t server_time_ms) {
  if (login.node == 0 || login.token.empty()) return InvalidArgument("login without node or token");
  for (const auto& scope : login.scopes) {
    if (!IsValidScopePath(scope)) return InvalidArgument("login returned an invalid scope");
  }
  std::lock_guard lock(mu_);
  auto user = db_.Cached("SELECT user FROM sync_state WHERE id = 1");
  if (!user.ok()) return user.status();
  if (auto row = user->Step(); !row.ok()) return row.status();
  const std::string previous = user->Text(0);
  if (!previous.empty() && previous != login.user) {
    return FailedPrecondition("this device holds the data of another user; wipe it first");
  }
  Transaction txn(db_);
  if (Status s = txn.Begin(); !s.ok()) return s;
  auto stmt = db_.Cached(
      "UPDATE sync_state SET server = ?, user = ?, display_name = ?, role = ?, scopes = ?, "
      "node = ?, token = ? WHERE id = 1");
  if (!stmt.ok()) return stmt.status();
  stmt->BindText(1, login.server).BindText(2, login.user).BindText(3, login.display_name);
  stmt->Bind(4, static_cast<int64_t>(login.role)).BindText(5, JoinScopes(login.scopes));
  stmt->Bind(6, login.node).BindBlob(7, login.token);
  if (Status s = stmt->Run(); !s.ok()) return s;
  clock_.set_node(login.node);
  scopes_ = login.scopes;
  user_ = login.user;
  role_ = login.role;
  clock_offset_ms_ = server_time_ms - (WallNow() - clock_offset_ms_);
  (void)clock_.Observe(Stamp::Pack(static_cast<uint64_t>(server_time_ms), 0));
  if (Status s = SaveClock(); !s.ok()) return s;
  return txn.Commit();
}

Status DeviceStore::ForgetToken() {
  std::lock_guard lock(mu_);
  return db_.Exec("UPDATE sync_state SET token = NULL WHERE id = 1");
}

Status DeviceStore::Wipe() {
  std::lock_guard lock(mu_);
  ++outbox_version_;
  // secure_delete overwrites freed pages, VACUUM and the checkpoint drop them from the
  // file and the WAL: nothing about the children stays readable on a lost phone.
  if (Status s = db_.Exec("PRAGMA secure_delete = ON"); !s.ok()) return s;
  {
    Transaction txn(db_);
    if (Status s = txn.Begin(); !s.ok()) return s;
    for (const char* table : {"record", "outbox_entry", "rejected_write",
                              "scope_checksum", "repair_seen", "sync_state", "device_blob"}) {
      if (Status s = db_.Exec(std::string("DELETE FROM ") + table); !s.ok()) return s;
    }
    auto insert = db_.Cached("INSERT INTO sync_state(id, device_id, hlc_last) VALUES (1, ?, ?)");
    if (!insert.ok()) return insert.status();
    insert->BindText(1, NewId().ToString()).Bind(2, static_cast<int64_t>(clock_.last()));
    if (Status s = insert->Run(); !s.ok()) return s;
    if (Status s = txn.Commit(); !s.ok()) return s;
  }
  clock_.set_node(0);
  clock_offset_ms_ = 0;
  flight_records_.clear();
  scopes_.clear();
  user_.clear();
  if (Status s = RemoveBlobFiles(); !s.ok()) return s;  // photos of children go too
  if (Status s = db_.Exec("VACUUM"); !s.ok()) return s;
  if (Status s = db_.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); !s.ok()) return s;
  return db_.Exec("PRAGMA secure_delete = OFF");
}

Status DeviceStore::CheckWritable(const std::string& type, const std::string& name,
                                  const Value& value, bool record_exists) const {
  // The server's own rules (core/record_types.h), so a mistake is told at once, not after
  // the next sync. A status move is left to the server: only it knows the current status.
  if (Status s = record_types::CheckFieldValue(type, name, value); !s.ok()) return s;
  if (type.empty()) return Status::Ok();
  return record_types::CheckWriteAllowed(role_, type, name, record_exists);
}

Status DeviceStore::CheckCreate(const std::string& type, const std::string& scope,
                                const FieldValues& fields) const {
  if (!record_types::IsKnownRecordType(type)) {
    return InvalidArgument("unknown record type '" + type.substr(0, 32) + "'");
  }
  if (!IsValidScopePath(scope)) return InvalidArgument("invalid scope '" + scope + "'");
  if (fields.empty()) return InvalidArgument("a new record needs at least one field");
  if (clock_.node() == 0) return FailedPrecondition("log in before writing");
  if (!AnyScopeCovers(scopes_, scope)) {
    return PermissionDenied("scope '" + scope + "' is not one of this login's scopes");
  }
  return Status::Ok();
}

Result<Uuid> DeviceStore::InsertRecord(const std::string& type, const std::string& scope,
                                       const FieldValues& fields, const Stamp& stamp) {
  const Uuid id = NewId();
  auto insert = db_.Cached("INSERT INTO record(id, type, scope) VALUES (?, ?, ?)");
  if (!insert.ok()) return insert.status();
  insert->BindBlob(1, id.AsBytes()).BindText(2, type).BindText(3, scope);
  if (Status s = insert->Run(); !s.ok()) return s;
  if (Status s = WriteFields(id, fields, stamp, type); !s.ok()) return s;
  return id;
}

Result<Uuid> DeviceStore::Create(const std::string& type, const std::string& scope,
                                 const FieldValues& fields) {
  std::lock_guard lock(mu_);
  if (Status s = CheckCreate(type, scope, fields); !s.ok()) return s;
  Transaction txn(db_);
  if (Status s = txn.Begin(); !s.ok()) return s;
  auto id = InsertRecord(type, scope, fields, clock_.Now());
  if (!id.ok()) return id.status();
  if (Status s = SaveClock(); !s.ok()) return s;
  if (Status s = txn.Commit(); !s.ok()) return s;
  return id;
}

Result<Uuid> DeviceStore::SetAndCreate(const Uuid& id, const FieldValues& fields,
                                       const std::string& type, const std::string& scope,
                                       const FieldValues& new_fields) {
  if (fields.empty()) return InvalidArgument("no field to write");
  std::lock_guard lock(mu_);
  if (Status s = CheckCreate(type, scope, new_fields); !s.ok()) return s;
  Transaction txn(db_);
  if (Status s = txn.Begin(); !s.ok()) return s;
  const Stamp stamp = clock_.Now();
  if (Status s = WriteFields(id, fields, stamp); !s.ok()) return s;
  auto created = InsertRecord(type, scope, new_fields, stamp);
  if (!created.ok()) return created.status();
  if (Status s = SaveClock(); !s.ok()) return s;
  if (Status s = txn.Commit(); !s.ok()) return s;
  return created;
}

Status DeviceStore::Set(const Uuid& id, const FieldValues& fields) {
  if (fields.empty()) return InvalidArgument("no field to write");
  std::lock_guard lock(mu_);
  if (clock_.node() == 0) return FailedPrecondition("log in before writing");
  Transaction txn(db_);
  if (Status s = txn.Begin(); !s.ok()) return s;
  if (Status s = WriteFields(id, fields, clock_.Now()); !s.ok()) return s;
  if (Status s = SaveClock(); !s.ok()) return s;
  return txn.Commit();
}

Status DeviceStore::Delete(const Uuid& id) { return Set(id, {{kDeletedField, Value(true)}}); }

Result<int64_t> DeviceStore::PendingCount() {
  std::lock_guard lock(mu_);
  return db_.QueryInt(
      "SELECT coalesce(sum(field_count), 0) FROM outbox_entry WHERE seq > "
      "(SELECT answered_through FROM sync_state WHERE id = 1)");
}

Status DeviceStore::ResolveConflict(const Uuid& conflict_id, const Value& chosen,
                                    const std::string& resolution) {
  std::lock_guard lock(mu_);
  if (clock_.node() == 0) return FailedPrecondition("log in before writing");
  auto target = db_.Cached("SELECT type, fields FROM record WHERE id = ?");
  if (!target.ok()) return target.status();
  target->BindBlob(1, conflict_id.AsBytes());
  auto found = target->Step();
  if (!found.ok()) return found.status();
  if (!*found || target->Text(0) != type::kConflict) return NotFound("no such conflict");
  const std::string blob = target->Blob(1);
  target->Reset();
  std::vector<StoredField> confirmed;
  if (Status s = DecodeFields(blob, &confirmed); !s.ok()) return s;
  std::string record_text, field_name;
  for (const char* name : {field::kConflictRecord, field::kConflictField}) {
    const StoredField* f = FindField(confirmed, name);
    if (!f) return NotFound("no such conflict");
    auto value = DecodeValue(f->value);
    if (!value.ok() || value->type() != ValueType::kText) return Internal("malformed conflict");
    (name == field::kConflictRecord ? record_text : field_name) =
        *value->get_if<std::string>();
  }
  const auto record_id = Uuid::Parse(record_text);
  if (!record_id) return Internal("malformed conflict");
  Transaction txn(db_);
  if (Status s = txn.Begin(); !s.ok()) return s;
  const Stamp stamp = clock_.Now();
  if (Status s = WriteFields(*record_id, {{field_name, chosen}}, stamp); !s.ok()) return s;
  const FieldValues decision = {{field::kStatus, Value("resolved")},
                                {field::kResolution, Value(resolution)},
                                {field::kResolvedBy, Value(user_)}};
  if (Status s = WriteFields(conflict_id, decision, stamp); !s.ok()) return s;
  if (Status s = SaveClock(); !s.ok()) return s;
  return txn.Commit();
}

Status DeviceStore::WriteFields(const Uuid& id, const FieldValues& fields, const Stamp& stamp,
                                const std::string& new_record_type) {
  // Malformed input is refused before anything is looked up or written.
  for (const auto& [name, value] : fields) {
    if (Status s = CheckWritable("", name, value, false); !s.ok()) return s;
  }
  ++outbox_version_;  // a pending entry may be coalesced into (a prepared batch goes stale)
  const bool new_record = !new_record_type.empty();
  const std::string id_bytes(id.AsBytes());
  std::string type = new_record_type;
  std::string confirmed_blob;  // the record's confirmed fields: the bases of first edits
  if (!new_record) {
    auto known = db_.Cached("SELECT type, fields FROM record WHERE id = ?");
    if (!known.ok()) return known.status();
    known->BindBlob(1, id_bytes);
    auto found = known->Step();
    if (!found.ok()) return found.status();
    if (!*found) return NotFound("no record " + id.ToString());
    type = known->Text(0);
    confirmed_blob = known->Blob(1);
  }
  for (const auto& [name, value] : fields) {
    if (Status s = CheckWritable(type, name, value, !new_record); !s.ok()) return s;
  }
  std::vector<StoredField> confirmed;
  if (Status s = DecodeFields(confirmed_blob, &confirmed); !s.ok()) return s;
  // Entries above in_flight_through are pending (store_internal.h).
  int64_t sent_through = 0;
  if (!new_record) {
    auto marks = ReadMarks(db_);
    if (!marks.ok()) return marks.status();
    sent_through = marks->in_flight_through;
  }

  std::vector<std::string> encoded_values;
  encoded_values.reserve(fields.size());
  for (const auto& [name, value] : fields) {
    encoded_values.push_back(EncodeValue(value));
    if (encoded_values.back().size() > kMaxValueBytes) {
      return InvalidArgument("value of '" + name + "' is too large");
    }
  }
  auto append = db_.Cached(
      "INSERT INTO outbox_entry(record_id, name, value, hlc, base_hlc, base_node, field_count, "
      "has_blobs) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  if (!append.ok()) return append.status();
  size_t total_bytes = 0;
  for (const std::string& v : encoded_values) total_bytes += v.size();
  if (new_record && fields.size() > 1 && total_bytes <= kMaxGroupBytes) {
    // One group entry for all of them (store_internal.h kGroupEntry); no field has a base.
    std::vector<StoredField> group;
    group.reserve(fields.size());
    size_t i = 0;
    for (const auto& [name, value] : fields) {  // a std::map: in name order
      group.push_back(StoredField{name, encoded_values[i++], stamp.hlc, stamp.node});
    }
    std::string blob;
    const bool blobs = EncodeGroup(group, &blob);
    append->Reset();
    append->BindBlob(1, id_bytes).BindText(2, std::string(kGroupEntry)).BindBlob(3, blob);
    append->Bind(4, static_cast<int64_t>(stamp.hlc)).BindNull(5).BindNull(6);
    append->Bind(7, static_cast<int64_t>(fields.size())).Bind(8, blobs ? 1 : 0);
    if (Status s = append->Run(); !s.ok()) return s;
    for (const auto& [name, value] : fields) {
      if (IsQueryKey(type, name)) {
        if (Status s = PutKey(db_, id_bytes, name, KeyText(value)); !s.ok()) return s;
      }
    }
    return Status::Ok();
  }

  auto latest = db_.Cached(
      "SELECT seq, hlc FROM outbox_entry WHERE record_id = ? AND name = ? "
      "ORDER BY seq DESC LIMIT 1");
  auto coalesce = db_.Cached("UPDATE outbox_entry SET value = ?, hlc = ?, has_blobs = ? WHERE seq = ?");
  // A group's own hlc stays the record's first stamp, the one most of its fields share.
  auto coalesce_group = db_.Cached("UPDATE outbox_entry SET value = ?, has_blobs = ? WHERE seq = ?");
  for (auto* s : {&latest, &coalesce, &coalesce_group}) {
    if (!s->ok()) return s->status();
  }
  // The record's group, read and decoded once: a field may be in it (kGroupEntry). `group`
  // views `group_blob`.
  int64_t group_seq = 0;
  std::string group_blob;
  std::vector<StoredField> group;
  if (!new_record) {
    auto seq = ReadGroup(db_, id_bytes, &group_blob);
    if (!seq.ok()) return seq.status();
    group_seq = *seq;
    if (Status s = DecodeFields(group_blob, &group); !s.ok()) return s;
  }
  size_t i = 0;
  for (const auto& [name, value] : fields) {
    const std::string& encoded = encoded_values[i++];
    // A new record has no earlier entry and no confirmed value to look for.
    Result<bool> row = false;
    if (!new_record) {
      latest->Reset();
      latest->BindBlob(1, id_bytes).BindText(2, name);
      row = latest->Step();
      if (!row.ok()) return row.status();
    }
    // The newest entry of this field: a single entry (newer than any group), else a group's.
    int64_t entry_seq = 0;
    std::optional<Stamp> entry_stamp;
    StoredField* in_group = nullptr;
    if (*row) {
      entry_seq = latest->Int(0);
      entry_stamp = Stamp{static_cast<uint64_t>(latest->Int(1)), stamp.node};
    } else if (const StoredField* found = FindField(group, name)) {
      in_group = &group[static_cast<size_t>(found - group.data())];
      entry_seq = group_seq;
      entry_stamp = Stamp{in_group->hlc, in_group->node};
    }
    if (entry_stamp && entry_seq > sent_through) {
      // Coalesce: the server will see one write, based on what the user first edited.
      if (in_group) {
        *in_group = StoredField{in_group->name, encoded, stamp.hlc, stamp.node};
        std::string blob;
        const bool blobs = EncodeGroup(group, &blob);
        group_blob = std::move(blob);
        // `group` viewed the old blob: it views the new one from here on.
        if (Status s = DecodeFields(group_blob, &group); !s.ok()) return s;
        coalesce_group->Reset();
        coalesce_group->BindBlob(1, group_blob).Bind(2, blobs ? 1 : 0).Bind(3, group_seq);
        if (Status s = coalesce_group->Run(); !s.ok()) return s;
      } else {
        coalesce->Reset();
        coalesce->BindBlob(1, encoded).Bind(2, static_cast<int64_t>(stamp.hlc));
        coalesce->Bind(3, MayHoldBlob(encoded) ? 1 : 0).Bind(4, entry_seq);
        if (Status s = coalesce->Run(); !s.ok()) return s;
      }
    } else {
      append->Reset();
      append->BindBlob(1, id_bytes).BindText(2, name).BindBlob(3, encoded);
      append->Bind(4, static_cast<int64_t>(stamp.hlc));
      if (entry_stamp) {  // in flight or answered: this write is based on it
        append->Bind(5, static_cast<int64_t>(entry_stamp->hlc)).Bind(6, entry_stamp->node);
      } else if (const StoredField* base = FindField(confirmed, name)) {
        append->Bind(5, static_cast<int64_t>(base->hlc)).Bind(6, base->node);
      } else {
        append->BindNull(5).BindNull(6);
      }
      append->Bind(7, 1).Bind(8, MayHoldBlob(encoded) ? 1 : 0);
      if (Status s = append->Run(); !s.ok()) return s;
    }
    if (IsQueryKey(type, name)) {
      if (Status s = PutKey(db_, id_bytes, name, KeyText(value)); !s.ok()) return s;
    }
  }
  return Status::Ok();
}

}  // namespace homevisit::store
