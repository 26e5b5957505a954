// The server's check of a visit against the form version it was recorded with (DESIGN.md
// "Forms"): a visit under review must validate, a draft need not. The batch merger runs it
// on the state a batch would leave the visit in, before it stores any of it, so the status
// change and the answers of one batch are judged together and a visit that fails keeps
// nothing of the batch.
//
// When a visit is checked (NeedsFormCheck): its status becomes submitted or resubmitted in
// this batch, or the batch changes an answer (any field but the status and the review
// bookkeeping) of a visit that is submitted, resubmitted or approved afterwards. A
// coordinator's approval alone does not re-check what was checked at submission.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <utility>

#include "core/forms/form.h"
#include "core/record.h"
#include "core/status.h"
#include "sync-server/storage/storage.h"

namespace homevisit::server {

// `before` is the visit's status before the batch ("" for a new visit), `visit` its state
// after the batch, `changed` the fields the batch changed.
bool NeedsFormCheck(const std::string& before, const Record& visit,
                    const std::set<std::string>& changed);

// What today() is for the server's checks: the server's UTC date plus one day, since a
// device in UTC+8 may already be a day ahead.
Date ServerToday(int64_t wall_ms);

class VisitFormCheck {
 public:
  // Ok("") when `visit` validates against its form version; Ok(reason) when it must be
  // rejected: it names no form, its form version is not published here, or its answers do
  // not validate (the reason then lists each field's path and message in Chinese and
  // English, never an answer). An error only when the database fails.
  Result<std::string> Check(WriteTxn& txn, const Record& visit, Date today);

 private:
  // The published form version, or nullptr when there is none. Cached for the life of the
  // process (a published version never changes); absence is not cached.
  Result<std::shared_ptr<const forms::Form>> Load(WriteTxn& txn, const std::string& id,
                                                  int64_t version);

  std::mutex mu_;
  std::map<std::pair<std::string, int64_t>, std::shared_ptr<const forms::Form>> forms_;  // guarded by mu_
};

}  // namespace homevisit::server
