#include "core/merge.h"

namespace homevisit {

const char* MergeKindName(MergeKind kind) {
  switch (kind) {
    case MergeKind::kFastForward: return "fast-forward";
    case MergeKind::kConcurrentWon: return "concurrent-won";
    case MergeKind::kConcurrentLost: return "concurrent-lost";
    case MergeKind::kConcurrentSame: return "concurrent-same";
    case MergeKind::kDuplicate: return "duplicate";
  }
  return "?";
}

bool MergeDecision::changed_current() const {
  return kind == MergeKind::kFastForward || kind == MergeKind::kConcurrentWon ||
         (kind == MergeKind::kConcurrentSame && winner.has_value());
}

MergeDecision DecideFieldWrite(const std::optional<FieldVersion>& current,
                               const FieldWrite& write, const RecordedCheck& already_recorded) {
  MergeDecision d;
  FieldVersion incoming{write.value, write.stamp};
  if (current && current->stamp == write.stamp) {
    d.kind = MergeKind::kDuplicate;
    d.current = current;
    return d;
  }
  // A write that once fast-forwarded became current; current only moves on to other
  // stamps, so a fast-forwarding write cannot have been recorded before.
  if (!current || (write.base && *write.base == current->stamp)) {
    d.kind = MergeKind::kFastForward;
    d.current = std::move(incoming);
    return d;
  }
  if (already_recorded && already_recorded()) {
    d.kind = MergeKind::kDuplicate;
    d.current = current;
    return d;
  }
  const bool write_wins = write.stamp > current->stamp;
  if (current->value == write.value) {
    d.kind = MergeKind::kConcurrentSame;
    if (write_wins) {
      d.current = std::move(incoming);
      d.winner = d.current;  // marks that the stamp moved
    } else {
      d.current = current;
    }
    return d;
  }
  if (write_wins) {
    d.kind = MergeKind::kConcurrentWon;
    d.loser = current;
    d.winner = incoming;
    d.current = std::move(incoming);
  } else {
    d.kind = MergeKind::kConcurrentLost;
    d.loser = std::move(incoming);
    d.winner = current;
    d.current = current;
  }
  return d;
}

MergeDecision ApplyFieldWrite(Record& record, const FieldWrite& write,
                              const RecordedFn& already_recorded) {
  auto it = record.fields.find(write.name);
  std::optional<FieldVersion> current;
  if (it != record.fields.end()) current = it->second;
  MergeDecision d = DecideFieldWrite(current, write, [&] {
    return already_recorded && already_recorded(write.name, write.stamp);
  });
  if (d.changed_current()) record.fields[write.name] = *d.current;
  return d;
}

Uuid ConflictId(const Uuid& record_id, const std::string& field, const Stamp& loser_stamp) {
  std::string key = "conflict/";
  key += record_id.AsBytes();
  key += '/';
  key += field;
  key += '/' + std::to_string(loser_stamp.hlc) + '/' + std::to_string(loser_stamp.node);
  return Uuid::Derived(key);
}

Record MakeConflictRecord(const Record& target, const std::string& field,
                          const FieldVersion& winner, const FieldVersion& loser,
                          const Stamp& stamp) {
  Record c;
  c.id = ConflictId(target.id, field, loser.stamp);
  c.type = "conflict";
  c.scope = target.scope;
  auto put = [&](const char* name, Value v) { c.fields[name] = FieldVersion{std::move(v), stamp}; };
  put("record_id", target.id.ToString());
  put("record_type", target.type);
  put("field", field);
  put("loser", loser.value);
  put("loser_stamp", loser.stamp.ToString());
  put("loser_node", static_cast<int64_t>(loser.stamp.node));
  put("winner", winner.value);
  put("winner_stamp", winner.stamp.ToString());
  put("status", "open");
  return c;
}

}  // namespace homevisit
