// The record model: (id, type, scope, fields), each field a value with the stamp of the
// write that made it current.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "core/stamp.h"
#include "core/uuid.h"
#include "core/value.h"

namespace homevisit {

// Well-known field names shared by every record type.
inline constexpr char kDeletedField[] = "_deleted";

struct FieldVersion {
  Value value;
  Stamp stamp;
  bool operator==(const FieldVersion& other) const = default;
};

struct Record {
  Uuid id;
  std::string type;
  std::string scope;
  std::map<std::string, FieldVersion> fields;

  // nullptr if the field is absent.
  const FieldVersion* Find(const std::string& name) const;
  // Deletion is the field "_deleted" holding true; it merges like any other field.
  bool deleted() const;
  // One line per field, sorted: "name=value@stamp". For test diffs.
  std::string DebugString() const;
  bool operator==(const Record& other) const = default;
};

// One write of one field: the new value, its stamp, and the stamp it replaces (nullopt when
// the writer saw no value, i.e. the field did not exist for it).
struct FieldWrite {
  std::string name;
  Value value;
  Stamp stamp;
  std::optional<Stamp> base;
};

}  // namespace homevisit
