// The batch merger: applies one Push batch to the central database, in one transaction
// together with its (device, batch_seq) mark. Shared by every storage backend: a backend
// only stores; the decisions are made here, by core's merge rule (core/merge.h) and the type
// policies below.
//
// For each field write, in order (the first failing step decides its outcome):
//   1. the value decodes (proto/wire.h) and suits the field (core/record_types.h)  → rejected
//   2. the user's role may write this field of this record type                   → rejected
//   3. the stamp is not too far ahead of the server's clock                       → rejected
//   4. the stamp is already current                                                → applied, no change
//   5. a visit's status moves only along the review state machine (core/review.h),
//      and a new visit starts as draft or submitted                                → rejected
//   6. a teacher's write to a survey field of an approved visit is kept as a
//      conflict record for review and does not change the visit                   → conflict
//   7. the merge rule: fast-forward → applied; concurrent with a different value
//      → the greater stamp is current and the other value goes to a conflict record
//      (same transaction, the record's scope, stamped by the server clock)         → conflict
// A visit is then judged as a whole (visit_check.h): when the state its writes would leave
// is a submitted visit that does not validate against its form version, every write of
// that visit is rejected with the fields' messages and none is stored.
// Whole-batch failures change nothing, not even the mark: a write to a record outside the
// caller's scopes (PermissionDenied), a storage failure (Unavailable/Internal).
// Per-record failures reject every field write of that record: a malformed id, an unknown
// type, an unknown or invalid scope, a type or scope that differs from the stored record's,
// a record in the global scope (published forms are written by the server only).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "homevisit/v1/sync.pb.h"
#include "sync-server/server_clock.h"
#include "sync-server/storage/storage.h"
#include "sync-server/visit_check.h"

namespace homevisit::server {

// Who is pushing: the user behind the token and the device's stamp node.
struct Caller {
  User user;
  Device device;
};

struct FieldOutcome {
  uint32_t write_index = 0;
  uint32_t field_index = 0;
  v1::WriteStatus status = v1::WRITE_APPLIED;
  std::string reason;  // plain words, never a value
  std::optional<Uuid> conflict_id;
};

struct PushResult {
  bool duplicate = false;  // the batch had been applied before; nothing was done
  uint32_t applied = 0;
  uint32_t conflicts = 0;
  uint32_t rejected = 0;
  std::vector<FieldOutcome> outcomes;  // conflicts and rejections only
};

class BatchMerger {
 public:
  BatchMerger(Storage& storage, ServerClock& clock) : storage_(storage), clock_(clock) {}

  // Merges `request` for `caller` (see the file comment for the outcomes).
  Result<PushResult> Push(const Caller& caller, const v1::PushRequest& request);

 private:
  Storage& storage_;
  ServerClock& clock_;
  VisitFormCheck form_check_;  // shared by concurrent pushes; caches published forms
};

}  // namespace homevisit::server
