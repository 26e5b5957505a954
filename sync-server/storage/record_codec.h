// How a backend stores the current fields of one record in one row: a compact, versioned
// byte string holding, per field, its name, its value (the bytes EncodeValue makes), its
// stamp and the change position of its last change.
//
// One row per record instead of one per field: a new 40-field visit costs one row and its
// index entries rather than forty, and a pull reads one row per changed record. The field
// positions let a pull still send only the fields that changed after its cursor.
//
// Format 1: byte 0x01, varint field count, then per field in name order: varint name
// length, name, varint value length, value bytes, varint hlc, varint node, varint position.
// Format 2, what is written now (a format-1 row stays readable and is written again in
// format 2 when its record changes): byte 0x02, then as format 1 except that after a field's value comes one byte: 0x00, then
// its hlc, node and position as in format 1; or 0x01, the same stamp and position as the
// field before it. Fields written together share both, so a new 40-field visit stores one
// stamp instead of forty: 39 stamps of about 12 bytes become one byte each, and a
// benchmark visit's row shrinks from about 1,250 bytes to about 820.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/record.h"
#include "core/status.h"

namespace homevisit::server {

// One stored field. The views point into the encoded row (decoding) or into the caller's
// strings (encoding).
struct EncodedField {
  std::string_view name;
  std::string_view value;  // EncodeValue bytes
  Stamp stamp;
  uint64_t seq = 0;  // change position of the field's last change
};

// `fields` must be in strictly increasing name order.
std::string EncodeRecordFields(const std::vector<EncodedField>& fields);

// What an operator's `stats` counts, kept next to a record row so that it never decodes one.
struct RecordSummary {
  int64_t field_count = 0;
  bool deleted = false;        // "_deleted" is true
  bool open_conflict = false;  // a conflict record whose "status" is "open"
};
RecordSummary SummarizeRecord(std::string_view type, const std::vector<EncodedField>& fields);

// kInternal (the database is damaged) for anything but a well-formed format-1 or -2 row; never
// reads outside `bytes`. The views in *out point into `bytes`.
Status DecodeRecordFields(std::string_view bytes, std::vector<EncodedField>* out);

}  // namespace homevisit::server
