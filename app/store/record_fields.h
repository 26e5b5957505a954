// Well-known record types and field names the device filters on. One name for one thing:
// these are the names of core/record_types.h, which the server checks every write against.
#pragma once

#include <string_view>

namespace homevisit::store {

namespace type {
inline constexpr char kStudent[] = "student";
inline constexpr char kHousehold[] = "household";
inline constexpr char kVisit[] = "visit";
inline constexpr char kConflict[] = "conflict";
}  // namespace type

namespace field {
inline constexpr char kName[] = "name";                // student: full name
inline constexpr char kClass[] = "class_name";         // student: class, e.g. "三年级2班"
inline constexpr char kGrade[] = "grade";              // student: grade 1-9 (integer)
inline constexpr char kVillage[] = "village";          // student, household: village (村)
inline constexpr char kHousehold[] = "household_id";   // student, visit: household (uuid text)
inline constexpr char kStudent[] = "student_id";       // visit: the student visited (uuid text)
inline constexpr char kStatus[] = "status";            // visit: review status; conflict: open/resolved
inline constexpr char kAuthor[] = "author";            // visit: login name of the teacher
inline constexpr char kHeadName[] = "head_name";       // household: head of household
inline constexpr char kDeleted[] = "_deleted";         // every type: deletion marker
// Conflict records (core/merge.h MakeConflictRecord).
inline constexpr char kConflictRecord[] = "record_id";
inline constexpr char kConflictField[] = "field";
inline constexpr char kConflictLoser[] = "loser";
inline constexpr char kConflictWinner[] = "winner";
inline constexpr char kResolution[] = "resolution";    // conflict: the coordinator's note
inline constexpr char kResolvedBy[] = "resolved_by";   // conflict: who resolved it
}  // namespace field

// Fields whose effective value is kept in record_key for filtering: exactly those that
// StoreReader filters on (a key row costs a write per pulled record). Plain names: they are
// also spelled into SQL. Schema 3 dropped the rows of student_id and grade, which no query
// used.
inline constexpr const char* kQueryKeys[] = {field::kClass,  field::kVillage, field::kHousehold,
                                             field::kStatus, field::kAuthor,  field::kDeleted};
inline bool IsQueryKey(std::string_view name) {
  for (const char* key : kQueryKeys) {
    if (name == key) return true;
  }
  return false;
}

}  // namespace homevisit::store
