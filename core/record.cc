#include "core/record.h"

namespace homevisit {

const FieldVersion* Record::Find(const std::string& name) const {
  auto it = fields.find(name);
  return it == fields.end() ? nullptr : &it->second;
}

bool Record::deleted() const {
  const FieldVersion* f = Find(kDeletedField);
  return f && f->value == Value(true);
}

std::string Record::DebugString() const {
  std::string out = type + " " + id.ToString() + " @" + scope + "\n";
  for (const auto& [name, fv] : fields) {
    out += "  " + name + "=" + fv.value.DebugString() + "@" + fv.stamp.ToString() + "\n";
  }
  return out;
}

}  // namespace homevisit
