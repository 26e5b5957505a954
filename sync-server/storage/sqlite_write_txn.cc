#include "sync-server/storage/sqlite_write_txn.h"

#include "core/checksum.h"
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

Result<std::optional<Record>> SqliteWriteTxn::LoadRecord(const Uuid& id) {
  auto head = conn_.Prepare("SELECT type, scope FROM records WHERE id = ?1");
  if (!head.ok()) return head.status();
  head->BindBlob(1, id.AsBytes());
  auto row = head->Step();
  if (!row.ok()) return row.status();
  if (!*row) {
    loaded_records_.insert(id);  // no record: no field
    return std::optional<Record>();
  }
  Record record;
  record.id = id;
  record.type = head->Text(0);
  record.scope = head->Text(1);
  auto fields = conn_.Prepare("SELECT name, value, hlc, node FROM fields WHERE record_id = ?1");
  if (!fields.ok()) return fields.status();
  fields->BindBlob(1, id.AsBytes());
  while (true) {
    auto next = fields->Step();
    if (!next.ok()) return next.status();
    if (!*next) break;
    auto value = DecodeValue(fields->Blob(1));
    if (!value.ok()) return value.status();
    record.fields[fields->Text(0)] =
        FieldVersion{std::move(value).value(),
                     Stamp{FromSql(fields->Int(2)), static_cast<uint32_t>(fields->Int(3))}};
  }
  if (loaded_records_.insert(id).second) {
    for (const auto& [name, version] : record.fields) field_stamps_[{id, name}] = version.stamp;
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

Status SqliteWriteTxn::EnsureRecord(const RecordHeader& record) {
  if (known_records_.count(record.id)) return Status::Ok();
  auto insert = conn_.Prepare(
      "INSERT INTO records(id, type, scope) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING");
  if (!insert.ok()) return insert.status();
  insert->BindBlob(1, record.id.AsBytes()).Bind(2, record.type).Bind(3, record.scope);
  if (Status s = insert->Run(); !s.ok()) return s;
  if (conn_.Changes() == 0) {
    // The record existed: its type and scope never change.
    auto head = conn_.Prepare("SELECT type, scope FROM records WHERE id = ?1");
    if (!head.ok()) return head.status();
    head->BindBlob(1, record.id.AsBytes());
    auto row = head->Step();
    if (!row.ok()) return row.status();
    if (!*row || head->Text(0) != record.type || head->Text(1) != record.scope) {
      return InvalidArgument("record " + record.id.ToString() +
                             " exists with another type or scope");
    }
  }
  known_records_.insert(record.id);
  return Status::Ok();
}

Status SqliteWriteTxn::CheckPrevious(const RecordHeader& record, const std::string& field,
                                     const std::optional<FieldVersion>& previous) {
  if (loaded_records_.count(record.id)) {
    auto it = field_stamps_.find({record.id, field});
    const bool matches = it == field_stamps_.end() ? !previous
                                                   : previous && previous->stamp == it->second;
    if (!matches) {
      return Internal("PutField: the previous version given for field '" + field +
                      "' is not the stored one");
    }
    return Status::Ok();
  }
  auto q = conn_.Prepare("SELECT hlc, node FROM fields WHERE record_id = ?1 AND name = ?2");
  if (!q.ok()) return q.status();
  q->BindBlob(1, record.id.AsBytes()).Bind(2, field);
  auto row = q->Step();
  if (!row.ok()) return row.status();
  const bool matches =
      *row ? previous && previous->stamp == Stamp{FromSql(q->Int(0)),
                                                  static_cast<uint32_t>(q->Int(1))}
           : !previous;
  if (!matches) {
    return Internal("PutField: the previous version given for field '" + field +
                    "' is not the stored one");
  }
  return Status::Ok();
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

Status SqliteWriteTxn::UpdateChecksum(const std::string& scope, int64_t delta_count,
                                      uint64_t add, uint64_t remove) {
  ChecksumDelta& d = checksum_deltas_[scope];
  d.add += add;  // unsigned: wraps modulo 2^64 like the stored sum
  d.remove += remove;
  d.count += delta_count;
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

Status SqliteWriteTxn::PutField(const RecordHeader& record, const std::string& field,
                                const FieldVersion& version,
                                const std::optional<FieldVersion>& previous) {
  if (!open_) return FailedPrecondition("the transaction is over");
  if (Status s = EnsureRecord(record); !s.ok()) return s;
  if (Status s = CheckPrevious(record, field, previous); !s.ok()) return s;
  auto seq = NextSeq();
  if (!seq.ok()) return seq.status();
  if (previous) {
    auto history = conn_.Prepare(
        "INSERT INTO field_history(record_id, name, hlc, node, value, replaced_seq) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING");
    if (!history.ok()) return history.status();
    history->BindBlob(1, record.id.AsBytes()).Bind(2, field).Bind(3, ToSql(previous->stamp.hlc));
    history->Bind(4, static_cast<int64_t>(previous->stamp.node));
    history->BindBlob(5, EncodeValue(previous->value)).Bind(6, ToSql(*seq));
    if (Status s = history->Run(); !s.ok()) return s;
  }
  auto put = conn_.Prepare(
      "INSERT INTO fields(record_id, name, scope, value, hlc, node, seq) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(record_id, name) DO UPDATE SET "
      "value = excluded.value, hlc = excluded.hlc, node = excluded.node, seq = excluded.seq");
  if (!put.ok()) return put.status();
  put->BindBlob(1, record.id.AsBytes()).Bind(2, field).Bind(3, record.scope);
  put->BindBlob(4, EncodeValue(version.value)).Bind(5, ToSql(version.stamp.hlc));
  put->Bind(6, static_cast<int64_t>(version.stamp.node)).Bind(7, ToSql(*seq));
  if (Status s = put->Run(); !s.ok()) return s;
  field_stamps_[{record.id, field}] = version.stamp;
  const uint64_t removed = previous ? FieldHash(record.id, field, previous->stamp) : 0;
  return UpdateChecksum(record.scope, previous ? 0 : 1, FieldHash(record.id, field, version.stamp),
                        removed);
}

Status SqliteWriteTxn::Commit() {
  if (!open_) return FailedPrecondition("the transaction is over");
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
