// Write transactions of the PostgreSQL backend.
//
// ## Locking: merges from several server processes
//
// The merger reads a record, decides with the pure merge rule, and writes. Two processes
// doing that to one record at once must not both decide against the same old state (one
// write would vanish without a conflict record). So the transaction locks every record it
// touches with a transaction-scoped advisory lock on a hash of the record id, before it
// reads it, in a separate statement from the read: READ COMMITTED takes a snapshot per
// statement, so the read sees whatever the previous lock holder committed. The lock is
// also taken for records that do not exist yet, so two creators of one record take turns.
// PutField on a record the caller did not load locks and reads it itself; either way it
// checks `previous` against the stored current version (kInternal if they differ).
//
// The merger locks every record of a batch up front with LockRecords, in ascending key
// order, so two batches over the same records queue instead of deadlocking. A record
// locked later on (a conflict record, or a caller that skips LockRecords) can still close
// a cycle; PostgreSQL detects it within deadlock_timeout and aborts one transaction, which
// surfaces as kUnavailable (the device resends the batch).
//
// ## Buffering
//
// PutField only records the write in memory (the locked record's view, the previous
// version for the history, the checksum delta of the scope). Commit writes each changed
// record's row once, whole (its fields in one bytea, see postgres_internal.h), in one
// multi-row upsert, plus one change entry per changed record (and the removal of entries
// whose every field it changed again), with the history and checksum statements, the
// commit-position step and COMMIT, in one pipeline: one round trip per transaction on top
// of the reads. Each changed record takes one position, whatever number of its fields
// changed. LockRecords reads the records it locks in its own round trip, so the merger's
// LoadRecord calls that follow cost none. Checksum rows are updated in scope
// order, so two committers never wait on each other's checksum rows in a cycle, and the
// global commit counter comes last of all so its lock is held as briefly as possible
// (see postgres_storage.cc for why positions are taken there).
//
// State: OPEN (no statement sent) -> ACTIVE (BEGIN sent with the first statement) ->
// COMMITTED | ROLLED BACK. Any failed call (a statement, or a PutField refused because its
// `previous` is not current) leaves the transaction FAILED: later calls and Commit return
// that error, and destruction rolls back; a batch is never committed half-merged.
#include <algorithm>

#include "core/checksum.h"
#include "sync-server/storage/postgres_internal.h"

namespace homevisit::server::pg {
namespace {

const Statement kBegin = {"txn_begin", "BEGIN"};
const Statement kCommit = {"txn_commit", "COMMIT"};
const Statement kLockRecord = {"lock_record", "SELECT pg_advisory_xact_lock($1::int8)"};

const Statement kLoadRecords = {"load_records", R"sql(
SELECT id, type, scope, fields FROM records WHERE id = ANY($1::bytea[]))sql"};

const Statement kMarkBatch = {"mark_batch", R"sql(
INSERT INTO batches (node, batch_seq) VALUES ($1::int8, $2::int8)
ON CONFLICT DO NOTHING RETURNING 1::int4)sql"};

const Statement kSaveBatchAnswer = {"save_batch_answer", R"sql(
UPDATE batches SET answer = $3::bytea WHERE node = $1::int8 AND batch_seq = $2::int8)sql"};

const Statement kBatchAnswer = {"batch_answer", R"sql(
SELECT coalesce(answer, ''::bytea) FROM batches WHERE node = $1::int8 AND batch_seq = $2::int8)sql"};

const Statement kDeviceOwnerName = {"device_owner_name", R"sql(
SELECT u.display_name FROM devices d JOIN users u ON u.id = d.user_id WHERE d.node = $1::int8)sql"};

const Statement kWasSuperseded = {"was_superseded", R"sql(
SELECT 1::int4 FROM field_history
WHERE record_id = $1::bytea AND name = $2::text AND hlc = $3::int8 AND node = $4::int8)sql"};

const Statement kNextTxn = {"next_txn", "SELECT nextval('write_txns')::int8"};

const Statement kInsertHistory = {"insert_history", R"sql(
INSERT INTO field_history (record_id, name, hlc, node, value)
SELECT * FROM unnest($1::bytea[], $2::text[], $3::int8[], $4::int8[], $5::bytea[])
ON CONFLICT DO NOTHING)sql"};

// Array elements cannot be NULL here (Params), so an absent "_deleted" or "status" comes
// as empty bytes; no value the stats compare with encodes to empty bytes.
const Statement kUpsertRecords = {"upsert_records", R"sql(
INSERT INTO records (id, type, scope, fields, field_count, deleted_value, status_value)
SELECT u.id, u.type, u.scope, u.fields, u.field_count, nullif(u.deleted_value, ''::bytea),
       nullif(u.status_value, ''::bytea)
FROM unnest($1::bytea[], $2::text[], $3::text[], $4::bytea[], $5::int4[], $6::bytea[],
            $7::bytea[])
     AS u(id, type, scope, fields, field_count, deleted_value, status_value)
ON CONFLICT (id) DO UPDATE
SET fields = excluded.fields, field_count = excluded.field_count,
    deleted_value = excluded.deleted_value, status_value = excluded.status_value)sql"};

// One change entry per changed record: its position in the feed once positions are taken.
const Statement kInsertChanges = {"insert_changes", R"sql(
INSERT INTO changes (txn, ord, record_id, scope)
SELECT $1::int8, u.ord, u.record_id, u.scope
FROM unnest($2::int4[], $3::bytea[], $4::text[]) AS u(ord, record_id, scope))sql"};

// Entries no current field refers to any more: every field they brought was changed again
// since. Removing them keeps the feed from walking past empty entries (the old layout left
// a gap there the same way).
const Statement kDeleteChanges = {"delete_changes", R"sql(
DELETE FROM changes e USING unnest($1::int8[], $2::int4[]) AS d(txn, ord)
WHERE e.txn = d.txn AND e.ord = d.ord)sql"};

const Statement kAddChecksums = {"add_checksums", R"sql(
INSERT INTO scope_checksums AS s (scope, sum, count)
SELECT u.scope, u.sum::numeric, u.count
FROM unnest($1::text[], $2::text[], $3::int8[]) AS u(scope, sum, count)
ORDER BY u.scope
ON CONFLICT (scope) DO UPDATE
SET sum = (s.sum + excluded.sum) % 18446744073709551616, count = s.count + excluded.count)sql"};

// Takes $1 consecutive change positions, one per changed record of the transaction (the
// row written with ord k gets first_pos + k - 1), and records the scopes written ($2). Must stay the last statement
// before COMMIT: see postgres_storage.cc.
const Statement kTakePositions = {"take_positions", R"sql(
WITH c AS (UPDATE commit_counter SET last_pos = last_pos + $1::int8 RETURNING last_pos)
INSERT INTO commits (last_pos, first_pos, txn, scopes)
SELECT last_pos, last_pos - $1::int8 + 1, $3::int8, $2::text[] FROM c)sql"};

const Params kNoParams;

}  // namespace

PostgresWriteTxn::~PostgresWriteTxn() {
  if (!finished_) Rollback();
}

void PostgresWriteTxn::Rollback() {
  finished_ = true;
  if (begun_ && !lease_->broken()) (void)lease_->Run("ROLLBACK");
}

Result<std::vector<Rows>> PostgresWriteTxn::Run(std::vector<Step> steps) {
  if (finished_) return FailedPrecondition("the write transaction has already ended");
  if (!failure_.ok()) return failure_;
  const bool opening = !begun_;
  if (opening) {
    // The transaction id comes with BEGIN, in the same round trip: the rows this
    // transaction writes name it (postgres_internal.h). Ids are in no particular order.
    steps.insert(steps.begin(), {Step{&kBegin, &kNoParams}, Step{&kNextTxn, &kNoParams}});
  }
  begun_ = true;
  auto results = lease_->Pipeline(steps);
  if (!results.ok()) {
    failure_ = results.status();
    return results.status();
  }
  if (opening) {
    txn_id_ = static_cast<uint64_t>((*results)[1].Int64(0, 0));
    results->erase(results->begin(), results->begin() + 2);
  }
  return results;
}

Status PostgresWriteTxn::LockRecords(const std::vector<Uuid>& ids) {
  // Ascending key order for every transaction: whoever holds a lock waits only for larger
  // keys, so no cycle of waits can form.
  std::set<int64_t> keys;
  std::set<Uuid> to_load;  // locked by this call or before, but not read yet
  for (const Uuid& id : ids) {
    const int64_t key = RecordLockKey(id);
    if (!lock_keys_.count(key)) keys.insert(key);
    if (!locked_.count(id)) to_load.insert(id);
  }
  if (keys.empty() && to_load.empty()) return Status::Ok();
  std::vector<Params> params;
  params.reserve(keys.size());
  for (int64_t key : keys) params.push_back(Params().Int64(key));
  std::vector<Step> steps;
  for (const Params& p : params) steps.push_back({&kLockRecord, &p});
  // The records are read in the same round trip, after the locks (its own statement, so
  // its snapshot sees what the previous holders committed): the caller's LoadRecord calls
  // then cost no round trip each.
  std::vector<std::string> id_bytes;
  for (const Uuid& id : to_load) id_bytes.emplace_back(id.AsBytes());
  const Params load = Params().BytesArray(id_bytes);
  if (!to_load.empty()) steps.push_back({&kLoadRecords, &load});
  auto results = Run(std::move(steps));
  if (!results.ok()) return results.status();
  lock_keys_.insert(keys.begin(), keys.end());
  if (to_load.empty()) return Status::Ok();
  std::map<Uuid, LockedRecord> loaded;
  const Rows& rows = results->back();
  for (int i = 0; i < rows.size(); ++i) {
    auto id = Uuid::FromBytes(rows.Bytes(i, 0));
    if (!id || !to_load.count(*id)) {
      failure_ = Internal("postgres: a stored record id is not 16 bytes");
      return failure_;
    }
    LockedRecord locked;
    Record record{*id, rows.Text(i, 1), rows.Text(i, 2), {}};
    if (Status s = AddStoredFields(rows.Bytes(i, 3), record, &locked.entries); !s.ok()) {
      failure_ = s;
      return s;
    }
    locked.record = std::move(record);
    loaded.emplace(*id, std::move(locked));
  }
  for (const Uuid& id : to_load) locked_.emplace(id, std::move(loaded[id]));  // absent: none
  return Status::Ok();
}

Result<PostgresWriteTxn::LockedRecord*> PostgresWriteTxn::Lock(const Uuid& id) {
  auto it = locked_.find(id);
  if (it != locked_.end()) return &it->second;
  const int64_t key = RecordLockKey(id);
  const Params lock = Params().Int64(key);
  const Params load = Params().Bytes(id.AsBytes());
  std::vector<Step> steps;
  if (!lock_keys_.count(key)) steps.push_back({&kLockRecord, &lock});
  steps.push_back({&kLoadRecord, &load});
  auto results = Run(std::move(steps));
  if (!results.ok()) return results.status();
  lock_keys_.insert(key);
  const Rows& rows = results->back();
  LockedRecord locked;
  if (rows.size() > 0) {
    Record record{id, rows.Text(0, 0), rows.Text(0, 1), {}};
    if (Status s = AddStoredFields(rows.Bytes(0, 2), record, &locked.entries); !s.ok()) {
      failure_ = s;
      return s;
    }
    locked.record = std::move(record);
  }
  return &locked_.emplace(id, std::move(locked)).first->second;
}

Result<bool> PostgresWriteTxn::MarkBatch(uint32_t node, uint64_t batch_seq) {
  const Params p = Params().Int64(node).Int64(static_cast<int64_t>(batch_seq));
  auto results = Run({{&kMarkBatch, &p}});
  if (!results.ok()) return results.status();
  return (*results)[0].size() == 1;
}

Status PostgresWriteTxn::SaveBatchAnswer(uint32_t node, uint64_t batch_seq,
                                         const std::string& answer) {
  const Params p =
      Params().Int64(node).Int64(static_cast<int64_t>(batch_seq)).Bytes(answer);
  auto results = Run({{&kSaveBatchAnswer, &p}});
  return results.ok() ? Status::Ok() : results.status();
}

Result<std::string> PostgresWriteTxn::DeviceOwnerName(uint32_t node) {
  const Params p = Params().Int64(node);
  auto results = Run({{&kDeviceOwnerName, &p}});
  if (!results.ok()) return results.status();
  const Rows& rows = (*results)[0];
  return rows.size() == 0 ? std::string() : rows.Text(0, 0);
}

Result<std::string> PostgresWriteTxn::BatchAnswer(uint32_t node, uint64_t batch_seq) {
  const Params p = Params().Int64(node).Int64(static_cast<int64_t>(batch_seq));
  auto results = Run({{&kBatchAnswer, &p}});
  if (!results.ok()) return results.status();
  const Rows& rows = (*results)[0];
  if (rows.size() == 0) return std::string();
  return std::string(rows.Bytes(0, 0));
}

Result<std::optional<Record>> PostgresWriteTxn::LoadRecord(const Uuid& id) {
  auto locked = Lock(id);
  if (!locked.ok()) return locked.status();
  return (*locked)->record;
}

Result<bool> PostgresWriteTxn::WasSuperseded(const Uuid& id, const std::string& field,
                                             const Stamp& stamp) {
  if (superseded_.count({id, field, stamp.hlc, stamp.node})) return true;
  const Params p = Params()
                       .Bytes(id.AsBytes())
                       .Text(field)
                       .Int64(static_cast<int64_t>(stamp.hlc))
                       .Int64(stamp.node);
  auto results = Run({{&kWasSuperseded, &p}});
  if (!results.ok()) return results.status();
  return (*results)[0].size() > 0;
}

Status PostgresWriteTxn::PutField(const RecordHeader& header, const std::string& field,
                                  const FieldVersion& version,
                                  const std::optional<FieldVersion>& previous) {
  Status s = Put(header, field, version, previous);
  if (!s.ok() && failure_.ok()) failure_ = s;
  return s;
}

Status PostgresWriteTxn::Put(const RecordHeader& header, const std::string& field,
                             const FieldVersion& version,
                             const std::optional<FieldVersion>& previous) {
  if (!failure_.ok()) return failure_;
  if (field.empty()) return InvalidArgument("a field name is empty");
  auto locked_or = Lock(header.id);
  if (!locked_or.ok()) return locked_or.status();
  LockedRecord& locked = **locked_or;
  const FieldVersion* current = locked.record ? locked.record->Find(field) : nullptr;
  if (current && *current == version) return Status::Ok();  // already current
  const bool previous_matches = previous ? (current && current->stamp == previous->stamp)
                                         : current == nullptr;
  if (!previous_matches) {
    // Under the record lock the stored version is the truth; a caller that read it before
    // taking the lock (or not at all) would corrupt the history and the checksum.
    return Internal("PutField: the given previous version of field " + field + " of record " +
                    header.id.ToString() + " is not the stored current version");
  }
  if (locked.changed.empty() && changed_records_.size() >= static_cast<size_t>(kMaxWritesPerTxn)) {
    return Status(StatusCode::kResourceExhausted, "too many records in one transaction");
  }
  if (!locked.record) {
    if (header.type.empty() || header.scope.empty()) {
      return InvalidArgument("a new record needs a type and a scope");
    }
    locked.record = Record{header.id, header.type, header.scope, {}};
  } else if (locked.record->type != header.type || locked.record->scope != header.scope) {
    return InvalidArgument("record " + header.id.ToString() +
                           " exists with another type or scope; records never change either");
  }
  ScopeChecksum& delta = checksum_deltas_[locked.record->scope];
  if (current) {
    delta.Remove(FieldHash(header.id, field, current->stamp));
    superseded_[{header.id, field, current->stamp.hlc, current->stamp.node}] = current->value;
  }
  delta.Add(FieldHash(header.id, field, version.stamp));
  if (locked.changed.empty()) changed_records_.push_back(header.id);
  locked.record->fields[field] = version;
  locked.changed.insert(field);
  return Status::Ok();
}

Status PostgresWriteTxn::Commit() {
  if (finished_) return FailedPrecondition("the write transaction has already ended");
  if (!failure_.ok()) {
    Rollback();
    return failure_;
  }
  if (!begun_) {
    finished_ = true;  // nothing was read or written
    return Status::Ok();
  }
  Status s = changed_records_.empty() ? Run({{&kCommit, &kNoParams}}).status() : CommitWrites();
  if (!s.ok()) {
    Rollback();
    return s;
  }
  finished_ = true;
  return Status::Ok();
}

Status PostgresWriteTxn::CommitWrites() {
  Params history;
  {
    std::vector<std::string> ids, names, values;
    std::vector<int64_t> hlcs, nodes;
    for (const auto& [key, value] : superseded_) {
      ids.emplace_back(std::get<0>(key).AsBytes());
      names.push_back(std::get<1>(key));
      hlcs.push_back(static_cast<int64_t>(std::get<2>(key)));
      nodes.push_back(std::get<3>(key));
      values.push_back(EncodeValue(value));
    }
    history.BytesArray(ids).TextArray(names).Int64Array(hlcs).Int64Array(nodes).BytesArray(
        values);
  }
  Params records;
  Params changes;
  Params dead;
  bool any_dead = false;
  {
    const std::string deleted_name = "_deleted", status_name = "status";
    std::vector<std::string> ids, types, scopes, rows, deleted, status;
    std::vector<int32_t> counts, ords;
    std::vector<int64_t> dead_txns;
    std::vector<int32_t> dead_ords;
    std::vector<std::string> values;  // EncodeValue bytes the StoredField views point into
    std::vector<StoredField> stored;
    for (size_t k = 0; k < changed_records_.size(); ++k) {
      const LockedRecord& locked = locked_.at(changed_records_[k]);
      const Record& record = *locked.record;
      const auto ord = static_cast<uint32_t>(k + 1);
      values.clear();
      values.reserve(record.fields.size());
      stored.clear();
      std::set<EntryKey> live;
      std::string deleted_value, status_value;
      for (const auto& [name, version] : record.fields) {  // std::map: name order
        values.push_back(EncodeValue(version.value));
        EntryKey entry{txn_id_, ord};  // changed here: this transaction's entry
        if (!locked.changed.count(name)) {
          auto it = locked.entries.find(name);
          if (it == locked.entries.end()) {
            return Internal("postgres: a loaded field has no change entry");
          }
          entry = it->second;
          live.insert(entry);
        }
        stored.push_back(StoredField{name, values.back(), version.stamp, entry.first, entry.second});
        if (name == deleted_name) deleted_value = values.back();
        if (name == status_name) status_value = values.back();
      }
      for (const auto& [name, entry] : locked.entries) {
        if (!live.count(entry)) {
          live.insert(entry);  // once
          dead_txns.push_back(static_cast<int64_t>(entry.first));
          dead_ords.push_back(static_cast<int32_t>(entry.second));
        }
      }
      ids.emplace_back(record.id.AsBytes());
      types.push_back(record.type);
      scopes.push_back(record.scope);
      rows.push_back(EncodeStoredFields(stored));
      counts.push_back(static_cast<int32_t>(record.fields.size()));
      deleted.push_back(std::move(deleted_value));
      status.push_back(std::move(status_value));
      ords.push_back(static_cast<int32_t>(ord));
    }
    records.BytesArray(ids).TextArray(types).TextArray(scopes).BytesArray(rows);
    records.Int32Array(counts).BytesArray(deleted).BytesArray(status);
    changes.Int64(static_cast<int64_t>(txn_id_)).Int32Array(ords).BytesArray(ids).TextArray(
        scopes);
    dead.Int64Array(dead_txns).Int32Array(dead_ords);
    any_dead = !dead_txns.empty();
  }
  Params checksums;
  {
    std::vector<std::string> scopes, sums;
    std::vector<int64_t> counts;
    for (const auto& [scope, delta] : checksum_deltas_) {
      if (delta.sum == 0 && delta.count == 0) continue;
      scopes.push_back(scope);
      sums.push_back(std::to_string(delta.sum));
      counts.push_back(static_cast<int64_t>(delta.count));
    }
    checksums.TextArray(scopes).TextArray(sums).Int64Array(counts);
  }
  std::vector<Step> steps;
  if (!superseded_.empty()) steps.push_back({&kInsertHistory, &history});
  steps.push_back({&kUpsertRecords, &records});
  steps.push_back({&kInsertChanges, &changes});
  if (any_dead) steps.push_back({&kDeleteChanges, &dead});
  steps.push_back({&kAddChecksums, &checksums});
  std::vector<std::string> written_scopes;
  for (const auto& [scope, delta] : checksum_deltas_) written_scopes.push_back(scope);
  const Params positions = Params()
                             .Int64(static_cast<int64_t>(changed_records_.size()))
                             .TextArray(written_scopes)
                             .Int64(static_cast<int64_t>(txn_id_));
  steps.push_back({&kTakePositions, &positions});
  steps.push_back({&kCommit, &kNoParams});
  return Run(std::move(steps)).status();
}

}  // namespace homevisit::server::pg
