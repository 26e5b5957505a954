// Well-known record types and field names the device filters on. One name for one thing:
// these are the names of core/record_types.h, which the server checks every write against.
#pragma once

#include <iterator>
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

// The fields whose effective value is kept as text in a key column of `record`, by record
// type: exactly those StoreReader filters on (each indexed column costs writes for every
// pulled record), and the deletion marker of every type (empty type). Schema 4 moved them
// from rows of a `record_key` table into these columns, so a pulled record is one row write.
struct QueryKey {
  const char* type;
  const char* name;
};
inline constexpr QueryKey kQueryKeys[] = {
    {type::kStudent, field::kClass},  {type::kStudent, field::kVillage},
    {type::kStudent, field::kHousehold}, {type::kVisit, field::kStatus},
    {type::kVisit, field::kAuthor},   {type::kConflict, field::kStatus},
    {"", field::kDeleted},
};
// The key columns of `record`, in the order ApplyPulled and the migration use them; a name
// shared by two types (status) shares its column.
struct KeyColumn {
  const char* name;    // the field
  const char* column;  // its column in `record`
};
inline constexpr KeyColumn kKeyColumns[] = {
    {field::kClass, "key_class"},   {field::kVillage, "key_village"},
    {field::kHousehold, "key_household"}, {field::kStatus, "key_status"},
    {field::kAuthor, "key_author"}, {field::kDeleted, "key_deleted"},
};
inline constexpr int kKeyColumnCount = static_cast<int>(std::size(kKeyColumns));
// The index into kKeyColumns of the column keeping field `name`, or -1.
inline int KeyColumnOf(std::string_view name) {
  for (int i = 0; i < kKeyColumnCount; ++i) {
    if (name == kKeyColumns[i].name) return i;
  }
  return -1;
}
inline bool IsQueryKey(std::string_view type, std::string_view name) {
  for (const QueryKey& key : kQueryKeys) {
    if (name == key.name && (*key.type == 0 || type == key.type)) return true;
  }
  return false;
}
// A query key of some record type.
inline bool MayBeQueryKey(std::string_view name) {
  for (const QueryKey& key : kQueryKeys) {
    if (name == key.name) return true;
  }
  return false;
}

}  // namespace homevisit::store
