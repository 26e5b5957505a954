// The sync side of the outbox: forming push batches, keeping the one in flight, and
// recording the server's answers (see the outbox states in device_store.h). An entry's
// state is its seq's place relative to the marks in sync_state (store_internal.h), so a
// batch changes state with one row write, whatever its size.
#include <algorithm>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "app/store/device_store.h"
#include "app/store/record_fields.h"
#include "app/store/store_internal.h"
#include "packed.h"

namespace homevisit::store {

namespace {

// Entries in seq order from a range of seqs: (?1, ?2], at most ?3.
constexpr char kEntriesSql[] =
    "SELECT seq, record_id, name, value, hlc, base_hlc, base_node, field_count FROM outbox_entry "
    "WHERE seq > ?1 AND seq <= ?2 ORDER BY seq LIMIT ?3";

// Builds the batch from outbox entries: consecutive entries of one record share a
// RecordWrite, whose type and scope are looked up once.
class BatchBuilder {
 public:
  BatchBuilder(Connection& db, OutboxBatch* batch, bool packed)
      : db_(db), batch_(batch), packed_(packed), names_(batch->request.mutable_field_names()) {}

  // Adds the row under `row` (kEntriesSql's columns). Returns the bytes it adds (roughly,
  // for the batch bound).
  Result<size_t> Add(const StatementRef& row) {
    const std::string_view id = row.BlobView(1);
    v1::RecordWrite* write = nullptr;
    size_t bytes = 0;
    const int n = batch_->request.writes_size();
    if (n > 0 && batch_->request.writes(n - 1).record_id() == id) {
      write = batch_->request.mutable_writes(n - 1);
    } else {
      auto head = db_.Cached("SELECT type, scope FROM record WHERE id = ?");
      if (!head.ok()) return head.status();
      head->BindBlob(1, id);
      auto found = head->Step();
      if (!found.ok()) return found.status();
      if (!*found) return Internal("an outbox entry names no known record");
      write = batch_->request.add_writes();
      write->set_record_id(std::string(id));
      write->set_type(head->Text(0));
      write->set_scope(head->Text(1));
      write->set_hlc(static_cast<uint64_t>(row.Int(4)));  // fields stamped alike omit theirs
      batch_->entries.emplace_back();
      bytes += id.size() + write->type().size() + write->scope().size() + 8;
    }
    const std::string_view value = row.BlobView(3);
    const uint64_t row_hlc = static_cast<uint64_t>(row.Int(4));
    if (row.BlobView(2) == kGroupEntry) {
      // Each field of the group is one field write; its entry is the group's seq, and its
      // place in the group follows from its place among them (Acknowledge).
      if (Status s = DecodeFields(value, &group_); !s.ok()) return s;
      const int64_t seq = row.Int(0);
      for (const StoredField& f : group_) {
        if (packed_) {
          wire::AppendPackedWrite(write->mutable_packed_fields(), names_.IndexOf(f.name), f.value,
                                  f.hlc != write->hlc() ? f.hlc : 0, std::nullopt);
        } else {
          v1::FieldWrite* w = write->add_fields();
          w->set_name(std::string(f.name));
          if (!w->mutable_value()->ParseFromArray(f.value.data(), static_cast<int>(f.value.size()))) {
            return Internal("outbox entry holds a malformed value");
          }
          if (f.hlc != write->hlc()) w->set_hlc(f.hlc);
        }
        batch_->entries.back().push_back(seq);
        ++batch_->field_count;
        bytes += f.name.size() + f.value.size() + 24;
      }
      return bytes;
    }
    if (packed_) {
      std::optional<Stamp> base;
      if (!row.IsNull(5)) {
        base = Stamp{static_cast<uint64_t>(row.Int(5)), static_cast<uint32_t>(row.Int(6))};
      }
      const std::string_view name = row.BlobView(2);
      wire::AppendPackedWrite(write->mutable_packed_fields(), names_.IndexOf(name), value,
                              row_hlc != write->hlc() ? row_hlc : 0, base);
      batch_->entries.back().push_back(row.Int(0));
      ++batch_->field_count;
      return bytes + name.size() + value.size() + 24;
    }
    v1::FieldWrite* f = write->add_fields();
    f->set_name(row.Text(2));
    if (!f->mutable_value()->ParseFromArray(value.data(), static_cast<int>(value.size()))) {
      return Internal("outbox entry holds a malformed value");
    }
    if (row_hlc != write->hlc()) f->set_hlc(row_hlc);
    if (!row.IsNull(5)) {
      f->mutable_base()->set_hlc(static_cast<uint64_t>(row.Int(5)));
      f->mutable_base()->set_node(static_cast<uint32_t>(row.Int(6)));
    }
    batch_->entries.back().push_back(row.Int(0));
    ++batch_->field_count;
    return bytes + f->name().size() + value.size() + 24;
  }

 private:
  Connection& db_;
  OutboxBatch* batch_;
  const bool packed_;
  wire::FieldNameTable names_;
  std::vector<StoredField> group_;
};

}  // namespace

Status DeviceStore::FormResent(int64_t after_seq, int64_t through_seq, uint64_t batch_seq,
                               bool packed, OutboxBatch* batch) {
  auto stmt = db_.Cached(kEntriesSql);
  if (!stmt.ok()) return stmt.status();
  BatchBuilder builder(db_, batch, packed);
  stmt->Bind(1, after_seq).Bind(2, through_seq).Bind(3, INT64_MAX);
  for (;;) {
    auto row = stmt->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    if (auto added = builder.Add(*stmt); !added.ok()) return added.status();
  }
  stmt->Reset();
  batch->batch_seq = batch_seq;
  batch->resent = true;
  batch->request.set_batch_seq(batch_seq);
  return Status::Ok();
}

Result<OutboxBatch> DeviceStore::NextBatch(const BatchLimits& limits) {
  std::lock_guard lock(mu_);
  auto marks = ReadMarks(db_);
  if (!marks.ok()) return marks.status();
  OutboxBatch batch;
  if (marks->in_flight_seq != 0) {
    if (Status s = FormResent(marks->answered_through, marks->first_through(),
                              marks->in_flight_seq, limits.packed, &batch);
        !s.ok()) {
      return s;
    }
    if (batch.field_count > 0) return batch;
    // Nothing left of it (cannot happen unless the file was edited): forget it.
    marks->in_flight_seq = 0;
    marks->in_flight_through = marks->answered_through;
    marks->in_flight_split = 0;
    batch = OutboxBatch{};
  }

  if (Status s = FormBatch(marks->in_flight_through, limits, &batch); !s.ok()) return s;
  if (batch.field_count == 0) return OutboxBatch{};
  const int64_t last_seq = batch.last_seq;

  batch.batch_seq = marks->next_batch_seq;
  batch.request.set_batch_seq(batch.batch_seq);
  Transaction txn(db_);
  if (Status s = txn.Begin(); !s.ok()) return s;
  marks->in_flight_seq = batch.batch_seq;
  marks->next_batch_seq = batch.batch_seq + 1;
  marks->in_flight_through = last_seq;
  if (Status s = WriteMarks(db_, *marks); !s.ok()) return s;
  if (Status s = txn.Commit(); !s.ok()) return s;
  NoteInFlight(batch);
  return batch;
}

Status DeviceStore::FormBatch(int64_t after_seq, const BatchLimits& limits, OutboxBatch* batch,
                              const std::vector<std::string>* stop_at_records) {
  auto stmt = db_.Cached(kEntriesSql);
  if (!stmt.ok()) return stmt.status();
  BatchBuilder builder(db_, batch, limits.packed);
  stmt->Bind(1, after_seq).Bind(2, INT64_MAX);
  stmt->Bind(3, static_cast<int64_t>(std::max<size_t>(limits.max_fields, 1)));
  size_t bytes = 0;
  batch->after_seq = after_seq;
  batch->packed = limits.packed;
  for (;;) {
    auto row = stmt->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    // A group holds many field writes: the field bound counts them (the first entry always
    // goes, whatever its size).
    if (batch->field_count > 0 &&
        batch->field_count + static_cast<size_t>(stmt->Int(7)) > limits.max_fields) {
      break;
    }
    if (stop_at_records) {
      // Checked where a record's run of entries starts: the rest of a run is the same record.
      const std::string_view id = stmt->BlobView(1);
      const int n = batch->request.writes_size();
      if ((n == 0 || batch->request.writes(n - 1).record_id() != id) &&
          std::binary_search(stop_at_records->begin(), stop_at_records->end(), id,
                             std::less<>())) {
        break;
      }
    }
    auto added = builder.Add(*stmt);
    if (!added.ok()) return added.status();
    bytes += *added;
    batch->last_seq = stmt->Int(0);
    if (bytes >= limits.max_bytes) break;  // the first entry always goes, whatever its size
  }
  stmt->Reset();
  return Status::Ok();
}

Result<OutboxBatch> DeviceStore::PrepareNextBatch(const BatchLimits& limits) {
  std::lock_guard lock(mu_);
  auto marks = ReadMarks(db_);
  if (!marks.ok()) return marks.status();
  OutboxBatch batch;
  if (Status s = FormBatch(marks->in_flight_through, limits, &batch); !s.ok()) return s;
  if (batch.field_count == 0) return OutboxBatch{};
  // The batch in flight, if any, keeps its number; this one takes the next.
  batch.batch_seq = marks->next_batch_seq;
  batch.request.set_batch_seq(batch.batch_seq);
  batch.prepared = true;
  batch.outbox_version = outbox_version_;
  return batch;
}

Result<bool> DeviceStore::MakeInFlight(OutboxBatch& batch) {
  std::lock_guard lock(mu_);
  if (!batch.prepared || batch.outbox_version != outbox_version_) return false;
  auto marks = ReadMarks(db_);
  if (!marks.ok()) return marks.status();
  // Still what NextBatch would form: nothing in flight, the same range start, the same number.
  if (marks->in_flight_seq != 0 || marks->in_flight_through != batch.after_seq ||
      marks->next_batch_seq != batch.batch_seq) {
    return false;
  }
  Transaction txn(db_);
  if (Status s = txn.Begin(); !s.ok()) return s;
  marks->in_flight_seq = batch.batch_seq;
  marks->next_batch_seq = batch.batch_seq + 1;
  marks->in_flight_through = batch.last_seq;
  if (Status s = WriteMarks(db_, *marks); !s.ok()) return s;
  if (Status s = txn.Commit(); !s.ok()) return s;
  batch.prepared = false;
  NoteInFlight(batch);
  return true;
}

Result<OutboxBatch> DeviceStore::NextFollowingBatch(const BatchLimits& limits) {
  std::lock_guard lock(mu_);
  auto marks = ReadMarks(db_);
  if (!marks.ok()) return marks.status();
  if (marks->in_flight_seq == 0) return FailedPrecondition("no batch in flight");
  OutboxBatch batch;
  if (marks->in_flight_split != 0) {  // in flight already: sent again as it was
    if (Status s = FormResent(marks->in_flight_split, marks->in_flight_through,
                              marks->in_flight_seq + 1, limits.packed, &batch);
        !s.ok()) {
      return s;
    }
    if (batch.field_count == 0) return Internal("the following batch in flight has no entries");
    return batch;
  }
  if (marks->next_batch_seq != marks->in_flight_seq + 1) return OutboxBatch{};
  // The records of the first batch: the following one ends before its first entry of one.
  auto first_records = RecordsInRange(marks->answered_through, marks->in_flight_through);
  if (!first_records.ok()) return first_records.status();
  if (Status s = FormBatch(marks->in_flight_through, limits, &batch, &*first_records); !s.ok()) {
    return s;
  }
  if (batch.field_count == 0) return OutboxBatch{};
  batch.batch_seq = marks->next_batch_seq;
  batch.request.set_batch_seq(batch.batch_seq);
  Transaction txn(db_);
  if (Status s = txn.Begin(); !s.ok()) return s;
  marks->in_flight_split = marks->in_flight_through;
  marks->in_flight_through = batch.last_seq;
  marks->next_batch_seq = batch.batch_seq + 1;
  if (Status s = WriteMarks(db_, *marks); !s.ok()) return s;
  if (Status s = txn.Commit(); !s.ok()) return s;
  NoteInFlight(batch);
  return batch;
}

void DeviceStore::NoteInFlight(const OutboxBatch& batch) {
  FlightRecords noted{batch.after_seq, batch.last_seq, {}};
  noted.record_ids.reserve(static_cast<size_t>(batch.request.writes_size()));
  for (const v1::RecordWrite& write : batch.request.writes()) {
    noted.record_ids.push_back(write.record_id());
  }
  std::sort(noted.record_ids.begin(), noted.record_ids.end());
  noted.record_ids.erase(std::unique(noted.record_ids.begin(), noted.record_ids.end()),
                         noted.record_ids.end());
  if (flight_records_.size() >= 2) flight_records_.erase(flight_records_.begin());
  flight_records_.push_back(std::move(noted));
}

Result<std::vector<std::string>> DeviceStore::RecordsInRange(int64_t after_seq,
                                                             int64_t through_seq) {
  for (const FlightRecords& noted : flight_records_) {
    if (noted.after_seq == after_seq && noted.through_seq == through_seq) return noted.record_ids;
  }
  std::vector<std::string> ids;
  auto q = db_.Cached("SELECT DISTINCT record_id FROM outbox_entry WHERE seq > ? AND seq <= ? "
                      "ORDER BY record_id");
  if (!q.ok()) return q.status();
  q->Bind(1, after_seq).Bind(2, through_seq);
  for (;;) {
    auto row = q->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    ids.push_back(q->Blob(0));
  }
  q->Reset();
  return ids;
}

Status DeviceStore::DropFollowingBatch() {
  std::lock_guard lock(mu_);
  ++outbox_version_;
  auto marks = ReadMarks(db_);
  if (!marks.ok()) return marks.status();
  if (marks->in_flight_split == 0) return FailedPrecondition("no following batch in flight");
  marks->in_flight_through = marks->in_flight_split;
  marks->in_flight_split = 0;
  marks->next_batch_seq = marks->in_flight_seq + 1;  // the server never recorded it
  return WriteMarks(db_, *marks);
}

Result<bool> DeviceStore::ShrinkInFlight(size_t keep_fields) {
  std::lock_guard lock(mu_);
  ++outbox_version_;
  auto marks = ReadMarks(db_);
  if (!marks.ok()) return marks.status();
  if (marks->in_flight_seq == 0) return FailedPrecondition("no batch in flight");
  if (marks->in_flight_split != 0) return FailedPrecondition("a following batch is in flight");
  // The batch keeps its first entries holding `keep_fields` field writes, at least one
  // entry (a group is kept whole): its range ends at the last of them.
  auto entries = db_.Cached(
      "SELECT seq, field_count FROM outbox_entry WHERE seq > ?1 AND seq <= ?2 ORDER BY seq");
  if (!entries.ok()) return entries.status();
  entries->Bind(1, marks->answered_through).Bind(2, marks->in_flight_through);
  int64_t last_kept = 0;
  size_t kept = 0;
  for (;;) {
    auto row = entries->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    const size_t n = static_cast<size_t>(std::max<int64_t>(entries->Int(1), 1));
    if (last_kept != 0 && kept + n > std::max<size_t>(keep_fields, 1)) break;
    last_kept = entries->Int(0);
    kept += n;
  }
  entries->Reset();
  if (last_kept == 0 || last_kept == marks->in_flight_through) return false;  // one entry
  marks->in_flight_through = last_kept;
  if (Status s = WriteMarks(db_, *marks); !s.ok()) return s;
  return true;
}

Status DeviceStore::MoveToRejected(int64_t first_seq, int64_t last_seq, const std::string& reason,
                                   int part) {
  ++outbox_version_;  // later entries are re-based
  auto marks = ReadMarks(db_);
  if (!marks.ok()) return marks.status();
  auto entries = db_.Cached(
      "SELECT seq, record_id, name, value, hlc, base_hlc, base_node FROM outbox_entry "
      "WHERE seq >= ? AND seq <= ?");
  // Later pending writes based on a rejected one are re-based on what it was based on: the
  // server never saw the rejected stamp.
  auto rebase = db_.Cached(
      "UPDATE outbox_entry SET base_hlc = ?, base_node = ? WHERE record_id = ? AND name = ? AND "
      "seq > ? AND base_hlc = ? AND base_node = ?");
  auto move = db_.Cached(
      "INSERT INTO rejected_write(record_id, name, value, hlc, reason, at_ms) "
      "VALUES (?, ?, ?, ?, ?, ?)");
  auto remove = db_.Cached("DELETE FROM outbox_entry WHERE seq = ?");
  auto rewrite = db_.Cached(
      "UPDATE outbox_entry SET value = ?, field_count = ?, has_blobs = ? WHERE seq = ?");
  for (auto* s : {&entries, &rebase, &move, &remove, &rewrite}) {
    if (!s->ok()) return s->status();
  }
  struct Rejected {
    std::string id, name, value;
    uint64_t hlc;
    uint32_t node;
    std::optional<std::pair<int64_t, int64_t>> base;
  };
  struct Rewrite {
    int64_t seq;
    std::string blob;
    int64_t fields;
    bool blobs;
  };
  std::vector<Rejected> rejected;
  std::vector<int64_t> removed;
  std::vector<Rewrite> rewrites;
  std::vector<StoredField> fields;
  entries->Bind(1, first_seq).Bind(2, last_seq);
  for (;;) {
    auto row = entries->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    const int64_t seq = entries->Int(0);
    const std::string id = entries->Blob(1);
    if (Status s = EntryFields(entries->BlobView(2), entries->BlobView(3),
                               static_cast<uint64_t>(entries->Int(4)), clock_.node(), &fields);
        !s.ok()) {
      return s;
    }
    std::optional<std::pair<int64_t, int64_t>> base;  // a group's fields have none
    if (!entries->IsNull(5)) base = {entries->Int(5), entries->Int(6)};
    if (part >= static_cast<int>(fields.size())) {
      return Internal("the server's answer names a field write the outbox does not hold");
    }
    for (int i = 0; i < static_cast<int>(fields.size()); ++i) {
      if (part >= 0 && i != part) continue;
      const StoredField& f = fields[static_cast<size_t>(i)];
      rejected.push_back({id, std::string(f.name), std::string(f.value), f.hlc, f.node, base});
    }
    if (part < 0 || fields.size() == 1) {
      removed.push_back(seq);
      continue;
    }
    fields.erase(fields.begin() + part);
    Rewrite r{seq, {}, static_cast<int64_t>(fields.size()), false};
    r.blobs = EncodeGroup(fields, &r.blob);
    rewrites.push_back(std::move(r));
  }
  entries->Reset();
  std::set<std::pair<std::string, std::string>> keys;
  for (const Rejected& r : rejected) {
    rebase->Reset();
    if (r.base) {
      rebase->Bind(1, r.base->first).Bind(2, r.base->second);
    } else {
      rebase->BindNull(1).BindNull(2);
    }
    rebase->BindBlob(3, r.id).BindText(4, r.name).Bind(5, marks->in_flight_through);
    rebase->Bind(6, static_cast<int64_t>(r.hlc)).Bind(7, static_cast<int64_t>(r.node));
    if (Status s = rebase->Run(); !s.ok()) return s;
    move->Reset();
    move->BindBlob(1, r.id).BindText(2, r.name).BindBlob(3, r.value);
    move->Bind(4, static_cast<int64_t>(r.hlc)).BindText(5, reason).Bind(6, WallNow());
    if (Status s = move->Run(); !s.ok()) return s;
    if (MayBeQueryKey(r.name)) keys.insert({r.id, r.name});
  }
  for (int64_t seq : removed) {
    remove->Reset();
    remove->Bind(1, seq);
    if (Status s = remove->Run(); !s.ok()) return s;
  }
  for (const Rewrite& r : rewrites) {
    rewrite->Reset();
    rewrite->BindBlob(1, r.blob).Bind(2, r.fields).Bind(3, r.blobs ? 1 : 0).Bind(4, r.seq);
    if (Status s = rewrite->Run(); !s.ok()) return s;
  }
  for (const auto& [id, name] : keys) {
    if (Status s = RefreshKey(db_, id, name); !s.ok()) return s;
  }
  return Status::Ok();
}

Status DeviceStore::RejectInFlight(const std::string& reason) {
  std::lock_guard lock(mu_);
  ++outbox_version_;
  auto marks = ReadMarks(db_);
  if (!marks.ok()) return marks.status();
  if (marks->in_flight_seq == 0) return FailedPrecondition("no batch in flight");
  if (marks->in_flight_split != 0) return FailedPrecondition("a following batch is in flight");
  Transaction txn(db_);
  if (Status s = txn.Begin(); !s.ok()) return s;
  if (Status s = MoveToRejected(marks->answered_through + 1, marks->in_flight_through, reason);
      !s.ok()) {
    return s;
  }
  // The server did not record this batch number: the next batch takes it.
  marks->next_batch_seq = marks->in_flight_seq;
  marks->in_flight_seq = 0;
  marks->in_flight_through = marks->answered_through;
  if (Status s = WriteMarks(db_, *marks); !s.ok()) return s;
  return txn.Commit();
}

Result<PushTally> DeviceStore::Acknowledge(const OutboxBatch& batch,
                                           const v1::PushResponse& response) {
  if (response.batch_seq() != batch.batch_seq) {
    return InvalidArgument("the server answered batch " + std::to_string(response.batch_seq()) +
                           " instead of " + std::to_string(batch.batch_seq));
  }
  std::lock_guard lock(mu_);
  auto marks = ReadMarks(db_);
  if (!marks.ok()) return marks.status();
  if (marks->in_flight_seq != batch.batch_seq) {
    return FailedPrecondition("batch " + std::to_string(batch.batch_seq) + " is not in flight");
  }
  PushTally tally;
  tally.duplicate = response.duplicate();
  struct Rejected {
    int64_t entry;
    int part;  // its place among the batch's field writes of that entry (a group's field)
    std::string reason;
  };
  std::vector<Rejected> rejected;
  // A resent batch's answer repeats the outcomes of the first time (servers before schema
  // 2 sent none for it).
  for (const v1::WriteOutcome& o : response.outcomes()) {
    if (o.write_index() >= batch.entries.size() ||
        o.field_index() >= batch.entries[o.write_index()].size()) {
      return InvalidArgument("the server's answer names a write that was not sent");
    }
    const std::vector<int64_t>& of_write = batch.entries[o.write_index()];
    const int64_t entry = of_write[o.field_index()];
    if (o.status() == v1::WRITE_REJECTED) {
      // A group's field writes are consecutive and carry its seq.
      const int part = static_cast<int>(
          o.field_index() - (std::find(of_write.begin(), of_write.end(), entry) - of_write.begin()));
      rejected.push_back({entry, part, o.reason().empty() ? "rejected by the server" : o.reason()});
    } else if (o.status() == v1::WRITE_CONFLICT) {
      ++tally.conflicts;
    }
  }
  tally.rejected = static_cast<uint32_t>(rejected.size());
  tally.applied = static_cast<uint32_t>(batch.field_count) - tally.rejected - tally.conflicts;

  Transaction txn(db_);
  if (Status s = txn.Begin(); !s.ok()) return s;
  // Later parts first: taking a field out of a group leaves the earlier parts where they are.
  std::sort(rejected.begin(), rejected.end(), [](const Rejected& a, const Rejected& b) {
    return a.entry != b.entry ? a.entry > b.entry : a.part > b.part;
  });
  rejected.erase(std::unique(rejected.begin(), rejected.end(),
                             [](const Rejected& a, const Rejected& b) {
                               return a.entry == b.entry && a.part == b.part;
                             }),
                 rejected.end());
  for (const Rejected& r : rejected) {
    if (Status s = MoveToRejected(r.entry, r.entry, r.reason, r.part); !s.ok()) return s;
  }
  // Every entry of the batch is answered at once: the answered range now reaches its end.
  // The following batch in flight, if any, becomes the first.
  if (marks->in_flight_split != 0) {
    marks->answered_through = marks->in_flight_split;
    marks->in_flight_seq += 1;
    marks->in_flight_split = 0;
  } else {
    marks->answered_through = marks->in_flight_through;
    marks->in_flight_seq = 0;
  }
  if (Status s = WriteMarks(db_, *marks); !s.ok()) return s;
  if (Status s = txn.Commit(); !s.ok()) return s;
  return tally;
}

Status DeviceStore::FinishPull(int64_t now_ms) {
  std::lock_guard lock(mu_);
  ++outbox_version_;  // the marks may start again from 0
  auto marks = ReadMarks(db_);
  if (!marks.ok()) return marks.status();
  Transaction txn(db_);
  if (Status s = txn.Begin(); !s.ok()) return s;
  // The query keys of answered entries' fields go back to the newest remaining entry or the
  // confirmed value, once each, one record at a time.
  std::string names;
  for (const QueryKey& key : kQueryKeys) {
    const std::string quoted = std::string("'") + key.name + "'";
    if (names.find(quoted) == std::string::npos) names += (names.empty() ? "" : ", ") + quoted;
  }
  // A group's keys are among its fields.
  auto keys = db_.Cached(
      "SELECT record_id, name, CASE WHEN name = '' THEN value END FROM outbox_entry "
      "WHERE seq <= ? AND (name = '' OR name IN (" + names + ")) ORDER BY record_id");
  if (!keys.ok()) return keys.status();
  keys->Bind(1, marks->answered_through);
  std::vector<std::pair<std::string, std::vector<std::string>>> refresh;
  std::vector<StoredField> group;
  for (;;) {
    auto row = keys->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    if (refresh.empty() || refresh.back().first != keys->BlobView(0)) {
      refresh.emplace_back(keys->Blob(0), std::vector<std::string>{});
    }
    std::vector<std::string>& of_record = refresh.back().second;
    if (Status s = EntryFields(keys->BlobView(1), keys->BlobView(2), 0, 0, &group); !s.ok()) {
      return s;
    }
    for (const StoredField& f : group) {
      if (!MayBeQueryKey(f.name)) continue;
      if (std::find(of_record.begin(), of_record.end(), f.name) == of_record.end()) {
        of_record.emplace_back(f.name);
      }
    }
  }
  keys->Reset();
  // Most often every entry is answered (the push sent everything): a DELETE without WHERE
  // clears the table and its indexes page by page instead of row by row.
  auto newest = db_.QueryInt("SELECT coalesce(max(seq), 0) FROM outbox_entry");
  if (!newest.ok()) return newest.status();
  if (*newest <= marks->answered_through && marks->in_flight_seq == 0) {
    if (Status s = db_.Exec("DELETE FROM outbox_entry"); !s.ok()) return s;
    // Nothing is left: the marks can start again below any seq to come, which keeps
    // every later entry pending even if the AUTOINCREMENT counter were lost.
    marks->answered_through = marks->in_flight_through = 0;
    if (Status s = WriteMarks(db_, *marks); !s.ok()) return s;
  } else {
    auto drop = db_.Cached("DELETE FROM outbox_entry WHERE seq <= ?");
    if (!drop.ok()) return drop.status();
    drop->Bind(1, marks->answered_through);
    if (Status s = drop->Run(); !s.ok()) return s;
  }
  for (const auto& [id, names] : refresh) {
    if (Status s = RefreshKeys(db_, id, names); !s.ok()) return s;
  }
  auto stamp = db_.Cached("UPDATE sync_state SET last_sync_ms = ? WHERE id = 1");
  if (!stamp.ok()) return stamp.status();
  stamp->Bind(1, now_ms);
  if (Status s = stamp->Run(); !s.ok()) return s;
  if (Status s = txn.Commit(); !s.ok()) return s;
  // The pull's batches skipped the WAL checkpoint (ApplyPulled): they go into the database
  // file now, all at once. PASSIVE never waits for a reader; what a reader still holds is
  // copied at a later commit.
  return db_.Exec("PRAGMA wal_checkpoint(PASSIVE)");
}

}  // namespace homevisit::store
