// The sync side of the outbox: forming push batches, keeping the one in flight, and
// recording the server's answers (see the outbox states in device_store.h).
#include <set>

#include "app/store/device_store.h"
#include "app/store/record_fields.h"
#include "app/store/store_internal.h"

namespace homevisit::store {

namespace {

struct SyncCounters {
  uint64_t next_batch_seq = 1;
  uint64_t in_flight_seq = 0;
};

Result<SyncCounters> ReadCounters(Connection& db) {
  auto stmt = db.Cached("SELECT next_batch_seq, in_flight_seq FROM sync_state WHERE id = 1");
  if (!stmt.ok()) return stmt.status();
  auto row = stmt->Step();
  if (!row.ok()) return row.status();
  if (!*row) return Internal("sync state row is missing");
  return SyncCounters{static_cast<uint64_t>(stmt->Int(0)), static_cast<uint64_t>(stmt->Int(1))};
}

Status WriteCounters(Connection& db, const SyncCounters& c) {
  auto stmt = db.Cached("UPDATE sync_state SET next_batch_seq = ?, in_flight_seq = ? WHERE id = 1");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, static_cast<int64_t>(c.next_batch_seq)).Bind(2, static_cast<int64_t>(c.in_flight_seq));
  return stmt->Run();
}

constexpr char kEntryColumns[] =
    "SELECT o.seq, o.record_id, r.type, r.scope, o.name, o.value, o.hlc, o.base_hlc, "
    "o.base_node FROM outbox o JOIN record r ON r.id = o.record_id ";

// Adds the row under the statement to the batch: consecutive entries of one record share
// a RecordWrite. Returns the bytes it adds (roughly, for the batch bound).
Result<size_t> AddEntry(const StatementRef& row, OutboxBatch* batch) {
  const std::string_view id = row.BlobView(1);
  v1::RecordWrite* write = nullptr;
  size_t bytes = 0;
  const int n = batch->request.writes_size();
  if (n > 0 && batch->request.writes(n - 1).record_id() == id) {
    write = batch->request.mutable_writes(n - 1);
  } else {
    write = batch->request.add_writes();
    write->set_record_id(std::string(id));
    write->set_type(row.Text(2));
    write->set_scope(row.Text(3));
    write->set_hlc(static_cast<uint64_t>(row.Int(6)));  // fields stamped alike omit theirs
    batch->entries.emplace_back();
    bytes += id.size() + write->type().size() + write->scope().size() + 8;
  }
  v1::FieldWrite* f = write->add_fields();
  f->set_name(row.Text(4));
  const std::string_view value = row.BlobView(5);
  if (!f->mutable_value()->ParseFromArray(value.data(), static_cast<int>(value.size()))) {
    return Internal("outbox entry holds a malformed value");
  }
  const uint64_t hlc = static_cast<uint64_t>(row.Int(6));
  if (hlc != write->hlc()) f->set_hlc(hlc);
  if (!row.IsNull(7)) {
    f->mutable_base()->set_hlc(static_cast<uint64_t>(row.Int(7)));
    f->mutable_base()->set_node(static_cast<uint32_t>(row.Int(8)));
  }
  batch->entries.back().push_back(row.Int(0));
  ++batch->field_count;
  return bytes + f->name().size() + value.size() + 24;
}

}  // namespace

Result<OutboxBatch> DeviceStore::NextBatch(const BatchLimits& limits) {
  std::lock_guard lock(mu_);
  auto counters = ReadCounters(db_);
  if (!counters.ok()) return counters.status();
  OutboxBatch batch;
  if (counters->in_flight_seq != 0) {
    auto stmt = db_.Cached(std::string(kEntryColumns) +
                            "WHERE o.batch_seq = ? AND o.state = 1 ORDER BY o.seq");
    if (!stmt.ok()) return stmt.status();
    stmt->Bind(1, static_cast<int64_t>(counters->in_flight_seq));
    for (;;) {
      auto row = stmt->Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      if (auto added = AddEntry(*stmt, &batch); !added.ok()) return added.status();
    }
    if (batch.field_count > 0) {
      batch.batch_seq = counters->in_flight_seq;
      batch.resent = true;
      batch.request.set_batch_seq(batch.batch_seq);
      return batch;
    }
    // Nothing left of it (cannot happen unless the file was edited): forget it.
    counters->in_flight_seq = 0;
    batch = OutboxBatch{};
  }

  auto stmt = db_.Cached(std::string(kEntryColumns) + "WHERE o.state = 0 ORDER BY o.seq LIMIT ?");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, static_cast<int64_t>(std::max<size_t>(limits.max_fields, 1)));
  size_t bytes = 0;
  int64_t last_seq = 0;
  for (;;) {
    auto row = stmt->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    auto added = AddEntry(*stmt, &batch);
    if (!added.ok()) return added.status();
    bytes += *added;
    last_seq = stmt->Int(0);
    if (bytes >= limits.max_bytes) break;  // the first entry always goes, whatever its size
  }
  if (batch.field_count == 0) return OutboxBatch{};

  batch.batch_seq = counters->next_batch_seq;
  batch.request.set_batch_seq(batch.batch_seq);
  Transaction txn(db_);
  if (Status s = txn.Begin(); !s.ok()) return s;
  auto mark = db_.Cached("UPDATE outbox SET state = 1, batch_seq = ? WHERE state = 0 AND seq <= ?");
  if (!mark.ok()) return mark.status();
  mark->Bind(1, static_cast<int64_t>(batch.batch_seq)).Bind(2, last_seq);
  if (Status s = mark->Run(); !s.ok()) return s;
  if (static_cast<size_t>(db_.Changes()) != batch.field_count) {
    return Internal("outbox changed while a batch was formed");
  }
  if (Status s = WriteCounters(db_, {batch.batch_seq + 1, batch.batch_seq}); !s.ok()) return s;
  if (Status s = txn.Commit(); !s.ok()) return s;
  return batch;
}

Status DeviceStore::ShrinkInFlight(size_t keep_fields) {
  std::lock_guard lock(mu_);
  auto counters = ReadCounters(db_);
  if (!counters.ok()) return counters.status();
  if (counters->in_flight_seq == 0) return FailedPrecondition("no batch in flight");
  auto stmt = db_.Cached(
      "UPDATE outbox SET state = 0, batch_seq = NULL WHERE batch_seq = ?1 AND state = 1 AND "
      "seq NOT IN (SELECT seq FROM outbox WHERE batch_seq = ?1 AND state = 1 ORDER BY seq "
      "LIMIT ?2)");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, static_cast<int64_t>(counters->in_flight_seq));
  stmt->Bind(2, static_cast<int64_t>(std::max<size_t>(keep_fields, 1)));
  return stmt->Run();
}

Status DeviceStore::MoveToRejected(std::string_view where_clause, int64_t arg,
                                   const std::string& reason) {
  // Later pending writes based on a rejected one are re-based on what it was based on: the
  // server never saw the rejected stamp.
  auto entries = db_.Cached("SELECT seq, record_id, name, hlc, base_hlc, base_node FROM outbox " +
                             std::string(where_clause));
  if (!entries.ok()) return entries.status();
  entries->Bind(1, arg);
  auto rebase = db_.Cached(
      "UPDATE outbox SET base_hlc = ?, base_node = ? WHERE record_id = ? AND name = ? AND "
      "state = 0 AND base_hlc = ? AND base_node = ?");
  auto move = db_.Cached(
      "INSERT INTO rejected_write(seq, record_id, name, value, hlc, reason, at_ms) "
      "SELECT seq, record_id, name, value, hlc, ?, ? FROM outbox WHERE seq = ?");
  auto remove = db_.Cached("DELETE FROM outbox WHERE seq = ?");
  for (auto* s : {&rebase, &move, &remove}) {
    if (!s->ok()) return s->status();
  }
  std::set<std::pair<std::string, std::string>> keys;
  for (;;) {
    auto row = entries->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    const int64_t seq = entries->Int(0);
    const std::string id = entries->Blob(1);
    const std::string name = entries->Text(2);
    rebase->Reset();
    if (entries->IsNull(4)) {
      rebase->BindNull(1).BindNull(2);
    } else {
      rebase->Bind(1, entries->Int(4)).Bind(2, entries->Int(5));
    }
    rebase->BindBlob(3, id).BindText(4, name).Bind(5, entries->Int(3)).Bind(6, clock_.node());
    if (Status s = rebase->Run(); !s.ok()) return s;
    move->Reset();
    move->BindText(1, reason).Bind(2, WallNow()).Bind(3, seq);
    if (Status s = move->Run(); !s.ok()) return s;
    remove->Reset();
    remove->Bind(1, seq);
    if (Status s = remove->Run(); !s.ok()) return s;
    if (IsQueryKey(name)) keys.insert({id, name});
  }
  for (const auto& [id, name] : keys) {
    if (Status s = RefreshKey(db_, id, name); !s.ok()) return s;
  }
  return Status::Ok();
}

Status DeviceStore::RejectInFlight(const std::string& reason) {
  std::lock_guard lock(mu_);
  auto counters = ReadCounters(db_);
  if (!counters.ok()) return counters.status();
  if (counters->in_flight_seq == 0) return FailedPrecondition("no batch in flight");
  Transaction txn(db_);
  if (Status s = txn.Begin(); !s.ok()) return s;
  if (Status s = MoveToRejected("WHERE batch_seq = ? AND state = 1",
                                static_cast<int64_t>(counters->in_flight_seq), reason);
      !s.ok()) {
    return s;
  }
  // The server did not record this batch number: the next batch takes it.
  if (Status s = WriteCounters(db_, {counters->in_flight_seq, 0}); !s.ok()) return s;
  return txn.Commit();
}

Result<PushTally> DeviceStore::Acknowledge(const OutboxBatch& batch,
                                           const v1::PushResponse& response) {
  if (response.batch_seq() != batch.batch_seq) {
    return InvalidArgument("the server answered batch " + std::to_string(response.batch_seq()) +
                           " instead of " + std::to_string(batch.batch_seq));
  }
  std::lock_guard lock(mu_);
  auto counters = ReadCounters(db_);
  if (!counters.ok()) return counters.status();
  if (counters->in_flight_seq != batch.batch_seq) {
    return FailedPrecondition("batch " + std::to_string(batch.batch_seq) + " is not in flight");
  }
  PushTally tally;
  tally.duplicate = response.duplicate();
  std::vector<std::pair<int64_t, std::string>> rejected;  // (entry, reason)
  // A resent batch's answer repeats the outcomes of the first time (servers before schema
  // 2 sent none for it).
  {
    for (const v1::WriteOutcome& o : response.outcomes()) {
      if (o.write_index() >= batch.entries.size() ||
          o.field_index() >= batch.entries[o.write_index()].size()) {
        return InvalidArgument("the server's answer names a write that was not sent");
      }
      const int64_t entry = batch.entries[o.write_index()][o.field_index()];
      if (o.status() == v1::WRITE_REJECTED) {
        rejected.emplace_back(entry, o.reason().empty() ? "rejected by the server" : o.reason());
      } else if (o.status() == v1::WRITE_CONFLICT) {
        ++tally.conflicts;
      }
    }
  }
  tally.rejected = static_cast<uint32_t>(rejected.size());
  tally.applied = static_cast<uint32_t>(batch.field_count) - tally.rejected - tally.conflicts;

  Transaction txn(db_);
  if (Status s = txn.Begin(); !s.ok()) return s;
  for (const auto& [entry, reason] : rejected) {
    if (Status s = MoveToRejected("WHERE seq = ?", entry, reason); !s.ok()) return s;
  }
  auto answered = db_.Cached("UPDATE outbox SET state = 2 WHERE batch_seq = ? AND state = 1");
  if (!answered.ok()) return answered.status();
  answered->Bind(1, static_cast<int64_t>(batch.batch_seq));
  if (Status s = answered->Run(); !s.ok()) return s;
  if (Status s = WriteCounters(db_, {counters->next_batch_seq, 0}); !s.ok()) return s;
  if (Status s = txn.Commit(); !s.ok()) return s;
  return tally;
}

Status DeviceStore::FinishPull(int64_t now_ms) {
  std::lock_guard lock(mu_);
  Transaction txn(db_);
  if (Status s = txn.Begin(); !s.ok()) return s;
  auto keys = db_.Cached("SELECT DISTINCT record_id, name FROM outbox WHERE batch_seq > 0 AND state = 2");
  if (!keys.ok()) return keys.status();
  std::vector<std::pair<std::string, std::string>> refresh;
  for (;;) {
    auto row = keys->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    if (IsQueryKey(keys->Text(1))) refresh.emplace_back(keys->Blob(0), keys->Text(1));
  }
  if (Status s = db_.Exec("DELETE FROM outbox WHERE batch_seq > 0 AND state = 2"); !s.ok()) return s;
  for (const auto& [id, name] : refresh) {
    if (Status s = RefreshKey(db_, id, name); !s.ok()) return s;
  }
  auto stamp = db_.Cached("UPDATE sync_state SET last_sync_ms = ? WHERE id = 1");
  if (!stamp.ok()) return stamp.status();
  stamp->Bind(1, now_ms);
  if (Status s = stamp->Run(); !s.ok()) return s;
  return txn.Commit();
}

}  // namespace homevisit::store
