#include "sync-server/storage/storage.h"
#include "sync-server/storage/value_codec.h"

namespace homevisit::server {

Result<std::vector<Change>> Storage::ReadChanges(const std::vector<std::string>& scopes,
                                                 uint64_t after_seq, size_t limit) {
  auto encoded = ReadEncodedChanges(scopes, after_seq, limit);
  if (!encoded.ok()) return encoded.status();
  std::vector<Change> out;
  out.reserve(encoded->changes.size());
  for (EncodedChange& c : encoded->changes) {
    auto value = DecodeValue(c.value);
    if (!value.ok()) return value.status();
    out.push_back(Change{c.seq, encoded->records[c.record], std::move(c.field),
                         FieldVersion{std::move(value).value(), c.stamp}});
  }
  return out;
}

}  // namespace homevisit::server
