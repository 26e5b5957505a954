// WriteTxn's default methods, shared by every backend.
#include "sync-server/storage/storage.h"

namespace homevisit::server {

Status WriteTxn::PutNewRecord(const RecordHeader& record, const std::vector<NewField>& fields) {
  std::string name;
  for (size_t i = 0; i < fields.size(); ++i) {
    const NewField& f = fields[i];
    if (i > 0 && !(fields[i - 1].name < f.name)) {
      return Internal("PutNewRecord: the fields are not in ascending name order");
    }
    name.assign(f.name);
    const FieldVersion version{*f.value, f.stamp};
    Status s = f.encoded.empty() ? PutField(record, name, version, std::nullopt)
                                 : PutEncodedField(record, name, version, f.encoded, std::nullopt);
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

}  // namespace homevisit::server
