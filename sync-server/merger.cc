#include "sync-server/merger.h"

#include <set>

#include "core/merge.h"
#include "core/record_types.h"
#include "core/review.h"
#include "core/scope.h"
#include "proto/packed.h"
#include "proto/wire.h"
#include "sync-server/visit_check.h"

namespace homevisit::server {

namespace {

namespace rt = record_types;

using FieldMap = std::map<std::string, FieldVersion>;  // Record::fields

// One field write as received, in either form (FieldWrite message or packed), its value
// decoded once for the dry run and the merge.
struct IncomingWrite {
  std::string_view name;
  int32_t name_index = -1;        // in the batch's name list; -1: an unpacked write
  Result<Value> value = Value();  // an error: this write is rejected with its message
  uint64_t hlc = 0;               // 0: the record write's hlc
  std::optional<Stamp> base;
  // The value's bytes as sent, when they are exactly what encoding it gives
  // (wire::IsCanonicalScalar): stored as they came. Empty: encode the value.
  std::string_view encoded;
};

// The writes of one RecordWrite in order. InvalidArgument when its packed fields are
// malformed (the whole batch is refused: the sender is broken).
// `packed` is scratch space, kept by the caller so that its capacity serves every record.
Status ReadIncoming(const v1::RecordWrite& write, const wire::NameList& names,
                    std::vector<wire::PackedWrite>& packed, std::vector<IncomingWrite>* out) {
  out->clear();
  if (!write.packed_fields().empty()) {
    if (write.fields_size() > 0) {
      return InvalidArgument("a record write has both packed and unpacked fields");
    }
    packed.clear();
    if (Status s = wire::DecodePackedWrites(write.packed_fields(), names, &packed); !s.ok()) {
      return s;
    }
    out->reserve(packed.size());
    for (const wire::PackedWrite& w : packed) {
      // A canonical scalar (most values) is read in place and stored as it came; anything
      // else is parsed.
      std::optional<Value> scalar = wire::DecodeCanonicalScalar(w.value);
      IncomingWrite in{w.name, static_cast<int32_t>(w.name_index),
                       scalar ? Result<Value>(std::move(*scalar)) : wire::ValueFromBytes(w.value),
                       w.hlc, w.base, scalar ? w.value : std::string_view()};
      out->push_back(std::move(in));
    }
    return Status::Ok();
  }
  out->reserve(write.fields_size());
  for (const v1::FieldWrite& f : write.fields()) {
    IncomingWrite in{f.name(), -1, wire::FromProto(f.value()), f.hlc(), std::nullopt, {}};
    if (f.has_base()) in.base = wire::FromProto(f.base());
    out->push_back(std::move(in));
  }
  return Status::Ok();
}

// One Push batch inside its transaction.
class BatchRun {
 public:
  BatchRun(WriteTxn& txn, ServerClock& clock, VisitFormCheck& form_check, const Caller& caller,
           const std::set<std::string>& known_scopes, PushResult& result)
      : txn_(txn), clock_(clock), form_check_(form_check), caller_(caller),
        known_scopes_(known_scopes), result_(result) {}

  Status Record(uint32_t index, const v1::RecordWrite& write, const wire::NameList& names);

 private:
  // Ok with the record to merge into (a new, empty one if it does not exist yet), or a
  // per-record rejection in *reason, or a whole-batch error.
  Status Resolve(const v1::RecordWrite& write, homevisit::Record* record, bool* exists,
                 std::string* reason);
  // A visit's writes are first merged into a copy without storing anything (a dry run), so
  // the state they would leave is checked against its form as a whole (visit_check.h).
  // Ok with the rejection reason for every write of the visit in *reason, if any.
  Status CheckVisit(const homevisit::Record& record, bool exists,
                    std::vector<IncomingWrite>& writes, uint64_t record_hlc,
                    std::string* reason);
  // In the dry run `write` is left as it is; otherwise its value may be moved from.
  Status Field(homevisit::Record& record, bool exists, IncomingWrite& write,
               uint64_t record_hlc, FieldOutcome& outcome);
  // The checks every write passes before it is merged: a value that decodes and suits the
  // field, a writer allowed to write it, a stamp the clock accepts. False with the
  // rejection in `outcome` if one fails; true with the write's stamp otherwise.
  bool Admit(const std::string& type, bool exists, const IncomingWrite& write,
             uint64_t record_hlc, Stamp* stamp, FieldOutcome& outcome);
  // A record the server does not have whose writes name each field once, in name order,
  // as a device sends them (NewRecordFits): no write has a current version to merge with,
  // so every admitted write becomes current as it is, and the record is stored in one call
  // (WriteTxn::PutNewRecord). The outcomes are those the general path (Field) gives.
  Status NewRecord(uint32_t index, const std::string& type, uint64_t record_hlc);
  // CheckFieldValue's rule for the write's field in a record of `type`, looked up once per
  // name and type in a batch.
  const rt::FieldRule& RuleOf(const std::string& type, const IncomingWrite& write);
  // `at` is where `write.name` is or would be inserted in record.fields (PositionOf).
  Status MergeAndStore(homevisit::Record& record, FieldMap::iterator at, FieldWrite& write,
                       std::string_view encoded, FieldOutcome& outcome);
  // Writes the conflict record keeping `loser` (once: the same loss is never written twice).
  Result<Uuid> KeepLoser(const homevisit::Record& target, const std::string& field,
                         const FieldVersion& winner, const FieldVersion& loser);
  Result<bool> AlreadyRecorded(const Uuid& id, const std::string& field, const Stamp& stamp);
  void Count(const FieldOutcome& outcome);

  WriteTxn& txn_;
  ServerClock& clock_;
  VisitFormCheck& form_check_;
  bool dry_run_ = false;  // merge into the record in memory only; store nothing
  const Caller& caller_;
  const std::set<std::string>& known_scopes_;
  PushResult& result_;
  std::vector<IncomingWrite> incoming_;  // the current record's writes
  std::vector<wire::PackedWrite> packed_;  // ReadIncoming's scratch
  std::vector<WriteTxn::NewField> fresh_;  // NewRecord's scratch
  // RuleOf's memory: the rules of rules_type_'s fields by name index.
  std::string rules_type_;
  std::vector<std::optional<rt::FieldRule>> rules_;
  rt::FieldRule unpacked_rule_;
  RecordHeader header_;                  // the current record's, for the transaction
  uint64_t observed_hlc_ = 0;            // the last hlc the clock saw, and its verdict
  Status observed_;
};

// The visit statuses whose visits are checked against their form (NeedsFormCheck).
bool IsCheckedStatus(const std::string& status) {
  return status == "submitted" || status == "resubmitted" || status == "approved";
}

// False when no outcome of merging `write` into `visit` can leave the visit in a checked
// status: neither the stored status nor any status the write sets is one, so NeedsFormCheck
// is false whatever wins. Then the dry run is skipped: drafts and returned visits, most of a
// teacher's syncs, are merged once.
bool MayNeedFormCheck(const homevisit::Record& visit, const std::vector<IncomingWrite>& writes) {
  if (const FieldVersion* status = visit.Find(kVisitStatusField)) {
    const std::string* text = status->value.get_if<std::string>();
    if (!text || IsCheckedStatus(*text)) return true;
  }
  for (const IncomingWrite& w : writes) {
    if (w.name != kVisitStatusField || !w.value.ok()) continue;
    // A status that is not text is refused by the merge and changes nothing.
    const std::string* text = w.value->get_if<std::string>();
    if (text && IsCheckedStatus(*text)) return true;
  }
  return false;
}

// Where `name` is, or would go, in `fields`: one search, whose result also serves as the
// insertion hint. A record's writes come in name order, so a new record's next field most
// often goes at the end, found without a search.
FieldMap::iterator PositionOf(FieldMap& fields, const std::string& name) {
  if (fields.empty() || fields.rbegin()->first < name) return fields.end();
  return fields.lower_bound(name);
}

// True if `writes` name each field once, in ascending name order (a device sends a new
// record's fields so): merged into a record that has no fields, each write meets no other.
bool NewRecordFits(const std::vector<IncomingWrite>& writes) {
  for (size_t i = 1; i < writes.size(); ++i) {
    if (!(writes[i - 1].name < writes[i].name)) return false;
  }
  return true;
}

// The visit status a new visit may start in (the review state machine's entry).
Status CheckNewVisitStatus(const std::string& to) {
  return to == "draft" || to == "submitted"
             ? Status::Ok()
             : FailedPrecondition("a new visit starts as draft or submitted, not " + to);
}

FieldOutcome Rejected(std::string reason) {
  FieldOutcome o;
  o.status = v1::WRITE_REJECTED;
  o.reason = std::move(reason);
  return o;
}

Status BatchRun::Record(uint32_t index, const v1::RecordWrite& write,
                        const wire::NameList& names) {
  if (Status s = ReadIncoming(write, names, packed_, &incoming_); !s.ok()) return s;
  homevisit::Record record;
  bool exists = false;
  std::string reason;
  if (Status s = Resolve(write, &record, &exists, &reason); !s.ok()) return s;
  // Once per record, not per field (the scope is usually too long to copy for free).
  header_ = RecordHeader{record.id, record.type, record.scope};
  const bool checked_visit = record.type == rt::kVisit && MayNeedFormCheck(record, incoming_);
  if (reason.empty() && !exists && !checked_visit && NewRecordFits(incoming_)) {
    return NewRecord(index, record.type, write.hlc());
  }
  if (reason.empty() && checked_visit) {
    if (Status s = CheckVisit(record, exists, incoming_, write.hlc(), &reason); !s.ok()) return s;
  }
  for (size_t j = 0; j < incoming_.size(); ++j) {
    FieldOutcome outcome;
    if (!reason.empty()) {
      outcome = Rejected(reason);
    } else if (Status s = Field(record, exists, incoming_[j], write.hlc(), outcome); !s.ok()) {
      return s;
    }
    outcome.write_index = index;
    outcome.field_index = static_cast<uint32_t>(j);
    Count(outcome);
    // The record exists once any write to it was stored.
    exists = exists || outcome.status == v1::WRITE_APPLIED;
  }
  return Status::Ok();
}

Status BatchRun::CheckVisit(const homevisit::Record& record, bool exists,
                            std::vector<IncomingWrite>& writes, uint64_t record_hlc,
                            std::string* reason) {
  homevisit::Record after = record;
  std::set<std::string> changed;
  dry_run_ = true;
  for (IncomingWrite& field : writes) {
    const std::string name(field.name);
    std::optional<Stamp> before;
    if (const FieldVersion* f = after.Find(name)) before = f->stamp;
    FieldOutcome outcome;
    if (Status s = Field(after, exists, field, record_hlc, outcome); !s.ok()) {
      dry_run_ = false;
      return s;
    }
    const FieldVersion* now = after.Find(name);
    if (now && (!before || now->stamp != *before)) changed.insert(name);
    exists = exists || outcome.status == v1::WRITE_APPLIED;
  }
  dry_run_ = false;
  const FieldVersion* status = record.Find(kVisitStatusField);
  const std::string* from = status ? status->value.get_if<std::string>() : nullptr;
  if (!NeedsFormCheck(from ? *from : std::string(), after, changed)) return Status::Ok();
  auto verdict = form_check_.Check(txn_, after, ServerToday(clock_.WallMs()));
  if (!verdict.ok()) return verdict.status();
  *reason = std::move(verdict).value();
  return Status::Ok();
}

Status BatchRun::Resolve(const v1::RecordWrite& write, homevisit::Record* record, bool* exists,
                         std::string* reason) {
  auto id = Uuid::FromBytes(write.record_id());
  if (!id || id->IsNil()) {
    *reason = "the record id is not a 16-byte UUID";
    return Status::Ok();
  }
  auto stored = txn_.LoadRecord(*id);
  if (!stored.ok()) return stored.status();
  if (*stored) {
    *record = std::move(**stored);
    *exists = true;
  } else {
    record->id = *id;
    record->type = write.type();
    record->scope = write.scope();
  }
  // Every user reads the global scope (published forms); only the server writes it.
  if (IsGlobalScope(record->scope)) {
    *reason = "records in scope '" + std::string(kGlobalScope) +
              "' (published forms) are written by the server only";
    return Status::Ok();
  }
  // Scope first, so a record outside the caller's scopes is never described to them.
  if (!record->scope.empty() && !AnyScopeCovers(caller_.user.scopes, record->scope)) {
    return PermissionDenied("record " + id->ToString() + " lies in scope '" + record->scope +
                            "', outside this user's scopes; nothing in the batch was applied");
  }
  if (*exists) {
    if ((!write.type().empty() && write.type() != record->type) ||
        (!write.scope().empty() && write.scope() != record->scope)) {
      *reason = "a record's type and scope never change";
    }
    return Status::Ok();
  }
  if (write.type().empty() || write.scope().empty()) {
    *reason = "a new record needs its type and scope";
  } else if (!rt::IsKnownRecordType(write.type())) {
    *reason = "unknown record type '" + write.type().substr(0, 40) + "'";
  } else if (!IsValidScopePath(write.scope()) || !known_scopes_.count(write.scope())) {
    *reason = "unknown scope '" + write.scope().substr(0, 200) + "'";
  }
  return Status::Ok();
}

const rt::FieldRule& BatchRun::RuleOf(const std::string& type, const IncomingWrite& write) {
  if (write.name_index < 0) return unpacked_rule_ = rt::RuleOf(type, write.name);
  if (type != rules_type_) {
    rules_type_ = type;
    rules_.clear();
  }
  const size_t i = static_cast<size_t>(write.name_index);
  if (i >= rules_.size()) rules_.resize(i + 1);
  if (!rules_[i]) rules_[i] = rt::RuleOf(type, write.name);
  return *rules_[i];
}

bool BatchRun::Admit(const std::string& type, bool exists, const IncomingWrite& write,
                     uint64_t record_hlc, Stamp* stamp, FieldOutcome& outcome) {
  const std::string_view name = write.name;
  const uint64_t hlc = write.hlc != 0 ? write.hlc : record_hlc;
  const Result<Value>& value = write.value;
  if (!value.ok()) {
    outcome = Rejected("field '" + std::string(name.substr(0, rt::kMaxFieldNameBytes)) +
                       "': " + value.status().message());
    return false;
  }
  if (Status s = rt::CheckFieldValue(RuleOf(type, write), type, name, *value); !s.ok()) {
    outcome = Rejected(s.message());
    return false;
  }
  if (Status s = rt::CheckWriteAllowed(caller_.user.role, type, name, exists); !s.ok()) {
    outcome = Rejected(s.message());
    return false;
  }
  if (hlc == 0) {
    outcome = Rejected("field '" + std::string(name) + "' has no stamp");
    return false;
  }
  // Fields written together share an hlc: the clock sees each one once (its verdict on a
  // stamp does not change within a batch; a later stamp only moves it further).
  if (hlc != observed_hlc_) {
    observed_hlc_ = hlc;
    observed_ = clock_.Observe(hlc);
  }
  if (!observed_.ok()) {
    outcome = Rejected("field '" + std::string(name) + "': " + observed_.message());
    return false;
  }
  *stamp = Stamp{hlc, caller_.device.node};
  return true;
}

Status BatchRun::NewRecord(uint32_t index, const std::string& type, uint64_t record_hlc) {
  fresh_.clear();
  bool exists = false;  // as in Record: once a write is applied, the record exists
  for (size_t j = 0; j < incoming_.size(); ++j) {
    const IncomingWrite& write = incoming_[j];
    FieldOutcome outcome;
    Stamp stamp;
    if (Admit(type, exists, write, record_hlc, &stamp, outcome)) {
      if (type == rt::kVisit && write.name == kVisitStatusField) {
        // RuleOf made sure a visit's status is text.
        if (Status s = CheckNewVisitStatus(*write.value->get_if<std::string>()); !s.ok()) {
          outcome = Rejected(s.message());
        }
      }
    }
    if (outcome.status == v1::WRITE_APPLIED) {
      fresh_.push_back(WriteTxn::NewField{write.name, stamp, write.encoded, &*write.value});
      exists = true;
    }
    outcome.write_index = index;
    outcome.field_index = static_cast<uint32_t>(j);
    Count(outcome);
  }
  return txn_.PutNewRecord(header_, fresh_);
}

Status BatchRun::Field(homevisit::Record& record, bool exists, IncomingWrite& write,
                       uint64_t record_hlc, FieldOutcome& outcome) {
  const std::string name(write.name);
  Stamp stamp;
  if (!Admit(record.type, exists, write, record_hlc, &stamp, outcome)) return Status::Ok();
  Result<Value>& value = write.value;
  const auto at = PositionOf(record.fields, name);
  const FieldVersion* current = at != record.fields.end() && at->first == name ? &at->second : nullptr;
  if (current && current->stamp == stamp) return Status::Ok();  // already applied
  // The dry run leaves the incoming value for the real run; the real run is its last use.
  FieldWrite fw{name, dry_run_ ? *value : std::move(*value), stamp, write.base};

  if (record.type == rt::kVisit) {
    const FieldVersion* status = record.Find(kVisitStatusField);
    const std::string* from = status ? status->value.get_if<std::string>() : nullptr;
    if (name == kVisitStatusField) {
      const std::string& to = *fw.value.get_if<std::string>();
      Status move = from ? CheckVisitStatusMove(*from, to, caller_.user.role)
                         : CheckNewVisitStatus(to);
      if (!move.ok()) {
        outcome = Rejected(move.message());
        return Status::Ok();
      }
    } else if (from && *from == "approved" && caller_.user.role == Role::kTeacher &&
               IsLockedVisitField(name)) {
      if (current && current->value == fw.value) return Status::Ok();  // nothing would change
      outcome.status = v1::WRITE_CONFLICT;
      if (dry_run_) return Status::Ok();
      const FieldVersion winner = current ? *current : FieldVersion{Value(), Stamp{}};
      auto id = KeepLoser(record, name, winner, FieldVersion{fw.value, fw.stamp});
      if (!id.ok()) return id.status();
      outcome.status = v1::WRITE_CONFLICT;
      outcome.reason = "the visit is approved: the change to '" + name +
                       "' is kept for a coordinator's review and not applied";
      outcome.conflict_id = *id;
      return Status::Ok();
    }
  }
  return MergeAndStore(record, at, fw, write.encoded, outcome);
}

Status BatchRun::MergeAndStore(homevisit::Record& record, FieldMap::iterator at,
                               FieldWrite& write, std::string_view encoded,
                               FieldOutcome& outcome) {
  const bool exists = at != record.fields.end() && at->first == write.name;
  std::optional<FieldVersion> current;
  if (exists) current = at->second;
  Status lookup;
  // One pointer captured: the check fits in std::function without an allocation per field.
  struct Lookup {
    BatchRun* run;
    const homevisit::Record* record;
    const FieldWrite* write;
    Status* status;
  } ctx{this, &record, &write, &lookup};
  MergeDecision d = DecideFieldWrite(current, write, [c = &ctx] {
    auto recorded = c->run->AlreadyRecorded(c->record->id, c->write->name, c->write->stamp);
    if (!recorded.ok()) {
      *c->status = recorded.status();
      return true;  // changes nothing; the error below aborts the batch
    }
    return *recorded;
  });
  if (!lookup.ok()) return lookup;
  if (d.changed_current()) {
    const RecordHeader& header = header_;
    if (!dry_run_) {
      // The new current version is the write's: its bytes as sent are its stored form.
      Status s = encoded.empty() || d.current->stamp != write.stamp
                     ? txn_.PutField(header, write.name, *d.current, current)
                     : txn_.PutEncodedField(header, write.name, *d.current, encoded, current);
      if (!s.ok()) return s;
    }
    if (exists) {
      at->second = std::move(*d.current);
    } else {
      record.fields.emplace_hint(at, write.name, std::move(*d.current));
    }
  }
  if (d.has_conflict()) {
    outcome.status = v1::WRITE_CONFLICT;
    if (dry_run_) return Status::Ok();
    auto id = KeepLoser(record, write.name, *d.winner, *d.loser);
    if (!id.ok()) return id.status();
    outcome.status = v1::WRITE_CONFLICT;
    outcome.reason = d.kind == MergeKind::kConcurrentWon
                         ? "concurrent edit of '" + write.name +
                               "': this write is current; the other value is kept as a conflict"
                         : "concurrent edit of '" + write.name +
                               "': another write is current; this value is kept as a conflict";
    outcome.conflict_id = *id;
  }
  return Status::Ok();
}

Result<bool> BatchRun::AlreadyRecorded(const Uuid& id, const std::string& field,
                                       const Stamp& stamp) {
  auto superseded = txn_.WasSuperseded(id, field, stamp);
  if (!superseded.ok() || *superseded) return superseded;
  auto conflict = txn_.LoadRecord(ConflictId(id, field, stamp));
  if (!conflict.ok()) return conflict.status();
  return conflict->has_value();
}

Result<Uuid> BatchRun::KeepLoser(const homevisit::Record& target, const std::string& field,
                                 const FieldVersion& winner, const FieldVersion& loser) {
  const Uuid id = ConflictId(target.id, field, loser.stamp);
  auto existing = txn_.LoadRecord(id);
  if (!existing.ok()) return existing.status();
  if (*existing) return id;
  homevisit::Record conflict = MakeConflictRecord(target, field, winner, loser, clock_.Now());
  // Who wrote each value, by name (a coordinator does not know device numbers).
  const Stamp stamp = conflict.fields.at("status").stamp;
  for (const auto& [name, node] : {std::pair{"winner_by", winner.stamp.node},
                                   std::pair{"loser_by", loser.stamp.node}}) {
    auto who = txn_.DeviceOwnerName(node);
    if (!who.ok()) return who.status();
    if (!who->empty()) conflict.fields[name] = FieldVersion{Value(*who), stamp};
  }
  const RecordHeader header{conflict.id, conflict.type, conflict.scope};
  for (const auto& [name, version] : conflict.fields) {
    if (Status s = txn_.PutField(header, name, version, std::nullopt); !s.ok()) return s;
  }
  return id;
}

void BatchRun::Count(const FieldOutcome& outcome) {
  switch (outcome.status) {
    case v1::WRITE_CONFLICT: ++result_.conflicts; break;
    case v1::WRITE_REJECTED: ++result_.rejected; break;
    default: ++result_.applied; return;
  }
  result_.outcomes.push_back(outcome);
}

}  // namespace

namespace {

// The answer kept with a batch's mark (WriteTxn::SaveBatchAnswer): its conflicts and
// rejections as a PushResponse holding only applied_count and outcomes.
std::string EncodeAnswer(const PushResult& result) {
  v1::PushResponse answer;
  answer.set_applied_count(result.applied);
  for (const FieldOutcome& o : result.outcomes) {
    auto* out = answer.add_outcomes();
    out->set_write_index(o.write_index);
    out->set_field_index(o.field_index);
    out->set_status(o.status);
    out->set_reason(o.reason);
    if (o.conflict_id) out->set_conflict_id(std::string(o.conflict_id->AsBytes()));
  }
  return answer.SerializeAsString();
}

// The stored answer of a resent batch. Empty bytes (a batch whose writes were all applied,
// or one marked before answers were kept) decode to no outcomes.
Status DecodeAnswer(const std::string& bytes, PushResult* result) {
  v1::PushResponse answer;
  if (!answer.ParseFromString(bytes)) return Internal("a stored batch answer does not decode");
  result->applied = answer.applied_count();
  for (const v1::WriteOutcome& o : answer.outcomes()) {
    FieldOutcome outcome;
    outcome.write_index = o.write_index();
    outcome.field_index = o.field_index();
    outcome.status = o.status();
    outcome.reason = o.reason();
    if (o.status() == v1::WRITE_CONFLICT) {
      ++result->conflicts;
      outcome.conflict_id = Uuid::FromBytes(o.conflict_id());
    } else if (o.status() == v1::WRITE_REJECTED) {
      ++result->rejected;
    }
    result->outcomes.push_back(std::move(outcome));
  }
  return Status::Ok();
}

}  // namespace

Result<PushResult> BatchMerger::Push(const Caller& caller, const v1::PushRequest& request) {
  auto scopes = storage_.ListScopes();
  if (!scopes.ok()) return scopes.status();
  std::set<std::string> known;
  for (const ScopeRow& s : *scopes) known.insert(s.path);

  auto txn = storage_.BeginWrite();
  if (!txn.ok()) return txn.status();
  PushResult result;
  auto fresh = (*txn)->MarkBatch(caller.device.node, request.batch_seq());
  if (!fresh.ok()) return fresh.status();
  if (!*fresh) {
    result.duplicate = true;
    auto answer = (*txn)->BatchAnswer(caller.device.node, request.batch_seq());
    if (!answer.ok()) return answer.status();
    if (Status s = DecodeAnswer(*answer, &result); !s.ok()) return s;
    return result;  // the transaction rolls back; it changed nothing
  }
  // Every record of the batch locked up front, in one order: concurrent batches over the
  // same records then queue instead of deadlocking (PostgreSQL; see storage.h).
  std::vector<Uuid> ids;
  for (const auto& write : request.writes()) {
    if (auto id = Uuid::FromBytes(write.record_id())) ids.push_back(*id);
  }
  if (Status s = (*txn)->LockRecords(ids); !s.ok()) return s;
  BatchRun run(**txn, clock_, form_check_, caller, known, result);
  for (int i = 0; i < request.writes_size(); ++i) {
    if (Status s = run.Record(static_cast<uint32_t>(i), request.writes(i), request.field_names());
        !s.ok()) {
      return s;
    }
  }
  if (!result.outcomes.empty()) {
    if (Status s = (*txn)->SaveBatchAnswer(caller.device.node, request.batch_seq(),
                                           EncodeAnswer(result));
        !s.ok()) {
      return s;
    }
  }
  if (Status s = (*txn)->Commit(); !s.ok()) return s;
  return result;
}

}  // namespace homevisit::server
