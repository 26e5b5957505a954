// Read-only queries over the device database, for the UI and the CLI. A reader has its own
// connection: it may run on any one thread while the store writes on another, and each
// call sees one committed state. What it returns is what the user should see: the device's
// own unanswered writes shown over the server's confirmed state. Deleted records are left
// out of lists (Get still returns them, with deleted() true).
#pragma once

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "app/store/sqlite.h"
#include "core/record.h"
#include "core/status.h"

namespace homevisit::store {

struct RecordView {
  Record record;  // effective fields: confirmed values with local writes over them
  // Fields whose shown value is a local write the server has not yet confirmed.
  std::set<std::string> pending;
  bool confirmed = false;  // the server has sent this record
};

struct HouseholdView {
  RecordView household;
  std::vector<RecordView> students;
};

struct PendingWrite {
  Uuid record_id;
  std::string type;
  std::string field;
  bool in_flight = false;  // sent, answer not yet received
};

struct RejectedWrite {
  Uuid record_id;
  std::string field;
  std::string reason;
  int64_t at_ms = 0;
};

class StoreReader {
 public:
  static Result<std::unique_ptr<StoreReader>> Open(const std::string& path);

  // nullopt if the device does not know the record.
  Result<std::optional<RecordView>> Get(const Uuid& id);
  // Records of one type, oldest first, at most `limit`.
  Result<std::vector<RecordView>> List(const std::string& type, size_t limit);
  // Students whose school scope lies within `scope`.
  Result<std::vector<RecordView>> StudentsOfSchool(const std::string& scope);
  Result<std::vector<RecordView>> StudentsOfClass(const std::string& scope,
                                                  const std::string& class_name);
  Result<std::vector<RecordView>> StudentsOfVillage(const std::string& village);
  // A household and the students linked to it (siblings may be in several schools).
  Result<std::optional<HouseholdView>> Household(const Uuid& id);
  // Visits with this status (any if empty) by this author (any if empty).
  Result<std::vector<RecordView>> Visits(const std::string& status, const std::string& author);
  Result<std::vector<RecordView>> Drafts(const std::string& author) { return Visits("draft", author); }
  Result<std::vector<RecordView>> OpenConflicts();
  // Local writes not yet acknowledged by the server.
  Result<int64_t> PendingCount();
  Result<std::vector<PendingWrite>> PendingWrites(size_t limit);
  Result<std::vector<RejectedWrite>> RejectedWrites(size_t limit);
  // The confirmed replica: every record the server has sent, with the fields as it sent
  // them (no local write over them), deleted ones included. For checks and tests.
  Result<std::vector<Record>> ConfirmedRecords();

 private:
  explicit StoreReader(Connection db) : db_(std::move(db)) {}
  struct KeyFilter {
    const char* name;
    std::string value;
  };
  // Live records of `type` within `scope` (any if empty) matching every filter.
  Result<std::vector<RecordView>> Matching(const std::string& type, const std::string& scope,
                                           const std::vector<KeyFilter>& filters, size_t limit);
  Result<std::optional<RecordView>> Load(const Uuid& id, uint32_t node);
  Result<uint32_t> Node();

  Connection db_;
};

}  // namespace homevisit::store
