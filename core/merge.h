// The merge rule (DESIGN.md "Merge rule"), as pure functions.
//
// A field write carries `base`, the stamp of the value its writer saw. Applied to the field's
// current version:
//   1. the write's stamp is current, or was recorded before          → duplicate, no change
//   2. no current value, or base == current stamp                     → fast-forward
//   3. otherwise the write is concurrent with the current value:
//        the greater stamp becomes current (same decision on every replica);
//        if the two values differ the other one is returned as the loser, so the caller
//        keeps it in a conflict record — nothing typed is silently lost;
//        equal values are no conflict.
// Re-applying any write, in any order, changes nothing (given the caller reports stamps it
// has already recorded: current, superseded or kept as losers).
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "core/record.h"

namespace homevisit {

enum class MergeKind {
  kFastForward,     // the write became current; nothing was lost
  kConcurrentWon,   // concurrent; the write became current; the old value is the loser
  kConcurrentLost,  // concurrent; the current value stays; the write is the loser
  kConcurrentSame,  // concurrent with an equal value; the greater stamp is current; no loser
  kDuplicate,       // already current or already recorded; nothing changed
};
const char* MergeKindName(MergeKind kind);

struct MergeDecision {
  MergeKind kind = MergeKind::kDuplicate;
  // The field's version after the write (unchanged for kConcurrentLost and kDuplicate).
  std::optional<FieldVersion> current;
  // Set when a value lost: the losing version and the version that beat it.
  std::optional<FieldVersion> loser;
  std::optional<FieldVersion> winner;

  bool changed_current() const;
  bool has_conflict() const { return loser.has_value(); }
};

// Reports whether the write's stamp was recorded for this field before (as current,
// superseded or loser). Asked only when the answer matters: a write that fast-forwards or
// matches the current stamp needs no look-up, so the common path costs no extra query.
using RecordedCheck = std::function<bool()>;

// Decides one write against the field's current version.
MergeDecision DecideFieldWrite(const std::optional<FieldVersion>& current,
                               const FieldWrite& write, const RecordedCheck& already_recorded);

// Reports whether a stamp of a field of a record was recorded before.
using RecordedFn = std::function<bool(const std::string& field, const Stamp& stamp)>;

// Applies a write to a record in place and returns the decision.
MergeDecision ApplyFieldWrite(Record& record, const FieldWrite& write,
                              const RecordedFn& already_recorded);

// The conflict record that keeps one losing value (type "conflict", the scope of its record).
// Its id is derived from (record, field, loser stamp), so recording the same loss twice
// writes the same record with the same fields: idempotent. Fields:
//   record_id (text uuid), record_type, field, loser (value), loser_stamp (text),
//   loser_node (integer), winner (value), winner_stamp (text), status ("open").
Record MakeConflictRecord(const Record& target, const std::string& field,
                          const FieldVersion& winner, const FieldVersion& loser,
                          const Stamp& stamp);
Uuid ConflictId(const Uuid& record_id, const std::string& field, const Stamp& loser_stamp);

}  // namespace homevisit
