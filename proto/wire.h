// Conversion between the core model and its protocol messages. The only place that knows
// both; validation of what arrives from the network happens here (a malformed value is an
// InvalidArgument, never a crash).
#pragma once

#include "core/record.h"
#include "core/status.h"
#include "homevisit/v1/records.pb.h"

namespace homevisit::wire {

void ToProto(const Value& value, v1::Value* out);
// Refuses a Value with no kind, a blob reference that is not 32 bytes, a repeat row cell that
// itself holds rows, and more than kMaxRows rows or kMaxListItems items.
Result<Value> FromProto(const v1::Value& value);
// A serialized v1.Value (its bytes as a packed field carries them), checked as FromProto does.
Result<Value> ValueFromBytes(std::string_view bytes);

inline constexpr int kMaxRows = 200;
inline constexpr int kMaxListItems = 500;

inline void ToProto(const Stamp& s, v1::Stamp* out) {
  out->set_hlc(s.hlc);
  out->set_node(s.node);
}
inline Stamp FromProto(const v1::Stamp& s) { return Stamp{s.hlc(), s.node()}; }

void ToProto(const Record& record, v1::Record* out);
Result<Record> FromProto(const v1::Record& record);

}  // namespace homevisit::wire
