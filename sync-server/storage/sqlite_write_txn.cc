#include "sync-server/storage/sqlite_write_txn.h"

#include <algorithm>
#include <optional>

#include "core/checksum.h"
#include "sync-server/storage/record_codec.h"
#include "sync-server/storage/value_codec.h"

namespace homevisit::server {

Result<std::unique_ptr<WriteTxn>> SqliteWriteTxn::Begin(std::unique_lock<std::mutex> lock,
                                                        sqlite::Connection& conn) {
  if (Status s = conn.Exec("BEGIN IMMEDIATE"); !s.ok()) return s;
  return std::unique_ptr<WriteTxn>(new SqliteWriteTxn(std::move(lock), conn));
}

SqliteWriteTxn::~SqliteWriteTxn() {
  if (open_) (void)conn_.Exec("ROLLBACK");
}

Result<bool> SqliteWriteTxn::MarkBatch(uint32_t node, uint64_t batch_seq) {
  auto q = conn_.Prepare(
      "INSERT INTO batches(node, batch_seq) VALUES (?1, ?2) ON CONFLICT DO NOTHING");
  if (!q.ok()) return q.status();
  q->Bind(1, static_cast<int64_t>(node)).Bind(2, ToSql(batch_seq));
  if (Status s = q->Run(); !s.ok()) return s;
  return conn_.Changes() == 1;
}

Status SqliteWriteTxn::SaveBatchAnswer(uint32_t node, uint64_t batch_seq,
                                       const std::string& answer) {
  auto q = conn_.Prepare("UPDATE batches SET answer = ?3 WHERE node = ?1 AND batch_seq = ?2");
  if (!q.ok()) return q.status();
  q->Bind(1, static_cast<int64_t>(node)).Bind(2, ToSql(batch_seq)).BindBlob(3, answer);
  return q->Run();
}

Result<std::string> SqliteWriteTxn::DeviceOwnerName(uint32_t node) {
  auto q = conn_.Prepare(
      "SELECT u.display_name FROM devices d JOIN users u ON u.id = d.user_id WHERE d.node = ?1");
  if (!q.ok()) return q.status();
  q->Bind(1, static_cast<int64_t>(node));
  auto row = q->Step();
  if (!row.ok()) return row.status();
  return *row ? q->Text(0) : std::string();
}

Result<std::string> SqliteWriteTxn::BatchAnswer(uint32_t node, uint64_t batch_seq) {
  auto q = conn_.Prepare("SELECT answer FROM batches WHERE node = ?1 AND batch_seq = ?2");
  if (!q.ok()) return q.status();
  q->Bind(1, static_cast<int64_t>(node)).Bind(2, ToSql(batch_seq));
  auto row = q->Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::string();
  return q->Blob(0);
}

Result<SqliteWriteTxn::CachedRecord*> SqliteWriteTxn::Cached(const Uuid& id) {
  if (last_ && last_id_ == id) return last_;
  auto [it, inserted] = records_.try_emplace(id);
  CachedRecord& record = it->second;
  if (!inserted) {
    last_id_ = id;
    last_ = &record;
    return &record;
  }
  auto q = conn_.Prepare("SELECT type, scope, fields FROM records WHERE id = ?1");
  if (!q.ok()) {
    records_.erase(it);
    return q.status();
  }
  q->BindBlob(1, id.AsBytes());
  auto row = q->Step();
  if (!row.ok()) {
    records_.erase(it);
    return row.status();
  }
  if (*row) {
    record.present = record.stored = true;
    record.header = RecordHeader{id, q->Text(0), q->Text(1)};
    const std::string bytes = q->Blob(2);
    std::vector<EncodedField> fields;
    if (Status s = DecodeRecordFields(bytes, &fields); !s.ok()) {
      records_.erase(it);
      return s;
    }
    record.fields.reserve(fields.size());
    for (const EncodedField& f : fields) {  // in name order (record_codec.h)
      record.stored_positions.insert(f.seq);
      record.fields.push_back(CachedField{std::string(f.name), f.stamp, std::string(f.value), f.seq});
    }
  }
  last_id_ = id;
  last_ = &record;
  return &record;
}

Result<std::optional<Record>> SqliteWriteTxn::LoadRecord(const Uuid& id) {
  auto cached = Cached(id);
  if (!cached.ok()) return cached.status();
  const CachedRecord& c = **cached;
  if (!c.present) return std::optional<Record>();
  Record record{id, c.header.type, c.header.scope, {}};
  for (const CachedField& field : c.fields) {
    auto value = DecodeValue(field.encoded);
    if (!value.ok()) return value.status();
    record.fields.emplace_hint(record.fields.end(), field.name,
                               FieldVersion{std::move(value).value(), field.stamp});
  }
  return std::optional<Record>(std::move(record));
}

Result<bool> SqliteWriteTxn::WasSuperseded(const Uuid& id, const std::string& field,
                                           const Stamp& stamp) {
  auto q = conn_.Prepare(
      "SELECT 1 FROM field_history WHERE record_id = ?1 AND name = ?2 AND hlc = ?3 AND node = ?4");
  if (!q.ok()) return q.status();
  q->BindBlob(1, id.AsBytes()).Bind(2, field).Bind(3, ToSql(stamp.hlc));
  q->Bind(4, static_cast<int64_t>(stamp.node));
  return q->Step();
}

Result<uint64_t> SqliteWriteTxn::NextSeq() {
  if (!seq_loaded_) {
    auto q = conn_.Prepare("SELECT value FROM counters WHERE name = 'last_seq'");
    if (!q.ok()) return q.status();
    auto row = q->Step();
    if (!row.ok()) return row.status();
    if (!*row) return Internal("database: the change counter is missing");
    stored_seq_ = seq_ = FromSql(q->Int(0));
    seq_loaded_ = true;
  }
  return ++seq_;
}

SqliteWriteTxn::ChecksumDelta& SqliteWriteTxn::DeltaOf(const std::string& scope) {
  if (last_delta_ && *last_delta_scope_ == scope) return *last_delta_;
  auto it = checksum_deltas_.try_emplace(scope).first;
  last_delta_scope_ = &it->first;
  last_delta_ = &it->second;
  return it->second;
}

Status SqliteWriteTxn::PutField(const RecordHeader& header, const std::string& field,
                                const FieldVersion& version,
                                const std::optional<FieldVersion>& previous) {
  return PutEncodedField(header, field, version, EncodeValue(version.value), previous);
}

Status SqliteWriteTxn::PutEncodedField(const RecordHeader& header, const std::string& field,
                                       const FieldVersion& version, std::string_view encoded,
                                       const std::optional<FieldVersion>& previous) {
  if (!open_) return FailedPrecondition("the transaction is over");
  auto cached = Cached(header.id);
  if (!cached.ok()) return cached.status();
  CachedRecord& record = **cached;
  if (!record.present) {
    record.present = true;
    record.header = header;
  } else if (record.header.type != header.type || record.header.scope != header.scope) {
    return InvalidArgument("record " + header.id.ToString() + " exists with another type or scope");
  }
  // A record's fields usually come in name order: most land at the end.
  std::vector<CachedField>& fields = record.fields;
  auto current = fields.empty() || fields.back().name < field
                     ? fields.end()
                     : std::lower_bound(fields.begin(), fields.end(), field,
                                        [](const CachedField& f, const std::string& name) {
                                          return f.name < name;
                                        });
  const bool exists = current != fields.end() && current->name == field;
  const bool matches = exists ? previous && previous->stamp == current->stamp : !previous;
  if (!matches) {
    return Internal("PutField: the previous version given for field '" + field +
                    "' is not the stored one");
  }
  // One position per changed record and transaction: every field the transaction changes
  // in it carries that position, and one change entry at Commit points to them.
  if (!record.changed) {
    auto seq = NextSeq();
    if (!seq.ok()) return seq.status();
    record.changed = true;
    record.seq = *seq;
    changed_.push_back(header.id);
  }
  ChecksumDelta& delta = DeltaOf(header.scope);
  if (exists) {
    auto history = conn_.Prepare(
        "INSERT INTO field_history(record_id, name, hlc, node, value, replaced_seq) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING");
    if (!history.ok()) return history.status();
    const Stamp old = current->stamp;
    history->BindBlob(1, header.id.AsBytes()).Bind(2, field).Bind(3, ToSql(old.hlc));
    history->Bind(4, static_cast<int64_t>(old.node));
    history->BindBlob(5, current->encoded).Bind(6, ToSql(record.seq));
    if (Status s = history->Run(); !s.ok()) return s;
    delta.remove += FieldHash(header.id, field, old);  // unsigned: wraps modulo 2^64
    current->stamp = version.stamp;
    current->encoded.assign(encoded);
    current->seq = record.seq;
  } else {
    ++delta.count;
    fields.insert(current, CachedField{field, version.stamp, std::string(encoded), record.seq});
  }
  delta.add += FieldHash(header.id, field, version.stamp);
  return Status::Ok();
}

Status SqliteWriteTxn::PutNewRecord(const RecordHeader& header,
                                    const std::vector<NewField>& fields) {
  if (!open_) return FailedPrecondition("the transaction is over");
  if (fields.empty()) return Status::Ok();
  auto cached = Cached(header.id);
  if (!cached.ok()) return cached.status();
  CachedRecord& record = **cached;
  if (record.present) {
    return Internal("PutNewRecord: record " + header.id.ToString() + " exists");
  }
  for (size_t i = 1; i < fields.size(); ++i) {
    if (!(fields[i - 1].name < fields[i].name)) {
      return Internal("PutNewRecord: the fields are not in ascending name order");
    }
  }
  auto seq = NextSeq();
  if (!seq.ok()) return seq.status();
  record.present = true;
  record.header = header;
  record.changed = true;
  record.seq = *seq;
  changed_.push_back(header.id);
  ChecksumDelta& delta = DeltaOf(header.scope);
  const RecordFieldHasher hash(header.id);
  record.fields.reserve(fields.size());
  for (const NewField& f : fields) {
    record.fields.push_back(
        CachedField{std::string(f.name), f.stamp,
                    f.encoded.empty() ? EncodeValue(*f.value) : std::string(f.encoded), *seq});
    delta.add += hash(f.name, f.stamp);  // unsigned: wraps modulo 2^64
  }
  delta.count += static_cast<int64_t>(fields.size());
  return Status::Ok();
}

Status SqliteWriteTxn::WriteRecords() {
  // Each statement looked up once for all the records, when first needed.
  std::optional<sqlite::Statement> update_row, insert_row, insert_entry, drop_entry;
  auto statement = [&](std::optional<sqlite::Statement>& slot,
                       const char* sql) -> Result<sqlite::Statement*> {
    if (!slot) {
      auto prepared = conn_.Prepare(sql);
      if (!prepared.ok()) return prepared.status();
      slot.emplace(std::move(prepared).value());
    } else {
      slot->Reset();
    }
    return &*slot;
  };
  std::vector<EncodedField> fields;
  std::vector<uint64_t> live;  // the positions its fields point to, sorted
  for (const Uuid& id : changed_) {
    const CachedRecord& record = records_.at(id);
    fields.clear();
    live.clear();
    for (const CachedField& f : record.fields) {
      fields.push_back(EncodedField{f.name, f.encoded, f.stamp, f.seq});
      live.push_back(f.seq);
    }
    std::sort(live.begin(), live.end());
    const std::string bytes = EncodeRecordFields(fields);
    const RecordSummary summary = SummarizeRecord(record.header.type, fields);
    auto row = record.stored
                   ? statement(update_row,
                               "UPDATE records SET fields = ?2, field_count = ?3, deleted = ?4, "
                               "open_conflict = ?5 WHERE id = ?1")
                   : statement(insert_row,
                               "INSERT INTO records(id, fields, field_count, deleted, open_conflict, "
                               "type, scope) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    if (!row.ok()) return row.status();
    sqlite::Statement& put = **row;
    put.BindBlob(1, id.AsBytes()).BindBlob(2, bytes).Bind(3, summary.field_count);
    put.Bind(4, summary.deleted ? 1 : 0).Bind(5, summary.open_conflict ? 1 : 0);
    if (!record.stored) put.Bind(6, record.header.type).Bind(7, record.header.scope);
    if (Status s = put.Run(); !s.ok()) return s;
    auto entry = statement(insert_entry, "INSERT INTO changes(seq, record_id, scope) VALUES (?1, ?2, ?3)");
    if (!entry.ok()) return entry.status();
    (*entry)->Bind(1, ToSql(record.seq)).BindBlob(2, id.AsBytes()).Bind(3, record.header.scope);
    if (Status s = (*entry)->Run(); !s.ok()) return s;
    // Earlier positions of the record whose every field was written again point to
    // nothing now: their entries go, so the feed does not grow with edits.
    for (uint64_t old : record.stored_positions) {
      if (std::binary_search(live.begin(), live.end(), old)) continue;
      auto drop = statement(drop_entry, "DELETE FROM changes WHERE seq = ?1");
      if (!drop.ok()) return drop.status();
      (*drop)->Bind(1, ToSql(old));
      if (Status s = (*drop)->Run(); !s.ok()) return s;
    }
  }
  return Status::Ok();
}

Status SqliteWriteTxn::FlushChecksums() {
  // Arithmetic modulo 2^64 happens here in C++: SQLite turns integer overflow into a REAL.
  for (const auto& [scope, d] : checksum_deltas_) {
    auto read = conn_.Prepare("SELECT sum, count FROM scope_checksums WHERE scope = ?1");
    if (!read.ok()) return read.status();
    read->Bind(1, scope);
    auto row = read->Step();
    if (!row.ok()) return row.status();
    uint64_t sum = *row ? FromSql(read->Int(0)) : 0;
    int64_t count = *row ? read->Int(1) : 0;
    sum = sum + d.add - d.remove;
    count += d.count;
    auto write = conn_.Prepare(
        "INSERT INTO scope_checksums(scope, sum, count) VALUES (?1, ?2, ?3) "
        "ON CONFLICT(scope) DO UPDATE SET sum = excluded.sum, count = excluded.count");
    if (!write.ok()) return write.status();
    write->Bind(1, scope).Bind(2, ToSql(sum)).Bind(3, count);
    if (Status s = write->Run(); !s.ok()) return s;
  }
  checksum_deltas_.clear();
  return Status::Ok();
}

Status SqliteWriteTxn::Commit() {
  if (!open_) return FailedPrecondition("the transaction is over");
  if (Status s = WriteRecords(); !s.ok()) return s;
  if (Status s = FlushChecksums(); !s.ok()) return s;
  if (seq_loaded_ && seq_ != stored_seq_) {
    auto q = conn_.Prepare("UPDATE counters SET value = ?1 WHERE name = 'last_seq'");
    if (!q.ok()) return q.status();
    q->Bind(1, ToSql(seq_));
    if (Status s = q->Run(); !s.ok()) return s;
  }
  if (Status s = conn_.Exec("COMMIT"); !s.ok()) return s;
  open_ = false;
  lock_.unlock();
  return Status::Ok();
}

}  // namespace homevisit::server
