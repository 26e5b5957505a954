// Packed fields: a record's fields as one byte string with names by index
// (records.proto Record.packed_fields for pulls, sync.proto RecordWrite.packed_fields for
// PushPacked). Values stay serialized v1.Value bytes, which is how both the device and the
// server store them, so a replica passes them through without building a message per field.
//
// Readers validate everything: a packed string that is truncated, names an index outside
// the table, or holds a value that FromProto would refuse is an InvalidArgument, and nothing
// of it is used.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/value.h"

#include "core/stamp.h"
#include "core/status.h"
#include "google/protobuf/repeated_ptr_field.h"

namespace homevisit::wire {

using NameList = google::protobuf::RepeatedPtrField<std::string>;

// Accepts exactly the serialized Values that SerializeToString writes for a Value that
// FromProto accepts: one kind, nothing else, strings in UTF-8. Scalar kinds are checked
// in place; lists, points and repeat rows are parsed.
Status CheckEncodedValue(std::string_view bytes);

// True when `bytes` hold one scalar Value (integer, boolean, date, null, text, decimal,
// attachment) in exactly the form SerializeToString writes for it: then the bytes equal the
// serialization of the Value they decode to, and a receiver may store them as they came
// instead of encoding the decoded value again. False says nothing about validity.
bool IsCanonicalScalar(std::string_view bytes);
// The value of bytes IsCanonicalScalar accepts, read in place (what ValueFromBytes gives for
// them, without building a message); nullopt for any other bytes.
std::optional<Value> DecodeCanonicalScalar(std::string_view bytes);

// The name table of one message (ChangeBatch.field_names, PushRequest.field_names): adds a
// name the first time it is asked for and returns its index.
class FieldNameTable {
 public:
  explicit FieldNameTable(NameList* names) : names_(names) {}
  uint32_t IndexOf(std::string_view name);

 private:
  NameList* names_;
  // Records of one type list their fields in the same order: the name after the last one
  // asked for (or the first, after the last in the table) is tried before the hash lookup.
  uint32_t last_ = UINT32_MAX;
  // Keys view the strings in names_, which keep their place when the list grows.
  std::unordered_map<std::string_view, uint32_t> index_;
};

// ---- pulls (Record.packed_fields) ----

struct PackedField {
  std::string_view name;   // views the batch's name table
  std::string_view value;  // a serialized v1.Value, viewing the packed bytes
  Stamp stamp;
};

void AppendPackedField(std::string* out, uint32_t name_index, std::string_view value,
                       const Stamp& stamp, const Stamp& record_stamp);
// Appends the fields of `packed` to *out (views into `packed` and `names`). Values are
// checked with CheckEncodedValue.
Status DecodePackedFields(std::string_view packed, const NameList& names,
                          const Stamp& record_stamp, std::vector<PackedField>* out);

// ---- pushes (RecordWrite.packed_fields) ----

struct PackedWrite {
  std::string_view name;
  uint32_t name_index = 0;  // its place in the batch's name list
  std::string_view value;  // a serialized v1.Value
  uint64_t hlc = 0;        // 0: the record write's hlc
  std::optional<Stamp> base;
};

void AppendPackedWrite(std::string* out, uint32_t name_index, std::string_view value,
                       uint64_t hlc, const std::optional<Stamp>& base);
// Appends the writes of `packed` to *out. Values are not checked here: the server decodes
// every value anyway and refuses one write, not the batch, for a bad value.
Status DecodePackedWrites(std::string_view packed, const NameList& names,
                          std::vector<PackedWrite>* out);

}  // namespace homevisit::wire
